#!/usr/bin/env bash
# grs report on bad input: each case exits 1 with one [E::...] line naming the file (and line)
# and the problem, and leaves no output directory; bad usage exits 2; degenerate-but-usable
# inputs (a one-level covariate, an all-NA covariate, a small group) give a report that says so.
. "$(dirname "$0")/lib.sh"

# 200 samples: two scores, a 1/2 phenotype related to the first, covariates (numeric, words)
awk 'BEGIN{srand(5); OFS="\t"; print "#FID","IID","ALLELE_CT","DENOM","NAMED_ALLELE_DOSAGE_SUM","A_AVG","B_AVG","A_SUM","B_SUM"
     for (i = 1; i <= 200; i++) { a = rand() - 0.5; b = rand(); print "F"i, "S"i, 100, 100, 50, a, b, 100*a, 100*b
         y = (a + rand() - 0.5 > 0.2) ? 2 : 1; printf "F%d S%d %d\n", i, i, y > "/dev/stderr" } }' \
    > "$T/ok.sscore" 2> "$T/ok.pheno"
awk 'BEGIN{srand(6); OFS="\t"; print "FID","IID","AGE","SITE","ONE","EMPTY","SMALL"
     for (i = 1; i <= 200; i++) print "F"i, "S"i, 40 + int(30 * rand()), (i % 3 ? "a" : "b"), "x", "NA", (i <= 10 ? "tiny" : "big") }' > "$T/ok.covar"
check "good input" "$GRS" report --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --covar "$T/ok.covar" --out "$T/good"
[ -s "$T/good/report.html" ] && [ -s "$T/good/report.json" ] && [ -s "$T/good/report.tsv" ] && ok || bad "good: outputs"
[ "$(wc -l < "$T/good/tables/overall.tsv")" -eq 3 ] && [ "$(wc -l < "$T/good/tables/strata.tsv")" -eq 27 ] \
    && ok || bad "tables/*.tsv: row counts"
# gzip inputs read the same, and a second run into the same DIR replaces the files
gzip -c "$T/ok.pheno" > "$T/ok.pheno.gz"; gzip -c "$T/ok.sscore" > "$T/ok.sscore.gz"
check "gzip inputs" "$GRS" report --scores "$T/ok.sscore.gz" --pheno "$T/ok.pheno.gz" --covar "$T/ok.covar" --out "$T/good"
grep -q '"analysed": 200' "$T/good/report.json" && ok || bad "gzip inputs: sample count"
ls "$T/good" | grep -q tmp && bad "temporary file left in DIR" || ok
R() { "$GRS" report "$@"; }

# ---- scores file
: > "$T/empty.sscore"
expect_error "empty scores" "empty\.sscore.*empty" "$T/o1" R --scores "$T/empty.sscore" --pheno "$T/ok.pheno" --out "$T/o1"
head -1 "$T/ok.sscore" > "$T/hdr.sscore"
expect_error "header-only scores" "hdr\.sscore.*no samples" "$T/o2" R --scores "$T/hdr.sscore" --pheno "$T/ok.pheno" --out "$T/o2"
head -c 3000 "$T/ok.sscore" > "$T/trunc.sscore"
expect_error "truncated scores" "trunc\.sscore.*line [0-9]+: [0-9]+ fields, expected 9" "$T/o3" \
    R --scores "$T/trunc.sscore" --pheno "$T/ok.pheno" --out "$T/o3"
sed '5s/\t[^\t]*\t\([^\t]*\t[^\t]*\t[^\t]*\)$/\tabc\t\1/' "$T/ok.sscore" > "$T/nonnum.sscore"
expect_error "non-numeric score" "nonnum\.sscore.*line 5.*A_AVG.*abc.*not a number" "$T/o4" \
    R --scores "$T/nonnum.sscore" --pheno "$T/ok.pheno" --out "$T/o4"
cut -f1-5 "$T/ok.sscore" > "$T/nocol.sscore"
expect_error "no score columns" "nocol\.sscore.*_AVG.*score-cols" "$T/o5" R --scores "$T/nocol.sscore" --pheno "$T/ok.pheno" --out "$T/o5"
expect_error "unknown --score-cols" "no score column 'C'" "$T/o6" R --scores "$T/ok.sscore" --score-cols C --pheno "$T/ok.pheno" --out "$T/o6"
expect_error "missing scores file" "nosuch\.sscore" "$T/o7" R --scores "$T/nosuch.sscore" --pheno "$T/ok.pheno" --out "$T/o7"
{ cat "$T/ok.sscore"; sed -n 3p "$T/ok.sscore"; } > "$T/dup.sscore"
expect_error "duplicate sample" "dup\.sscore.*lines 3 and 202.*S2.*twice" "$T/o8" R --scores "$T/dup.sscore" --pheno "$T/ok.pheno" --out "$T/o8"

