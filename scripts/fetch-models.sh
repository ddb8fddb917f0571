#!/usr/bin/env bash
# Downloads the speech models ClassBridge's live captions use. Run it on a machine WITH internet:
# the server never downloads a model itself (it may have no internet at all). Copy the resulting
# models directory to the server afterwards if it is another machine, and point MODELS_DIR at it.
#
#   scripts/fetch-models.sh                      # Whisper base + the sherpa-onnx zh/en streaming model
#   scripts/fetch-models.sh --whisper small      # Whisper small instead (better, ~3x slower on CPU)
#   scripts/fetch-models.sh --no-sherpa          # Whisper only (or --no-whisper: sherpa-onnx only)
#   MODELS_DIR=/srv/classbridge/models scripts/fetch-models.sh
#
# What goes where (the engines' default paths):
#   $MODELS_DIR/whisper/ggml-base.bin                    (147,951,465 bytes; or ggml-small.bin, 487,601,967)
#   $MODELS_DIR/sherpa-onnx/sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20/
#       encoder|decoder|joiner-epoch-99-avg-1[.int8].onnx, tokens.txt   (from a 511,274,346-byte archive)
#
# Options:
#   --whisper NAME   a whisper.cpp ggml model: base (default, multilingual) or small; other names
#                    from huggingface.co/ggerganov/whisper.cpp download too, unverified (a warning
#                    says so). English-only ones (*.en) cannot caption Chinese lessons.
#   --no-whisper, --no-sherpa   skip that model
#   --int8-only      keep only the int8 sherpa-onnx files (what the engine loads; saves ~300 MB)
#   --force          download again even when a model is already in place
# Environment:
#   MODELS_DIR       where models go (default: models, relative to the current directory)
#   HF_ENDPOINT      a Hugging Face mirror, e.g. https://hf-mirror.com (default https://huggingface.co)
#   SHERPA_RELEASES_URL  a mirror of https://github.com/k2-fsa/sherpa-onnx/releases/download
# Downloads resume (a .part file is kept until it is verified), every known file's size and
# SHA-256 are checked before it is put in place, and running the script again skips what is there.
set -euo pipefail

MODELS_DIR=${MODELS_DIR:-models}
HF_ENDPOINT=${HF_ENDPOINT:-https://huggingface.co}
SHERPA_RELEASES_URL=${SHERPA_RELEASES_URL:-https://github.com/k2-fsa/sherpa-onnx/releases/download}
SHERPA_MODEL=sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20

whisper=base
want_whisper=1
want_sherpa=1
int8_only=0
force=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }
say() { printf '[fetch-models] %s\n' "$*"; }
die() {
  printf '[fetch-models] error: %s\n' "$*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --whisper)
      [ $# -ge 2 ] || die "--whisper needs a model name (base or small)"
      whisper=$2
      shift 2
      ;;
    --whisper=*) whisper=${1#*=}; shift ;;
    --no-whisper) want_whisper=0; shift ;;
    --no-sherpa) want_sherpa=0; shift ;;
    --int8-only) int8_only=1; shift ;;
    --force) force=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ $whisper =~ ^[A-Za-z0-9._-]+$ ]] || die "not a whisper.cpp model name: $whisper"

# Known sizes and SHA-256 of the published files (whisper.cpp's Hugging Face repository and
# sherpa-onnx's GitHub release "asr-models").
known_size() {
  case "$1" in
    ggml-base.bin) echo 147951465 ;;
    ggml-small.bin) echo 487601967 ;;
    "$SHERPA_MODEL.tar.bz2") echo 511274346 ;;
    *) echo "" ;;
  esac
}
known_sha256() {
  case "$1" in
    ggml-base.bin) echo 60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe ;;
    ggml-small.bin) echo 1be3a9b2063867b937e64e2ec7483364a79917e157fa98c5d94b5c1fffea987b ;;
    "$SHERPA_MODEL.tar.bz2") echo 27ffbd9ee24ad186d99acc2f6354d7992b27bcab490812510665fa8f9389c5f8 ;;
    *) echo "" ;;
  esac
}

# Tools: a downloader, a SHA-256 tool, and tar with bzip2 for the sherpa-onnx archive.
if command -v curl >/dev/null 2>&1; then
  downloader=curl
elif command -v wget >/dev/null 2>&1; then
  downloader=wget
else
  die "neither curl nor wget is installed (apt-get install curl)"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  die "neither sha256sum nor shasum is installed"
fi
if [ "$want_sherpa" = 1 ]; then
  command -v tar >/dev/null 2>&1 || die "tar is not installed"
  command -v bzip2 >/dev/null 2>&1 || die "bzip2 is not installed (apt-get install bzip2)"
fi

file_size() { wc -c <"$1" | tr -d ' '; }

# verify FILE NAME: 0 when FILE matches NAME's known size and SHA-256 (or nothing is known of NAME).
verify() {
  local file=$1 name=$2 size sha actual
  size=$(known_size "$name")
  sha=$(known_sha256 "$name")
  if [ -z "$size" ] && [ -z "$sha" ]; then
    say "warning: no known size or checksum for $name: it is not verified"
    return 0
  fi
  actual=$(file_size "$file")
  if [ -n "$size" ] && [ "$actual" != "$size" ]; then
    say "$name is $actual bytes, expected $size"
    return 1
  fi
  if [ -n "$sha" ]; then
    say "checking the SHA-256 of $name"
    actual=$(sha256 "$file")
    if [ "$actual" != "$sha" ]; then
      say "$name has SHA-256 $actual, expected $sha"
      return 1
    fi
  fi
  return 0
}

