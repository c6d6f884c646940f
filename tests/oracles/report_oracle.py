#!/usr/bin/python3
"""Independent check of `grs report` (run with Debian's /usr/bin/python3: numpy, scipy,
statsmodels, scikit-learn).

  report_oracle.py simulate --out PREFIX --n N --seed S [--quant] [--sex-effect]
      writes PREFIX.sscore (plink2 layout, #FID IID, two *_AVG scores), PREFIX.pheno (PLINK
      style, no header; binary coded 1/2 with a few 0/-9 missing, or quantitative) and
      PREFIX.covar (header TSV: AGE numeric, SEX 1/2 numeric, SITE categorical words, with a
      few NA), and PREFIX.json with the true effects.
  report_oracle.py check --json DIR/report.json --scores F --pheno F [--covar F]
      [--group COL ...] [--prevalence K] [--cuts P,P,...] [--top X,X,...] [--covar-cat C,...]
      [--pheno-col NAME] [--predicted COL] [--proc]
      recomputes every statistic from the input files with statsmodels/sklearn/scipy and
      compares it with report.json: point estimates, CIs and p-values within rel 1e-6 (p-values:
      rel 1e-6 or abs 1e-12). --proc also runs report_delong.R (R pROC) on the same samples
      and compares the AUROC and its DeLong CI and SE. Prints the largest relative differences per statistic; exit 1 on a
      mismatch.

Nothing here is shared with grs: files are parsed with pandas, the design is built with
numpy, models are fitted by statsmodels, the AUC by sklearn, Wilson intervals by statsmodels,
the liability transformation is Lee et al. (2012) eq. 15 written out below.
"""
import argparse
import json
import math
import re
import sys

import numpy as np


