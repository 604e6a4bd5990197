#!/usr/bin/env bash
# The real Operator Lifecycle Manager on the local cluster, and this operator's releases published to it.
#
# usage: hack/olm-local.sh install   OLM from its release manifests (rendered from the module's deploy/chart as
#                                    its release script does), its images built from source and pushed to the
#                                    local registry
#        hack/olm-local.sh publish   this release and the next (hack: tests/olm/cmd/local-release) as operator,
#                                    bundle and catalog images in the local registry; prints the environment of
#                                    the OLM suite (tests/olminstall)
#        hack/olm-local.sh uninstall OLM removed as its manifests installed it
#
# The only changes to OLM's release: its images are the ones built here (the values its release script sets: the
# olm image of the three deployments, and opm through --opmImage), and the OperatorHub.io CatalogSource is left
# out, since its image cannot be pulled here.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KUBECTL="${KUBECTL:?set by the Makefile}"
export KUBECONFIG="${KUBECONFIG:-$("$ROOT/hack/local-cluster.sh" kubeconfig)}"
OLM_VERSION="${OLM_VERSION:-v0.42.0}"
OLM_TAGS="${OLM_TAGS:-containers_image_openpgp}"
REGISTRY="${GSTS_REGISTRY:-$("$ROOT/hack/local-cluster.sh" registry)}"
WORK="${GSTS_CLUSTER_DIR:-/var/lib/gsts-cluster}/olm"
mkdir -p "$WORK"

log() { echo "olm-local: $*" >&2; }

images() { (cd "$ROOT" && go run ./hack/images -push -out "$WORK/images" "$@"); }

olm_binaries() { "$ROOT/hack/build-olm.sh" | tail -1; }

