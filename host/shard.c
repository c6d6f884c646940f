/* shard.c -- sharded scoring: specs, ranges, run identity, JSON reader, partial files
 * (see shard.h). */
#include "shard.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/hts.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include "grs/log.h"
#include "grs/status.h"

/* ---- specs and ranges ------------------------------------------------------------------- */
static int env_int(const char *name, int64_t *x)
{
    const char *s = getenv(name);
    return s && *s && grs_parse_int64(s, x) == 0;
}

int grs_shard_parse(const char *s, grs_shard_spec_t *sp, char *err)
{
    int64_t k, n, id, lo, hi, cnt;
    sp->k = sp->n = 0;
    if (!strcmp(s, "auto")) {
        /* the array's task IDs need not start at 1 (--array=0-3): K is the position in it */
        if (!env_int("SLURM_ARRAY_TASK_ID", &id)) {
            snprintf(err, 256, "--shard auto needs SLURM_ARRAY_TASK_ID (run it as a SLURM array job)");
            return GRS_EINVAL;
        }
        if (env_int("SLURM_ARRAY_TASK_MIN", &lo) && env_int("SLURM_ARRAY_TASK_MAX", &hi)) {
            k = id - lo + 1;
            n = hi - lo + 1;
        } else if (env_int("SLURM_ARRAY_TASK_COUNT", &cnt)) {
            k = id >= 1 && id <= cnt ? id : id + 1;
            n = cnt;
        } else {
            snprintf(err, 256, "--shard auto needs SLURM_ARRAY_TASK_MIN/MAX or SLURM_ARRAY_TASK_COUNT");
            return GRS_EINVAL;
        }
        if (k < 1 || k > n || n > 100000) {
            snprintf(err, 256, "--shard auto: SLURM_ARRAY_TASK_ID %" PRId64 " is not in the array's range "
                     "(use contiguous task IDs, e.g. --array=1-N)", id);
            return GRS_EINVAL;
        }
    } else {
        char *e;
        errno = 0;
        k = strtoll(s, &e, 10);
        if (e == s || *e != '/') goto bad;
        const char *p = e + 1;
        n = strtoll(p, &e, 10);
        if (e == p || *e || errno) goto bad;
        if (n < 1 || n > 100000 || k < 1 || k > n) goto bad;
    }
    sp->k = (int)k;
    sp->n = (int)n;
    return GRS_OK;
bad:
    snprintf(err, 256, "--shard must be K/N with 1 <= K <= N (e.g. 2/8) or 'auto', not '%s'", s);
    return GRS_EINVAL;
}

const char *grs_shard_by_name(int by) { return by == GRS_SHARD_BY_SAMPLES ? "samples" : "variants"; }

/* units [floor((k-1)·U/N), floor(k·U/N)): balanced to one unit */
static void unit_range(int64_t units, int k, int n, int64_t *u0, int64_t *u1)
{
    *u0 = (int64_t)((__int128)units * (k - 1) / n);
    *u1 = (int64_t)((__int128)units * k / n);
}

void grs_shard_key_range(const grs_shard_spec_t *sp, int64_t n_keys, int64_t *k0, int64_t *k1)
{
    int64_t chunks = (n_keys + GRS_PGS_CHUNK - 1) / GRS_PGS_CHUNK, c0, c1;
    unit_range(chunks, sp->k, sp->n, &c0, &c1);
    *k0 = c0 * GRS_PGS_CHUNK < n_keys ? c0 * GRS_PGS_CHUNK : n_keys;
    *k1 = c1 * GRS_PGS_CHUNK < n_keys ? c1 * GRS_PGS_CHUNK : n_keys;
}

