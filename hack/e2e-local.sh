#!/usr/bin/env bash
# The e2e suites on the local cluster: up, deploy the operator as users do, run, then the install suite (the
# doc/deploy files, the real OLM installing and upgrading it from a catalog), and always tear down.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLUSTER="$ROOT/hack/local-cluster.sh"

teardown() { "$CLUSTER" down || echo "e2e-local: cluster-down failed" >&2; }
trap teardown EXIT
KUBECONFIG="$(NODES="${NODES:-3}" "$CLUSTER" up | tail -1)"
export KUBECONFIG GSTS_E2E_REQUIRED=1 GSTS_E2E_KWOK_NODES="${NODES:-3}"
# deploy-local.sh loads a Prometheus built here (PROMETHEUS, from the Makefile) for the suite's observability checks
if [[ -n "${PROMETHEUS:-}" ]]; then export GSTS_E2E_PROMETHEUS_IMAGE="${PROMETHEUS_IMAGE:-gsts-e2e/prometheus:local}"; fi
"$ROOT/hack/deploy-local.sh"
cd "$ROOT"
"$ROOT/hack/ginkgo.sh" -p --procs="${E2E_PROCS:-2}" -v --timeout 40m ./tests/e2e
"$ROOT/hack/e2e-olm.sh"
