#!/usr/bin/env bash
# Installs the pinned OPA release into .tools/bin (git-ignored), reusing it when present.
# Needs Go and the Go module proxy; nothing else is downloaded.
set -euo pipefail
OPA_VERSION="v1.22.3"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
opa="$bin/opa"
if [ -x "$opa" ] && "$opa" version 2>/dev/null | grep -q "^Version: ${OPA_VERSION#v}$"; then
  echo "opa ${OPA_VERSION} already in $bin" >&2
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-opa: Go is required to build OPA ${OPA_VERSION} (the compiled policy bundle is committed, so npm start does not need it)" >&2
  exit 2
fi
mkdir -p "$bin"
echo "building opa ${OPA_VERSION} with $(go version) ..." >&2
GOBIN="$bin" GOFLAGS="-mod=mod" go install "github.com/open-policy-agent/opa@${OPA_VERSION}"
"$opa" version | head -1 >&2
