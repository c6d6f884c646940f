#!/usr/bin/env bash
# Sharded scoring (issue 7): `grs score --shard K/N` + `grs merge` must write exactly the bytes of
# a single run, for variant and sample shards, N in {1, 2, 3, 7}, on real data (../shared/data
# pgsc_calc-cineca; skipped when absent) and on a simulated cohort (plink2 --dummy; skipped
# without plink2). The oracle is the unsharded `grs score` run, itself checked against plink2
# in test_score_plink2.sh. Then: merge refusals, the manifest and partial readers on empty,
# truncated and malformed files, --skip-existing, --shard auto, SIGTERM, bad usage.
. "$(dirname "$0")/lib.sh"
D=$SHARED/data
C=$D/pgsc_calc-cineca

# shards_equal NAME SINGLE_PREFIX N BY SCORE_ARGS...: run N shards, merge, compare with the single run
shards_equal() {
    local name=$1 single=$2 n=$3 by=$4; shift 4
    local p="$T/sh_${name}_${by}_$n" ok=1
    rm -f "$p".*
    for k in $(seq 1 "$n"); do
        "$GRS" score "$@" --shard "$k/$n" --shard-by "$by" --out "$p" 2>"$T/err" || { ok=0; cat "$T/err" >&2; }
    done
    "$GRS" merge --out "$p.merged" "$p" 2>"$T/err" || { ok=0; cat "$T/err" >&2; }
    if [ $ok = 1 ] && cmp -s "$single.sscore" "$p.merged.sscore" && cmp -s "$single.match.tsv.gz" "$p.merged.match.tsv.gz"; then
        ok
    else
        bad "$name: $n $by shards differ from the single run"
        diff <(head -3 "$single.sscore") <(head -3 "$p.merged.sscore") >&2
    fi
}

# summary.json of a merge: the single run's keys and values, except time, command and shard info
summary_equal() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for k in ("command", "created", "seconds", "peak_rss_mb", "tool"):
    a.pop(k, None); b.pop(k, None)
shards = b.pop("shards", None)
sys.exit(0 if a == b and shards and shards["n"] >= 1 else 1)
PY
}

# ---- real data: pgsc_calc-cineca (2,504 samples; 782 matched variants = one exact chunk, so
# variant shards N > 1 put every key in shard 1 and the rest are empty; sample shards split it)
if [ -d "$C" ]; then
    check "pack cineca" "$GRS" pack --bfile "$C/cineca_synthetic_subset" --out "$T/cin"
    check "single cineca" "$GRS" score --geno "$T/cin" --score "$C/PGS001229_22.txt" --out "$T/cin1"
    for n in 1 2 3 7; do
        for by in variants samples; do
            shards_equal cin "$T/cin1" $n $by --geno "$T/cin" --score "$C/PGS001229_22.txt"
        done
    done
    summary_equal "$T/cin1.summary.json" "$T/sh_cin_variants_3.merged.summary.json" && ok || bad "cineca summary.json differs"
    summary_equal "$T/cin1.summary.json" "$T/sh_cin_samples_7.merged.summary.json" && ok || bad "cineca summary.json (samples) differs"
    # --bfile read directly, sample shards (frequencies for mean imputation from every sample)
    check "single cineca bfile" "$GRS" score --bfile "$C/cineca_synthetic_subset" --score "$C/PGS001229_22.txt" --out "$T/cinb1"
    shards_equal cinb "$T/cinb1" 3 samples --bfile "$C/cineca_synthetic_subset" --score "$C/PGS001229_22.txt"
    # two scores (the dgemm path), one thread in shards and the default in the single run
    if command -v plink2 >/dev/null; then
        plink2 --bfile "$C/cineca_synthetic_subset" --set-all-var-ids '@:#:$r:$a' --new-id-max-allele-len 100 \
            --make-bed --out "$T/cinid" >/dev/null 2>&1
        check "pack cinid" "$GRS" pack --bfile "$T/cinid" --out "$T/cinid"
        check "single multiscore" "$GRS" score --geno "$T/cinid" --score "$C/multiscore.txt" --header-read --match-id \
            --keep-ambiguous --out "$T/ms1"
        for n in 2 7; do
            shards_equal ms "$T/ms1" $n samples --geno "$T/cinid" --score "$C/multiscore.txt" --header-read --match-id \
                --keep-ambiguous --threads 1
        done
    fi
else
    skip "pgsc_calc-cineca absent"
fi

