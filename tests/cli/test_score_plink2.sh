#!/usr/bin/env bash
# Parity of `grs score` with Debian's plink2 --score, run at test time on real data from
# ../shared/data (skipped when absent). plink2 scores exactly the variants grs matched (their
# IDs, effect alleles and weights are taken from grs's match log), so the comparison is of the
# arithmetic and the missing-data semantics; the criteria are in compare_sscore.py.
. "$(dirname "$0")/lib.sh"
CMP="/usr/bin/python3 $SRC/tests/cli/compare_sscore.py"
D=$SHARED/data
command -v plink2 >/dev/null || { skip "plink2 not installed"; finish; }
[ -d "$D" ] || { skip "no ../shared/data"; finish; }

# plink2 scoring file from grs's match log: target ID, effect allele, weight of the matched rows.
# $1 match log, $2 scoring file, $3 output, $4 weight column name in the scoring file
plink2_weights_from_match() {
    /usr/bin/python3 - "$@" <<'PY'
import gzip, sys
mlog, sfile, out, wcol = sys.argv[1:5]
lines = [l.rstrip("\n").rstrip("\r") for l in open(sfile)]
lines = [l for l in lines if not l.startswith("#")]
head = lines[0].split("\t")
rows = {i + 2 + 0: l.split("\t") for i, l in enumerate(lines[1:])}
# line numbers in the match log are file line numbers; recount them with comments included
allrows = {}
with open(sfile) as f:
    hdr = None
    for n, l in enumerate(f, 1):
        if l.startswith("#"): continue
        v = l.rstrip("\n").rstrip("\r").split("\t")
        if hdr is None: hdr = v; continue
        allrows[n] = dict(zip(hdr, v))
with gzip.open(mlog, "rt") as f, open(out, "w") as o:
    h = f.readline().rstrip("\n").split("\t")
    o.write("ID\tA1\t%s\n" % "SCORE")
    for l in f:
        r = dict(zip(h, l.rstrip("\n").split("\t")))
        if r["status"] != "matched": continue
        row = allrows[int(r["line"])]
        o.write("%s\t%s\t%s\n" % (r["target_id"], row["effect_allele"], row[wcol]))
PY
}

# ---- pgsc_calc-cineca: PGS001229_22 on the .bed (position + allele matching) -------------
C=$D/pgsc_calc-cineca
if [ -d "$C" ]; then
    check "pack cineca bed" "$GRS" pack --bfile "$C/cineca_synthetic_subset" --out "$T/cin"
    check "score cineca" "$GRS" score --geno "$T/cin" --score "$C/PGS001229_22.txt" --out "$T/cin"
    plink2_weights_from_match "$T/cin.match.tsv.gz" "$C/PGS001229_22.txt" "$T/cin.w" effect_weight
    sed -i '1s/SCORE/PGS001229/' "$T/cin.w"
    plink2 --bfile "$C/cineca_synthetic_subset" --score "$T/cin.w" 1 2 3 header-read cols=+scoresums,+denom \
        --out "$T/cin.p2" >/dev/null 2>&1 && ok || bad "plink2 cineca bed"
    check "cineca bed vs plink2 (6 digits)" $CMP "$T/cin.sscore" "$T/cin.p2.sscore"; cat "$T/out"
    check "score cineca full precision" "$GRS" score --geno "$T/cin" --score "$C/PGS001229_22.txt" --full-precision --out "$T/cinf"
    plink2 --bfile "$C/cineca_synthetic_subset" --score "$T/cin.w" 1 2 3 header-read cols=+scoresums,+denom \
        --out "$T/cin.p2f" >/dev/null 2>&1
    check "cineca bed vs plink2 (full precision)" $CMP --full "$T/cinf.sscore" "$T/cin.p2f.sscore"; cat "$T/out"
    # the same variants from the .pgen in plink2
    plink2 --pfile "$C/cineca_synthetic_subset" --score "$T/cin.w" 1 2 3 header-read cols=+scoresums,+denom \
        --out "$T/cin.pg" >/dev/null 2>&1 && ok || bad "plink2 cineca pgen"
    check "cineca grs vs plink2 on .pgen" $CMP "$T/cin.sscore" "$T/cin.pg.sscore"; cat "$T/out"
    # --bfile read directly and --vcf decoded on the fly give the same bytes as the packed matrix
    check "score cineca --bfile" "$GRS" score --bfile "$C/cineca_synthetic_subset" --score "$C/PGS001229_22.txt" --out "$T/cinb"
    cmp -s "$T/cinb.sscore" "$T/cin.sscore" && ok || bad "--bfile differs from --geno"
    # no-mean-imputation
    check "score cineca --missing zero" "$GRS" score --geno "$T/cin" --score "$C/PGS001229_22.txt" --missing zero --out "$T/cinz"
    plink2 --bfile "$C/cineca_synthetic_subset" --score "$T/cin.w" 1 2 3 header-read no-mean-imputation \
        cols=+scoresums,+denom --out "$T/cin.p2z" >/dev/null 2>&1
    check "cineca no-mean-imputation vs plink2" $CMP "$T/cinz.sscore" "$T/cin.p2z.sscore"; cat "$T/out"
    # VCF of the same data, packed by grs, scored against plink2 reading the VCF
    check "pack cineca vcf" "$GRS" pack --vcf "$C/cineca_synthetic_subset.vcf.gz" --out "$T/cinv"
    check "score cineca vcf" "$GRS" score --geno "$T/cinv" --score "$C/PGS001229_22.txt" --out "$T/cinv"
    plink2_weights_from_match "$T/cinv.match.tsv.gz" "$C/PGS001229_22.txt" "$T/cinv.w" effect_weight
    sed -i '1s/SCORE/PGS001229/' "$T/cinv.w"
    plink2 --vcf "$C/cineca_synthetic_subset.vcf.gz" --score "$T/cinv.w" 1 2 3 header-read cols=+scoresums,+denom \
        --out "$T/cinv.p2" >/dev/null 2>&1 && ok || bad "plink2 cineca vcf"
    check "cineca vcf vs plink2" $CMP "$T/cinv.sscore" "$T/cinv.p2.sscore"; cat "$T/out"
    check "score cineca --vcf" "$GRS" score --vcf "$C/cineca_synthetic_subset.vcf.gz" --score "$C/PGS001229_22.txt" --out "$T/cinvd"
    cmp -s "$T/cinvd.sscore" "$T/cinv.sscore" && ok || bad "--vcf differs from --geno of the packed VCF"
    ls "$T" | grep -q 'input.tmp' && bad "temporary matrix left behind" || ok
    # multi-score PLINK-style file by ID (IDs chrom:pos:ref:alt, as the file uses)
    plink2 --bfile "$C/cineca_synthetic_subset" --set-all-var-ids '@:#:$r:$a' --new-id-max-allele-len 100 \
        --make-bed --out "$T/cinid" >/dev/null 2>&1 && ok || bad "plink2 set ids"
    check "pack cinid" "$GRS" pack --bfile "$T/cinid" --out "$T/cinid"
    check "score multiscore" "$GRS" score --geno "$T/cinid" --score "$C/multiscore.txt" --header-read --match-id --keep-ambiguous \
        --out "$T/ms"
    plink2 --bfile "$T/cinid" --score "$C/multiscore.txt" 1 2 header-read cols=+scoresums,+denom \
        --score-col-nums 3-4 --out "$T/ms.p2" >/dev/null 2>&1 && ok || bad "plink2 multiscore"
    check "multiscore vs plink2" $CMP "$T/ms.sscore" "$T/ms.p2.sscore"; cat "$T/out"
