#!/usr/bin/env bash
# pnpm kind:up [--with-keda] [--skip-build]: create the kind cluster (pinned node image), install metrics-server,
# cert-manager, CloudNativePG + its backup plugin, Argo Rollouts (and KEDA) from pinned releases, build and load the
# service images, apply k8s/overlays/kind, wait until everything is ready and print the URLs. Safe to re-run (kept
# or updated).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

with_keda=false
skip_build=false
for arg in "$@"; do
  case "$arg" in
    --with-keda) with_keda=true ;;
    --skip-build) skip_build=true ;;
    -h | --help)
      sed -n '2,5p' "$0"
      exit 0
      ;;
    *) fail "unknown flag ${arg} (flags: --with-keda, --skip-build)" ;;
  esac
done

step "Checking prerequisites (docker, kind, kubectl)"
require_tools
require node "Install Node 24 (the repository's toolchain: pnpm install)"
info "docker, kind $(kind version | awk '{print $2}'), kubectl ok"

step "Creating kind cluster ${CLUSTER_NAME} (${NODE_IMAGE})"
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  info "cluster exists: reusing it"
else
  kind create cluster --name "$CLUSTER_NAME" --config "$ROOT/infra/kind/cluster.yaml" --image "$NODE_IMAGE" --wait 180s
fi
kubectl config use-context "kind-${CLUSTER_NAME}" >/dev/null

step "Installing metrics-server ${METRICS_SERVER_VERSION} (the HPAs read CPU from it)"
kubectl apply -f "https://github.com/kubernetes-sigs/metrics-server/releases/download/${METRICS_SERVER_VERSION}/components.yaml"
# kind kubelets serve self-signed certificates.
if ! kubectl -n kube-system get deploy metrics-server -o jsonpath='{.spec.template.spec.containers[0].args}' | grep -q kubelet-insecure-tls; then
  kubectl -n kube-system patch deploy metrics-server --type=json \
    -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--kubelet-insecure-tls"}]'
fi
kubectl -n kube-system rollout status deploy/metrics-server --timeout=180s

# --- data tier (issue 15): cert-manager, the CloudNativePG operator and its Barman Cloud plugin ---------------
step "Installing cert-manager ${CERT_MANAGER_VERSION} (TLS between CloudNativePG and its backup plugin)"
kubectl apply --server-side --force-conflicts \
  -f "https://github.com/cert-manager/cert-manager/releases/download/${CERT_MANAGER_VERSION}/cert-manager.yaml"
kubectl -n cert-manager rollout status deploy/cert-manager-webhook --timeout=180s

step "Installing CloudNativePG ${CNPG_VERSION} and the Barman Cloud plugin v${BARMAN_CLOUD_PLUGIN_VERSION}"
kubectl apply --server-side --force-conflicts \
  -f "https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-${CNPG_VERSION%.*}/releases/cnpg-${CNPG_VERSION}.yaml"
# The release manifest names the operator (and the instance manager it copies into every PostgreSQL pod) by
# tag: pin both to the digest.
kubectl -n cnpg-system set image deploy/cnpg-controller-manager manager="${CNPG_OPERATOR_IMAGE}"
kubectl -n cnpg-system set env deploy/cnpg-controller-manager OPERATOR_IMAGE_NAME="${CNPG_OPERATOR_IMAGE}"
kubectl -n cnpg-system rollout status deploy/cnpg-controller-manager --timeout=180s
kubectl apply --server-side --force-conflicts \
  -f "https://github.com/cloudnative-pg/plugin-barman-cloud/releases/download/v${BARMAN_CLOUD_PLUGIN_VERSION}/manifest.yaml"
kubectl -n cnpg-system rollout status deploy/barman-cloud --timeout=180s
kubectl wait --for condition=Established --timeout=120s \
  crd/clusters.postgresql.cnpg.io crd/databases.postgresql.cnpg.io crd/scheduledbackups.postgresql.cnpg.io \
  crd/objectstores.barmancloud.cnpg.io
# --- end of the data tier block ------------------------------------------------------------------------------

# --- Argo Rollouts ----------------------------------------------------------------------------------------------
# The services run as Rollouts (k8s/base): canary steps, analysis on Prometheus, abort on a failed analysis. The
# controller and its CRDs come from the pinned release's install.yaml (namespace argo-rollouts); the CRDs must be
# Established before the overlay's Rollouts and AnalysisTemplates are applied.
step "Installing Argo Rollouts ${ARGO_ROLLOUTS_VERSION} (canary rollouts with analysis and automatic abort)"
kubectl create namespace argo-rollouts --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply --server-side --force-conflicts -n argo-rollouts \
  -f "https://github.com/argoproj/argo-rollouts/releases/download/${ARGO_ROLLOUTS_VERSION}/install.yaml" >/dev/null
