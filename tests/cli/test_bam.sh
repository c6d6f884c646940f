#!/usr/bin/env bash
# grs pack --bam against bcftools on real 1000 Genomes reads (../shared/data/bcftools-mpileup:
# 3 samples, chr17:1-4200 of GRCh37). The oracle runs at test time:
#   sites  = `bcftools mpileup -f REF BAMs | bcftools call -mv` (10 SNPs + 1 indel), with
#            INFO/AF = AC/AN added by `bcftools +fill-tags` (the prior grs reads);
#   truth  = `bcftools mpileup -f REF -T sites BAMs` (PL) | `bcftools call -m` (GT).
# Checked: best genotype = bcftools' GT at every called site and sample; PL identical with the
# default (maq) model and in the same order with --gl-model simple (largest difference printed);
# on 53 sites (the calls + every 97th base, mostly hom-ref) with the default 0.5 prior: no hard
# call contradicts bcftools and PL are identical; BAM = CRAM (shared and made with samtools
# view -C); --threads does not change the output; downsampling (samtools view -s) moves
# dosages toward the prior mean and lowers GQ; sites from a scoring file = sites from the VCF;
# end to end, grs score --geno on the BAM matrix = plink2 --score on bcftools' calls.
. "$(dirname "$0")/lib.sh"
D=$SHARED/data/bcftools-mpileup/mpileup
REF=$D/mpileup.ref.fa
[ -f "$D/mpileup.1.bam" ] && [ -f "$REF.fai" ] || { skip "no $D"; finish; }
for t in bcftools samtools bgzip tabix plink2; do command -v $t >/dev/null || { skip "$t not installed"; finish; }; done
[ -x /usr/bin/python3 ] || { skip "/usr/bin/python3 not installed"; finish; }
export REF_PATH=/nonexistent/%s REF_CACHE=/nonexistent/%s   # never fetch CRAM references online
cd "$T" || exit 1

cat > cmp.py <<'EOF'
# cmp.py MPILEUP.vcf CALLS.vcf BAMQC.tsv.gz [all|hard] [MAX_PL_DIFF]: grs vs bcftools per site x sample
import gzip, sys
mp_fn, call_fn, qc_fn = sys.argv[1:4]
def vcf(fn):
    out = {}
    for l in open(fn):
        if l.startswith('##'): continue
        f = l.rstrip('\n').split('\t')
        if l.startswith('#'): samples = f[9:]; continue
        out[int(f[1])] = f
    return samples, out
smp, mp = vcf(mp_fn)
_, calls = vcf(call_fn)
qc = {}
with gzip.open(qc_fn, 'rt') as f:
    for l in f:
        if l.startswith('#') or l.startswith('CHROM'): continue
        c = l.rstrip('\n').split('\t')
        qc[(int(c[1]), c[5])] = c
n = agree = ml_agree = rank_same = contra = 0; maxd = 0; worst = None; bad = []
G = {'0/0': 0, '0/1': 1, '1/1': 2}
for (pos, s), c in sorted(qc.items()):
    if c[7] == '0' or pos not in mp: continue
    alt = c[4]; m = mp[pos]; alleles = [m[3]] + m[4].split(',')
    fmt = m[8].split(':'); v = m[9 + smp.index(s)].split(':')
    pl = [int(x) for x in v[fmt.index('PL')].split(',')]
    a = alleles.index(alt) if alt in alleles else alleles.index('<*>')   # unseen ALT: bcftools' <*>
    ix = lambda j, k: k * (k + 1) // 2 + j
    bpl = [pl[ix(0, 0)], pl[ix(0, a)], pl[ix(a, a)]]
    bpl = [x - min(bpl) for x in bpl]
    oraw = [int(x) for x in c[9].split(',')]
    opl = [min(255, x) for x in oraw]                                     # bcftools caps PL at 255
    gp = [float(x) for x in c[10].split(',')]
    n += 1
    d = max(abs(x - y) for x, y in zip(bpl, opl))
    if d > maxd: maxd, worst = d, (pos, s, bpl, oraw)
    # ranking: every strict order of bcftools' PL holds strictly in ours (its 255 ties skipped)
    r_ok = all(oraw[g] < oraw[h] for g in range(3) for h in range(3) if bpl[g] < bpl[h])
    rank_same += r_ok
    if not r_ok: bad.append(('PL order', pos, s, bpl, oraw))
    cg = calls[pos][9 + smp.index(s)].split(':')[0]
    bgt = G.get(cg, -1)
    if calls[pos][4] not in ('.', alt) and bgt > 0: bgt = -2            # bcftools called another ALT
    mapg = max(range(3), key=lambda g: gp[g])
    agree += mapg == bgt; ml_agree += oraw.index(min(oraw)) == bgt
    if mapg != bgt: bad.append(('best GT', pos, s, cg, mapg, bpl, oraw))
    hard = G.get(c[13], -1)
    contra += hard >= 0 and hard != bgt
