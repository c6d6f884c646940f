#!/usr/bin/env bash
# The results store and grs query: a store built from a simulated cohort (grs score --db, grs
# predict --db of a grs train model, and grs store of a hand-made norm.tsv/ancestry.tsv in the
# shared formats plus a grs report JSON), then grs query in text, JSON and HTML, checked by an
# independent oracle (Debian python3 + its sqlite3 module) against the input files: the raw score
# equals the .sscore value, percentile/Z/Z_norm1/Z_norm2 equal the norm.tsv, the reference size,
# the Wilson interval of the percentile, OR = OR_per_SD^Z, the category, coverage and the
# calibrated risk. Also: file mode 0600 under any umask, appending runs keeps both, the answer
# holds no other sample's ID, all-or-nothing ingest, and the bad inputs (exit 1, clear message).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c 'import sqlite3, xml.etree.ElementTree' 2>/dev/null || { skip "Debian python3 with sqlite3 missing"; finish; }
DB=$T/r.sqlite

# ---- a cohort: 300 samples x 2000 variants, 3 populations
check "simulate" "$GRS" simulate --samples 300 --variants 2000 --populations 3 --omics-features 0 --seed 1 --out "$T/sim"
# a permissive umask must not widen the store's mode
(umask 000; "$GRS" score --vcf "$T/sim.vcf.gz" --score "$T/sim.pgs.txt" --out "$T/s" --db "$DB" 2>"$T/err") && ok || { bad "score --db"; cat "$T/err" >&2; }
[ "$(stat -c %a "$DB")" = 600 ] && ok || bad "store mode is $(stat -c %a "$DB"), expected 600 (umask 000)"
(umask 077; "$GRS" store --db "$T/r077.sqlite" --scores "$T/s.sscore" 2>"$T/err") && ok || bad "store under umask 077"
[ "$(stat -c %a "$T/r077.sqlite")" = 600 ] && ok || bad "store mode under umask 077 is $(stat -c %a "$T/r077.sqlite")"

check "report" "$GRS" report --scores "$T/s.sscore" --pheno "$T/sim.pheno.tsv" --pheno-col trait_bin --out "$T/rep"
check "pack" "$GRS" pack --vcf "$T/sim.vcf.gz" --out "$T/g"
check "train" "$GRS" train --geno "$T/g" --pheno "$T/sim.pheno.tsv" --pheno-col trait_bin --trait binary \
    --folds 3 --nlambda 10 --out "$T/m"
check "predict --db" "$GRS" predict --model "$T/m" --geno "$T/g" --explain 3 --out "$T/p" --db "$DB"

# ---- hand-made normalize/ancestry outputs in the shared formats: 100 reference individuals per
# population (drawn around the cohort's own mean and SD), targets ranked against them
$PY - "$T/s.sscore" "$T/h" <<'PY' || bad "making norm.tsv/ancestry.tsv"
import sys, random
random.seed(5)
ss, out = sys.argv[1], sys.argv[2]
rows = [l.rstrip('\n').split('\t') for l in open(ss)]
h = rows[0]; h[0] = h[0].lstrip('#')
iid = h.index('IID'); sc = [c for c in h if c.endswith('_SUM') and c != 'NAMED_ALLELE_DOSAGE_SUM']
pops = ['AFR', 'EAS', 'EUR']
tg = []
for r in rows[1:]:
    k = int(r[iid].split('_')[0][3:]) - 1
    tg.append((r[iid], pops[k], {c[:-4]: float(r[h.index(c)]) for c in sc}))
ref = {}
for p in pops:
    for c in sc:
        v = [x[2][c[:-4]] for x in tg if x[1] == p]
        m = sum(v) / len(v); s = (sum((a - m) ** 2 for a in v) / (len(v) - 1)) ** .5
        ref[p, c[:-4]] = [random.gauss(m, s) for _ in range(100)]
