#!/usr/bin/env bash
# make_small.sh OUTDIR -- write the small hand-made VCFs used by tests/cli/test_pack*.sh.
# Deterministic, no network. Contents, chosen to exercise every path of `grs pack`:
#   small.vcf      6 samples (S2 and S5 male), chr1/chr2/chrX, FORMAT GT:DS (DS Number=A):
#                  phased and unphased GTs, missing calls (./., .), a half-call (0/.), a
#                  multi-allelic SNP (T,G), a multi-allelic record with a symbolic <DEL>, a
#                  symbolic-only record, haploid chrX calls for the males, fractional DS values
#                  (including ones farther than 0.1 from an integer), and missing DS.
#   other.vcf      same sites layout, but the 4th sample is named differently.
#   sites.vcf      a sites-only VCF (no samples).
#   keep.txt       a sample subset (S1 S3 S5, given as IIDs and as FID IID lines).
set -eu
out=${1:?usage: make_small.sh OUTDIR}
mkdir -p "$out"
hdr() {
cat <<'H'
##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr1,length=1000000>
##contig=<ID=chr2,length=1000000>
##contig=<ID=chrX,length=2000000>
##ALT=<ID=DEL,Description="Deletion">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DS,Number=A,Type=Float,Description="ALT dosage">
H
}
T=$'\t'
{
hdr
echo "#CHROM${T}POS${T}ID${T}REF${T}ALT${T}QUAL${T}FILTER${T}INFO${T}FORMAT${T}S1${T}S2${T}S3${T}S4${T}S5${T}S6"
cat <<'V' | tr ' ' '\t'
chr1 100 rs1 A G . PASS . GT:DS 0/0:0 0/1:1 1/1:2 ./.:. 0|1:0.9 1|0:1.2
chr1 200 rs2 C T,G . PASS . GT:DS 0/1:1,0 1/2:1,1 2/2:0,2 0/0:0,0 ./.:.,. 1/1:1.75,0.1
chr1 300 sv1 G <DEL> . PASS . GT:DS 0/1:1 0/0:0 0/0:0 0/0:0 0/0:0 0/0:0
chr1 400 rs4 T TA . PASS . GT:DS 0/0:0.05 0/0:0 0/1:0.5 0/1:1 1/1:2 0/.:.
chr1 500 rs5 G A,<DEL> . PASS . GT:DS 0/1:1,0 1/1:2,0 0/2:0,1 0/0:0,0 1|2:1,1 0/0:0,0
chr2 150 rs6 G A . PASS . GT:DS 0/0:0 0/0:0.0001 0/1:0.99 1/1:1.95 0/1:1 ./.:.
chr2 250 rs7 A C,T,G . PASS . GT:DS 0/3:0,0,1 1/2:1,1,0 3/3:0,0,2 0/0:0,0,0 2|1:1,1,0 0/1:1,0,0
chrX 1000 rsX1 C T . PASS . GT:DS 0/1:1 1:1 1/1:2 0/0:0 0:0 .:.
chrX 2000 rsX2 G C . PASS . GT:DS 1/1:2 0:0 0/1:0.5 0/1:1 1:0.8 0/0:0
V
} > "$out/small.vcf"
{
hdr
echo "#CHROM${T}POS${T}ID${T}REF${T}ALT${T}QUAL${T}FILTER${T}INFO${T}FORMAT${T}S1${T}S2${T}S3${T}X4${T}S5${T}S6"
echo "chr1 100 rs1 A G . PASS . GT 0/0 0/1 1/1 ./. 0|1 1|0" | tr ' ' '\t'
} > "$out/other.vcf"
{
hdr
echo "#CHROM${T}POS${T}ID${T}REF${T}ALT${T}QUAL${T}FILTER${T}INFO"
echo "chr1 100 rs1 A G . PASS ." | tr ' ' '\t'
} > "$out/sites.vcf"
printf 'S1\nS3 S3\nS5\n' > "$out/keep.txt"
