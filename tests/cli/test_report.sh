#!/usr/bin/env bash
# grs report against independent implementations computed at test time (tests/oracles/):
# statsmodels Logit/OLS (ORs, betas, SEs, CIs, p, R², Nagelkerke from llf/llnull), sklearn
# roc_auc_score, pROC ci.auc(method = "delong"), statsmodels Wilson intervals, scipy t intervals
# and Lee et al.'s liability R² written out in the oracle. Cohorts: simulated in the test (numpy,
# fixed seeds), `grs simulate` → `grs score`, regenie-example (binary, real files with NA and a
# categorical covariate) and ldpred-sim (quantitative, scored by plink2). The oracle prints the
# largest relative difference per statistic; its tolerance is rel 1e-6 for everything.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
O=$SRC/tests/oracles
if ! $PY -c 'import numpy, scipy, pandas, statsmodels, sklearn' 2>/dev/null; then
    skip "Debian python3 with numpy/scipy/pandas/statsmodels/sklearn not installed"; finish
fi
have_proc=0
Rscript -e 'suppressMessages(library(pROC))' >/dev/null 2>&1 && have_proc=1
[ $have_proc = 1 ] || skip "R pROC not installed: DeLong CIs not checked against pROC"

# oracle NAME JSON ARGS...: queue a statsmodels/sklearn (+ pROC when available) check; the queue
# runs in one Python process at the end (run_oracles), which saves the imports.
: > "$T/oracle.jobs"
oracle() {
    local name=$1 json=$2; shift 2
    [ $have_proc = 1 ] && set -- "$@" --proc
    if [ ! -s "$json" ]; then bad "$name: no $json"; return; fi
    printf '%q ' "$name" --json "$json" "$@" >> "$T/oracle.jobs"
    echo >> "$T/oracle.jobs"
}
run_oracles() {
    $PY $O/report_oracle.py batch "$T/oracle.jobs" > "$T/oracle.out" 2>&1
    local n
    for n in $(awk '{print $1}' "$T/oracle.jobs"); do
        if grep -qx "job $n: ok" "$T/oracle.out"; then ok; else bad "oracle $n"; fi
    done
    # the largest relative difference of each job, for the log
    awk '/^job .*:/{print} / max rel diff /{if ($NF+0 > w[j]+0) {w[j]=$NF; l[j]=$0}} /^job [^:]*$/{j=$2}
         END{for (k in l) print "  worst in " k ": " l[k]}' "$T/oracle.out"
    # and per statistic over all jobs and scores (e.g. "overall.auc", "pROC_delong_lo")
    echo "largest relative difference per statistic, all jobs:"
    awk '/ max rel diff /{n=$1; sub(/^[^.]*\./, "", n); v=$NF+0; if (!(n in m) || v > m[n]) m[n]=v}
         END{for (k in m) printf "  %-40s %.3g\n", k, m[k]}' "$T/oracle.out" | sort
    grep -q FAILED "$T/oracle.out" && cat "$T/oracle.out" >&2
}

# html_ok DIR SECTION...: well-formed XML (whole file), the sections and plots present, nothing
# fetched from the network, no script
html_ok() {
    local dir=$1; shift
    $PY - "$dir/report.html" "$@" <<'PY' && ok || bad "html $dir"
import re, sys, xml.etree.ElementTree as ET
fn, want = sys.argv[1], sys.argv[2:]
text = open(fn, encoding="utf-8").read()
root = ET.fromstring(text)
ns = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
ids = [s.get("id") for s in root.iter("{http://www.w3.org/1999/xhtml}section")]
titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
miss = [w for w in want if w not in ids and not any(w in (t or "") for t in titles)]
assert not miss, "missing %s (sections %s, plots %s)" % (miss, ids, titles)
assert "<script" not in text, "script"
ext = [u for u in re.findall(r'(?:href|src)="([^"]+)"', text)]
assert not ext, "external references %s" % ext
assert not re.search(r'url\(', text), "css url()"
PY
}

# ---- 1. simulated binary cohort: PLINK 1/2 coding with 0/-9 missing, covariates (numeric,
#         categorical, NA), two groups, liability scale
$PY $O/report_oracle.py simulate --out "$T/b" --n 2000 --seed 11
check "report binary" "$GRS" report --scores "$T/b.sscore" --pheno "$T/b.pheno" --covar "$T/b.covar" \
    --group SITE --group SEX --prevalence 0.1 --out "$T/rb"
