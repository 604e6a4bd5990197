#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, built from source: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, containerd (Debian) with a runc built from source, kubelet, kube-proxy
# and a CNI bridge. No Docker, no downloads but the Go module proxy and Debian's packages.
#
# usage: [NODES=N] hack/local-cluster.sh up|down|status|kubeconfig|import IMAGE_TARBALL...
#   up       builds what is missing (cached by version), installs Debian packages, starts the cluster; a second
#            `up` reuses what runs. Prints the KUBECONFIG to use. NODES=N adds N kwok fake nodes (labelled
#            type=kwok, tainted kwok.x-k8s.io/node=fake:NoSchedule) for multi-node and scale work. KCM_QPS and
#            KCM_BURST set kube-controller-manager's client limits, SCHEDULER_QPS the scheduler's (make bench).
#   down     stops every process and removes the bridge, the mounts, the iptables rules and the state.
#   import   imports docker-archive image tarballs into the node's containerd.
#
# Network: only loopback and the bridge it creates (gsts0, 10.244.0.1/24) are used. The API server listens on the
# bridge address, which the kubelet also uses as its node IP, so that the `kubernetes` Service (10.96.0.1) reaches
# it from pods through kube-proxy.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLUSTER_DIR="${GSTS_CLUSTER_DIR:-/var/lib/gsts-cluster}"
RUN_DIR="${GSTS_CLUSTER_RUN_DIR:-/run/gsts-cluster}"
BRIDGE="${GSTS_BRIDGE:-gsts0}"
NODE_IP="10.244.0.1"
POD_CIDR="10.244.0.0/24"
SERVICE_CIDR="10.96.0.0/16"
NODE_NAME="gsts-node"
API="https://$NODE_IP:6443"
ETCD_PORT=23790
# the image registry OLM pulls catalog and bundle images from (containerd speaks plain HTTP to localhost)
REGISTRY_ADDRESS="${GSTS_REGISTRY:-localhost:5000}"
KUBECONFIG_OUT="$CLUSTER_DIR/admin.kubeconfig"
NODES="${NODES:-0}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"