with open(out + '.norm.tsv', 'w') as f:
    f.write('##grs_version=handmade\n##command=test_query.sh\n')
    f.write('#FID\tIID\tDATASET\tSCORE\tSUM\tMostSimilarPop\tMostSimilarPop_LowConfidence\tpercentile_MostSimilarPop\tZ_MostSimilarPop\tZ_norm1\tZ_norm2\n')
    for p in pops:
        for c in sc:
            for i, x in enumerate(ref[p, c[:-4]]):
                f.write('REF_%s_%d\tREF_%s_%d\treference\t%s\t%.17g\t%s\tFALSE\tNA\tNA\tNA\tNA\n' % (p, i, p, i, c[:-4], x, p))
    for n, (s, p, v) in enumerate(tg):
        for name, x in v.items():
            r = ref[p, name]; m = sum(r) / len(r); sd = (sum((a - m) ** 2 for a in r) / (len(r) - 1)) ** .5
            pct = 100.0 * sum(a <= x for a in r) / len(r); z = (x - m) / sd
            f.write('%s\t%s\ttarget\t%s\t%.17g\t%s\t%s\t%.17g\t%.17g\t%.17g\t%.17g\n' % (s, s, name, x, p, 'TRUE' if n % 10 == 3 else 'FALSE', pct, z, z * 0.97, z * 1.02))
with open(out + '.ancestry.tsv', 'w') as f:
    f.write('##grs_version=handmade\n##n_pcs=2\n')
    f.write('#FID\tIID\tDATASET\tPOP\tPC1\tPC2\tMostSimilarPop\tMostSimilarPop_LowConfidence\t' + '\t'.join('Mahalanobis_P_' + p for p in pops) + '\n')
    for i in range(5):
        f.write('REF_AFR_%d\tREF_AFR_%d\treference\tAFR\t0.1\t0.2\tAFR\tFALSE\t0.5\t0.01\t0.01\n' % (i, i))
    for n, (s, p, v) in enumerate(tg):
        pv = ['%.17g' % (0.6 if q == p else 0.001 * (n % 7)) for q in pops]
        f.write('%s\t%s\ttarget\tNA\t%.17g\t%.17g\t%s\t%s\t%s\n' % (s, s, random.gauss(0, 1), random.gauss(0, 1), p, 'TRUE' if n % 10 == 3 else 'FALSE', '\t'.join(pv)))
PY
check "store norm+ancestry+report" "$GRS" store --db "$DB" --norm "$T/h.norm.tsv" --ancestry "$T/h.ancestry.tsv" \
    --report "$T/rep/report.json"

# ---- queries: six samples (one low-confidence), every format
SAMPLES="POP1_000001 POP2_000104 POP3_000300 POP1_000050 POP2_000150 POP3_000222"
for s in $SAMPLES; do
    check "query json $s" "$GRS" query --db "$DB" --sample "$s" --format json --out "$T/q_$s.json"
    check "query text $s" "$GRS" query --db "$DB" --sample "$s" --out "$T/q_$s.txt"
    check "query html $s" "$GRS" query --db "$DB" --sample "$s" --format html --out "$T/q_$s.html"
done
"$GRS" query --db "$DB" --sample POP2_000104 > "$T/stdout.txt" 2>/dev/null && grep -q "LOW-CONFIDENCE" "$T/stdout.txt" && ok \
    || bad "text answer of a low-confidence sample does not say so"

# the oracle: every value against the input files, only this sample's ID in each answer
$PY - "$T" "$DB" $SAMPLES > "$T/oracle.out" 2>&1 <<'PY'
import sys, json, math, re, sqlite3, xml.etree.ElementTree as ET
T, DB, samples = sys.argv[1], sys.argv[2], sys.argv[3:]
def tsv(fn):
    L = [l.rstrip('\n').split('\t') for l in open(fn) if not l.startswith('##')]
    h = [c.lstrip('#') for c in L[0]]
    return [dict(zip(h, r)) for r in L[1:]]
ss = {r['IID']: r for r in tsv(T + '/s.sscore')}
norm = {(r['IID'], r['SCORE']): r for r in tsv(T + '/h.norm.tsv') if r['DATASET'] == 'target'}
refn = {}
for r in tsv(T + '/h.norm.tsv'):
    if r['DATASET'] == 'reference': refn[r['SCORE'], r['MostSimilarPop']] = refn.get((r['SCORE'], r['MostSimilarPop']), 0) + 1
