#!/usr/bin/env bash
# Generates the OLM bundle (bundle/manifests, bundle/metadata, bundle/tests/scorecard) from config/, as
# `operator-sdk generate bundle` does; the operator-sdk CLI cannot be fetched on our machines. With the CLI:
#   kustomize build config/manifests | operator-sdk generate bundle -q --overwrite --version $VERSION
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
"${KUSTOMIZE:?}" build config/manifests | go run ./hack/bundlegen -version "${VERSION:?}" -replaces "${PREVIOUS_VERSION:-}" -image "${IMG:?}" \
  -scorecard-image "${SCORECARD_IMG:-}" \
  -channels "${CHANNELS:?}" -default-channel "${DEFAULT_CHANNEL:?}" -out bundle -dockerfile bundle.Dockerfile
echo "bundle: bundle/ generated for version $VERSION, image $IMG"
