#!/usr/bin/env bash
# grs train / grs predict: the model file, CV, calibration, prediction and its consistency with
# grs score on the exported PGS, determinism, and bad inputs (each one error line naming the
# file, exit 1, no output left). Genotypes from ../shared/data/regenie-example (skipped when
# absent); the omics table is simulated here with a fixed seed (Debian python3 + numpy).
. "$(dirname "$0")/lib.sh"
D=$SHARED/data
PY=/usr/bin/python3
R=$D/regenie-example
[ -d "$R" ] || { skip "no ../shared/data/regenie-example"; finish; }
$PY -c 'import numpy' 2>/dev/null || { skip "Debian python3-numpy missing"; finish; }
"$GRS" pack --bfile "$R/example" --out "$T/rg" 2>/dev/null || bad "pack"

# simulated omics (30 features, 3% NA) and a quantitative trait that depends on 5 of them
$PY - "$R/example.fam" "$R/phenotype.txt" "$T" <<'PY'
import sys, numpy as np
fam, pheno, T = sys.argv[1:4]
rng = np.random.default_rng(7)
iid = [l.split()[1] for l in open(fam)]
n, q = len(iid), 30
X = rng.normal(size=(n, q))
y0 = {l.split()[1]: float(l.split()[2]) for l in list(open(pheno))[1:]}
y = np.array([y0[i] for i in iid]) + X[:, :5] @ np.array([0.8, -0.6, 0.5, 0.4, -0.3])
Xs = X.astype(object); Xs[rng.random(size=(n, q)) < 0.03] = "NA"
with open(T + "/om.tsv", "w") as f:
    f.write("IID\t" + "\t".join("prot%d" % j for j in range(q)) + "\n")
    for i in range(n): f.write(iid[i] + "\t" + "\t".join(str(v) for v in Xs[i]) + "\n")
with open(T + "/omq.pheno", "w") as f:
    f.write("FID\tIID\tyq\n")
    for i in range(n): f.write("%s\t%s\t%.6f\n" % (iid[i], iid[i], y[i]))
PY

# ---- binary model with covariates (one categorical) + omics, 3-fold CV, Platt calibration
check "train binary" "$GRS" train --geno "$T/rg" --pheno "$R/phenotype_bin.txt" --pheno-col Y1 \
    --covar "$R/covariates_wBin.txt" --omics "$T/om.tsv" --trait binary --folds 3 --nlambda 30 --out "$T/mb"
for f in model.json path.tsv lambda.tsv cv.tsv; do [ -s "$T/mb.$f" ] && ok || bad "missing mb.$f"; done
$PY - "$T/mb.model.json" <<'PY' && ok || bad "model JSON content"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["format"] == "grs-model" and m["version"] == 1 and m["family"] == "binomial"
assert m["calibration"]["method"] == "platt" and m["cv"]["folds"] == 3
assert m["training"]["n_samples"] == 500 and len(m["path"]["lambda"]) == 30
blocks = {f["block"] for f in m["features"]}
assert "covar" in blocks, blocks
assert any(f.get("level") == "urban" or f.get("level") == "rural" or "level" in f for f in m["features"] if f["block"] == "covar")
PY
check "predict binary" "$GRS" predict --model "$T/mb" --geno "$T/rg" --covar "$R/covariates_wBin.txt" \
    --omics "$T/om.tsv" --explain 3 --out "$T/pb"
head -1 "$T/pb.predict.tsv" | grep -q $'^IID\tlp\trisk\tcontrib_' && ok || bad "predict header"
[ "$(tail -n +2 "$T/pb.predict.tsv" | wc -l)" = 500 ] && ok || bad "predict rows"
grep -q '"fraction": 1' "$T/pb.predict.json" && ok || bad "coverage not reported as complete"

# ---- quantitative: the multi-omics model explains more held-out variance than genotypes only
check "train omics+geno" "$GRS" train --geno "$T/rg" --omics "$T/om.tsv" --pheno "$T/omq.pheno" \
    --trait quantitative --folds 5 --nlambda 40 --out "$T/mq"
check "train geno only" "$GRS" train --geno "$T/rg" --pheno "$T/omq.pheno" --trait quantitative \
    --folds 5 --nlambda 40 --out "$T/mg"
$PY - "$T/mq.cv.tsv" "$T/mg.cv.tsv" <<'PY' && ok || bad "multi-omics model not better than genotype-only"
import sys, numpy as np
r = []
for fn in sys.argv[1:3]:
    d = np.genfromtxt(fn, names=True, dtype=None, encoding=None)
    r.append(np.corrcoef(d["y"], d["cv_lp"])[0, 1])
print("held-out CV r: genotypes+omics %.3f, genotypes only %.3f" % tuple(r))
assert r[0] > r[1] + 0.1
PY

