#!/usr/bin/env bash
# Runs the e2e suites on kind where a Docker engine runs, on the local cluster built from source otherwise, or on
# the cluster of E2E_KUBECONFIG when that is set (with the operator already deployed).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# the suites fail, not skip, when the cluster this script brings (or names) is not there
export GSTS_E2E_REQUIRED=1

if [[ -n "${E2E_KUBECONFIG:-}" ]]; then
  KUBECONFIG="$E2E_KUBECONFIG" exec "$ROOT/hack/ginkgo.sh" -p --procs="${E2E_PROCS:-2}" -v --timeout 40m ./tests/e2e
fi
if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
  echo "e2e: no Docker engine: using the local cluster built from source" >&2
  exec "$ROOT/hack/e2e-local.sh"
fi

KIND_VERSION="${KIND_VERSION:-v0.33.0}"
CACHE="${GSTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gamestatefulset-operator}"
export KIND="$CACHE/tools/kind-$KIND_VERSION/kind" KIND_CLUSTER=gsts-e2e
[[ -x "$KIND" ]] || GOBIN="$(dirname "$KIND")" GOFLAGS=-mod=mod go install "sigs.k8s.io/kind@$KIND_VERSION"
export KUBECONFIG="$CACHE/kind-$KIND_CLUSTER.kubeconfig"
teardown() { "$KIND" delete cluster --name "$KIND_CLUSTER" >/dev/null 2>&1 || true; }
trap teardown EXIT
"$KIND" get clusters | grep -qx "$KIND_CLUSTER" || "$KIND" create cluster --config "$ROOT/hack/kind-config.yaml" --kubeconfig "$KUBECONFIG" --wait 120s
IMAGE_LOADER=kind GSTS_IMAGES_DIR="$CACHE/kind-images" "$ROOT/hack/deploy-local.sh"
if [[ -n "${PROMETHEUS:-}" ]]; then export GSTS_E2E_PROMETHEUS_IMAGE="${PROMETHEUS_IMAGE:-gsts-e2e/prometheus:local}"; fi
"$ROOT/hack/ginkgo.sh" -p --procs="${E2E_PROCS:-2}" -v --timeout 40m ./tests/e2e
echo "e2e: the install suite (doc/deploy, the real OLM) needs the local cluster's registry and DNS; it runs under hack/e2e-local.sh" >&2
