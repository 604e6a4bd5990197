# GameStatefulSet operator. `make help` lists the targets.

# The release: the bundle, the catalog entry and the image tag follow the VERSION file.
VERSION ?= $(shell cat $(dir $(abspath $(lastword $(MAKEFILE_LIST))))VERSION)
IMAGE_TAG_BASE ?= ghcr.io/gamestatefulset/gamestatefulset-operator
IMG ?= $(IMAGE_TAG_BASE):v$(VERSION)
BUNDLE_IMG ?= $(IMAGE_TAG_BASE)-bundle:v$(VERSION)
SCORECARD_IMG ?= $(IMAGE_TAG_BASE)-scorecard-tests:v$(VERSION)
CATALOG_IMG ?= $(IMAGE_TAG_BASE)-catalog:latest
# OLM's channel naming convention: candidate (previews), fast (released, early), stable (released, later).
CHANNELS ?= candidate,fast
DEFAULT_CHANNEL ?= fast
# The release this one upgrades (spec.replaces and olm.skipRange of the CSV, the edge in catalog/).
PREVIOUS_VERSION ?= 0.1.0
CONTAINER_TOOL ?= docker

# Tools are built from Go modules into a cache outside the repository, one folder per version, so that CI and
# later sessions reuse them.
GSTS_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/gamestatefulset-operator
export GSTS_CACHE
KUBE_VERSION ?= v1.37.2
export KUBE_VERSION
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.1
CONTROLLER_GEN ?= $(GSTS_CACHE)/tools/controller-gen-$(CONTROLLER_TOOLS_VERSION)/controller-gen
KUSTOMIZE ?= $(GSTS_CACHE)/tools/kustomize-$(KUSTOMIZE_VERSION)/kustomize
KREW_VERSION ?= v0.4.3
KREW ?= $(GSTS_CACHE)/tools/krew-$(KREW_VERSION)/krew
# promtool unit-tests the alerts, and the e2e suite's Prometheus runs on the local cluster: both built from
# Prometheus's Go module with the service discoveries other than Kubernetes' left out (the cloud SDKs)
PROMETHEUS_VERSION ?= v0.316.0
PROMETHEUS_TAGS ?= remove_all_sd,enable_kubernetes_sd
PROMTOOL ?= $(GSTS_CACHE)/tools/prometheus-$(PROMETHEUS_VERSION)/promtool
PROMETHEUS ?= $(GSTS_CACHE)/tools/prometheus-$(PROMETHEUS_VERSION)/prometheus
ENVTEST_ASSETS ?= $(GSTS_CACHE)/kubernetes-$(KUBE_VERSION)/bin
KUBECTL ?= $(ENVTEST_ASSETS)/kubectl

