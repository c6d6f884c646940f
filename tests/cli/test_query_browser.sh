#!/usr/bin/env bash
# The HTML answer of grs query in a real browser: headless Chromium (Debian `chromium`) renders
# it to a non-blank PNG without console errors or resource loads, and the rendered DOM holds the
# sections and the SVG of the patient's position. Skipped when chromium is not installed.
. "$(dirname "$0")/lib.sh"
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { skip "chromium not installed"; finish; }

# 200 samples, two scores; a norm.tsv (50 reference individuals per population) and ancestry.tsv
awk 'BEGIN{srand(4); OFS="\t"; print "#IID","ALLELE_CT","DENOM","NAMED_ALLELE_DOSAGE_SUM","A_AVG","B_AVG","A_SUM","B_SUM"
     for (i = 1; i <= 200; i++) { a = rand() - 0.5; b = rand() - 0.5; print "I"i, 990 + i % 10, 1000, 500, a / 1000, b / 1000, a, b } }' > "$T/s.sscore"
awk 'BEGIN{srand(5); OFS="\t"; print "##grs_version=test"
     print "#FID","IID","DATASET","SCORE","SUM","MostSimilarPop","MostSimilarPop_LowConfidence","percentile_MostSimilarPop","Z_MostSimilarPop","Z_norm1","Z_norm2"
     for (p = 0; p < 2; p++) for (i = 0; i < 50; i++) { print "R"p"_"i,"R"p"_"i,"reference","A",rand()-0.5,"P"p,"FALSE","NA","NA","NA","NA"
                                                     print "R"p"_"i,"R"p"_"i,"reference","B",rand()-0.5,"P"p,"FALSE","NA","NA","NA","NA" }
     print "I7","I7","target","A",0.41,"P1","TRUE",97,1.9,1.8,1.85
     print "I7","I7","target","B",-0.2,"P1","TRUE",31,-0.5,-0.45,-0.52 }' > "$T/n.norm.tsv"
printf '#FID\tIID\tDATASET\tPOP\tPC1\tPC2\tMostSimilarPop\tMostSimilarPop_LowConfidence\tMahalanobis_P_P0\tMahalanobis_P_P1\nI7\tI7\ttarget\tNA\t0.1\t-0.2\tP1\tTRUE\t0.02\t0.04\n' > "$T/a.ancestry.tsv"
check "store" "$GRS" store --db "$T/r.sqlite" --scores "$T/s.sscore" --norm "$T/n.norm.tsv" --ancestry "$T/a.ancestry.tsv"
check "query html" "$GRS" query --db "$T/r.sqlite" --sample I7 --format html --out "$T/q.html"

chrome() {
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
        --user-data-dir="$T/profile" --enable-logging=stderr --v=0 "$@"
}
chrome --window-size=1000,1600 --screenshot="$T/q.png" "file://$T/q.html" >"$T/shot.out" 2>"$T/shot.err"
[ -s "$T/q.png" ] && [ "$(stat -c %s "$T/q.png")" -gt 20000 ] && ok || { bad "no (or a blank) screenshot"; tail -5 "$T/shot.err" >&2; }
head -c 8 "$T/q.png" | od -An -c | grep -q 'P   N   G' && ok || bad "screenshot is not a PNG"
if grep -E 'CONSOLE|Failed to load resource|net::ERR' "$T/shot.err" >&2; then bad "console errors or resource loads"; else ok; fi
# non-blank: more than a handful of distinct colours (Debian python3 reads the PNG with zlib)
/usr/bin/python3 - "$T/q.png" <<'PY' && ok || bad "screenshot looks blank"
import sys, zlib, struct
d = open(sys.argv[1], 'rb').read()
i, idat, w = 8, b'', 0
while i < len(d):
    n, t = struct.unpack('>I4s', d[i:i + 8])
    if t == b'IHDR': w, h, bd, ct = struct.unpack('>IIBB', d[i + 8:i + 18])
    if t == b'IDAT': idat += d[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(idat)
assert len(set(raw[::97])) > 8, len(set(raw[::97]))
PY
chrome --dump-dom "file://$T/q.html" >"$T/dom.html" 2>"$T/dom.err"
for id in ancestry score-1 score-2; do
    grep -q "<section[^>]*id=\"$id\"" "$T/dom.html" && ok || bad "rendered DOM lacks section $id"
done
n_svg=$(grep -o '<svg' "$T/dom.html" | wc -l)
[ "$n_svg" -eq 2 ] && ok || bad "expected 2 plots in the DOM, found $n_svg"
grep -qF "<title>Position on the reference distribution</title>" "$T/dom.html" && ok || bad "no position plot title"
grep -q "low-confidence" "$T/dom.html" && ok || bad "low-confidence ancestry not flagged"
finish