anc = {r['IID']: r for r in tsv(T + '/h.ancestry.tsv') if r['DATASET'] == 'target'}
pred = {r['IID']: r for r in tsv(T + '/p.predict.tsv')}
rep = {s['name']: s['overall'] for s in json.load(open(T + '/rep/report.json'))['scores']}
summ = json.load(open(T + '/s.summary.json'))
all_ids = set(ss) | {r['IID'] for r in tsv(T + '/h.norm.tsv')}
worst = {}
def close(name, a, b, rel):
    d = abs(a - b) / max(abs(b), 1e-300)
    worst[name] = max(worst.get(name, 0), d)
    assert d <= rel, (name, a, b, d)
def wilson(x, n, z=1.959963984540054):
    p = x / n; den = 1 + z * z / n; c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return c - h, c + h
def category(p):
    for lab, top, cut in [('top 1%', 1, 99), ('top 5%', 1, 95), ('top 10%', 1, 90), ('top 20%', 1, 80),
                          ('bottom 1%', 0, 1), ('bottom 5%', 0, 5), ('bottom 10%', 0, 10), ('bottom 20%', 0, 20)]:
        if (p >= cut if top else p < cut): return lab
    return 'middle'
fails = 0
for s in samples:
    try:
        q = json.load(open('%s/q_%s.json' % (T, s)))
        assert q['schema'] == 'grs-query' and q['schema_version'] == 1 and q['sample']['id'] == s
        a = anc[s]
        assert q['ancestry']['most_similar_pop'] == a['MostSimilarPop']
        assert q['ancestry']['low_confidence'] == (a['MostSimilarPop_LowConfidence'] == 'TRUE')
        for pop in ('AFR', 'EAS', 'EUR'):
            close('mahalanobis_p', q['ancestry']['mahalanobis_p'][pop], float(a['Mahalanobis_P_' + pop]), 0)
        assert len(q['scores']) == 1
        for sc in q['scores']:
            name = sc['score']; n = norm[s, name]; o = rep[name]
            close('raw_score', sc['raw_score'], float(ss[s][name + '_SUM']), 0)
            close('avg_score', sc['avg_score'], float(ss[s][name + '_AVG']), 0)
            for k, col in [('percentile', 'percentile_MostSimilarPop'), ('z', 'Z_MostSimilarPop'),
                           ('z_norm1', 'Z_norm1'), ('z_norm2', 'Z_norm2')]:
                close(k, sc[k], float(n[col]), 0)
            assert sc['reference']['population'] == n['MostSimilarPop']
            assert sc['reference']['low_confidence'] == (n['MostSimilarPop_LowConfidence'] == 'TRUE')
            N = refn[name, n['MostSimilarPop']]
            assert sc['reference']['n'] == N == 100
            lo, hi = wilson(round(float(n['percentile_MostSimilarPop']) / 100 * N), N)
            close('percentile_lo', sc['percentile_interval']['lo'], 100 * lo, 1e-12)
            close('percentile_hi', sc['percentile_interval']['hi'], 100 * hi, 1e-12)
            assert sc['category'] == category(float(n['percentile_MostSimilarPop'])), sc['category']
            z = float(n['Z_MostSimilarPop'])
            close('odds_ratio', sc['odds_ratio']['value'], o['or_per_sd'] ** z, 1e-12)
            close('odds_ratio_lo', sc['odds_ratio']['lo'], min(o['or_lo'] ** z, o['or_hi'] ** z), 1e-12)
            close('odds_ratio_hi', sc['odds_ratio']['hi'], max(o['or_lo'] ** z, o['or_hi'] ** z), 1e-12)
            close('called_fraction', sc['coverage']['called_fraction'], float(ss[s]['ALLELE_CT']) / float(ss[s]['DENOM']), 1e-15)
            f = summ['score_files'][0]
            assert sc['coverage']['variants_matched'] == f['matched'] and sc['coverage']['variants_in_score'] == f['rows']
            assert sc['pgs_id'] == f['pgs_id']
        p = q['predictions'][0]; pr = pred[s]
        close('risk', p['risk'], float(pr['risk']), 0)
        close('lp', p['linear_predictor'], float(pr['lp']), 0)
        close('contrib_geno', p['contributions']['geno'], float(pr['contrib_geno']), 0)
        assert ';'.join('%s=%s' % (t['feature'], ('%.4g' % t['contribution'])) for t in p['top_features']) == pr['top_features']
        assert p['calibrated'] is True
        # only this patient: no other sample's ID as a token in any of the three answers
        for ext in ('json', 'txt', 'html'):
            text = open('%s/q_%s.%s' % (T, s, ext)).read()
            toks = set(re.findall(r'[A-Za-z0-9_]+', text))
            other = (toks & all_ids) - {s}
            assert not other, (ext, sorted(other)[:5])
        ET.parse('%s/q_%s.html' % (T, s))   # well-formed XHTML
        h = open('%s/q_%s.html' % (T, s)).read()
        assert '<svg' in h and 'http://' not in h.replace('http://www.w3.org/', '') and 'https://' not in h
        print('sample %s: ok' % s)
    except Exception as e:
        fails += 1
        print('sample %s: FAIL %r' % (s, e))
