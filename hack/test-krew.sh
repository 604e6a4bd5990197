#!/usr/bin/env bash
# The krew path, for real: the plugin's release archive and manifest (hack/plugin-release.sh) installed with krew
# into a fresh krew root, then `kubectl gamestatefulset` found by kubectl's plugin discovery on krew's bin path.
# usage: KREW=... KUBECTL=... hack/test-krew.sh VERSION
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
version="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
os="$(go env GOOS)" arch="$(go env GOARCH)"
DIST="$work/dist" "$ROOT/hack/plugin-release.sh" "$version" "$os/$arch" >/dev/null
archive="$work/dist/kubectl-gamestatefulset_${version}_${os}_${arch}.tar.gz"
export KREW_ROOT="$work/krew" KREW_NO_UPGRADE_CHECK=1
"$KREW" install --manifest="$work/dist/gamestatefulset.yaml" --archive="$archive" 2>&1 | grep -E "^(Installing|Installed) plugin"
export PATH="$KREW_ROOT/bin:$PATH"
listed="$("$KUBECTL" plugin list 2>/dev/null)"
grep -q "$KREW_ROOT/bin/kubectl-gamestatefulset" <<<"$listed" || { echo "test-krew: kubectl does not list the plugin: $listed" >&2; exit 1; }
answer="$("$KUBECTL" gamestatefulset version)"
[[ "$answer" == "kubectl-gamestatefulset $version" ]] || { echo "test-krew: kubectl gamestatefulset version said: $answer" >&2; exit 1; }
# krew's list and uninstall want a plugin index; no index is reachable here, so an empty git repository stands in
mkdir -p "$KREW_ROOT/index/default" && git -C "$KREW_ROOT/index/default" init -q
"$KREW" list 2>/dev/null | grep -q 'gamestatefulset$' || { echo "test-krew: krew does not list the plugin" >&2; exit 1; }
"$KREW" uninstall gamestatefulset >/dev/null
[[ ! -e "$KREW_ROOT/bin/kubectl-gamestatefulset" ]] || { echo "test-krew: the uninstall left the plugin behind" >&2; exit 1; }
echo "test-krew: krew installed $version from its manifest and archive; kubectl gamestatefulset answered through plugin discovery; krew uninstalled it"