olm_module() {
  (cd / && GOFLAGS=-mod=mod go mod download -json "github.com/operator-framework/operator-lifecycle-manager@$OLM_VERSION" |
    sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
}

# busybox's cp: the bundle unpack job's first container runs /bin/cp from OLM's image
busybox() {
  if ! dpkg -s busybox-static >/dev/null 2>&1; then
    log "installing Debian's busybox-static"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
  fi
  echo /bin/busybox
}

install() {
  local bin olm_image opm_image registry_version module
  bin="$(olm_binaries)"
  registry_version="$(awk '$1 == "github.com/operator-framework/operator-registry" {print $2}' "$ROOT/tests/olm/go.mod")"
  olm_image="$(images -assemble "$REGISTRY/operator-framework/olm:$OLM_VERSION" -env PATH=/bin \
    -add "$bin/olm=/bin/olm" -add "$bin/catalog=/bin/catalog" -add "$bin/package-server=/bin/package-server" \
    -add "$bin/copy-content=/bin/copy-content" -add "$bin/cpb=/bin/cpb" -add "$(busybox)=/bin/busybox" \
    -link /bin/cp=busybox -entrypoint /bin/olm)"
  opm_image="$(images -assemble "$REGISTRY/operator-framework/opm:$registry_version" -env PATH=/bin \
    -add "$bin/opm=/bin/opm" -add "$bin/grpc_health_probe=/bin/grpc_health_probe" -entrypoint /bin/opm)"
  log "OLM image $olm_image, opm image $opm_image"
  # the release manifests as OLM's release script renders them from its chart, with these images
  module="$(olm_module)"
  "$bin/olm-manifests" -chart "$module/deploy/chart" -values "$module/deploy/upstream/values.yaml" -version "$OLM_VERSION" \
    -set "olm.image.ref=$olm_image" -set "catalog.image.ref=$olm_image" -set "package.image.ref=$olm_image" \
    -set "catalog.opmImageArgs=--opmImage=$opm_image" -drop 0000_50_olm_17-upstream-operators.catalogsource.yaml \
    -crds "$WORK/crds.yaml" -out "$WORK/olm.yaml"
  "$KUBECTL" apply --server-side --force-conflicts -f "$WORK/crds.yaml" >/dev/null
  "$KUBECTL" wait --for=condition=Established -f "$WORK/crds.yaml" --timeout=60s >/dev/null
  "$KUBECTL" apply --server-side --force-conflicts -f "$WORK/olm.yaml" >/dev/null
  "$KUBECTL" -n olm rollout status deployment/olm-operator --timeout=180s >/dev/null
  "$KUBECTL" -n olm rollout status deployment/catalog-operator --timeout=180s >/dev/null
  log "waiting for the packageserver CSV"
  for ((i = 0; i < 180; i++)); do
    [[ "$("$KUBECTL" -n olm get csv packageserver -o jsonpath='{.status.phase}' 2>/dev/null)" == Succeeded ]] && break
    sleep 1
  done
  "$KUBECTL" -n olm get csv packageserver -o jsonpath='{.status.phase}' | grep -qx Succeeded ||
    { "$KUBECTL" -n olm get csv packageserver -o yaml >&2 || true; log "packageserver did not succeed"; exit 1; }
  "$KUBECTL" -n olm rollout status deployment/packageserver --timeout=180s >/dev/null
  for ((i = 0; i < 60; i++)); do
    "$KUBECTL" get packagemanifests >/dev/null 2>&1 && break
    sleep 1
  done
  "$KUBECTL" get packagemanifests >/dev/null
  log "OLM $OLM_VERSION is installed: olm-operator, catalog-operator and packageserver ready, packagemanifests served"
}

publish() {
  local bin versions current next release labels=()
  bin="$(olm_binaries)"
  release="$WORK/release"
  local version next_version operators=()
  version="$(cat "$ROOT/VERSION")"
  next_version="${version%.*}.$((${version##*.} + 1))" # local-release's next release: one patch version up
  # each release's binary says its version (and the local registry's), so no two images share an ID: containerd
  # keeps one record per image ID, and a pull of one name could shadow a name imported for doc/deploy; the
  # bundles name them by digest, as published bundles should
  mapfile -t operators < <(images \
    "$REGISTRY/gamestatefulset/gamestatefulset-operator:v$version=./cmd@-X main.version=v$version+local>/manager" \
    "$REGISTRY/gamestatefulset/gamestatefulset-operator:v$next_version=./cmd@-X main.version=v$next_version+local>/manager")
  mapfile -t versions < <(cd "$ROOT/tests/olm" && go run -tags "$OLM_TAGS" ./cmd/local-release \
    -bundle ../../bundle -catalog ../../catalog -registry "$REGISTRY" -out "$release" \
    -operator-image "${operators[0]}" -next-operator-image "${operators[1]}")
  current="${versions[0]}" next="${versions[1]}"
  [[ "$next" == "$next_version" ]] || { log "local-release made v$next, not v$next_version"; exit 1; }
  # the bundle image's labels are bundle.Dockerfile's
  while IFS= read -r label; do labels+=(-label "$label"); done < <(sed -n 's/^LABEL //p' "$ROOT/bundle.Dockerfile")
  local v catalog_images=()
  for v in "$current" "$next"; do
    images -assemble "$REGISTRY/gamestatefulset/gamestatefulset-operator-bundle:v$v" "${labels[@]}" \
      -add "$release/bundle-v$v/manifests=/manifests" -add "$release/bundle-v$v/metadata=/metadata" \
      -add "$release/bundle-v$v/tests/scorecard=/tests/scorecard" >/dev/null
    # catalog.Dockerfile: opm serving /configs from a cache built ahead
    rm -rf "$release/cache-v$v" "$release/tmp-v$v" && mkdir -p "$release/tmp-v$v" && chmod 1777 "$release/tmp-v$v"
    "$bin/opm" serve "$release/catalog-v$v" --cache-dir "$release/cache-v$v" --cache-only 2>/dev/null
    # opm opens its cache database for writing, as the catalog pod's user (OLM runs it as 1001)
    chmod -R a+rwX "$release/cache-v$v"
    catalog_images+=("$(images -assemble "$REGISTRY/gamestatefulset/gamestatefulset-operator-catalog:v$v" \
      -label operators.operatorframework.io.index.configs.v1=/configs -env PATH=/bin \
      -add "$bin/opm=/bin/opm" -add "$bin/grpc_health_probe=/bin/grpc_health_probe" \
      -add "$release/tmp-v$v=/tmp" -add "$release/catalog-v$v=/configs" -add "$release/cache-v$v=/tmp/cache" \
      -entrypoint /bin/opm -cmd serve,/configs,--cache-dir=/tmp/cache)")
  done
  log "published v$current and v$next to $REGISTRY"
  echo "OLM_CURRENT_VERSION=$current"
  echo "OLM_NEXT_VERSION=$next"
  echo "OLM_CATALOG_IMAGE=$REGISTRY/gamestatefulset/gamestatefulset-operator-catalog:v$current"
  echo "OLM_NEXT_CATALOG_IMAGE=$REGISTRY/gamestatefulset/gamestatefulset-operator-catalog:v$next"
  echo "OLM_NEXT_OPERATOR_IMAGE=${operators[1]}"
}

uninstall() {
  [[ -f "$WORK/olm.yaml" ]] || { log "no OLM installed by this script"; return; }
  "$KUBECTL" delete --ignore-not-found -f "$WORK/olm.yaml" --wait=false >/dev/null || true
  "$KUBECTL" delete --ignore-not-found -f "$WORK/crds.yaml" >/dev/null
}

case "${1:-}" in
  install) install ;;
  publish) publish ;;
  uninstall) uninstall ;;
  *) echo "usage: $0 install|publish|uninstall" >&2; exit 2 ;;
esac
