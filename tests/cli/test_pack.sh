#!/usr/bin/env bash
# grs pack / grs view against bcftools on real and hand-made data.
# Normalisation applied to bcftools GTs before comparing with `grs view`:
#   - phased '|' is written '/', and the two alleles are sorted (1/0 -> 0/1): grs stores
#     unphased ALT counts;
#   - a GT with any missing allele (./., 0/., .) is written ./. (diploid) or . (haploid):
#     grs stores half-calls as missing;
#   - multi-allelic records are split with `bcftools norm -m-` (other ALT alleles become REF
#     there, exactly grs's "copies of allele j"), and rows with symbolic ALTs (<DEL>) are dropped
#     (grs skips them).
. "$(dirname "$0")/lib.sh"
command -v bcftools >/dev/null && command -v bgzip >/dev/null && command -v tabix >/dev/null \
    || { skip "bcftools/bgzip/tabix not installed"; finish; }

norm_gt() {  # stdin: TAB-separated GT columns (possibly with a trailing TAB) -> normalised
    awk -F'\t' 'BEGIN{OFS="\t"} { n=NF; if ($NF=="") n--; line="";
        for (i=1;i<=n;i++) { g=$i; gsub(/\|/,"/",g); k=split(g,a,"/");
            if (g ~ /\./) g = (k==1 ? "." : "./.");
            else if (k==2 && a[1]+0 > a[2]+0) g = a[2] "/" a[1];
            line = line (i>1?"\t":"") g }
        print line }'
}
# compare two TAB-separated dosage matrices (grs, bcftools) within 1/16384 (+ print rounding)
cmp_ds() {
    awk -F'\t' 'NR==FNR { for (i=1;i<=NF;i++) a[FNR,i]=$i; nf[FNR]=NF; n1=FNR; next }
        { n = NF; if ($NF=="") n--; if (n != nf[FNR]) { print "line " FNR ": " nf[FNR] " vs " n " fields"; bad=1; exit 1 }
          for (i=1;i<=n;i++) { x=a[FNR,i]; y=$i;
            if ((x==".") != (y==".")) { print "line " FNR " col " i ": " x " vs " y; bad=1; exit 1 }
            if (x!="." && (x-y > 1/16384+1e-6 || y-x > 1/16384+1e-6)) { print "line " FNR " col " i ": " x " vs " y; bad=1; exit 1 } }
          n2=FNR }
        END { if (!bad && n1 != n2) { print n1 " vs " n2 " lines"; exit 1 } }' "$1" "$2"
}
split_vcf() { bcftools norm -m- "$1" 2>/dev/null | bcftools view -e 'ALT~"<"' 2>/dev/null; }

# ---- small hand-made data ------------------------------------------------------------------
D=$T/small
bash "$SRC/tests/data/make_small.sh" "$D"
bgzip -c "$D/small.vcf" > "$D/small.vcf.gz"
cp "$D/small.vcf.gz" "$D/noidx.vcf.gz"
tabix -p vcf "$D/small.vcf.gz"
bcftools view -Ob -o "$D/small.bcf" "$D/small.vcf" && bcftools index "$D/small.bcf"

check "pack small GT" "$GRS" pack --vcf "$D/small.vcf" --dosage GT --out "$T/s_gt" -v 0
"$GRS" view --geno "$T/s_gt" | cut -f5- > "$T/g.txt"
split_vcf "$D/small.vcf" | bcftools query -f '[%GT\t]\n' | norm_gt > "$T/b.txt"
cmp -s "$T/g.txt" "$T/b.txt" && ok || { bad "small: GT differs from bcftools"; diff "$T/g.txt" "$T/b.txt" | head >&2; }
# the first 4 columns agree too
"$GRS" view --geno "$T/s_gt" | cut -f1-4 > "$T/g4.txt"
split_vcf "$D/small.vcf" | bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\n' > "$T/b4.txt"
cmp -s "$T/g4.txt" "$T/b4.txt" && ok || bad "small: CHROM/POS/REF/ALT differ from bcftools"
# haploid chrX males are haploid, multi-allelic rows carry their source allele index
grep -P '^chrX\t1000\t' "$T/g4.txt" >/dev/null && "$GRS" view --geno "$T/s_gt" | grep -P '^chrX\t1000\t' | cut -f6 | grep -qx 1 && ok || bad "haploid chrX male call"
"$GRS" view --geno "$T/s_gt" --variants | awk -F'\t' '$2==250 {print $6 "/" $7}' | tr '\n' ' ' | grep -q '^1/4 2/4 3/4 $' && ok || bad "split rows: SRC_ALLELE/N_SRC_ALLELES"

