#!/usr/bin/env bash
# Installs the other real components the end-to-end tests start:
#   external-dns v0.21.0 and mailpit v1.27.11, built from the Go module proxy into bin/;
#   BIND 9 (named) and dig from Debian's packages, when missing;
#   Chromium from Debian's packages, when missing, for the portal's browser test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/bin"
mkdir -p "${BIN}"

install_go() { # name module version
  local name="$1" module="$2" version="$3"
  if [[ -x "${BIN}/${name}" && "$(cat "${BIN}/.${name}.version" 2>/dev/null)" == "${version}" ]]; then return; fi
  echo ">> building ${name} ${version} from the Go module proxy"
  GOBIN="${BIN}" CGO_ENABLED=0 go install "${module}@${version}"
  echo "${version}" > "${BIN}/.${name}.version"
}

install_go external-dns sigs.k8s.io/external-dns v0.21.0
install_go mailpit github.com/axllent/mailpit v1.27.11

need=()
command -v named >/dev/null 2>&1 || [[ -x /usr/sbin/named ]] || need+=(bind9)
command -v dig >/dev/null 2>&1 || need+=(bind9-dnsutils)
[[ -x /usr/bin/chromium ]] || need+=(chromium)
if (( ${#need[@]} )); then
  echo ">> installing ${need[*]} from Debian's packages"
  SUDO=""
  [[ "$(id -u)" == 0 ]] || SUDO="sudo"
  ${SUDO} apt-get update -qq
  DEBIAN_FRONTEND=noninteractive ${SUDO} apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