kubectl wait --for condition=Established --timeout=120s crd/rollouts.argoproj.io crd/analysistemplates.argoproj.io \
  crd/analysisruns.argoproj.io
kubectl -n argo-rollouts rollout status deploy/argo-rollouts --timeout=180s
# --- end of Argo Rollouts ---------------------------------------------------------------------------------------

if [ "$with_keda" = true ]; then
  step "Installing KEDA ${KEDA_VERSION}"
  kubectl apply --server-side --force-conflicts \
    -f "https://github.com/kedacore/keda/releases/download/v${KEDA_VERSION}/keda-${KEDA_VERSION}.yaml"
  kubectl wait --for condition=Established --timeout=120s crd/scaledobjects.keda.sh
  kubectl -n keda rollout status deploy/keda-operator --timeout=180s
fi

tag="$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo dev)"
if ! git -C "$ROOT" diff --quiet HEAD -- apps libs infra/remediation 2>/dev/null; then tag="${tag}-dirty"; fi
present=""
missing=""
for service in $SERVICES; do
  if [ -f "$ROOT/apps/$service/package.json" ]; then present="$present $service"; else missing="$missing $service"; fi
done
# The remediation controller (infra/remediation, package @rebound/remediation) is built by the same recipe.
images="$present remediation"

if [ "$skip_build" = true ]; then
  step "Skipping image builds (--skip-build): loading rebound/*:${tag} if present"
else
  step "Building images rebound/<service>:${tag} (infra/docker/Dockerfile)"
  for service in $images; do
    info "building ${service}"
    DOCKER_BUILDKIT=1 docker build --quiet -f "$ROOT/infra/docker/Dockerfile" --build-arg "SERVICE=${service}" \
      -t "rebound/${service}:${tag}" "$ROOT" >/dev/null
  done
fi

step "Loading images into the cluster"
for service in $images; do
  info "loading rebound/${service}:${tag}"
  kind load docker-image --name "$CLUSTER_NAME" "rebound/${service}:${tag}" >/dev/null
done
[ -z "$missing" ] || info "not built yet (no apps/ folder), left out:${missing}"

step "Rendering k8s/overlays/kind"
node "$ROOT/test/k8s/src/sync-monitoring.cli.ts"
overlay="$ROOT/.data/kind/overlay"
keda_flag=()
if [ "$with_keda" = true ]; then keda_flag=(--with-keda); fi
bash "$ROOT/infra/kind/render.sh" --tag "$tag" --out "$overlay" ${keda_flag[@]+"${keda_flag[@]}"}

step "Applying (server-side)"
kubectl apply --server-side --force-conflicts -f "$overlay/rendered.yaml" >/dev/null
info "applied"

step "Waiting for everything to be ready"
# data tier (issue 15): three brokers, the backup store, then the PostgreSQL Cluster (3 instances) is Ready
kubectl -n "$NAMESPACE" rollout status statefulset/kafka --timeout=300s
kubectl -n "$NAMESPACE" rollout status statefulset/backup-store --timeout=300s
kubectl -n "$NAMESPACE" wait --for=condition=Ready cluster/postgresql --timeout=600s
for service in $present; do
  wait_rollout "$service" 300
done
kubectl -n "$NAMESPACE" rollout status deploy/remediation --timeout=180s
for deploy in prometheus alertmanager grafana kube-state-metrics otel-collector jaeger; do
  kubectl -n monitoring rollout status "deploy/${deploy}" --timeout=300s
done

step "Ready"
kubectl -n "$NAMESPACE" get pods -o wide
cat <<MSG

  gateway      http://127.0.0.1:8080            (console: http://127.0.0.1:8080/)
  grafana      http://127.0.0.1:3000            (anonymous viewer, folder "Rebound")
  prometheus   kubectl -n monitoring port-forward svc/prometheus 9090    → http://127.0.0.1:9090
  alertmanager kubectl -n monitoring port-forward svc/alertmanager 9093  → http://127.0.0.1:9093
  jaeger       kubectl -n monitoring port-forward svc/jaeger 16686       → http://127.0.0.1:16686

  Break it: pnpm kind:chaos --help        Tear down: pnpm kind:down
MSG
