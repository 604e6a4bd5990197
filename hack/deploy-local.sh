#!/usr/bin/env bash
# Deploys the operator to the local cluster (or to kind with IMAGE_LOADER=kind) the way users deploy it — kustomize
# config/default: its RBAC, its Deployment with two replicas and leader election — with images built here from Go
# and loaded into the nodes: the operator, its scorecard tests, the e2e suites' game server (v1, v2, v3) and the
# lossless-update suite's content container (v1, v2). The Prometheus Operator's ServiceMonitor and PrometheusRule
# CRDs (from its Go module) and config/monitoring go in too; with PROMETHEUS (a prometheus binary built here), its
# image as well, for the e2e suite's Prometheus.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLUSTER="$ROOT/hack/local-cluster.sh"
IMAGE_LOADER="${IMAGE_LOADER:-local}"
if [[ "$IMAGE_LOADER" == local ]]; then KUBECONFIG="${KUBECONFIG:-$("$CLUSTER" kubeconfig)}"; fi
export KUBECONFIG
OPERATOR_IMAGE="${OPERATOR_IMAGE:-gamestatefulset-operator:local}"
GAME_IMAGE="${GAME_IMAGE:-gsts-e2e/gameserver}"
SCORECARD_IMAGE="${SCORECARD_IMAGE:-gamestatefulset-operator-scorecard-tests:local}"
KUBECTL="${KUBECTL:?set by the Makefile}"
KUSTOMIZE="${KUSTOMIZE:?set by the Makefile}"
OUT="${GSTS_IMAGES_DIR:-${GSTS_CLUSTER_DIR:-/var/lib/gsts-cluster}/images}"

log() { echo "deploy-local: $*" >&2; }

log "building images"
specs=("$OPERATOR_IMAGE=./cmd>/manager" "$SCORECARD_IMAGE=./tests/scorecard>/gsts-scorecard-tests")
# the release's published name too, which doc/deploy/04-operator-deployment.yaml runs (IfNotPresent)
if [[ -n "${PUBLISHED_OPERATOR_IMAGE:-}" ]]; then
  specs+=("$PUBLISHED_OPERATOR_IMAGE=./cmd@-X main.version=${PUBLISHED_OPERATOR_IMAGE##*:}>/manager")
fi
for v in v1 v2 v3; do specs+=("$GAME_IMAGE:$v=./tests/e2e/gameserver@-X main.version=$v"); done
for v in v1 v2; do specs+=("${CONTENT_IMAGE:-gsts-e2e/content}:$v=./tests/e2e/content@-X main.version=$v"); done
mapfile -t tarballs < <(cd "$ROOT" && go run ./hack/images -out "$OUT" "${specs[@]}")
if [[ -n "${PROMETHEUS:-}" ]]; then
  tarballs+=("$(cd "$ROOT" && go run ./hack/images -out "$OUT" -assemble "${PROMETHEUS_IMAGE:-gsts-e2e/prometheus:local}" \
    -add "$PROMETHEUS=/bin/prometheus" -entrypoint /bin/prometheus -user 65534:65534)")
fi
case "$IMAGE_LOADER" in
  local) "$CLUSTER" import "${tarballs[@]}" ;;
  kind) for t in "${tarballs[@]}"; do "${KIND:?}" load image-archive --name "${KIND_CLUSTER:-gsts-e2e}" "$t"; done ;;
  *) log "unknown IMAGE_LOADER $IMAGE_LOADER"; exit 2 ;;
esac

# kustomize takes relative bases only: the overlay lives in the ignored bin/ folder
overlay="$ROOT/bin/deploy-local"
# every webhook of the configuration trusts the CA of the certificate made above
webhooks=$(grep -c "^- admissionReviewVersions" "$ROOT/config/webhook/manifests.yaml")
mkdir -p "$overlay/certs"
# No cert-manager here: the webhook's certificate is made with openssl, as cert-manager's self-signed issuer would,
# and its CA goes into the webhook configuration, as cert-manager's CA injector would.
service=gamestatefulset-webhook-service.gamestatefulset-system.svc
if [[ ! -s "$overlay/certs/tls.crt" ]]; then
  (cd "$overlay/certs" &&
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=gamestatefulset-webhook-ca" -keyout ca.key -out ca.crt 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$service" -keyout tls.key -out tls.csr 2>/dev/null &&
    openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out tls.crt \
      -extfile <(printf 'subjectAltName=DNS:%s,DNS:%s.cluster.local' "$service" "$service") 2>/dev/null)
fi
cat >"$overlay/kustomization.yaml" <<YAML
resources:
- ../../config/default
images:
- name: $(sed -n 's/^ *newName: *//p' "$ROOT/config/manager/kustomization.yaml")
  newName: ${OPERATOR_IMAGE%:*}
  newTag: ${OPERATOR_IMAGE##*:}
secretGenerator:
- name: webhook-server-cert
  namespace: gamestatefulset-system
  type: kubernetes.io/tls
  files: [certs/tls.crt, certs/tls.key]
generatorOptions:
  disableNameSuffixHash: true
patches:
# the image exists only in the node's containerd: never reach for a registry
- target: {kind: Deployment, name: controller-manager}
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/imagePullPolicy
      value: Never
- target: {kind: ValidatingWebhookConfiguration}
  patch: |-
$(for i in $(seq 0 $((webhooks - 1))); do printf '    - op: add\n      path: /webhooks/%d/clientConfig/caBundle\n      value: %s\n' "$i" "$(base64 -w0 "$overlay/certs/ca.crt")"; done)
- patch: |-
    apiVersion: cert-manager.io/v1
    kind: Certificate
    metadata: {name: gamestatefulset-serving-cert, namespace: gamestatefulset-system}
    \$patch: delete
- patch: |-
    apiVersion: cert-manager.io/v1
    kind: Issuer
    metadata: {name: gamestatefulset-selfsigned-issuer, namespace: gamestatefulset-system}
    \$patch: delete
YAML
# the ServiceMonitor and PrometheusRule CRDs, as the Prometheus Operator's release ships them
PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-v0.88.0}"
crds="$(cd "$(mktemp -d)" && go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" |
  sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')/example/prometheus-operator-crd"
log "applying the ServiceMonitor and PrometheusRule CRDs of the Prometheus Operator $PROMETHEUS_OPERATOR_VERSION"
"$KUBECTL" apply --server-side --force-conflicts -f "$crds/monitoring.coreos.com_servicemonitors.yaml" \
  -f "$crds/monitoring.coreos.com_prometheusrules.yaml" >/dev/null
# (kubectl wait fails, rather than waits, on a CRD whose status has no conditions yet)
for crd in servicemonitors prometheusrules; do
  for _ in $(seq 60); do
    [[ "$("$KUBECTL" get crd "$crd.monitoring.coreos.com" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" == True ]] && break
    sleep 1
  done
done

log "applying config/default with image $OPERATOR_IMAGE"
"$KUSTOMIZE" build "$overlay" | "$KUBECTL" apply --server-side --force-conflicts -f - >/dev/null
log "applying config/monitoring: the ServiceMonitor, the alerts, the dashboard"
"$KUSTOMIZE" build "$ROOT/config/monitoring" | "$KUBECTL" apply --server-side --force-conflicts -f - >/dev/null
# a rebuilt image under the same tag needs new pods
"$KUBECTL" -n gamestatefulset-system rollout restart deployment/gamestatefulset-controller-manager >/dev/null
"$KUBECTL" -n gamestatefulset-system rollout status deployment/gamestatefulset-controller-manager --timeout=180s