void grs_shard_sample_range(const grs_shard_spec_t *sp, int64_t n_samples, int64_t *s0, int64_t *s1)
{
    int64_t units = (n_samples + GRS_SHARD_SAMPLE_UNIT - 1) / GRS_SHARD_SAMPLE_UNIT, u0, u1;
    unit_range(units, sp->k, sp->n, &u0, &u1);
    *s0 = u0 * GRS_SHARD_SAMPLE_UNIT < n_samples ? u0 * GRS_SHARD_SAMPLE_UNIT : n_samples;
    *s1 = u1 * GRS_SHARD_SAMPLE_UNIT < n_samples ? u1 * GRS_SHARD_SAMPLE_UNIT : n_samples;
}

char *grs_shard_path(const char *prefix, const grs_shard_spec_t *sp, const char *what)
{
    return grs_sprintf("%s.shard%d-of-%d.%s", prefix, sp->k, sp->n, what);
}

/* ---- key/value lists ---------------------------------------------------------------------- */
int grs_kv_add(grs_kv_t *kv, const char *key, const char *fmt, ...)
{
    va_list ap;
    kstring_t ks = { 0, 0, NULL };
    if (kv->n == kv->cap) {
        int cap = kv->cap ? 2 * kv->cap : 32;
        char **k2 = (char **)realloc(kv->key, cap * sizeof(char *));
        if (!k2) return GRS_ENOMEM;
        kv->key = k2;
        char **v2 = (char **)realloc(kv->val, cap * sizeof(char *));
        if (!v2) return GRS_ENOMEM;
        kv->val = v2;
        kv->cap = cap;
    }
    va_start(ap, fmt);
    int r = kvsprintf(&ks, fmt, ap);
    va_end(ap);
    if (r < 0 || !(kv->key[kv->n] = strdup(key))) { free(ks.s); return GRS_ENOMEM; }
    kv->val[kv->n++] = ks.s ? ks.s : strdup("");
    return kv->val[kv->n - 1] ? GRS_OK : GRS_ENOMEM;
}

void grs_kv_free(grs_kv_t *kv)
{
    for (int i = 0; i < kv->n; i++) { free(kv->key[i]); free(kv->val[i]); }
    free(kv->key); free(kv->val);
    memset(kv, 0, sizeof(*kv));
}

void grs_kv_json(grs_json_t *j, const char *key, const grs_kv_t *kv)
{
    grs_json_obj(j, key);
    for (int i = 0; i < kv->n; i++) grs_json_str(j, kv->key[i], kv->val[i]);
    grs_json_close(j, '}');
}

/* ---- JSON reader -------------------------------------------------------------------------
 * Recursive descent over the whole file in memory; enough of RFC 8259 for what grs writes and
 * for hand-edited manifests (strings with escapes including \uXXXX, numbers, nesting). */
typedef struct {
    const char *s, *p, *fn;
    int line;
} jp_t;