for k in sorted(worst): print('  max rel diff %-16s %.3g' % (k, worst[k]))
# the store itself, read with Python's sqlite3
con = sqlite3.connect(DB)
assert con.execute('PRAGMA user_version').fetchone()[0] == 1
assert dict(con.execute('SELECT key, value FROM meta'))['format'] == 'grs-results-store'
kinds = [r[0] for r in con.execute('SELECT kind FROM runs ORDER BY run_id')]
assert kinds == ['score', 'predict', 'store'], kinds
assert con.execute('SELECT count(*) FROM scores').fetchone()[0] == 300
assert con.execute("SELECT count(*) FROM samples WHERE sample_id LIKE 'REF_%'").fetchone()[0] == 0
print('store: ok')
sys.exit(1 if fails else 0)
PY
st=$?
cat "$T/oracle.out"
for s in $SAMPLES; do grep -qx "sample $s: ok" "$T/oracle.out" && ok || bad "oracle $s"; done
grep -qx "store: ok" "$T/oracle.out" && ok || bad "store content (python sqlite3)"
[ $st = 0 ] || bad "oracle exit $st"

# ---- --explain: per-variant contributions recomputed from the run's VCF, scoring file and match
# log, against an oracle that reads the VCF and the PGS Catalog file itself (mean imputation with
# the cohort's effect allele frequency; variance of the imputed part Σ w²·2p(1-p))
check "query --explain" "$GRS" query --db "$DB" --sample POP2_000104 --format json --explain 8 --out "$T/ex.json"
check "query --explain text" "$GRS" query --db "$DB" --sample POP2_000104 --explain 3 --out "$T/ex.txt"
grep -q "reconstructed SUM" "$T/ex.txt" && ok || bad "text --explain"
$PY - "$T/sim.vcf.gz" "$T/sim.pgs.txt" "$T/s.sscore" "$T/ex.json" POP2_000104 <<'PY' && ok || bad "--explain vs the oracle"
import sys, gzip, json
vcf, pgs, ss, exj, sid = sys.argv[1:6]
W = {}
for l in open(pgs):
    if l.startswith('#') or l.startswith('rsID'): continue
    f = l.rstrip('\n').split('\t')
    W[f[1], int(f[2])] = (f[0], f[3], float(f[5]))
got = {}
for l in gzip.open(vcf, 'rt'):
    if l.startswith('##'): continue
    f = l.rstrip('\n').split('\t')
    if l.startswith('#'): col = f.index(sid); continue
    key = (f[0], int(f[1]))
    if key not in W: continue
    rs, ea, w = W[key]
    ref, alt = f[3], f[4]
    if ea not in (ref, alt): continue
    gts = [x.split(':')[0].replace('|', '/').split('/') for x in f[9:]]
    called = [g for g in gts if '.' not in g]
    p_alt = sum(a == '1' for g in called for a in g) / (2 * len(called))
    p = p_alt if ea == alt else 1 - p_alt
    g = f[col].split(':')[0].replace('|', '/').split('/')
    if '.' in g: d, miss = 2 * p, True
    else:
        d = sum(a == '1' for a in g)
        if ea == ref: d = 2 - d
        miss = False
    got['%s:%d:%s:%s %s' % (f[0], key[1], ref, alt, rs)] = (w * d, w * w * 2 * p * (1 - p) if miss else 0.0)
