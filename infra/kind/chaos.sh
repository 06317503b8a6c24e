#!/usr/bin/env bash
# pnpm kind:chaos <experiment> [service]: break the running kind cluster on purpose and watch it heal.
#   kill-pod   <service>  delete one pod: the ReplicaSet replaces it, readiness gates traffic (default: catalog)
#   crash      <service>  make one pod exit (POST /admin/faults {"crash":true}): restart, CrashLoopBackOff back-off
#   cpu        <service>  burn 90% CPU in every pod for 2 minutes: the HPA scales out, then back in
#   latency    <service>  add 2 s latency for 60 s: deadlines, retries and breakers in the callers; then clean up
#   zero       <service>  scale to zero for 30 s (the HPA pauses at 0): callers fail fast; then scale back
#   drain                 cordon and drain one worker: the PDB keeps at most one pod per service down
#   kill-db-primary       SIGKILL the PostgreSQL primary pod: a synchronous standby is promoted, postgresql-rw follows
#   kill-broker [n]       SIGKILL Kafka broker n (default 1): RF 3 / min ISR 2 keep every acks=all write going
#   drill                 back up, restore the backup into a throwaway Cluster, compare every table's rows, print RTO
#   bad-rollout <service> roll out the same image failing half its calls: the canary analysis aborts it; then undo
#   status                pods, Rollouts, HPAs and PDBs of the namespace
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

experiment="${1:-}"
service="${2:-catalog}"
case "$experiment" in
  kill-pod | crash | cpu | latency | zero | drain | bad-rollout | status | kill-db-primary | kill-broker | drill) ;;
  "" | -h | --help)
    sed -n '2,13p' "$0"
    exit 0
    ;;
  *) fail "unknown experiment '${experiment}' (pnpm kind:chaos --help)" ;;
esac
require_cluster
case "$experiment" in
  kill-db-primary | kill-broker | drill) ;;
  *)
    case " $SERVICES " in
      *" $service "*) ;;
      *) fail "unknown service '${service}' (one of: ${SERVICES})" ;;
    esac
    ;;
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


# --- data tier (issue 15) ------------------------------------------------------------------------------------
PG_CLUSTER="postgresql"

pg_primary() {
  kubectl -n "$NAMESPACE" get cluster "$PG_CLUSTER" -o jsonpath='{.status.currentPrimary}'
}

# pg_sql <pod> <database> <sql>: runs one statement as the postgres superuser inside an instance pod (peer auth).
pg_sql() {
  kubectl -n "$NAMESPACE" exec "$1" -c postgres -- psql -X -q -At -d "$2" -c "$3"
}

# Exact row counts of every table of every service database, one `db.table=n` per line (sorted).
pg_row_counts() {
  local pod="$1" db
  for db in inventory orders payments notifications; do
    pg_sql "$pod" "$db" "SELECT format('${db}.%s.%s=%s', schemaname, relname,
        (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', schemaname, relname), false, true, '')))[1]::text)
      FROM pg_stat_user_tables ORDER BY schemaname, relname"
  done | sort
}

now_ms() { node -e 'process.stdout.write(String(Date.now()))'; }
elapsed() { node -e 'process.stdout.write(((Number(process.argv[2]) - Number(process.argv[1])) / 1000).toFixed(1))' "$1" "$2"; }

# kafka_partitions <broker-pod> <flag>: how many partitions the broker reports as --under-replicated-partitions
# or --under-min-isr-partitions (the latter refuse acks=all writes).
kafka_partitions() {
  kubectl -n "$NAMESPACE" exec "$1" -- /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 \
    --describe "$2" 2>/dev/null | grep -c 'Partition:' || true
}
# --- end of the data tier helpers ----------------------------------------------------------------------------

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
  kill-db-primary)
    primary="$(pg_primary)"
    [ -n "$primary" ] || fail "the Cluster ${PG_CLUSTER} reports no primary (kubectl -n ${NAMESPACE} get cluster)"
    witness="$(kubectl -n "$NAMESPACE" get pods -l "cnpg.io/cluster=${PG_CLUSTER},cnpg.io/instanceRole=replica" \
      -o jsonpath='{.items[0].metadata.name}')"
    [ -n "$witness" ] || fail "no standby of ${PG_CLUSTER}: a failover needs one"
    url="$(kubectl -n "$NAMESPACE" get secret postgresql-orders -o jsonpath='{.data.url}' | base64 -d)"
    step "SIGKILL of the PostgreSQL primary ${primary} (pod deleted with no grace): the operator fences it, promotes a synchronous standby and moves postgresql-rw"
    start="$(now_ms)"
    kubectl -n "$NAMESPACE" delete pod "$primary" --grace-period=0 --force >/dev/null 2>&1
    new=""
    for _ in $(seq 1 240); do
      new="$(pg_primary)"
      if [ -n "$new" ] && [ "$new" != "$primary" ]; then break; fi
      sleep 0.5
    done
    [ "$new" != "$primary" ] || fail "no new primary after 120 s (kubectl -n ${NAMESPACE} describe cluster ${PG_CLUSTER})"
    info "new primary ${new} after $(elapsed "$start" "$(now_ms)") s"
    # A write through postgresql-rw (txid_current() needs a primary), from a standby pod: when the services'
    # own path takes writes again.
    until kubectl -n "$NAMESPACE" exec "$witness" -c postgres -- psql -X -At "$url" -c 'SELECT txid_current()' >/dev/null 2>&1; do
      [ "$(elapsed "$start" "$(now_ms)" | cut -d. -f1)" -lt 180 ] || fail "postgresql-rw takes no write 180 s after the kill"
      sleep 0.5
    done
    info "writes accepted through postgresql-rw after $(elapsed "$start" "$(now_ms)") s (bar locally: 10 s)"
    step "Waiting for the old primary to come back as a standby (Cluster Ready)"
    kubectl -n "$NAMESPACE" wait --for=condition=Ready "cluster/${PG_CLUSTER}" --timeout=300s
    info "3 instances again after $(elapsed "$start" "$(now_ms)") s"
    kubectl -n "$NAMESPACE" get pods -l "cnpg.io/cluster=${PG_CLUSTER}" -L cnpg.io/instanceRole -o wide
    ;;
  kill-broker)
    broker="kafka-${2:-1}"
    kubectl -n "$NAMESPACE" get pod "$broker" >/dev/null || fail "no broker pod ${broker} (kafka-0, kafka-1, kafka-2)"
    witness="kafka-0"
    [ "$broker" != kafka-0 ] || witness="kafka-1"
    step "SIGKILL of Kafka broker ${broker} (pod deleted with no grace): leaders move, 2 replicas stay in sync, acks=all writes go on"
    start="$(now_ms)"
    kubectl -n "$NAMESPACE" delete pod "$broker" --grace-period=0 --force >/dev/null 2>&1
    # The ISR shrinks once the controller notices the broker gone (its session times out): watch the counts
    # change, until the broker is back, ready, and every partition has its 3 replicas in sync again.
    seen=""
    while :; do
      under="$(kafka_partitions "$witness" --under-replicated-partitions)"
      below="$(kafka_partitions "$witness" --under-min-isr-partitions)"
      line="under-replicated partitions ${under}, under min ISR (writes refused) ${below}"
      if [ "$line" != "$seen" ]; then
        info "$(elapsed "$start" "$(now_ms)") s: ${line}"
        seen="$line"
      fi
      ready="$(kubectl -n "$NAMESPACE" get pod "$broker" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)"
      if [ "$ready" = True ] && [ "$under" = 0 ]; then break; fi
      [ "$(elapsed "$start" "$(now_ms)" | cut -d. -f1)" -lt 300 ] || fail "${broker} not back with every partition in sync 300 s after the kill"
      sleep 2
    done
    info "${broker} back and every partition fully replicated after $(elapsed "$start" "$(now_ms)") s"
    ;;
  drill)
    primary="$(pg_primary)"
    [ -n "$primary" ] || fail "the Cluster ${PG_CLUSTER} reports no primary (kubectl -n ${NAMESPACE} get cluster)"
    stamp="$(date +%Y%m%d%H%M%S)"
    step "Base backup now (Backup postgresql-drill-${stamp}, through the Barman Cloud plugin)"
    before="$(pg_row_counts "$primary")"
    kubectl -n "$NAMESPACE" apply -f - >/dev/null <<YAML
