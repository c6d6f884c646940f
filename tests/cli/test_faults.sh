#!/usr/bin/env bash
# Fault injection (issue 10): disk full, unreadable input, SIGKILL and SIGTERM mid-write, memory
# limits. Input: a plink2 --dummy fileset of 2,000 samples x 100,000 variants (50 MB .bed), big
# enough that a signal lands while outputs are being written. Needs plink2 (else skipped).
# What must hold:
#   disk full (a 4 MB tmpfs when mount works, and `ulimit -f`): exit 1, one [E::] line naming the
#     output and the error, nothing left in the output directory (not even FILE.tmp.PID);
#   stdout on /dev/full: exit 1 with a write error;
#   unreadable input (chmod 000; skipped as root, which bypasses permissions: the directory case
#     is in the bad-input catalogue): exit 1 naming the file;
#   SIGKILL mid-write: no file under the final name; only FILE.tmp.PID files may remain;
#   SIGTERM mid-write: exit 143, every temporary file removed, no final output;
#   ulimit -v: exit 0 with the output, or exit 1 with an [E::] line and no output; never a signal,
#     crash or hang (60 s).
. "$(dirname "$0")/lib.sh"
command -v plink2 >/dev/null || { skip "plink2 not installed"; finish; }
D=$T/d; mkdir -p "$D"
plink2 --dummy 2000 100000 0.01 acgt --make-bed --out "$D/big" --threads 2 >/dev/null 2>&1 \
    || { skip "plink2 --dummy failed"; finish; }
check "pack the dummy fileset" "$GRS" pack --bfile "$D/big" --out "$D/big" -v 0
awk 'NR % 5 == 0 { print $2 "\t" $5 "\t" (NR % 7 - 3) / 10 }' "$D/big.bim" > "$D/w.txt"
SCORE=(score --geno "$D/big" --score "$D/w.txt" --match-id --keep-ambiguous)
check "score the dummy fileset" "$GRS" "${SCORE[@]}" --out "$D/ref" -v 0
sanitized=0; ldd "$GRS" 2>/dev/null | grep -q 'libasan' && sanitized=1

# expect_clean_fail "desc" "stderr regex" DIR command...: exit 1, regex, DIR has no files
expect_clean_fail() {
    local d=$1 re=$2 dir=$3; shift 3
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    if [ $rc -ne 1 ]; then bad "$d: exit $rc, expected 1"; tail -3 "$T/err" >&2; return; fi
    grep -Eq "$re" "$T/err" || { bad "$d: stderr does not match /$re/"; tail -3 "$T/err" >&2; return; }
    local left; left=$(find "$dir" -type f | head -3)
    [ -z "$left" ] && ok || bad "$d: left $left"
}

# ---- disk full ----
M=$T/full; mkdir -p "$M"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=4m tmpfs "$M" 2>/dev/null; then
    expect_clean_fail "pack on a full disk (tmpfs)" "\[E::.*(No space left|write error).*full/p" "$M" \
        "$GRS" pack --bfile "$D/big" --out "$M/p"
    expect_clean_fail "pack --threads 1 on a full disk" "\[E::.*(No space left|write error)" "$M" \
        "$GRS" pack --bfile "$D/big" --out "$M/q" --threads 1
    umount "$M"
    mount -t tmpfs -o size=48k tmpfs "$M" 2>/dev/null && {
        expect_clean_fail "score on a full disk (tmpfs)" "\[E::.*(No space left|write error|cannot)" "$M" \
            "$GRS" "${SCORE[@]}" --out "$M/s"
        umount "$M"; }
else
    skip "disk full on a tmpfs (needs root and mount)"
fi
(ulimit -f 2048; "$GRS" pack --bfile "$D/big" --out "$M/u" >"$T/out" 2>"$T/err"); rc=$?
if [ $rc -eq 1 ] && grep -Eq '\[E::.*(File too large|write error)' "$T/err" && [ -z "$(find "$M" -type f)" ]; then ok
else bad "pack past ulimit -f: exit $rc, $(find "$M" -type f | head -1)"; tail -2 "$T/err" >&2; fi
"$GRS" view --geno "$D/big" >/dev/full 2>"$T/err"; rc=$?
if [ $rc -eq 1 ] && grep -Eq '\[E::.*(No space|write)' "$T/err"; then ok; else bad "view > /dev/full: exit $rc"; tail -2 "$T/err" >&2; fi

# ---- unreadable input ----
if [ "$(id -u)" != 0 ]; then
    cp "$D/w.txt" "$T/noread.txt"; chmod 000 "$T/noread.txt"
    expect_error "unreadable scoring file" "noread\.txt.*Permission denied" "$T/nr*" "$GRS" "${SCORE[@]/$D\/w.txt/$T/noread.txt}" --out "$T/nr"
else
    skip "chmod 000 input: running as root, which bypasses permissions (directory inputs are in the catalogue)"
fi

