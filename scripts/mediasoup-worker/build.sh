#!/usr/bin/env bash
# Offline build of the mediasoup C++ worker against Debian system libraries.
#
# Usage: bash scripts/mediasoup-worker/build.sh [path-to-installed-mediasoup-package]
#        (default: <repo>/node_modules/mediasoup)
#
# Env:   CLASSBRIDGE_CACHE_DIR       cache root (default: $HOME/.cache/classbridge)
#        CLASSBRIDGE_REBUILD_WORKER=1  ignore the cache and rebuild
#        CLASSBRIDGE_BUILD_JOBS=N    parallel compile jobs (default: nproc)
#
# See README.md in this folder for why this exists.
set -euo pipefail

readonly TAG='[mediasoup-worker]'
log() { printf '%s %s\n' "$TAG" "$*"; }
die() { printf '%s ERROR: %s\n' "$TAG" "$*" >&2; exit 1; }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

MS_PKG="${1:-$REPO_ROOT/node_modules/mediasoup}"
[[ -d "$MS_PKG" ]] || die "mediasoup package not found at '$MS_PKG' (run npm install first, or pass its path)"
MS_PKG="$(cd "$MS_PKG" && pwd)"
[[ -f "$MS_PKG/package.json" && -f "$MS_PKG/worker/meson.build" ]] \
	|| die "'$MS_PKG' does not look like the mediasoup npm package (no package.json / worker/meson.build)"

readonly DEST_DIR="$MS_PKG/worker/out/Release"
readonly DEST_BIN="$DEST_DIR/mediasoup-worker"
readonly PKG_LIST="$SCRIPT_DIR/debian-packages.txt"

[[ -n "${CLASSBRIDGE_CACHE_DIR:-}" || -n "${HOME:-}" ]] || die "neither CLASSBRIDGE_CACHE_DIR nor HOME is set"
readonly CACHE_ROOT="${CLASSBRIDGE_CACHE_DIR:-$HOME/.cache/classbridge}/mediasoup-worker"

# ---------------------------------------------------------------------------
# Cache key
# ---------------------------------------------------------------------------

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

mediasoup_version() {
	sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$MS_PKG/package.json" | head -n1
}

debian_packages() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$PKG_LIST"; }

# "<pkg>=<version>" for every build dep; "<pkg>=MISSING" if not installed.
debian_package_versions() {
	local pkg line
	while read -r pkg; do
		line="$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$pkg" 2>/dev/null || true)"
		if [[ "$line" == ii* ]]; then
			printf '%s=%s\n' "$pkg" "${line##* }"
		else
			printf '%s=MISSING\n' "$pkg"
		fi
	done < <(debian_packages)
}

missing_debian_packages() { debian_package_versions | sed -n 's/=MISSING$//p'; }

