# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables below are read by the scripts that source this file
# Shared by up.sh, down.sh and chaos.sh: pinned versions, progress output, prerequisite checks.

# Pinned third-party versions (bump together, then run `pnpm kind:up` once).
KIND_VERSION="v0.32.0"
NODE_IMAGE="kindest/node:v1.36.1"
KUBECTL_MIN_MINOR=35
KUBECTL_MAX_MINOR=37
METRICS_SERVER_VERSION="v0.8.0"
KEDA_VERSION="2.18.0"
# Data tier (issue 15): CloudNativePG, its Barman Cloud plugin (WAL archive and base backups) and the
# cert-manager the plugin's TLS needs. The operator's release manifest names its image by tag only: up.sh pins
# the digest (the multi-arch index of ghcr.io/cloudnative-pg/cloudnative-pg:1.29.1).
CNPG_VERSION="1.29.1"
CNPG_OPERATOR_IMAGE="ghcr.io/cloudnative-pg/cloudnative-pg:1.29.1@sha256:0dfff19ba7b52ca25851a1010028b6940fff2e233290465af1cfb08a5f3f4661"
BARMAN_CLOUD_PLUGIN_VERSION="0.14.0"
CERT_MANAGER_VERSION="v1.20.2"
ARGO_ROLLOUTS_VERSION="v1.9.1"
CLUSTER_NAME="${REBOUND_CLUSTER:-rebound}"
NAMESPACE="rebound"
SERVICES="gateway catalog inventory payments orders notifications"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT

step_number=0
step() {
  step_number=$((step_number + 1))
  printf '\n\033[1m[%d] %s\033[0m\n' "$step_number" "$*"
}
info() { printf '    %s\n' "$*"; }
fail() {
  printf '\033[31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

# require <binary> <how to install>
require() {
  command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed. $2"
}

require_tools() {
  require docker "Install Docker Engine or Docker Desktop: https://docs.docker.com/engine/install/"
  docker info >/dev/null 2>&1 || fail "docker is installed but the daemon does not answer (is it running? may this user use it?)"
  require kind "Install kind ${KIND_VERSION}: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
  require kubectl "Install kubectl 1.${KUBECTL_MIN_MINOR}-1.${KUBECTL_MAX_MINOR}: https://kubernetes.io/docs/tasks/tools/"
  local kind_version
  kind_version="$(kind version | awk '{print $2}')"
  [ "$kind_version" = "$KIND_VERSION" ] || info "note: kind ${kind_version} found, ${KIND_VERSION} tested"
  local minor
  minor="$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n 1)"
  if [ -z "$minor" ] || [ "$minor" -lt "$KUBECTL_MIN_MINOR" ] || [ "$minor" -gt "$KUBECTL_MAX_MINOR" ]; then
    fail "kubectl 1.${minor:-?} is outside the supported skew of the ${NODE_IMAGE#*:} API server: install kubectl 1.${KUBECTL_MIN_MINOR}-1.${KUBECTL_MAX_MINOR}"
  fi
}

require_cluster() {
  require kind "Install kind ${KIND_VERSION}: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
  require kubectl "Install kubectl: https://kubernetes.io/docs/tasks/tools/"
  kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME" || fail "no kind cluster named ${CLUSTER_NAME}: run pnpm kind:up first"
  kubectl config use-context "kind-${CLUSTER_NAME}" >/dev/null
}

# wait_rollout <name> <seconds>: until the Argo Rollout in the namespace is Healthy (every replica on the
# current revision and available); `kubectl rollout status` knows no Rollouts.
wait_rollout() {
  kubectl -n "$NAMESPACE" wait "rollout/$1" --for=jsonpath='{.status.phase}'=Healthy --timeout="${2}s"
}

# run_for <seconds> <command...>: runs a command (a --watch) for at most <seconds>; portable (macOS has no
# `timeout`). Never fails.
run_for() {
  local seconds="$1"
  shift
  "$@" &
  local pid=$!
  (sleep "$seconds" && kill "$pid" 2>/dev/null) &
  local killer=$!
  wait "$pid" 2>/dev/null || true
  kill "$killer" 2>/dev/null || true
}