# ---- phenotype file
: > "$T/empty.pheno"
expect_error "empty pheno" "empty\.pheno.*empty" "$T/p1" R --scores "$T/ok.sscore" --pheno "$T/empty.pheno" --out "$T/p1"
head -c 500 "$T/ok.pheno" | gzip -c | head -c 60 > "$T/trunc.pheno.gz"
expect_error "truncated gzip pheno" "trunc\.pheno\.gz" "$T/p2" R --scores "$T/ok.sscore" --pheno "$T/trunc.pheno.gz" --out "$T/p2"
sed '7s/ [12]$//' "$T/ok.pheno" > "$T/ragged.pheno"
expect_error "ragged pheno" "ragged\.pheno.*line 7: 2 fields, expected 3" "$T/p3" R --scores "$T/ok.sscore" --pheno "$T/ragged.pheno" --out "$T/p3"
sed '9s/ [12]$/ yes/' "$T/ok.pheno" > "$T/word.pheno"
expect_error "non-numeric phenotype" "word\.pheno.*line 9.*'yes', not a number" "$T/p4" R --scores "$T/ok.sscore" --pheno "$T/word.pheno" --out "$T/p4"
awk '{print $1, $2, 1}' "$T/ok.pheno" > "$T/oneclass.pheno"
expect_error "one class" "oneclass\.pheno.*constant.*one class" "$T/p5" R --scores "$T/ok.sscore" --pheno "$T/oneclass.pheno" --out "$T/p5"
awk '{print $1, $2, (NR % 2 ? "NA" : "-9")}' "$T/ok.pheno" > "$T/na.pheno"
expect_error "NA-only phenotype" "na\.pheno.*no values.*all missing" "$T/p6" R --scores "$T/ok.sscore" --pheno "$T/na.pheno" --out "$T/p6"
awk '{print "X"$1, "X"$2, $3}' "$T/ok.pheno" > "$T/other.pheno"
expect_error "no overlapping samples" "no sample of .*ok\.sscore.*200 samples.*other\.pheno.*200 samples.*FID and IID" "$T/p7" \
    R --scores "$T/ok.sscore" --pheno "$T/other.pheno" --out "$T/p7"
expect_error "unknown --pheno-col" "no column 'Y9'" "$T/p8" R --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --pheno-col Y9 --out "$T/p8"
awk '{print $1, $2, ($3 == 2 ? 2 : 0)}' "$T/ok.pheno" > "$T/cases.pheno"
expect_error "PLINK 1/2 with cases only" "cases\.pheno.*one class" "$T/p9" R --scores "$T/ok.sscore" --pheno "$T/cases.pheno" --out "$T/p9"

# ---- covariates
sed '12s/\t[0-9]*\ta\t/\tabc\ta\t/; 12s/\t[0-9]*\tb\t/\tabc\tb\t/' "$T/ok.covar" > "$T/mixed.covar"
expect_error "word in a numeric covariate" "mixed\.covar.*line 12.*AGE.*'abc'.*covar-cat" "$T/c1" \
    R --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --covar "$T/mixed.covar" --out "$T/c1"
check "--covar-cat makes it categorical" "$GRS" report --scores "$T/ok.sscore" --pheno "$T/ok.pheno" \
    --covar "$T/mixed.covar" --covar-cat AGE --covar-cols AGE,SITE --out "$T/c2"
grep -q '"name": "AGE",' "$T/c2/report.json" && grep -A1 '"name": "AGE",' "$T/c2/report.json" | grep -q categorical \
    && ok || bad "AGE not categorical"
# one level and all-NA covariates: dropped, with a warning in the report
grep -q "covariate 'ONE' is constant.*one level.*dropped" "$T/good/report.html" && ok || bad "one-level covariate not stated"
grep -q "covariate 'EMPTY' has no values.*dropped" "$T/good/report.json" && ok || bad "NA-only covariate not stated"
expect_error "unknown --covar-cols" "no covariate column 'NOPE'" "$T/c3" \
    R --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --covar "$T/ok.covar" --covar-cols NOPE --out "$T/c3"
# a group of 10 samples: statistics shown, plots suppressed, reason stated
check "small group" "$GRS" report --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --covar "$T/ok.covar" --group SMALL --out "$T/c4"
grep -q "fewer than 50 samples: plots suppressed" "$T/c4/report.html" && ok || bad "small group: reason not shown"
expect_error "unknown --group" "group 'NOPE'" "$T/c5" R --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --group NOPE --out "$T/c5"
echo '{"score_files": [' > "$T/bad.json"
expect_error "--match not JSON" "bad\.json.*not a JSON object" "$T/c6" \
    R --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --match "$T/bad.json" --out "$T/c6"

# ---- --predicted
awk 'BEGIN{OFS="\t"; print "FID","IID","Y","P","Q"} {print $1, $2, $3, (NR == 4 ? 1.5 : 0.3), $3 + 0.5}' "$T/ok.pheno" > "$T/pred.tsv"
expect_error "predicted risk out of range" "pred\.tsv.*line 5.*'P'.*'1\.5'.*probability" "$T/d1" \
    R --scores "$T/ok.sscore" --pheno "$T/pred.tsv" --pheno-col Y --predicted P --out "$T/d1"
expect_error "predicted with a quantitative trait" "predicted needs a binary trait" "$T/d2" \
    R --scores "$T/ok.sscore" --pheno "$T/pred.tsv" --pheno-col Q --predicted P --out "$T/d2"
expect_error "unknown --predicted" "predicted 'NOPE': no such column" "$T/d3" \
    R --scores "$T/ok.sscore" --pheno "$T/pred.tsv" --pheno-col Y --predicted NOPE --out "$T/d3"

# ---- usage (exit 2) and the output directory
usage2() { local d=$1; shift; "$GRS" report "$@" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "$d: expected exit 2"; }
usage2 "no --out" --scores "$T/ok.sscore" --pheno "$T/ok.pheno"
usage2 "bad --strata" --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --strata terciles --out "$T/u1"
usage2 "bad cuts" --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --strata cuts:50,20 --out "$T/u2"
usage2 "bad --prevalence" --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --prevalence 1.5 --out "$T/u3"
usage2 "bad --trait" --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --trait ordinal --out "$T/u4"
[ ! -e "$T/u1" ] && [ ! -e "$T/u2" ] && ok || bad "usage error left a directory"
: > "$T/afile"
expect_error "--out is a file" "afile.*not a directory" "" R --scores "$T/ok.sscore" --pheno "$T/ok.pheno" --out "$T/afile"
"$GRS" report --help | grep -q -- "--strata" && ok || bad "--help"
finish
