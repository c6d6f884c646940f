#!/usr/bin/env bash
# BGEN input (host/bgen.h) against plink2, the independent reader, on files that plink2 wrote
# (--export bgen-1.2 bits=8 / bits=16, bgen-1.1, phased, haploid chrX, 5% missing dosages) and on
# regenie's example.bgen (../shared/data). zstd and uncompressed variants of a plink2 file are made
# by tests/cli/bgen_edit.py, which only re-encodes the blocks; plink2 reads them back as well.
#   - dosages and hard calls of `grs pack --bgen` vs plink2's `--export vcf vcf-dosage=DS`
#     (tests/cli/compare_bgen_vcf.py: within 1/16384 + printing);
#   - `grs score --bgen` vs `plink2 --bgen F ref-first --score` (tests/cli/compare_sscore.py);
#   - packing example.bgen and example.bed gives the same genotypes ($GRS view).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CMPV="$PY $SRC/tests/cli/compare_bgen_vcf.py"
CMPS="$PY $SRC/tests/cli/compare_sscore.py"
EDIT="$PY $SRC/tests/cli/bgen_edit.py"
command -v plink2 >/dev/null || { skip "plink2 not installed"; finish; }
[ -x $PY ] || { skip "no $PY"; finish; }

# pack F.bgen with plink2's .sample and compare with plink2's own reading; $1 file prefix,
# $2 .sample, $3 description, $4 extra compare options
pack_vs_plink2() {
    local f=$1 s=$2 d=$3
    check "pack $d" "$GRS" pack --bgen "$f.bgen" --sample "$s" --out "$f.g"
    "$GRS" view --geno "$f.g" >"$f.gt" && "$GRS" view --geno "$f.g" --dosage >"$f.ds" || bad "view $d"
    plink2 --bgen "$f.bgen" ref-first --sample "$s" --export vcf vcf-dosage=DS --out "$f.p2" \
        >/dev/null 2>&1 && ok || bad "plink2 reads $d"
    check "$d: grs vs plink2 dosages and hard calls" $CMPV ${4:-} "$f.gt" "$f.ds" "$f.p2.vcf"; cat "$T/out"
}

# ---- plink2-made files: 300 samples x 400 variants, dosages, 5% missing ---------------------
plink2 --dummy 300 400 0.05 dosage-freq=0.5 acgt --seed 11 --make-pgen --out "$T/dum" >/dev/null 2>&1 \
    && ok || bad "plink2 --dummy"
plink2 --pfile "$T/dum" --export bgen-1.2 bits=8 --out "$T/b8" >/dev/null 2>&1 && ok || bad "export bits=8"
plink2 --pfile "$T/dum" --export bgen-1.2 bits=16 --out "$T/b16" >/dev/null 2>&1 && ok || bad "export bits=16"
plink2 --pfile "$T/dum" --export bgen-1.1 --out "$T/b11" >/dev/null 2>&1 && ok || bad "export bgen-1.1"
pack_vs_plink2 "$T/b8" "$T/b8.sample" "bgen-1.2 8 bits zlib"
pack_vs_plink2 "$T/b16" "$T/b16.sample" "bgen-1.2 16 bits zlib"
pack_vs_plink2 "$T/b11" "$T/b11.sample" "bgen-1.1 (layout 1)"
if $PY -c "import zstandard" 2>/dev/null; then
    check "recompress with zstd" $EDIT zstd "$T/b16.bgen" "$T/z16.bgen"
    pack_vs_plink2 "$T/z16" "$T/b16.sample" "bgen-1.2 16 bits zstd"
    cmp -s "$T/z16.ds" "$T/b16.ds" && ok || bad "zstd and zlib copies differ"
else
    skip "python3-zstandard not installed: no zstd file"
