#!/usr/bin/env bash
# Builds OpenKruise's kruise-manager at KRUISE_VERSION for make bench, cached by version; prints the binary's path.
#
# kruise's go.mod pins Kubernetes (k8s.io/* v0.30) through a replace block, which `go install module@version`
# refuses, so it builds in a wrapper module that repeats that block, read from the module's own go.mod. The
# wrapper is not aligned with the operator's versions (hack/lib/gomodule.sh): kruise compiles against its own.
set -euo pipefail
VERSION="${KRUISE_VERSION:-v1.8.2}"
MODULE=github.com/openkruise/kruise
CACHE_ROOT="${GSTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gamestatefulset-operator}"
out="$CACHE_ROOT/kruise-$VERSION"
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if [[ -x "$out/manager" && -d "$out/config" ]]; then echo "$out/manager"; exit 0; fi

src="$(GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
[[ -f "$src/go.mod" ]] || { echo "build-kruise: $MODULE@$VERSION did not download" >&2; exit 1; }
dir="$CACHE_ROOT/src/kruise-$VERSION"
rm -rf "$dir" && mkdir -p "$dir"
{
  printf 'module gsts.local/kruisebuild\n\ngo %s\n\nrequire %s %s\n\n' "$(sed -n 's/^go \(.*\)/\1/p' "$src/go.mod")" "$MODULE" "$VERSION"
  # the replace block (and any single-line replace) exactly as kruise has it
  awk '/^replace \($/ {inblock=1} inblock {print} inblock && /^\)$/ {inblock=0} /^replace [^(]/ {print}' "$src/go.mod"
} >"$dir/go.mod"
# and its go.sum: the checksum database here does not answer for some of its pins (k8s.io/cri-api v0.30.10)
cp "$src/go.sum" "$dir/go.sum" && chmod u+w "$dir/go.sum"
echo "build-kruise: building kruise-manager $VERSION (a few minutes cold)" >&2
(cd "$dir" && GOFLAGS=-mod=mod go get "$MODULE@$VERSION" >/dev/null 2>&1 && \
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags=-s -o "$out/manager.tmp" "$MODULE")
mv "$out/manager.tmp" "$out/manager"
# the manifests Kruise deploys itself with, beside the binary they run
rm -rf "$out/config" && cp -r "$src/config" "$out/config" && chmod -R u+w "$out/config"
echo "$out/manager"