e = json.load(open(exj))['scores'][0]['explain']
L = [l.rstrip('\n').split('\t') for l in open(ss)]
h = [c.lstrip('#') for c in L[0]]
c = [k for k in h if k.endswith('_SUM') and k != 'NAMED_ALLELE_DOSAGE_SUM'][0]
stored = [float(r[h.index(c)]) for r in L[1:] if r[h.index('IID')] == sid][0]
tot = sum(v[0] for v in got.values()); var = sum(v[1] for v in got.values())
assert e['variants_found'] == len(got) == e['variants_matched'], (e['variants_found'], len(got))
assert abs(e['reconstructed_sum'] - tot) <= 1e-12 * abs(tot), (e['reconstructed_sum'], tot)
assert abs(tot - stored) <= 5e-6 * abs(stored), (tot, stored)          # .sscore: 6 digits
assert abs(e['missing_genotype_variance'] - var) <= 1e-12 * max(var, 1e-300), (e['missing_genotype_variance'], var)
top = sorted(got.items(), key=lambda kv: -abs(kv[1][0]))[:8]
assert [t['variant'] for t in e['top_variants']] == [k for k, v in top]
for t, (k, v) in zip(e['top_variants'], top): assert abs(t['contribution'] - v[0]) <= 1e-12 * abs(v[0])
print('explain: %d variants, sum %.10g (stored %.6g), missing-call variance %.6g, %d missing calls' % (len(got), tot, stored, var, e['missing_calls']))
PY
# the same from a .grsm run (grs score --geno): the reconstructed SUM equals the stored one
check "score --geno --db" "$GRS" score --geno "$T/g" --score "$T/sim.pgs.txt" --full-precision --out "$T/sg" --db "$T/g.sqlite"
check "query --explain (.grsm)" "$GRS" query --db "$T/g.sqlite" --sample POP1_000050 --format json --explain 5 --out "$T/exg.json"
$PY - "$T/exg.json" <<'PY' && ok || bad "--explain (.grsm): reconstructed SUM differs from the stored SUM"
import sys, json
s = json.load(open(sys.argv[1]))['scores'][0]
e = s['explain']
assert e['variants_found'] == e['variants_matched'] == 1000 and len(e['top_variants']) == 5
assert abs(e['reconstructed_sum'] - s['raw_score']) <= 1e-12 * abs(s['raw_score']), (e['reconstructed_sum'], s['raw_score'])
print('explain (.grsm): sum %.17g stored %.17g' % (e['reconstructed_sum'], s['raw_score']))
PY
# the run's files gone: the answer says so, the query still succeeds
mv "$T/sim.vcf.gz" "$T/sim.vcf.gz.away"
"$GRS" query --db "$DB" --sample POP2_000104 --format json --explain 3 > "$T/ex2.json" 2>"$T/err" && ok || bad "--explain with the VCF gone: exit"
grep -q '"error": "the score run.s files no longer exist' "$T/ex2.json" && grep -q "no longer exists" "$T/err" && ok \
    || bad "--explain with the VCF gone: no clear note"
mv "$T/sim.vcf.gz.away" "$T/sim.vcf.gz"

# ---- appending: a second scoring run (zero imputation) keeps both; queries take the latest
check "second score run" "$GRS" score --vcf "$T/sim.vcf.gz" --score "$T/sim.pgs.txt" --missing zero --out "$T/s2" --db "$DB"
"$GRS" query --db "$DB" --sample POP1_000001 --format json > "$T/latest.json" 2>/dev/null &&
"$GRS" query --db "$DB" --sample POP1_000001 --format json --run 1 > "$T/run1.json" 2>/dev/null && ok || bad "query after append"
$PY - "$DB" "$T" <<'PY' && ok || bad "appended run: both kept, latest used, --run 1 gives the first"
import sys, json, sqlite3
db, T = sys.argv[1:3]
con = sqlite3.connect(db)
runs = [r[0] for r in con.execute("SELECT run_id FROM scores WHERE sample_id='POP1_000001' ORDER BY run_id")]
assert runs == [1, 4], runs
def sum_of(fn):
    L = [l.rstrip('\n').split('\t') for l in open(fn)]
    h = [c.lstrip('#') for c in L[0]]
    c = [k for k in h if k.endswith('_SUM') and k != 'NAMED_ALLELE_DOSAGE_SUM'][0]
    return {r[h.index('IID')]: float(r[h.index(c)]) for r in L[1:]}['POP1_000001']
