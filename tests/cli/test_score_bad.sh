#!/usr/bin/env bash
# grs score on bad input: each case must exit 1 with one [E::...] line naming the file (and the
# line/column where it applies) and leave no output behind. Runs on a tiny VCF made here.
. "$(dirname "$0")/lib.sh"

# 60 samples x 6 variants, a few missing calls (>= 50 samples: mean imputation is allowed)
{
    printf '##fileformat=VCFv4.2\n##contig=<ID=1,length=1000000>\n'
    printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT'
    for s in $(seq 1 60); do printf '\tS%d' "$s"; done; printf '\n'
    for v in 1 2 3 4 5 6; do
        printf '1\t%d\trs%d\t%s\t%s\t.\tPASS\t.\tGT' $((v * 100)) "$v" "$(echo ACGTAC | cut -c$v)" "$(echo GTACGT | cut -c$v)"
        for s in $(seq 1 60); do
            g=$(( (s * 7 + v * 3) % 4 )); [ $s -le 2 ] && [ $v -eq 1 ] && g=4
            case $g in 4) printf '\t./.';; 0) printf '\t0/0';; 1) printf '\t0/1';; 2) printf '\t1/1';; 3) [ $s -eq $v ] && printf '\t./.' || printf '\t0/1';; esac
        done; printf '\n'
    done
} > "$T/small.vcf"
check "pack small" "$GRS" pack --vcf "$T/small.vcf" --out "$T/small"
hdr='chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n'
printf "$hdr"'1\t100\tG\tA\t0.5\n1\t200\tT\tC\t-0.25\n1\t300\tA\tG\t0.1\n' > "$T/good.txt"
check "good scoring file" "$GRS" score --geno "$T/small" --score "$T/good.txt" --out "$T/good"
[ -s "$T/good.sscore" ] && ok || bad "no .sscore"

printf "$hdr"'1\t100\tG\tA\tnan\n' > "$T/nan.txt"
expect_error "NaN weight" "nan\.txt.*(line 2|:2).*effect_weight" "$T/o1.*" "$GRS" score --geno "$T/small" --score "$T/nan.txt" --out "$T/o1"
printf "$hdr"'1\t100\tG\tA\tabc\n' > "$T/nonnum.txt"
expect_error "non-numeric weight" "nonnum\.txt.*(line 2|:2).*effect_weight" "$T/o2.*" "$GRS" score --geno "$T/small" --score "$T/nonnum.txt" --out "$T/o2"
printf 'chr_name\tchr_position\tother_allele\teffect_weight\n1\t100\tA\t0.5\n' > "$T/nocol.txt"
expect_error "missing required column" "nocol\.txt" "$T/o3.*" "$GRS" score --geno "$T/small" --score "$T/nocol.txt" --out "$T/o3"
: > "$T/empty.txt"
expect_error "empty scoring file" "empty\.txt.*empty" "$T/o4.*" "$GRS" score --geno "$T/small" --score "$T/empty.txt" --out "$T/o4"
printf "$hdr"'2\t100\tG\tA\t0.5\n2\t200\tT\tC\t0.5\n' > "$T/nomatch.txt"
expect_error "no matching variants" "min-overlap.*nomatch\.txt: 0\.0%" "$T/o5.*" "$GRS" score --geno "$T/small" --score "$T/nomatch.txt" --out "$T/o5"
printf "$hdr"'1\t100\tG\tA\t0.5\n1\t100\tG\tA\t0.7\n' > "$T/dup.txt"
expect_error "duplicate rows" "dup\.txt.*lines 2 and 3" "$T/o6.*" "$GRS" score --geno "$T/small" --score "$T/dup.txt" --out "$T/o6"
printf "$hdr"'1\t100\tG\tA\t0.5\n1\t200\tT\tC\n' > "$T/short.txt"
expect_error "short line" "short\.txt.*(line 3|:3)" "$T/o7.*" "$GRS" score --geno "$T/small" --score "$T/short.txt" --out "$T/o7"
expect_error "missing scoring file" "nosuch\.txt" "$T/o8.*" "$GRS" score --geno "$T/small" --score "$T/nosuch.txt" --out "$T/o8"
expect_error "missing genotypes" "nosuch\.grsm" "$T/o9.*" "$GRS" score --geno "$T/nosuch" --score "$T/good.txt" --out "$T/o9"
printf '##fileformat=VCFv4.2\n' > "$T/trunc.vcf"
expect_error "VCF without header line" "trunc\.vcf" "$T/o10.*" "$GRS" score --vcf "$T/trunc.vcf" --score "$T/good.txt" --out "$T/o10"
# genome build mismatch
printf '#genome_build=GRCh38\n'"$hdr"'1\t100\tG\tA\t0.5\n' > "$T/b38.txt"
expect_error "build mismatch" "b38\.txt.*GRCh38.*GRCh37" "$T/o11.*" "$GRS" score --geno "$T/small" --build GRCh37 --score "$T/b38.txt" --out "$T/o11"
# < 50 samples with missing calls and mean imputation: refused, naming both ways out
"$GRS" pack --vcf "$T/small.vcf" --samples <(printf 'S1\nS2\nS3\nS4\n') --out "$T/few" 2>/dev/null
expect_error "mean imputation with < 50 samples" "ref-freq.*missing zero" "$T/o12.*" "$GRS" score --geno "$T/few" --score "$T/good.txt" --out "$T/o12"
check "--missing zero works with few samples" "$GRS" score --geno "$T/few" --score "$T/good.txt" --missing zero --out "$T/o13"
# usage errors exit 2
"$GRS" score --geno "$T/small" --out "$T/o14" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "missing --score exits 2"
"$GRS" score --geno "$T/small" --score "$T/good.txt" --out "$T/o15" --missing bogus >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "bad --missing exits 2"
"$GRS" score --geno "$T/small" --score "$T/good.txt" --out "$T/o16" --backend cuda >/dev/null 2>"$T/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "cuda" "$T/err"; then ok; else bad "--backend cuda without a device must fail (exit $rc)"; fi
finish
