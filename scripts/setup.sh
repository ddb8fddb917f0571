#!/usr/bin/env bash
# One-command, unattended set-up on Debian/Ubuntu with Node 20+:
# Debian packages, npm dependencies, the mediasoup worker (built offline, cached),
# the TypeScript build and the SDK bundle, then a DTLS smoke test of the worker.
# Safe to run again: every step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n[setup] %s\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "[setup] Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

step "1/5 Debian packages"
wanted=$(cat scripts/debian-packages.txt scripts/mediasoup-worker/debian-packages.txt | sed -e 's/#.*//' -e '/^\s*$/d' | tr -d ' ')
missing=()
for pkg in $wanted; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "[setup] missing Debian packages: ${missing[*]} — run as root or install them: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "[setup] installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "[setup] all present"
fi

step "2/5 npm dependencies"
# MEDIASOUP_WORKER_BIN skips mediasoup's postinstall, which would download a prebuilt worker
# (not reachable offline); step 3 builds the worker from the package's own sources instead.
stamp=node_modules/.classbridge-lock-sha
lock_sha=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sha" ]; then
  echo "[setup] node_modules matches package-lock.json"
else
  # npm install, not npm ci: npm 11 leaves other platforms' optional binaries (@swc/core-*) out of the
  # lock file and npm ci then refuses it; install still follows the lock for everything it lists.
  # ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's postinstall would download CUDA libraries from
  # outside the registry; the CPU runtime the caption worker uses ships inside the package.
  MEDIASOUP_WORKER_BIN=skip ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --loglevel=error
  echo "$lock_sha" > "$stamp"
fi

step "3/5 mediasoup worker (offline build, cached in ~/.cache/classbridge)"
bash scripts/mediasoup-worker/build.sh

step "4/5 TypeScript build and SDK bundle"
npm run --silent build

step "5/5 smoke test: a real DTLS handshake with the worker from Chromium"
node scripts/mediasoup-worker/smoke.mjs

printf '\n[setup] done. Run the demo: npm run demo — tests: npm test\n'
