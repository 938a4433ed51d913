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
GOLANGCI_LINT := $(BIN)/golangci-lint
GOLANGCI_LINT_VERSION := v2.15.0
HELM := $(BIN)/helm
HELM_VERSION := v4.3.2
# The installation targets (install, deploy, undeploy, uninstall, build-installer) use
# the kubectl on PATH, or KUBECTL=/path/to/kubectl, and need nothing of the test stack;
# the tests use the pinned bin/k8s/kubectl that make test-tools builds.
KUBECTL ?= kubectl
IMG ?= subdomain-operator:dev
# docker-build and docker-push: one image per platform, built with docker buildx
# (the Go build runs on the build machine and cross-compiles).
PLATFORMS ?= linux/amd64,linux/arm64
CONTAINER_TOOL ?= docker
BUILDX_BUILDER ?= subdomain-operator-builder
comma := ,
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
manifests: controller-gen ## Generate the CRD and the manager's RBAC from the code markers (and copy them, the policies and the officials' roles into the Helm chart).
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases
	@$(MAKE) --no-print-directory chart-files

# The Helm chart renders these files of config/ (test/deploy fails if they differ); the
# Namespace, the policy settings and the granted-hosts maps it renders from its values.
CHART := charts/subdomain-operator
CHART_POLICY_FILES := $(filter-out %/kustomization.yaml %/namespace.yaml %/settings.yaml %/granted-hosts.yaml,$(wildcard config/policies/*.yaml))

.PHONY: chart-files
chart-files: ## Copy the CRD, the manager's ClusterRole, the admission policies and the officials' roles into the Helm chart.
	@mkdir -p $(CHART)/files/crd $(CHART)/files/rbac $(CHART)/files/policies $(CHART)/files/officials
	@rm -f $(CHART)/files/crd/*.yaml $(CHART)/files/policies/*.yaml
	cp config/crd/bases/*.yaml $(CHART)/files/crd/
	cp config/rbac/role.yaml $(CHART)/files/rbac/role.yaml
	cp $(CHART_POLICY_FILES) $(CHART)/files/policies/
	cp config/officials/roles.yaml $(CHART)/files/officials/roles.yaml

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
test-tools: helm ## Build or install everything the tests start (first run: ~16 min, Helm 5 1/2 of them).
	hack/build-test-binaries.sh
	hack/install-test-tools.sh

.PHONY: lint
lint: golangci-lint ## Run golangci-lint (configuration: .golangci.yml).
	$(GOLANGCI_LINT) run ./...

.PHONY: test-fast
test-fast: fmt vet ## The inner loop: unit tests and the envtest suites (real API server), no external processes.
	hack/build-test-binaries.sh
	go test $(GOTEST_FLAGS) ./api/... ./internal/... ./controllers/...

.PHONY: test
test: manifests generate fmt vet lint test-tools build ## Run every test suite against the real components (what CI runs).
	@git diff --exit-code --stat -- config/crd config/rbac $(CHART)/files api/v1alpha1/zz_generated.deepcopy.go || \
		(echo "generated files are out of date: run 'make manifests generate' and commit"; exit 1)
	go test $(GOTEST_FLAGS) ./... -coverprofile cover.out

.PHONY: bench
bench: build test-tools ## Run the benchmark (not part of make test); writes bench/results.json.
	go run ./test/bench $(BENCH_ARGS)

##@ Build

.PHONY: build
build: fmt vet ## Build the manager, the kubectl plugin and the portal into bin/.
	go build -o $(BIN)/manager .
	go build -o $(BIN)/kubectl-subdomain ./cmd/kubectl-subdomain
	go build -o $(BIN)/portal ./cmd/portal

# The image holds the manager, the kubectl plugin (/kubectl-subdomain) and the portal
# (/portal). A
# multi-platform image cannot be loaded into the local Docker engine: docker-build
# keeps it in the builder's cache (a check that every platform builds), unless
# PLATFORMS names a single platform (e.g. PLATFORMS=linux/amd64), which is loaded.
# docker-push builds and pushes one manifest list for all PLATFORMS.
.PHONY: docker-build
docker-build: ## Build the image IMG for PLATFORMS with docker buildx (needs a Docker engine).
	$(CONTAINER_TOOL) buildx inspect $(BUILDX_BUILDER) >/dev/null 2>&1 || $(CONTAINER_TOOL) buildx create --name $(BUILDX_BUILDER) --driver docker-container
	$(CONTAINER_TOOL) buildx build --builder $(BUILDX_BUILDER) --platform=$(PLATFORMS) --build-arg VERSION=$(PLUGIN_VERSION) \
	  --tag $(IMG) $(if $(findstring $(comma),$(PLATFORMS)),,--load) $(DOCKER_BUILD_ARGS) .

.PHONY: docker-push
docker-push: ## Build the image IMG for PLATFORMS and push it (docker login to the registry first).
	$(CONTAINER_TOOL) buildx inspect $(BUILDX_BUILDER) >/dev/null 2>&1 || $(CONTAINER_TOOL) buildx create --name $(BUILDX_BUILDER) --driver docker-container
	$(CONTAINER_TOOL) buildx build --builder $(BUILDX_BUILDER) --platform=$(PLATFORMS) --build-arg VERSION=$(PLUGIN_VERSION) \
	  --tag $(IMG) --push $(DOCKER_BUILD_ARGS) .

# One file with everything config/default installs and the image set to IMG, for
# `kubectl apply --server-side -f dist/install.yaml` on a cluster (or a release asset).
.PHONY: build-installer
build-installer: manifests ## Write dist/install.yaml: config/default rendered, with the image IMG.
	mkdir -p $(DIST)
	$(KUBECTL) kustomize config/default | sed "s#image: controller:latest#image: $(IMG)#" > $(DIST)/install.yaml.tmp
	@grep -q "image: $(IMG)$$" $(DIST)/install.yaml.tmp || { echo "dist/install.yaml: the image controller:latest of config/manager was not replaced by $(IMG)" >&2; rm -f $(DIST)/install.yaml.tmp; exit 1; }
	mv $(DIST)/install.yaml.tmp $(DIST)/install.yaml
	@echo "wrote $(DIST)/install.yaml (image $(IMG))"

.PHONY: run
run: manifests generate fmt vet ## Run the operator against the current kubeconfig.
	go run . $(RUN_ARGS)

.PHONY: demo
demo: build test-tools ## Run the whole procedure on an embedded local control plane, with the portal and its logins (ONCE=1 exits at the end).
	hack/demo.sh

# The kubectl plugin's release: one archive per platform (the binary, with the version
# set by -ldflags -X, the completion helper kubectl_complete-subdomain and the two
# guides), the krew manifest plugin/krew/subdomain.yaml with each archive's sha256 and a
# checksum file, all in dist/ beside the other release files (only the plugin's own
# files there are replaced). Same commit and version, same sha256. Needs GNU tar and zip.
PLUGIN_VERSION ?= $(shell git describe --tags --match 'v[0-9]*' 2>/dev/null || echo v0.0.0-dev)
PLUGIN_RELEASE_URL ?= https://github.com/kudus-diskominfo/subdomain-operator/releases/download/$(PLUGIN_VERSION)
PLUGIN_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
PLUGIN_SOURCE_DATE ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
DIST := $(ROOT)/dist

.PHONY: plugin-dist
plugin-dist: ## Build the kubectl plugin's archives for every platform and its krew manifest into dist/ (PLUGIN_VERSION=vX.Y.Z).
	rm -rf $(DIST)/kubectl-subdomain_* $(DIST)/subdomain.yaml && mkdir -p $(DIST)
	sed -e 's|PLUGIN_RELEASE_URL|$(PLUGIN_RELEASE_URL)|g' -e 's|PLUGIN_VERSION|$(PLUGIN_VERSION)|g' \
	  plugin/krew/subdomain.yaml > $(DIST)/subdomain.yaml
	@set -e; for platform in $(PLUGIN_PLATFORMS); do \
	  os=$${platform%/*}; arch=$${platform#*/}; exe=; [[ $$os == windows ]] && exe=.exe; \
	  name=kubectl-subdomain_$(PLUGIN_VERSION)_$${os}_$${arch}; stage=$(DIST)/$$name; \
	  echo "building $$name"; mkdir -p $$stage; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath \
	    -ldflags "-s -w -X github.com/kudus-diskominfo/subdomain-operator/internal/plugin.Version=$(PLUGIN_VERSION)" \
	    -o $$stage/kubectl-subdomain$$exe ./cmd/kubectl-subdomain; \
	  cp docs/panduan-pejabat.md docs/panduan-pemohon.md docs/panduan-auditor.md $$stage/; \
	  files="kubectl-subdomain$$exe panduan-pejabat.md panduan-pemohon.md panduan-auditor.md"; \
	  if [[ $$os != windows ]]; then \
	    install -m 0755 cmd/kubectl-subdomain/kubectl_complete-subdomain $$stage/; files="$$files kubectl_complete-subdomain"; \
	  fi; \
	  touch -d @$(PLUGIN_SOURCE_DATE) $$stage/*; \
	  if [[ $$os == windows ]]; then \
	    archive=$$name.zip; (cd $$stage && TZ=UTC zip -q -X $(DIST)/$$archive $$files); \
	  else \
	    archive=$$name.tar.gz; \
	    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(PLUGIN_SOURCE_DATE) -C $$stage -cf - $$files | gzip -n -9 > $(DIST)/$$archive; \
	  fi; \
	  sum=$$(sha256sum $(DIST)/$$archive | cut -d' ' -f1); \
	  placeholder=SHA256_$$(echo $${os}_$${arch} | tr a-z A-Z); \
	  grep -q "$$placeholder" $(DIST)/subdomain.yaml || { echo "plugin/krew/subdomain.yaml has no $$placeholder" >&2; exit 1; }; \
	  sed -i "s|$$placeholder|$$sum|" $(DIST)/subdomain.yaml; \
	  rm -rf $$stage; \
	done
	@if grep -nE 'SHA256_[A-Z]+_[A-Z0-9]+' $(DIST)/subdomain.yaml; then echo "dist/subdomain.yaml: a platform above was not built (PLUGIN_PLATFORMS)" >&2; exit 1; fi
	cd $(DIST) && sha256sum kubectl-subdomain_$(PLUGIN_VERSION)_*.tar.gz kubectl-subdomain_$(PLUGIN_VERSION)_*.zip \
	  > kubectl-subdomain_$(PLUGIN_VERSION)_SHA256SUMS && cat kubectl-subdomain_$(PLUGIN_VERSION)_SHA256SUMS

##@ Deployment

.PHONY: install
install: manifests ## Install the CRD, the admission policies and the officials' roles in the current cluster.
	$(KUBECTL) apply --server-side -k config/crd
	$(KUBECTL) apply --server-side -k config/policies
	$(KUBECTL) apply --server-side -f config/officials/roles.yaml

# Deleting the CRD deletes every SubdomainRequest, i.e. the register, so uninstall
# refuses unless CONFIRM_DELETE_REGISTER=yes. The CRD goes first, while the operator
# still runs: it carries out each request's deletion policy and removes its finalizer
# (config/policies holds the operator's Namespace, so deleting it stops the operator).
.PHONY: uninstall
uninstall: ## Delete the CRD and with it EVERY request (the register), the policies, the operator's Namespace and the officials' roles. Needs CONFIRM_DELETE_REGISTER=yes.
	@if [[ "$(CONFIRM_DELETE_REGISTER)" != yes ]]; then \
	  printf '%s\n' \
	    'make uninstall refuses: it would delete the register of requests.' \
	    '' \
	    'It deletes the SubdomainRequest CRD, and deleting the CRD deletes every SubdomainRequest:' \
	    'the register, with every official'"'"'s decision and the timeline. Requests with' \
	    'deletionPolicy Delete also take their sites with them (DNS record, Ingress, and the' \
	    'Namespace web-<name> with its data); with Retain the sites stay, without their request.' \
	    'It also deletes the admission policies, the Namespace subdomain-operator-system (with' \
	    'the granted-hosts ConfigMaps) and the officials'"'"' ClusterRoles.' \
	    '' \
	    'Back up the register first:' \
	    '    kubectl get sdr -o yaml > register-$$(date +%F).yaml' \
	    'then, while the operator still runs (it removes each request'"'"'s finalizer):' \
	    '    make uninstall CONFIRM_DELETE_REGISTER=yes' \
	    '' \
	    'To remove only the operator and keep the register, the policies and the sites: make undeploy' >&2; \
	  exit 1; \
	fi
	$(KUBECTL) delete --ignore-not-found -k config/crd
	$(KUBECTL) delete --ignore-not-found -f config/officials/roles.yaml
	$(KUBECTL) delete --ignore-not-found -k config/policies

.PHONY: deploy
deploy: manifests ## Deploy the operator to the current cluster (image IMG).
	cd config/manager && $(KUBECTL) kustomize . >/dev/null
	$(KUBECTL) kustomize config/default | sed "s#image: controller:latest#image: $(IMG)#" | $(KUBECTL) apply --server-side -f -

# undeploy deletes only what config/operator renders. It never deletes the CRD (the
# register), the requests, the admission policies, the officials' roles or the
# Namespace subdomain-operator-system (config/policies), and refuses if config/operator
# ever renders a Namespace or a CRD.
.PHONY: undeploy
undeploy: ## Remove the operator only (its Deployment, PodDisruptionBudget, ServiceAccount, RBAC, metrics Service, config); the CRD, requests, policies, roles, Namespace and sites stay.
	@objects="$$($(KUBECTL) kustomize config/operator)"; \
	if grep -qE '^kind: (Namespace|CustomResourceDefinition)$$' <<<"$$objects"; then \
	  echo "config/operator renders a Namespace or a CRD, which make undeploy must never delete: fix config/operator" >&2; \
	  exit 1; \
	fi; \
	echo "$(KUBECTL) kustomize config/operator | $(KUBECTL) delete --ignore-not-found -f -"; \
	$(KUBECTL) delete --ignore-not-found -f - <<<"$$objects"

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT)
$(GOLANGCI_LINT):
	GOBIN=$(BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN):
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

# The Helm CLI the chart's tests run (test/deploy), built from the Go module proxy
# (first time: 5 1/2 min on 2 cores); -X gives it its full version, as Helm's own
# release build does.
.PHONY: helm
helm: $(HELM)
$(HELM):
	GOBIN=$(BIN) go install -ldflags "-X helm.sh/helm/v4/internal/version.version=$(HELM_VERSION)" helm.sh/helm/v4/cmd/helm@$(HELM_VERSION)
