#!/usr/bin/env bash
# grs simulate: usage errors, all-or-nothing outputs, byte-identical output for any --threads,
# and the model checked with independent tools: bcftools reads the VCF/BCF, grs pack + score
# match every scoring row and reproduce the true genetic values, plink2 --fst sees the
# requested population divergence, and Debian's python3 (numpy, statsmodels) recovers the
# stated architecture (LD between neighbours, h2, covariate effects, prevalence, omics).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
have_np=0; [ -x $PY ] && $PY -c "import numpy" 2>/dev/null && have_np=1

usage_error() {   # usage_error "description" command...: exit 2 with an [E::simulate] line
    local d=$1; shift
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    if [ $rc -eq 2 ] && grep -q '^\[E::simulate\]' "$T/err"; then ok; else bad "$d: exit $rc"; cat "$T/err" >&2; fi
}
S="$GRS simulate"
usage_error "no --out"              $S --samples 10 --variants 10
usage_error "no --samples"          $S --variants 10 --out "$T/u"
usage_error "--samples 0"           $S --samples 0 --variants 10 --out "$T/u"
usage_error "--samples ten"         $S --samples ten --variants 10 --out "$T/u"
usage_error "--variants 1e3"        $S --samples 10 --variants 1e3 --out "$T/u"
usage_error "--seed -1"             $S --samples 10 --variants 10 --seed -1 --out "$T/u"
usage_error "--format vcz"          $S --samples 10 --variants 10 --format vcz --out "$T/u"
usage_error "populations > samples" $S --samples 2 --variants 10 --populations 3 --out "$T/u"
usage_error "K > M"                 $S --samples 10 --variants 10 --score-variants 11 --out "$T/u"
usage_error "--h2 1.5"              $S --samples 10 --variants 10 --h2 1.5 --out "$T/u"
usage_error "--prevalence 1"        $S --samples 10 --variants 10 --prevalence 1 --out "$T/u"
usage_error "--chromosomes 23"      $S --samples 10 --variants 10 --chromosomes 23 --out "$T/u"
usage_error "--threads 0"           $S --samples 10 --variants 10 --threads 0 --out "$T/u"
"$GRS" simulate --samples 10 --variants 10 --bogus --out "$T/u" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown option: exit not 2"
check "--help" $S --help
grep -q "trait_bin: 1 = control, 2 = case" "$T/out" && ok || bad "--help does not state the trait_bin coding"
[ -z "$(ls "$T" | grep '^u\.')" ] && ok || bad "usage errors left files: $(ls "$T" | grep '^u\.')"

# failures: exit 1, one error line, nothing left (the last file cannot be renamed into place,
# so the files already committed must be taken back)
expect_error "missing directory" "cannot create" "$T/nodir*" $S --samples 10 --variants 10 --out "$T/nodir/x"
mkdir "$T/z.sim.json"
expect_error "rename blocked" "cannot rename" "$T/z.[!s]*" $S --samples 10 --variants 20 --out "$T/z"
[ -z "$(ls "$T" | grep -E '^z\..*(tmp|gz|txt|tsv)')" ] && ok || bad "failed run left $(ls "$T" | grep '^z\.')"

# ---- determinism ----------------------------------------------------------------------------
A="--samples 600 --variants 3000 --populations 3 --chromosomes 3 --seed 11 --dosage --score-variants 300 --omics-features 40"
check "simulate --threads 1" $S $A --threads 1 --out "$T/a"
check "simulate --threads 3" $S $A --threads 3 --out "$T/b"
for e in vcf.gz pgs.txt pheno.tsv covar.tsv truth.tsv omics.tsv.gz sim.json; do
    cmp -s "$T/a.$e" "$T/b.$e" && ok || bad "--threads 1 and 3 differ in .$e"
done
check "simulate --seed 12" $S ${A/--seed 11/--seed 12} --threads 2 --out "$T/c"
cmp -s "$T/a.vcf.gz" "$T/c.vcf.gz" && bad "seeds 11 and 12 give the same VCF" || ok
[ -z "$(ls "$T" | grep tmp)" ] && ok || bad "temporary files left: $(ls "$T" | grep tmp)"