print(f"  {qc_fn}: {n} site x sample cells: best (MAP) genotype = bcftools GT in {agree}, max-likelihood "
      f"genotype in {ml_agree}; PL order identical in {rank_same}; largest |PL difference| {maxd} "
      f"{'at ' + str(worst) if worst else ''}; hard calls contradicting bcftools: {contra}")
for b in bad[:6]: print("    differs:", b)
need = sys.argv[4] if len(sys.argv) > 4 else 'all'
ok = n > 0 and rank_same == n and contra == 0 and (need != 'all' or agree == n)
if len(sys.argv) > 5: ok = ok and maxd <= int(sys.argv[5])
sys.exit(0 if ok else 1)
EOF
CMP="/usr/bin/python3 cmp.py"

# ---- the oracle ------------------------------------------------------------------------------
printf '%s\n' "$D/mpileup.1.bam" "$D/mpileup.2.bam" "$D/mpileup.3.bam" > bams.txt
bcftools mpileup -f "$REF" "$D"/mpileup.{1,2,3}.bam 2>/dev/null | bcftools call -mv -Oz -o calls0.vcf.gz 2>/dev/null
bcftools +fill-tags calls0.vcf.gz -Oz -o calls.vcf.gz -- -t AF 2>/dev/null && tabix -f calls.vcf.gz
[ "$(bcftools view -H -v snps calls.vcf.gz | wc -l)" -eq 10 ] && ok || bad "bcftools call -mv: expected 10 SNPs"
bcftools mpileup -a AD,DP -f "$REF" -T calls.vcf.gz "$D"/mpileup.{1,2,3}.bam 2>/dev/null > mp.vcf
bcftools call -m mp.vcf 2>/dev/null > call_m.vcf
# 53 sites: the calls + every 97th position with the next base as ALT (mostly hom-ref)
/usr/bin/python3 - "$REF" <<'EOF' > more.vcf
import subprocess, sys
seq = ''.join(l.strip() for l in open(sys.argv[1]) if not l.startswith('>'))
sites = {}
for l in subprocess.run(['bcftools', 'view', '-H', '-v', 'snps', 'calls.vcf.gz'], capture_output=True, text=True).stdout.splitlines():
    c = l.split('\t'); sites[int(c[1])] = (c[3], c[4])
for p in range(50, 4200, 97):
    r = seq[p - 1].upper()
    if r in 'ACGT' and p not in sites: sites[p] = (r, 'ACGT'[('ACGT'.index(r) + 1) % 4])
print('##fileformat=VCFv4.2\n##contig=<ID=17,length=4200>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO')
for p in sorted(sites): print(f'17\t{p}\ts{p}\t{sites[p][0]}\t{sites[p][1]}\t.\t.\t.')
EOF
bgzip -f more.vcf && tabix -f more.vcf.gz
bcftools query -f '%CHROM\t%POS\t%REF,%ALT\n' more.vcf.gz | bgzip > more.tsv.gz && tabix -f -s1 -b2 -e2 more.tsv.gz
bcftools mpileup -a AD,DP -f "$REF" -T more.vcf.gz "$D"/mpileup.{1,2,3}.bam 2>/dev/null > mp_more.vcf
bcftools call -m -C alleles -T more.tsv.gz mp_more.vcf 2>/dev/null > call_more.vcf

