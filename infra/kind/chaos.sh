#!/usr/bin/env bash
# pnpm kind:chaos <experiment> [service]: break the running kind cluster on purpose and watch it heal.
#   kill-pod   <service>  delete one pod: the ReplicaSet replaces it, readiness gates traffic (default: catalog)
#   crash      <service>  make one pod exit (POST /admin/faults {"crash":true}): restart, CrashLoopBackOff back-off
#   cpu        <service>  burn 90% CPU in every pod for 2 minutes: the HPA scales out, then back in
#   latency    <service>  add 2 s latency for 60 s: deadlines, retries and breakers in the callers; then clean up
#   zero       <service>  scale to zero for 30 s (the HPA pauses at 0): callers fail fast; then scale back
#   drain                 cordon and drain one worker: the PDB keeps at most one pod per service down
#   bad-rollout <service> roll out the same image failing half its calls: the canary analysis aborts it; then undo
#   status                pods, Rollouts, HPAs and PDBs of the namespace
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

experiment="${1:-}"
service="${2:-catalog}"
case "$experiment" in
  kill-pod | crash | cpu | latency | zero | drain | bad-rollout | status) ;;
  "" | -h | --help)
    sed -n '2,10p' "$0"
    exit 0
    ;;
  *) fail "unknown experiment '${experiment}' (pnpm kind:chaos --help)" ;;
esac
require_cluster
case " $SERVICES " in
  *" $service "*) ;;
  *) fail "unknown service '${service}' (one of: ${SERVICES})" ;;
esac

# Watches pods of one service for `seconds` (bounded: never runs forever).
watch_pods() {
  local seconds="$1"
  info "watching ${service} pods for ${seconds}s (Ctrl-C to stop early)"
  run_for "$seconds" kubectl -n "$NAMESPACE" get pods -l "app.kubernetes.io/name=${service}" --watch
}

first_pod() {
  kubectl -n "$NAMESPACE" get pods -l "app.kubernetes.io/name=${service}" -o jsonpath='{.items[0].metadata.name}'
}

# faults <pod> <json>: POST /admin/faults on the pod's admin port through a short-lived port-forward.
faults() {
  require curl "Install curl"
  local pod="$1" body="$2" token port pid
  token="$(kubectl -n "$NAMESPACE" get secret -o json | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const item = JSON.parse(s).items.find((i) => i.metadata.name.startsWith("rebound-admin"));
      process.stdout.write(Buffer.from(item.data.token, "base64").toString());
    });')"
  port=$((20000 + RANDOM % 20000))
  kubectl -n "$NAMESPACE" port-forward "pod/${pod}" "${port}:9464" >/dev/null 2>&1 &
  pid=$!
  local tries=0
  until curl -fsS "http://127.0.0.1:${port}/livez" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 50 ] || { kill "$pid" 2>/dev/null; fail "port-forward to ${pod} did not come up"; }
    sleep 0.2
  done
  curl -fsS -X POST -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \
    --data "$body" "http://127.0.0.1:${port}/admin/faults" || true
  echo
  kill "$pid" 2>/dev/null || true
}

case "$experiment" in
  status)
    step "State of namespace ${NAMESPACE}"
    kubectl -n "$NAMESPACE" get pods,rollouts,hpa,pdb -o wide
    ;;
  bad-rollout)
    # A bad version is the same image with a bad-behaviour profile (docs/remediation.md), set on the Deployment
    # whose template the Rollout runs. The analysis needs calls to judge: run traffic meanwhile, e.g.
    # `pnpm load --url http://127.0.0.1:8080` in another terminal.
    case "$service" in
      catalog | inventory | payments | orders) ;;
      *) fail "bad-rollout fails gRPC calls: pick a gRPC service (catalog, inventory, payments, orders)" ;;
    esac
    step "Rolling out a bad ${service}: REBOUND_BEHAVIOUR=error-ratio=0.5 (half its calls fail)"
    kubectl -n "$NAMESPACE" set env "deploy/${service}" REBOUND_VERSION=bad REBOUND_BEHAVIOUR=error-ratio=0.5
    info "a canary pod starts (25 %); every 20 s the analysis compares it with the stable pods on Prometheus"
    run_for 240 kubectl -n "$NAMESPACE" get "rollout/${service}" --watch
    info "phase: $(kubectl -n "$NAMESPACE" get "rollout/${service}" -o jsonpath='{.status.phase}: {.status.message}')"
    info "Degraded + aborted = the analysis failed and the stable pods took every replica back"
    kubectl -n "$NAMESPACE" get analysisruns
    step "Undoing: the previous template again (inside the rollback window: no canary steps)"
    kubectl -n "$NAMESPACE" set env "deploy/${service}" REBOUND_VERSION- REBOUND_BEHAVIOUR-
    wait_rollout "$service" 300
    ;;
  kill-pod)
    pod="$(first_pod)"
    step "Deleting pod ${pod}: the ReplicaSet starts a replacement; it gets traffic once /readyz passes"
    kubectl -n "$NAMESPACE" delete pod "$pod" --wait=false
    watch_pods 60
    ;;
  crash)
    pod="$(first_pod)"
    step "Crashing ${pod} (exit 70): the kubelet restarts the container; repeated crashes back off (CrashLoopBackOff)"
    faults "$pod" '{"crash":true}'
    watch_pods 60
    ;;
  cpu)
    step "Burning 90% CPU in every ${service} pod for 120 s: watch the HPA scale out (2 pods / 15 s), then in after 120 s"
    for pod in $(kubectl -n "$NAMESPACE" get pods -l "app.kubernetes.io/name=${service}" -o jsonpath='{.items[*].metadata.name}'); do
      faults "$pod" '{"cpuBurnPercent":90}'
    done
    run_for 120 kubectl -n "$NAMESPACE" get hpa "$service" --watch
    step "Stopping the burn"
    for pod in $(kubectl -n "$NAMESPACE" get pods -l "app.kubernetes.io/name=${service}" -o jsonpath='{.items[*].metadata.name}'); do
      faults "$pod" '{"cpuBurnPercent":0}'
    done
    run_for 180 kubectl -n "$NAMESPACE" get hpa "$service" --watch
    ;;
  latency)
    pod="$(first_pod)"
    step "Adding 2 s latency to ${pod} for 60 s: callers hit their deadlines, hedge or fail over"
    faults "$pod" '{"latencyMs":2000}'
    watch_pods 60
    step "Removing the latency"
    faults "$pod" '{"latencyMs":0}'
    ;;
  zero)
    step "Scaling ${service} to zero for 30 s (an HPA does not act on a workload at 0 replicas)"
    kubectl -n "$NAMESPACE" scale "rollout/${service}" --replicas=0
    watch_pods 30
    min="$(kubectl -n "$NAMESPACE" get hpa "$service" -o jsonpath='{.spec.minReplicas}' 2>/dev/null || echo 2)"
    step "Scaling ${service} back to ${min}: the HPA takes over again"
    kubectl -n "$NAMESPACE" scale "rollout/${service}" --replicas="${min:-2}"
    wait_rollout "$service" 180
    ;;
  drain)
    node="$(kubectl get nodes -l '!node-role.kubernetes.io/control-plane' -o jsonpath='{.items[0].metadata.name}')"
    step "Draining ${node}: evictions respect each PodDisruptionBudget (maxUnavailable 1)"
    kubectl drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout=300s
    kubectl -n "$NAMESPACE" get pods -o wide
    step "Uncordoning ${node}"
    kubectl uncordon "$node"
    ;;
esac
