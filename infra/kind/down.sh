#!/usr/bin/env bash
# pnpm kind:down: deletes the kind cluster (images stay in the local Docker cache).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

require kind "Install kind ${KIND_VERSION}: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  step "Deleting kind cluster ${CLUSTER_NAME}"
  kind delete cluster --name "$CLUSTER_NAME"
else
  info "no kind cluster named ${CLUSTER_NAME}: nothing to do"
fi
