# shellcheck shell=bash
# Wrapper modules: the build scripts compile a tool (Kubernetes, OLM, kwok, controller-gen, ...) in a throwaway
# module that requires it at a version. Go's build cache keys a compiled package by the versions of everything
# below it, so a wrapper left to its own minimum versions compiles k8s.io/api, client-go, grpc and protobuf again,
# once per wrapper. align_wrapper raises a wrapper's requirements to the versions the operator's own modules
# select: every package they share is then compiled once, for the operator and for every tool (the largest part
# of a cold run). The operator's builds keep exactly its go.mod; only the tools move up.

# go_directive: the language version for a wrapper's go.mod (the toolchain's, without the patch)
go_directive() { go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/'; }

# operator_selection ROOT: "module version" of every module whose packages the operator's builds compile (its
# commands and tests, and tests/olm's), the higher version where both modules have it
operator_selection() {
  local root="$1" mod
  for mod in "$root" "$root/tests/olm"; do
    (cd "$mod" && go list -deps -test -tags containers_image_openpgp \
      -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}' ./...) || return 1
  done | sort -u | sort -k1,1 -k2,2V | awk '{v[$1] = $2} END {for (m in v) print m, v[m]}' | sort
}

# alignment_key ROOT: changes whenever operator_selection can
alignment_key() { cat "$1/go.mod" "$1/tests/olm/go.mod" | sha256sum | cut -c1-16; }

# align_wrapper DIR ROOT [PREFIX...]: raise DIR's requirements to operator_selection ROOT, then tidy. Left alone:
# what DIR requires or replaces itself (the tool at its version, a mapping such as Kubernetes's staging modules)
# and the modules under each PREFIX (a tool's own family, e.g. go.etcd.io/etcd/, which moves in lockstep).
align_wrapper() {
  local dir="$1" root="$2"; shift 2
  local own args=() module version prefix skip selection
  selection="$(operator_selection "$root")"
  own="$(awk '
    /^require \(/ {block = 1; next}
    block && /^\)/ {block = 0; next}
    block && NF >= 2 {print $1; next}
    /^require [^(]/ {print $2; next}
    /=>/ {sub(/^replace /, ""); print $1}
  ' "$dir/go.mod" | sort -u)"
  while read -r module version; do
    grep -qxF "$module" <<<"$own" && continue
    skip=0
    for prefix in "$@"; do [[ "$module" == "$prefix"* ]] && skip=1; done
    ((skip)) || args+=("-require=$module@$version")
  done <<<"$selection"
  (cd "$dir" && go mod edit "${args[@]}" && GOFLAGS=-mod=mod go mod tidy)
}
