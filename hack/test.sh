#!/usr/bin/env bash
# make test: every suite, with the slow builds and the CPU-bound suites moved where the machine would otherwise
# wait (docs/e2e.md has the figures).
#
# A cold run is mostly compiling on two cores; a warm one mostly waits on clusters (the e2e suites keep about
# half of the CPU busy). So:
#   1. the clusters' binaries (envtest's etcd and kube-apiserver, the local cluster's other components, kwok,
#      CoreDNS), then OLM, build in the background at the lowest priority from the start, taking whatever the
#      checks and unit tests leave; a target that needs one waits for it (the build scripts lock what they build);
#   2. the checks, vet, unit tests, the plugin and the OLM bundle tests run in the foreground;
#   3. once the cluster binaries are there, the e2e suites and then the install suite run in the foreground;
#      once OLM is built, the integration suite (its own kube-apiserver) and the fuzz targets run beside them
#      below the cluster's priority (cold, that is beside the install suite, which mostly waits on OLM). Their
#      output is printed when they end, and the run fails when any of them does.
# Each step is a make target of its own. GOGC=400 makes the compiler about a sixth faster here (it has the memory).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
MAKE="${MAKE:-make}"
export GOGC="${GOGC:-400}"
LOGS="$ROOT/bin/test-logs"
rm -rf "$LOGS" && mkdir -p "$LOGS"
log() { echo "test: $*" >&2; }

declare -A jobs=()
# background NAME NICENESS COMMAND...: COMMAND in a process group of its own, its output in bin/test-logs/NAME.log
background() {
  local name="$1" niceness="$2"; shift 2
  # A new session is a new scheduler autogroup (Linux's sched_autogroup, on here), which shares the CPU with the
  # foreground's as an equal whatever the niceness inside it: the job gives its group the niceness too.
  setsid bash -c 'echo "$0" >/proc/self/autogroup 2>/dev/null; exec nice -n "$0" "$@"' "$niceness" "$@" \
    </dev/null >"$LOGS/$name.log" 2>&1 &
  jobs[$name]=$!
  log "$name: started in the background (nice $niceness), output in bin/test-logs/$name.log"
}
# finish NAME [quiet]: wait for the job and fail as it failed; its output is printed unless quiet and it passed
finish() {
  local name="$1" quiet="${2:-}" status=0
  wait "${jobs[$name]}" || status=$?
  unset "jobs[$name]"
  log "$name: ended with status $status"
  if [[ -z "$quiet" || $status -ne 0 ]]; then sed "s/^/[$name] /" "$LOGS/$name.log"; fi
  return "$status"
}
# on a failure in the foreground: stop what still runs, and show where each stood
stop_jobs() {
  local name
  for name in "${!jobs[@]}"; do
    kill -- "-${jobs[$name]}" 2>/dev/null || true
    log "$name: stopped; the end of bin/test-logs/$name.log:"
    tail -n 30 "$LOGS/$name.log" | sed "s/^/[$name] /" >&2
  done
}
trap stop_jobs EXIT

# A background build that fails costs nothing but time: the target that needs the binary builds it again in the
# foreground and fails there with the reason.
background cluster-binaries 19 bash -c 'hack/build-k8s-binaries.sh kubectl etcd kube-apiserver kube-controller-manager \
  kube-scheduler kubelet kube-proxy runc coredns kwok; status=$?; touch "$0"; exit $status' "$LOGS/cluster-binaries.done"
background olm-build 19 bash -c 'until [[ -e "$0" ]]; do sleep 2; done; hack/build-olm.sh; status=$?; touch "$1"; exit $status' \
  "$LOGS/cluster-binaries.done" "$LOGS/olm-build.done"
"$MAKE" verify-generated verify-fmt vet test-unit test-rules test-plugin test-olm

finish cluster-binaries quiet || true
# After OLM's build: cold, the e2e suites leave it the CPU they do not use, and these run beside the install
# suite, which mostly waits on OLM; warm, they start with the e2e suites.
after_olm=(bash -c 'until [[ -e "$0" ]]; do sleep 2; done; exec "$@"' "$LOGS/olm-build.done")
background integration 5 "${after_olm[@]}" "$MAKE" test-integration
background fuzz 10 "${after_olm[@]}" "$MAKE" test-fuzz
"$MAKE" test-e2e
finish integration
finish fuzz
finish olm-build quiet || true
