#!/usr/bin/env bash
# Runs the Ginkgo CLI of the version go.mod requires, built into the tool cache once: the CLI runs a suite's specs
# on several processes (-p), which `go test` cannot.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
version="$(cd "$ROOT" && go list -m -f '{{.Version}}' github.com/onsi/ginkgo/v2)"
bin="${GSTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gamestatefulset-operator}/tools/ginkgo-$version/ginkgo"
if [[ ! -x "$bin" ]]; then
  mkdir -p "$(dirname "$bin")"
  (cd "$ROOT" && go build -o "$bin.tmp" github.com/onsi/ginkgo/v2/ginkgo && mv "$bin.tmp" "$bin")
fi
exec "$bin" "$@"
