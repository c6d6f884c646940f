#!/usr/bin/env bash
# Basic command-line contract: --version, --help, usage errors, and that a CUDA-enabled grs
# does not depend on libcudart/libcublas at run time (it must start on machines without them).
. "$(dirname "$0")/lib.sh"

check "--version" "$GRS" --version
grep -q '^grs ' "$T/out" && grep -q '^htslib: ' "$T/out" && grep -q '^backends built: ' "$T/out" && ok || bad "version text"
check "--help" "$GRS" --help
"$GRS" no-such-command >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown command exits 2"
"$GRS" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "no command exits 2"

# The binary must not need the CUDA runtime or cuBLAS as shared libraries.
if ldd "$GRS" | grep -Eq 'libcudart|libcublas|libcuda\.so'; then
    bad "grs links CUDA libraries dynamically: $(ldd "$GRS" | grep -E 'cuda|cublas')"
else
    ok
fi
# A memory limit must not keep grs from exiting (OpenBLAS's exit-time thread shutdown hung under
# `ulimit -v`; grs leaves with _exit once its outputs are committed).
# (ASan reserves terabytes of address space, so the case is skipped in sanitizer builds.)
if ldd "$GRS" 2>/dev/null | grep -q libasan; then
    skip "ulimit -v under ASan"
else
    (ulimit -v 204800; timeout 30 "$GRS" --version >/dev/null 2>&1); [ $? -eq 0 ] && ok || bad "grs --version under ulimit -v 200 MB"
fi
if [ "${GRS_CUDA_BUILT:-OFF}" = ON ]; then
    "$GRS" --version | grep -q 'backends built: cuda,cpu' && ok || bad "CUDA build does not report the cuda backend"
fi
finish
