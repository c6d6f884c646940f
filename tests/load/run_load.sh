#!/usr/bin/env bash
# run_load.sh [GRS] [WORKDIR] -- load tests at real sizes (issue 10). Run by hand, NOT part of
# `make test`; record the figures it prints in tests/load/RESULTS.md.
#
#   A  1,000 PGS Catalog scoring files (200 variants each) in one `grs score` run over a simulated
#      cohort (2,000 samples x 50,000 variants): 1,000 score columns; 3 sampled files scored one
#      at a time give the same SUM columns (exact, --full-precision); the same run under
#      `ulimit -n 64` (does grs keep every scoring file open at once? is the error clear?)
#   B  a 10,000,000-row PGS Catalog scoring file (gzip) sharing <= 25,000 positions with the cohort:
#      matched count in summary.json == an awk join of the file with the cohort's sites
#   C  100,000 samples x 20,000 variants (plink2 --dummy .bed): grs pack + grs score vs
#      plink2 --score on the same fileset (6-digit text identical; --full-precision within 5e-6)
#
# Every timed step runs under /usr/bin/time -v; WORKDIR/summary.tsv has step, wall s, peak RSS MB,
# exit status. Needs plink2 and /usr/bin/time. About 10-15 minutes on 2 cores; WORKDIR needs ~2 GB.
# Exit status: 0 when every check passed, 1 otherwise.
set -u
GRS=$(readlink -f "${1:-build/grs}")
W=${2:-${TMPDIR:-/tmp}/grs-load}
THREADS=${GRS_LOAD_THREADS:-2}
mkdir -p "$W" && cd "$W" || exit 2
[ -x "$GRS" ] || { echo "run_load.sh: $GRS is not executable" >&2; exit 2; }
command -v plink2 >/dev/null || { echo "run_load.sh: plink2 not found" >&2; exit 2; }
fails=0 findings=0
printf 'step\twall_s\tpeak_rss_mb\texit\n' > summary.tsv
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# timed LABEL CMD...: run CMD under /usr/bin/time -v (stdout/stderr to LABEL.out/.err)
timed() {
    local label=$1; shift
    /usr/bin/time -v -o "$label.time" "$@" >"$label.out" 2>"$label.err"
    local rc=$?
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
             for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.1f", s }' "$label.time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$label.time")
    printf '%s\t%s\t%s\t%s\n' "$label" "$wall" "$rss" "$rc" >> summary.tsv
    echo "  $label: ${wall} s, peak RSS ${rss} MB, exit $rc"
    return $rc
}
# IID and the column named C of a .sscore (with or without an FID column)
col() { awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == c) k = i; if ($i == "IID" || $i == "#IID") d = i }; next }
                                k && d { print $d "\t" $k }' "$1"; }

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== grs: $("$GRS" --version 2>&1 | head -1)"

# ------------------------------------------------------------------------------------------
echo "== A: 1,000 scoring files"
timed A_simulate "$GRS" simulate --samples 2000 --variants 50000 --omics-features 0 --out c -v 1 || fail "A simulate"
timed A_pack "$GRS" pack --vcf c.vcf.gz --out c -v 1 || fail "A pack"
zcat c.vcf.gz | awk -F'\t' '!/^#/ { print $1 "\t" $2 "\t" $4 "\t" $5 }' > sites.tsv   # chrom pos ref alt
mkdir -p sf
awk -F'\t' 'function amb(a, b) { return (a b == "AT" || a b == "TA" || a b == "CG" || a b == "GC") }
    !amb($3, $4) { c[++n] = $1; p[n] = $2; r[n] = $3; a[n] = $4 }
    END {
        srand(7)
        for (f = 1; f <= 1000; f++) {
            fn = sprintf("sf/PGS%06d.txt", f)
            printf "###PGS CATALOG SCORING FILE\n#format_version=2.0\n#pgs_id=PGS%06d\n#genome_build=GRCh38\n", f > fn
            print "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight" > fn
            delete used
            for (i = 1; i <= 200; i++) {
                do j = int(rand() * n) + 1; while (j in used)   # 200 distinct variants
                used[j] = 1
                if (rand() < 0.5) print c[j] "\t" p[j] "\t" a[j] "\t" r[j] "\t" sprintf("%.6g", rand() - 0.5) > fn
                else              print c[j] "\t" p[j] "\t" r[j] "\t" a[j] "\t" sprintf("%.6g", rand() - 0.5) > fn
            }
            close(fn)
        }
    }' sites.tsv
args=(); for f in sf/PGS*.txt; do args+=(--score "$f"); done
timed A_score1000 "$GRS" score --geno c "${args[@]}" --full-precision --threads "$THREADS" --out all -v 3 \
    || fail "A: score with 1,000 files (see A_score1000.err)"