fi
check "store uncompressed" $EDIT none "$T/b8.bgen" "$T/u8.bgen"
pack_vs_plink2 "$T/u8" "$T/b8.sample" "bgen-1.2 8 bits uncompressed"
cmp -s "$T/u8.ds" "$T/b8.ds" && ok || bad "uncompressed and zlib copies differ"
# sample IDs from the file's own block (plink2 v1.2 export stores them)
"$GRS" view --geno "$T/b16.g" --samples | awk 'NR>1{print $2}' >"$T/ids.grs"
awk 'NR>2{print $2}' "$T/b16.sample" >"$T/ids.p2"
check "pack without --sample" "$GRS" pack --bgen "$T/b16.bgen" --out "$T/b16n"
"$GRS" view --geno "$T/b16n" --samples | awk 'NR>1{print $2}' | cmp -s - "$T/ids.p2" && ok || bad "sample block IDs"
cmp -s "$T/ids.grs" "$T/ids.p2" && ok || bad ".sample IIDs"

# scores with dosages and missing genotypes (mean imputation), all variants (PLINK-style file)
awk 'BEGIN{srand(3); print "ID\tA1\tW1\tW2"} !/^#/{printf "%s\t%s\t%.5f\t%.5f\n", $3, (NR%2 ? $4 : $5), rand()-0.5, rand()}' \
    "$T/dum.pvar" >"$T/w.txt"
check "score --bgen (16 bits, missing)" "$GRS" score --bgen "$T/b16.bgen" --sample "$T/b16.sample" \
    --score "$T/w.txt" --header-read --score-col-nums 3,4 --match-id --keep-ambiguous --out "$T/s16"
plink2 --bgen "$T/b16.bgen" ref-first --sample "$T/b16.sample" --score "$T/w.txt" 1 2 header-read \
    cols=+scoresums,+denom --score-col-nums 3,4 --out "$T/s16.p2" >/dev/null 2>&1 && ok || bad "plink2 --score 16 bits"
check "score 16 bits vs plink2" $CMPS "$T/s16.sscore" "$T/s16.p2.sscore"; cat "$T/out"

# ---- phased (plink2 from a phased VCF with HDS) and haploid chrX males ----------------------
$PY - "$T" <<'PY'
import random, sys
t = sys.argv[1]
random.seed(5)
n = 40
head = ('##fileformat=VCFv4.2\n##contig=<ID=1>\n##contig=<ID=X>\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="genotype">\n')
with open(t + "/ph.vcf", "w") as f:
    f.write(head + '##FORMAT=<ID=HDS,Number=.,Type=Float,Description="haplotype dosages">\n')
    f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join("s%d" % i for i in range(n)) + "\n")
    for v in range(60):
        cells = []
        for s in range(n):
            if random.random() < 0.05:
                cells.append(".|.:.,."); continue
            h = [random.random() < 0.3 for _ in range(2)]
            hd = [min(1, max(0, (0.9 if x else 0.1) + random.uniform(-0.1, 0.1))) for x in h]
            cells.append("%d|%d:%.3f,%.3f" % (h[0], h[1], hd[0], hd[1]))
        f.write("1\t%d\trs%d\tA\tG\t.\t.\t.\tGT:HDS\t%s\n" % (v + 1, v, "\t".join(cells)))
with open(t + "/hap.vcf", "w") as f, open(t + "/hap.sex", "w") as sx:
    f.write(head + '##FORMAT=<ID=DS,Number=A,Type=Float,Description="dosage">\n')
    f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join("s%d" % i for i in range(n)) + "\n")
    sx.write("#IID\tSEX\n" + "".join("s%d\t%d\n" % (s, 1 if s % 2 == 0 else 2) for s in range(n)))
    for v in range(40):
        cells = []
        for s in range(n):
            if s % 2 == 0:
                d = random.choice([0, 1]) * 0.9 + random.uniform(0, 0.1)
                cells.append("%d:%.3f" % (round(d), d))
            else:
                d = random.uniform(0, 2)
                cells.append("%s:%.3f" % (["0/0", "0/1", "1/1"][int(round(d))], d))
        f.write("X\t%d\tx%d\tC\tT\t.\t.\t.\tGT:DS\t%s\n" % (v + 1000, v, "\t".join(cells)))
