#!/usr/bin/env bash
# The OLM-style install suite and the custom scorecard tests, on a cluster where hack/deploy-local.sh loaded the
# images. OLM's OperatorGroups allow one operator per namespace set; a second operator watching all namespaces
# would race this one, so the operator deployed from config/default is stopped first, with its webhook.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KUBECTL="${KUBECTL:?set by the Makefile}"
: "${KUBECONFIG:?}"
"$KUBECTL" delete validatingwebhookconfiguration gamestatefulset-validating-webhook-configuration --ignore-not-found
"$KUBECTL" -n gamestatefulset-system delete deployment gamestatefulset-controller-manager --ignore-not-found --wait
"$KUBECTL" -n gamestatefulset-system wait --for=delete pod -l control-plane=controller-manager --timeout=120s
cd "$ROOT"
go test ./tests/olminstall/... -ginkgo.v -timeout 20m
