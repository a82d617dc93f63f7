#!/usr/bin/env bash
# The neural samplers side by side on the same trained networks: MALA with one chain per draw
# (600 steps from y = x, VarEOT's default before the guided sampler) against the guided sampler,
# cBW2-UVP and sampling seconds on the Gaussian-mixture benchmark cells.
#   bench/scripts/sampler_speed.sh CHECKPOINT_DIR OUT_DIR [QUERIES] [DRAWS]
# CHECKPOINT_DIR holds vareot_d<D>_e<eps>.safetensors, written by
#   compare --profile none --solvers vareot --datasets gmm --dims D --eps E --opt save=...
# Writes OUT_DIR/<sampler>_d<D>_e<eps>.csv (compare's long table: cBW2-UVP %, sample s).
set -euo pipefail
cd "$(dirname "$0")/../.."
ck=${1:?checkpoint folder}
out=${2:?output folder}
queries=${3:-50}
draws=${4:-1000}
cargo build --quiet --release --bin compare
for file in "$ck"/vareot_d*_e*.safetensors; do
  name=$(basename "$file" .safetensors)
  d=${name#vareot_d}; d=${d%%_e*}
  eps=${name##*_e}
  for sampler in "mala langevin_steps=600" "guided"; do
    set -- $sampler
    opts=(--opt "load=$file" --opt "sampler=$1")
    [ $# -gt 1 ] && opts+=(--opt "$2")
    target/release/compare --profile none --solvers vareot --datasets gmm --dims "$d" --eps "$eps" \
      --queries "$queries" --samples "$draws" --eval 2 --metrics none --figures none --threads 2 \
      "${opts[@]}" --out "$out/$1_d${d}_e${eps}.csv" 2>&1 | grep -E '^\[1/1\]'
  done
done