check "pack small DS (auto)" "$GRS" pack --vcf "$D/small.vcf" --out "$T/s_ds" -v 0
"$GRS" view --geno "$T/s_ds" --meta | grep -qP '^dosage_field\tDS$' && ok || bad "auto picks DS and records it in META"
"$GRS" view --geno "$T/s_ds" --meta | grep -qP '^build\tGRCh38$' && ok || bad "build from ##reference in META"
"$GRS" view --geno "$T/s_ds" --dosage | cut -f5- > "$T/g.txt"
split_vcf "$D/small.vcf" | bcftools query -f '[%DS\t]\n' > "$T/b.txt"
cmp_ds "$T/g.txt" "$T/b.txt" && ok || bad "small: DS differs from bcftools"

# VCF, VCF.gz and BCF give the same matrix; so do the DS packs
for f in small.vcf.gz small.bcf; do
    for m in GT DS; do
        "$GRS" pack --vcf "$D/$f" --dosage $m --out "$T/x" -v 0 && "$GRS" view --geno "$T/x" --dosage > "$T/x.txt" \
            && "$GRS" view --geno "$T/s_$(echo $m | tr A-Z a-z)" --dosage > "$T/y.txt" && cmp -s "$T/x.txt" "$T/y.txt" \
            && ok || bad "$f --dosage $m differs from the plain VCF"
    done
done

# regions: with the index, without it (bgzip without .tbi, and plain text), and BCF + .csi
R=chr2,chr1:150-400,chrX:1500-
split_vcf "$D/small.vcf.gz" | bgzip -c > "$T/split.vcf.gz" && tabix -p vcf "$T/split.vcf.gz"
bcftools view -H -r "$R" "$T/split.vcf.gz" | sort -k1,1 -k2,2n -s | cut -f1,2,4,5 > "$T/b_reg.txt"
for f in small.vcf.gz noidx.vcf.gz small.vcf small.bcf; do
    "$GRS" pack --vcf "$D/$f" --regions "$R" --out "$T/r" -v 4 2> "$T/r.err" || { bad "--regions on $f"; cat "$T/r.err" >&2; continue; }
    case $f in small.vcf.gz|small.bcf) w="read through the index";; *) w="streaming";; esac
    grep -q "$w" "$T/r.err" && ok || bad "--regions on $f: INFO line does not say '$w'"
    "$GRS" view --geno "$T/r" | cut -f1-4 | sort -k1,1 -k2,2n -s > "$T/g_reg.txt"
    cmp -s "$T/g_reg.txt" "$T/b_reg.txt" && ok || { bad "--regions on $f selects other records than bcftools -r"; diff "$T/g_reg.txt" "$T/b_reg.txt" >&2; }
done
printf 'chr1\t100\t200\nchrX\t2000\n' > "$T/reg.txt"
"$GRS" pack --vcf "$D/small.vcf.gz" --regions "$T/reg.txt" --out "$T/r" -v 0 && [ "$("$GRS" view --geno "$T/r" | cut -f2 | tr '\n' ' ')" = "100 200 200 2000 " ] && ok || bad "--regions file"

# samples subset (keep.txt: S1, "S3 S3", S5)
check "pack --samples" "$GRS" pack --vcf "$D/small.vcf.gz" --samples "$D/keep.txt" --out "$T/sub" -v 0
[ "$("$GRS" view --geno "$T/sub" --samples | cut -f2 | tr '\n' ' ')" = "IID S1 S3 S5 " ] && ok || bad "--samples: sample table"
"$GRS" view --geno "$T/sub" --dosage | cut -f5- > "$T/g.txt"
split_vcf "$D/small.vcf" | bcftools query -s S1,S3,S5 -f '[%DS\t]\n' > "$T/b.txt"
cmp_ds "$T/g.txt" "$T/b.txt" && ok || bad "--samples: dosages differ from bcftools -s"

