#!/usr/bin/env bash
# Builds the pinned control-plane binaries the tests and the demo need, from the Go
# module proxy, into bin/k8s (the folder KUBEBUILDER_ASSETS points at). Nothing is
# downloaded prebuilt. A second run reuses what is already there.
#
#   kube-apiserver v1.37.2, kubectl v1.37.2   (hack/tools/k8s, ~6 min the first time on 2 cores)
#   etcd v3.6.16                              (hack/tools/etcd, ~1 min)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${ROOT}/bin/k8s"
K8S_VERSION="v1.37.2"
ETCD_VERSION="v3.6.16"
mkdir -p "${OUT}"

# Without these, binaries built from the module report v0.0.0-master and clients
# (kubectl, controller-runtime) warn about or misjudge the server version.
K8S_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION} -X k8s.io/client-go/pkg/version.gitVersion=${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37"

stamp_ok() { # binary version
  [[ -x "${OUT}/$1" && -f "${OUT}/.$1.version" && "$(cat "${OUT}/.$1.version")" == "$2" ]]
}

build_k8s() {
  local name="$1"
  if stamp_ok "${name}" "${K8S_VERSION}"; then return; fi
  echo ">> building ${name} ${K8S_VERSION} from the Go module proxy (first time only)"
  (cd "${ROOT}/hack/tools/k8s" && CGO_ENABLED=0 go build -trimpath -ldflags "${K8S_LDFLAGS}" \
      -o "${OUT}/${name}" "k8s.io/kubernetes/cmd/${name}")
  echo "${K8S_VERSION}" > "${OUT}/.${name}.version"
}

build_etcd() {
  if stamp_ok etcd "${ETCD_VERSION}"; then return; fi
  echo ">> building etcd ${ETCD_VERSION} from the Go module proxy (first time only)"
  (cd "${ROOT}/hack/tools/etcd" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
      -o "${OUT}/etcd" go.etcd.io/etcd/server/v3)
  echo "${ETCD_VERSION}" > "${OUT}/.etcd.version"
}

build_etcd
build_k8s kube-apiserver
build_k8s kubectl
ln -sf k8s/kubectl "${ROOT}/bin/kubectl"