a, b = json.load(open(T + '/latest.json')), json.load(open(T + '/run1.json'))
assert a['scores'][0]['score_run'] == 4 and a['scores'][0]['raw_score'] == sum_of(T + '/s2.sscore')
assert b['scores'][0]['score_run'] == 1 and b['scores'][0]['raw_score'] == sum_of(T + '/s.sscore')
assert a['scores'][0]['raw_score'] != b['scores'][0]['raw_score']
PY

# ---- the real grs ancestry + grs normalize outputs (when this build has them): 2/3 of the cohort
# as the reference panel, the rest as targets
if "$GRS" normalize --help >/dev/null 2>&1 && "$GRS" ancestry --help >/dev/null 2>&1; then
    awk -F'\t' 'NR>1 && (NR-1)%3 {print $2}' "$T/sim.covar.tsv" > "$T/ref.ids"
    awk -F'\t' 'NR>1 && !((NR-1)%3) {print $2}' "$T/sim.covar.tsv" > "$T/tgt.ids"
    for w in ref tgt; do
        awk -F'\t' 'NR==FNR {k[$1]=1; next} FNR==1 || ($1 in k)' "$T/$w.ids" "$T/s.sscore" > "$T/$w.sscore"
        "$GRS" pack --vcf "$T/sim.vcf.gz" --samples "$T/$w.ids" --out "$T/${w}g" 2>/dev/null || bad "pack $w"
    done
    check "grs ancestry" "$GRS" ancestry --ref-geno "$T/refg" --labels "$T/sim.covar.tsv" --label-col population \
        --target-geno "$T/tgtg" --out "$T/anc"
    check "grs normalize" "$GRS" normalize --ref-scores "$T/ref.sscore" --scores "$T/tgt.sscore" \
        --ancestry "$T/anc.ancestry.tsv" --out "$T/real"
    check "store real norm+ancestry" "$GRS" store --db "$T/real.sqlite" --scores "$T/tgt.sscore" \
        --norm "$T/real.norm.tsv" --ancestry "$T/anc.ancestry.tsv"
    "$GRS" query --db "$T/real.sqlite" --sample POP2_000102 --format json > "$T/real.json" 2>"$T/err" && ok || bad "query (real)"
    $PY - "$T/real.norm.tsv" "$T/anc.ancestry.tsv" "$T/real.json" <<'PY' && ok || bad "answer vs grs normalize/ancestry outputs"
import sys, json
def tsv(fn):
    L = [l.rstrip('\n').split('\t') for l in open(fn) if not l.startswith('##')]
    h = [c.lstrip('#') for c in L[0]]
    return [dict(zip(h, r)) for r in L[1:]]
norm, anc, q = tsv(sys.argv[1]), tsv(sys.argv[2]), json.load(open(sys.argv[3]))
n = [r for r in norm if r['IID'] == 'POP2_000102' and r['DATASET'] == 'target'][0]
a = [r for r in anc if r['IID'] == 'POP2_000102'][0]
s = q['scores'][0]
assert s['score'] == n['SCORE'] and s['reference']['population'] == n['MostSimilarPop'] == q['ancestry']['most_similar_pop'] == a['MostSimilarPop']
for k, c in [('percentile', 'percentile_MostSimilarPop'), ('z', 'Z_MostSimilarPop'), ('z_norm1', 'Z_norm1'), ('z_norm2', 'Z_norm2')]:
    assert s[k] == float(n[c]), (k, s[k], n[c])
assert abs(s['raw_score'] - float(n['SUM'])) <= 1e-5 * abs(float(n['SUM']))   # .sscore: 6 digits
assert s['reference']['n'] == sum(1 for r in norm if r['DATASET'] == 'reference' and r['SCORE'] == n['SCORE'] and r['MostSimilarPop'] == n['MostSimilarPop'])
assert all(q['ancestry']['pcs']['PC%d' % i] == float(a['PC%d' % i]) for i in range(1, 5))
PY
else
    skip "grs ancestry/normalize not in this build: real outputs not stored"
fi