# ---- genotypes and likelihoods ----------------------------------------------------------------
if "$GRS" pack --bam bams.txt --sites calls.vcf.gz --fasta "$REF" --out bam -v 3 2> bam.err; then
    ok
    grep -q "1 indel record(s) are not supported" bam.err && ok || { bad "the indel at 17:302 is not reported as unsupported"; cat bam.err >&2; }
    [ "$(grep -vc '^#' bam.bamsamples.tsv)" -eq 4 ] && ok || bad "bamsamples.tsv: expected 3 samples"
    $CMP mp.vcf call_m.vcf bam.bamqc.tsv.gz all 0 && ok || bad "maq: genotypes or PL differ from bcftools"
    # INFO/AF of the sites is the prior: the qc AF column equals bcftools' AC/AN
    bcftools view -v snps calls.vcf.gz | bcftools query -f '%POS\t%AF\n' | awk '{printf "%s\t%.6g\n", $1, $2}' > af_b.txt
    zcat bam.bamqc.tsv.gz | awk -F'\t' '!/^#/ && $1!="CHROM" && $6=="HG00100" {print $2 "\t" $7}' > af_g.txt
    cmp -s af_b.txt af_g.txt && ok || bad "prior AF is not the sites' INFO/AF"
else bad "pack --bam"; cat bam.err >&2; fi
check "pack --gl-model simple" "$GRS" pack --bam bams.txt --sites calls.vcf.gz --fasta "$REF" --gl-model simple --out simple -v 0
$CMP mp.vcf call_m.vcf simple.bamqc.tsv.gz all || echo "  (simple model: reported, not required to rank as bcftools)"
check "pack 53 sites" "$GRS" pack --bam bams.txt --sites more.vcf.gz --fasta "$REF" --out more -v 0
$CMP mp_more.vcf call_more.vcf more.bamqc.tsv.gz hard 0 && ok || bad "53 sites: hard calls contradict bcftools or PL differ"

# ---- BAM = CRAM, thread count ------------------------------------------------------------------
"$GRS" view --geno bam --dosage > bam.txt 2>/dev/null
printf '%s\n' "$D/mpileup.1.cram" "$D/mpileup.2.cram" "$D/mpileup.3.cram" > crams.txt
for i in 1 2 3; do samtools view -C -T "$REF" -o s$i.cram "$D/mpileup.$i.bam" && samtools index s$i.cram; done
printf '%s\n' s1.cram s2.cram s3.cram > mycrams.txt
for l in crams.txt mycrams.txt; do
    "$GRS" pack --bam $l --sites calls.vcf.gz --fasta "$REF" --out cram -v 0 && "$GRS" view --geno cram --dosage > cram.txt \
        && cmp -s bam.txt cram.txt && "$GRS" view --geno cram --meta | grep -qP '^source_format\tCRAM$' && ok \
        || bad "CRAM ($l) differs from BAM"
    zcat cram.bamqc.tsv.gz | grep -v '^#' > q1; zcat bam.bamqc.tsv.gz | grep -v '^#' > q2
    cmp -s q1 q2 && ok || bad "CRAM ($l): bamqc differs from BAM"
done
"$GRS" pack --bam bams.txt --sites more.vcf.gz --fasta "$REF" --threads 3 --out t3 -v 0 && "$GRS" view --geno t3 --dosage > t3.txt \
    && "$GRS" view --geno more --dosage > t1.txt && cmp -s t1.txt t3.txt && ok || bad "--threads 3 differs from --threads 1"

# ---- downsampling: toward the prior mean, lower GQ --------------------------------------------
for i in 1 2 3; do samtools view -b -s 7.3 -o d$i.bam "$D/mpileup.$i.bam" && samtools index d$i.bam; done
printf '%s\n' d1.bam d2.bam d3.bam > down.txt
"$GRS" pack --bam bams.txt --sites more.vcf.gz --fasta "$REF" --prior-af 0.2 --out full -v 0 \
  && "$GRS" pack --bam down.txt --sites more.vcf.gz --fasta "$REF" --prior-af 0.2 --out down -v 0 && ok || bad "pack downsampled"
/usr/bin/python3 - <<'EOF' && ok || bad "downsampling does not move dosages toward the prior mean / lower GQ"
import gzip
def rd(fn):
    r = {}
    for l in gzip.open(fn, 'rt'):
        c = l.rstrip('\n').split('\t')
        if l[0] == '#' or c[0] == 'CHROM': continue
        r[(c[1], c[5])] = (int(c[7]), float(c[12]) if c[12] != '.' else None, int(c[11]) if c[11] != '.' else 0)
    return r