log() { echo "local-cluster: $*" >&2; }
die() { log "$*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (it starts a kubelet, containerd and changes iptables)"

bin_dir() { "$ROOT/hack/build-k8s-binaries.sh" "$@"; }

install_packages() {
  local missing=()
  command -v containerd >/dev/null || missing+=(containerd)
  [[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v ip >/dev/null || missing+=(iproute2)
  pkg-config --exists libseccomp 2>/dev/null || missing+=(libseccomp-dev pkg-config)
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
  fi
}

running() { [[ -f "$RUN_DIR/$1.pid" ]] && kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null; }

# start NAME COMMAND...: runs a component in the background with its log in CLUSTER_DIR/logs.
start() {
  local name="$1"; shift
  if running "$name"; then return; fi
  log "starting $name"
  nohup "$@" >"$CLUSTER_DIR/logs/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
}

wait_for() {
  local what="$1" tries="$2"; shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  die "$what did not come up; logs in $CLUSTER_DIR/logs"
}

certificates() {
  local pki="$CLUSTER_DIR/pki"
  [[ -f "$pki/.ready" ]] && return
  mkdir -p "$pki"
  log "creating certificates"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=gsts-local-ca" 2>/dev/null
    cat >apiserver.ext <<EXT
subjectAltName=IP:$NODE_IP,IP:10.96.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost
extendedKeyUsage=serverAuth
EXT
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile apiserver.ext 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -keyout kubelet-client.key -out kubelet-client.csr \
      -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" 2>/dev/null
    openssl x509 -req -in kubelet-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out kubelet-client.crt -days 3650 -extfile client.ext 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  # static tokens: one identity per component, as the bootstrap RBAC policy names them
  local t; t() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
  {
    echo "$(t),admin,admin,\"system:masters\""
    echo "$(t),system:kube-controller-manager,kube-controller-manager"
    echo "$(t),system:kube-scheduler,kube-scheduler"
    echo "$(t),system:node:$NODE_NAME,kubelet,\"system:nodes\""
    echo "$(t),system:kube-proxy,kube-proxy"
  } >"$pki/tokens.csv"
  chmod 600 "$pki"/*.key "$pki/tokens.csv"
  touch "$pki/.ready"
}

# The aggregation layer's front proxy (OLM's packageserver is an aggregated API server): the API server proxies
# with this client certificate, and aggregated servers trust the identity headers signed by this CA only.
front_proxy_certificates() {
  local pki="$CLUSTER_DIR/pki"
  [[ -f "$pki/front-proxy-client.crt" ]] && return
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout front-proxy-ca.key -out front-proxy-ca.crt -days 3650 \
      -subj "/CN=gsts-local-front-proxy-ca" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout front-proxy-client.key -out front-proxy-client.csr \
      -subj "/CN=front-proxy-client" 2>/dev/null
    openssl x509 -req -in front-proxy-client.csr -CA front-proxy-ca.crt -CAkey front-proxy-ca.key -CAcreateserial \
      -out front-proxy-client.crt -days 3650 -extfile client.ext 2>/dev/null
    chmod 600 front-proxy-ca.key front-proxy-client.key
  )
}

kubeconfig() {
  local user="$1" out="$2" token
  token="$(awk -F, -v u="$user" '$2 == u {print $1}' "$CLUSTER_DIR/pki/tokens.csv")"
  cat >"$out" <<KC
apiVersion: v1
kind: Config
clusters:
- name: gsts-local
  cluster:
    server: $API
    certificate-authority: $CLUSTER_DIR/pki/ca.crt
users:
- name: $user
  user:
    token: $token
contexts:
- name: gsts-local
  context: {cluster: gsts-local, user: $user}
current-context: gsts-local
KC
}

network() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    log "creating bridge $BRIDGE $NODE_IP/24"
    ip link add "$BRIDGE" type bridge
  fi
  ip addr show dev "$BRIDGE" | grep -q "$NODE_IP/24" || ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  mkdir -p "$CLUSTER_DIR/cni"
  cat >"$CLUSTER_DIR/cni/10-gsts.conflist" <<CNI
{
  "cniVersion": "1.0.0",
  "name": "gsts",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP", "rangeStart": "10.244.0.10"}]],
              "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$CLUSTER_DIR/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
CNI
}

containerd_config() {
  local runc="$1"
  mkdir -p "$CLUSTER_DIR/containerd" "$RUN_DIR"
  cat >"$CLUSTER_DIR/containerd/config.toml" <<TOML
version = 2
root = "$CLUSTER_DIR/containerd/root"
state = "$RUN_DIR/containerd"
[grpc]
  address = "$RUN_DIR/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # the machine lacks CAP_SYS_RESOURCE: a sandbox's negative oom_score_adj would be refused
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/cni"
TOML
}

kubelet_config() {
  cat >"$CLUSTER_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $CLUSTER_DIR/pki/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$RUN_DIR/containerd.sock
# the cluster DNS below: pods resolve <service>.<namespace>.svc as on any cluster (OLM dials catalogs so)
clusterDNS: [$NODE_IP]
clusterDomain: cluster.local
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
maxPods: 250
YAML
  cat >"$CLUSTER_DIR/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $CLUSTER_DIR/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0}
YAML
}

up() {
  install_packages
  local bin
  bin="$(bin_dir etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl runc coredns | tail -1)"
  mkdir -p "$CLUSTER_DIR/logs" "$RUN_DIR"
  certificates
  front_proxy_certificates
  network
  kubeconfig admin "$KUBECONFIG_OUT"
  kubeconfig system:kube-controller-manager "$CLUSTER_DIR/kube-controller-manager.kubeconfig"
  kubeconfig system:kube-scheduler "$CLUSTER_DIR/kube-scheduler.kubeconfig"
  kubeconfig "system:node:$NODE_NAME" "$CLUSTER_DIR/kubelet.kubeconfig"
  kubeconfig system:kube-proxy "$CLUSTER_DIR/kube-proxy.kubeconfig"
  containerd_config "$(readlink -f "$bin/runc")"
  kubelet_config
  local pki="$CLUSTER_DIR/pki"

  start etcd "$bin/etcd" --data-dir "$CLUSTER_DIR/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --unsafe-no-fsync --quota-backend-bytes 4294967296
  start kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port 6443 \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --token-auth-file "$pki/tokens.csv" --authorization-mode Node,RBAC --allow-privileged \
    --service-cluster-ip-range "$SERVICE_CIDR" --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --kubelet-client-certificate "$pki/kubelet-client.crt" --kubelet-client-key "$pki/kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP --enable-admission-plugins NodeRestriction \
    --max-requests-inflight 1000 --max-mutating-requests-inflight 500 \
    --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- --proxy-client-cert-file "$pki/front-proxy-client.crt" \
    --proxy-client-key-file "$pki/front-proxy-client.key" --enable-aggregator-routing
  wait_for kube-apiserver 120 "$bin/kubectl" --kubeconfig "$KUBECONFIG_OUT" get --raw /readyz
  start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$CLUSTER_DIR/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$CLUSTER_DIR/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$CLUSTER_DIR/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --service-cluster-ip-range "$SERVICE_CIDR" --cluster-cidr "$POD_CIDR" --allocate-node-cidrs=false \
    --horizontal-pod-autoscaler-sync-period 5s --node-monitor-grace-period 40s \
    ${KCM_QPS:+--kube-api-qps "$KCM_QPS"} ${KCM_BURST:+--kube-api-burst "$KCM_BURST"}
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$CLUSTER_DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$CLUSTER_DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$CLUSTER_DIR/kube-scheduler.kubeconfig" --bind-address 127.0.0.1 --leader-elect=false \
    ${SCHEDULER_QPS:+--kube-api-qps "$SCHEDULER_QPS" --kube-api-burst "$SCHEDULER_QPS"}
  # CoreDNS on the node's address, answering for cluster.local from the API and forwarding the rest as the host does
  cat >"$CLUSTER_DIR/Corefile" <<COREFILE
.:53 {
    bind $NODE_IP
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $KUBECONFIG_OUT
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
    loop
}
COREFILE
  start coredns "$bin/coredns" -conf "$CLUSTER_DIR/Corefile"
  if ! running registry; then
    (cd "$ROOT" && go build -o "$CLUSTER_DIR/registry" ./hack/registry)
    start registry "$CLUSTER_DIR/registry" -listen "127.0.0.1:${REGISTRY_ADDRESS##*:}" -dir "$CLUSTER_DIR/registry-blobs"
  fi
  start containerd containerd --config "$CLUSTER_DIR/containerd/config.toml"
  wait_for containerd 60 ctr --address "$RUN_DIR/containerd.sock" version
  import_images "$(pause_image)"
  start kubelet "$bin/kubelet" --config "$CLUSTER_DIR/kubelet.yaml" --kubeconfig "$CLUSTER_DIR/kubelet.kubeconfig" \
    --root-dir "$CLUSTER_DIR/kubelet" --node-ip "$NODE_IP" --hostname-override "$NODE_NAME"
  start kube-proxy "$bin/kube-proxy" --config "$CLUSTER_DIR/kube-proxy.yaml"
  wait_for "node $NODE_NAME Ready" 120 "$bin/kubectl" --kubeconfig "$KUBECONFIG_OUT" wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s
  wait_for "the default service account" 60 "$bin/kubectl" --kubeconfig "$KUBECONFIG_OUT" get serviceaccount default
  kwok_nodes "$bin"
  log "cluster is up; use: export KUBECONFIG=$KUBECONFIG_OUT"
  echo "$KUBECONFIG_OUT"
}

# kwok_nodes starts kwok and registers NODES fake nodes it keeps Ready (with leases, so the node lifecycle
# controller leaves them alone) and whose pods it runs without containers. Deleted pods there are finished by
# kwokpoddeleter, by UID, instead of kwok's pod-delete stage, which deleted same-named replacements (see its doc).
kwok_nodes() {
  local bin="$1"
  ((NODES > 0)) || return 0
  KWOK_VERSION="$KWOK_VERSION" bin_dir kwok >/dev/null
  local stages="$CLUSTER_DIR/kwok-stages.yaml" dir
  dir="$(cd / && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
    pod/fast/pod-ready pod/fast/pod-complete; do
    cat "$dir/kustomize/stage/$stage.yaml"
    echo "---"
  done >"$stages"
  start kwok "$bin/kwok" --kubeconfig "$KUBECONFIG_OUT" --config "$stages" \
    --manage-all-nodes=false --manage-nodes-with-label-selector type=kwok --node-lease-duration-seconds 40 \
    --cidr 10.245.0.0/16 --node-ip 10.245.255.254 --server-address 127.0.0.1:10247
  if ! running kwokpoddeleter; then
    (cd "$ROOT" && go build -o "$CLUSTER_DIR/kwokpoddeleter" ./hack/kwokpoddeleter)
    start kwokpoddeleter "$CLUSTER_DIR/kwokpoddeleter" -kubeconfig "$KUBECONFIG_OUT" -node-selector type=kwok
  fi
  for ((i = 0; i < NODES; i++)); do
    cat <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  labels: {type: kwok, kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux, kubernetes.io/arch: amd64}
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
spec:
  taints: [{key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule}]
---
NODE
  done | "$bin/kubectl" --kubeconfig "$KUBECONFIG_OUT" apply -f - >/dev/null
  wait_for "$NODES kwok nodes Ready" 120 "$bin/kubectl" --kubeconfig "$KUBECONFIG_OUT" wait --for=condition=Ready node -l type=kwok --timeout=1s
}

pause_image() {
  local out="$CLUSTER_DIR/images"
  if [[ ! -f "$out/registry.k8s.io_pause_3.10.tar" ]]; then
    (cd "$ROOT" && go run ./hack/images -out "$out" registry.k8s.io/pause:3.10=./hack/pause >/dev/null)
  fi
  echo "$out/registry.k8s.io_pause_3.10.tar"
}

import_images() {
  for tarball in "$@"; do
    ctr --address "$RUN_DIR/containerd.sock" -n k8s.io images import --no-unpack=false "$tarball" >/dev/null
  done
}

down() {
  for name in coredns kwokpoddeleter kwok kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd registry; do
    if running "$name"; then
      log "stopping $name"
      kill "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null || true
    fi
  done
  # pods first, while containerd still runs, so their network namespaces and mounts are released
  if running containerd; then
    local ctr=(ctr --address "$RUN_DIR/containerd.sock" -n k8s.io)
    for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true; done
    sleep 1
    for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks delete -f "$task" >/dev/null 2>&1 || true; done
    for c in $("${ctr[@]}" containers ls -q 2>/dev/null); do "${ctr[@]}" containers delete "$c" >/dev/null 2>&1 || true; done
    kill "$(cat "$RUN_DIR/containerd.pid")" 2>/dev/null || true
  fi
  for name in coredns kwokpoddeleter kwok kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd containerd registry; do
    [[ -f "$RUN_DIR/$name.pid" ]] || continue
    local pid; pid="$(cat "$RUN_DIR/$name.pid")"
    for ((i = 0; i < 20 && $(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0); i++)); do sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$RUN_DIR/$name.pid"
  done
  pkill -f "containerd-shim-runc-v2 -namespace k8s.io" 2>/dev/null || true
  # mounts left by the kubelet and containerd, deepest first
  { grep -E " ($CLUSTER_DIR|$RUN_DIR)" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  # kube-proxy's and the CNI plugins' iptables rules
  for table in nat filter mangle; do
    iptables-save -t "$table" | grep -vE -- '-j (KUBE-|CNI-)|^:(KUBE-|CNI-)|-A (KUBE-|CNI-)' | iptables-restore -T "$table" 2>/dev/null || true
  done
  # the pods' network: each veth on the bridge and the network namespace at its other end
  { ip -o link show master "$BRIDGE" type veth 2>/dev/null || true; } | while read -r _ dev rest; do
    dev="${dev%%@*}"
    netns="$(sed -n 's/.*link-netns \([^ ]*\).*/\1/p' <<<"$rest")"
    ip link delete "$dev" 2>/dev/null || true
    [[ "$netns" == cni-* ]] && ip netns delete "$netns" 2>/dev/null || true
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    log "removing bridge $BRIDGE"
    ip link delete "$BRIDGE"
  fi
  rm -rf "$RUN_DIR"
  rm -rf "$CLUSTER_DIR"
  log "cluster is down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status)
    for name in etcd kube-apiserver kube-controller-manager kube-scheduler coredns registry containerd kubelet kube-proxy kwok kwokpoddeleter; do
      if running "$name"; then echo "$name: running"; else echo "$name: stopped"; fi
    done ;;
  kubeconfig) echo "$KUBECONFIG_OUT" ;;
  import) shift; import_images "$@" ;;
  registry) echo "$REGISTRY_ADDRESS" ;;
  *) echo "usage: $0 up|down|status|kubeconfig|import TARBALL...|registry" >&2; exit 2 ;;
esac
