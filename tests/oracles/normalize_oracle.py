#!/usr/bin/env python3
"""Independent oracle for `grs normalize` (pgsc_calc's pgs_adjust).

usage: normalize_oracle.py REF.sscore TARGET.sscore A.ancestry.tsv N_PCS GRS.norm.tsv [NO_Z2]

NO_Z2: comma-separated scores whose Z_norm2 is not compared, for a score whose mean+var
likelihood is unbounded (zero variance inside a population that the PCs separate: the variance
goes to 0 there, no MLE exists, and both grs and BFGS stop at arbitrary points; grs warns).

Reads the inputs, computes percentile_MostSimilarPop, Z_MostSimilarPop, Z_norm1 and Z_norm2 for
every reference and target sample and score, and compares them with grs's P.norm.tsv.

Mode 1 (the anchor): when `pgscatalog.calc` imports (run this script with the interpreter named by
PGSC_CALC_PYTHON), it calls the real pgscatalog.calc.lib._ancestry.tools.pgs_adjust with
use_method ["empirical", "mean", "mean+var"], the same n_pcs, ref_train_col None.
Mode 2 (fallback, Debian /usr/bin/python3): a transcription of the same formulas (scipy
percentileofscore, numpy lstsq, scipy.optimize BFGS on the same likelihood from the OLS and a
sklearn GammaRegressor start).

Tolerance: absolute 1e-6 on percentiles (0..100 scale) and on every Z. A value that is NaN/inf on
the oracle side must be NA in grs (pgsc_calc gives NaN, or +-inf for x != mean when a population's
std is 0; grs writes NA for both). Prints `oracle=<mode> compared=<n> max_abs_diff=<d>` and
exits 1 on any mismatch.
"""
import math
import sys

import numpy as np
import pandas as pd

TOL = 1e-6


def read_sscore(fn):
    df = pd.read_csv(fn, sep="\t", dtype=str)
    df.columns = [c.lstrip("#") for c in df.columns]
    cols = [c for c in df.columns if c.endswith("_SUM") and c != "NAMED_ALLELE_DOSAGE_SUM"]
    for c in cols:
        df[c] = df[c].astype(float)
    return df, [c[:-4] for c in cols]


def read_ancestry(fn):
    with open(fn) as f:
        lines = [l for l in f if not l.startswith("##")]
    hdr = lines[0].lstrip("#").rstrip("\n").split("\t")
    rows = [l.rstrip("\n").split("\t") for l in lines[1:]]
    df = pd.DataFrame(rows, columns=hdr)
    for c in hdr:
        if c.startswith("PC"):
            df[c] = df[c].astype(float)
    return df


def join(anc, sc):
    key = ["FID", "IID"] if "FID" in sc.columns else ["IID"]
    return anc.merge(sc, on=key, how="inner", suffixes=("", "_sscore"))


def transcription(ref_df, target_df, scorecols, n_pcs):
    """The formulas of pgs_adjust, written out (used when pgscatalog.calc is not importable)."""
    from scipy.stats import percentileofscore
    from scipy import optimize as opt
    from sklearn.linear_model import GammaRegressor

    pcs = ["PC%d" % (i + 1) for i in range(n_pcs)]
    res_ref, res_tgt = {}, {}
    pops = ref_df["POP"].unique()
    for c in scorecols:
        nan_r = pd.Series(np.nan, index=ref_df.index)
        nan_t = pd.Series(np.nan, index=target_df.index)
        for col in ["percentile_MostSimilarPop", "Z_MostSimilarPop", "Z_norm1", "Z_norm2"]:
            res_ref[col + "|" + c] = nan_r.copy()
            res_tgt[col + "|" + c] = nan_t.copy()
        if np.var(ref_df[c]) == 0:
            continue
        for pop in pops:
            ir = ref_df["POP"] == pop
            it = target_df["MostSimilarPop"] == pop
            dist = ref_df.loc[ir, c]
            m, s = dist.mean(), dist.std(ddof=0)
            res_ref["percentile_MostSimilarPop|" + c][ir] = percentileofscore(dist, ref_df.loc[ir, c])
            res_tgt["percentile_MostSimilarPop|" + c][it] = percentileofscore(dist, target_df.loc[it, c])
            with np.errstate(divide="ignore", invalid="ignore"):
                res_ref["Z_MostSimilarPop|" + c][ir] = (ref_df.loc[ir, c] - m) / s
                res_tgt["Z_MostSimilarPop|" + c][it] = (target_df.loc[it, c] - m) / s
        Xr = ref_df[pcs].to_numpy(float)
        Xt = target_df[pcs].to_numpy(float)
        pm, ps = Xr.mean(axis=0), Xr.std(axis=0, ddof=0)
        Xr, Xt = (Xr - pm) / ps, (Xt - pm) / ps
        off = ref_df[c].mean()
        yr = ref_df[c].to_numpy(float) - off
        yt = target_df[c].to_numpy(float) - off
        A = np.column_stack([np.ones(len(yr)), Xr])
        b = np.linalg.lstsq(A, yr, rcond=None)[0]
        rr = yr - A @ b
        rs = rr.std(ddof=0)
        res_ref["Z_norm1|" + c][:] = rr / rs
        res_tgt["Z_norm1|" + c][:] = (yt - np.column_stack([np.ones(len(yt)), Xt]) @ b) / rs
        g = GammaRegressor(max_iter=1000).fit(Xr, (rr - rr.mean()) ** 2)
        th0 = np.concatenate([b, [g.intercept_], g.coef_])
        d = n_pcs + 1

        def nll(th):
            mu, eta = A @ th[:d], A @ th[d:]
            return np.sum(0.5 * eta + 0.5 * (yr - mu) ** 2 * np.exp(-eta))

        def grad(th):
            mu, eta = A @ th[:d], A @ th[d:]
            w = np.exp(-eta)
            r = yr - mu
            return np.concatenate([-(A.T @ (r * w)), A.T @ (0.5 - 0.5 * r * r * w)])

        fit = opt.minimize(nll, th0, jac=grad, method="BFGS", options={"maxiter": 1000})
        th = fit.x

        def z2(X, y):
            B = np.column_stack([np.ones(len(y)), X])
            return (y - B @ th[:d]) / np.sqrt(np.exp(B @ th[d:]))

        res_ref["Z_norm2|" + c][:] = z2(Xr, yr)
        res_tgt["Z_norm2|" + c][:] = z2(Xt, yt)
    return pd.DataFrame(res_ref), pd.DataFrame(res_tgt)


