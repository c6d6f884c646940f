/* cmd_merge.c -- grs merge: add the shards of one sharded `grs score` run into the outputs a
 * single run writes (PREFIX.sscore, PREFIX.match.tsv.gz, PREFIX.summary.json).
 *
 * Shards are named by their manifests (PREFIX.shardK-of-N.manifest.json), by the prefix given
 * to `grs score --out` (every PREFIX.shard*-of-*.manifest.json), by a glob pattern, or by a
 * list file (@list.txt, one name per line). Before anything is written, the manifests must
 * describe one run: one format and grs version, the same run identity (inputs, scoring files,
 * options, samples), one shard layout, every shard 1..N exactly once, and partial files with
 * the recorded sizes and checksums. Variant shards' exact accumulators are added as integers
 * (order-free); sample shards are concatenated in sample order. See host/shard.h. */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/hts.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include "cmds.h"
#include "grs/log.h"
#include "grs/status.h"
#include "json.h"
#include "score_output.h"
#include "shard.h"
#include "util.h"

typedef struct {
    char *path;               /* manifest path                                    */
    grs_jv_t *m;              /* parsed manifest                                  */
    int k;
} shard_t;

typedef struct {
    shard_t *a;
    int n, cap;
} shards_t;

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: grs merge --out PREFIX SHARD [SHARD ...]\n"
"Merge the shards of one `grs score --shard K/N` run into PREFIX.sscore, PREFIX.match.tsv.gz and\n"
"PREFIX.summary.json, exactly as one unsharded run writes them.\n\n"
"SHARD is a manifest (P.shardK-of-N.manifest.json), its prefix (P.shardK-of-N), the --out prefix of\n"
"the shards (P: all P.shard*-of-*), a quoted glob pattern, or @FILE listing one of these per line.\n\n"
"  --out PREFIX           output prefix\n"
"  -v N, --verbosity N    0 quiet .. 6 trace [3]\n"
"  -h, --help\n");
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static int add_manifest(shards_t *sh, const char *path)
{
    if (sh->n == sh->cap) {
        int cap = sh->cap ? 2 * sh->cap : 16;
        shard_t *a = (shard_t *)realloc(sh->a, cap * sizeof(shard_t));
        if (!a) return GRS_ENOMEM;
        sh->a = a;
        sh->cap = cap;
    }
    memset(&sh->a[sh->n], 0, sizeof(shard_t));
    if (!(sh->a[sh->n].path = strdup(path))) return GRS_ENOMEM;
    sh->n++;
    return GRS_OK;
}

static int add_glob(shards_t *sh, const char *pattern, int *n_found)
{
    glob_t g;
    int ret = GRS_OK;
    *n_found = 0;
    if (glob(pattern, 0, NULL, &g) != 0) return GRS_OK;
    for (size_t i = 0; i < g.gl_pathc && ret == GRS_OK; i++) {
        const char *p = g.gl_pathv[i];
        if (ends_with(p, ".partial.gz")) continue;          /* a pattern may catch both files */
        if (ends_with(p, ".match.tsv.gz")) continue;
        if (!ends_with(p, ".manifest.json")) continue;
        ret = add_manifest(sh, p);
        ++*n_found;
    }
    globfree(&g);
    return ret;
}

