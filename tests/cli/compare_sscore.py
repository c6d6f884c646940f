#!/usr/bin/python3
"""compare_sscore.py GRS.sscore PLINK2.sscore [--full]

Compares a grs .sscore with a plink2 .sscore by sample ID and column name, with the criteria of
the scoring issue:
  * ALLELE_CT, DENOM, NAMED_ALLELE_DOSAGE_SUM: identical numbers (a fractional dosage sum:
    within half a unit of plink2's last printed digit);
  * default (6 significant digits): every score cell identical as text, except cells that differ
    by one unit in the last printed digit, which must be under 0.1% of cells;
  * --full: every value within relative 5e-6 (plink2's printing precision) of plink2's.
Prints a one-line summary; exits 0 on agreement, 1 otherwise.
"""
import sys


def read(fn):
    with open(fn) as f:
        head = f.readline().rstrip("\n").lstrip("#").split("\t")
        rows = {}
        for line in f:
            v = line.rstrip("\n").split("\t")
            key = v[head.index("IID")]
            rows[key] = dict(zip(head, v))
    return head, rows


def last_digit_units(a, b):
    """how many units of the last printed digit separate two %g texts of the same length"""
    try:
        fa, fb = float(a), float(b)
    except ValueError:
        return None
    ea = a.lower().split("e")
    mant = ea[0].lstrip("-")
    dec = len(mant.split(".")[1]) if "." in mant else 0
    exp = int(ea[1]) if len(ea) > 1 else 0
    unit = 10.0 ** (exp - dec)
    return abs(fa - fb) / unit


def main():
    full = "--full" in sys.argv
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    gh, g = read(args[0])
    ph, p = read(args[1])
    if set(g) != set(p):
        print(f"sample sets differ: {len(g)} vs {len(p)}")
        return 1
    score_cols = [c for c in ph if (c.endswith("_AVG") or c.endswith("_SUM")) and c != "NAMED_ALLELE_DOSAGE_SUM"]
    missing = [c for c in score_cols + ["ALLELE_CT", "NAMED_ALLELE_DOSAGE_SUM"] if c not in gh]
    if missing:
        print(f"grs output lacks columns {missing}")
        return 1
    bad_exact, n_cells, off_by_one, worse, worst = 0, 0, 0, 0, 0.0
    for iid, pr in p.items():
        gr = g[iid]
        for c in ("ALLELE_CT", "DENOM", "NAMED_ALLELE_DOSAGE_SUM"):
            if c not in pr:
                continue
            # equal numbers; a fractional dosage sum (dosage input) is equal to plink2's
            # printed precision: within half a unit of its last printed digit
            same = float(pr[c]) == float(gr[c])
            if not same and c == "NAMED_ALLELE_DOSAGE_SUM" and "." in pr[c]:
                u = last_digit_units(pr[c], gr[c])
                same = u is not None and u <= 0.5 + 1e-9
            if not same:
                bad_exact += 1
                if bad_exact <= 5:
                    print(f"{iid} {c}: grs {gr[c]} plink2 {pr[c]}")
        for c in score_cols:
            n_cells += 1
            a, b = gr[c], pr[c]
            if full:
                fa, fb = float(a), float(b)
                rel = abs(fa - fb) / max(abs(fb), 1e-300)
                worst = max(worst, rel)
                if rel > 5e-6 and abs(fa - fb) > 1e-300:
                    worse += 1
                    if worse <= 5:
                        print(f"{iid} {c}: grs {a} plink2 {b} (rel {rel:.2e})")
            elif a != b:
                u = last_digit_units(a, b)
                if u is not None and u <= 1.000001:
                    off_by_one += 1
                else:
                    worse += 1
                    if worse <= 5:
                        print(f"{iid} {c}: grs {a} plink2 {b}")
    frac = off_by_one / max(n_cells, 1)
    mode = "full precision" if full else "6 digits"
    print(f"{len(p)} samples, {n_cells} score cells ({mode}): count mismatches {bad_exact}, "
          f"last-digit differences {off_by_one} ({100 * frac:.3f}%), worse {worse}"
          + (f", worst relative {worst:.2e}" if full else ""))
    return 0 if bad_exact == 0 and worse == 0 and frac < 0.001 else 1


if __name__ == "__main__":
    sys.exit(main())