# ---- ldpred-sim sim2: held-out (10-fold CV) correlation, printed next to LDpred's goldens
L=$D/ldpred-sim
if [ -d "$L" ]; then
    "$GRS" pack --bfile "$L/sim2_0_test" --out "$T/s2" 2>/dev/null
    awk 'BEGIN{print "FID\tIID\ty"}{print $1"\t"$2"\t"$6}' "$L/sim2_0_test.fam" > "$T/s2.pheno"
    check "train sim2" "$GRS" train --geno "$T/s2" --pheno "$T/s2.pheno" --trait quantitative --alpha 0.5 \
        --folds 10 --out "$T/s2m"
    $PY - "$T/s2m.cv.tsv" <<'PY' && ok || bad "sim2 accuracy"
import sys, numpy as np
d = np.genfromtxt(sys.argv[1], names=True, dtype=None, encoding=None)
r = np.corrcoef(d["y"], d["cv_lp"])[0, 1]
print("ldpred-sim sim2: grs train (alpha 0.5, 10-fold CV, out-of-fold) r = %.4f; golden LDpred-inf r = 0.1705, "
      "P+T r = 0.2288 (those from 4,000 GWAS samples, grs from 900 per fold)" % r)
assert r > 0.05
PY

    # ---- the exported PGS scored by grs score equals the linear predictor minus the intercept
    # (ldpred-sim: A/G alleles; its first SNP is at position 0, which only --match-id matches)
    check "train geno --export-pgs" "$GRS" train --geno "$T/s2" --pheno "$T/s2.pheno" \
        --trait quantitative --folds 0 --nlambda 20 --lambda-min-ratio 0.05 --export-pgs "$T/mx.pgs.txt" --out "$T/mx"
    check "score exported PGS" "$GRS" score --geno "$T/s2" --score "$T/mx.pgs.txt" --match-id --full-precision --out "$T/mxs"
    check "predict geno" "$GRS" predict --model "$T/mx.model.json" --geno "$T/s2" --out "$T/mxp"
    $PY - "$T/mx.model.json" "$T/mxp.predict.tsv" "$T/mxs.sscore" <<'PY' && ok || bad "predict != intercept + grs score SUM"
import json, sys
m = json.load(open(sys.argv[1]))
lp = {l.split("\t")[0]: float(l.split("\t")[1]) for l in list(open(sys.argv[2]))[1:]}
h = open(sys.argv[3]).readline().rstrip("\n").split("\t")
worst = 0
for l in list(open(sys.argv[3]))[1:]:
    r = dict(zip(h, l.rstrip("\n").split("\t")))
    s = r[h[-1]]   # the last column: the score SUM
    worst = max(worst, abs(lp[r["IID"]] - m["intercept"] - float(s)))
print("max |lp - intercept - SUM| = %.3g" % worst)
assert worst < 1e-6
PY
    # deterministic: any thread count gives the same path
    "$GRS" train --geno "$T/s2" --pheno "$T/s2.pheno" --trait quantitative --folds 0 \
        --nlambda 20 --lambda-min-ratio 0.05 --threads 1 --out "$T/mx1" 2>/dev/null
    cmp -s "$T/mx.lambda.tsv" "$T/mx1.lambda.tsv" && cmp -s "$T/mx.path.tsv" "$T/mx1.path.tsv" && ok || bad "not deterministic"
else skip "no ldpred-sim"; fi

# ---- coordinate descent on a team of threads that split the samples (used from 4 blocks of
# GRS_ENET_BLOCK = 1024 samples up): the same bytes for 1, 2 and 3 threads, gaussian and
# binomial, with omics (dense features), covariates and CV folds (zero weights)
"$GRS" simulate --samples 5000 --variants 400 --omics-features 12 --seed 5 --threads 2 --out "$T/cd" 2>/dev/null &&
    "$GRS" pack --vcf "$T/cd.vcf.gz" --out "$T/cd" 2>/dev/null || bad "simulate + pack (team)"
for spec in quantitative:trait_qt:0 binary:trait_bin:2; do
    IFS=: read -r trait col folds <<< "$spec"
    for t in 1 2 3; do
        "$GRS" train --geno "$T/cd" --pheno "$T/cd.pheno.tsv" --pheno-col "$col" --trait "$trait" \
            --omics "$T/cd.omics.tsv.gz" --covar "$T/cd.covar.tsv" --folds "$folds" \
            --nlambda 10 --lambda-min-ratio 0.05 --threads $t --out "$T/cd_${col}_$t" 2>/dev/null || bad "train $trait --threads $t"
    done
    for t in 2 3; do
        cmp -s "$T/cd_${col}_1.path.tsv" "$T/cd_${col}_$t.path.tsv" &&
            cmp -s "$T/cd_${col}_1.lambda.tsv" "$T/cd_${col}_$t.lambda.tsv" && ok ||
            bad "$trait: --threads $t path differs from --threads 1"
    done
done

