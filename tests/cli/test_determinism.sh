#!/usr/bin/env bash
# Determinism (issue 10): the same scores, byte for byte (--full-precision, 17 digits), whatever
# the thread count, the block size (--memory), the input format of the same genotypes (.grsm
# packed from .bed / VCF / BCF, --bfile read directly, --vcf and --vcf BCF decoded on the fly) and
# the record order of the VCF. Runs on pgsc_calc's cineca data in $SHARED/data (skipped when
# absent). Shard counts are tested by the shard tests.
. "$(dirname "$0")/lib.sh"
C=$SHARED/data/pgsc_calc-cineca
[ -f "$C/cineca_synthetic_subset.bed" ] && [ -f "$C/cineca_synthetic_subset.vcf.gz" ] || { skip "no cineca data"; finish; }
B=$C/cineca_synthetic_subset
SF=$C/PGS001229_22.txt
# the numbers of a .sscore (ALLELE_CT, DENOM, NAMED_ALLELE_DOSAGE_SUM, scores): a .bed has FID and
# IID, the VCF of the same data has "FID_IID" sample names
nums() { awk '{ print $(NF-4), $(NF-3), $(NF-2), $(NF-1), $NF }' "$1"; }
same() {   # same "desc" a b: byte-identical .sscore
    if cmp -s "$2" "$3"; then ok; else bad "$1: $2 and $3 differ"; diff "$2" "$3" | head -4 >&2; fi
}
check "pack .bed" "$GRS" pack --bfile "$B" --out "$T/bed" -v 0
check "pack VCF" "$GRS" pack --vcf "$B.vcf.gz" --out "$T/vcf" -v 0
check "score .grsm (.bed), 1 thread" "$GRS" score --geno "$T/bed" --score "$SF" --full-precision --threads 1 --out "$T/g1" -v 0
for t in 2 4; do
    check "score, $t threads" "$GRS" score --geno "$T/bed" --score "$SF" --full-precision --threads $t --out "$T/g$t" -v 0
    same "--threads $t vs 1" "$T/g1.sscore" "$T/g$t.sscore"
done
check "score --bfile" "$GRS" score --bfile "$B" --score "$SF" --full-precision --threads 2 --out "$T/b" -v 0
same "--bfile vs .grsm" "$T/g1.sscore" "$T/b.sscore"
check "score .grsm (VCF)" "$GRS" score --geno "$T/vcf" --score "$SF" --full-precision --out "$T/gv" -v 0
nums "$T/g1.sscore" > "$T/g1.num"; nums "$T/gv.sscore" > "$T/gv.num"
same ".grsm from VCF vs .grsm from .bed (numbers)" "$T/g1.num" "$T/gv.num"
check "score --vcf" "$GRS" score --vcf "$B.vcf.gz" --score "$SF" --full-precision --threads 1 --out "$T/v1" -v 0
same "--vcf vs .grsm packed from the VCF" "$T/gv.sscore" "$T/v1.sscore"
check "score --vcf, 4 threads" "$GRS" score --vcf "$B.vcf.gz" --score "$SF" --full-precision --threads 4 --out "$T/v4" -v 0
same "--vcf 4 threads vs 1" "$T/v1.sscore" "$T/v4.sscore"
if command -v bcftools >/dev/null; then
    bcftools view -Ob -o "$T/c.bcf" "$B.vcf.gz" 2>/dev/null
    check "score --vcf BCF" "$GRS" score --vcf "$T/c.bcf" --score "$SF" --full-precision --out "$T/bc" -v 0
    same "BCF vs VCF" "$T/v1.sscore" "$T/bc.sscore"
    check "pack BCF" "$GRS" pack --vcf "$T/c.bcf" --out "$T/bcf" -v 0
    "$GRS" view --geno "$T/vcf" > "$T/vcf.txt"; "$GRS" view --geno "$T/bcf" > "$T/bcf.txt"
    same "grs view: .grsm from BCF vs from VCF" "$T/vcf.txt" "$T/bcf.txt"
    # the same records in reverse order (an unsorted VCF): the same scores at the default 6
    # digits. (At 17 digits the last one or two may differ: the sum runs in variant order, and
    # the order of the variants is the file's; DESIGN §5 promises threads/blocks/shards only.)
    { bcftools view -h "$B.vcf.gz"; bcftools view -H "$B.vcf.gz" | tac; } > "$T/rev.vcf" 2>/dev/null
    check "score an unsorted VCF" "$GRS" score --vcf "$T/rev.vcf" --score "$SF" --out "$T/rev" -v 0
    check "score the VCF (6 digits)" "$GRS" score --vcf "$B.vcf.gz" --score "$SF" --out "$T/v6" -v 0
    same "reversed VCF vs VCF" "$T/v6.sscore" "$T/rev.sscore"
else
    skip "bcftools not installed: BCF cases"
fi
# packing with 1 or 4 decompression threads gives the same matrix
check "pack VCF, 4 threads" "$GRS" pack --vcf "$B.vcf.gz" --threads 4 --out "$T/vcf4" -v 0
"$GRS" view --geno "$T/vcf4" --dosage > "$T/v4.txt"; "$GRS" view --geno "$T/vcf" --dosage > "$T/v1.txt"
same "pack --threads 4 vs default" "$T/v1.txt" "$T/v4.txt"
# the same run twice: identical .sscore and match log
check "score again" "$GRS" score --geno "$T/bed" --score "$SF" --full-precision --threads 1 --out "$T/g1b" -v 0
same "run-to-run" "$T/g1.sscore" "$T/g1b.sscore"
cmp -s <(gzip -dc "$T/g1.match.tsv.gz") <(gzip -dc "$T/g1b.match.tsv.gz") && ok || bad "match log differs run to run"

# ---- block sizes: --memory bounds the variant blocks; cineca fits in one, so use plink2 --dummy
if command -v plink2 >/dev/null; then
    plink2 --dummy 3000 40000 0.01 acgt --make-bed --out "$T/dm" --threads 2 >/dev/null 2>&1
    check "pack dummy" "$GRS" pack --bfile "$T/dm" --out "$T/dm" -v 0
    awk '{ print $2 "\t" $5 "\t" (NR % 7 - 3) / 10 "\t" (NR % 3) / 7 }' "$T/dm.bim" | sed '1i ID\tA1\tS1\tS2' > "$T/dw.txt"
    DS=(score --score "$T/dw.txt" --header-read --match-id --keep-ambiguous --full-precision -v 0)
    check "dummy, unbounded, 1 thread" "$GRS" "${DS[@]}" --geno "$T/dm" --threads 1 --out "$T/d0"
    for m in 36 40 48; do   # 4096, 8192 and 20480-key blocks of the 40,000
        check "dummy --memory $m" "$GRS" "${DS[@]}" --geno "$T/dm" --memory $m --threads 2 --out "$T/dm$m"
        same "--memory $m vs unbounded" "$T/d0.sscore" "$T/dm$m.sscore"
    done
    check "dummy --bfile --memory 36, 4 threads" "$GRS" "${DS[@]}" --bfile "$T/dm" --memory 36 --threads 4 --out "$T/dmb"
    same "--bfile blocks vs .grsm" "$T/d0.sscore" "$T/dmb.sscore"
else
    skip "plink2 not installed: block-size cases"
fi
finish
