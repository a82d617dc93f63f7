#!/usr/bin/env bash
# Runs ON the device machine, from the repository root, with the bundle build_cuda.sh made:
# every solver on the Gaussian-mixture benchmark (D = 64, eps = 1) with --device cpu and
# --device cuda on the same seeds, and Sinkhorn at larger n; prints a markdown table of fit
# times and quality naming the GPU, and fails naming each cell where the two devices disagree
# beyond the tolerance bench/scripts/gpu_agree.py states.
#
#   bench/scripts/gpu_check.sh [BUNDLE_DIR] [OUT_DIR]
#
# BUNDLE_DIR default target/cuda-bundle; OUT_DIR default $OUT/gpu-check where $OUT is set (the
# device tool brings that folder back), else target/gpu-check. Environment: GPU_CHECK_SOLVERS
# (default sinkhorn,gmm,vareot,egnot), GPU_CHECK_SEEDS (default 0), GPU_CHECK_SINKHORN_N
# (default 10000,50000; empty for none), GPU_CHECK_DEVICE (default cuda; `cpu` runs the whole
# script with no GPU, against itself, to try it out on any machine and with a CPU build). Exit 0:
# all agree; 1: a cell disagrees; 2: a run or the set-up failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=${1:-target/cuda-bundle}
out=${2:-${OUT:-target}/gpu-check}
IFS=, read -r -a solvers <<<"${GPU_CHECK_SOLVERS:-sinkhorn,gmm,vareot,egnot}"
seeds=${GPU_CHECK_SEEDS:-0}
IFS=, read -r -a sinkhorn_n <<<"${GPU_CHECK_SINKHORN_N-10000,50000}"
device=${GPU_CHECK_DEVICE:-cuda}
mkdir -p "$out"

# build_cuda.sh leaves the binaries xz-compressed (to fit what a device command carries); unpack
# them outside the tree, with python3's lzma where xz itself is missing.
manifest=$(head -n 1 "$bundle/MANIFEST.txt" 2>/dev/null || echo "no MANIFEST.txt in $bundle")
if [[ ! -x $bundle/compare && -f $bundle/compare.xz ]]; then
  bin=$(mktemp -d "${TMPDIR:-/tmp}/eot-cuda-bundle.XXXXXX")
  trap 'rm -rf "$bin"' EXIT
  for f in "$bundle"/*.xz; do
    name=$(basename "$f" .xz)
    if command -v xz >/dev/null; then
      xz -dc "$f" >"$bin/$name"
    else
      python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$f" >"$bin/$name"
    fi
    chmod +x "$bin/$name"
  done
  bundle=$bin
fi
[[ -x $bundle/compare ]] || { echo "gpu_check: no compare in $bundle (run build_cuda.sh)" >&2; exit 2; }

# The binaries link CUDA's libraries by soname (libcublas.so.13, which loads libcublasLt.so.13,
# libcurand.so.10, libcudart.so.13) and libcuda.so.1 from the driver. The device
# machine has them in its PyTorch install (CUDA 13 wheels: nvidia/cu13/lib) and perhaps a
# toolkit; add every such folder that exists.
site=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null || true)
for dir in "$site"/nvidia/cu13/lib "$site"/nvidia/*/lib /usr/local/cuda/lib64 /usr/local/nvidia/lib64; do
  [[ -d $dir ]] && LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
export LD_LIBRARY_PATH
missing=$(ldd "$bundle/compare" | awk '/not found/ { print $1 }' | tr '\n' ' ')
if [[ -n $missing ]]; then
  echo "gpu_check: $bundle/compare cannot find: $missing(LD_LIBRARY_PATH=${LD_LIBRARY_PATH-})" >&2
  exit 2
fi

if [[ $device == cpu ]]; then
  gpu="none (GPU_CHECK_DEVICE=cpu: the CPU against itself, a dry run of this script)"
else
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n 1) ||
    { echo "gpu_check: nvidia-smi failed: is there an NVIDIA GPU and driver here?" >&2; exit 2; }
fi
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
common=(--profile none --datasets gmm --dims 64 --eps 1 --seeds "$seeds" --metrics none
  --figures none)

# One run of compare on the CPU (side cpu) or on $device (side gpu), written as
# $out/LABEL.SIDE.csv for gpu_agree.py; its log keeps compare's own error where it fails.
run() {
  local label=$1 side=$2
  shift 2
  local on=cpu start=$SECONDS
  [[ $side == gpu ]] && on=$device
  if ! "$bundle/compare" "${common[@]}" --device "$on" --out "$out/$label.$side.csv" \
    "$@" >"$out/$label.$side.log" 2>&1; then
    echo "gpu_check: $label on $on failed; the end of $out/$label.$side.log:" >&2
    tail -n 5 "$out/$label.$side.log" >&2
    return 2
  fi
  echo "gpu_check: $label on $on: $((SECONDS - start)) s wall" >&2
}

# The first use of a kernel on a device compiles its PTX for that GPU (the driver caches the
# result); a small run of each solver does that before anything is timed.
warm=(--n 200 --queries 10 --samples 10 --eval 200)
for solver in "${solvers[@]}"; do
  # compare refuses a setting for a solver it is not running.
  [[ $solver == sinkhorn ]] || warm+=(--opt "$solver.steps=5")
done
"$bundle/compare" --solvers "$(IFS=,; echo "${solvers[*]}")" --datasets gmm --dims 64 --eps 1 \
  --seeds 0 --metrics none --figures none --device "$device" --out "$out/warm-up.csv" \
  "${warm[@]}" >"$out/warm-up.log" 2>&1 ||
  { echo "gpu_check: the warm-up on $device failed:" >&2; tail -n 5 "$out/warm-up.log" >&2; exit 2; }

status=0
labels=()
for solver in "${solvers[@]}"; do
  labels+=("$solver")
  for side in cpu gpu; do
    run "$solver" "$side" --solvers "$solver" || status=2
  done
done
for n in "${sinkhorn_n[@]}"; do
  labels+=("sinkhorn-n$n")
  for side in cpu gpu; do
    run "sinkhorn-n$n" "$side" --solvers sinkhorn --n "$n" || status=2
  done
done

{
  echo "## $device against CPU: Gaussian-mixture benchmark, D = 64, eps = 1, seeds $seeds"
  echo
  echo "GPU: $gpu; CPU: $cpu, $(nproc) threads; binaries: $manifest"
  echo "Fit seconds as compare reports them (training only, after a warm-up run on $device)."
  echo
} >"$out/gpu_check.md"
agree=0
python3 bench/scripts/gpu_agree.py "$out" "${labels[@]}" >>"$out/gpu_check.md" || agree=$?
cat "$out/gpu_check.md"
[[ $status -ne 0 ]] && exit "$status"
exit "$agree"