# ---- simulated cohort: 1,000 samples x 40,000 variants (10 exact chunks), 2% missing, 3 scores
if command -v plink2 >/dev/null; then
    plink2 --dummy 1000 40000 0.02 acgt --seed 7 --make-bed --out "$T/sim" >/dev/null 2>&1 && ok || bad "plink2 --dummy"
    awk 'BEGIN{srand(11); print "ID\tA1\tW1\tW2\tW3"} {printf "%s\t%s\t%.6g\t%.6g\t%.6g\n",$2,(NR%3?$5:$6),rand()-0.5,rand()*0.01,(rand()<0.5?0:rand())}' \
        "$T/sim.bim" > "$T/sim.w"
    check "pack sim" "$GRS" pack --bfile "$T/sim" --out "$T/sim"
    SIMARGS=(--geno "$T/sim" --score "$T/sim.w" --header-read --match-id --keep-ambiguous)
    check "single sim" "$GRS" score "${SIMARGS[@]}" --out "$T/sim1"
    for n in 1 2 3 7; do
        for by in variants samples; do shards_equal sim "$T/sim1" $n $by "${SIMARGS[@]}"; done
    done
    summary_equal "$T/sim1.summary.json" "$T/sh_sim_variants_7.merged.summary.json" && ok || bad "sim summary.json differs"
    # centring constants and no-mean-imputation DENOM merge exactly too
    check "single sim standardize" "$GRS" score "${SIMARGS[@]}" --standardize --out "$T/simz1"
    shards_equal simz "$T/simz1" 3 variants "${SIMARGS[@]}" --standardize
    check "single sim missing zero" "$GRS" score "${SIMARGS[@]}" --missing zero --full-precision --out "$T/sim0"
    shards_equal sim0 "$T/sim0" 7 variants "${SIMARGS[@]}" --missing zero --full-precision
    # --bfile with variant shards (bounded blocks read from the .bed)
    check "single sim bfile" "$GRS" score --bfile "$T/sim" --score "$T/sim.w" --header-read --match-id --keep-ambiguous --out "$T/simb1"
    shards_equal simb "$T/simb1" 3 variants --bfile "$T/sim" --score "$T/sim.w" --header-read --match-id --keep-ambiguous
    # --memory: small blocks give the same bytes; peak RSS is reported
    check "sim --memory" "$GRS" score --bfile "$T/sim" --score "$T/sim.w" --header-read --match-id --keep-ambiguous \
        --memory 40 --out "$T/simm"
    cmp -s "$T/simm.sscore" "$T/simb1.sscore" && ok || bad "--memory 40 changes the output"
    grep -q '"peak_rss_mb": [0-9]' "$T/simm.summary.json" && ok || bad "no peak_rss_mb in summary"
    echo "--memory 40: $(grep -o '"peak_rss_mb": [0-9.]*' "$T/simm.summary.json") (reported, not asserted)"
    check "sim --memory grsm" "$GRS" score "${SIMARGS[@]}" --memory 40 --out "$T/simg"
    cmp -s "$T/simg.sscore" "$T/sim1.sscore" && ok || bad "--memory 40 changes the .grsm output"
    expect_error "--memory too small" "memory 8 MB is too small .* at least [0-9]+ MB" "$T/simx.*" \
        "$GRS" score "${SIMARGS[@]}" --memory 8 --out "$T/simx"
else
    skip "plink2 not installed: no simulated cohort"
fi