# ---- signals mid-write: wait for the temporary file, then signal ----
# run_and_signal SIG OUTPREFIX command...: prints the exit status
run_and_signal() {
    local sig=$1 out=$2; shift 2
    "$@" >/dev/null 2>"$T/sigerr" &
    local pid=$! i=0
    while [ $i -lt 1000 ] && ! compgen -G "$out*.tmp.*" >/dev/null; do
        kill -0 $pid 2>/dev/null || break; sleep 0.01; i=$((i+1)); done
    sleep 0.05
    kill -s "$sig" $pid 2>/dev/null
    wait $pid 2>/dev/null
}
K=$T/kill; mkdir -p "$K"
run_and_signal KILL "$K/p" "$GRS" pack --bfile "$D/big" --out "$K/p"; rc=$?
if [ $rc -eq 137 ]; then
    [ ! -e "$K/p.grsm" ] && ok || bad "SIGKILL during pack left a complete-looking $K/p.grsm"
    others=$(find "$K" -type f ! -name 'p.grsm.tmp.*' | head -1)
    [ -z "$others" ] && ok || bad "SIGKILL during pack left $others (only FILE.tmp.PID is allowed)"
else skip "SIGKILL landed after pack finished (exit $rc)"; fi
rm -rf "$K"; mkdir -p "$K"
run_and_signal TERM "$K/p" "$GRS" pack --bfile "$D/big" --out "$K/p"; rc=$?
if [ $rc -eq 143 ]; then
    left=$(find "$K" -type f | head -1)
    [ -z "$left" ] && ok || bad "SIGTERM during pack left $left"
    grep -q 'interrupted' "$T/sigerr" && ok || bad "SIGTERM: no message"
elif [ $rc -eq 0 ]; then skip "SIGTERM landed after pack finished"
else bad "SIGTERM during pack: exit $rc, expected 143"; fi
rm -rf "$K"; mkdir -p "$K"
run_and_signal KILL "$K/s" "$GRS" "${SCORE[@]}" --out "$K/s"; rc=$?
if [ $rc -eq 137 ]; then
    # score renames its outputs one after another at the end: a kill between two renames can
    # leave some final names, but each must be complete (same bytes as an uninterrupted run)
    good=1
    [ -e "$K/s.sscore" ] && ! cmp -s "$K/s.sscore" "$D/ref.sscore" && { good=0; bad "SIGKILL left an incomplete s.sscore"; }
    [ -e "$K/s.match.tsv.gz" ] && ! gzip -t "$K/s.match.tsv.gz" 2>/dev/null && { good=0; bad "SIGKILL left a broken s.match.tsv.gz"; }
    [ -e "$K/s.summary.json" ] && ! /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$K/s.summary.json" 2>/dev/null \
        && { good=0; bad "SIGKILL left a broken s.summary.json"; }
    [ $good = 1 ] && ok
else skip "SIGKILL landed after score finished (exit $rc)"; fi
rm -rf "$K"; mkdir -p "$K"
run_and_signal TERM "$K/s" "$GRS" "${SCORE[@]}" --out "$K/s"; rc=$?
if [ $rc -eq 143 ]; then
    # no temporary left; a final name may exist if the signal fell between the end-of-run
    # renames, and then it must be complete
    [ -z "$(find "$K" -type f -name '*.tmp.*' | head -1)" ] && ok || bad "SIGTERM during score left $(ls "$K")"
    [ ! -e "$K/s.sscore" ] || cmp -s "$K/s.sscore" "$D/ref.sscore" && ok || bad "SIGTERM left an incomplete s.sscore"
elif [ $rc -eq 0 ]; then skip "SIGTERM landed after score finished"
else bad "SIGTERM during score: exit $rc"; fi

# ---- memory limits (ASan reserves terabytes of address space: skipped under it) ----
if [ $sanitized = 0 ]; then
    for kb in 90000 150000 250000 400000; do
        rm -rf "$K"; mkdir -p "$K"
        (ulimit -v $kb; timeout 60 "$GRS" "${SCORE[@]}" --out "$K/m" >/dev/null 2>"$T/err"); rc=$?
        if [ $rc -eq 0 ] && [ -s "$K/m.sscore" ]; then ok
        elif [ $rc -eq 1 ] && grep -q '^\[E::' "$T/err" && [ -z "$(find "$K" -type f)" ]; then ok
        else bad "score under ulimit -v $kb: exit $rc, left: $(find "$K" -type f | head -3 | tr '\n' ' ')"; tail -3 "$T/err" >&2; fi
        # its own directory: a failed pack must leave nothing, but the score above may have succeeded
        P=$K/pack; mkdir -p "$P"
        (ulimit -v $kb; timeout 60 "$GRS" pack --bfile "$D/big" --out "$P/mp" >/dev/null 2>"$T/err"); rc=$?
        if [ $rc -eq 0 ] && [ -s "$P/mp.grsm" ]; then ok
        elif [ $rc -eq 1 ] && grep -q '^\[E::' "$T/err" && [ -z "$(find "$P" -type f)" ]; then ok
        else bad "pack under ulimit -v $kb: exit $rc, left: $(find "$P" -type f | head -3 | tr '\n' ' ')"; tail -3 "$T/err" >&2; fi
    done
    # Regression: OpenBLAS's pthreads build started server threads at load time that spun in
    # blas_memory_alloc under a small address-space limit, and exit() joined them forever (even
    # `grs version`); fixed by linking the serial OpenBLAS (commit 4264cf7).
    (ulimit -v 100000; timeout 20 "$GRS" version >/dev/null 2>&1); rc=$?
    [ $rc -eq 0 ] && ok || bad "'grs version' under ulimit -v 100000 exits $rc (124: hung at exit)"
else
    skip "memory limits under ASan"
fi
finish