static void jp_ws(jp_t *j)
{
    for (; *j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'; j->p++)
        if (*j->p == '\n') j->line++;
}

static int jp_fail(jp_t *j, const char *what)
{
    grs_log_error("'%s': line %d: malformed JSON: %s", j->fn, j->line, what);
    return GRS_EFORMAT;
}

static void put_utf8(kstring_t *ks, unsigned c)
{
    if (c < 0x80) kputc((int)c, ks);
    else if (c < 0x800) { kputc((int)(0xc0 | c >> 6), ks); kputc((int)(0x80 | (c & 0x3f)), ks); }
    else {
        kputc((int)(0xe0 | c >> 12), ks);
        kputc((int)(0x80 | ((c >> 6) & 0x3f)), ks);
        kputc((int)(0x80 | (c & 0x3f)), ks);
    }
}

static int jp_string(jp_t *j, char **out)
{
    kstring_t ks = { 0, 0, NULL };
    j->p++;                                       /* opening quote */
    for (;;) {
        unsigned char c = (unsigned char)*j->p;
        if (!c || c == '\n') { free(ks.s); return jp_fail(j, "unterminated string"); }
        j->p++;
        if (c == '"') break;
        if (c != '\\') { kputc(c, &ks); continue; }
        c = (unsigned char)*j->p++;
        switch (c) {
        case '"': case '\\': case '/': kputc(c, &ks); break;
        case 'b': kputc('\b', &ks); break;
        case 'f': kputc('\f', &ks); break;
        case 'n': kputc('\n', &ks); break;
        case 'r': kputc('\r', &ks); break;
        case 't': kputc('\t', &ks); break;
        case 'u': {
            unsigned x = 0;
            for (int i = 0; i < 4; i++, j->p++) {
                int h = *j->p;
                if (!isxdigit(h)) { free(ks.s); return jp_fail(j, "bad \\u escape"); }
                x = x * 16 + (unsigned)(isdigit(h) ? h - '0' : (tolower(h) - 'a' + 10));
            }
            put_utf8(&ks, x);
            break;
        }
        default: free(ks.s); return jp_fail(j, "bad escape in string");
        }
    }
    *out = ks.s ? ks.s : strdup("");
    return *out ? GRS_OK : GRS_ENOMEM;
}

static int jp_value(jp_t *j, grs_jv_t *v, int depth);

static int jp_push(grs_jv_t *v, int *cap)
{
    if (v->n < *cap) return GRS_OK;
    int nc = *cap ? 2 * *cap : 8;
    grs_jv_t *it = (grs_jv_t *)realloc(v->items, nc * sizeof(grs_jv_t));
    if (!it) return GRS_ENOMEM;
    v->items = it;
    if (v->type == GRS_JV_OBJ) {
        char **k = (char **)realloc(v->keys, nc * sizeof(char *));
        if (!k) return GRS_ENOMEM;
        v->keys = k;
    }
    *cap = nc;
    return GRS_OK;
}

static int jp_value(jp_t *j, grs_jv_t *v, int depth)
{
    int ret, cap = 0;
    memset(v, 0, sizeof(*v));
    jp_ws(j);
    if (depth > 64) return jp_fail(j, "nested too deeply");
    switch (*j->p) {
    case '{': case '[': {
        char close = *j->p == '{' ? '}' : ']';
        v->type = close == '}' ? GRS_JV_OBJ : GRS_JV_ARR;
        j->p++;
        jp_ws(j);
        if (*j->p == close) { j->p++; return GRS_OK; }
        for (;;) {
            if ((ret = jp_push(v, &cap)) < 0) return ret;
            if (v->type == GRS_JV_OBJ) {
                jp_ws(j);
                if (*j->p != '"') return jp_fail(j, "expected a member name");
                if ((ret = jp_string(j, &v->keys[v->n])) < 0) return ret;
                jp_ws(j);
                if (*j->p != ':') { free(v->keys[v->n]); return jp_fail(j, "expected ':'"); }
                j->p++;
            }
            ret = jp_value(j, &v->items[v->n], depth + 1);
            v->n++;                               /* counted even on failure: freed as a whole */
            if (ret < 0) return ret;
            jp_ws(j);
            if (*j->p == ',') { j->p++; continue; }
            if (*j->p == close) { j->p++; return GRS_OK; }
            return jp_fail(j, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    case '"':
        v->type = GRS_JV_STR;
        return jp_string(j, &v->str);
    case 't': case 'f': case 'n': {
        const char *w = *j->p == 't' ? "true" : *j->p == 'f' ? "false" : "null";
        if (strncmp(j->p, w, strlen(w))) return jp_fail(j, "unexpected word");
        j->p += strlen(w);
        v->type = *w == 'n' ? GRS_JV_NULL : GRS_JV_BOOL;
        v->b = *w == 't';
        return GRS_OK;
    }
    default: {
        char *e;
        const char *p0 = j->p;
        if (*p0 != '-' && !isdigit((unsigned char)*p0)) return jp_fail(j, *p0 ? "unexpected character" : "unexpected end of file");
        v->num = strtod(p0, &e);
        if (e == p0) return jp_fail(j, "bad number");
        v->type = GRS_JV_NUM;
        if (!(v->str = (char *)malloc(e - p0 + 1))) return GRS_ENOMEM;
        memcpy(v->str, p0, e - p0);
        v->str[e - p0] = 0;
        j->p = e;
        return GRS_OK;
    }
    }
}

static void jv_clear(grs_jv_t *v)
{
    for (int i = 0; i < v->n; i++) {
        jv_clear(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items); free(v->keys); free(v->str);
}

void grs_jv_free(grs_jv_t *v)
{
    if (!v) return;
    jv_clear(v);
    free(v);
}

int grs_jv_parse(const char *text, const char *name, grs_jv_t **out)
{
    jp_t j = { text, text, name, 1 };
    int ret;
    grs_jv_t *v = (grs_jv_t *)calloc(1, sizeof(*v));
    *out = NULL;
    if (!v) return GRS_ENOMEM;
    if ((ret = jp_value(&j, v, 0)) == GRS_OK) {
        jp_ws(&j);
        if (*j.p) ret = jp_fail(&j, "text after the end of the value");
    }
    if (ret < 0) { grs_jv_free(v); return ret; }
    *out = v;
    return GRS_OK;
}

int grs_jv_read(const char *fn, grs_jv_t **out)
{
    FILE *fp = fopen(fn, "rb");
    kstring_t ks = { 0, 0, NULL };
    char buf[65536];
    size_t n;
    *out = NULL;
    if (!fp) { grs_log_error("cannot open '%s': %s", fn, strerror(errno)); return GRS_EIO; }
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) kputsn(buf, n, &ks);
    int rerr = ferror(fp);
    fclose(fp);
    if (rerr) { free(ks.s); grs_log_error("cannot read '%s'", fn); return GRS_EIO; }
    if (!ks.s || !ks.l) { free(ks.s); grs_log_error("'%s': empty file (expected JSON)", fn); return GRS_EFORMAT; }
    if (strlen(ks.s) != ks.l) { free(ks.s); grs_log_error("'%s': NUL byte in a JSON file", fn); return GRS_EFORMAT; }
    int ret = grs_jv_parse(ks.s, fn, out);
    free(ks.s);
    return ret;
}

const grs_jv_t *grs_jv_get(const grs_jv_t *o, const char *key)
{
    if (!o || o->type != GRS_JV_OBJ) return NULL;
    for (int i = 0; i < o->n; i++) if (!strcmp(o->keys[i], key)) return &o->items[i];
    return NULL;
}

const char *grs_jv_str(const grs_jv_t *o, const char *key)
{
    const grs_jv_t *v = grs_jv_get(o, key);
    return v && v->type == GRS_JV_STR ? v->str : NULL;
}

int64_t grs_jv_int(const grs_jv_t *o, const char *key, int64_t def)
{
    const grs_jv_t *v = grs_jv_get(o, key);
    int64_t x;
    if (!v || v->type != GRS_JV_NUM || grs_parse_int64(v->str, &x) < 0) return def;
    return x;
}

void grs_jv_emit(grs_json_t *j, const char *key, const grs_jv_t *v)
{
    int64_t x;
    switch (v->type) {
    case GRS_JV_NULL: grs_json_str(j, key, NULL); break;
    case GRS_JV_BOOL: grs_json_bool(j, key, v->b); break;
    case GRS_JV_STR: grs_json_str(j, key, v->str); break;
    case GRS_JV_NUM:
        if (grs_parse_int64(v->str, &x) == 0) grs_json_int(j, key, x);
        else grs_json_num(j, key, v->num);
        break;
    default:
        if (v->type == GRS_JV_OBJ) grs_json_obj(j, key); else grs_json_arr(j, key);
        for (int i = 0; i < v->n; i++) grs_jv_emit(j, v->type == GRS_JV_OBJ ? v->keys[i] : NULL, &v->items[i]);
        grs_json_close(j, v->type == GRS_JV_OBJ ? '}' : ']');
    }
}

/* ---- partial files -------------------------------------------------------------------------- */
static void put_fix(grs_out_t *o, grs_fix128_t a)
{
    grs_out_printf(o, "\t%016" PRIx64 "%016" PRIx64, (uint64_t)a.hi, a.lo);
}

static int parse_fix(const char *s, grs_fix128_t *a)
{
    uint64_t w[2] = { 0, 0 };
    if (strlen(s) != 32) return -1;
    for (int i = 0; i < 32; i++) {
        int h = (unsigned char)s[i];
        if (!isxdigit(h)) return -1;
        w[i / 16] = w[i / 16] << 4 | (uint64_t)(isdigit(h) ? h - '0' : tolower(h) - 'a' + 10);
    }
    a->hi = (int64_t)w[0];
    a->lo = w[1];
    return 0;
}

int grs_partial_write(const char *fn, const grs_score_table_t *t)
{
    const int64_t K = t->n_scores;
    grs_out_t *o = grs_out_open(fn, 1);
    if (!o) return GRS_EIO;
    grs_out_printf(o, "##grs-partial\t%d\n##offset", GRS_SHARD_FORMAT_VERSION);
    for (int64_t k = 0; k < K; k++) put_fix(o, t->offset[k]);
    grs_out_printf(o, "\n#FID\tIID\tALLELE_CT\tDENOM\tNAMED_ALLELE_DOSAGE_SUM");
    for (int64_t k = 0; k < K; k++) grs_out_printf(o, "\t%s", t->names ? t->names[k] : "SCORE");
    grs_out_printf(o, "\n");
    for (int64_t s = 0; s < t->n_samples; s++) {
        grs_out_printf(o, "%s\t%s\t%" PRId64 "\t%.17g\t%.17g", t->fid[s], t->iid[s], t->allele_ct[s],
                       t->denom[s], t->named[s]);
        for (int64_t k = 0; k < K; k++) put_fix(o, t->acc[s * K + k]);
        grs_out_printf(o, "\n");
        if ((s & 4095) == 0 && grs_interrupted()) { grs_out_close(o, 0); return GRS_EINTR; }
    }
    return grs_out_close(o, 1);
}

int grs_partial_read(const char *fn, int64_t n_scores, grs_score_table_t *t)
{
    const int64_t K = n_scores;
    htsFile *fp = hts_open(fn, "r");
    kstring_t line = { 0, 0, NULL };
    int64_t lineno = 0, cap = 0, n = 0;
    int ret = GRS_EFORMAT, nf, maxf = (int)K + 8;
    char **f = (char **)malloc(maxf * sizeof(char *));

    memset(t, 0, sizeof(*t));
    t->n_scores = K;
    t->owns = 1;
    if (!fp) { grs_log_error("cannot open '%s': %s", fn, strerror(errno)); free(f); return GRS_EIO; }
    if (!f || !(t->offset = (grs_fix128_t *)calloc(K + 1, sizeof(grs_fix128_t)))) { ret = GRS_ENOMEM; goto fail; }
    while ((ret = hts_getline(fp, KS_SEP_LINE, &line)) >= 0) {
        lineno++;
        ret = GRS_EFORMAT;
        if (lineno == 1) {
            if (strncmp(line.s, "##grs-partial\t", 14) != 0) {
                grs_log_error("'%s': line 1: not a grs partial file", fn);
                goto fail;
            }
            if (atoi(line.s + 14) != GRS_SHARD_FORMAT_VERSION) {
                grs_log_error("'%s': partial format version %s, this grs reads %d", fn, line.s + 14,
                              GRS_SHARD_FORMAT_VERSION);
                goto fail;
            }
            continue;
        }
        if (lineno == 2) {
            nf = grs_split(line.s, "\t", f, maxf);
            if (nf != K + 1 || strcmp(f[0], "##offset")) {
                grs_log_error("'%s': line 2: expected ##offset and %" PRId64 " values", fn, K);
                goto fail;
            }
            for (int64_t k = 0; k < K; k++)
                if (parse_fix(f[k + 1], &t->offset[k]) < 0) {
                    grs_log_error("'%s': line 2: bad fixed-point value '%s'", fn, f[k + 1]);
                    goto fail;
                }
            continue;
        }
        if (lineno == 3) {
            nf = grs_split(line.s, "\t", f, maxf);
            if (nf != K + 5 || strcmp(f[0], "#FID")) {
                grs_log_error("'%s': line 3: expected a #FID header with %" PRId64 " score columns", fn, K);
                goto fail;
            }
            continue;
        }
        nf = grs_split(line.s, "\t", f, maxf);
        if (nf != K + 5) {
            grs_log_error("'%s': line %" PRId64 ": %d fields, expected %" PRId64, fn, lineno, nf, K + 5);
            goto fail;
        }
        if (n == cap) {
            int64_t nc = cap ? 2 * cap : 1024;
            char **a = (char **)realloc(t->fid, nc * sizeof(char *));
            if (a) t->fid = a;
            char **b = (char **)realloc(t->iid, nc * sizeof(char *));
            if (b) t->iid = b;
            int64_t *c = (int64_t *)realloc(t->allele_ct, nc * sizeof(int64_t));
            if (c) t->allele_ct = c;
            double *d = (double *)realloc(t->denom, nc * sizeof(double));
            if (d) t->denom = d;
            double *e = (double *)realloc(t->named, nc * sizeof(double));
            if (e) t->named = e;
            grs_fix128_t *g = (grs_fix128_t *)realloc(t->acc, nc * K * sizeof(grs_fix128_t) + 1);
            if (g) t->acc = g;
            if (!a || !b || !c || !d || !e || !g) { ret = GRS_ENOMEM; goto fail; }
            cap = nc;
        }
        t->fid[n] = t->iid[n] = NULL;
        t->n_samples = n + 1;                     /* the IDs are freed from here on */
        if (grs_parse_int64(f[2], &t->allele_ct[n]) < 0 || grs_parse_double(f[3], &t->denom[n]) < 0
            || grs_parse_double(f[4], &t->named[n]) < 0) {
            grs_log_error("'%s': line %" PRId64 ": bad ALLELE_CT, DENOM or NAMED_ALLELE_DOSAGE_SUM", fn, lineno);
            goto fail;
        }
        for (int64_t k = 0; k < K; k++)
            if (parse_fix(f[5 + k], &t->acc[n * K + k]) < 0) {
                grs_log_error("'%s': line %" PRId64 ": bad fixed-point value '%s'", fn, lineno, f[5 + k]);
                goto fail;
            }
        if (!(t->fid[n] = strdup(f[0])) || !(t->iid[n] = strdup(f[1]))) { ret = GRS_ENOMEM; goto fail; }
        n++;
    }
    if (ret < -1) {
        grs_log_error("'%s': read error after line %" PRId64 " (truncated gzip?)", fn, lineno);
        ret = GRS_EFORMAT;
        goto fail;
    }
    if (lineno < 3) {
        grs_log_error("'%s': %s", fn, lineno ? "truncated: no #FID header" : "empty file");
        ret = GRS_EFORMAT;
        goto fail;
    }
    t->n_samples = n;
    hts_close(fp);
    free(line.s);
    free(f);
    return GRS_OK;
fail:
    if (ret == GRS_ENOMEM) grs_log_error("out of memory reading '%s'", fn);
    hts_close(fp);
    free(line.s);
    free(f);
    grs_score_table_free(t);
    return ret;
}

int grs_file_crc32(const char *fn, uint32_t *crc, int64_t *size)
{
    FILE *fp = fopen(fn, "rb");
    char *buf;
    size_t n;
    *crc = grs_crc32(0, NULL, 0);
    *size = 0;
    if (!fp) return GRS_EIO;
    if (!(buf = (char *)malloc(1 << 20))) { fclose(fp); return GRS_ENOMEM; }
    while ((n = fread(buf, 1, 1 << 20, fp)) > 0) {
        *crc = grs_crc32(*crc, buf, n);
        *size += (int64_t)n;
    }
    int err = ferror(fp);
    free(buf);
    fclose(fp);
    return err ? GRS_EIO : GRS_OK;
}

/* ---- --skip-existing ----------------------------------------------------------------------- */
static int file_matches(const grs_jv_t *m, const char *what, const char *fn)
{
    const grs_jv_t *f = grs_jv_get(m, what);
    uint32_t crc;
    int64_t size;
    char hex[16];
    if (!f) return 1;
    if (grs_file_crc32(fn, &crc, &size) < 0) {
        grs_log_info("--skip-existing: '%s' is missing: recomputing the shard", fn);
        return 0;
    }
    snprintf(hex, sizeof(hex), "%08x", crc);
    if (size != grs_jv_int(f, "bytes", -1) || !grs_jv_str(f, "crc32") || strcmp(hex, grs_jv_str(f, "crc32"))) {
        grs_log_info("--skip-existing: '%s' does not match its manifest: recomputing the shard", fn);
        return 0;
    }
    return 1;
}

int grs_shard_complete(const char *prefix, const grs_shard_spec_t *sp, const grs_kv_t *run)
{
    char *fm = grs_shard_path(prefix, sp, "manifest.json"), *fp = grs_shard_path(prefix, sp, "partial.gz"),
         *fl = grs_shard_path(prefix, sp, "match.tsv.gz");
    grs_jv_t *m = NULL;
    int ok = 0, lvl = grs_get_log_level();
    if (!fm || !fp || !fl) goto done;
    if (access(fm, F_OK) != 0) {
        grs_log_info("--skip-existing: no '%s': computing the shard", fm);
        goto done;
    }
    grs_set_log_level(GRS_LOG_OFF);       /* a broken manifest only means "recompute" */
    int r = grs_jv_read(fm, &m);
    grs_set_log_level(lvl);
    if (r < 0) { grs_log_info("--skip-existing: '%s' is unreadable: recomputing the shard", fm); goto done; }
    const grs_jv_t *sh = grs_jv_get(m, "shard"), *rv = grs_jv_get(m, "run");
    const char *ver = grs_jv_str(m, "tool_version"), *by = grs_jv_str(sh, "by");
    if (grs_jv_int(m, "format_version", -1) != GRS_SHARD_FORMAT_VERSION || !ver || strcmp(ver, GRS_VERSION " (" GRS_GIT ")")) {
        grs_log_info("--skip-existing: '%s' was written by another grs version: recomputing", fm);
        goto done;
    }
    if (grs_jv_int(sh, "k", -1) != sp->k || grs_jv_int(sh, "n", -1) != sp->n || !by
        || strcmp(by, grs_shard_by_name(sp->by))) {
        grs_log_info("--skip-existing: '%s' describes another shard layout: recomputing", fm);
        goto done;
    }
    for (int i = 0; i < run->n; i++) {
        const char *v = grs_jv_str(rv, run->key[i]);
        if (!strncmp(run->key[i], "samples", 7)) continue;
        if (!v || strcmp(v, run->val[i])) {
            grs_log_info("--skip-existing: '%s' is from another run (%s differs): recomputing", fm, run->key[i]);
            goto done;
        }
    }
    if (!file_matches(m, "partial", fp) || !file_matches(m, "match_log", fl)) goto done;
    ok = 1;
done:
    grs_jv_free(m);
    free(fm); free(fp); free(fl);
    return ok;
}
