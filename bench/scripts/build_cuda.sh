#!/usr/bin/env bash
# Builds eot-bench's binaries with the `cuda` feature on a machine with no GPU and no CUDA
# toolkit, from NVIDIA's CUDA wheels on PyPI, and copies them, stripped, into a bundle small
# enough to carry to the device machine (which has the driver and CUDA's libraries but no Rust).
#
#   bench/scripts/build_cuda.sh [TARGET_DIR] [BUNDLE_DIR]
#
# TARGET_DIR: cargo's target dir (default $CARGO_TARGET_DIR, else target/);
# BUNDLE_DIR: where the stripped binaries go (default target/cuda-bundle, git-ignored).
# Environment: CUDA_VENV (default /tmp/cudaenv) holds the wheels; CUDA_COMPUTE_CAP (default 90).
# Run the bundle there with bench/scripts/gpu_check.sh.
#
# Why CUDA 13.0 and not 12: the nvidia-cuda-nvcc-cu12 wheels hold ptxas and libnvvm but no nvcc
# (looked at: 12.0.76, 12.1.105, 12.4.131, 12.6.85, 12.8.93, 12.9.86), so CUDA 12 cannot compile
# candle's kernels from PyPI. The CUDA 13 wheels hold the whole compiler (nvcc, cicc, cudafe++,
# headers), and the device machine runs CUDA 13: driver 580 (CUDA 13.0), nvcc 13.0, PyTorch
# cu130 with libcublas.so.13. The binaries link those libraries by soname (candle makes cudarc
# link, not dlopen), so they must be built against the device's major version. 13.0 exactly,
# not the newest 13.x: the kernels travel as PTX that the driver compiles when they load, and a
# driver reads no newer PTX than its own CUDA version (nvcc 13.0 writes PTX ISA 9.0).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
target=${1:-${CARGO_TARGET_DIR:-$repo/target}}
bundle=${2:-$repo/target/cuda-bundle}
venv=${CUDA_VENV:-/tmp/cudaenv}
# The H100 and H200 are both sm_90; there is no GPU here for cudaforge to ask.
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}

# cuda-toolkit 13.0.2 pins each component to the 13.0 release; nvidia-nvvm (cicc) comes in only
# as an unpinned need of nvcc, which would fetch the newest and write newer PTX.
wheels=('cuda-toolkit[nvcc,cccl,crt,cudart,cublas,curand,nvrtc]==13.0.2' 'nvidia-nvvm==13.0.88')
stamp="$venv/.eot-cuda-wheels"
if [[ ! -f $stamp || $(cat "$stamp") != "${wheels[*]}" ]]; then
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${wheels[@]}"
  echo "${wheels[*]}" >"$stamp"
fi
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cuda="$site/nvidia/cu13"
[[ -x $cuda/bin/nvcc ]] || { echo "build_cuda: no nvcc under $cuda" >&2; exit 1; }

# The wheels ship runtime libraries only (libcublas.so.13, ...); the linker's -lcublas wants the
# unversioned name a toolkit's development files provide. Add those links beside them.
for lib in cublas cublasLt curand nvrtc cudart; do
  real=$(cd "$cuda/lib" && ls "lib$lib.so."[0-9]* | head -n 1)
  ln -sfn "$real" "$cuda/lib/lib$lib.so"
done

# No wheel holds libcuda, which belongs to the driver; cudarc links it all the same. A CUDA
# toolkit ships lib64/stubs/libcuda.so for building without a driver; we make the same here:
# every driver entry point named in cuda.h, each returning CUDA_ERROR_STUB_LIBRARY (34). The
# binaries record only its soname, libcuda.so.1, which the driver provides on the device; if the
# stub itself is ever loaded, opening a device fails with that error instead of running on
# nothing.
stubs="$cuda/lib/stubs"
if [[ ! -f $stubs/libcuda.so || $stubs/libcuda.so -ot $cuda/include/cuda.h ]]; then
  mkdir -p "$stubs"
  gcc -E -P -I"$cuda/include" -x c "$cuda/include/cuda.h" |
    grep -oE '\bcu[A-Z][A-Za-z0-9_]*[[:space:]]*\(' | tr -d '( \t' | sort -u |
    awk '{ printf "int %s(void) { return 34; }\n", $1 }' >"$stubs/libcuda_stub.c"
  gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$stubs/libcuda.so" "$stubs/libcuda_stub.c"
fi

export PATH="$cuda/bin:$PATH"
# cudaforge finds nvcc on PATH; cudarc takes its link search paths from these (lib, lib/stubs).
export CUDA_HOME="$cuda" CUDA_ROOT="$cuda" CUDA_PATH="$cuda"
# Said outright rather than read off `nvcc --version`, so the bindings match the wheels.
export CUDARC_CUDA_VERSION=13000

start=$SECONDS
cd "$repo"
CARGO_TARGET_DIR="$target" cargo build --release --features cuda -p eot-bench --bins
echo "build_cuda: cargo build took $((SECONDS - start)) s"

# Stripped, the three binaries weigh about 200 MiB (each holds candle's kernels: 33 MB of sm_90a
# machine code for its quantised-matmul kernels, 10 MB of PTX), over the 64 MiB a device command
# carries; xz brings them to about 26 MiB. gpu_check.sh unpacks them there.
mkdir -p "$bundle"
rm -f "$bundle"/{compare,eot,figures}{,.xz}
for bin in compare eot figures; do
  strip -o "$bundle/$bin" "$target/release/$bin"
done
{
  echo "eot-bench cuda bundle: commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)')"
  echo "CUDA wheels: ${wheels[*]}"
  echo "Kernels for CUDA_COMPUTE_CAP=$CUDA_COMPUTE_CAP (from 90 up cudaforge builds the arch-specific"
  echo "target, sm_90a: compute capability 9.0 only, the H100 and H200), PTX ISA 9.0"
  echo "Needs at run time (sonames):"
  readelf -d "$bundle/compare" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/  \1/p'
  echo "Stripped sizes (bytes):"
  for bin in compare eot figures; do echo "  $bin $(stat -c %s "$bundle/$bin")"; done
} >"$bundle/MANIFEST.txt"
xz -6 -T0 "$bundle/compare" "$bundle/eot" "$bundle/figures"
du -ah "$bundle"