# ---- a plink2 .sscore (no DENOM column) stores and queries like grs's own
if command -v plink2 >/dev/null; then
    zcat "$T/sim.vcf.gz" | grep -v '^#' | head -200 | awk 'BEGIN{OFS="\t"} {print $3, $5, (NR % 7) / 10 - 0.3}' > "$T/w.txt"
    if plink2 --vcf "$T/sim.vcf.gz" --score "$T/w.txt" 1 2 3 cols=+scoresums --out "$T/pl" >/dev/null 2>&1; then
        check "store a plink2 .sscore" "$GRS" store --db "$T/pl.sqlite" --scores "$T/pl.sscore"
        "$GRS" query --db "$T/pl.sqlite" --sample POP3_000222 --format json > "$T/pl.json" 2>"$T/err" && ok || bad "query plink2 store"
        $PY - "$T/pl.sscore" "$T/pl.json" <<'PY' && ok || bad "plink2 .sscore values in the answer"
import sys, json
L = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
h = [c.lstrip('#') for c in L[0]]
r = [dict(zip(h, x)) for x in L[1:] if x[h.index('IID')] == 'POP3_000222'][0]
s = json.load(open(sys.argv[2]))['scores'][0]
assert s['score'] == 'SCORE1' and s['raw_score'] == float(r['SCORE1_SUM']) and s['avg_score'] == float(r['SCORE1_AVG'])
assert s['coverage']['allele_ct'] == float(r['ALLELE_CT']) and s['coverage']['denom'] is None
PY
    else bad "plink2 --score"; fi
else skip "plink2 not installed: plink2 .sscore not stored"; fi