else
    skip "pgsc_calc-cineca absent"
fi

# ---- ldpred-sim: golden LDpred-inf PRS (= -SUM of nt2-allele score), and plink2 -------------
L=$D/ldpred-sim
if [ -d "$L" ]; then
    awk 'NR>1{print $3"\t"$5"\t"$7}' "$L/goldens/golden_LDpred-inf.txt" | sed '1i ID\tA1\tLDPRED_INF' > "$T/ld.w"
    check "pack ldpred" "$GRS" pack --bfile "$L/sim2_0_test" --out "$T/ld"
    check "score ldpred" "$GRS" score --geno "$T/ld" --score "$T/ld.w" --header-read --match-id --missing zero \
        --full-precision --out "$T/ld"
    /usr/bin/python3 - "$T/ld.sscore" "$L/goldens/goldenprs_LDpred-inf.txt" >"$T/out" 2>&1 <<'PY' && ok || { bad "ldpred golden"; cat "$T/out"; }
import sys
g = {}
with open(sys.argv[1]) as f:
    h = f.readline().lstrip("#").rstrip("\n").split("\t")
    for l in f:
        r = dict(zip(h, l.rstrip("\n").split("\t")))
        g[r["IID"]] = float(r["LDPRED_INF_SUM"])
worst, n = 0.0, 0
with open(sys.argv[2]) as f:
    f.readline()
    for l in f:
        v = [x.strip() for x in l.split(",")]
        worst = max(worst, abs(-g[v[0]] - float(v[2]))); n += 1
print(f"ldpred-inf golden: {n} samples, max |(-SUM) - PRS| = {worst:.2e}")
sys.exit(0 if n == 1000 and worst <= 5e-6 else 1)
PY
    cat "$T/out"
    plink2 --bfile "$L/sim2_0_test" --score "$T/ld.w" 1 2 3 header-read no-mean-imputation cols=+scoresums,+denom \
        --out "$T/ld.p2" >/dev/null 2>&1 && ok || bad "plink2 ldpred"
    check "ldpred vs plink2" $CMP --full "$T/ld.sscore" "$T/ld.p2.sscore"; cat "$T/out"
else
    skip "ldpred-sim absent"
fi