PY
plink2 --vcf "$T/ph.vcf" dosage=HDS --export bgen-1.2 --out "$T/ph" >/dev/null 2>&1 && ok || bad "plink2 phased export"
pack_vs_plink2 "$T/ph" "$T/ph.sample" "phased bgen-1.2"
"$GRS" pack --bgen "$T/ph.bgen" --sample "$T/ph.sample" --out "$T/ph.g" -v 4 2>&1 | grep -q "phased" && ok || bad "phased not logged"
plink2 --vcf "$T/hap.vcf" dosage=DS --update-sex "$T/hap.sex" --make-pgen --out "$T/happ" >/dev/null 2>&1 \
    && plink2 --pfile "$T/happ" --export bgen-1.2 --out "$T/hap" >/dev/null 2>&1 && ok || bad "plink2 haploid export"
pack_vs_plink2 "$T/hap" "$T/hap.sample" "haploid chrX males"
"$GRS" view --geno "$T/hap.g" --variants | awk 'NR>1 && $12 != 1 {bad=1} END{exit bad}' && ok || bad "haploid plane missing"

# ---- regenie example: 500 x 1,000, BGEN v1.2 zlib 8 bits with a .bgi, and the same .bed ------
D=$SHARED/data/regenie-example
if [ -f "$D/example.bgen" ]; then
    { echo "ID_1 ID_2 missing"; echo "0 0 0"; awk '{print $1, $2, 0}' "$D/example.fam"; } >"$T/ex.sample"
    check "pack example.bgen" "$GRS" pack --bgen "$D/example.bgen" --out "$T/exg"
    check "pack example.bed" "$GRS" pack --bfile "$D/example" --out "$T/exb"
    # BGEN (ref-first): REF = allele 1, ALT = 2; the .bed: A1 = 1 is ALT. Compare copies of allele 2.
    "$GRS" view --geno "$T/exg" >"$T/exg.gt"; "$GRS" view --geno "$T/exb" >"$T/exb.gt"
    check "example: .bgen and .bed hard calls agree" $PY - "$T/exg.gt" "$T/exb.gt" <<'PY'
import sys
cnt = {"0/0": 0, "0/1": 1, "1/1": 2}
n = 0
for a, b in zip(open(sys.argv[1]), open(sys.argv[2])):
    a, b = a.rstrip("\n").split("\t"), b.rstrip("\n").split("\t")
    assert a[:2] == b[:2] and a[2:4] == b[3:1:-1], (a[:4], b[:4])
    for x, y in zip(a[4:], b[4:]):
        assert x in cnt and y in cnt and cnt[x] == 2 - cnt[y], (a[:2], x, y)
        n += 1
