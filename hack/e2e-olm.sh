#!/usr/bin/env bash
# The install suite (tests/olminstall) on a cluster where hack/deploy-local.sh loaded the images: the original
# project's doc/deploy files, then the real OLM (hack/olm-local.sh) installing and upgrading the operator from a
# catalog, and the custom scorecard tests against it. One GameStatefulSet operator at a time: the one
# config/default deployed is removed first with everything it made, its CRDs included (the doc/deploy files
# create them).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KUBECTL="${KUBECTL:?set by the Makefile}"
KUSTOMIZE="${KUSTOMIZE:?set by the Makefile}"
: "${KUBECONFIG:?}"
log() { echo "e2e-olm: $*" >&2; }

log "removing the operator config/default deployed"
# custom resources first, while the operator still runs to release their finalizers
if "$KUBECTL" get crd gamestatefulsets.tkex.tencent.com >/dev/null 2>&1; then
  "$KUBECTL" delete --all-namespaces --all --ignore-not-found --timeout=120s \
    portmappings.tkex.tencent.com,listeners.tkex.tencent.com,gamestatefulsets.tkex.tencent.com,hookruns.tkex.tencent.com,hooktemplates.tkex.tencent.com >/dev/null
fi
"$KUSTOMIZE" build "$ROOT/bin/deploy-local" | "$KUBECTL" delete --ignore-not-found --timeout=180s -f - >/dev/null
# its ServiceMonitor, alerts and dashboard too: the bundle carries its own (the CRDs stay, as a cluster's
# Prometheus Operator would keep them)
"$KUSTOMIZE" build "$ROOT/config/monitoring" | "$KUBECTL" delete --ignore-not-found --timeout=60s -f - >/dev/null

KUBECTL="$KUBECTL" "$ROOT/hack/olm-local.sh" install
while IFS= read -r assignment; do export "${assignment?}"; done < <(KUBECTL="$KUBECTL" "$ROOT/hack/olm-local.sh" publish)
cd "$ROOT"
KUBECTL="$KUBECTL" go test ./tests/olminstall/... -ginkgo.v -timeout 30m