# two files with the same samples concatenate
check "pack two files" "$GRS" pack --vcf "$D/small.vcf" "$D/small.vcf.gz" --dosage GT --out "$T/two" -v 0
[ "$("$GRS" view --geno "$T/two" | wc -l)" -eq $((2 * $("$GRS" view --geno "$T/s_gt" | wc -l))) ] && ok || bad "two files: row count"

# ---- pgsc_calc-cineca: VCF vs bcftools, and VCF vs .bed --------------------------------------
C=$SHARED/data/pgsc_calc-cineca/cineca_synthetic_subset
if [ -f "$C.vcf.gz" ] && [ -f "$C.bed" ]; then
    check "pack cineca VCF" "$GRS" pack --vcf "$C.vcf.gz" --out "$T/cv" -v 0
    check "pack cineca bed" "$GRS" pack --bfile "$C" --out "$T/cb" -v 0
    "$GRS" view --geno "$T/cv" | cut -f5- > "$T/g.txt"
    bcftools query -f '[%GT\t]\n' "$C.vcf.gz" | norm_gt > "$T/b.txt"
    cmp -s "$T/g.txt" "$T/b.txt" && ok || bad "cineca: GT differs from bcftools"
    # .bim A1/A2 are the VCF's ALT/REF for every variant here (PLINK 1.9 wrote both), so the
    # two packs must agree exactly, alleles included
    paste <(cut -f2,4,5,6 "$C.bim") <(bcftools query -f '%ID\t%POS\t%ALT\t%REF\n' "$C.vcf.gz") \
        | awk -F'\t' '$1!=$5 || $2!=$6 || $3!=$7 || $4!=$8 {n++} END {exit n>0}' && ok || bad "cineca: .bim A1/A2 are not VCF ALT/REF"
    "$GRS" view --geno "$T/cb" > "$T/gb.txt"
    "$GRS" view --geno "$T/cv" > "$T/gv.txt"
    cmp -s "$T/gb.txt" "$T/gv.txt" && ok || bad "cineca: .bed and VCF packs differ"
    "$GRS" view --geno "$T/cb" --variants | cut -f8- > "$T/vb.txt"
    "$GRS" view --geno "$T/cv" --variants | cut -f8- > "$T/vv.txt"
    cmp -s "$T/vb.txt" "$T/vv.txt" && ok || bad "cineca: .bed and VCF variant stats differ"
    # --samples on the .bed: the first 3 IIDs of the .fam
    head -3 "$C.fam" | cut -d' ' -f1,2 > "$T/keep3.txt"
    "$GRS" pack --bfile "$C" --samples "$T/keep3.txt" --out "$T/cb3" -v 0 \
        && [ "$("$GRS" view --geno "$T/cb3" | cut -f5- | md5sum)" = "$(cut -f5-7 "$T/gb.txt" | md5sum)" ] \
        && ok || bad "cineca: --bfile --samples"
else
    skip "pgsc_calc-cineca data not found under $SHARED/data"
fi

# ---- dosage data: variantannotation (MaCH DS) and sgkit Beagle DS --------------------------
for V in "$SHARED/data/variantannotation/chr22.vcf.gz" \
         "$SHARED/data/sgkit-beagle-imputed/1kg_target_chr20_38_imputed_chr20_1000.vcf"; do
    if [ -f "$V" ]; then
        n=$(basename "$V")
        check "pack $n" "$GRS" pack --vcf "$V" --out "$T/d" -v 0
        "$GRS" view --geno "$T/d" --dosage | cut -f5- > "$T/g.txt"
        split_vcf "$V" | bcftools query -f '[%DS\t]\n' > "$T/b.txt"
        cmp_ds "$T/g.txt" "$T/b.txt" && ok || bad "$n: DS differs from bcftools beyond 1/16384"
        "$GRS" view --geno "$T/d" --variants | awk -F'\t' 'NR>1 && $11==1' | grep -q . && ok || bad "$n: no dosage rows stored"
    else
        skip "$V not found"
    fi
done
finish
