#!/usr/bin/env bash
# make bench: the local control plane with kwok fake nodes, kube-controller-manager restarted at the bench's client
# QPS and burst, OpenKruise's kruise-manager deployed with its own manifests at the same limits (BENCH_KRUISE=0
# leaves it out), the operator built and run at the same limits, then tests/bench's tables. The local cluster is
# brought down first (its controllers must start with these limits) and always afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLUSTER="$ROOT/hack/local-cluster.sh"
KUBECTL="${KUBECTL:?set by the Makefile}"
KUSTOMIZE="${KUSTOMIZE:?set by the Makefile}"
KRUISE="${BENCH_KRUISE:-1}"
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
if [[ "$KRUISE" == 1 ]]; then
  # kruise-manager from source, in an image of its binary alone, deployed by Kruise's config/default through
  # hack/kruise's overlay (what it changes and why is written there)
  manager="$(hack/build-kruise.sh)"
  tarball="$(go run ./hack/images -out bin/kruise-image -assemble gsts-bench/kruise-manager:local \
    -add "$manager=/manager" -entrypoint /manager -user 65534:65534)"
  "$CLUSTER" import "$tarball"
  rm -rf bin/kruise && mkdir -p bin/kruise/overlay
  cp -r "$(dirname "$manager")/config" bin/kruise/config
  cp hack/kruise/*.yaml bin/kruise/overlay/
  sed -i "s/BENCH_QPS/$QPS/; s/BENCH_BURST/$BURST/" bin/kruise/overlay/manager.yaml
  "$KUSTOMIZE" build bin/kruise/overlay | "$KUBECTL" apply --server-side -f - >/dev/null
  "$KUBECTL" -n kruise-system rollout status deployment/kruise-controller-manager --timeout=5m
  # its webhooks answer once it has written its certificate into them
  until "$KUBECTL" get mutatingwebhookconfiguration kruise-mutating-webhook-configuration \
    -o jsonpath='{.webhooks[0].clientConfig.caBundle}' | grep -q .; do sleep 2; done
fi
go build -o bin/bench-manager ./cmd
go run ./tests/bench -operator bin/bench-manager -qps "$QPS" -burst "$BURST" -sizes "${BENCH_SIZES-100,300,1000}" \
  -kruise="$([[ "$KRUISE" == 1 ]] && echo true || echo false)" -limit-sizes "${BENCH_LIMIT_SIZES-300,1000,3000}" \
  -memory-sets "${BENCH_MEMORY_SETS:-100}" -memory-pods "${BENCH_MEMORY_PODS:-100}" -idle "${BENCH_IDLE:-1m}" -repeat "${BENCH_REPEAT:-3}" -repeat-up-to "${BENCH_REPEAT_UP_TO:-300}" \
  -timeline "${BENCH_TIMELINE:-0}" -timeline-runs "${BENCH_TIMELINE_RUNS:-3}" | tee bin/bench.out
