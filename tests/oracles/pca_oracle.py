#!/usr/bin/python3
"""pca_oracle.py -- an independent check of `grs ancestry` (numpy/scipy, Debian's python3).

Subcommands (each prints what it measured and exits 1 when a tolerance is not met):

  pca VCF PREFIX [--strict K]
      Reads the genotypes of the variants in PREFIX.qc.tsv straight from the VCF text (its own
      GT parser, not grs's), standardizes them as plink2 --pca does ((g - 2p) / sqrt(2p(1-p)),
      missing -> 0), takes numpy.linalg.svd, and compares with PREFIX.eigenval (s^2/M),
      PREFIX.eigenvec.var (V) and the reference rows of PREFIX.ancestry.tsv (U s / sqrt(M)).
      The first K (default 2) PCs are the population-structure spikes, where randomized SVD with
      power iterations converges: eigenvalues within 1e-6 relative, loadings and scores
      |cos| > 1 - 1e-6. The others lie in the noise bulk (eigen-gaps of ~1%), where randomized
      SVD converges slowly: their eigenvalues are checked within 5e-2 and the figures printed.
  mahal PREFIX.ancestry.tsv N_ASSIGN [--truth-iid]
      A transcription of pgsc_calc's Mahalanobis method: per reference population, mean and
      covariance (numpy.cov bias=True) of PC1..PC<N_ASSIGN>; squared Mahalanobis distance with
      the inverse covariance; P = scipy.stats.chi2.sf(d2, N_ASSIGN - 1). Compares every row's P
      values (1e-9 relative) and MostSimilarPop, and the share of rows assigned to their own
      population (POP column, or the IID prefix POPk_ with --truth-iid) > 95%.
  selfproj PREFIX
      Panel samples projected as targets (a run with --target = the panel): the target rows
      times the shrinkage factors of PREFIX.pcamodel equal the reference rows (1e-9 relative).
  shrink FULL_PREFIX SUB_PREFIX
      Held-out samples: SUB was fitted without them and projected them (target rows); FULL
      contains them as reference rows. In the PC1-PC2 plane (sub-panel axes aligned to the full
      ones by an orthogonal Procrustes map fitted on the shared reference samples), the RMS
      ratio and the mean distance to the full-panel scores before (target x d) and after (the
      written, corrected scores) the shrinkage correction. The correction must bring them closer,
      and the corrected RMS ratio within 2% of 1.
  same A.ancestry.tsv B.ancestry.tsv
      The target rows of A and B are identical (same text).
"""
import gzip
import sys

import numpy as np
from scipy.stats import chi2


# diploid GT text -> ALT count (biallelic records); anything else (missing, half-calls) -> -1
GT_CODE = {a + sep + b: int(a) + int(b) for a in "01" for b in "01" for sep in "/|"}


def read_table(fn):
    """(header fields, rows as lists) of a grs TSV with ## lines and one # header"""
    head, rows = None, []
    with open(fn) as fp:
        for line in fp:
            line = line.rstrip("\n")
            if line.startswith("##"):
                continue
            if line.startswith("#"):
                head = line[1:].split("\t")
                continue
            rows.append(line.split("\t"))
    return head, rows


def read_model_meta(fn):
    meta = {}
    with open(fn) as fp:
        for line in fp:
            if not line.startswith("##"):
                break
            k, _, v = line[2:].rstrip("\n").partition("=")
            meta[k] = v
    return meta


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def angle(a, b):
    """sin of the angle between two vectors, up to sign (precise where 1-|cos| underflows)"""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    b = b if a @ b >= 0 else -b
    d = np.linalg.norm(a - b)
    return d * np.sqrt(max(0.0, 1 - d * d / 4))