for f in report.html report.json report.tsv; do [ -s "$T/rb/$f" ] && ok || bad "rb/$f missing"; done
oracle binary "$T/rb/report.json" --scores "$T/b.sscore" --pheno "$T/b.pheno" --covar "$T/b.covar" --prevalence 0.1
html_ok "$T/rb" provenance samples score-1 score-2 "ROC curve" "Score distribution" "Prevalence by score stratum" \
    "Odds ratio by stratum" "AUROC by group" "Score distribution by SITE"
grep -q 'PLINK 1/2 (1 = control, 2 = case, 0 = missing)' "$T/rb/report.html" && ok || bad "coding not stated"
# the same cohort with a 0/1 header CSV phenotype and #IID-only scores gives the same numbers
awk 'BEGIN{print "IID,status"} $3==1||$3==2{print $2","$3-1}' "$T/b.pheno" > "$T/b01.csv"
awk 'BEGIN{OFS="\t"} {$1=""; sub(/^\t/, ""); if (NR==1) $1="#IID"; print}' "$T/b.sscore" > "$T/biid.sscore"
check "report 0/1 CSV, #IID" "$GRS" report --scores "$T/biid.sscore" --pheno "$T/b01.csv" --covar "$T/b.covar" \
    --group SITE --group SEX --prevalence 0.1 --out "$T/rb01"
$PY - "$T/rb/report.json" "$T/rb01/report.json" <<'PY' && ok || bad "0/1 CSV differs from PLINK 1/2"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert b["phenotype"]["coding"].startswith("0/1"), b["phenotype"]
assert b["samples"]["matched_on"] == "IID"
assert a["scores"] == b["scores"], "scores sections differ"
PY
# calibration of a predicted risk (a column of a header pheno file with NAs)
check "report --predicted" "$GRS" report --scores "$T/b.sscore" --pheno "$T/b.pred.tsv" --pheno-col STATUS \
    --predicted PRED --covar "$T/b.covar" --score-cols PGS1 --out "$T/rcal"
oracle calibration "$T/rcal/report.json" --scores "$T/b.sscore" --pheno "$T/b.pred.tsv" --pheno-col STATUS \
    --predicted PRED --covar "$T/b.covar"
html_ok "$T/rcal" calibration "Calibration by decile" "Decision curve"
# custom strata and top list
check "report cuts" "$GRS" report --scores "$T/b.sscore" --pheno "$T/b.pheno" --covar "$T/b.covar" \
    --strata cuts:25,50,75,95 --strata top:2,20 --score-cols PGS1 --out "$T/rbc"
oracle cuts "$T/rbc/report.json" --scores "$T/b.sscore" --pheno "$T/b.pheno" --covar "$T/b.covar" --cuts 25,50,75,95 --top 2,20

# ---- 2. simulated quantitative cohort, quintiles, no covariate file
$PY $O/report_oracle.py simulate --out "$T/q" --n 1500 --seed 12 --quant
check "report quantitative" "$GRS" report --scores "$T/q.sscore" --pheno "$T/q.pheno" --covar "$T/q.covar" \
    --group SEX --strata quintiles --top 2,20 --out "$T/rq"
oracle quant "$T/rq/report.json" --scores "$T/q.sscore" --pheno "$T/q.pheno" --covar "$T/q.covar" --cuts 20,40,60,80 --top 2,20
html_ok "$T/rq" provenance samples score-1 "Mean trait by score stratum" "beta per SD by group"
check "report quantitative, no covariates" "$GRS" report --scores "$T/q.sscore" --pheno "$T/q.pheno" --out "$T/rq0"
oracle quant0 "$T/rq0/report.json" --scores "$T/q.sscore" --pheno "$T/q.pheno"

# ---- 3. grs simulate → grs score → grs report (known signal; matching summary included)
if "$GRS" simulate --help >/dev/null 2>&1; then
    check "simulate" "$GRS" simulate --samples 1000 --variants 3000 --populations 2 --seed 7 --threads 2 --out "$T/gs"
    check "score" "$GRS" score --vcf "$T/gs.vcf.gz" --score "$T/gs.pgs.txt" --threads 2 --out "$T/gsc"
    check "report on grs simulate (binary)" "$GRS" report --scores "$T/gsc.sscore" --pheno "$T/gs.pheno.tsv" \
        --pheno-col trait_bin --covar "$T/gs.covar.tsv" --group population --group sex \
        --match "$T/gsc.summary.json" --prevalence 0.1 --out "$T/rgs"
    oracle gsim_bin "$T/rgs/report.json" --scores "$T/gsc.sscore" --pheno "$T/gs.pheno.tsv" --pheno-col trait_bin \
        --covar "$T/gs.covar.tsv" --prevalence 0.1
    html_ok "$T/rgs" matching score-1
    $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); m=r["match_summaries"][0]; assert m["score_files"][0]["matched"]>0; assert r["scores"][0]["overall"]["auc"]>0.6, r["scores"][0]["overall"]["auc"]' \
        "$T/rgs/report.json" && ok || bad "grs simulate: matching summary or signal"
    check "report on grs simulate (quantitative)" "$GRS" report --scores "$T/gsc.sscore" --pheno "$T/gs.pheno.tsv" \
        --pheno-col trait_qt --covar "$T/gs.covar.tsv" --group population --out "$T/rgq"
    oracle gsim_qt "$T/rgq/report.json" --scores "$T/gsc.sscore" --pheno "$T/gs.pheno.tsv" --pheno-col trait_qt \
        --covar "$T/gs.covar.tsv"
