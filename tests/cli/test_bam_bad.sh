#!/usr/bin/env bash
# grs pack --bam on bad input: every case exits 1 with one clear [E::...] line naming the file and
# the problem, and leaves no PREFIX.grsm / .bamqc.tsv.gz / .bamsamples.tsv behind. Bad usage exits 2.
. "$(dirname "$0")/lib.sh"
D=$SHARED/data/bcftools-mpileup/mpileup
REF=$D/mpileup.ref.fa
[ -f "$D/mpileup.1.bam" ] && [ -f "$REF.fai" ] || { skip "no $D"; finish; }
for t in samtools bgzip; do command -v $t >/dev/null || { skip "$t not installed"; finish; }; done
export REF_PATH=/nonexistent/%s REF_CACHE=/nonexistent/%s   # never fetch CRAM references online
cd "$T" || exit 1

printf '##fileformat=VCFv4.2\n##contig=<ID=17,length=4200>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n17\t828\t.\tT\tC\t.\t.\t.\n17\t2041\t.\tG\tA\t.\t.\t.\n' > sites.vcf
printf '%s\n' "$D/mpileup.1.bam" "$D/mpileup.2.bam" > goodlist.txt
check "the good case works" "$GRS" pack --bam goodlist.txt --sites sites.vcf --fasta "$REF" --out good -v 0
rm -f good.*
O='o.*'
run() { "$GRS" pack --bam "$1" --sites "${2:-sites.vcf}" --fasta "${3:-$REF}" --out o -v 1; }