# ---- variantannotation chr22: fractional DS dosages ---------------------------------------
V=$(ls "$D"/variantannotation/*chr22*.vcf.gz 2>/dev/null | head -1)
if [ -n "$V" ]; then
    # IDs chrom:pos:ref:alt on both sides; random weights over every biallelic SNP
    check "pack DS" "$GRS" pack --vcf "$V" --dosage DS --out "$T/va"
    plink2 --vcf "$V" dosage=DS --set-all-var-ids '@:#:$r:$a' --new-id-max-allele-len 4000 --allow-extra-chr \
        --make-pgen --out "$T/va.p" >/dev/null 2>&1 && ok || bad "plink2 import DS"
    awk 'BEGIN{srand(11); print "ID\tA1\tDS_RANDOM"} !/^#/ && length($4)==1 && length($5)==1 {a=(rand()<0.5)?$4:$5; printf "%s\t%s\t%.6f\n", $3, a, rand()-0.5}' \
        "$T/va.p.pvar" > "$T/va.w"
    # our IDs may differ from plink2's: score by position (the scoring file carries chrom/pos)
    awk -F'\t' 'NR==1{print "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight"; next}
        {split($1,a,":"); oa=(a[3]==$2)?a[4]:a[3]; print a[1]"\t"a[2]"\t"$2"\t"oa"\t"$3}' "$T/va.w" > "$T/DS_RANDOM.txt"
    check "score DS" "$GRS" score --geno "$T/va" --score "$T/DS_RANDOM.txt" --missing zero --keep-ambiguous --full-precision --out "$T/va"
    plink2 --pfile "$T/va.p" --allow-extra-chr --score "$T/va.w" 1 2 3 header-read no-mean-imputation cols=+scoresums,+denom \
        --out "$T/va.p2" >/dev/null 2>&1 && ok || bad "plink2 score DS"
    check "DS dosages vs plink2" $CMP --full "$T/va.sscore" "$T/va.p2.sscore"; cat "$T/out"
else
    skip "variantannotation chr22 VCF absent"
fi
# ---- regenie-example: random weights, 5% of genotypes set missing (mean imputation) --------
R=$D/regenie-example
if [ -d "$R" ]; then
    cp "$R/example.bim" "$T/rg.bim"; cp "$R/example.fam" "$T/rg.fam"
    /usr/bin/python3 - "$R/example.bed" "$T/rg.bed" "$R/example.fam" <<'PY'
import random, sys
random.seed(5)
n = sum(1 for _ in open(sys.argv[3])); nb = (n + 3) // 4
b = bytearray(open(sys.argv[1], "rb").read())
for v in range((len(b) - 3) // nb):
    for s in range(n):
        if random.random() < 0.05:
            i = 3 + v * nb + s // 4; sh = 2 * (s % 4)
            b[i] = (b[i] & ~(3 << sh)) | (1 << sh)       # 01 = missing
open(sys.argv[2], "wb").write(bytes(b))
PY
    awk 'BEGIN{srand(3); print "ID\tA1\tRND1\tRND2"} {a=(rand()<0.5)?$5:$6; printf "%s\t%s\t%.6g\t%.6g\n", $2, a, rand()-0.5, (rand()<0.3)?0:rand()}' \
        "$T/rg.bim" > "$T/rg.w"
    check "pack regenie (5% missing)" "$GRS" pack --bfile "$T/rg" --out "$T/rg"
    check "score regenie" "$GRS" score --geno "$T/rg" --score "$T/rg.w" --header-read --match-id --keep-ambiguous --out "$T/rg"
    plink2 --bfile "$T/rg" --score "$T/rg.w" 1 2 header-read cols=+scoresums,+denom --score-col-nums 3-4 \
        --out "$T/rg.p2" >/dev/null 2>&1 && ok || bad "plink2 regenie"
    check "regenie 5% missing vs plink2 (6 digits)" $CMP "$T/rg.sscore" "$T/rg.p2.sscore"; cat "$T/out"
    check "score regenie full" "$GRS" score --geno "$T/rg" --score "$T/rg.w" --header-read --match-id --keep-ambiguous \
        --full-precision --out "$T/rgf"
    check "regenie 5% missing vs plink2 (full precision)" $CMP --full "$T/rgf.sscore" "$T/rg.p2.sscore"; cat "$T/out"
    # the thread count does not change a bit of the output
    check "score regenie 1 thread" "$GRS" score --geno "$T/rg" --score "$T/rg.w" --header-read --match-id \
        --keep-ambiguous --full-precision --threads 1 --out "$T/rg1"
    check "score regenie 3 threads" "$GRS" score --geno "$T/rg" --score "$T/rg.w" --header-read --match-id \
        --keep-ambiguous --full-precision --threads 3 --out "$T/rg3"
    cmp -s "$T/rg1.sscore" "$T/rgf.sscore" && cmp -s "$T/rg3.sscore" "$T/rgf.sscore" && ok || bad "output depends on --threads"
else
    skip "regenie-example absent"
fi
finish