# ---- bcftools reads it ----------------------------------------------------------------------
if command -v bcftools >/dev/null; then
    bcftools view -h "$T/a.vcf.gz" > "$T/h" 2>/dev/null && ok || bad "bcftools view -h"
    grep -q '^##reference=GRCh38$' "$T/h" && grep -q '^##contig=<ID=1,length=248956422,assembly=GRCh38>' "$T/h" \
        && grep -q '^##FORMAT=<ID=DS' "$T/h" && ok || bad "header lacks reference/contig/DS"
    [ "$(bcftools query -l "$T/a.vcf.gz" | wc -l)" -eq 600 ] && ok || bad "bcftools sees $(bcftools query -l "$T/a.vcf.gz" | wc -l) samples"
    check "bcftools index" bcftools index "$T/a.vcf.gz"
    [ "$(bcftools index -n "$T/a.vcf.gz")" = 3000 ] && ok || bad "index counts $(bcftools index -n "$T/a.vcf.gz") records"
    [ "$(bcftools view -H -r 2 "$T/a.vcf.gz" | wc -l)" -gt 0 ] && ok || bad "region query on chromosome 2 is empty"
    bcftools query -f '%CHROM\t%POS\t%ID\t%REF\t%ALT[\t%GT:%DS]\n' "$T/a.vcf.gz" > "$T/a.q" && ok || bad "bcftools query"
    # the BCF writer gives the same records
    check "simulate --format bcf" $S $A --format bcf --threads 2 --out "$T/d"
    bcftools query -f '%CHROM\t%POS\t%ID\t%REF\t%ALT[\t%GT:%DS]\n' "$T/d.bcf" > "$T/d.q" && cmp -s "$T/a.q" "$T/d.q" \
        && ok || bad "BCF records differ from the VCF's"
    # phased output: the same genotypes, written a|b
    check "simulate --phased" $S $A --phased --out "$T/e"
    bcftools query -f '[%GT\t]\n' "$T/e.vcf.gz" | sed 's/1|0/0|1/g; s/|/\//g' > "$T/e.gt"
    bcftools query -f '[%GT\t]\n' "$T/a.vcf.gz" > "$T/a.gt"
    cmp -s "$T/a.gt" "$T/e.gt" && ok || bad "--phased changes the genotypes"
    grep -q '1|0' <(bcftools query -f '[%GT\t]\n' "$T/e.vcf.gz" | head -50) && ok || bad "--phased writes no 1|0"
else
    skip "bcftools not installed"
fi

# ---- grs pack + grs score: every scoring row matches and the score is the true genetic value --
check "pack (GT)" "$GRS" pack --vcf "$T/a.vcf.gz" --dosage GT --out "$T/a"
check "score" "$GRS" score --geno "$T/a" --score "$T/a.pgs.txt" --out "$T/a"
check "pack (DS)" "$GRS" pack --vcf "$T/a.vcf.gz" --out "$T/ads"
check "score DS" "$GRS" score --geno "$T/ads" --score "$T/a.pgs.txt" --out "$T/ads"
if [ $have_np = 1 ]; then
check "scores vs truth" $PY - "$T" <<'PY'
import gzip, json, sys
import numpy as np
T = sys.argv[1]
summ = json.load(open(T + "/a.summary.json"))["score_files"][0]
assert summ["matched"] == 300 and summ["unmatched"] == 0 and summ["excluded"] == 0, summ
with gzip.open(T + "/a.match.tsv.gz", "rt") as f:
    h = f.readline().rstrip("\n").split("\t")
    types = [dict(zip(h, l.rstrip("\n").split("\t")))["match_type"] for l in f]
# rows k % 50 == 25 (k = 25, 75, ..., 275) carry effect allele = REF
assert types.count("refalt") == 6 and types.count("altref") == 294, (types.count("refalt"), types.count("altref"))
def table(fn):
    rows = [l.rstrip("\n").split("\t") for l in open(fn)]
    return {c.lstrip("#"): [r[i] for r in rows[1:]] for i, c in enumerate(rows[0])}
t = table(T + "/a.truth.tsv")
g = np.array(t["genetic_value"], float)
for name, floor in (("a", 0.99), ("ads", 0.95)):
    s = table(T + "/%s.sscore" % name)
    assert s["IID"] == t["IID"]
    sc = np.array(s["PGS_SIM000011_SUM"], float)
    r = np.corrcoef(sc, g)[0, 1]
    print(name, "corr(score, true g) = %.4f" % r)
    assert r > floor, r