def cmd_pca(args):
    vcf, prefix = args[0], args[1]
    strict = int(args[args.index("--strict") + 1]) if "--strict" in args else 2
    _, qc = read_table(prefix + ".qc.tsv")
    want = {(r[0], int(r[1])): (i, r[3], r[4]) for i, r in enumerate(qc)}
    M = len(qc)
    G = None
    samples = None
    found = 0
    with gzip.open(vcf, "rt") as fp:
        for line in fp:
            if line.startswith("##"):
                continue
            f = line.rstrip("\n").split("\t")
            if line.startswith("#"):
                samples = f[9:]
                G = np.full((M, len(samples)), -1, dtype=np.int8)
                continue
            chrom = f[0][3:] if f[0].startswith("chr") else f[0]
            key = (chrom, int(f[1]))
            if key not in want:
                continue
            i, ref, alt = want[key]
            if f[3] != ref or f[4] != alt:
                continue
            if f[8] == "GT":   # the common case: a table lookup per cell
                G[i] = [GT_CODE.get(c, -1) for c in f[9:]]
            else:
                gi = f[8].split(":").index("GT")
                G[i] = [GT_CODE.get(c.split(":")[gi], -1) for c in f[9:]]
            found += 1
    if found != M:
        fail("found %d of %d kept variants in the VCF" % (found, M))
    called = G >= 0
    p = np.where(called, G, 0).sum(axis=1) / (2.0 * called.sum(axis=1))
    X = np.where(called, (G - 2 * p[:, None]) / np.sqrt(2 * p * (1 - p))[:, None], 0.0).T  # n x M
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    eig_np = s ** 2 / M
    eig = np.loadtxt(prefix + ".eigenval")
    K = len(eig)
    _, ev = read_table(prefix + ".eigenvec.var")
    V = np.array([[float(x) for x in r[5:]] for r in ev])
    head, anc = read_table(prefix + ".ancestry.tsv")
    pc0 = head.index("PC1")
    ref = [r for r in anc if r[2] == "reference"]
    iid = [r[1] for r in ref]
    order = [samples.index(x) for x in iid]
    S = np.array([[float(x) for x in r[pc0:pc0 + K]] for r in ref])
    S_np = (U[:, :K] * s[:K] / np.sqrt(M))[order]
    ok = True
    for k in range(K):
        rel = abs(eig[k] - eig_np[k]) / eig_np[k]
        cv = abs(V[:, k] @ Vt[k]) / (np.linalg.norm(V[:, k]) * np.linalg.norm(Vt[k]))
        cs = abs(S[:, k] @ S_np[:, k]) / (np.linalg.norm(S[:, k]) * np.linalg.norm(S_np[:, k]))
        tol = 1e-6 if k < strict else 5e-2
        good = rel < tol and (k >= strict or (cv > 1 - 1e-6 and cs > 1 - 1e-6))
        ok &= good
        print("PC%d eigenval grs %.10g numpy %.10g rel %.2e | 1-|cos| loadings %.2e (angle %.1e) scores %.2e (angle %.1e) %s"
              % (k + 1, eig[k], eig_np[k], rel, 1 - cv, angle(V[:, k], Vt[k]), 1 - cs,
                 angle(S[:, k], S_np[:, k]), "" if good else "<- FAIL"))
    # scores themselves (not only directions): U s / sqrt(M) up to sign
    for k in range(strict):
        sg = np.sign(S[:, k] @ S_np[:, k])
        d = np.max(np.abs(S[:, k] - sg * S_np[:, k])) / np.max(np.abs(S_np[:, k]))
        print("PC%d scores max |diff| / max |score| = %.2e" % (k + 1, d))
        ok &= d < 1e-5
    if not ok:
        fail("PCA differs from numpy.linalg.svd")
    print("pca: OK (%d samples x %d variants)" % (X.shape[0], M))


def cmd_mahal(args):
    fn, A = args[0], int(args[1])
    truth_iid = "--truth-iid" in args
    head, rows = read_table(fn)
    pc0 = head.index("PC1")
    pops = sorted(h[len("Mahalanobis_P_"):] for h in head if h.startswith("Mahalanobis_P_"))
    ref = [r for r in rows if r[2] == "reference"]
    if not ref:  # a target-only file: take the populations from the model beside it
        fail("mahal needs reference rows")
    X = np.array([[float(x) for x in r[pc0:pc0 + A]] for r in ref])
    lab = np.array([r[3] for r in ref])
    stats = {}
    for p in pops:
        Z = X[lab == p]
        stats[p] = (Z.mean(axis=0), np.linalg.inv(np.cov(Z, rowvar=False, bias=True)))
    worst, n_bad_pop, n_right, n_all = 0.0, 0, 0, 0
    for r in rows:
        x = np.array([float(v) for v in r[pc0:pc0 + A]])
        P = []
        for p in pops:
            mu, prec = stats[p]
            d = x - mu
            P.append(chi2.sf(d @ prec @ d, A - 1))
        P = np.array(P)
        got = np.array([float(r[head.index("Mahalanobis_P_" + p)]) for p in pops])
        for a, b in zip(got, P):
            if b > 0:
                worst = max(worst, abs(a - b) / b)
            elif a != 0:
                worst = max(worst, abs(a))
        best = pops[int(np.argmax(P))]
        if best != r[head.index("MostSimilarPop")]:
            n_bad_pop += 1
        truth = r[1].split("_")[0] if truth_iid else r[3]
        if truth != "NA":
            n_all += 1
            n_right += truth == r[head.index("MostSimilarPop")]
    acc = n_right / n_all if n_all else 1.0
    print("mahal: %d rows, max rel diff of P %.2e, MostSimilarPop mismatches %d, assigned to own population %d/%d (%.1f%%)"
          % (len(rows), worst, n_bad_pop, n_right, n_all, 100 * acc))
    if worst > 1e-9 or n_bad_pop or acc <= 0.95:
        fail("Mahalanobis assignment differs from the oracle")