ncol=$(head -1 all.sscore | tr '\t' '\n' | grep -c '^PGS[0-9]*_SUM$')
[ "$ncol" = 1000 ] && pass "A: 1,000 _SUM columns" || fail "A: $ncol _SUM columns, expected 1000"
echo "  progress lines on stderr (-v 3): $(wc -l < A_score1000.err); last: $(tail -1 A_score1000.err | cut -c1-160)"
for f in 1 337 1000; do
    id=$(printf 'PGS%06d' $f)
    "$GRS" score --geno c --score "sf/$id.txt" --full-precision --threads "$THREADS" --out "one$f" -v 0 \
        || { fail "A: score $id alone"; continue; }
    col all.sscore "${id}_SUM" > a.col; col "one$f.sscore" "${id}_SUM" > o.col
    if [ -s a.col ] && cmp -s a.col o.col; then pass "A: $id: 1,000-file run == alone (bit-identical, 2000 samples)"
    else
        # not bit-identical: how far apart (relative), and in how many samples
        # (the 6-digit comparison: both rounded with %.6g, what grs writes without --full-precision)
        # difference relative to the column's largest |score| (a score near 0 has no useful relative error)
        d=$(paste a.col o.col | awk -F'\t' '$1 != $3 { bad++ } { x = $2 - $4; if (x < 0) x = -x; if (x > w) w = x
              m = ($4 < 0 ? -$4 : $4); if (m > big) big = m; if ($2 != $4) k++
              if (sprintf("%.6g", $2) != sprintf("%.6g", $4)) g++ }
              END { printf "%d %.3g %d %d %.3g", k, w / (big > 0 ? big : 1), bad, g, w }')
        set -- $d
        if [ "$3" = 0 ] && awk -v w="$2" 'BEGIN { exit !(w <= 1e-12) }'; then
            echo "FINDING: A: $id: 1,000-file run vs alone: not bit-identical in $1 / 2000 samples (max |difference| $5 = $2 of the largest |score|; $4 samples differ at 6 digits)"
            findings=$((findings + 1))
        else fail "A: $id: 1,000-file run vs alone: $1 samples differ, max |difference| $5 = $2 of the largest |score|"; fi
    fi
done
# file descriptors: the same run with a soft limit of 64 open files (and -v 4: a line per file)
( ulimit -Sn 64; timed A_score1000_ulimit64 "$GRS" score --geno c "${args[@]}" --full-precision \
      --threads "$THREADS" --out lim -v 4 )
echo "  -v 4: $(grep -c 'rows matched' A_score1000_ulimit64.err) per-file 'rows matched' lines; e.g. $(grep -m1 'rows matched' A_score1000_ulimit64.err | cut -c1-120)"
rc=$(awk -F'\t' '$1 == "A_score1000_ulimit64" { print $4 }' summary.tsv)
if [ "$rc" = 0 ] && cmp -s all.sscore lim.sscore; then
    pass "A: ulimit -n 64: the 1,000-file run succeeds with the same .sscore (files are not all held open)"
else
    fail "A: ulimit -n 64: exit $rc; message: $(grep -m1 -E 'E::|rror' A_score1000_ulimit64.err | cut -c1-200)"
fi

# ------------------------------------------------------------------------------------------
echo "== B: a 10,000,000-row scoring file"
# up to 25,000 cohort sites (every other non-ambiguous one; half with effect = REF) spread through
# 9,975,000 filler rows at distinct positions the cohort does not have (random alleles)
timed B_make awk -F'\t' 'function amb(a, b) { return (a b == "AT" || a b == "TA" || a b == "CG" || a b == "GC") }
    { have[$1 ":" $2] = 1 }
    !amb($3, $4) && (++k % 2) { c[++n] = $1; p[n] = $2; r[n] = $3; a[n] = $4 }
    END {
        srand(11); split("A C G T", B, " ")
        print "###PGS CATALOG SCORING FILE\n#format_version=2.0\n#pgs_id=PGS_BIG\n#genome_build=GRCh38"
        print "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight"
        s = 0
        for (i = 0; i < 10000000; i++) {
            if (i % 400 == 0 && s < 25000 && s < n) {
                s++; w = sprintf("%.5g", rand() - 0.5)
                if (s % 2) print c[s] "\t" p[s] "\t" a[s] "\t" r[s] "\t" w
                else       print c[s] "\t" p[s] "\t" r[s] "\t" a[s] "\t" w
                continue
            }
            # distinct filler positions: chromosome i % 22 + 1, slot int(i / 22) * 40 (+1.. past a cohort site)
            ch = i % 22 + 1; pos = int(i / 22) * 40 + 1
            while ((ch ":" pos) in have) pos++
            e = B[int(rand() * 4) + 1]; o = B[int(rand() * 4) + 1]
            print ch "\t" pos "\t" e "\t" o "\t" sprintf("%.5g", rand() - 0.5)
        }
    }' sites.tsv || fail "B: generate"