GOFLAGS_TEST ?= -race
# Every build but the race detector's is static and trimmed, as the images' are: the operator's vet, e2e and
# image builds, the OLM tests, opm and OLM itself then share one compile of their common packages (the cold CI
# run's largest saving). The race detector needs cgo: its targets set CGO_ENABLED=1.
export CGO_ENABLED ?= 0
export GOFLAGS ?= -trimpath
# operator-registry's image libraries: pure-Go OpenPGP instead of the gpgme C library, as opm builds
OLM_TAGS ?= containers_image_openpgp
# kwok fake nodes of the local cluster: cluster-up starts none unless NODES is set, the e2e run starts 3
NODES ?=
export NODES
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-22s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRD, RBAC and webhook manifests from the markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd:generateEmbeddedObjectMeta=true webhook paths="./api/..." paths="./controllers/..." paths="./internal/..." output:crd:artifacts:config=config/crd/bases
	go run ./hack/trimcrd config/crd/bases/*.yaml

.PHONY: generate
generate: controller-gen ## Generate the DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: dashboard
dashboard: ## Generate the Grafana dashboard config/grafana/gamestatefulset.json from internal/dashboard.
	go run ./hack/monitoring dashboard config/grafana/gamestatefulset.json

.PHONY: fmt
fmt: ## go fmt.
	go fmt ./...

.PHONY: vet
vet: ## go vet.
	go vet ./...

GENERATED_FILES = api/v1alpha1/zz_generated.deepcopy.go config/grafana/gamestatefulset.json config/crd/bases config/rbac/role.yaml config/webhook/manifests.yaml bundle bundle.Dockerfile catalog doc/deploy

.PHONY: verify-generated
verify-generated: generate manifests dashboard bundle catalog deploy-docs ## Fail when generated files differ from what is committed.
	@if [ -n "$$(git status --porcelain -- $(GENERATED_FILES))" ]; then \
		echo "generated files are stale; run 'make generate manifests dashboard bundle catalog deploy-docs' and commit them:"; \
		git status --porcelain -- $(GENERATED_FILES); git --no-pager diff --stat -- $(GENERATED_FILES); exit 1; fi

.PHONY: verify-fmt
verify-fmt: ## Fail when a Go file is not gofmt-formatted.
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$unformatted" ]; then \
		echo "not gofmt-formatted (run 'make fmt'):"; echo "$$unformatted"; exit 1; fi

.PHONY: test
test: ## Every test: generated files, formatting, vet, unit, the alerts through promtool, a short fuzz run, the kubectl plugin installed with krew, OLM bundle and catalog validation, integration (real kube-apiserver) and e2e (kind or the local cluster, with the install suite: doc/deploy, the real OLM installing and upgrading from a catalog, the scorecard tests) suites; hack/test.sh builds the clusters' binaries and OLM in the background meanwhile.
	MAKE="$(MAKE)" hack/test.sh

.PHONY: test-unit
test-unit: ## Unit tests of the pure decision logic (and of the bench's tables and chart, and the local cluster's kwok pod deleter).
	CGO_ENABLED=1 go test $(GOFLAGS_TEST) ./api/... ./internal/... ./controllers/... ./tests/bench/ ./hack/benchchart/ ./hack/kwokpoddeleter/

.PHONY: test-rules
test-rules: promtool ## The alerts (config/prometheus/prometheus_rule.yaml) through promtool's checks and unit tests.
	mkdir -p bin/rules
	go run ./hack/monitoring rules config/prometheus/prometheus_rule.yaml bin/rules/gamestatefulset.rules.yaml
	cp config/prometheus/prometheus_rule_test.yaml bin/rules/
	$(PROMTOOL) check rules bin/rules/gamestatefulset.rules.yaml
	$(PROMTOOL) test rules bin/rules/prometheus_rule_test.yaml

FUZZTIME ?= 12s
.PHONY: test-fuzz
test-fuzz: ## Fuzz the planner's invariants (with and without hooks), the adoption's template matching, the canary steps, the hook metrics, the port-mapping formula and the lossless reload for FUZZTIME each (docs/operations.md has longer runs).
	hack/fuzz.sh ./internal/planner FuzzCompute $(FUZZTIME)
	hack/fuzz.sh ./internal/planner FuzzComputeWithHooks $(FUZZTIME)
	hack/fuzz.sh ./internal/adoption FuzzRuns $(FUZZTIME)
	hack/fuzz.sh ./internal/canary FuzzDecide $(FUZZTIME)
	hack/fuzz.sh ./internal/hook FuzzRecord $(FUZZTIME)
	hack/fuzz.sh ./internal/network FuzzListeners $(FUZZTIME)
	hack/fuzz.sh ./internal/lossless FuzzAttempted $(FUZZTIME)

.PHONY: bench
bench: kubectl kustomize ## Benchmark the operator against the StatefulSet controller and OpenKruise's Advanced StatefulSet on the local cluster with kwok nodes, and against the API server unthrottled (docs/performance.md); BENCH_SIZES, BENCH_LIMIT_SIZES, BENCH_REPEAT, BENCH_QPS, BENCH_BURST, BENCH_KRUISE=0; BENCH_TIMELINE=N times only scale-ups of N.
	KUBECTL=$(KUBECTL) KUSTOMIZE=$(KUSTOMIZE) hack/bench.sh

.PHONY: bench-chart
bench-chart: ## Draw the last make bench's first table (bin/bench.out) into docs/performance/bench.png.
	mkdir -p docs/performance
	go run ./hack/benchchart bin/bench.out docs/performance/bench.png

# Without -race: validators run once over files, and `make catalog` has compiled operator-registry without it
# already; a race build of it would cost a cold run minutes for nothing concurrent of ours.
.PHONY: test-olm
test-olm: ## The bundle through operator-framework's validators, the catalog through opm's validation and the upgrade graph checks.
	cd tests/olm && go vet -tags $(OLM_TAGS) ./... && go test -tags $(OLM_TAGS) ./... -ginkgo.v

.PHONY: test-integration
test-integration: envtest ## Integration suites on a real kube-apiserver and etcd (envtest, built from source).
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" CGO_ENABLED=1 go test $(GOFLAGS_TEST) ./tests/integration/... -ginkgo.v -timeout 30m

.PHONY: test-e2e
test-e2e: kustomize kubectl prometheus ## The e2e suites: on kind where Docker runs, else on the local cluster; E2E_KUBECONFIG=... for a cluster of yours.
	KUBECTL=$(KUBECTL) KUSTOMIZE=$(KUSTOMIZE) PROMETHEUS=$(PROMETHEUS) PUBLISHED_OPERATOR_IMAGE=$(IMG) hack/e2e.sh

.PHONY: test-e2e-local
test-e2e-local: kustomize kubectl prometheus ## Bring the local cluster up, deploy the operator, run the e2e suites, tear the cluster down.
	KUBECTL=$(KUBECTL) KUSTOMIZE=$(KUSTOMIZE) PROMETHEUS=$(PROMETHEUS) PUBLISHED_OPERATOR_IMAGE=$(IMG) hack/e2e-local.sh

##@ Local cluster (real kubelet, containerd, runc; built from source, no Docker)

.PHONY: cluster-up
cluster-up: ## Start the local single-node cluster (idempotent; NODES=N adds kwok fake nodes); prints the KUBECONFIG.
	hack/local-cluster.sh up

.PHONY: olm-install
olm-install: kubectl ## Install the real Operator Lifecycle Manager on the local cluster: its release manifests, its images built from source into the local registry.
	KUBECTL=$(KUBECTL) OLM_TAGS=$(OLM_TAGS) hack/olm-local.sh install

.PHONY: olm-publish
olm-publish: ## Publish this release and the next as operator, bundle and catalog images to the local cluster's registry (docs/olm.md).
	KUBECTL=$(KUBECTL) OLM_TAGS=$(OLM_TAGS) hack/olm-local.sh publish

.PHONY: olm-uninstall
olm-uninstall: kubectl ## Remove OLM from the local cluster.
	KUBECTL=$(KUBECTL) hack/olm-local.sh uninstall

.PHONY: cluster-down
cluster-down: ## Stop the local cluster and remove everything it created.
	hack/local-cluster.sh down

.PHONY: deploy-local
deploy-local: kustomize kubectl ## Build the images, import them into the local cluster and deploy config/default.
	KUBECTL=$(KUBECTL) KUSTOMIZE=$(KUSTOMIZE) PUBLISHED_OPERATOR_IMAGE=$(IMG) hack/deploy-local.sh

.PHONY: demo
demo: cluster-up deploy-local ## The operator end to end: local cluster, operator deployed as users deploy it, a sample applied.
	KUBECTL=$(KUBECTL) hack/demo.sh

##@ Build

.PHONY: build
build: generate fmt vet ## Build the manager binary.
	go build -o bin/manager ./cmd

.PHONY: plugin
plugin: ## Build the kubectl plugin bin/kubectl-gamestatefulset, also answering as bin/kubectl-gsts; put bin/ on PATH.
	go build -ldflags "-s -w -X main.version=v$(VERSION)" -o bin/kubectl-gamestatefulset ./cmd/kubectl-gamestatefulset
	ln -sf kubectl-gamestatefulset bin/kubectl-gsts

PLUGIN_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
.PHONY: test-plugin
test-plugin: krew kubectl ## Install the plugin's release archive with krew, as a user would, and run it through kubectl.
	KREW=$(KREW) KUBECTL=$(KUBECTL) hack/test-krew.sh v$(VERSION)

.PHONY: plugin-release
plugin-release: ## The plugin's release archives (dist/) for PLUGIN_PLATFORMS and their krew manifest (dist/gamestatefulset.yaml).
	hack/plugin-release.sh v$(VERSION) $(PLUGIN_PLATFORMS)

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the cluster of the current kubeconfig.
	go run ./cmd --leader-elect=false --enable-webhook=false

.PHONY: docker-build
docker-build: ## Build the operator image with Docker.
	@command -v $(CONTAINER_TOOL) >/dev/null && $(CONTAINER_TOOL) info >/dev/null 2>&1 || { echo "docker-build: no $(CONTAINER_TOOL) engine runs here"; exit 1; }
	$(CONTAINER_TOOL) build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the operator image.
	@command -v $(CONTAINER_TOOL) >/dev/null && $(CONTAINER_TOOL) info >/dev/null 2>&1 || { echo "docker-push: no $(CONTAINER_TOOL) engine runs here"; exit 1; }
	$(CONTAINER_TOOL) push $(IMG)

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize kubectl ## Install the CRD into the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: uninstall
uninstall: manifests kustomize kubectl ## Remove the CRD (and every GameStatefulSet) from the cluster.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: manifests kustomize kubectl ## Deploy the operator (config/default) with image $(IMG).
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | $(KUBECTL) apply --server-side -f -

.PHONY: undeploy
undeploy: kustomize kubectl ## Remove the operator deployed by `make deploy`.
	$(KUSTOMIZE) build config/default | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

##@ Bundle

.PHONY: bundle
bundle: manifests kustomize ## Generate the OLM bundle (bundle/manifests, metadata, tests/scorecard) from config/, as operator-sdk generate bundle does.
	VERSION=$(VERSION) PREVIOUS_VERSION=$(PREVIOUS_VERSION) IMG=$(IMG) SCORECARD_IMG=$(SCORECARD_IMG) CHANNELS=$(CHANNELS) DEFAULT_CHANNEL=$(DEFAULT_CHANNEL) KUSTOMIZE=$(KUSTOMIZE) hack/generate-bundle.sh

.PHONY: bundle-build
bundle-build: ## Build the bundle image with Docker.
	@command -v $(CONTAINER_TOOL) >/dev/null && $(CONTAINER_TOOL) info >/dev/null 2>&1 || { echo "bundle-build: no $(CONTAINER_TOOL) engine runs here"; exit 1; }
	$(CONTAINER_TOOL) build -f bundle.Dockerfile -t $(BUNDLE_IMG) .

.PHONY: bundle-push
bundle-push: ## Push the bundle image.
	$(MAKE) docker-push IMG=$(BUNDLE_IMG)

.PHONY: deploy-docs
deploy-docs: manifests kustomize ## The original project's install files doc/deploy/01-04 (kubectl create -f each), from config/plain.
	KUSTOMIZE=$(KUSTOMIZE) hack/deploy-docs.sh $(IMG)

.PHONY: catalog
catalog: bundle ## Render bundle/ into this release's entry of the file-based catalog (catalog/), as opm render does.
	cd tests/olm && go run -tags $(OLM_TAGS) ./cmd/render-catalog -bundle ../../bundle -image $(BUNDLE_IMG) \
		-out ../../catalog/gamestatefulset-operator/bundles/v$(VERSION).yaml

.PHONY: catalog-build
catalog-build: ## Build the catalog image with Docker.
	@command -v $(CONTAINER_TOOL) >/dev/null && $(CONTAINER_TOOL) info >/dev/null 2>&1 || { echo "catalog-build: no $(CONTAINER_TOOL) engine runs here"; exit 1; }
	$(CONTAINER_TOOL) build -f catalog.Dockerfile -t $(CATALOG_IMG) .

.PHONY: catalog-push
catalog-push: ## Push the catalog image.
	$(MAKE) docker-push IMG=$(CATALOG_IMG)

.PHONY: scorecard-build
scorecard-build: ## Build the custom scorecard tests image with Docker.
	@command -v $(CONTAINER_TOOL) >/dev/null && $(CONTAINER_TOOL) info >/dev/null 2>&1 || { echo "scorecard-build: no $(CONTAINER_TOOL) engine runs here"; exit 1; }
	$(CONTAINER_TOOL) build -f tests/scorecard/Dockerfile -t $(SCORECARD_IMG) .

.PHONY: scorecard-push
scorecard-push: ## Push the custom scorecard tests image.
	$(MAKE) docker-push IMG=$(SCORECARD_IMG)

##@ Tools

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Build controller-gen into the cache.
$(CONTROLLER_GEN):
	hack/build-tool.sh controller-gen sigs.k8s.io/controller-tools $(CONTROLLER_TOOLS_VERSION) sigs.k8s.io/controller-tools/cmd/controller-gen $(dir $(CONTROLLER_GEN))

.PHONY: krew
krew: $(KREW) ## Build krew into the cache.
$(KREW):
	hack/build-tool.sh krew sigs.k8s.io/krew $(KREW_VERSION) sigs.k8s.io/krew/cmd/krew $(dir $(KREW))

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Build kustomize into the cache.
$(KUSTOMIZE):
	hack/build-tool.sh kustomize sigs.k8s.io/kustomize/kustomize/v5 $(KUSTOMIZE_VERSION) sigs.k8s.io/kustomize/kustomize/v5 $(dir $(KUSTOMIZE))

.PHONY: promtool
promtool: $(PROMTOOL) ## Build promtool into the cache.
$(PROMTOOL):
	hack/build-tool.sh promtool github.com/prometheus/prometheus $(PROMETHEUS_VERSION) github.com/prometheus/prometheus/cmd/promtool $(dir $(PROMTOOL)) -tags $(PROMETHEUS_TAGS)

.PHONY: prometheus
prometheus: $(PROMETHEUS) ## Build Prometheus into the cache (the e2e suite runs it on the local cluster).
$(PROMETHEUS):
	hack/build-tool.sh prometheus github.com/prometheus/prometheus $(PROMETHEUS_VERSION) github.com/prometheus/prometheus/cmd/prometheus $(dir $(PROMETHEUS)) -tags $(PROMETHEUS_TAGS)

.PHONY: envtest
envtest: ## Build etcd, kube-apiserver and kubectl from Go modules into the cache (setup-envtest cannot download here).
	hack/build-k8s-binaries.sh etcd kube-apiserver kubectl >/dev/null

.PHONY: kubectl
kubectl: ## Build a kubectl matching the cluster version into the cache.
	hack/build-k8s-binaries.sh kubectl >/dev/null
