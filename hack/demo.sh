#!/usr/bin/env bash
# Shows the operator at work on the local cluster: applies the reference's InplaceUpdate example (with the
# locally built game server image), rolls it with a partition as the reference's walkthrough does, and prints
# what `kubectl get` shows. The cluster stays up: `make cluster-down` removes it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KUBECONFIG="${KUBECONFIG:-$("$ROOT/hack/local-cluster.sh" kubeconfig)}"
export KUBECONFIG
k() { "${KUBECTL:?set by the Makefile}" "$@"; }

k create namespace demo --dry-run=client -o yaml | k apply -f - >/dev/null
sed -e 's|image: python:3.12|image: gsts-e2e/gameserver:v1|' -e 's|python:latest|gsts-e2e/gameserver:v2|' \
  -e '/command:/,/http.server/d' -e 's/gracePeriodSeconds: 30/gracePeriodSeconds: 5/' -e 's/namespace: default/namespace: demo/' \
  "$ROOT/doc/example/inplace-update.yaml" | k -n demo apply -f -
echo "waiting for 5 ready pods..."
k -n demo wait gamestatefulset/test-gamestatefulset --for=jsonpath='{.status.readyReplicas}'=5 --timeout=180s >/dev/null
k -n demo get gamestatefulset
k -n demo get pods -o wide
echo
echo '$ kubectl patch gamestatefulset test-gamestatefulset --type=json -p=[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"gsts-e2e/gameserver:v2"}]'
k -n demo patch gamestatefulset test-gamestatefulset --type=json \
  -p='[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "gsts-e2e/gameserver:v2"}]'
k -n demo wait gamestatefulset/test-gamestatefulset --for=jsonpath='{.status.updatedReplicas}'=2 --timeout=180s >/dev/null
k -n demo wait gamestatefulset/test-gamestatefulset --for=jsonpath='{.status.readyReplicas}'=5 --timeout=180s >/dev/null
k -n demo get gamestatefulset
k -n demo get pods
echo
echo "pods 3 and 4 were restarted in place (RESTARTS 1, same pods); the cluster stays up:"
echo "  export KUBECONFIG=$KUBECONFIG; make cluster-down  # to remove it"