# the offset between the PGS sum and g is the one recorded in sim.json (up to missing calls)
sim = json.load(open(T + "/a.sim.json"))
off = np.median(np.array(table(T + "/a.sscore")["PGS_SIM000011_SUM"], float) - g)
assert abs(off - sim["realised"]["pgs_sum_minus_genetic_value"]) < 0.02, (off, sim["realised"])
PY
cat "$T/out"
else
    skip "no numpy in /usr/bin/python3: scores not compared with the truth"
fi

# ---- population divergence: plink2 --fst (Hudson) between the populations ----------------------
if command -v plink2 >/dev/null; then
    for F in 0.05 0.15; do
        check "simulate --fst $F" $S --samples 900 --variants 3000 --populations 3 --fst $F --seed 5 --omics-features 0 \
            --out "$T/f$F"
        plink2 --vcf "$T/f$F.vcf.gz" --double-id --pheno "$T/f$F.covar.tsv" --pheno-name population --fst population \
            --out "$T/f$F" >/dev/null 2>&1 && ok || bad "plink2 --fst ($F)"
        check "Fst near $F" $PY - "$T/f$F.fst.summary" $F <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if not l.startswith("#")]
want = float(sys.argv[2])
fst = [float(r[-1]) for r in rows]
print("plink2 Hudson Fst", fst, "want", want)
assert len(fst) == 3 and all(0.7 * want < f < 1.3 * want for f in fst), fst
PY
        cat "$T/out"
    done
else
    skip "plink2 not installed"
fi

# ---- LD, missingness, h2, covariates, prevalence, omics (numpy/statsmodels) --------------------
if [ $have_np = 1 ] && $PY -c "import statsmodels" 2>/dev/null && [ -s "$T/a.q" ]; then
    check "simulate --ld 0" $S ${A/--seed 11/--seed 11 --ld 0} --out "$T/n"
    bcftools query -f '%CHROM\t%POS\t%ID\t%REF\t%ALT[\t%GT:%DS]\n' "$T/n.vcf.gz" > "$T/n.q"
    check "model statistics" $PY - "$T" <<'PY'
import gzip, json, sys
import numpy as np
import statsmodels.api as sm
T = sys.argv[1]
def geno(fn):
    chrom, gt, ds = [], [], []
    for l in open(fn):
        f = l.rstrip("\n").split("\t")
        chrom.append(f[0])
        calls = [c.split(":") for c in f[5:]]
        gt.append([np.nan if c[0][0] == "." else int(c[0][0]) + int(c[0][2]) for c in calls])
        ds.append([np.nan if c[1] == "." else float(c[1]) for c in calls])
    return np.array(chrom), np.array(gt, float), np.array(ds, float)
def neighbour_r(chrom, gt):
    # mean correlation of dosages of adjacent variants on one chromosome, within POP1
    x = gt[:, :200]
    r = []
    for v in range(1, x.shape[0]):
        if chrom[v] != chrom[v - 1]: continue
        ok = ~np.isnan(x[v]) & ~np.isnan(x[v - 1])
        a, b = x[v - 1][ok], x[v][ok]
        if a.std() > 0 and b.std() > 0: r.append(np.corrcoef(a, b)[0, 1])
    return np.mean(r)
chrom, gt, ds = geno(T + "/a.q")
r_ld = neighbour_r(chrom, gt)
chrom0, gt0, _ = geno(T + "/n.q")
r_0 = neighbour_r(chrom0, gt0)
print("mean neighbour dosage correlation: ld 0.8 %.3f, ld 0 %.3f" % (r_ld, r_0))
assert r_ld > 0.25 and abs(r_0) < 0.03, (r_ld, r_0)
miss = np.isnan(gt).mean()
print("missing rate %.4f" % miss)
assert 0.004 < miss < 0.006, miss
ok = ~np.isnan(gt)
assert np.all(np.abs(ds[ok] - gt[ok]) < 0.5), "DS does not round to GT"
frac = np.mean(ds[ok] != np.round(ds[ok]))
print("fractional DS %.3f" % frac)
assert 0.18 < frac < 0.22, frac

def table(fn, op=open):
    rows = [l.rstrip("\n").split("\t") for l in op(fn, "rt")]
    return {c: [r[i] for r in rows[1:]] for i, c in enumerate(rows[0])}
