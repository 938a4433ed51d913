#!/usr/bin/env bash
# make demo: the whole procedure on an embedded local control plane.
# ONCE=1 runs it and exits. Everything it starts is stopped on exit or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/demo ./hack/demo
exec bin/demo "$@"
