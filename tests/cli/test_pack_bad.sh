#!/usr/bin/env bash
# Bad inputs to grs pack / grs view: each must exit 1 with an [E::...] line that names the file
# and the problem, and leave no output (nor a temporary FILE.tmp.PID) behind.
. "$(dirname "$0")/lib.sh"
command -v bgzip >/dev/null || { skip "bgzip not installed"; finish; }

D=$T/small
bash "$SRC/tests/data/make_small.sh" "$D"
O=$T/res   # not $T/out: lib.sh keeps stdout there

expect_error "missing VCF" "\[E::.*nope\.vcf.*No such file" "$O*" "$GRS" pack --vcf "$T/nope.vcf" --out "$O"
: > "$T/empty.vcf"
expect_error "empty VCF" "\[E::.*empty\.vcf.*empty file" "$O*" "$GRS" pack --vcf "$T/empty.vcf" --out "$O"
# a VCF.gz cut in the middle of a BGZF block (big enough to span several blocks)
awk 'BEGIN { srand(7); OFS="\t" } /^#/ { print; next } !done { for (i = 1; i <= 20000; i++) { $2 = i;
        for (k = 10; k <= NF; k++) $k = int(rand() * 2) "/" int(rand() * 2) ":" int(rand() * 3); print }; done = 1 }' \
    "$D/small.vcf" | bgzip -c > "$T/big.vcf.gz"
head -c $(( $(stat -c %s "$T/big.vcf.gz") / 2 )) "$T/big.vcf.gz" > "$T/trunc.vcf.gz"
expect_error "truncated bgzip (GT)" "\[E::.*trunc\.vcf\.gz.*(truncated|corrupt)" "$O*" "$GRS" pack --vcf "$T/trunc.vcf.gz" --dosage GT --out "$O"
expect_error "truncated bgzip (DS)" "\[E::.*trunc\.vcf\.gz.*(truncated|corrupt)" "$O*" "$GRS" pack --vcf "$T/trunc.vcf.gz" --dosage DS --out "$O"
expect_error "truncated bgzip (1 thread)" "\[E::.*trunc\.vcf\.gz.*(truncated|corrupt)" "$O*" "$GRS" pack --vcf "$T/trunc.vcf.gz" --threads 1 --out "$O"
expect_error "VCF without samples" "\[E::.*sites\.vcf.*no samples" "$O*" "$GRS" pack --vcf "$D/sites.vcf" --out "$O"
expect_error "different sample lists" "\[E::.*small\.vcf.*other\.vcf.*'S4'.*'X4'|\[E::.*other\.vcf.*small\.vcf.*'X4'.*'S4'" "$O*" \
    "$GRS" pack --vcf "$D/small.vcf" "$D/other.vcf" --out "$O"
# a record with too few sample columns, and one with a malformed GT
awk 'BEGIN{OFS="\t"} !/^#/ && !d {NF=NF-1; d=1} {print}' "$D/small.vcf" > "$T/short.vcf"
expect_error "too few sample columns" "\[E::.*short\.vcf.*chr1:100.*5 sample columns" "$O*" "$GRS" pack --vcf "$T/short.vcf" --out "$O" --dosage GT
sed 's|^\(chr1\t100\t.*\t\)0/0:0|\10/x:0|' "$D/small.vcf" > "$T/badgt.vcf"
expect_error "malformed GT" "\[E::.*badgt\.vcf.*chr1:100.*GT" "$O*" "$GRS" pack --vcf "$T/badgt.vcf" --out "$O" --dosage GT
sed 's|^\(chr1\t100\t.*\t\)0/0:0|\10/0:2.5|' "$D/small.vcf" > "$T/badds.vcf"
expect_error "DS above ploidy" "\[E::.*badds\.vcf.*chr1:100.*2\.5" "$O*" "$GRS" pack --vcf "$T/badds.vcf" --out "$O" --dosage DS
expect_error "undeclared dosage field" "\[E::.*small\.vcf.*FORMAT/GP" "$O*" "$GRS" pack --vcf "$D/small.vcf" --out "$O" --dosage GP
printf 'S1\nNOPE\n' > "$T/keep_bad.txt"
expect_error "unknown sample in --samples" "\[E::.*keep_bad\.txt.*NOPE" "$O*" "$GRS" pack --vcf "$D/small.vcf" --samples "$T/keep_bad.txt" --out "$O"

# PLINK .bed
"$GRS" pack --vcf "$D/small.vcf" --dosage GT --out "$T/ok" -v 0 || bad "pack small"
if command -v plink2 >/dev/null; then
    plink2 --vcf "$D/small.vcf" --make-bed --out "$T/pl" --allow-extra-chr >/dev/null 2>&1
