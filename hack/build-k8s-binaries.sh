#!/usr/bin/env bash
# Builds Kubernetes components, etcd and runc from Go modules into a versioned cache outside the repository.
# The download hosts of setup-envtest and of release binaries are unreachable on our machines; the Go module
# proxy is not, so everything is compiled from source once and reused by later runs (CI, later sessions).
#
# usage: hack/build-k8s-binaries.sh COMPONENT...
#   COMPONENT: kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd runc kwok coredns
# prints nothing on success but the directory that holds the binaries (last line).
set -euo pipefail

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
# the same mapping k8s.io/kubernetes's own go.mod makes to ./staging.
kube_module() {
  local dir="$CACHE_ROOT/src/kubernetes-$KUBE_VERSION"
  if [[ -f "$dir/.ready" ]]; then echo "$dir"; return; fi
  mkdir -p "$dir"
  local staging_version="v0.${KUBE_VERSION#v1.}"
  local gomod
  gomod="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo "module gsts.local/kubebuild"
    echo
    echo "go $(go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/')"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    grep -E '^\s+k8s.io/[a-z0-9-]+ => ./staging/' "$gomod" | awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$dir/go.mod"
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
  (cd "$dir" && go mod tidy -e >/dev/null 2>&1 || true; cd "$dir" && go mod tidy)
  touch "$dir/.ready"
  echo "$dir"
}

etcd_module() {
  local dir="$CACHE_ROOT/src/etcd-$ETCD_VERSION"
  if [[ -f "$dir/.ready" ]]; then echo "$dir"; return; fi
  mkdir -p "$dir"
  cat > "$dir/go.mod" <<GOMOD
module gsts.local/etcdbuild

go $(go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/')

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
  (cd "$dir" && go mod tidy)
  touch "$dir/.ready"
  echo "$dir"
}

build_kube() {
  local name="$1" dir minor ldflags
  dir="$(kube_module)"
  minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  log "building $name $KUBE_VERSION (cold: kube-apiserver takes about 9 minutes on 2 cores)"
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
# into BIN_DIR: name module version [go build flags...]
build_module_main() {
  local name="$1" module="$2" version="$3"; shift 3
  local out="$CACHE_ROOT/$name-$version"
  if [[ ! -x "$out/$name" ]]; then
    local dir="$CACHE_ROOT/src/$name-$version"
    mkdir -p "$dir" "$out"
    if [[ ! -f "$dir/.ready" ]]; then
      printf 'module gsts.local/%sbuild\n\ngo %s\n\nrequire %s %s\n' "$name" \
        "$(go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/')" "$module" "$version" > "$dir/go.mod"
      printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$module${MODULE_MAIN_SUFFIX:-}" > "$dir/tools.go"
      (cd "$dir" && go mod tidy)
      touch "$dir/.ready"
    fi
    log "building $name $version"
    (cd "$dir" && go build -trimpath "$@" -o "$out/$name.tmp" "$module${MODULE_MAIN_SUFFIX:-}")
    mv "$out/$name.tmp" "$out/$name"
  fi
  ln -sf "$out/$name" "$BIN_DIR/$name"
}

# coredns: hack/coredns (CoreDNS's coremain with the cluster DNS plugins), in a module that requires the
# operator's Kubernetes client libraries, so that their packages are compiled once for both
build_coredns() {
  local root dir client_go out="$CACHE_ROOT/coredns-$COREDNS_VERSION"
  root="$(cd "$(dirname "$0")/.." && pwd)"
  client_go="$(awk '$1 == "k8s.io/client-go" {print $2}' "$root/go.mod")"
  dir="$CACHE_ROOT/src/coredns-$COREDNS_VERSION-client-go-$client_go"
  mkdir -p "$dir" "$out"
  cp "$root/hack/coredns/main.go" "$dir/main.go"
  if [[ ! -f "$dir/.ready" ]]; then
    printf 'module gsts.local/corednsbuild\n\ngo %s\n\nrequire (\n\tgithub.com/coredns/coredns %s\n\tk8s.io/api %s\n\tk8s.io/apimachinery %s\n\tk8s.io/client-go %s\n)\n' \
      "$(go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/')" "$COREDNS_VERSION" "$client_go" "$client_go" "$client_go" >"$dir/go.mod"
    (cd "$dir" && GOFLAGS=-mod=mod go mod tidy)
    touch "$dir/.ready"
  fi
  log "building coredns $COREDNS_VERSION"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/coredns.tmp" .)
  mv "$out/coredns.tmp" "$out/coredns"
  ln -sf "$out/coredns" "$BIN_DIR/coredns"
}

for component in "$@"; do
  if [[ -x "$BIN_DIR/$component" ]]; then continue; fi
  case "$component" in
    etcd) build_etcd ;;
    runc)
      command -v pkg-config >/dev/null && pkg-config --exists libseccomp || {
        log "runc needs libseccomp-dev and pkg-config (apt-get install libseccomp-dev pkg-config)"; exit 1; }
      CGO_ENABLED=1 build_module_main runc github.com/opencontainers/runc "$RUNC_VERSION" -tags seccomp -ldflags "-s -w" ;;
    coredns) build_coredns ;;
    kwok) MODULE_MAIN_SUFFIX=/cmd/kwok CGO_ENABLED=0 build_module_main kwok sigs.k8s.io/kwok "$KWOK_VERSION" -ldflags "-s -w" ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|kubectl) build_kube "$component" ;;
    *) log "unknown component $component"; exit 2 ;;
  esac
done
echo "$BIN_DIR"
