# The Kudus subdomain and hosting operator.
# Everything the tests need is built from the Go module proxy or installed from
# Debian's packages into bin/ by the targets below; nothing is downloaded prebuilt.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

ROOT := $(shell pwd)
BIN := $(ROOT)/bin
KUBEBUILDER_ASSETS := $(BIN)/k8s
CONTROLLER_GEN := $(BIN)/controller-gen
CONTROLLER_TOOLS_VERSION := v0.23.0
EXTERNAL_DNS := $(BIN)/external-dns
EXTERNAL_DNS_VERSION := v0.21.0
MAILPIT := $(BIN)/mailpit
MAILPIT_VERSION := v1.27.11
KUBECTL := $(KUBEBUILDER_ASSETS)/kubectl
IMG ?= subdomain-operator:dev
GOTEST_FLAGS ?= -timeout 60m

export KUBEBUILDER_ASSETS

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRD and the manager's RBAC from the code markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: controller-gen ## Generate the DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: test-tools
test-tools: ## Build or install everything the tests start (first run: ~10 min).
	hack/build-test-binaries.sh
	hack/install-test-tools.sh

.PHONY: test
test: manifests generate fmt vet test-tools build ## Run every test suite against the real components.
	@git diff --exit-code --stat -- config/crd config/rbac api/v1alpha1/zz_generated.deepcopy.go || \
		(echo "generated files are out of date: run 'make manifests generate' and commit"; exit 1)
	go test $(GOTEST_FLAGS) ./... -coverprofile cover.out

.PHONY: bench
bench: build test-tools ## Run the benchmark (not part of make test); writes bench/results.json.
	go run ./test/bench $(BENCH_ARGS)

##@ Build

.PHONY: build
build: fmt vet ## Build the manager and the kubectl plugin into bin/.
	go build -o $(BIN)/manager .
	go build -o $(BIN)/kubectl-subdomain ./cmd/kubectl-subdomain

.PHONY: run
run: manifests generate fmt vet ## Run the operator against the current kubeconfig.
	go run . $(RUN_ARGS)

.PHONY: demo
demo: build test-tools ## Run the whole procedure on an embedded local control plane (ONCE=1 exits at the end).
	hack/demo.sh

##@ Deployment

.PHONY: install
install: manifests test-tools ## Install the CRD, the admission policies and the officials' roles in the current cluster.
	$(KUBECTL) apply --server-side -k config/crd
	$(KUBECTL) apply --server-side -k config/policies
	$(KUBECTL) apply --server-side -f config/officials/roles.yaml

.PHONY: uninstall
uninstall: test-tools ## Remove the CRD (and with it every request!), policies and roles.
	$(KUBECTL) delete --ignore-not-found -f config/officials/roles.yaml
	$(KUBECTL) delete --ignore-not-found -k config/policies
	$(KUBECTL) delete --ignore-not-found -k config/crd

.PHONY: deploy
deploy: manifests test-tools ## Deploy the operator to the current cluster (image IMG).
	cd config/manager && $(KUBECTL) kustomize . >/dev/null
	$(KUBECTL) kustomize config/default | sed "s#image: controller:latest#image: $(IMG)#" | $(KUBECTL) apply --server-side -f -

.PHONY: undeploy
undeploy: test-tools ## Remove the operator from the current cluster (requests and sites stay).
	$(KUBECTL) kustomize config/default | $(KUBECTL) delete --ignore-not-found -f -

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN):
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