mv B_make.out big.txt && gzip -1 -f big.txt
echo "  big.txt.gz: $(stat -c %s big.txt.gz) bytes, $(zcat big.txt.gz | grep -vc '^#') lines incl. the column line"
# oracle: rows whose chrom:pos is a cohort site and whose alleles are {REF, ALT}, not ambiguous
expect=$(zcat big.txt.gz | awk -F'\t' 'NR == FNR { s[$1 ":" $2] = $3 ":" $4; next }
    /^#/ || $1 == "chr_name" { next }
    { k = $1 ":" $2; if (!(k in s)) next; split(s[k], x, ":")
      if ($3 $4 == "AT" || $3 $4 == "TA" || $3 $4 == "CG" || $3 $4 == "GC") next
      if (($3 == x[2] && $4 == x[1]) || ($3 == x[1] && $4 == x[2])) m++ }
    END { print m + 0 }' sites.tsv -)
timed B_score "$GRS" score --geno c --score big.txt.gz --min-overlap 0 --threads "$THREADS" --out big -v 3 \
    || fail "B: score (see B_score.err)"
got=$(awk '/"matched":/ { gsub(/[^0-9]/, ""); print; exit }' big.summary.json 2>/dev/null)
rows=$(awk '/"rows":/ { gsub(/[^0-9]/, ""); print; exit }' big.summary.json 2>/dev/null)
echo "  summary.json: rows $rows, matched $got; awk oracle: $expect"
[ -n "$got" ] && [ "$got" = "$expect" ] && [ "$rows" = 10000000 ] && pass "B: matched $got == awk count, rows 10,000,000" \
    || fail "B: matched '$got' rows '$rows', awk expects $expect matched of 10,000,000"

# ------------------------------------------------------------------------------------------
echo "== C: 100,000 samples x 20,000 variants vs plink2 --score"
timed C_dummy plink2 --dummy 100000 20000 0.01 acgt --make-bed --threads "$THREADS" --out d || fail "C: plink2 --dummy"
# plink2 --dummy puts every variant at position 0..: spread them out (the .bed does not change)
awk 'BEGIN { OFS = "\t" } { $4 = NR * 100; print }' d.bim > d.bim.tmp && mv d.bim.tmp d.bim
awk 'BEGIN { srand(5); print "ID\tA1\tW" } { print $2 "\t" (rand() < 0.5 ? $5 : $6) "\t" sprintf("%.6g", rand() - 0.5) }' d.bim > w.txt
timed C_grs_pack "$GRS" pack --bfile d --out d --threads "$THREADS" -v 1 || fail "C: grs pack"
timed C_grs_score "$GRS" score --geno d --score w.txt --header-read --match-id --keep-ambiguous --no-flip \
    --min-overlap 0 --threads "$THREADS" --out g -v 3 || fail "C: grs score"
"$GRS" score --geno d --score w.txt --header-read --match-id --keep-ambiguous --no-flip --min-overlap 0 \
    --threads "$THREADS" --full-precision --out gf -v 0 || fail "C: grs score --full-precision"
timed C_plink2_score plink2 --bfile d --score w.txt 1 2 3 header-read cols=+scoresums --threads "$THREADS" --out p \
    || fail "C: plink2 --score"
# compare the SUM columns by IID: 6-digit text, then full precision within 5e-6 relative
col g.sscore W_SUM | sort > g.sum; col gf.sscore W_SUM | sort > gf.sum
col p.sscore W_SUM | sort > p.sum
n=$(wc -l < p.sum); same=$(join -t $'\t' g.sum p.sum | awk -F'\t' '$2 == $3' | wc -l)
echo "  6-digit SUM text identical for $same / $n samples"
[ "$n" = 100000 ] && [ "$same" = "$n" ] && pass "C: W_SUM text == plink2 for all 100,000 samples" \
    || fail "C: W_SUM text == plink2 for $same of $n"
worst=$(join -t $'\t' gf.sum p.sum | awk -F'\t' '{ d = $2 - $3; if (d < 0) d = -d; m = ($3 < 0 ? -$3 : $3);
    r = d / (m > 1e-300 ? m : 1); if (r > w) w = r; k++ } END { printf "%.3g %d", w, k }')
echo "  --full-precision vs plink2 (6 digits): max relative difference ${worst% *} over ${worst#* } samples"
awk -v w="${worst% *}" 'BEGIN { exit !(w <= 5e-6) }' && pass "C: full precision within 5e-6 of plink2's 6 digits" \
    || fail "C: full precision differs from plink2 by ${worst% *}"

echo "== summary ($W/summary.tsv)"
column -t -s $'\t' summary.tsv
echo "== $fails failure(s), $findings finding(s) (not bit-identical, within 1e-12 of the largest |score|)"
[ $fails -eq 0 ]