# ---- all or nothing: a malformed input in a multi-input ingest changes nothing
printf 'IID\tlp\trisk\nPOP1_000001\t0.5\tnot-a-number\n' > "$T/badp.predict.tsv"
before=$($PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print([c.execute("SELECT count(*) FROM "+t).fetchone()[0] for t in ("runs","norm","predictions","ancestry")])' "$DB")
cp "$DB" "$T/before.sqlite"
expect_error "malformed predict.tsv" "badp.predict.tsv.*line 2.*not a number" "" \
    "$GRS" store --db "$DB" --norm "$T/h.norm.tsv" --predict "$T/badp.predict.tsv"
after=$($PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print([c.execute("SELECT count(*) FROM "+t).fetchone()[0] for t in ("runs","norm","predictions","ancestry")])' "$DB")
[ "$before" = "$after" ] && ok || bad "failed ingest changed the store: $before -> $after"
cmp -s "$DB" "$T/before.sqlite" && ok || bad "failed ingest changed the store's bytes"
expect_error "malformed input into a new store" "not a number" "$T/new.sqlite*" \
    "$GRS" store --db "$T/new.sqlite" --predict "$T/badp.predict.tsv"
printf '#FID\tIID\tDATASET\tSCORE\tSUM\n' > "$T/badn.norm.tsv"
expect_error "norm.tsv without its columns" "badn.norm.tsv.*no column 'MostSimilarPop'" "$T/new.sqlite*" \
    "$GRS" store --db "$T/new.sqlite" --norm "$T/badn.norm.tsv"

# ---- a killed ingest (SIGKILL mid-transaction) leaves the store as it was, and readable
awk 'BEGIN { OFS = "\t"; print "#FID","IID","DATASET","SCORE","SUM","MostSimilarPop","MostSimilarPop_LowConfidence","percentile_MostSimilarPop","Z_MostSimilarPop","Z_norm1","Z_norm2"
    for (k = 0; k < 3000; k++) for (i = 1; i <= 100; i++) printf "POP1_%06d\tPOP1_%06d\ttarget\tK%d\t0.5\tAFR\tFALSE\t50\t0\t0\t0\n", i, i, k }' > "$T/big.norm.tsv"
cnt() { $PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("SELECT count(*) FROM runs").fetchone()[0], c.execute("SELECT count(*) FROM norm").fetchone()[0])' "$1"; }
before=$(cnt "$DB")
"$GRS" store --db "$DB" --norm "$T/big.norm.tsv" 2>/dev/null & pid=$!
sleep 0.3; kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
"$GRS" query --db "$DB" --sample POP1_000001 --format json > "$T/afterkill.json" 2>"$T/err" && ok || { bad "query after a killed ingest"; cat "$T/err" >&2; }
after=$(cnt "$DB")
set -- $before
if [ "$after" = "$before" ]; then ok; echo "killed ingest: store unchanged ($after)"
elif [ "$after" = "$(( $1 + 1 )) $(( $2 + 300000 ))" ]; then ok; echo "killed ingest: it had already committed ($after)"
else bad "killed ingest left a partial run: $before -> $after"; fi
if [ "$after" != "$before" ]; then   # committed before the kill: rerun without one, for the next checks
    $PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute("SELECT max(run_id) FROM runs").fetchone()[0]; c.execute("DELETE FROM norm WHERE run_id=?", (r,)); c.execute("DELETE FROM runs WHERE run_id=?", (r,)); c.commit()' "$DB"
fi

# ---- parallel runs (a pipeline's jobs) into one new store: all stored, none lost
pids=""
for i in 1 2 3 4; do "$GRS" store --db "$T/par.sqlite" --scores "$T/s.sscore" 2>"$T/par$i.err" & pids="$pids $!"; done
fails=0; for p in $pids; do wait $p || fails=$((fails + 1)); done
[ $fails = 0 ] && ok || { bad "$fails of 4 parallel ingests failed"; cat "$T"/par*.err >&2; }
[ "$($PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("SELECT count(*) FROM runs").fetchone()[0], c.execute("SELECT count(*) FROM scores").fetchone()[0])' "$T/par.sqlite")" = "4 1200" ] \
    && ok || bad "parallel ingests: not 4 runs of 300 scores"
[ "$(stat -c %a "$T/par.sqlite")" = 600 ] && ok || bad "parallel-created store mode"

# ---- bad inputs: exit 1, a clear message, no other patient's data
expect_error "unknown sample" "r.sqlite': sample 'NOBODY' is not in this results store" "" \
    "$GRS" query --db "$DB" --sample NOBODY --format json
[ ! -s "$T/out" ] && ! grep -Eq 'POP[0-9]_|REF_' "$T/err" && ok || bad "unknown-sample error printed other data"
expect_error "unknown score" "score 'NOSCORE' has no value for sample 'POP1_000001'" "" \
    "$GRS" query --db "$DB" --sample POP1_000001 --score NOSCORE
expect_error "missing store" "cannot open results store '.*missing.sqlite'" "" \
    "$GRS" query --db "$T/missing.sqlite" --sample POP1_000001
[ ! -e "$T/missing.sqlite" ] && ok || bad "query created a store"
echo "just text" > "$T/notdb.sqlite"
expect_error "not an SQLite file" "notdb.sqlite': not a grs results store" "" \
    "$GRS" query --db "$T/notdb.sqlite" --sample POP1_000001
$PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE t(x)"); c.commit()' "$T/other.sqlite"
expect_error "another SQLite database" "other.sqlite': not a grs results store" "" \
    "$GRS" query --db "$T/other.sqlite" --sample POP1_000001
expect_error "grs store into another SQLite database" "other.sqlite': not a grs results store" "" \
    "$GRS" store --db "$T/other.sqlite" --scores "$T/s.sscore"
: > "$T/empty.sqlite"
expect_error "empty file" "empty.sqlite': not a grs results store" "" \
    "$GRS" query --db "$T/empty.sqlite" --sample POP1_000001
cp "$DB" "$T/newer.sqlite"
$PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=7"); c.execute("UPDATE meta SET value=\"grs 9.0\" WHERE key=\"created_by\""); c.commit()' "$T/newer.sqlite"
expect_error "store from a newer grs" "newer.sqlite': written by a newer grs .*schema version 7" "" \
    "$GRS" query --db "$T/newer.sqlite" --sample POP1_000001
expect_error "ingest into a store from a newer grs" "written by a newer grs" "" \
    "$GRS" store --db "$T/newer.sqlite" --scores "$T/s.sscore"
"$GRS" query --db "$DB" --sample POP1_000001 --format pdf >/dev/null 2>&1; [ $? = 2 ] && ok || bad "bad --format: exit 2"
"$GRS" query --db "$DB" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "no --sample: exit 2"
"$GRS" store --db "$DB" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "grs store with no input: exit 2"
"$GRS" score --vcf "$T/sim.vcf.gz" --score "$T/sim.pgs.txt" --out "$T/sh" --shard 1/2 --db "$DB" >/dev/null 2>&1
[ $? = 2 ] && ok || bad "score --shard --db: exit 2"
finish
