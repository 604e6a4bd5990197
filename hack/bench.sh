#!/usr/bin/env bash
# make bench: the local control plane with kwok fake nodes, kube-controller-manager restarted at the bench's client
# QPS and burst, the operator built and run at the same limits, then tests/bench's table. The local cluster is
# brought down first (its controllers must start with these limits) and always afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLUSTER="$ROOT/hack/local-cluster.sh"
KUBECTL="${KUBECTL:?set by the Makefile}"
QPS="${BENCH_QPS:-100}"
BURST="${BENCH_BURST:-200}"
cd "$ROOT"

teardown() { "$CLUSTER" down >/dev/null || echo "bench: cluster-down failed" >&2; }
trap teardown EXIT
"$CLUSTER" down >/dev/null 2>&1 || true
# the scheduler and kwok are shared by both controllers; the scheduler's limit is raised so that it is not the
# bottleneck of either
KUBECONFIG="$(NODES="${BENCH_NODES:-5}" KCM_QPS="$QPS" KCM_BURST="$BURST" SCHEDULER_QPS="${BENCH_SCHEDULER_QPS:-1000}" \
  "$CLUSTER" up | tail -1)"
export KUBECONFIG
"$KUBECTL" apply --server-side -f config/crd/bases/ >/dev/null
mkdir -p bin
go build -o bin/bench-manager ./cmd
go run ./tests/bench -operator bin/bench-manager -qps "$QPS" -burst "$BURST" -sizes "${BENCH_SIZES-100,300,1000}" \
  -memory-sets "${BENCH_MEMORY_SETS:-100}" -memory-pods "${BENCH_MEMORY_PODS:-100}" -idle "${BENCH_IDLE:-1m}" -repeat "${BENCH_REPEAT:-3}" | tee bin/bench.out
