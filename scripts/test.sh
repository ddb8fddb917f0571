#!/usr/bin/env bash
# The whole test suite: build (incremental), type-check the tests, then unit,
# integration (real mediasoup) and end-to-end (real Chromium) tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning"
npm run --silent build
npx tsc -p tsconfig.test.json
summary=$(mktemp)
status=0
npx jest --selectProjects unit integration e2e --runInBand --json --outputFile="$summary" "$@" || status=$?
# One plain closing line for CI: "N passed, N failed".
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$summary" || true
rm -f "$summary"
exit "$status"