ph, cv, tr = table(T + "/a.pheno.tsv"), table(T + "/a.covar.tsv"), table(T + "/a.truth.tsv")
assert ph["IID"] == cv["IID"] == tr["IID"] and ph["FID"] == ph["IID"]
g = np.array(tr["genetic_value"], float)
y = np.array(ph["trait_qt"], float)
male = (np.array(cv["sex"]) == "1").astype(float)
age = np.array(cv["age"], float)
pop = np.array(cv["population"])
assert sorted(set(pop)) == ["POP1", "POP2", "POP3"] and all((pop == p).sum() == 200 for p in set(pop))
assert set(cv["sex"]) == {"1", "2"} and 40 <= age.min() and age.max() <= 70
print("var(g) = %.4f (h2 0.5 by construction)" % g.var(ddof=1))
assert abs(g.var(ddof=1) - 0.5) < 1e-6
# OLS of trait_qt on the stated architecture: coefficients 1 (g), 0.3 (male), 0.02 (age),
# 0.2 and 0.4 (POP2, POP3), residual variance 1 - h2
X = sm.add_constant(np.column_stack([g, male, age, pop == "POP2", pop == "POP3"]).astype(float))
fit = sm.OLS(y, X).fit()
want = [None, 1.0, 0.3, 0.02, 0.2, 0.4]
for j in range(1, 6):
    z = (fit.params[j] - want[j]) / fit.bse[j]
    print("coef %d: %.4f (se %.4f) want %g" % (j, fit.params[j], fit.bse[j], want[j]))
    assert abs(z) < 4, (j, fit.params[j], fit.bse[j])
print("residual variance %.3f" % fit.scale)
assert abs(fit.scale - 0.5) < 0.1
c = np.array(tr["covariate_effect"], float)
h2 = np.corrcoef(y - c, g)[0, 1] ** 2
print("realised h2 %.3f" % h2)
assert abs(h2 - 0.5) < 0.1
# binary trait: PLINK 1/2, exactly round(0.1 N) cases, the highest liabilities
b = np.array(ph["trait_bin"], int)
lia = np.array(tr["liability"], float)
assert set(b) == {1, 2} and (b == 2).sum() == 60
assert lia[b == 2].min() > lia[b == 1].max()
# liability carries h2 too: corr(liability - c, g)^2 near 0.5
print("liability h2 %.3f" % (np.corrcoef(lia - c, g)[0, 1] ** 2))
assert abs(np.corrcoef(lia - c, g)[0, 1] ** 2 - 0.5) < 0.1
# omics: 40 features (10 cis, 10 trait-driven, 20 noise), ~1% NA
om = table(T + "/a.omics.tsv.gz", gzip.open)
assert om["IID"] == ph["IID"] and len(om) == 41
feats = json.load(open(T + "/a.sim.json"))["omics_features"]
M = np.array([[np.nan if v == "NA" else float(v) for v in om["F%04d" % (f + 1)]] for f in range(40)])
na = np.isnan(M).mean()
print("omics NA fraction %.4f" % na)
assert 0.005 < na < 0.02
# feature = effect * standardised driver + N(0,1) noise, so corr = effect / sqrt(effect^2 + 1);
# allow 4 standard errors (1/sqrt(N))
ids = [l.split("\t")[2] for l in open(T + "/a.q")]
tol = 4 / np.sqrt(len(y))
for f, d in enumerate(feats):
    x = M[f]; ok = ~np.isnan(x)
    if d["kind"] == "cis":
        z = gt[ids.index(d["variant"])]
    elif d["kind"] == "trait":
        z = lia if d["driver"] == "liability" else y
    else:
        z = lia
    ok &= ~np.isnan(z)
    r = np.corrcoef(x[ok], z[ok])[0, 1]
    want = d["effect"] / np.sqrt(d["effect"] ** 2 + 1) if d["kind"] != "noise" else 0
    assert abs(r - want) < tol, (d, r, want)
print("omics: cis features follow their variant, trait features their trait, noise neither")
PY
    cat "$T/out"
else
    skip "no numpy/statsmodels in /usr/bin/python3 or no bcftools output"
fi

# ---- scoring-file header: what pgsc_calc and our reader need -----------------------------------
grep -q '^#format_version=2.0$' "$T/a.pgs.txt" && grep -q '^#genome_build=GRCh38$' "$T/a.pgs.txt" \
    && grep -q '^#variants_number=300$' "$T/a.pgs.txt" && grep -q '^#weight_type=beta$' "$T/a.pgs.txt" \
    && grep -q $'^rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight$' "$T/a.pgs.txt" \
    && ok || bad "PGS Catalog header"
[ "$(grep -vc '^#' "$T/a.pgs.txt")" = 301 ] && ok || bad "scoring file does not have 300 rows"

finish
