#!/usr/bin/env bash
# Builds one command of a Go module at a version into OUT_DIR, in a wrapper module aligned with the operator's
# versions of the modules they share (hack/lib/gomodule.sh), so that a cold run compiles those packages once.
# Several runs may ask for the same tool at once (the background prebuild and the target that needs it): the
# second waits for the first and reuses its binary.
#
# usage: hack/build-tool.sh NAME MODULE VERSION PACKAGE OUT_DIR [go build flags...]
#   ALIGN=0 keeps the tool's own versions (a cgo build such as runc shares nothing with the operator's).
#   ALIGN_SKIP="prefix ..." keeps the tool's own versions of modules under those prefixes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=hack/lib/gomodule.sh
source "$ROOT/hack/lib/gomodule.sh"
name="$1" module="$2" version="$3" package="$4" out="$5"; shift 5
CACHE_ROOT="${GSTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gamestatefulset-operator}"

mkdir -p "$out"
exec 9>"$out/.$name.lock"
flock 9
[[ -x "$out/$name" ]] && exit 0

dir="$CACHE_ROOT/src/$name-$version"
key="$version"
if [[ "${ALIGN:-1}" == 1 ]]; then key="$version-aligned-$(alignment_key "$ROOT")"; fi
mkdir -p "$dir"
if [[ "$(cat "$dir/.ready" 2>/dev/null)" != "$key" ]]; then
  printf 'module gsts.local/%sbuild\n\ngo %s\n\nrequire %s %s\n' "$name" "$(go_directive)" "$module" "$version" >"$dir/go.mod"
  rm -f "$dir/go.sum"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$package" >"$dir/tools.go"
  (cd "$dir" && GOFLAGS=-mod=mod go mod tidy)
  # shellcheck disable=SC2086 # prefixes are words
  if [[ "${ALIGN:-1}" == 1 ]]; then align_wrapper "$dir" "$ROOT" ${ALIGN_SKIP:-}; fi
  echo "$key" >"$dir/.ready"
fi
echo "build-tool: building $name $version" >&2
(cd "$dir" && go build -trimpath "$@" -o "$out/$name.tmp" "$package")
mv "$out/$name.tmp" "$out/$name"
