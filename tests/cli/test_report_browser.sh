#!/usr/bin/env bash
# report.html in a real browser: headless Chromium (Debian `chromium`) renders it to a PNG
# without console errors or resource loads, and the rendered DOM holds every expected section
# and plot. Skipped when chromium is not installed.
. "$(dirname "$0")/lib.sh"
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { skip "chromium not installed"; finish; }

# 400 samples: a score related to a 0/1 trait, a predicted risk, a 3-level group and covariates
awk 'BEGIN{srand(9); OFS="\t"; print "#IID","ALLELE_CT","DENOM","NAMED_ALLELE_DOSAGE_SUM","S_AVG","S_SUM"
     print "IID","Y","PRED","REGION" > "/dev/stderr"
     for (i = 1; i <= 400; i++) { s = rand() - 0.5; print "I"i, 100, 100, 50, s, 100 * s
         p = 1 / (1 + exp(-(4 * s - 1))); y = rand() < p ? 1 : 0
         print "I"i, y, p, (i % 3 == 0 ? "north" : i % 3 == 1 ? "south" : "east") > "/dev/stderr" } }' \
    > "$T/s.sscore" 2> "$T/p.tsv"
check "report" "$GRS" report --scores "$T/s.sscore" --pheno "$T/p.tsv" --pheno-col Y --predicted PRED \
    --group REGION --prevalence 0.3 --out "$T/r"

# a private profile, no sandbox (CI runs as root), no GPU; logging on stderr shows console messages
chrome() {
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
        --user-data-dir="$T/profile" --enable-logging=stderr --v=0 "$@"
}
chrome --window-size=1200,6000 --screenshot="$T/report.png" "file://$T/r/report.html" >"$T/shot.out" 2>"$T/shot.err"
[ -s "$T/report.png" ] && [ "$(stat -c %s "$T/report.png")" -gt 50000 ] && ok || { bad "no screenshot"; tail -5 "$T/shot.err" >&2; }
head -c 8 "$T/report.png" | od -An -c | grep -q 'P   N   G' && ok || bad "screenshot is not a PNG"
# console errors and network/resource loads would be logged as CONSOLE or net:: lines
if grep -E 'CONSOLE|Failed to load resource|net::ERR' "$T/shot.err" >&2; then bad "console errors or resource loads"; else ok; fi

chrome --dump-dom "file://$T/r/report.html" >"$T/dom.html" 2>"$T/dom.err"
for id in provenance samples score-1 calibration; do
    grep -q "<section[^>]*id=\"$id\"" "$T/dom.html" && ok || bad "rendered DOM lacks section $id"
done
for t in "Score distribution" "ROC curve" "Prevalence by score stratum" "Odds ratio by stratum vs middle 40-60%" \
         "Score distribution by REGION" "AUROC by group (95% CI)" "Calibration by decile of predicted risk" "Decision curve"; do
    grep -qF "<title>$t</title>" "$T/dom.html" && ok || bad "rendered DOM lacks plot '$t'"
done
n_svg=$(grep -o '<svg' "$T/dom.html" | wc -l)
[ "$n_svg" -eq 8 ] && ok || bad "expected 8 plots in the DOM, found $n_svg"
finish
