#!/usr/bin/env bash
# The whole test suite: build (incremental), type-check the tests, then unit,
# integration (real mediasoup) and end-to-end (real Chromium) tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning"
npm run --silent build
npx tsc -p tsconfig.test.json
npx jest --selectProjects unit integration e2e --runInBand "$@"