# fetch URL DEST NAME: downloads URL to DEST (through DEST.part, resumed if there), verified.
fetch() {
  local url=$1 dest=$2 name=$3 part=$2.part size
  mkdir -p "$(dirname "$dest")"
  size=$(known_size "$name")
  # A .part as large as the whole file (or larger) cannot be resumed: start it over.
  if [ -f "$part" ] && [ -n "$size" ] && [ "$(file_size "$part")" -ge "$size" ]; then
    verify "$part" "$name" && { mv -f "$part" "$dest"; return 0; }
    rm -f "$part"
  fi
  say "downloading $name from $url"
  [ -f "$part" ] && say "resuming after $(file_size "$part") bytes"
  if [ "$downloader" = curl ]; then
    curl --fail --location --retry 5 --retry-delay 3 --continue-at - --progress-bar --output "$part" "$url" ||
      die "download of $name failed (run again to resume)"
  else
    wget --continue --tries=5 --progress=bar:force:noscroll --output-document="$part" "$url" ||
      die "download of $name failed (run again to resume)"
  fi
  if ! verify "$part" "$name"; then
    rm -f "$part"
    die "$name is not the published file (removed; run again to download it anew, or check HF_ENDPOINT / SHERPA_RELEASES_URL)"
  fi
  mv -f "$part" "$dest"
}

fetch_whisper() {
  local name=ggml-$whisper.bin
  local dest=$MODELS_DIR/whisper/$name
  case "$whisper" in *.en | *.en-*) say "warning: $name is English-only: it cannot caption Chinese lessons" ;; esac
  if [ "$force" = 0 ] && [ -f "$dest" ]; then
    if verify "$dest" "$name"; then
      say "whisper: $dest is in place"
      return 0
    fi
    say "whisper: $dest is damaged: downloading it again"
  fi
  fetch "$HF_ENDPOINT/ggerganov/whisper.cpp/resolve/main/$name" "$dest" "$name"
  say "whisper: $dest ($(file_size "$dest") bytes)"
  if [ "$whisper" != base ]; then
    say "the Whisper engine loads $MODELS_DIR/whisper/ggml-base.bin unless configured otherwise: set its model path to $dest"
  fi
}

# The sherpa-onnx model is complete when it has its tokens and an encoder, decoder and joiner.
sherpa_complete() {
  local dir=$1 part
  [ -s "$dir/tokens.txt" ] || return 1
  for part in encoder decoder joiner; do
    compgen -G "$dir/$part-*.onnx" >/dev/null || return 1
  done
}

fetch_sherpa() {
  local root=$MODELS_DIR/sherpa-onnx
  local dest=$root/$SHERPA_MODEL
  local archive=$root/.download/$SHERPA_MODEL.tar.bz2
  if [ "$force" = 0 ] && sherpa_complete "$dest"; then
    say "sherpa-onnx: $dest is in place"
    return 0
  fi
  fetch "$SHERPA_RELEASES_URL/asr-models/$SHERPA_MODEL.tar.bz2" "$archive" "$SHERPA_MODEL.tar.bz2"
  say "unpacking $SHERPA_MODEL"
  local staging
  staging=$(mktemp -d "$root/.unpack.XXXXXX")
  # Unpacked beside the destination and moved in whole: an interrupted run leaves no half model.
  tar -xjf "$archive" -C "$staging" || { rm -rf "$staging"; die "unpacking $archive failed (delete it and run again)"; }
  [ -d "$staging/$SHERPA_MODEL" ] || { rm -rf "$staging"; die "$archive does not contain $SHERPA_MODEL/"; }
  sherpa_complete "$staging/$SHERPA_MODEL" || { rm -rf "$staging"; die "$archive lacks tokens.txt or an encoder/decoder/joiner"; }
  # Sample recordings are not needed on a server.
  rm -rf "$staging/$SHERPA_MODEL/test_wavs"
  if [ "$int8_only" = 1 ]; then
    local f
    for f in "$staging/$SHERPA_MODEL"/*.onnx; do
      case "$f" in *.int8.onnx) ;; *) [ -f "${f%.onnx}.int8.onnx" ] && rm -f "$f" ;; esac
    done
  fi
  rm -rf "$dest"
  mv "$staging/$SHERPA_MODEL" "$dest"
  rm -rf "$staging" "$archive"
  rmdir "$root/.download" 2>/dev/null || true
  say "sherpa-onnx: $dest ($(du -sh "$dest" | cut -f1))"
}

[ "$want_whisper" = 1 ] || [ "$want_sherpa" = 1 ] || die "nothing to fetch (--no-whisper and --no-sherpa)"
mkdir -p "$MODELS_DIR"
if [ "$want_whisper" = 1 ]; then fetch_whisper; fi
if [ "$want_sherpa" = 1 ]; then fetch_sherpa; fi
say "done: MODELS_DIR=$MODELS_DIR"