/* one SHARD argument → manifest paths */
static int resolve(shards_t *sh, const char *arg, int depth)
{
    int n = 0, ret;
    char *p = NULL;
    if (arg[0] == '@' && depth == 0) {
        htsFile *fp = hts_open(arg + 1, "r");
        kstring_t line = { 0, 0, NULL };
        int64_t lineno = 0, n_names = 0;
        if (!fp) { grs_log_error("cannot open list file '%s': %s", arg + 1, strerror(errno)); return GRS_EIO; }
        ret = GRS_OK;
        while (ret == GRS_OK && hts_getline(fp, KS_SEP_LINE, &line) >= 0) {
            lineno++;
            while (line.l && (line.s[line.l - 1] == '\r' || line.s[line.l - 1] == ' ')) line.s[--line.l] = 0;
            if (!line.l || line.s[0] == '#') continue;
            n_names++;
            ret = resolve(sh, line.s, depth + 1);
        }
        hts_close(fp);
        free(line.s);
        if (ret == GRS_OK && !n_names) { grs_log_error("list file '%s' names no shards", arg + 1); ret = GRS_EINPUT; }
        return ret;
    }
    if (ends_with(arg, ".manifest.json")) {
        if (access(arg, F_OK) == 0 || !strpbrk(arg, "*?[")) return add_manifest(sh, arg);
        if ((ret = add_glob(sh, arg, &n)) < 0) return ret;
        if (!n) { grs_log_error("'%s' matches no shard manifest", arg); return GRS_EINPUT; }
        return GRS_OK;
    }
    if (ends_with(arg, ".partial.gz")) {
        if (!(p = strdup(arg))) return GRS_ENOMEM;
        strcpy(p + strlen(p) - strlen(".partial.gz"), ".manifest.json");
        ret = add_manifest(sh, p);
        free(p);
        return ret;
    }
    if (strpbrk(arg, "*?[") && access(arg, F_OK) != 0) {
        /* a pattern: its matches are manifests, or prefixes of them */
        if ((ret = add_glob(sh, arg, &n)) < 0) return ret;
        if (!n) {
            if (!(p = grs_sprintf("%s.manifest.json", arg))) return GRS_ENOMEM;
            ret = add_glob(sh, p, &n);
            free(p);
            if (ret < 0) return ret;
        }
        if (!n) { grs_log_error("'%s' matches no shard manifest", arg); return GRS_EINPUT; }
        return GRS_OK;
    }
    if (!(p = grs_sprintf("%s.manifest.json", arg))) return GRS_ENOMEM;
    if (access(p, F_OK) == 0) { ret = add_manifest(sh, p); free(p); return ret; }
    free(p);
    if (!(p = grs_sprintf("%s.shard*-of-*.manifest.json", arg))) return GRS_ENOMEM;
    ret = add_glob(sh, p, &n);
    free(p);
    if (ret < 0) return ret;
    if (!n) {
        grs_log_error("'%s': no shard manifest (expected %s.manifest.json or %s.shardK-of-N.manifest.json)",
                      arg, arg, arg);
        return GRS_EINPUT;
    }
    return GRS_OK;
}

/* directory part of a path, with its slash ("" for none) */
static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    char *d = (char *)malloc(s ? (size_t)(s - path) + 2 : 1);
    if (!d) return NULL;
    if (s) { memcpy(d, path, s - path + 1); d[s - path + 1] = 0; } else d[0] = 0;
    return d;
}

/* the file a manifest member names, checked against its recorded size and checksum */
static char *checked_file(const shard_t *s, const char *what)
{
    const grs_jv_t *f = grs_jv_get(s->m, what);
    const char *name = grs_jv_str(f, "file"), *want = grs_jv_str(f, "crc32");
    char *dir = dir_of(s->path), *fn = NULL, hex[16];
    uint32_t crc;
    int64_t size;
    if (!dir) return NULL;
    if (!name || !want || strchr(name, '/')) {
        grs_log_error("'%s': the manifest has no valid \"%s\" entry", s->path, what);
        goto fail;
    }
    if (!(fn = grs_sprintf("%s%s", dir, name))) goto fail;
    if (grs_file_crc32(fn, &crc, &size) < 0) {
        grs_log_error("'%s' (named by '%s') cannot be read: %s; re-run shard %d", fn, s->path, strerror(errno), s->k);
        goto fail;
    }
    snprintf(hex, sizeof(hex), "%08x", crc);
    if (size != grs_jv_int(f, "bytes", -1) || strcmp(hex, want)) {
        grs_log_error("'%s' does not match its manifest '%s' (%" PRId64 " bytes, crc32 %s; recorded %" PRId64
                      " bytes, crc32 %s): the shard's files are incomplete or changed; re-run shard %d",
                      fn, s->path, size, hex, grs_jv_int(f, "bytes", -1), want, s->k);
        goto fail;
    }
    free(dir);
    return fn;
fail:
    free(dir);
    free(fn);
    return NULL;
}