def simulate(a):
    rng = np.random.default_rng(a.seed)
    n = a.n
    fid = np.array(["F%d" % i for i in range(n)])
    iid = np.array(["S%d" % i for i in range(n)])
    g = rng.normal(size=n)                      # the true genetic liability
    s1 = 0.01 * g + 0.003 * rng.normal(size=n)   # score 1 correlates with it
    s2 = 0.01 * rng.normal(size=n)               # score 2 is noise
    age = rng.uniform(40, 70, size=n)
    sex = rng.integers(1, 3, size=n)
    site = rng.choice(["north", "south", "east"], size=n, p=[0.5, 0.3, 0.2])
    site_eff = {"north": 0.0, "south": 0.3, "east": -0.2}
    eff = 0.6 * (1.5 if a.sex_effect else 1.0)
    lin = eff * g * np.where(sex == 2, 1.0, 0.4 if a.sex_effect else 1.0) + 0.03 * (age - 55) \
        + 0.2 * (sex - 1.5) + np.array([site_eff[x] for x in site])
    if a.quant:
        y = lin + rng.normal(size=n)
        ys = ["%.6f" % v for v in y]
    else:
        p = 1 / (1 + np.exp(-(lin - 1.2)))
        y = (rng.uniform(size=n) < p).astype(int)
        ys = [str(v + 1) for v in y]               # PLINK 1 = control, 2 = case
        for i in rng.choice(n, size=max(1, n // 100), replace=False):
            ys[i] = "0" if i % 2 else "-9"         # missing, both PLINK spellings
        # a miscalibrated predicted risk of the same samples (for --predicted)
        pred = 1 / (1 + np.exp(-(0.8 * (lin - 1.2) + 0.15)))
        with open(a.out + ".pred.tsv", "w") as f:
            f.write("FID\tIID\tSTATUS\tPRED\n")
            for i in range(n):
                f.write("%s\t%s\t%s\t%s\n" % (fid[i], iid[i], ys[i], "NA" if i % 101 == 3 else "%.6g" % pred[i]))
    with open(a.out + ".sscore", "w") as f:
        f.write("#FID\tIID\tALLELE_CT\tDENOM\tNAMED_ALLELE_DOSAGE_SUM\tPGS1_AVG\tPGS2_AVG\tPGS1_SUM\tPGS2_SUM\n")
        for i in range(n):
            f.write("%s\t%s\t200\t200\t%d\t%.6g\t%.6g\t%.6g\t%.6g\n" % (fid[i], iid[i], 100, s1[i], s2[i],
                                                                      200 * s1[i], 200 * s2[i]))
    order = rng.permutation(n)                     # the phenotype file in another order
    with open(a.out + ".pheno", "w") as f:
        for i in order[: n - n // 50]:             # 2% of the scored samples have no phenotype row
            f.write("%s %s %s\n" % (fid[i], iid[i], ys[i]))
        f.write("FX1 SX1 1\nFX2 SX2 2\n")           # and two phenotype rows have no score
    with open(a.out + ".covar", "w") as f:
        f.write("FID\tIID\tAGE\tSEX\tSITE\n")
        for i in range(n):
            agev = "NA" if i % 97 == 5 else "%.3f" % age[i]
            f.write("%s\t%s\t%s\t%d\t%s\n" % (fid[i], iid[i], agev, sex[i], site[i]))
    with open(a.out + ".json", "w") as f:
        json.dump({"n": n, "seed": a.seed, "quant": bool(a.quant)}, f)


# ---------------------------------------------------------------------------------------------
MISSING = {"", "NA", "N/A", "nan", "NaN", "NAN", ".", "-9"}


def read_table(fn, prefix):
    """FID/IID keyed table, as documented in grs's table.h, read independently."""
    import pandas as pd
    with open(fn) as f:
        first = f.readline().rstrip("\r\n")
    sep = "\t" if "\t" in first else ("," if "," in first else r"\s+")
    f0 = first.split("\t" if sep == "\t" else ("," if sep == "," else None))[0]
    header = first.startswith("#") or f0.lstrip("#").upper() in ("FID", "IID")
    df = pd.read_csv(fn, sep=sep, header=0 if header else None, dtype=str, keep_default_na=False,
                     engine="python")
    if header:
        df.columns = [c.lstrip("#") if i == 0 else c for i, c in enumerate(df.columns)]
    else:
        df.columns = ["FID", "IID"] + ["%s%d" % (prefix, i + 1) for i in range(df.shape[1] - 2)]
    return df


def key(df, with_fid):
    return (df["FID"] + "\t" + df["IID"]) if with_fid else df["IID"]


class Cmp:
    def __init__(self):
        self.worst = {}
        self.fail = 0

    def __call__(self, what, got, want, rel=1e-6, abs_=1e-12):
        if what.endswith(".p"):
            abs_ = 1e-300          # p-values: relative precision all the way down
        if got is None or want is None or (isinstance(want, float) and not math.isfinite(want)):
            ok = (got is None) == (want is None or not math.isfinite(want))
            d = 0.0 if ok else float("inf")
        else:
            d = abs(got - want) / max(abs(want), 1e-300)
            ok = abs(got - want) <= max(rel * abs(want), abs_)
            if want == 0:
                d = abs(got)
        cat = re.sub(r"\[[^]]*\]", "", what)
        self.worst[cat] = max(self.worst.get(cat, 0.0), d)
        if want is not None and got is not None and d > 1e-3:
            print("note %s: grs %r oracle %r (within the absolute tolerance)" % (what, got, want))
        if not ok:
            self.fail += 1
            if self.fail <= 30:
                print("MISMATCH %s: grs %r oracle %r" % (what, got, want))


def check(a):
    import pandas as pd
    import statsmodels.api as sm
    from scipy import stats
    from sklearn.metrics import roc_auc_score
    from statsmodels.stats.proportion import proportion_confint

    rep = json.load(open(a.json))
    dl_in = ["name\tscore\ty\n"]
    ts = read_table(a.scores, "SCORE")
    tp = read_table(a.pheno, "PHENO")
    tc = read_table(a.covar, "COVAR") if a.covar else None
    fid_p = "FID" in ts.columns and "FID" in tp.columns
    ts["_k"] = key(ts, fid_p)
    tp["_k"] = key(tp, fid_p)
    pcol = a.pheno_col or [c for c in tp.columns if c not in ("FID", "IID", "_k")][0]
    d = ts.merge(tp[["_k", pcol]].rename(columns={pcol: "_p"}), on="_k", how="inner")
    pname, pcol = pcol, "_p"
    vals = set(v for v in d[pcol] if v not in MISSING)
    fv = set(float(v) for v in vals)
    plink12 = fv <= {0.0, 1.0, 2.0} and 2.0 in fv
    binary = fv <= {0.0, 1.0} or plink12
    miss = d[pcol].isin(MISSING) | ((d[pcol].astype(str) == "0") & plink12)
    d = d[~miss].copy()
    y = d[pcol].astype(float).values
    if binary:
        y = (y == 2.0).astype(float) if plink12 else (y == 1.0).astype(float)
    d["_y"] = y
    covnames = []
    if tc is not None:
        fid_c = "FID" in ts.columns and "FID" in tc.columns
        tc["_k"] = key(tc, fid_c)
        cols = [c for c in tc.columns if c not in ("FID", "IID", "_k")]
        d = d.merge(tc[["_k"] + cols].rename(columns={c: "cov_" + c for c in cols}), on="_k", how="inner")
        for c in cols:
            d = d[~d["cov_" + c].isin(MISSING)]
        cat = set(a.covar_cat.split(",")) if a.covar_cat else set()
        for c in cols:
            v = d["cov_" + c]
            isnum = pd.to_numeric(v, errors="coerce").notna().all() and c not in cat
            if isnum:
                x = v.astype(float)
                if x.nunique() > 1:
                    d["X_" + c] = x
                    covnames.append("X_" + c)
            else:
                levels = sorted(v.unique())
                for lev in levels[1:]:
                    d["X_%s=%s" % (c, lev)] = (v == lev).astype(float)
                    covnames.append("X_%s=%s" % (c, lev))
    cmp = Cmp()
    cmp("samples.analysed", rep["samples"]["analysed"], len(d))
    cmp("samples.matched", rep["samples"]["matched"], int(ts["_k"].isin(tp["_k"]).sum()))
    assert rep["phenotype"]["trait"] == ("binary" if binary else "quantitative"), rep["phenotype"]

    def design(sub, extra):
        cols = []
        for c in covnames:
            if sub[c].std() > 0:
                cols.append(c)
        X = np.column_stack([np.ones(len(sub))] + extra + [sub[c].values for c in cols])
        return X

    def fit(sub, extra, logistic):
        """None when the logistic model has no finite MLE (statsmodels fails or does not converge)"""
        X = design(sub, extra)
        if logistic:
            try:
                f = sm.Logit(sub["_y"].values, X).fit(disp=0, method="newton", maxiter=200, tol=1e-10)
            except Exception:         # LinAlgError, PerfectSeparationError: no finite MLE
                return None
            return f if f.mle_retvals["converged"] else None
        return sm.OLS(sub["_y"].values, X).fit()

    def check_res(tag, r, sub, z):
        n = len(sub)
        cmp(tag + ".n", r["n"], n)
        if binary:
            yy = sub["_y"].values
            cmp(tag + ".cases", r["cases"], int(yy.sum()))
            if yy.sum() == 0 or yy.sum() == n or n < 3:
                return
            cmp(tag + ".auc", r["auc"], roc_auc_score(yy, z), rel=1e-12)
            f = fit(sub, [z], True)
            fc = fit(sub, [], True) if covnames else True
            if f is None or fc is None:    # separation: grs reports "not estimable"
                cmp(tag + ".not_estimable", r["log_or_per_sd"], None)
                assert r["note"] and "not estimable" in r["note"], r["note"]
                return
            cmp(tag + ".log_or_per_sd", r["log_or_per_sd"], f.params[1])
            cmp(tag + ".log_or_se", r["log_or_se"], f.bse[1])
            ci = np.asarray(f.conf_int())[1]
            cmp(tag + ".or_lo", r["or_lo"], math.exp(ci[0]))
            cmp(tag + ".or_hi", r["or_hi"], math.exp(ci[1]))
            cmp(tag + ".p", r["p"], f.pvalues[1])
            llnull = f.llnull
            fc = fc if covnames else None
            llc = fc.llf if fc is not None else llnull

            def nk(ll):
                return (1 - math.exp(2 * (llnull - ll) / n)) / (1 - math.exp(2 * llnull / n))
            cmp(tag + ".nagelkerke_full", r["nagelkerke_full"], nk(f.llf))
            cmp(tag + ".nagelkerke_covariates", r["nagelkerke_covariates"], nk(llc) if fc is not None else 0.0,
                abs_=1e-10)
            cmp(tag + ".nagelkerke_incremental", r["nagelkerke_incremental"],
                nk(f.llf) - (nk(llc) if fc is not None else 0.0))
            r2f = fit(sub, [z], False).rsquared
            r2c = fit(sub, [], False).rsquared if covnames else 0.0
            r2o = r2f - r2c
            cmp(tag + ".r2_observed_incremental", r["r2_observed_incremental"], r2o)
            if a.prevalence:
                K, P = a.prevalence, yy.mean()
                # Lee, Goddard, Wray, Visscher (2012) Genet Epidemiol 36:214, eq. 15
                t = stats.norm.isf(K)
                zz = stats.norm.pdf(t)
                i = zz / K
                C = K * (1 - K) / zz ** 2 * K * (1 - K) / (P * (1 - P))
                theta = i * (P - K) / (1 - K) * (i * (P - K) / (1 - K) - t)
                cmp(tag + ".r2_liability", r["r2_liability"], r2o * C / (1 + r2o * theta * C))
        else:
            f = fit(sub, [z], False)
            cmp(tag + ".beta_per_sd", r["beta_per_sd"], f.params[1])
            cmp(tag + ".beta_se", r["beta_se"], f.bse[1])
            ci = np.asarray(f.conf_int())[1]
            cmp(tag + ".beta_lo", r["beta_lo"], ci[0])
            cmp(tag + ".beta_hi", r["beta_hi"], ci[1])
            cmp(tag + ".p", r["p"], f.pvalues[1])
            cmp(tag + ".r2_full", r["r2_full"], f.rsquared)
            r2c = fit(sub, [], False).rsquared if covnames else 0.0
            cmp(tag + ".r2_incremental", r["r2_incremental"], f.rsquared - r2c)
            cmp(tag + ".r2_score", r["r2_score"], np.corrcoef(z, sub["_y"].values)[0, 1] ** 2)

    def separated(yv, in_a, in_b):
        """a 2x2 table with an empty cell: the OR has no finite estimate (complete separation)"""
        ya, yb = yv[in_a], yv[in_b]
        return min(ya.sum(), len(ya) - ya.sum(), yb.sum(), len(yb) - yb.sum()) == 0

    cuts = [float(x) for x in a.cuts.split(",")] if a.cuts else [10.0 * i for i in range(1, 10)]
    tops = [float(x) for x in a.top.split(",")] if a.top else [1.0, 5.0, 10.0]
    for rs in rep["scores"]:
        col = rs["column"]
        sub = d[~d[col].isin(MISSING)].copy()
        s = sub[col].astype(float).values
        mean, sd = s.mean(), s.std(ddof=1)
        z = (s - mean) / sd
        tag = rs["name"]
        if a.proc and binary:
            dl_in.extend("%s\t%.17g\t%d\n" % (rs["name"], v, yv) for v, yv in zip(s, sub["_y"].values))
        check_res(tag + ".overall", rs["overall"], sub, z)
        q = np.quantile(s, np.array(cuts) / 100)       # numpy 'linear' = R type 7
        q40, q60 = np.quantile(s, [0.4, 0.6])
        mid = (s > q40) & (s <= q60)
        for j, st in enumerate(rs["strata"]):
            lo = q[j - 1] if j else -np.inf
            hi = q[j] if j < len(cuts) else np.inf
            ins = ((s > lo) if j else np.ones(len(s), bool)) & (s <= hi)
            cmp(tag + ".strata[%d].n" % j, st["n"], int(ins.sum()))
            if binary:
                x = int(sub["_y"].values[ins].sum())
                wl, wh = proportion_confint(x, int(ins.sum()), method="wilson")
                cmp(tag + ".strata.prev", st["prevalence"], x / ins.sum())
                cmp(tag + ".strata.wilson_lo", st["prev_lo"], wl, abs_=1e-12)
                cmp(tag + ".strata.wilson_hi", st["prev_hi"], wh)
            else:
                v = sub["_y"].values[ins]
                h = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
                cmp(tag + ".strata.mean", st["mean"], v.mean())
                cmp(tag + ".strata.mean_lo", st["mean_lo"], v.mean() - h)
                cmp(tag + ".strata.mean_hi", st["mean_hi"], v.mean() + h)
            a_ = ins & ~mid
            if not a_.any():
                assert st["reference"], st
                continue
            sel = a_ | mid
            ss = sub[sel]
            if binary and separated(sub["_y"].values, a_, mid):
                cmp(tag + ".strata.not_estimable", st["estimate"], None)
                continue
            f = fit(ss, [a_[sel].astype(float)], binary)
            if f is None:
                cmp(tag + ".strata.not_estimable", st["estimate"], None)
                continue
            ci = np.asarray(f.conf_int())[1]
            tr = (lambda v: math.exp(v)) if binary else (lambda v: v)
            cmp(tag + ".strata.estimate", st["estimate"], tr(f.params[1]))
            cmp(tag + ".strata.lo", st["lo"], tr(ci[0]))
            cmp(tag + ".strata.hi", st["hi"], tr(ci[1]))
            cmp(tag + ".strata.p", st["p"], f.pvalues[1])
        for j, st in enumerate(rs["top"]):
            qt = np.quantile(s, 1 - tops[j] / 100)
            ins = s > qt
            cmp(tag + ".top.n", st["n"], int(ins.sum()))
            if binary and separated(sub["_y"].values, ins, ~ins):
                cmp(tag + ".top.not_estimable", st["estimate"], None)
                continue
            f = fit(sub, [ins.astype(float)], binary)
            if f is None:
                cmp(tag + ".top.not_estimable", st["estimate"], None)
                continue
            ci = np.asarray(f.conf_int())[1]
            tr = (lambda v: math.exp(v)) if binary else (lambda v: v)
            cmp(tag + ".top.estimate", st["estimate"], tr(f.params[1]))
            cmp(tag + ".top.lo", st["lo"], tr(ci[0]))
            cmp(tag + ".top.hi", st["hi"], tr(ci[1]))
        for gr in rs["groups"]:
            src = None
            gcol = gr["column"]
            gv = sub["cov_" + gcol] if "cov_" + gcol in sub.columns else None
            if gv is None:
                gv = sub[gcol] if gcol in sub.columns else None
            if gv is None:
                src = tp if gcol in tp.columns else tc
                m = dict(zip(src["_k"], src[gcol]))
                gv = sub["_k"].map(m)
            for lv in gr["levels"]:
                ins = (gv == lv["level"]).values
                check_res("%s.group[%s=%s]" % (tag, gcol, lv["level"]), lv, sub[ins], z[ins])
            # the largest gap, from the (checked) per-level values
            for gp in gr["gaps"]:
                key_ = "auc" if gp["metric"] == "auc" else ("log_or_per_sd" if binary else "beta_per_sd")
                sek = "auc_se" if key_ == "auc" else ("log_or_se" if binary else "beta_se")
                lv = [x for x in gr["levels"] if x.get(key_) is not None and x.get(sek) is not None]
                best = max(((abs(x[key_] - y_[key_]), x, y_) for i, x in enumerate(lv) for y_ in lv[i + 1:]),
                           key=lambda t: t[0])
                se = math.sqrt(best[1][sek] ** 2 + best[2][sek] ** 2)
                cmp(tag + ".gap.diff", gp["diff"], best[0])
                cmp(tag + ".gap.lo", gp["lo"], best[0] - stats.norm.ppf(0.975) * se)
                assert gp["excludes_zero"] == (best[0] - stats.norm.ppf(0.975) * se > 0)
    if a.proc and binary:
        # pROC (report_delong.R) on the same samples: name auc lo hi se per score
        import os
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory() as td:
            fi, fo = os.path.join(td, "in.tsv"), os.path.join(td, "out.txt")
            open(fi, "w").writelines(dl_in)
            subprocess.run(["Rscript", os.path.join(os.path.dirname(os.path.abspath(__file__)), "report_delong.R"),
                            fi, fo], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            proc = {l.split()[0]: [float(x) for x in l.split()[1:]] for l in open(fo)}
        for rs in rep["scores"]:
            o, f = rs["overall"], proc[rs["name"]]
            cmp(rs["name"] + ".pROC_auc", o["auc"], f[0], rel=1e-12)
            cmp(rs["name"] + ".pROC_delong_lo", o["auc_lo"], f[1])
            cmp(rs["name"] + ".pROC_delong_hi", o["auc_hi"], f[2])
            cmp(rs["name"] + ".pROC_delong_se", o["auc_se"], f[3])
    if a.predicted:
        check_calibration(a, rep, d, tp, binary, cmp)
    for k in sorted(cmp.worst):
        print("  %-40s max rel diff %.3g" % (k, cmp.worst[k]))
    print("oracle: %d mismatches" % cmp.fail)
    return 1 if cmp.fail else 0


def check_calibration(a, rep, d, tp, binary, cmp):
    """--predicted: Brier, AUROC, calibration intercept (GLM with offset) and slope (Logit),
    deciles of predicted risk with Wilson intervals, decision-curve net benefit."""
    import statsmodels.api as sm
    from sklearn.metrics import roc_auc_score
    from statsmodels.stats.proportion import proportion_confint
    c = rep["calibration"]
    m = dict(zip(tp["_k"], tp[a.predicted]))
    pv = d["_k"].map(m)
    ok = ~pv.isin(MISSING)
    p = pv[ok].astype(float).values
    y = d["_y"].values[ok.values]
    n = len(p)
    cmp("cal.n", c["n"], n)
    cmp("cal.brier", c["brier"], float(np.mean((p - y) ** 2)))
    cmp("cal.auc", c["auc"], roc_auc_score(y, p), rel=1e-12)
    lp = np.log(p / (1 - p))
    g = sm.GLM(y, np.ones((n, 1)), family=sm.families.Binomial(), offset=lp).fit(tol=1e-12)
    ci = np.asarray(g.conf_int())[0]
    cmp("cal.intercept", c["intercept"], g.params[0])
    cmp("cal.intercept_lo", c["intercept_lo"], ci[0])
    cmp("cal.intercept_hi", c["intercept_hi"], ci[1])
    f = sm.Logit(y, sm.add_constant(lp)).fit(disp=0, method="newton", tol=1e-10)
    ci = np.asarray(f.conf_int())[1]
    cmp("cal.slope", c["slope"], f.params[1])
    cmp("cal.slope_lo", c["slope_lo"], ci[0])
    cmp("cal.slope_hi", c["slope_hi"], ci[1])
    q = np.quantile(p, np.arange(1, 10) / 10)
    for j, b in enumerate(c["deciles"]):
        ins = ((p > q[j - 1]) if j else np.ones(n, bool)) & ((p <= q[j]) if j < 9 else np.ones(n, bool))
        k = int(y[ins].sum())
        lo, hi = proportion_confint(k, int(ins.sum()), method="wilson")
        cmp("cal.decile.n", b["n"], int(ins.sum()))
        cmp("cal.decile.mean_predicted", b["mean_predicted"], p[ins].mean())
        cmp("cal.decile.observed", b["observed"], k / ins.sum())
        cmp("cal.decile.observed_lo", b["observed_lo"], lo, abs_=1e-12)
        cmp("cal.decile.observed_hi", b["observed_hi"], hi)
    prev = y.mean()
    for t, nb, nba in zip(c["decision_curve"]["threshold"], c["decision_curve"]["net_benefit"],
                          c["decision_curve"]["net_benefit_treat_all"]):
        treat = p >= t
        w = t / (1 - t)
        cmp("cal.net_benefit", nb, (np.sum(treat & (y == 1)) - np.sum(treat & (y == 0)) * w) / n, abs_=1e-12)
        cmp("cal.net_benefit_treat_all", nba, prev - (1 - prev) * w, abs_=1e-12)


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    s = sp.add_parser("simulate")
    s.add_argument("--out", required=True)
    s.add_argument("--n", type=int, default=2000)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--quant", action="store_true")
    s.add_argument("--sex-effect", action="store_true")
    c = sp.add_parser("check")
    for o in ("--json", "--scores", "--pheno"):
        c.add_argument(o, required=True)
    for o in ("--covar", "--prevalence", "--cuts", "--top", "--covar-cat", "--pheno-col", "--predicted"):
        c.add_argument(o)
    c.add_argument("--proc", action="store_true", help="also compare AUROC/DeLong with R pROC")
    b = sp.add_parser("batch", help="run the check lines of FILE (NAME ARGS..., shell-quoted) in one process")
    b.add_argument("file")
    a = ap.parse_args()
    if a.cmd == "simulate":
        simulate(a)
        return 0
    if a.cmd == "batch":
        import shlex
        import traceback
        n_bad = 0
        for line in open(a.file):
            if not line.strip():
                continue
            w = shlex.split(line)
            print("job %s" % w[0])
            try:
                rc = run_check(ap.parse_args(["check"] + w[1:]))
            except Exception:
                traceback.print_exc(file=sys.stdout)
                rc = 1
            print("job %s: %s" % (w[0], "ok" if rc == 0 else "FAILED"))
            sys.stdout.flush()
            n_bad += rc != 0
        return 1 if n_bad else 0
    return run_check(a)


def run_check(a):
    if a.prevalence:
        a.prevalence = float(a.prevalence)
    return check(a)


if __name__ == "__main__":
    sys.exit(main())