def real_pgsc(ref_df, target_df, scorecols, n_pcs):
    from pgscatalog.calc.lib._ancestry.tools import pgs_adjust
    rr, rt, _ = pgs_adjust(ref_df, target_df, scorecols, "POP", "MostSimilarPop",
                           use_method=["empirical", "mean", "mean+var"], ref_train_col=None, n_pcs=n_pcs)
    return rr, rt


def main():
    ref_fn, tgt_fn, anc_fn, n_pcs, grs_fn = sys.argv[1:6]
    n_pcs = int(n_pcs)
    no_z2 = set(sys.argv[6].split(",")) if len(sys.argv) > 6 else set()
    anc = read_ancestry(anc_fn)
    rs, names = read_sscore(ref_fn)
    ts, names_t = read_sscore(tgt_fn)
    ref_df = join(anc[anc["DATASET"] == "reference"], rs).reset_index(drop=True)
    target_df = join(anc[anc["DATASET"] == "target"], ts).reset_index(drop=True)
    scorecols = [n + "_SUM" for n in names]
    try:
        import pgscatalog.calc  # noqa: F401
        mode = "pgscatalog-calc"
    except ImportError:
        mode = "transcription"
    import warnings
    warnings.simplefilter("ignore")
    rr, rt = (real_pgsc if mode == "pgscatalog-calc" else transcription)(ref_df, target_df, scorecols, n_pcs)

    grs = read_ancestry(grs_fn)
    got = {}
    for _, row in grs.iterrows():
        got[(row["DATASET"], row["FID"], row["IID"], row["SCORE"])] = row
    n = 0
    worst = 0.0
    per_col = {}
    bad = 0
    for dataset, df, res in (("reference", ref_df, rr), ("target", target_df, rt)):
        for i in range(len(df)):
            for nm, sc in zip(names, scorecols):
                key = (dataset, df["FID"][i], df["IID"][i], nm)
                if key not in got:
                    print("missing grs row", key)
                    bad += 1
                    continue
                row = got[key]
                for col in ["percentile_MostSimilarPop", "Z_MostSimilarPop", "Z_norm1", "Z_norm2"]:
                    if col == "Z_norm2" and nm in no_z2:
                        continue
                    exp = float(res[col + "|" + sc][i])
                    g = row[col]
                    n += 1
                    if not math.isfinite(exp):
                        if g != "NA":
                            bad += 1
                            if bad < 10:
                                print("mismatch", key, col, "oracle", exp, "grs", g)
                        continue
                    if g == "NA":
                        bad += 1
                        if bad < 10:
                            print("mismatch", key, col, "oracle", exp, "grs NA")
                        continue
                    diff = abs(float(g) - exp)
                    worst = max(worst, diff)
                    per_col[col] = max(per_col.get(col, 0.0), diff)
                    if diff > TOL:
                        bad += 1
                        if bad < 10:
                            print("mismatch", key, col, "oracle", exp, "grs", g, "diff", diff)
    expected_rows = (len(ref_df) + len(target_df)) * len(names)
    if len(got) != expected_rows:
        print("grs wrote %d rows, oracle expects %d" % (len(got), expected_rows))
        bad += 1
    print("per column max_abs_diff: " + " ".join("%s=%.3g" % kv for kv in per_col.items()))
    print("oracle=%s compared=%d max_abs_diff=%.3g mismatches=%d" % (mode, n, worst, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