/* manifests of one run? Every check names both files and what differs. */
static int check_one_run(shards_t *sh, int *n_out, int *by_out)
{
    const shard_t *a = &sh->a[0];
    const grs_jv_t *ra = grs_jv_get(a->m, "run");
    const char *va = grs_jv_str(a->m, "tool_version"), *bya = grs_jv_str(grs_jv_get(a->m, "shard"), "by");
    int n = (int)grs_jv_int(grs_jv_get(a->m, "shard"), "n", -1);
    for (int i = 0; i < sh->n; i++) {
        shard_t *s = &sh->a[i];
        const grs_jv_t *sj = grs_jv_get(s->m, "shard"), *r = grs_jv_get(s->m, "run");
        const char *fmt = grs_jv_str(s->m, "format"), *v = grs_jv_str(s->m, "tool_version"), *by = grs_jv_str(sj, "by");
        int64_t fv = grs_jv_int(s->m, "format_version", -1);
        if (!fmt || strcmp(fmt, "grs-shard-manifest")) {
            grs_log_error("'%s' is not a grs shard manifest", s->path);
            return GRS_EFORMAT;
        }
        if (fv != GRS_SHARD_FORMAT_VERSION) {
            grs_log_error("'%s': shard format version %" PRId64 ", this grs merges version %d", s->path, fv,
                          GRS_SHARD_FORMAT_VERSION);
            return GRS_EFORMAT;
        }
        if (!v || !va || strcmp(v, va)) {
            grs_log_error("'%s' was written by grs %s but '%s' by grs %s: shards of different grs versions "
                          "cannot be merged (re-run the shards with one version)", s->path, v ? v : "?", a->path,
                          va ? va : "?");
            return GRS_EINPUT;
        }
        s->k = (int)grs_jv_int(sj, "k", -1);
        if (!by || !bya || strcmp(by, bya) || grs_jv_int(sj, "n", -1) != n || n < 1 || s->k < 1 || s->k > n) {
            grs_log_error("'%s' is shard %d of %" PRId64 " by %s but '%s' is of %d by %s: shards of different "
                          "layouts cannot be merged", s->path, s->k, grs_jv_int(sj, "n", -1), by ? by : "?",
                          a->path, n, bya ? bya : "?");
            return GRS_EINPUT;
        }
        if (!r || !ra || r->type != GRS_JV_OBJ || r->n != ra->n) {
            grs_log_error("'%s' and '%s' are not shards of one run (their run descriptions differ)", s->path, a->path);
            return GRS_EINPUT;
        }
        for (int q = 0; q < ra->n; q++) {
            const char *x = grs_jv_str(ra, ra->keys[q]), *y = grs_jv_str(r, ra->keys[q]);
            if (!x || !y || strcmp(x, y)) {
                const char *what = !strcmp(ra->keys[q], "score_files") ? "scoring files"
                                 : !strcmp(ra->keys[q], "genotypes") ? "genotype files"
                                 : !strcmp(ra->keys[q], "samples") ? "samples or matched variants" : ra->keys[q];
                grs_log_error("'%s' and '%s' are not shards of one run: their %s differ (%s vs %s)", a->path,
                              s->path, what, x ? x : "absent", y ? y : "absent");
                return GRS_EINPUT;
            }
        }
    }
    /* every shard exactly once */
    int *seen = (int *)calloc(n + 1, sizeof(int));
    if (!seen) return GRS_ENOMEM;
    for (int i = 0; i < sh->n; i++) {
        if (seen[sh->a[i].k]) {
            grs_log_error("shard %d of %d is given twice ('%s' and '%s')", sh->a[i].k, n,
                          sh->a[seen[sh->a[i].k] - 1].path, sh->a[i].path);
            free(seen);
            return GRS_EINPUT;
        }
        seen[sh->a[i].k] = i + 1;
    }
    for (int k = 1; k <= n; k++)
        if (!seen[k]) {
            char *d = dir_of(a->path);
            const char *base = strrchr(a->path, '/');
            base = base ? base + 1 : a->path;
            char *tag = grs_sprintf(".shard%d-of-%d.", a->k, n), *where = tag ? strstr(base, tag) : NULL;
            if (where && d)
                grs_log_error("shard %d of %d is missing (expected %s%.*s.shard%d-of-%d.manifest.json)", k, n, d,
                              (int)(where - base), base, k, n);
            else
                grs_log_error("shard %d of %d is missing", k, n);
            free(tag); free(d); free(seen);
            return GRS_EINPUT;
        }
    free(seen);
    *n_out = n;
    *by_out = !strcmp(bya, "samples") ? GRS_SHARD_BY_SAMPLES : GRS_SHARD_BY_VARIANTS;
    return GRS_OK;
}

