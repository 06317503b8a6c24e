#!/usr/bin/env bash
# render.sh --tag TAG --out DIR [--with-keda]: writes DIR/kustomization.yaml (k8s/overlays/kind with every
# rebound/* image at TAG, services whose apps/ folder does not exist yet left out) and renders it to
# DIR/rendered.yaml. Used by up.sh; test/k8s runs it offline.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

tag=""
out=""
with_keda=false
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    --with-keda) with_keda=true; shift ;;
    *) fail "unknown argument $1 (usage: render.sh --tag TAG --out DIR [--with-keda])" ;;
  esac
done
[ -n "$tag" ] || fail "missing --tag"
[ -n "$out" ] || fail "missing --out"
require kubectl "Install kubectl: https://kubernetes.io/docs/tasks/tools/"
require node "Install Node 24 (the repository's toolchain)"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
k8s="$(node -e 'process.stdout.write(require("node:path").relative(process.argv[1], process.argv[2]))' "$out" "$ROOT/k8s")"

# delete_patch <apiVersion> <kind> <name>: a strategic-merge patch that removes one object.
delete_patch() {
  # shellcheck disable=SC2016 # `$patch` is kustomize's directive, not a shell variable
  printf '  - patch: |-\n      $patch: delete\n      apiVersion: %s\n      kind: %s\n      metadata: {name: %s, namespace: %s}\n' \
    "$1" "$2" "$3" "$NAMESPACE"
}

missing=""
for service in $SERVICES; do
  [ -f "$ROOT/apps/$service/package.json" ] || missing="$missing $service"
done

{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources: [${k8s}/overlays/kind]"
  if [ "$with_keda" = true ]; then echo "components: [${k8s}/components/keda-notifications]"; fi
  echo "images:"
  for service in $SERVICES remediation; do
    printf '  - name: rebound/%s\n    newTag: "%s"\n' "$service" "$tag"
  done
  if [ -n "$missing" ]; then
    echo "patches:"
    for service in $missing; do
      delete_patch apps/v1 Deployment "$service"
      delete_patch argoproj.io/v1alpha1 Rollout "$service"
      if [ "$with_keda" = true ] && [ "$service" = notifications ]; then
        delete_patch keda.sh/v1alpha1 ScaledObject "$service"
      else
        delete_patch autoscaling/v2 HorizontalPodAutoscaler "$service"
      fi
      delete_patch policy/v1 PodDisruptionBudget "$service"
    done
  fi
} >"$out/kustomization.yaml"
kubectl kustomize "$out" >"$out/rendered.yaml"
info "rendered $(grep -c '^kind:' "$out/rendered.yaml") objects into $out/rendered.yaml${missing:+ (left out, no apps/ folder yet:${missing})}"
