#!/usr/bin/env bash
# Builds Kubernetes components, etcd and runc from Go modules into a versioned cache outside the repository.
# The download hosts of setup-envtest and of release binaries are unreachable on our machines; the Go module
# proxy is not, so everything is compiled from source once and reused by later runs (CI, later sessions).
#
# usage: hack/build-k8s-binaries.sh COMPONENT...
#   COMPONENT: kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd runc kwok coredns
# prints nothing on success but the directory that holds the binaries (last line). Each component is built under
# a lock: a second run asking for it (the background prebuild and the target that needs it) waits and reuses it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=hack/lib/gomodule.sh
source "$ROOT/hack/lib/gomodule.sh"

KUBE_VERSION="${KUBE_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
# Debian's runc 1.1 fails to start sandboxes here; a runc without the seccomp tag fails with "seccomp not supported".
RUNC_VERSION="${RUNC_VERSION:-v1.5.2}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
# the local cluster's DNS (OLM reaches catalogs by Service name)
COREDNS_VERSION="${COREDNS_VERSION:-v1.14.0}"
CACHE_ROOT="${GSTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gamestatefulset-operator}"
BIN_DIR="$CACHE_ROOT/kubernetes-$KUBE_VERSION/bin"
mkdir -p "$BIN_DIR"

log() { echo "build-k8s-binaries: $*" >&2; }

# A throwaway module that requires k8s.io/kubernetes and maps every staging module to its published version,
# the same mapping k8s.io/kubernetes's own go.mod makes to ./staging, aligned with the operator's versions of the
# other modules (hack/lib/gomodule.sh).
kube_module() {
  local dir="$CACHE_ROOT/src/kubernetes-$KUBE_VERSION" key
  key="$KUBE_VERSION-aligned-$(alignment_key "$ROOT")"
  if [[ "$(cat "$dir/.ready" 2>/dev/null)" == "$key" ]]; then echo "$dir"; return; fi
  mkdir -p "$dir"
  local staging_version="v0.${KUBE_VERSION#v1.}"
  local gomod
  gomod="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo "module gsts.local/kubebuild"
    echo
    echo "go $(go_directive)"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    grep -E '^\s+k8s.io/[a-z0-9-]+ => ./staging/' "$gomod" | awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$dir/go.mod"
  rm -f "$dir/go.sum"
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
  (cd "$dir" && GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true; cd "$dir" && GOFLAGS=-mod=mod go mod tidy >&2)
  align_wrapper "$dir" "$ROOT" >&2
  echo "$key" > "$dir/.ready"
  echo "$dir"
}

# etcd's own modules move in lockstep and stay at its version; the rest is aligned with the operator
etcd_module() {
  local dir="$CACHE_ROOT/src/etcd-$ETCD_VERSION" key
  key="$ETCD_VERSION-aligned-$(alignment_key "$ROOT")"
  if [[ "$(cat "$dir/.ready" 2>/dev/null)" == "$key" ]]; then echo "$dir"; return; fi
  mkdir -p "$dir"
  rm -f "$dir/go.sum"
  cat > "$dir/go.mod" <<GOMOD
module gsts.local/etcdbuild

go $(go_directive)

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
  cat > "$dir/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$dir" && GOFLAGS=-mod=mod go mod tidy >&2)
  align_wrapper "$dir" "$ROOT" go.etcd.io/ >&2
  echo "$key" > "$dir/.ready"
  echo "$dir"
}

build_kube() {
  local name="$1" dir minor ldflags
  dir="$(kube_module)"
  minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  log "building $name $KUBE_VERSION (cold: kube-apiserver takes about 5 minutes on 2 cores)"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/$name.tmp" "k8s.io/kubernetes/cmd/$name")
  mv "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
}

build_etcd() {
  local dir
  dir="$(etcd_module)"
  log "building etcd $ETCD_VERSION"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd.tmp" .)
  mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
}

# build_module_main builds the main package of a module at a version into its own versioned folder and links it
# into BIN_DIR: name module version package [go build flags...]
build_module_main() {
  local name="$1" version="$3"
  "$ROOT/hack/build-tool.sh" "$1" "$2" "$3" "$4" "$CACHE_ROOT/$name-$version" "${@:5}"
  ln -sf "$CACHE_ROOT/$name-$version/$name" "$BIN_DIR/$name"
}

# coredns: hack/coredns (CoreDNS's coremain with the cluster DNS plugins), in a wrapper aligned with the operator
build_coredns() {
  local dir="$CACHE_ROOT/src/coredns-$COREDNS_VERSION" out="$CACHE_ROOT/coredns-$COREDNS_VERSION" key
  key="$(sha256sum "$ROOT/hack/coredns/main.go" | cut -c1-16)-aligned-$(alignment_key "$ROOT")"
  mkdir -p "$dir" "$out"
  cp "$ROOT/hack/coredns/main.go" "$dir/main.go"
  if [[ "$(cat "$dir/.ready" 2>/dev/null)" != "$key" ]]; then
    printf 'module gsts.local/corednsbuild\n\ngo %s\n\nrequire github.com/coredns/coredns %s\n' "$(go_directive)" "$COREDNS_VERSION" >"$dir/go.mod"
    rm -f "$dir/go.sum"
    (cd "$dir" && GOFLAGS=-mod=mod go mod tidy)
    align_wrapper "$dir" "$ROOT"
    echo "$key" >"$dir/.ready"
  fi
  log "building coredns $COREDNS_VERSION"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/coredns.tmp" .)
  mv "$out/coredns.tmp" "$out/coredns"
  ln -sf "$out/coredns" "$BIN_DIR/coredns"
}

for component in "$@"; do
  if [[ -x "$BIN_DIR/$component" ]]; then continue; fi
  exec 9>"$BIN_DIR/.$component.lock"
  flock 9
  if [[ -x "$BIN_DIR/$component" ]]; then exec 9>&-; continue; fi
  case "$component" in
    etcd) build_etcd ;;
    runc)
      if ! { command -v pkg-config >/dev/null && pkg-config --exists libseccomp; }; then
        # make test's background build gets here first on a new machine: install what it needs, as the local
        # cluster's set-up would (waiting for dpkg's lock if that set-up installs at the same time)
        [[ $(id -u) -eq 0 ]] || { log "runc needs libseccomp-dev and pkg-config (apt-get install libseccomp-dev pkg-config)"; exit 1; }
        log "installing Debian packages: libseccomp-dev pkg-config"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq libseccomp-dev pkg-config >/dev/null
      fi
      # cgo: nothing to share with the operator's static builds
      ALIGN=0 CGO_ENABLED=1 build_module_main runc github.com/opencontainers/runc "$RUNC_VERSION" github.com/opencontainers/runc -tags seccomp -ldflags "-s -w" ;;
    coredns) build_coredns ;;
    kwok) CGO_ENABLED=0 build_module_main kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok -ldflags "-s -w" ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|kubectl) build_kube "$component" ;;
    *) log "unknown component $component"; exit 2 ;;
  esac
  exec 9>&-
done
echo "$BIN_DIR"