# ---- merge refuses what is not one complete run ---------------------------------------------
if [ -d "$C" ]; then
    S="$C/PGS001229_22.txt"
    R=(--geno "$T/cin" --score "$S")
    mk() { rm -f "$T/r.shard"*; for k in $(seq 1 "$1"); do "$GRS" score "${R[@]}" --shard "$k/$1" --shard-by samples --out "$T/r" 2>/dev/null; done; }
    mk 3
    check "merge of a complete set" "$GRS" merge --out "$T/rm" "$T/r"
    # a shard computed from another scoring file (one weight changed)
    awk 'BEGIN{FS=OFS="\t"} !/^#/ && ++n==3 {$NF=$NF+1} {print}' "$S" > "$T/other.txt"
    "$GRS" score --geno "$T/cin" --score "$T/other.txt" --shard 2/3 --shard-by samples --out "$T/r" 2>/dev/null
    expect_error "different scoring files" "not shards of one run: their scoring files differ" "$T/rx.sscore*" \
        "$GRS" merge --out "$T/rx" "$T/r"
    mk 3
    rm "$T/r.shard2-of-3.manifest.json"
    expect_error "missing shard" "shard 2 of 3 is missing \(expected .*r.shard2-of-3.manifest.json\)" "$T/rx.sscore*" \
        "$GRS" merge --out "$T/rx" "$T/r"
    mk 3
    expect_error "duplicated shard" "shard 1 of 3 is given twice" "$T/rx.sscore*" \
        "$GRS" merge --out "$T/rx" "$T/r.shard1-of-3.manifest.json" "$T/r"
    cp "$T/r.shard1-of-3.manifest.json" "$T/copy.shard1-of-3.manifest.json"
    cp "$T/r.shard1-of-3.partial.gz" "$T/copy.shard1-of-3.partial.gz"
    sed -i 's/"r.shard1-of-3.partial.gz"/"copy.shard1-of-3.partial.gz"/' "$T/copy.shard1-of-3.manifest.json"
    expect_error "duplicated shard (copied files)" "shard 1 of 3 is given twice" "$T/rx.sscore*" \
        "$GRS" merge --out "$T/rx" "$T/r.shard*-of-3.manifest.json" "$T/copy.shard1-of-3.manifest.json"
    sed -i 's/"tool_version": "[^"]*"/"tool_version": "0.0.1 (0000000)"/' "$T/r.shard3-of-3.manifest.json"
    expect_error "version mismatch" "written by grs 0.0.1 \(0000000\) but .* by grs .*different grs versions" "$T/rx.sscore*" \
        "$GRS" merge --out "$T/rx" "$T/r"
    mk 3
    "$GRS" score "${R[@]}" --shard 2/4 --shard-by samples --out "$T/r" 2>/dev/null
    expect_error "different layouts" "different layouts" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    mk 2
    "$GRS" score "${R[@]}" --missing zero --shard 2/2 --shard-by samples --out "$T/r" 2>/dev/null
    expect_error "different options" "their options differ" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    # manifests: empty, truncated, malformed, not a manifest
    mk 2
    cp "$T/r.shard1-of-2.manifest.json" "$T/good.json"
    : > "$T/r.shard1-of-2.manifest.json"
    expect_error "empty manifest" "r.shard1-of-2.manifest.json': empty file" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    head -c 200 "$T/good.json" > "$T/r.shard1-of-2.manifest.json"
    expect_error "truncated manifest" "manifest.json': line [0-9]+: malformed JSON" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    sed 's/"k": 1,/"k": 1 "x",/' "$T/good.json" > "$T/r.shard1-of-2.manifest.json"
    expect_error "malformed manifest" "line 6: malformed JSON: expected ',' or '}'" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    sed 's/grs-shard-manifest/something-else/' "$T/good.json" > "$T/r.shard1-of-2.manifest.json"
    expect_error "not a manifest" "is not a grs shard manifest" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    cp "$T/good.json" "$T/r.shard1-of-2.manifest.json"
    # partials: changed after the manifest was written, then (manifest updated) truncated, empty, malformed
    cp "$T/r.shard2-of-2.partial.gz" "$T/good.gz"
    cp "$T/r.shard2-of-2.manifest.json" "$T/good2.json"
    head -c 1000 "$T/good.gz" > "$T/r.shard2-of-2.partial.gz"
    expect_error "partial changed" "does not match its manifest .*re-run shard 2" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    fix_manifest() {   # record the partial's current size and crc32, as if grs had written it
        /usr/bin/python3 - "$T/r.shard2-of-2.partial.gz" "$T/good2.json" "$T/r.shard2-of-2.manifest.json" <<'PY'
import json, os, sys, zlib
p, src, dst = sys.argv[1:4]
m = json.load(open(src))
data = open(p, "rb").read()
m["partial"]["bytes"] = len(data); m["partial"]["crc32"] = "%08x" % zlib.crc32(data)
json.dump(m, open(dst, "w"), indent=2)
PY
    }
    fix_manifest
    expect_error "truncated partial" "partial.gz': (read error|truncated|line [0-9]+)" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    : > "$T/r.shard2-of-2.partial.gz"; fix_manifest
    expect_error "empty partial" "partial.gz': empty file" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    zcat "$T/good.gz" | awk 'NR==10{$6="zz"} {print}' OFS='\t' | gzip > "$T/r.shard2-of-2.partial.gz"; fix_manifest
    expect_error "malformed partial" "partial.gz': line 10: bad fixed-point value 'zz'" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    zcat "$T/good.gz" | awk 'NR==10{NF=4} {print}' OFS='\t' | gzip > "$T/r.shard2-of-2.partial.gz"; fix_manifest
    expect_error "short partial row" "partial.gz': line 10: 4 fields, expected 6" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/r"
    cp "$T/good.gz" "$T/r.shard2-of-2.partial.gz"; cp "$T/good2.json" "$T/r.shard2-of-2.manifest.json"
    # list files and globs name the same shards
    ls "$T"/r.shard*-of-2.manifest.json > "$T/list.txt"
    check "merge @list" "$GRS" merge --out "$T/rl" "@$T/list.txt"
    check "merge glob" "$GRS" merge --out "$T/rg" "$T/r.shard*-of-2.manifest.json"
    cmp -s "$T/rl.sscore" "$T/cin1.sscore" && cmp -s "$T/rg.sscore" "$T/cin1.sscore" && ok || bad "@list / glob merge differs"
    : > "$T/empty.txt"
    expect_error "empty list file" "names no shards" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "@$T/empty.txt"
    expect_error "no shards" "no shard manifest" "$T/rx.sscore*" "$GRS" merge --out "$T/rx" "$T/nothing"

    # ---- --skip-existing: a complete shard of the same run is not recomputed
    mk 2
    t1=$(stat -c %Y.%N "$T/r.shard1-of-2.partial.gz" 2>/dev/null || stat -c %Y "$T/r.shard1-of-2.partial.gz")
    m1=$(md5sum < "$T/r.shard1-of-2.manifest.json")
    sleep 1
    "$GRS" score "${R[@]}" --shard 1/2 --shard-by samples --skip-existing --out "$T/r" 2>"$T/err"
    grep -q "complete, skipped" "$T/err" && [ "$(md5sum < "$T/r.shard1-of-2.manifest.json")" = "$m1" ] && ok \
        || bad "--skip-existing recomputed a complete shard"
    rm "$T/r.shard2-of-2.manifest.json"   # killed before its manifest: recomputed
    "$GRS" score "${R[@]}" --shard 2/2 --shard-by samples --skip-existing --out "$T/r" 2>"$T/err"
    ! grep -q "skipped" "$T/err" && [ -s "$T/r.shard2-of-2.manifest.json" ] && ok || bad "--skip-existing skipped an incomplete shard"
    "$GRS" score --geno "$T/cin" --score "$T/other.txt" --shard 1/2 --shard-by samples --skip-existing --out "$T/r" 2>"$T/err"
    ! grep -q "skipped" "$T/err" && ok || bad "--skip-existing kept a shard of another scoring file"

    # ---- --shard auto from SLURM's array variables (IDs need not start at 1)
    rm -f "$T/a.shard"*
    for id in 0 1 2; do
        SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=2 \
            "$GRS" score "${R[@]}" --shard auto --out "$T/a" 2>/dev/null || bad "--shard auto task $id"
    done
    [ -s "$T/a.shard1-of-3.manifest.json" ] && [ -s "$T/a.shard3-of-3.manifest.json" ] && ok || bad "--shard auto names"
    check "merge auto shards" "$GRS" merge --out "$T/am" "$T/a"
    cmp -s "$T/am.sscore" "$T/cin1.sscore" && ok || bad "--shard auto merge differs"

    # ---- SIGTERM mid-run: exit 143 promptly, no temporary file left. The VCF arrives through a
    # FIFO that stalls after its first 300 kB, so the shard is certainly inside the decode.
    mkdir -p "$T/sig"
    mkfifo "$T/sig/in.vcf.gz"
    ( head -c 300000 "$C/cineca_synthetic_subset.vcf.gz"; sleep 30 ) > "$T/sig/in.vcf.gz" &
    feeder=$!
    "$GRS" score --vcf "$T/sig/in.vcf.gz" --score "$S" --shard 1/2 --out "$T/sig/s" 2>"$T/sig/err" &
    pid=$!
    for i in $(seq 1 50); do compgen -G "$T/sig/*.tmp.*" >/dev/null && break; sleep 0.1; done
    compgen -G "$T/sig/*.tmp.*" >/dev/null && ok || bad "no temporary file while the shard runs"
    kill -TERM $pid
    wait $pid; rc=$?
    kill $feeder 2>/dev/null; wait $feeder 2>/dev/null
    [ $rc = 143 ] && ok || bad "SIGTERM: exit $rc, expected 143"
    compgen -G "$T/sig/s*" >/dev/null && bad "SIGTERM left $(ls "$T/sig")" || ok
fi

# ---- bad usage: exit 2
for a in "0/3" "4/3" "3" "a/b" "1/0"; do
    "$GRS" score --geno x --score y --out z --shard "$a" 2>/dev/null; [ $? = 2 ] && ok || bad "--shard $a should be a usage error"
done
"$GRS" score --geno x --score y --out z --shard-by rows 2>/dev/null; [ $? = 2 ] && ok || bad "--shard-by rows"
"$GRS" score --geno x --score y --out z --skip-existing 2>/dev/null; [ $? = 2 ] && ok || bad "--skip-existing without --shard"
"$GRS" score --geno x --score y --out z --memory 0 2>/dev/null; [ $? = 2 ] && ok || bad "--memory 0"
env -u SLURM_ARRAY_TASK_ID "$GRS" score --geno x --score y --out z --shard auto 2>/dev/null; [ $? = 2 ] && ok || bad "--shard auto outside SLURM"
"$GRS" merge 2>/dev/null; [ $? = 2 ] && ok || bad "merge without arguments"
"$GRS" merge --out x 2>/dev/null; [ $? = 2 ] && ok || bad "merge without shards"
finish