# BAM without index
cp "$D/mpileup.1.bam" noidx.bam; echo noidx.bam > l_noidx.txt
expect_error "BAM without index" 'noidx.bam has no index.*samtools index noidx.bam' "$O" run l_noidx.txt
# CRAM without index
cp "$D/mpileup.1.cram" noidx.cram; echo noidx.cram > l_noidxc.txt
expect_error "CRAM without index" 'noidx.cram has no index.*crai.*samtools index' "$O" run l_noidxc.txt
# FASTA not matching the BAM header: wrong length, wrong names
{ echo '>17'; sed -n '2,40p' "$REF"; } > short.fa
expect_error "FASTA shorter than the header's contig" 'contig 17 has length 4200 in its header but [0-9]+ in the FASTA' "$O" run goodlist.txt sites.vcf short.fa
sed 's/^>17.*/>chr17/' "$REF" > chr.fa
expect_error "FASTA with other contig names" 'none of its 1 header contigs \(17\) is in the FASTA' "$O" run goodlist.txt sites.vcf chr.fa
# CRAM whose reference is not the FASTA (one base changed: same names and lengths, MD5 differs)
sed '2s/^\(.\{10\}\)./\1N/' "$REF" > mut.fa
echo "$D/mpileup.1.cram" > l_cram.txt
expect_error "CRAM decoded with the wrong reference" 'mpileup.1.cram: cannot decode .*not the reference this CRAM was written with' "$O" run l_cram.txt sites.vcf mut.fa
# CRAM without its reference: no --fasta is bad usage (exit 2), FASTA without the contig is exit 1
"$GRS" pack --bam l_cram.txt --sites sites.vcf --out o -v 1 > /dev/null 2> err; [ $? -eq 2 ] && grep -q -- '--fasta' err && ok || bad "no --fasta: exit 2 naming --fasta"
{ echo '>other'; sed -n '2,10p' "$REF"; } > other.fa
expect_error "CRAM and a FASTA without its contig" 'none of its .* is in the FASTA' "$O" run l_cram.txt sites.vcf other.fa
# a sample listed twice: same file twice, and two files given the same name
printf '%s\n%s\n' "$D/mpileup.1.bam" "$D/mpileup.1.bam" > twice.txt
expect_error "same BAM twice" 'sample HG00100 is listed twice \(lines 1 and 2' "$O" run twice.txt
printf '%s\tX\n%s\tX\n' "$D/mpileup.1.bam" "$D/mpileup.2.bam" > twice2.txt
expect_error "two BAMs named alike" 'sample X is listed twice' "$O" run twice2.txt
# empty / comment-only / malformed list, missing file
: > empty.txt; printf '# nothing\n\n' > comments.txt
expect_error "empty list" 'empty.txt: no BAM/CRAM path' "$O" run empty.txt
expect_error "comment-only list" 'comments.txt: no BAM/CRAM path' "$O" run comments.txt
printf '%s S1 extra\n' "$D/mpileup.1.bam" > cols.txt
expect_error "list with 3 columns" 'cols.txt:1: expected PATH \[SAMPLE\]' "$O" run cols.txt
echo missing.bam > l_missing.txt
expect_error "missing BAM" 'cannot open missing.bam' "$O" run l_missing.txt
expect_error "missing list" 'cannot open BAM list nolist.txt' "$O" run nolist.txt
# truncated, empty and non-BAM files (with an index next to them)
head -c 30000 "$D/mpileup.1.bam" > trunc.bam; cp "$D/mpileup.1.bam.bai" trunc.bam.bai; echo trunc.bam > l_trunc.txt
expect_error "truncated BAM" 'trunc.bam is truncated' "$O" run l_trunc.txt
: > empty.bam; cp "$D/mpileup.1.bam.bai" empty.bam.bai; echo empty.bam > l_emptybam.txt
expect_error "empty BAM" 'empty.bam' "$O" run l_emptybam.txt
cp sites.vcf text.bam; cp "$D/mpileup.1.bam.bai" text.bam.bai; echo text.bam > l_text.txt
expect_error "a VCF listed as BAM" 'text.bam: not a BAM or CRAM' "$O" run l_text.txt
# no sample name anywhere
samtools view -h "$D/mpileup.1.bam" | grep -v '^@RG' | samtools view -b -o norg.bam - 2>/dev/null && samtools index norg.bam
echo norg.bam > l_norg.txt
expect_error "no @RG SM and no name in the list" 'norg.bam: no @RG SM tag.*second column' "$O" run l_norg.txt
printf 'norg.bam\tNAMED\n' > l_norg2.txt
check "a name in the list replaces SM" "$GRS" pack --bam l_norg2.txt --sites sites.vcf --fasta "$REF" --out named -v 0
"$GRS" view --geno named --samples 2>/dev/null | grep -q NAMED && ok || bad "sample name from the list's second column"
# sites: empty, only an indel, truncated BCF/VCF.gz, REF not matching the FASTA
: > nosites.vcf
expect_error "empty sites file" 'nosites.vcf' "$O" run goodlist.txt nosites.vcf
printf '##fileformat=VCFv4.2\n##contig=<ID=17,length=4200>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n17\t302\t.\tT\tTA\t.\t.\t.\n' > indel.vcf
expect_error "sites with only an indel" 'indel.vcf: no biallelic SNP site' "$O" run goodlist.txt indel.vcf
for i in $(seq 1 2000); do printf '17\t%d\t.\tA\tC\t.\t.\t.\n' $((i+2000)); done | cat <(head -3 sites.vcf) - | bgzip > big.vcf.gz
head -c 2000 big.vcf.gz > trunc.vcf.gz
expect_error "truncated sites VCF.gz" 'trunc.vcf.gz' "$O" run goodlist.txt trunc.vcf.gz
printf '##fileformat=VCFv4.2\n##contig=<ID=17,length=4200>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n17\t828\t.\tG\tC\t.\t.\t.\n' > wrongref.vcf
expect_error "sites whose REF is not the FASTA's" 'wrongref.vcf: no biallelic SNP site' "$O" run goodlist.txt wrongref.vcf
# bad FASTA
expect_error "missing FASTA" 'cannot open FASTA nofa.fa' "$O" run goodlist.txt sites.vcf nofa.fa
# bad usage: exit 2
for a in "--min-MQ -1" "--baq partial" "--gl-model gatk" "--min-gp 2" "--prior-af x" "--threads 0"; do
    "$GRS" pack --bam goodlist.txt --sites sites.vcf --fasta "$REF" $a --out o > /dev/null 2>&1
    [ $? -eq 2 ] && ! compgen -G 'o.*' >/dev/null && ok || bad "bad option $a: exit 2 expected"
done
"$GRS" pack --bam goodlist.txt --out o > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "--bam without --sites: exit 2"
"$GRS" pack --bam x --help | grep -q -- '--min-BQ' && ok || bad "--bam --help"
finish