apiVersion: postgresql.cnpg.io/v1
kind: Backup
metadata:
  name: postgresql-drill-${stamp}
  namespace: ${NAMESPACE}
spec:
  cluster:
    name: ${PG_CLUSTER}
  method: plugin
  pluginConfiguration:
    name: barman-cloud.cloudnative-pg.io
YAML
    kubectl -n "$NAMESPACE" wait --for=jsonpath='{.status.phase}'=completed "backup/postgresql-drill-${stamp}" --timeout=600s
    # The restore stops at this point of the WAL (the segment holding it is switched out into the archive), so
    # the restored rows lie between the counts before the backup and the counts taken after this point.
    target="$(pg_sql "$primary" postgres 'SELECT pg_current_wal_lsn()')"
    pg_sql "$primary" postgres 'SELECT pg_switch_wal()' >/dev/null
    after="$(pg_row_counts "$primary")"
    image="$(kubectl -n "$NAMESPACE" get cluster "$PG_CLUSTER" -o jsonpath='{.spec.imageName}')"
    step "Restoring the object store's backup and WAL up to ${target} into a throwaway Cluster postgresql-drill (the live one is untouched)"
    start="$(now_ms)"
    kubectl -n "$NAMESPACE" apply -f - >/dev/null <<YAML
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: postgresql-drill
  namespace: ${NAMESPACE}
spec:
  instances: 1
  imageName: ${image}
  storage:
    size: 1Gi
  bootstrap:
    recovery:
      source: origin
      recoveryTarget:
        targetLSN: "${target}"
  externalClusters:
    - name: origin
      plugin:
        name: barman-cloud.cloudnative-pg.io
        parameters:
          barmanObjectName: postgresql-backups
          serverName: ${PG_CLUSTER}
YAML
    kubectl -n "$NAMESPACE" wait --for=condition=Ready cluster/postgresql-drill --timeout=900s
    rto="$(elapsed "$start" "$(now_ms)")"
    restored="$(pg_row_counts postgresql-drill-1)"
    step "Comparing every table's rows: before the backup <= restored <= after the WAL switch"
    verdict=PASS
    while IFS='=' read -r table count; do
      low="$(printf '%s\n' "$before" | sed -n "s/^${table}=//p")"
      high="$(printf '%s\n' "$after" | sed -n "s/^${table}=//p")"
      if [ "$count" -lt "${low:-0}" ] || [ "$count" -gt "${high:-0}" ]; then verdict=FAIL; fi
      info "${table}: ${low:-?} <= ${count} <= ${high:-?}"
    done <<<"$restored"
    [ -n "$restored" ] || verdict=FAIL
    info "RTO (apply of the restore → restored Cluster ready): ${rto} s; verdict: ${verdict}"
    kubectl -n "$NAMESPACE" delete cluster postgresql-drill --wait=false >/dev/null
    [ "$verdict" = PASS ] || fail "restored rows outside the bounds above"
    ;;
esac
