#!/usr/bin/env bash
# Bad BGEN input: each case exits 1 with one error line that names the file and the variant
# (index of M and ID) where there is one, and leaves no output. The damaged files are derived from
# a file plink2 wrote (tests/cli/bgen_edit.py changes only the bytes named in each case).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
EDIT="$PY $SRC/tests/cli/bgen_edit.py"
command -v plink2 >/dev/null || { skip "plink2 not installed"; finish; }
[ -x $PY ] || { skip "no $PY"; finish; }

plink2 --dummy 40 30 0.05 dosage-freq=0.5 acgt --seed 5 --make-pgen --out "$T/d" >/dev/null 2>&1 \
    && plink2 --pfile "$T/d" --export bgen-1.2 bits=16 --out "$T/g" >/dev/null 2>&1 && ok || bad "plink2 export"
S=$T/g.sample
check "the source file packs" "$GRS" pack --bgen "$T/g.bgen" --sample "$S" --out "$T/ok"
rm -f "$T/ok.grsm"
awk 'BEGIN{print "ID\tA1\tW"} !/^#/{print $3"\t"$4"\t0.1"}' "$T/d.pvar" >"$T/w.txt"

# pack F and score F must both fail with the message, leaving nothing
both() {
    local d=$1 re=$2 f=$3; shift 3
    expect_error "pack: $d" "$re" "$T/out_p*" "$GRS" pack --bgen "$f" "$@" --out "$T/out_p"
    expect_error "score: $d" "$re" "$T/out_s*" "$GRS" score --bgen "$f" "$@" --score "$T/w.txt" \
        --header-read --score-col-nums 3 --match-id --out "$T/out_s"
}

: >"$T/empty.bgen"
both "empty file" "empty.bgen' is empty" "$T/empty.bgen" --sample "$S"
both "missing file" "cannot open BGEN file .*nope.bgen" "$T/nope.bgen" --sample "$S"
sz=$(stat -c %s "$T/g.bgen")
head -c $((sz - 100)) "$T/g.bgen" >"$T/trunc.bgen"
both "truncated in the last variant" "trunc.bgen': variant 30 of 30 'snp29' \(byte [0-9]+\): truncated" \
    "$T/trunc.bgen" --sample "$S"
head -c 12 "$T/g.bgen" >"$T/trunc_h.bgen"
both "truncated header" "trunc_h.bgen': truncated: the header block" "$T/trunc_h.bgen" --sample "$S"
{ head -c 16 "$T/g.bgen"; printf 'BGEM'; tail -c +21 "$T/g.bgen"; } >"$T/magic.bgen"
both "wrong magic" "magic.bgen' is not a BGEN file" "$T/magic.bgen" --sample "$S"
$EDIT bad-size "$T/g.bgen" "$T/size.bgen" 7 && ok || bad "bgen_edit bad-size"
both "stated size larger than the data" "size.bgen': variant 7 of 30 'snp6' .*genotype block is [0-9]+ bytes uncompressed but" \
    "$T/size.bgen" --sample "$S"
$EDIT bad-zlib "$T/g.bgen" "$T/zlib.bgen" 12 && ok || bad "bgen_edit bad-zlib"
both "damaged zlib block" "zlib.bgen': variant 12 of 30 'snp11' .*does not inflate to its stated" "$T/zlib.bgen" --sample "$S"
$EDIT layout "$T/g.bgen" "$T/l3.bgen" 3 && ok || bad "bgen_edit layout"
both "layout 3" "l3.bgen': BGEN layout 3 is not supported" "$T/l3.bgen" --sample "$S"
$EDIT bits "$T/g.bgen" "$T/b0.bgen" 0 && ok || bad "bgen_edit bits 0"
both "bit depth 0" "b0.bgen': variant 1 of 30 'snp0' .*0 bits per probability is not supported" "$T/b0.bgen" --sample "$S"
$EDIT bits "$T/g.bgen" "$T/b33.bgen" 33 && ok || bad "bgen_edit bits 33"
both "bit depth 33" "variant 1 of 30 'snp0' .*33 bits per probability is not supported" "$T/b33.bgen" --sample "$S"
head -n -1 "$S" >"$T/short.sample"
both ".sample with one sample fewer" "short.sample' lists 39 samples but .*g.bgen' has 40" "$T/g.bgen" --sample "$T/short.sample"
{ cat "$S"; echo "0 extra 0 1 0"; } >"$T/long.sample"
both ".sample with one sample more" "long.sample' lists 41 samples but" "$T/g.bgen" --sample "$T/long.sample"
sed 2d "$S" >"$T/nohead.sample"
both ".sample without its type line" "nohead.sample' line 2: expected the column-type line" "$T/g.bgen" --sample "$T/nohead.sample"
$EDIT no-ids "$T/g.bgen" "$T/noid.bgen" && ok || bad "bgen_edit no-ids"
both "no sample IDs anywhere" "noid.bgen' has no sample identifier block: give the sample IDs with --sample" "$T/noid.bgen"
check "no sample block, --sample given" "$GRS" pack --bgen "$T/noid.bgen" --sample "$S" --out "$T/noid"

# usage errors: exit 2
"$GRS" pack --bgen "$T/g.bgen" --vcf x.vcf --out "$T/u" 2>/dev/null; [ $? -eq 2 ] && ok || bad "--bgen with --vcf"
"$GRS" pack --bfile x --sample "$S" --out "$T/u" 2>/dev/null; [ $? -eq 2 ] && ok || bad "--sample without --bgen"
"$GRS" pack --bgen "$T/g.bgen" --hard-call-threshold 0.7 --out "$T/u" 2>/dev/null; [ $? -eq 2 ] && ok || bad "threshold 0.7"
"$GRS" score --geno x --sample "$S" --score "$T/w.txt" --out "$T/u" 2>/dev/null; [ $? -eq 2 ] && ok || bad "score --sample alone"
ls "$T" | grep -q 'tmp' && bad "temporary file left behind" || ok
finish