def cmd_selfproj(args):
    prefix = args[0]
    meta = read_model_meta(prefix + ".pcamodel")
    d = np.array([float(x) for x in meta["shrinkage"].split(",")])
    head, rows = read_table(prefix + ".ancestry.tsv")
    pc0 = head.index("PC1")
    K = len(d)
    ref = {r[1]: np.array([float(x) for x in r[pc0:pc0 + K]]) for r in rows if r[2] == "reference"}
    tgt = {r[1]: np.array([float(x) for x in r[pc0:pc0 + K]]) for r in rows if r[2] == "target"}
    if set(ref) != set(tgt):
        fail("target samples are not the panel samples")
    worst = max(np.max(np.abs(tgt[i] * d - ref[i]) / np.max(np.abs(ref[i]))) for i in ref)
    print("selfproj: %d samples, max |target*d - reference| / |reference| = %.2e" % (len(ref), worst))
    if worst > 1e-9:
        fail("projection of the panel samples does not reproduce their PC scores")


def cmd_shrink(args):
    full, sub = args[0], args[1]
    d = np.array([float(x) for x in read_model_meta(sub + ".pcamodel")["shrinkage"].split(",")])
    hf, rf = read_table(full + ".ancestry.tsv")
    hs, rs = read_table(sub + ".ancestry.tsv")
    pf, ps = hf.index("PC1"), hs.index("PC1")
    J = 2  # the population-structure PCs
    F = {r[1]: np.array([float(x) for x in r[pf:pf + J]]) for r in rf if r[2] == "reference"}
    shared = [r[1] for r in rs if r[2] == "reference"]
    held = [r[1] for r in rs if r[2] == "target"]
    Sref = np.array([[float(x) for x in r[ps:ps + J]] for r in rs if r[2] == "reference"])
    Stgt = np.array([[float(x) for x in r[ps:ps + J]] for r in rs if r[2] == "target"])
    # PC1 and PC2 have nearly equal eigenvalues (3 equidistant populations), so the two fits
    # may differ by a small rotation within their plane, not only by signs: align the sub-panel
    # axes to the full-panel ones by the orthogonal Procrustes map fitted on the shared
    # reference samples (their own, uncorrected scores), then compare the held-out samples.
    Fref = np.array([F[i] for i in shared])
    u, _, vt = np.linalg.svd(Sref.T @ Fref)
    R = u @ vt
    full_h = np.array([F[i] for i in held])
    after = Stgt @ R
    before = (Stgt * d[:J]) @ R
    rms = lambda v: np.sqrt(np.mean(np.sum(v ** 2, axis=1)))
    rb, ra = rms(before) / rms(full_h), rms(after) / rms(full_h)
    db = np.mean(np.linalg.norm(before - full_h, axis=1))
    da = np.mean(np.linalg.norm(after - full_h, axis=1))
    ang = np.degrees(np.arctan2(R[1, 0], R[0, 0]))
    print("shrink: PC1-2, %d held-out samples, d = %s, alignment rotation %.2f deg: RMS ratio to"
          " full-panel scores before %.4f after %.4f; mean distance before %.4g after %.4g (x%.2f)"
          % (len(held), ", ".join("%.4f" % x for x in d[:J]), ang, rb, ra, db, da, db / da))
    if not (da < db and abs(ra - 1) < abs(rb - 1) and abs(ra - 1) < 0.02):
        fail("the shrinkage correction did not bring held-out scores closer")


def cmd_same(args):
    a = [r for r in read_table(args[0])[1] if r[2] == "target"]
    b = [r for r in read_table(args[1])[1] if r[2] == "target"]
    ia = {r[1]: r for r in a}
    common = [r[1] for r in b if r[1] in ia]
    if not common:
        fail("no common target sample")
    diff = [i for i in common if ia[i] != [r for r in b if r[1] == i][0]]
    print("same: %d common target samples, %d differ" % (len(common), len(diff)))
    if diff:
        fail("target rows differ: " + ", ".join(diff[:5]))


if __name__ == "__main__":
    cmds = {"pca": cmd_pca, "mahal": cmd_mahal, "selfproj": cmd_selfproj, "shrink": cmd_shrink,
            "same": cmd_same}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__)
        sys.exit(2)
    cmds[sys.argv[1]](sys.argv[2:])