f, d = rd('full.bamqc.tsv.gz'), rd('down.bamqc.tsv.gz')
mean = 2 * 0.2
dpf = sum(v[0] for v in f.values()); dpd = sum(v[0] for v in d.values())
keys = [k for k in f if f[k][1] is not None and d[k][1] is not None]
dist_f = sum(abs(f[k][1] - mean) for k in keys) / len(keys); dist_d = sum(abs(d[k][1] - mean) for k in keys) / len(keys)
gq_f = sum(f[k][2] for k in f) / len(f); gq_d = sum(d[k][2] for k in d) / len(d)
closer = sum(abs(d[k][1] - mean) <= abs(f[k][1] - mean) + 1e-4 for k in keys)
print(f"  downsampled 30%: depth {dpf} -> {dpd}; mean |DS - prior mean {mean}| {dist_f:.3f} -> {dist_d:.3f}; "
      f"mean GQ {gq_f:.1f} -> {gq_d:.1f}; {closer} of {len(keys)} covered cells at or closer to the prior mean")
exit(0 if dpd < 0.5 * dpf and dist_d < dist_f and gq_d < gq_f and closer >= 0.8 * len(keys) else 1)
EOF

# ---- sites from a scoring file; end to end against plink2 on bcftools' calls ------------------
bcftools view -H -v snps calls.vcf.gz | awk 'BEGIN{OFS="\t"; print "chr_name","chr_position","effect_allele","other_allele","effect_weight"}
    {w = (NR%2 ? 1 : -1) * (0.1*NR + 0.05); if (NR%3==0) print $1,$2,$4,$5,w; else print $1,$2,$5,$4,w}' > score.txt
printf '17\t302\tTA\tT\t0.3\n' >> score.txt     # the indel: unsupported by --bam, and left out of the comparison
"$GRS" pack --bam bams.txt --sites score.txt --fasta "$REF" --out sf -v 3 2> sf.err && ok || { bad "pack --sites scoring file"; cat sf.err >&2; }
grep -q "1 indel record(s) are not supported" sf.err && ok || bad "scoring-file indel not reported as unsupported"
"$GRS" view --geno sf --dosage > sf.txt 2>/dev/null
"$GRS" pack --bam bams.txt --sites calls0.vcf.gz --fasta "$REF" --out noaf -v 0 && "$GRS" view --geno noaf --dosage > noaf.txt 2>/dev/null
cmp -s <(cut -f1,2,5- noaf.txt) <(cut -f1,2,5- sf.txt) && ok || bad "scoring-file sites give other genotypes than VCF sites"
# per-sample coverage of the scoring sites
awk -F'\t' 'NR>1 {printf "  coverage of the scoring sites: %s %s/%s covered, mean depth %s, %s called\n", $1, $5, $4, $7, $8}' sf.bamsamples.tsv
awk -F'\t' 'NR>1 && $4==10 && $5==10' sf.bamsamples.tsv | wc -l | grep -qx 3 && ok || bad "bamsamples: coverage of the 10 scoring sites"
# hard calls (MAP, no --min-gp filter) scored by grs = bcftools' GT scored by plink2
grep -v $'\t302\t' score.txt > score_snp.txt
"$GRS" pack --bam bams.txt --sites calls.vcf.gz --fasta "$REF" --hard-calls --min-gp 0 --out hard -v 0 \
  && "$GRS" score --geno hard --score score_snp.txt --keep-ambiguous --out hard -v 0 && ok || bad "score the BAM matrix"
awk 'BEGIN{OFS="\t"; print "ID","A1","score_snp"} NR>1 {print $1":"$2, $3, $5}' score_snp.txt > w.txt
plink2 --vcf calls.vcf.gz --set-all-var-ids @:# --score w.txt 1 2 3 header-read no-mean-imputation cols=+scoresums,+denom \
    --out p2 >/dev/null 2>&1 && ok || bad "plink2 --score on bcftools' calls"
/usr/bin/python3 "$SRC/tests/cli/compare_sscore.py" hard.sscore p2.sscore && ok || { bad "BAM hard-call score != plink2 on bcftools calls"; cat hard.sscore p2.sscore >&2; }
# posterior dosages: scored too (not equal to the hard-call score by design; printed)
"$GRS" score --geno bam --score score_snp.txt --keep-ambiguous --out dos -v 0 && ok || bad "score posterior dosages"
paste <(cut -f1,6 hard.sscore) <(cut -f6 dos.sscore) | sed 's/^/  hard-call vs posterior-dosage SUM: /'
finish
