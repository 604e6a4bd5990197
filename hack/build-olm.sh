#!/usr/bin/env bash
# Builds the Operator Lifecycle Manager from its Go module into a versioned cache outside the repository, with
# the other binaries of its images: opm (operator-registry: catalog serving and bundle extraction) and
# grpc_health_probe (the catalog pod's probes), and olm-manifests (hack/olm-manifests: OLM's release manifests
# rendered from its chart). OLM's images cannot be pulled here; the module proxy serves the
# source.
#
# The wrapper module requires the operator-registry and operator-framework/api of tests/olm's go.mod and is
# aligned with the operator's versions of every other module (hack/lib/gomodule.sh), above OLM's own minimums:
# the packages they share are compiled once for the operator, the OLM tests and OLM, and OLM talks to the cluster
# with the client of the cluster's version. Two runs at once (the background prebuild and the install) build once.
#
# usage: hack/build-olm.sh   prints the folder holding olm, catalog, package-server, copy-content, cpb, opm and
#                            grpc_health_probe, and olm-manifests (last line)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=hack/lib/gomodule.sh
source "$ROOT/hack/lib/gomodule.sh"
OLM_VERSION="${OLM_VERSION:-v0.42.0}"
GRPC_HEALTH_PROBE_VERSION="${GRPC_HEALTH_PROBE_VERSION:-v0.4.62}"
# OLM's release renders its Helm chart (scripts/package_release.sh): hack/olm-manifests does that with Helm's library
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
CACHE_ROOT="${GSTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gamestatefulset-operator}"

version_of() { awk -v m="$1" '$1 == m {print $2; exit} $1 == "require" && $2 == m {print $3; exit}' "$2"; }
KUBE_LIBS="$(version_of k8s.io/client-go "$ROOT/go.mod")"
CONTROLLER_RUNTIME="$(version_of sigs.k8s.io/controller-runtime "$ROOT/go.mod")"
REGISTRY="$(version_of github.com/operator-framework/operator-registry "$ROOT/tests/olm/go.mod")"
OPERATOR_API="$(version_of github.com/operator-framework/api "$ROOT/tests/olm/go.mod")"
KEY="olm-$OLM_VERSION-registry-$REGISTRY-k8s-$KUBE_LIBS-helm-$HELM_VERSION"
BIN_DIR="$CACHE_ROOT/$KEY/bin"
SRC="$CACHE_ROOT/src/$KEY"
BINARIES=(olm catalog package-server copy-content cpb opm grpc_health_probe olm-manifests)

log() { echo "build-olm: $*" >&2; }

built() {
  local b
  for b in "${BINARIES[@]}"; do [[ -x "$BIN_DIR/$b" ]] || return 1; done
}
if built; then echo "$BIN_DIR"; exit 0; fi
mkdir -p "$SRC/cmd/olm-manifests" "$BIN_DIR"
exec 9>"$BIN_DIR/.build.lock"
flock 9
if built; then echo "$BIN_DIR"; exit 0; fi

cp "$ROOT/hack/olm-manifests/main.go" "$SRC/cmd/olm-manifests/main.go"
source_hash="$(sha256sum "$ROOT/hack/olm-manifests/main.go" | cut -c1-16)-aligned-$(alignment_key "$ROOT")"
if [[ "$(cat "$SRC/.ready" 2>/dev/null)" != "$source_hash" ]]; then
  rm -f "$SRC/go.sum"
  cat >"$SRC/go.mod" <<GOMOD
module gsts.local/olmbuild

go $(go_directive)

require (
	github.com/grpc-ecosystem/grpc-health-probe $GRPC_HEALTH_PROBE_VERSION
	github.com/operator-framework/api $OPERATOR_API
	github.com/operator-framework/operator-lifecycle-manager $OLM_VERSION
	github.com/operator-framework/operator-registry $REGISTRY
	helm.sh/helm/v3 $HELM_VERSION
	k8s.io/api $KUBE_LIBS
	k8s.io/apiextensions-apiserver $KUBE_LIBS
	k8s.io/apimachinery $KUBE_LIBS
	k8s.io/apiserver $KUBE_LIBS
	k8s.io/client-go $KUBE_LIBS
	k8s.io/component-base $KUBE_LIBS
	k8s.io/kube-aggregator $KUBE_LIBS
	sigs.k8s.io/controller-runtime $CONTROLLER_RUNTIME
)
GOMOD
  cat >"$SRC/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "github.com/grpc-ecosystem/grpc-health-probe"
	_ "github.com/operator-framework/operator-lifecycle-manager/cmd/catalog"
	_ "github.com/operator-framework/operator-lifecycle-manager/cmd/copy-content"
	_ "github.com/operator-framework/operator-lifecycle-manager/cmd/olm"
	_ "github.com/operator-framework/operator-lifecycle-manager/cmd/package-server"
	_ "github.com/operator-framework/operator-lifecycle-manager/util/cpb"
	_ "github.com/operator-framework/operator-registry/cmd/opm"
)
GO
  (cd "$SRC" && GOFLAGS=-mod=mod go mod tidy >&2)
  align_wrapper "$SRC" "$ROOT" >&2
  echo "$source_hash" >"$SRC/.ready"
fi

log "building OLM $OLM_VERSION, opm $REGISTRY and grpc_health_probe $GRPC_HEALTH_PROBE_VERSION (cold: about 6 minutes on 2 cores)"
olm=github.com/operator-framework/operator-lifecycle-manager
tmp="$BIN_DIR/.tmp"
rm -rf "$tmp" && mkdir -p "$tmp"
# the image build's settings (static, trimmed), and opm's build tag for the image library it links
(cd "$SRC" && CGO_ENABLED=0 go build -trimpath -tags containers_image_openpgp -ldflags "-s -w" -o "$tmp/" \
  "$olm/cmd/olm" "$olm/cmd/catalog" "$olm/cmd/package-server" "$olm/cmd/copy-content" "$olm/util/cpb" \
  github.com/operator-framework/operator-registry/cmd/opm github.com/grpc-ecosystem/grpc-health-probe ./cmd/olm-manifests)
mv "$tmp/grpc-health-probe" "$tmp/grpc_health_probe"
mv "$tmp"/* "$BIN_DIR/" && rmdir "$tmp"
echo "$BIN_DIR"
