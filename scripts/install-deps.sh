#!/usr/bin/env bash
# install-deps.sh -- install the Debian 12 packages grs needs to build and test, if missing.
# Idempotent: packages already present are left alone. Uses sudo when not root.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --build  build dependencies only
set -euo pipefail

build_pkgs=(cmake make gcc pkg-config libhts-dev zlib1g-dev libopenblas-dev)
# BGEN input: zstd-compressed blocks and the .bgi (SQLite) index
build_pkgs+=(libzstd-dev libsqlite3-dev)
# independent oracles for the tests (plink2, bcftools, samtools, tabix)
test_pkgs=(plink2 bcftools samtools tabix time bc)
# report statistics are checked against statsmodels, scikit-learn and R's pROC
test_pkgs+=(python3-numpy python3-scipy python3-statsmodels python3-sklearn r-base-core r-cran-proc)
# the report oracle (tests/oracles/report_oracle.py) reads the input tables with pandas
test_pkgs+=(python3-pandas)
# report.html is rendered by headless Chromium in tests/cli/test_report_browser.sh
test_pkgs+=(chromium)
# training is checked against R's glmnet
test_pkgs+=(r-cran-glmnet)
# BGEN tests re-encode plink2-made files with zstd (tests/cli/bgen_edit.py)
test_pkgs+=(python3-zstandard)
# SLURM job arrays and Snakemake are exercised on a real single-node cluster (issue 7)
test_pkgs+=(slurm-wlm munge snakemake)
# hardening (issue 10): valgrind memcheck test, libFuzzer targets (make fuzz) with Debian's clang
test_pkgs+=(valgrind clang-14 libclang-rt-14-dev)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--build" ] || want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#want[@]} packages already installed"
    exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
        echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${#missing[@]} package(s): ${missing[*]}"
