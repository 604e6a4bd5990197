#!/usr/bin/env bash
# Builds the kubectl plugin's release archives, one per OS/arch, and the krew plugin manifest that installs them
# (the krew release format: one archive per platform, its sha256, the binary and the kubectl-gsts link in it).
# usage: hack/plugin-release.sh VERSION OS/ARCH...
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
version="$1"; shift
dist="${DIST:-$ROOT/dist}"
base_url="${PLUGIN_BASE_URL:-https://github.com/gamestatefulset/gamestatefulset-operator/releases/download/$version}"
rm -rf "$dist" && mkdir -p "$dist"
platforms=""
for platform in "$@"; do
  os="${platform%/*}" arch="${platform#*/}"
  exe="" && [[ "$os" == windows ]] && exe=".exe"
  work="$dist/work-$os-$arch" && mkdir -p "$work"
  (cd "$ROOT" && CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -ldflags "-s -w -X main.version=$version" \
    -o "$work/kubectl-gamestatefulset$exe" ./cmd/kubectl-gamestatefulset)
  archive="kubectl-gamestatefulset_${version}_${os}_${arch}.tar.gz"
  tar -C "$work" -czf "$dist/$archive" .
  rm -rf "$work"
  sha=$(sha256sum "$dist/$archive" | cut -d' ' -f1)
  platforms+="  - selector:
      matchLabels:
        os: $os
        arch: $arch
    uri: $base_url/$archive
    sha256: $sha
    bin: kubectl-gamestatefulset$exe
    files:
    - from: kubectl-gamestatefulset$exe
      to: .
"
done
cat > "$dist/gamestatefulset.yaml" <<YAML
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: gamestatefulset
spec:
  version: $version
  homepage: https://github.com/gamestatefulset/gamestatefulset-operator
  shortDescription: Get, describe, scale and roll out GameStatefulSets
  description: |
    The GameStatefulSet operator's own kubectl verbs: get and describe with the
    canary step, the pods held by hooks, reserved ordinals and in-place update
    states; scale (also removing chosen game servers); set image and partition;
    rollout status, history, undo, pause, resume and restart; exec by ordinal.
  caveats: |
    kubectl gamestatefulset acts on GameStatefulSets (tkex.tencent.com/v1alpha1):
    install the operator first. "kubectl gsts" is the same command when a
    kubectl-gsts link to the binary is on PATH.
  platforms:
$platforms
YAML
echo "plugin-release: $dist"