assert n == 500 * 1000, n
print("%d genotypes agree" % n)
PY
    cat "$T/out"
    # score parity: grs's scoring-file reader takes ACGT alleles only, so the allele names 1/2 are
    # renamed A/C in a copy (same lengths: genotype blocks and the .bgi offsets are unchanged)
    check "rename alleles" $EDIT alleles "$D/example.bgen" "$T/exa.bgen" 1=A,2=C
    cp "$D/example.bgen.bgi" "$T/exa.bgen.bgi"
    R=$D/example.test_bin_out_firth_Y1.regenie
    awk 'BEGIN{OFS="\t"; print "rsID","chr_name","chr_position","effect_allele","other_allele","effect_weight"}
         NR>1 && NR%3 {a1=($5=="1"?"A":"C"); a0=($4=="1"?"A":"C"); print $3,$1,$2,a1,a0,$10}' "$R" >"$T/exa.score"
    "$GRS" score --bgen "$T/exa.bgen" --sample "$T/ex.sample" --score "$T/exa.score" --full-precision \
        --out "$T/exs" -v 4 2>"$T/exs.log" && ok || { bad "score example.bgen"; cat "$T/exs.log"; }
    grep -q "found through the .bgi index" "$T/exs.log" && ok || bad ".bgi index not used"
    awk 'BEGIN{print "ID\tA1\texa.score"} NR>1{print $1"\t"$4"\t"$6}' "$T/exa.score" >"$T/exa.plink"
    plink2 --bgen "$T/exa.bgen" ref-first --sample "$T/ex.sample" --score "$T/exa.plink" 1 2 3 header-read \
        cols=+scoresums,+denom --out "$T/exs.p2" >/dev/null 2>&1 && ok || bad "plink2 --score example"
    check "example.bgen vs plink2 (full precision)" $CMPS --full "$T/exs.sscore" "$T/exs.p2.sscore"; cat "$T/out"
    # without the index: stream and skip, same output
    cp "$T/exa.bgen" "$T/exn.bgen"
    "$GRS" score --bgen "$T/exn.bgen" --sample "$T/ex.sample" --score "$T/exa.score" --full-precision \
        --out "$T/exn" -v 4 2>"$T/exn.log" && ok || bad "score without index"
    grep -q "skipped without decompression" "$T/exn.log" && ok || bad "streaming skip not used"
    cmp -s <(cut -f3- "$T/exn.sscore") <(cut -f3- "$T/exs.sscore") && ok || bad "index and streaming differ"
    # two weight columns over every variant (PLINK-style file, by ID). Full precision: regenie's
    # 6-digit BETA/SE make exact decimal ties at the 6th printed digit, which plink2's double
    # sums and grs's exact sums print differently (about 0.3% of cells, not a BGEN matter)
    awk 'BEGIN{OFS="\t"; print "ID","A1","BETA","SE"} NR>1 {print $3, ($5=="1"?"A":"C"), $10, $11}' "$R" >"$T/ex2.txt"
    check "score example 2 columns" "$GRS" score --bgen "$T/exa.bgen" --sample "$T/ex.sample" --score "$T/ex2.txt" \
        --header-read --score-col-nums 3,4 --match-id --full-precision --out "$T/ex2"
    plink2 --bgen "$T/exa.bgen" ref-first --sample "$T/ex.sample" --score "$T/ex2.txt" 1 2 header-read \
        cols=+scoresums,+denom --score-col-nums 3,4 --out "$T/ex2.p2" >/dev/null 2>&1 && ok || bad "plink2 2 columns"
    check "example.bgen vs plink2 (2 scores, all variants)" $CMPS --full "$T/ex2.sscore" "$T/ex2.p2.sscore"; cat "$T/out"
    ls "$T" | grep -q 'input.tmp' && bad "temporary matrix left behind" || ok
    # the shipped file itself (alleles named 1 and 2) with a PLINK-style file, which accepts any
    # allele code (the PGS Catalog format excludes non-ACGT effect alleles, as pgsc_calc does)
    awk 'BEGIN { srand(3) } { print $2 "\t" (rand() < 0.5 ? "1" : "2") "\t" (rand() - 0.5) / 10 }' \
        "$D/example.bim" >"$T/w12.txt"
    check "score the shipped example.bgen" "$GRS" score --bgen "$D/example.bgen" --score "$T/w12.txt" \
        --match-id --keep-ambiguous --out "$T/w12"
    plink2 --bgen "$D/example.bgen" ref-first --score "$T/w12.txt" 1 2 3 cols=+scoresums,+denom \
        --out "$T/w12.p2" >/dev/null 2>&1 && ok || bad "plink2 on the shipped example.bgen"
    check "shipped example.bgen vs plink2 (6 digits)" $CMPS "$T/w12.sscore" "$T/w12.p2.sscore"; cat "$T/out"
else
    skip "no $D/example.bgen"
fi
finish