static int cmp_shard(const void *x, const void *y) { return ((const shard_t *)x)->k - ((const shard_t *)y)->k; }

/* a copy of a file, byte for byte, through an output (temporary name, rename on commit) */
static int copy_to(grs_out_t *o, const char *fn)
{
    FILE *fp = fopen(fn, "rb");
    char buf[1 << 16];
    size_t n;
    if (!fp) { grs_log_error("cannot open '%s': %s", fn, strerror(errno)); return GRS_EIO; }
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) grs_out_write(o, buf, n);
    int err = ferror(fp);
    fclose(fp);
    if (err) { grs_log_error("cannot read '%s'", fn); return GRS_EIO; }
    return GRS_OK;
}

int main_merge(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "out", required_argument, NULL, 'o' }, { "verbosity", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    int c, ret = 1, n = 0, by = 0, full = 0, st;
    double t0 = grs_wall_seconds();
    const char *out = NULL;
    shards_t sh = { NULL, 0, 0 };
    grs_score_table_t tab, part;
    grs_out_t *os = NULL, *om = NULL, *oj = NULL;
    char *fn_sscore = NULL, *fn_match = NULL, *fn_json = NULL, *fn_part = NULL, *fn_mlog = NULL;
    int64_t K = 0, n_samples = 0;

    memset(&tab, 0, sizeof(tab));
    memset(&part, 0, sizeof(part));
    while ((c = getopt_long(argc, argv, "o:v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'v': grs_cmd_set_verbosity(atoi(optarg)); break;
        case 'h': usage(stdout); ret = 0; goto done;
        default: usage(stderr); ret = 2; goto done;
        }
    }
    if (!out || optind >= argc) {
        fprintf(stderr, "[E::merge] --out and at least one SHARD are required\n");
        usage(stderr);
        ret = 2;
        goto done;
    }
    grs_cmd_log_start(argc, argv);
    for (int i = optind; i < argc; i++)
        if (resolve(&sh, argv[i], 0) < 0) goto done;
    if (!sh.n) { grs_log_error("no shards to merge"); goto done; }
    for (int i = 0; i < sh.n; i++)
        if (grs_jv_read(sh.a[i].path, &sh.a[i].m) < 0) goto done;
    if (check_one_run(&sh, &n, &by) < 0) goto done;
    qsort(sh.a, sh.n, sizeof(shard_t), cmp_shard);

    const grs_jv_t *m1 = sh.a[0].m, *names = grs_jv_get(m1, "score_names"), *run = grs_jv_get(m1, "run");
    const char *outopt = grs_jv_str(run, "output");
    if (!names || names->type != GRS_JV_ARR || names->n < 1) {
        grs_log_error("'%s': the manifest lists no score names", sh.a[0].path);
        goto done;
    }
    K = names->n;
    full = outopt && strstr(outopt, "full_precision=1") != NULL;
    {
        const char *smp = grs_jv_str(run, "samples");
        if (!smp || sscanf(smp, "n=%" SCNd64, &n_samples) != 1) {
            grs_log_error("'%s': the manifest does not give the sample count", sh.a[0].path);
            goto done;
        }
    }

    /* ---- read and add the partials, in shard order */
    for (int i = 0; i < sh.n; i++) {
        const shard_t *s = &sh.a[i];
        const grs_jv_t *sj = grs_jv_get(s->m, "shard");
        int64_t sb = grs_jv_int(sj, "sample_begin", -1), se = grs_jv_int(sj, "sample_end", -1);
        if (!(fn_part = checked_file(s, "partial"))) goto done;
        if (grs_partial_read(fn_part, K, &part) < 0) goto done;
        if (by == GRS_SHARD_BY_VARIANTS) {
            if (part.n_samples != n_samples) {
                grs_log_error("'%s': %" PRId64 " samples, but the run has %" PRId64, fn_part, part.n_samples, n_samples);
                goto done;
            }
            if (i == 0) { tab = part; memset(&part, 0, sizeof(part)); }
            else {
                for (int64_t r = 0; r < n_samples; r++) {
                    if (strcmp(part.fid[r], tab.fid[r]) || strcmp(part.iid[r], tab.iid[r])) {
                        grs_log_error("'%s': sample %" PRId64 " is %s %s, but %s %s in shard 1", fn_part, r + 1,
                                      part.fid[r], part.iid[r], tab.fid[r], tab.iid[r]);
                        goto done;
                    }
                    tab.allele_ct[r] += part.allele_ct[r];
                    tab.denom[r] += part.denom[r];       /* integers: exact */
                    tab.named[r] += part.named[r];       /* multiples of 2^-14: exact */
                    for (int64_t k = 0; k < K; k++) grs_score_fix_add(&tab.acc[r * K + k], part.acc[r * K + k]);
                }
                for (int64_t k = 0; k < K; k++) grs_score_fix_add(&tab.offset[k], part.offset[k]);
                grs_score_table_free(&part);
            }
        } else {
            if (i == 0) {
                if (grs_score_table_alloc(&tab, n_samples, K) < 0) { grs_log_error("out of memory"); goto done; }
                tab.owns = 1;
                tab.n_samples = 0;                   /* rows filled so far */
                memcpy(tab.offset, part.offset, K * sizeof(grs_fix128_t));
            }
            if (sb != tab.n_samples || se - sb != part.n_samples || se > n_samples) {
                grs_log_error("'%s': samples [%" PRId64 ", %" PRId64 ") with %" PRId64 " rows do not continue "
                              "the previous shards at sample %" PRId64, fn_part, sb, se, part.n_samples, tab.n_samples);
                goto done;
            }
            for (int64_t r = 0; r < part.n_samples; r++) {
                int64_t t = tab.n_samples + r;
                tab.fid[t] = part.fid[r]; part.fid[r] = NULL;
                tab.iid[t] = part.iid[r]; part.iid[r] = NULL;
                tab.allele_ct[t] = part.allele_ct[r];
                tab.denom[t] = part.denom[r];
                tab.named[t] = part.named[r];
                memcpy(tab.acc + t * K, part.acc + r * K, K * sizeof(grs_fix128_t));
            }
            tab.n_samples += part.n_samples;
            grs_score_table_free(&part);
        }
        free(fn_part); fn_part = NULL;
        if (grs_interrupted()) goto done;
    }
    if (tab.n_samples != n_samples) {
        grs_log_error("the shards hold %" PRId64 " samples, the run has %" PRId64, tab.n_samples, n_samples);
        goto done;
    }
    tab.owns = 1;
    if (!(tab.names = (char **)calloc(K + 1, sizeof(char *)))) goto oom;
    for (int64_t k = 0; k < K; k++)
        if (names->items[k].type != GRS_JV_STR || !(tab.names[k] = strdup(names->items[k].str))) goto oom;

    /* ---- outputs, committed together */
    fn_sscore = grs_sprintf("%s.sscore", out);
    fn_match = grs_sprintf("%s.match.tsv.gz", out);
    fn_json = grs_sprintf("%s.summary.json", out);
    if (!fn_sscore || !fn_match || !fn_json) goto oom;
    if (!(fn_mlog = checked_file(&sh.a[0], "match_log"))) goto done;
    if (!(os = grs_sscore_write(fn_sscore, &tab, full))) goto done;
    if (!(om = grs_out_open(fn_match, 0)) || copy_to(om, fn_mlog) < 0) goto done;
    if (!(oj = grs_out_open(fn_json, 0))) goto done;
    {
        grs_json_t j;
        const grs_jv_t *sum1 = grs_jv_get(m1, "summary");
        char when[32], *cl = grs_cmdline(argc, argv), *cmd = grs_sprintf("grs %s", cl ? cl : "");
        double seconds = 0, peak = grs_peak_rss_mb();
        grs_iso_time(when, sizeof(when));
        for (int i = 0; i < sh.n; i++) {
            const grs_jv_t *su = grs_jv_get(sh.a[i].m, "summary"), *x;
            if ((x = grs_jv_get(su, "seconds")) && x->type == GRS_JV_NUM) seconds += x->num;
            if ((x = grs_jv_get(su, "peak_rss_mb")) && x->type == GRS_JV_NUM && x->num > peak) peak = x->num;
        }
        grs_json_begin(&j, oj);
        grs_json_str(&j, "tool", "grs " GRS_VERSION " (" GRS_GIT ")");
        grs_json_str(&j, "command", cmd);
        free(cl);
        free(cmd);
        grs_json_str(&j, "created", when);
        for (int q = 0; sum1 && sum1->type == GRS_JV_OBJ && q < sum1->n; q++) {
            const char *key = sum1->keys[q];
            const grs_jv_t *v = &sum1->items[q];
            if (!strcmp(key, "tool") || !strcmp(key, "command") || !strcmp(key, "created")
                || !strcmp(key, "seconds") || !strcmp(key, "peak_rss_mb"))
                continue;
            if (!strcmp(key, "imputation") && by == GRS_SHARD_BY_VARIANTS && v->type == GRS_JV_OBJ) {
                /* counts over the scored variants: each variant shard counted its own */
                grs_json_obj(&j, key);
                for (int r = 0; r < v->n; r++) {
                    if (v->items[r].type != GRS_JV_NUM) { grs_jv_emit(&j, v->keys[r], &v->items[r]); continue; }
                    int64_t total = 0;
                    for (int i = 0; i < sh.n; i++)
                        total += grs_jv_int(grs_jv_get(grs_jv_get(sh.a[i].m, "summary"), key), v->keys[r], 0);
                    grs_json_int(&j, v->keys[r], total);
                }
                grs_json_close(&j, '}');
                continue;
            }
            grs_jv_emit(&j, key, v);
        }
        grs_json_obj(&j, "shards");
        grs_json_int(&j, "n", n);
        grs_json_str(&j, "by", by == GRS_SHARD_BY_SAMPLES ? "samples" : "variants");
        grs_json_arr(&j, "manifests");
        for (int i = 0; i < sh.n; i++) grs_json_str(&j, NULL, sh.a[i].path);
        grs_json_close(&j, ']');
        grs_json_close(&j, '}');
        grs_json_num(&j, "seconds", seconds + (grs_wall_seconds() - t0));
        grs_json_num(&j, "peak_rss_mb", peak);
        grs_json_end(&j);
    }
    /* the .sscore last: a merge stopped between renames never leaves one that looks finished */
    st = grs_out_close(om, 1); om = NULL;
    if (st < 0) goto done;
    st = grs_out_close(oj, 1); oj = NULL;
    if (st < 0) { unlink(fn_match); goto done; }
    st = grs_out_close(os, 1); os = NULL;
    if (st < 0) { unlink(fn_match); unlink(fn_json); goto done; }
    fprintf(stderr, "[grs merge] %d shards by %s, %" PRId64 " samples, %" PRId64 " score columns: %s\n", n,
            by == GRS_SHARD_BY_SAMPLES ? "samples" : "variants", n_samples, K, fn_sscore);
    grs_cmd_log_end("merge", t0);
    ret = 0;
    goto done;
oom:
    grs_log_error("out of memory");
done:
    grs_out_close(os, 0);
    grs_out_close(om, 0);
    grs_out_close(oj, 0);
    grs_score_table_free(&tab);
    grs_score_table_free(&part);
    for (int i = 0; i < sh.n; i++) { free(sh.a[i].path); grs_jv_free(sh.a[i].m); }
    free(sh.a);
    free(fn_sscore); free(fn_match); free(fn_json); free(fn_part); free(fn_mlog);
    return ret;
}
