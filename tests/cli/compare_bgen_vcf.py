#!/usr/bin/python3
"""compare_bgen_vcf.py GRS_GT.txt GRS_DOSAGE.txt PLINK2.vcf [--no-gt]

Checks `grs pack --bgen` against plink2's own reading of the same BGEN, exported with
`plink2 --bgen F ref-first --export vcf vcf-dosage=DS` (GT = plink2's hard call, DS = its dosage;
a sample without DS has its GT as dosage; "./." without DS is missing).

GRS_GT.txt is `grs view --geno P` and GRS_DOSAGE.txt `grs view --geno P --dosage`: one line per
biallelic row, CHROM POS REF ALT then one value per sample; plink2's multi-allelic records are
split the same way (row j: dosage of ALT j, DS Number=A).

Criteria:
  * the same rows (chrom, pos, ref, alt) in the same order, the same missing samples;
  * |grs dosage - plink2 DS| <= 1/16384 (one unit of the shared 1/16384 scale: the two round
    the BGEN probabilities independently) + 6e-5 (plink2 prints DS with 5 significant digits);
  * hard calls identical for biallelic rows (plink2's --hard-call-threshold rule), unless --no-gt.
Prints a one-line summary; exits 0 on agreement, 1 otherwise.
"""
import sys


def read_grs(fn):
    rows = []
    with open(fn) as f:
        for line in f:
            v = line.rstrip("\n").split("\t")
            rows.append(((v[0], v[1], v[2], v[3]), v[4:]))
    return rows


def gt_count(gt, j):
    """copies of allele j in a VCF GT, or None if missing; (count, ploidy)"""
    al = gt.replace("|", "/").split("/")
    if any(a == "." for a in al):
        return None, len(al)
    return sum(1 for a in al if int(a) == j), len(al)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check_gt = "--no-gt" not in sys.argv
    g_gt, g_ds, vcf = read_grs(args[0]), read_grs(args[1]), args[2]
    ref_rows = []
    with open(vcf) as f:
        for line in f:
            if line.startswith("#"):
                continue
            v = line.rstrip("\n").split("\t")
            alts = v[4].split(",")
            fmt = v[8].split(":")
            cells = [c.split(":") for c in v[9:]]
            for j, alt in enumerate(alts, 1):
                ds, gts = [], []
                for c in cells:
                    d = dict(zip(fmt, c))
                    cnt, ploidy = gt_count(d.get("GT", "."), j)
                    if "DS" in d and d["DS"] != ".":
                        ds.append(float(d["DS"].split(",")[j - 1]))
                    else:
                        ds.append(None if cnt is None else float(cnt))
                    gts.append((cnt, ploidy))
                ref_rows.append(((v[0], v[1], v[3], alt), ds, gts, len(alts) > 1))
    if len(ref_rows) != len(g_ds) or len(g_gt) != len(g_ds):
        print("rows: grs %d (GT %d), plink2 %d" % (len(g_ds), len(g_gt), len(ref_rows)))
        return 1
    tol = 1.0 / 16384 + 6e-5
    worst, n_val, n_gt, bad = 0.0, 0, 0, []
    for (key, gds), (_, ggt), (rkey, rds, rgt, multi) in zip(g_ds, g_gt, ref_rows):
        if key != rkey:
            bad.append("row %s != plink2 %s" % (key, rkey))
            break
        for s, (a, b) in enumerate(zip(gds, rds)):
            if (a == ".") != (b is None):
                bad.append("%s sample %d: missing in one only (grs %s, plink2 %s)" % (key, s + 1, a, b))
                continue
            if b is None:
                continue
            n_val += 1
            e = abs(float(a) - b)
            worst = max(worst, e)
            if e > tol:
                bad.append("%s sample %d: dosage grs %s plink2 %s" % (key, s + 1, a, b))
        if check_gt and not multi:
            for s, (a, (cnt, ploidy)) in enumerate(zip(ggt, rgt)):
                n_gt += 1
                if ploidy == 1:
                    mine = None if a == "." else int(a)
                else:
                    mine = None if a == "./." else int(a[0]) + int(a[2])
                if mine != cnt:
                    bad.append("%s sample %d: hard call grs %s plink2 %s" % (key, s + 1, a, cnt))
    print("%d rows, %d dosages (max |diff| %.3g, tolerance %.3g), %d hard calls compared; %d "
          "mismatches" % (len(g_ds), n_val, worst, tol, n_gt, len(bad)))
    for b in bad[:10]:
        print("  " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