fi
if [ ! -f "$T/pl.bed" ]; then   # a hand-made 2-variant x 3-sample .bed
    printf 'S1 S1 0 0 1 -9\nS2 S2 0 0 2 -9\nS3 S3 0 0 0 -9\n' > "$T/pl.fam"
    printf '1\trs1\t0\t100\tG\tA\n1\trs2\t0\t200\tT\tC\n' > "$T/pl.bim"
    printf '\x6c\x1b\x01\x1b\x2c' > "$T/pl.bed"
fi
check "pack a good .bed" "$GRS" pack --bfile "$T/pl" --out "$T/plok" -v 0
mkdir -p "$T/b1" "$T/b2" "$T/b3"
cp "$T/pl.bim" "$T/pl.fam" "$T/b1/"; head -c -1 "$T/pl.bed" > "$T/b1/pl.bed"
expect_error ".bed size mismatch" "\[E::.*b1/pl\.bed.*bytes.*variants.*samples" "$O*" "$GRS" pack --bfile "$T/b1/pl" --out "$O"
cp "$T/pl.bim" "$T/pl.fam" "$T/pl.bed" "$T/b2/"; printf '\x6c\x1c' | dd of="$T/b2/pl.bed" bs=1 conv=notrunc 2>/dev/null
expect_error ".bed bad magic" "\[E::.*b2/pl\.bed.*magic" "$O*" "$GRS" pack --bfile "$T/b2/pl" --out "$O"
cp "$T/pl.bim" "$T/pl.bed" "$T/b3/"; { head -1 "$T/pl.fam"; echo "F2 I2 0 0"; tail -n +3 "$T/pl.fam"; } > "$T/b3/pl.fam"
expect_error ".fam bad line" "\[E::.*b3/pl\.fam.*line 2" "$O*" "$GRS" pack --bfile "$T/b3/pl" --out "$O"
cp "$T/pl.bed" "$T/pl.bim" "$T/b3/" ; printf '\x6c\x1b\x00' > "$T/b3/sm.bed"; cp "$T/pl.bim" "$T/b3/sm.bim"; cp "$T/pl.fam" "$T/b3/sm.fam"
expect_error "sample-major .bed" "\[E::.*sm\.bed.*sample-major" "$O*" "$GRS" pack --bfile "$T/b3/sm" --out "$O"
expect_error "missing .bim" "\[E::.*nope\.(bim|fam|bed)" "$O*" "$GRS" pack --bfile "$T/nope" --out "$O"

# corrupted .grsm: flip one byte of the matrix in a copy
cp "$T/ok.grsm" "$T/bad.grsm"
b=$(od -An -tu1 -j 4100 -N1 "$T/bad.grsm" | tr -d ' ')
printf "\\$(printf '%03o' $(( (b ^ 255) )))" | dd of="$T/bad.grsm" bs=1 seek=4100 conv=notrunc 2>/dev/null
expect_error "corrupted .grsm" "\[E::.*bad\.grsm.*checksum" "" "$GRS" view --geno "$T/bad.grsm"
expect_error "missing .grsm" "\[E::.*nope\.grsm" "" "$GRS" view --geno "$T/nope"

# usage errors exit 2
"$GRS" pack --vcf "$D/small.vcf" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "pack without --out exits 2"
"$GRS" pack --vcf "$D/small.vcf" --bfile x --out "$O" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "--vcf with --bfile exits 2"
"$GRS" pack --vcf "$D/small.vcf" --dosage XX --out "$O" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "bad --dosage exits 2"
"$GRS" view >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "view without --geno exits 2"
"$GRS" pack --help | grep -q 'Usage: grs pack' && ok || bad "pack --help"

# an interrupted pack leaves nothing behind
if command -v timeout >/dev/null; then
    for i in $(seq 1 40); do cat "$T/big.vcf.gz"; done > "$T/huge.vcf.gz"   # concatenated BGZF is valid
    timeout -s INT 0.2 "$GRS" pack --vcf "$T/huge.vcf.gz" --out "$T/intr" -v 0 >/dev/null 2>&1
    compgen -G "$T/intr*" >/dev/null && bad "SIGINT left $(compgen -G "$T/intr*" | head -1)" || ok
fi
# one [E::] line per failure
"$GRS" pack --vcf "$T/nope.vcf" --out "$O" 2>&1 | grep -c '^\[E::' | grep -qx 1 && ok || bad "more than one [E::] line"
finish