else
    skip "grs simulate not built"
fi

# ---- 4. real data: regenie-example (binary Y1 with NA; covariates with a categorical V5)
R=$SHARED/data/regenie-example
if [ -d "$R" ]; then
    awk 'NR==1{print "ID\tA1\tY1"; next} {print $3"\t"$5"\t"$10}' "$R/example.test_bin_out_firth_Y1.regenie" > "$T/regw.txt"
    check "score regenie" "$GRS" score --bfile "$R/example" --score "$T/regw.txt" --header-read --score-col-nums 3 \
        --match-id --out "$T/reg"
    # V4 (1/2) and V5 (urban/rural/other: categorical); V1-V3 separate Y1 completely (below)
    check "report regenie" "$GRS" report --scores "$T/reg.sscore" --pheno "$R/phenotype_bin_wNA.txt" --pheno-col Y1 \
        --covar "$R/covariates_wBin.txt" --covar-cols V4,V5 --group V5 --match "$T/reg.summary.json" \
        --prevalence 0.2 --out "$T/rreg"
    sed 's/\tV1\tV2\tV3//; s/^\([^\t]*\t[^\t]*\)\t[^\t]*\t[^\t]*\t[^\t]*/\1/' "$R/covariates_wBin.txt" > "$T/regcov.txt"
    oracle regenie "$T/rreg/report.json" --scores "$T/reg.sscore" --pheno "$R/phenotype_bin_wNA.txt" --pheno-col Y1 \
        --covar "$T/regcov.txt" --prevalence 0.2
    grep -q '"pheno_missing": 50' "$T/rreg/report.json" && ok || bad "regenie: 50 NA phenotypes not counted"
    # all covariates: the logistic models separate (statsmodels does not converge either); the
    # report still has the AUROC and strata, and says why the ORs are missing
    check "report regenie, separation" "$GRS" report --scores "$T/reg.sscore" --pheno "$R/phenotype_bin_wNA.txt" \
        --pheno-col Y1 --covar "$R/covariates_wBin.txt" --out "$T/rregs"
    grep -q 'not estimable' "$T/rregs/report.html" && grep -q '"log_or_per_sd": null' "$T/rregs/report.json" \
        && ok || bad "separation not reported"
    oracle regenie_sep "$T/rregs/report.json" --scores "$T/reg.sscore" --pheno "$R/phenotype_bin_wNA.txt" --pheno-col Y1 \
        --covar "$R/covariates_wBin.txt"
else
    skip "no regenie-example data"
fi

# ---- 5. real data: ldpred-sim (quantitative, .fam phenotype), scored by plink2
L=$SHARED/data/ldpred-sim
if [ -d "$L" ] && command -v plink2 >/dev/null; then
    awk 'NR>1{print $3,$5,$7}' "$L/goldens/golden_LDpred-inf.txt" > "$T/ldw.txt"
    plink2 --bfile "$L/sim2_0_test" --score "$T/ldw.txt" 1 2 3 cols=+scoresums no-mean-imputation \
        --out "$T/ld" >/dev/null 2>&1 && ok || bad "plink2 ldpred"
    awk '{print $1, $2, $6}' "$L/sim2_0_test.fam" > "$T/ld.pheno"
    check "report ldpred (plink2 .sscore)" "$GRS" report --scores "$T/ld.sscore" --pheno "$T/ld.pheno" --out "$T/rld"
    oracle ldpred "$T/rld/report.json" --scores "$T/ld.sscore" --pheno "$T/ld.pheno"
    $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["scores"][0]["overall"]; assert r["r2_score"]>0.01 and r["p"]<1e-3, r' \
        "$T/rld/report.json" && ok || bad "ldpred: no signal"
else
    skip "no ldpred-sim data or plink2"
fi
run_oracles
finish