# Every file in this folder that influences the binary: this script, the
# package list, the patches and the shim subprojects (not README/smoke test).
build_inputs_hash() {
	(
		cd "$SCRIPT_DIR"
		find build.sh debian-packages.txt subprojects -type f -print0
		find . -maxdepth 1 -name '*.patch' -type f -printf '%P\0'
	) | LC_ALL=C sort -z | (cd "$SCRIPT_DIR" && xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

compute_key() {
	local version
	version="$(mediasoup_version)"
	[[ -n "$version" ]] || die "cannot read version from $MS_PKG/package.json"
	local material
	material="$(
		printf 'mediasoup=%s\n' "$version"
		printf 'inputs=%s\n' "$(build_inputs_hash)"
		printf 'arch=%s\n' "$(dpkg --print-architecture 2>/dev/null || uname -m)"
		debian_package_versions
	)"
	printf '%s-%s' "$version" "$(printf '%s' "$material" | sha256sum | cut -c1-16)"
}

# Installs the cached binary into the package. Returns 1 if not cached.
# $1: what to call a successful install in the log line.
install_from_cache() {
	local what="${1:-cache hit}"
	local cached="$CACHE_ROOT/$KEY/mediasoup-worker"
	[[ -f "$cached" && -f "$cached.sha256" ]] || return 1
	local want
	want="$(cat "$cached.sha256")"
	if [[ -f "$DEST_BIN" && -x "$DEST_BIN" && "$(sha256_of "$DEST_BIN")" == "$want" ]]; then
		log "up to date: $DEST_BIN (cache key $KEY)"
		return 0
	fi
	[[ "$(sha256_of "$cached")" == "$want" ]] || { log "cached binary is corrupt, rebuilding"; return 1; }
	mkdir -p "$DEST_DIR"
	cp -f "$cached" "$DEST_BIN.tmp.$$"
	chmod +x "$DEST_BIN.tmp.$$"
	mv -f "$DEST_BIN.tmp.$$" "$DEST_BIN"
	log "$what ($KEY): installed $DEST_BIN"
	return 0
}

KEY="$(compute_key)"
if [[ "${CLASSBRIDGE_REBUILD_WORKER:-0}" != "1" ]] && install_from_cache; then
	exit 0
fi

# ---------------------------------------------------------------------------
# Cache miss: build
# ---------------------------------------------------------------------------

mkdir -p "$CACHE_ROOT"
# Serialise concurrent builds (e.g. parallel installs sharing one cache).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$CACHE_ROOT/.lock"
	if ! flock -n 9; then
		log "another build holds $CACHE_ROOT/.lock, waiting..."
		flock 9
	fi
fi

readonly TOTAL_STEPS=6
step() { local n="$1"; shift; log "step $n/$TOTAL_STEPS: $*"; }

# --- 1. Debian build dependencies ------------------------------------------
step 1 "checking Debian build dependencies ($(debian_packages | wc -l) packages)"
mapfile -t MISSING < <(missing_debian_packages)
if ((${#MISSING[@]} > 0)); then
	if [[ "$(id -u)" != "0" ]]; then
		die "missing Debian packages: ${MISSING[*]}
  Install them as root, then re-run this script:
    sudo apt-get install -y ${MISSING[*]}"
	fi
	log "installing: ${MISSING[*]}"
	apt_install() {
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@"
	}
	if ! apt_install "${MISSING[@]}"; then
		log "apt-get install failed, running apt-get update and retrying"
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update
		apt_install "${MISSING[@]}"
	fi
	mapfile -t MISSING < <(missing_debian_packages)
	((${#MISSING[@]} == 0)) || die "still missing after apt-get install: ${MISSING[*]}"
fi

# Package versions are part of the key: recompute now that all are installed.
KEY="$(compute_key)"
if [[ "${CLASSBRIDGE_REBUILD_WORKER:-0}" != "1" ]] && install_from_cache; then
	exit 0
fi
log "cache miss, building key $KEY"

mkdir -p "$CACHE_ROOT/logs"
readonly LOG="$CACHE_ROOT/logs/build-$KEY.log"
: >"$LOG"
log "build log: $LOG"

BUILD_ROOT=""
cleanup() { [[ -n "$BUILD_ROOT" && -d "$BUILD_ROOT" ]] && rm -rf "$BUILD_ROOT"; return 0; }
trap cleanup EXIT

fail() {
	printf '%s ERROR: %s\n' "$TAG" "$1" >&2
	printf '%s ---- last 60 lines of %s ----\n' "$TAG" "$LOG" >&2
	tail -n 60 "$LOG" >&2 || true
	printf '%s ---- end of log tail ----\n' "$TAG" >&2
	# The temp build dir is deleted on exit: keep meson's own log.
	if [[ -n "${WORKER:-}" && -f "$WORKER/out/meson-logs/meson-log.txt" ]]; then
		cp -f "$WORKER/out/meson-logs/meson-log.txt" "$CACHE_ROOT/logs/meson-log-$KEY.txt" || true
		printf '%s full meson log: %s\n' "$TAG" "$CACHE_ROOT/logs/meson-log-$KEY.txt" >&2
	fi
	exit 1
}

# Runs a command with output appended to the log.
run() {
	printf '\n$ %s\n' "$*" >>"$LOG"
	"$@" >>"$LOG" 2>&1
}

# --- 2. meson >= 1.1 in a venv --------------------------------------------
step 2 "preparing meson >= 1.1 (Python venv in $CACHE_ROOT/venv)"
VENV="$CACHE_ROOT/venv"
meson_ok() {
	local v
	v="$("$VENV/bin/meson" --version 2>/dev/null)" || return 1
	[[ "$(printf '%s\n1.1.0\n' "$v" | sort -V | head -n1)" == "1.1.0" ]]
}
if ! meson_ok; then
	rm -rf "$VENV"
	run python3 -m venv "$VENV" || { rm -rf "$VENV"; fail "python3 -m venv failed (is python3-venv installed?)"; }
	run "$VENV/bin/pip" install --disable-pip-version-check 'meson>=1.1' \
		|| { rm -rf "$VENV"; fail "pip install 'meson>=1.1' failed (pip index reachable?)"; }
	meson_ok || { rm -rf "$VENV"; fail "meson in $VENV is not >= 1.1"; }
fi
MESON="$VENV/bin/meson"
log "using meson $("$MESON" --version)"

# --- 3. source tree with shims and patches ---------------------------------
step 3 "preparing sources (shim subprojects, patches)"
BUILD_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/classbridge-mediasoup-worker.XXXXXX")"
WORKER="$BUILD_ROOT/worker"
mkdir -p "$WORKER"
# Copy the worker sources, skipping any previous build output.
tar -C "$MS_PKG/worker" --exclude=./out -cf - . | tar -C "$WORKER" -xf -
# No downloads: drop every wrap and provide local shim subprojects instead.
rm -f "$WORKER"/subprojects/*.wrap
for shim in "$SCRIPT_DIR"/subprojects/*/; do
	name="$(basename "$shim")"
	rm -rf "$WORKER/subprojects/$name"
	cp -r "$shim" "$WORKER/subprojects/$name"
done
shopt -s nullglob
for p in "$SCRIPT_DIR"/*.patch; do
	log "applying $(basename "$p")"
	(cd "$WORKER" && run patch -p1 --forward --batch -i "$p") || fail "patch $(basename "$p") does not apply"
done
shopt -u nullglob

# --- 4. meson setup -------------------------------------------------------
step 4 "configuring (meson setup)"
(cd "$WORKER" && run "$MESON" setup out \
	--buildtype release \
	-Db_ndebug=true \
	-Dms_disable_liburing=true \
	--wrap-mode=nodownload) || fail "meson setup failed"

# --- 5. compile -----------------------------------------------------------
JOBS="${CLASSBRIDGE_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
step 5 "compiling with $JOBS jobs (takes 4-7 min on 2 cores)"
(
	cd "$WORKER"
	run "$MESON" compile -C out flatbuffers-generator &&
		run "$MESON" compile -C out -j "$JOBS" mediasoup-worker
) &
COMPILE_PID=$!
SECONDS=0
last_report=0
while kill -0 "$COMPILE_PID" 2>/dev/null; do
	sleep 2
	if ((SECONDS - last_report >= 30)); then
		last_report=$SECONDS
		progress="$(grep -o '^\[[0-9]*/[0-9]*\]' "$LOG" | tail -n1 || true)"
		log "  ... ${SECONDS}s elapsed${progress:+, ninja $progress}"
	fi
done
wait "$COMPILE_PID" || fail "compilation failed"
BIN="$WORKER/out/mediasoup-worker"
[[ -x "$BIN" ]] || fail "compilation produced no $BIN"
if ldd "$BIN" 2>/dev/null | grep -q 'not found'; then
	ldd "$BIN" >>"$LOG" 2>&1 || true
	fail "built binary has unresolved shared libraries"
fi
log "compiled in ${SECONDS}s"

# --- 6. cache + install ---------------------------------------------------
step 6 "caching and installing"
CACHE_DIR="$CACHE_ROOT/$KEY"
mkdir -p "$CACHE_DIR"
cp -f "$BIN" "$CACHE_DIR/mediasoup-worker.tmp.$$"
chmod +x "$CACHE_DIR/mediasoup-worker.tmp.$$"
sha256_of "$CACHE_DIR/mediasoup-worker.tmp.$$" >"$CACHE_DIR/mediasoup-worker.sha256.tmp.$$"
mv -f "$CACHE_DIR/mediasoup-worker.tmp.$$" "$CACHE_DIR/mediasoup-worker"
mv -f "$CACHE_DIR/mediasoup-worker.sha256.tmp.$$" "$CACHE_DIR/mediasoup-worker.sha256"
cp -f "$LOG" "$CACHE_DIR/build.log"
install_from_cache "built and cached" || fail "could not install the binary from $CACHE_DIR"
log "done: $DEST_BIN"
