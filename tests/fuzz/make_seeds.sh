#!/usr/bin/env bash
# make_seeds.sh GRS OUTDIR -- seed corpora for the libFuzzer targets, one directory per target.
# Deterministic, small (a few KB each), made from tests/data/make_small.sh and grs itself
# (plink2 is used for .bed/.afreq seeds when installed). No network.
set -eu
GRS=${1:?usage: make_seeds.sh GRS OUTDIR}
out=${2:?usage: make_seeds.sh GRS OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/grs-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"/{fuzz_scorefile,fuzz_grsm,fuzz_vcf,fuzz_bed,fuzz_afreq,fuzz_bgen,fuzz_table,fuzz_model,fuzz_json,fuzz_partial,fuzz_pcamodel,fuzz_refdist,fuzz_anctab,fuzz_omics,fuzz_bam,fuzz_absentref,fuzz_store}
bash "$src/tests/data/make_small.sh" "$tmp/d"
T=$'\t'

# ---- VCF ----
cp "$tmp/d/small.vcf" "$tmp/d/sites.vcf" "$tmp/d/other.vcf" "$out/fuzz_vcf/"
head -c 1800 "$tmp/d/small.vcf" > "$out/fuzz_vcf/cut.vcf"
{ grep '^##' "$tmp/d/small.vcf"; printf '##FORMAT=<ID=GP,Number=G,Type=Float,Description="p">\n'
  printf '##FORMAT=<ID=HDS,Number=.,Type=Float,Description="h">\n'
  printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n'
  printf '1\t100\trs1\tA\tG\t.\t.\t.\tGT:GP:HDS\t0|1:0.1,0.8,0.1:0.4,0.6\t1:0.2,0.8:0.9\n'
  printf 'X\t2\t.\tC\tT,G\t.\t.\t.\tGT:GP:HDS\t1/2:0,0.1,0.1,0.2,0.3,0.3:0.5,0.5\t.:.:.\n'; } > "$out/fuzz_vcf/gp_hds.vcf"
if command -v bcftools >/dev/null; then
    bcftools view -Ob -o "$out/fuzz_vcf/small.bcf" "$tmp/d/small.vcf" 2>/dev/null || true
fi

# ---- scoring files ----
printf '#pgs_id=PGS000001\n#genome_build=GRCh37\n#variants_number=3\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_dominant\n1\t100\tG\tA\t0.5\tFalse\n1\t200\tT\tC\t-0.25\tTrue\nX\t300\tA\tG\t1e-3\t\n' > "$out/fuzz_scorefile/pgs.txt"
printf '###PGS CATALOG SCORING FILE\n#format_version=2.0\n#pgs_id=PGS1\n#HmPOS_build=GRCh38\nrsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\thm_chr\thm_pos\thm_inferOtherAllele\n rs1\t1\t10\tA\t\t0.1\t1\t11\tC/G\nrs2\t2\t20\tT\tG\t-1\t\t\t\n' > "$out/fuzz_scorefile/harmonized.txt"
printf 'rsID\teffect_allele\tOR\tis_haplotype\nrs1\tA\t1.5\tFALSE\nrs2\tC\t0.5\tTRUE\n' > "$out/fuzz_scorefile/or.txt"
printf 'chr_name\tchr_position\teffect_allele\tdosage_0_weight\tdosage_1_weight\tdosage_2_weight\n1\t5\tA\t0\t1\t2\n' > "$out/fuzz_scorefile/dosage.txt"
printf 'ID A1 S1 S2\nrs1 A 0.1 0.2\nrs2 C -0.5 1e5\n' > "$out/fuzz_scorefile/plink.txt"
printf '\xef\xbb\xbfchr_name\tchr_position\teffect_allele\teffect_weight\r\nchr1\t100\tG\t0.5\r\n' > "$out/fuzz_scorefile/bom_crlf.txt"

# ---- .grsm (written by grs pack) ----
"$GRS" pack --vcf "$tmp/d/small.vcf" --dosage DS --out "$tmp/ds" -v 0
"$GRS" pack --vcf "$tmp/d/small.vcf" --dosage GT --out "$tmp/gt" -v 0
"$GRS" pack --vcf "$tmp/d/other.vcf" --out "$tmp/one" -v 0
cp "$tmp/ds.grsm" "$tmp/gt.grsm" "$tmp/one.grsm" "$out/fuzz_grsm/"

# ---- .bed/.bim/.fam: FAM #@@ BIM #@@ BED ----
bed_seed() { { cat "$1.fam"; printf '#@@\n'; cat "$1.bim"; printf '#@@\n'; cat "$1.bed"; } > "$2"; }
printf 'S1 S1 0 0 1 -9\nS2 S2 0 0 2 -9\nS3 S3 0 0 0 -9\n' > "$tmp/h.fam"
printf '1\trs1\t0\t100\tG\tA\nX\trs2\t0\t200\tT\tC\nY\trs3\t0\t300\tA\tC\n' > "$tmp/h.bim"
printf '\x6c\x1b\x01\x1b\x2c\x39' > "$tmp/h.bed"
bed_seed "$tmp/h" "$out/fuzz_bed/hand.seed"
if command -v plink2 >/dev/null; then
    plink2 --vcf "$tmp/d/small.vcf" --make-bed --out "$tmp/pl" --allow-extra-chr --max-alleles 2 \
        >/dev/null 2>&1 && bed_seed "$tmp/pl" "$out/fuzz_bed/plink2.seed"
    plink2 --vcf "$tmp/d/small.vcf" --freq --out "$tmp/fr" --allow-extra-chr >/dev/null 2>&1 \
        && cp "$tmp/fr.afreq" "$out/fuzz_afreq/plink2.afreq"
fi

# ---- .afreq ----
printf '#CHROM\tID\tREF\tALT\tPROVISIONAL_REF?\tALT_FREQS\tOBS_CT\n1\trs1\tA\tG\tN\t0.25\t100\n1\trs2\tC\tT\tY\t1\t4\n2\t1:5:A:C\tA\tC\tN\t0\t2\n' > "$out/fuzz_afreq/hand.afreq"
printf '#CHROM\tID\tREF\tALT\tALT_FREQS\tOBS_CT\r\n1\trs1\tA\tG\t0.5\t10\r\n' > "$out/fuzz_afreq/crlf.afreq"
# ---- BGEN (plink2 export: v1.2 layout 2, zlib; and v1.1) ----
if command -v plink2 >/dev/null; then
    plink2 --vcf "$tmp/d/small.vcf" --export bgen-1.2 bits=8 --out "$tmp/b12" --allow-extra-chr --vcf-half-call missing --max-alleles 2 >/dev/null 2>&1 \
        && cp "$tmp/b12.bgen" "$out/fuzz_bgen/v12.bgen"
    plink2 --vcf "$tmp/d/small.vcf" --export bgen-1.1 --out "$tmp/b11" --allow-extra-chr --vcf-half-call missing --max-alleles 2 >/dev/null 2>&1 \
        && cp "$tmp/b11.bgen" "$out/fuzz_bgen/v11.bgen"
fi

# ---- pheno/covar tables ----
printf '#FID\tIID\tPHENO1\tAGE\n0\tS1\t1.5\t40\n0\tS2\tNA\t-9\n' > "$out/fuzz_table/pheno.tsv"
printf 'IID,y,sex\nS1,1,M\nS2,0,F\n' > "$out/fuzz_table/pheno.csv"
printf 'F1 I1 2 0.3\nF2 I2 1 .\n' > "$out/fuzz_table/plink1.txt"

# ---- model file, manifest/summary JSON, shard partials (from a tiny simulated run) ----
if "$GRS" simulate --samples 80 --variants 300 --omics-features 0 --out "$tmp/s" -v 0 \
    && "$GRS" pack --vcf "$tmp/s.vcf.gz" --out "$tmp/s" -v 0 \
    && "$GRS" train --geno "$tmp/s" --pheno "$tmp/s.pheno.tsv" --trait binary --folds 3 --out "$tmp/m" -v 0 \
    && "$GRS" score --geno "$tmp/s" --score "$tmp/s.pgs.txt" --shard 1/2 --out "$tmp/sh" -v 0 \
    && "$GRS" score --geno "$tmp/s" --score "$tmp/s.pgs.txt" --out "$tmp/whole" -v 0; then
    cp "$tmp/m.model.json" "$out/fuzz_model/"
    cp "$tmp/sh.shard1-of-2.manifest.json" "$tmp/whole.summary.json" "$out/fuzz_json/"
    printf '{"a":[1,-2.5e-3,true,false,null,"x\\u00e9\\n"],"b":{}}' > "$out/fuzz_json/small.json"
    cp "$tmp/sh.shard1-of-2.partial.gz" "$out/fuzz_partial/"
    zcat "$tmp/sh.shard1-of-2.partial.gz" > "$out/fuzz_partial/plain.partial" 2>/dev/null || true
fi

# ---- .pcamodel, refdist.json, ancestry.tsv (issue 9: tiny simulate -> ancestry -> score -> normalize)
# fuzz_anctab's first byte picks n_pcs (& 15): '\x04' + the table = 4 PCs, '\x02' = 2.
awk_ids() { awk -F'\t' -v m="$1" 'NR > 1 && (NR % 3 == 0) == (m == "t") {print $2}' "$tmp/n.covar.tsv"; }
if "$GRS" simulate --samples 90 --variants 300 --populations 3 --fst 0.1 --omics-features 0 --out "$tmp/n" -v 0 \
    && awk_ids r > "$tmp/ref.ids" && awk_ids t > "$tmp/tgt.ids" \
    && "$GRS" pack --vcf "$tmp/n.vcf.gz" --samples "$tmp/ref.ids" --out "$tmp/nr" -v 0 \
    && "$GRS" pack --vcf "$tmp/n.vcf.gz" --samples "$tmp/tgt.ids" --out "$tmp/nt" -v 0 \
    && "$GRS" ancestry --ref-geno "$tmp/nr" --labels "$tmp/n.covar.tsv" --label-col population --pcs 4 \
        --n-assign 2 --no-ld-prune --target-geno "$tmp/nt" --out "$tmp/na" -v 0 \
    && "$GRS" score --geno "$tmp/nr" --score "$tmp/n.pgs.txt" --missing zero --out "$tmp/nsr" -v 0 \
    && "$GRS" score --geno "$tmp/nt" --score "$tmp/n.pgs.txt" --missing zero --out "$tmp/nst" -v 0 \
    && "$GRS" normalize --ref-scores "$tmp/nsr.sscore" --scores "$tmp/nst.sscore" --ancestry "$tmp/na.ancestry.tsv" \
        --n-pcs 2 --out "$tmp/nn" -v 0; then
    cp "$tmp/na.pcamodel" "$out/fuzz_pcamodel/"
    head -c 6000 "$tmp/na.pcamodel" > "$out/fuzz_pcamodel/cut.pcamodel"
    cp "$tmp/nn.refdist.json" "$out/fuzz_refdist/"
    { printf '\x04'; cat "$tmp/na.ancestry.tsv"; } > "$out/fuzz_anctab/pc4.seed"
    { printf '\x02'; head -20 "$tmp/na.ancestry.tsv"; } > "$out/fuzz_anctab/pc2_head.seed"
    # fuzz_store: first byte = input kind (0 sscore [+ summary.json], 2 norm.tsv, 3 refdist.json,
    # 4 ancestry.tsv, 7 norm.tsv + refdist.json); `MAIN \n#@@\n SIDE`
    { printf '\x00'; cat "$tmp/nst.sscore"; printf '\n#@@\n'; cat "$tmp/nst.summary.json"; } > "$out/fuzz_store/sscore_summary.seed"
    { printf '\x00'; cat "$tmp/nst.sscore"; } > "$out/fuzz_store/sscore.seed"
    { printf '\x01'; cat "$tmp/nst.summary.json"; } > "$out/fuzz_store/summary.seed"
    { printf '\x02'; head -c 20000 "$tmp/nn.norm.tsv"; } > "$out/fuzz_store/norm.seed"
    { printf '\x03'; cat "$tmp/nn.refdist.json"; } > "$out/fuzz_store/refdist.seed"
    { printf '\x04'; cat "$tmp/na.ancestry.tsv"; } > "$out/fuzz_store/ancestry.seed"
    { printf '\x07'; head -c 12000 "$tmp/nn.norm.tsv"; printf '\n#@@\n'; cat "$tmp/nn.refdist.json"; } > "$out/fuzz_store/norm_refdist.seed"
fi
# predict.tsv + predict.json, report.json (fuzz_store kinds 5 and 6)
if [ -f "$tmp/m.model.json" ] && "$GRS" predict --model "$tmp/m.model.json" --geno "$tmp/s" --explain 2 --out "$tmp/pr" -v 0 \
    && { printf '\x05'; head -c 12000 "$tmp/pr.predict.tsv"; printf '\n#@@\n'; cat "$tmp/pr.predict.json"; } > "$out/fuzz_store/predict.seed" \
    && "$GRS" report --scores "$tmp/whole.sscore" --pheno "$tmp/s.pheno.tsv" --out "$tmp/rep" -v 0 >/dev/null 2>&1; then
    { printf '\x06'; head -c 30000 "$tmp/rep/report.json"; } > "$out/fuzz_store/report.seed"
fi
printf '\x05IID\tlp\trisk\ttop_features\nS1\t0.5\t0.62\tg:rs1=0.1;age=-0.2\n#@@\n{"model":"m.model.json","trait":"binary","calibrated":true}' > "$out/fuzz_store/predict_hand.seed"

# ---- omics matrices / pheno / covar tables of grs train and predict (fuzz_omics: first byte = flags:
# 1 keep text cells, 2 -9 is missing) ----
printf '\x00IID\tgene1\tgene2\tgene3\nS1\t0.5\t-1.25\tNA\nS2\t1e-3\t.\t7\n' > "$out/fuzz_omics/omics.seed"
printf '\x03#FID\tIID\ttrait_bin\tsex\n0\tS1\t2\tM\n0\tS2\t-9\tF\n0\tS3\t1\tNA\n' > "$out/fuzz_omics/pheno.seed"
printf '\x00sample,f1,f2\r\nA,1,2\r\nB,3,nan\r\n' > "$out/fuzz_omics/csv.seed"
printf '\x02FID IID x\nF1 I1 -9\n\nF2 I2 3.5\n' > "$out/fuzz_omics/spaces.seed"
if [ -f "$tmp/n.covar.tsv" ]; then
    { printf '\x03'; head -30 "$tmp/n.covar.tsv"; } > "$out/fuzz_omics/covar.seed"
fi
if "$GRS" simulate --samples 40 --variants 50 --omics-features 20 --out "$tmp/o" -v 0 && [ -f "$tmp/o.omics.tsv.gz" ]; then
    { printf '\x00'; zcat "$tmp/o.omics.tsv.gz"; } > "$out/fuzz_omics/sim_omics.seed"
    { printf '\x00'; cat "$tmp/o.omics.tsv.gz"; } > "$out/fuzz_omics/sim_omics_gz.seed"
fi

# ---- grs pack --bam: LIST \n#@@\n SITES (fuzz_bam's FASTA: contigs 1, chr2, MT, X; the REF
# bases below are its bases at those positions) ----
printf 'a.bam\tS1\nsub/b.cram S2\n# comment\n\n  /abs/c.bam\n#@@\n##fileformat=VCFv4.2\n##INFO=<ID=AF,Number=A,Type=Float,Description="f">\n##contig=<ID=1>\n##contig=<ID=2>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t7\trs7\tG\tA\t.\t.\tAF=0.2\n1\t100\trs100\tT\tC\t.\t.\t.\n1\t100\tdup\tT\tC\t.\t.\t.\n1\t150\tind\tT\tTA\t.\t.\t.\n2\t20\trs20\tT\tG,C\t.\t.\t.\n2\t21\trs21\tC\tG\t.\t.\tAF=1.5\n' > "$out/fuzz_bam/list_vcf.seed"
printf 'x.bam S1\n#@@\nrsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\nrs1\tchr1\t100\tC\tT\t0.5\nrs2\tMT\t5\tA\tG\t-1\nrs3\tchrX\t1\tG\t\t0.1\nrs4\t2\t20\tTT\tT\t1\n' > "$out/fuzz_bam/list_scorefile.seed"
printf 'only.bam\n' > "$out/fuzz_bam/list_only.seed"

# ---- --absent-ref site lists (fuzz_absentref: first byte bit 0 = a .bim name, bit 1 = keep only
# 1:100, 22:5000, X:1) ----
printf '\x00##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t100\trs1\tA\tG,T\t.\t.\t.\n22\t5000\t.\tC\t<DEL>\t.\t.\t.\nX\t1\trsx\tN\tA\t.\t.\t.\n' > "$out/fuzz_absentref/vcf.seed"
printf '\x02#CHROM\tPOS\tID\tREF\tALT\nchr1\t100\trs1\tA\tG\n1\t101\trs2\tA\tG\nchr22\t5000\t.\tCA\tC\r\n' > "$out/fuzz_absentref/pvar_filtered.seed"
printf '\x01' > "$out/fuzz_absentref/bim.seed"; cat "$tmp/h.bim" >> "$out/fuzz_absentref/bim.seed"
printf '\x03' > "$out/fuzz_absentref/bim_filtered.seed"; printf '1 rs1 0 100 G A\nX\trsx\t0\t1\tT\tC\n' >> "$out/fuzz_absentref/bim_filtered.seed"
{ printf '\x00'; grep -v '^##' "$tmp/d/sites.vcf"; } > "$out/fuzz_absentref/sites.seed"

echo "seeds in $out: $(find "$out" -type f | wc -l) files"