# ---- bad inputs
P="$R/phenotype.txt"
TR=("$GRS" train --geno "$T/rg" --trait quantitative --folds 0 --nlambda 5)
{ head -3 "$T/om.tsv"; sed -n 3p "$T/om.tsv"; } > "$T/dup.tsv"
expect_error "duplicate omics ID" "dup.tsv.*line 4.*already on line 3" "$T/bad.model.json" "${TR[@]}" --pheno "$P" --omics "$T/dup.tsv" --out "$T/bad"
awk -F'\t' 'BEGIN{OFS="\t"} NR==5{$3="high"} {print}' "$T/om.tsv" > "$T/txt.tsv"
expect_error "non-numeric omics cell" "txt.tsv.*line 5.*prot1.*'high' is not a number" "$T/bad.model.json" "${TR[@]}" --pheno "$P" --omics "$T/txt.tsv" --out "$T/bad"
awk -F'\t' 'BEGIN{OFS="\t"} NR>1{$4="1.5"} {print}' "$T/om.tsv" > "$T/const.tsv"
expect_error "constant omics feature" "const.tsv.*column 'prot2' is constant" "$T/bad.model.json" "${TR[@]}" --pheno "$P" --omics "$T/const.tsv" --out "$T/bad"
check "constant feature with --drop-constant" "${TR[@]}" --pheno "$P" --omics "$T/const.tsv" --drop-constant --out "$T/dc"
awk 'NR==1{print;next}{print $1, $2, 1, 1}' "$R/phenotype_bin.txt" > "$T/one.pheno"
expect_error "one-class phenotype" "one.pheno.*one class" "$T/bad.model.json" "$GRS" train --geno "$T/rg" --pheno "$T/one.pheno" --trait binary --out "$T/bad"
awk 'NR==1{print;next}{print "x"$1, "x"$2, $3, $4}' "$P" > "$T/other.pheno"
expect_error "no samples in common" "no samples in common.*other.pheno" "$T/bad.model.json" "${TR[@]}" --pheno "$T/other.pheno" --out "$T/bad"
awk 'NR==1{print;next}{print "x"$0}' "$T/om.tsv" > "$T/omx.tsv"
expect_error "no samples in common (omics)" "no samples in common" "$T/bad.model.json" "${TR[@]}" --pheno "$P" --omics "$T/omx.tsv" --out "$T/bad"
: > "$T/empty.tsv"
expect_error "empty omics" "empty.tsv.*empty file" "$T/bad.model.json" "${TR[@]}" --pheno "$P" --omics "$T/empty.tsv" --out "$T/bad"
gzip -c "$T/om.tsv" | head -c 3000 > "$T/trunc.tsv.gz"
expect_error "truncated gzip omics" "trunc.tsv.gz" "$T/bad.model.json" "${TR[@]}" --pheno "$P" --omics "$T/trunc.tsv.gz" --out "$T/bad"
awk -F'\t' 'BEGIN{OFS="\t"} NR==7{NF=10} {print}' "$T/om.tsv" > "$T/ragged.tsv"
expect_error "ragged omics line" "ragged.tsv.*line 7.*fields" "$T/bad.model.json" "${TR[@]}" --pheno "$P" --omics "$T/ragged.tsv" --out "$T/bad"
expect_error "missing phenotype column" "no phenotype column 'Y9'" "$T/bad.model.json" "${TR[@]}" --pheno "$P" --pheno-col Y9 --out "$T/bad"
awk 'NR==1{print;next}{print $1, $2, 3, 0}' "$R/phenotype_bin.txt" > "$T/three.pheno"
expect_error "binary trait not 0/1" "three.pheno.*line 2.*not 0/1" "$T/bad.model.json" "$GRS" train --geno "$T/rg" --pheno "$T/three.pheno" --trait binary --out "$T/bad"
"$GRS" train --pheno "$P" --out "$T/bad" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "usage error must exit 2"
"$GRS" train --geno "$T/rg" --pheno "$P" --trait quantitative --alpha 0 --out "$T/bad" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "--alpha 0 must exit 2"
head -c 300 "$T/mb.model.json" > "$T/cut.model.json"
expect_error "truncated model" "cut.model.json.*malformed JSON" "$T/bad.predict.tsv" "$GRS" predict --model "$T/cut.model.json" --geno "$T/rg" --out "$T/bad"
sed 's/"version": 1/"version": 9/' "$T/mb.model.json" > "$T/v9.model.json"
expect_error "newer model version" "v9.model.json.*version 9" "$T/bad.predict.tsv" "$GRS" predict --model "$T/v9.model.json" --geno "$T/rg" --out "$T/bad"
expect_error "predict without needed covariates" "give --covar" "$T/bad.predict.tsv" "$GRS" predict --model "$T/mb" --geno "$T/rg" --omics "$T/om.tsv" --out "$T/bad"
finish
