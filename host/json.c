/* json.c -- streaming JSON writer (see json.h). */
#include "json.h"

#include <math.h>
#include <stdio.h>

static void sep(grs_json_t *j, const char *key)
{
    if (!j->first[j->depth]) grs_out_printf(j->o, ",");
    j->first[j->depth] = 0;
    grs_out_printf(j->o, "\n%*s", 2 * (j->depth + 1), "");
    if (key) {
        grs_json_key(j, key);
    }
}

static void put_string(grs_out_t *o, const char *s)
{
    grs_out_write(o, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') grs_out_printf(o, "\\%c", *p);
        else if (*p == '\n') grs_out_printf(o, "\\n");
        else if (*p == '\t') grs_out_printf(o, "\\t");
        else if (*p < 0x20) grs_out_printf(o, "\\u%04x", *p);
        else grs_out_write(o, p, 1);
    }
    grs_out_write(o, "\"", 1);
}

void grs_json_key(grs_json_t *j, const char *key)
{
    put_string(j->o, key);
    grs_out_printf(j->o, ": ");
}

void grs_json_begin(grs_json_t *j, grs_out_t *o)
{
    j->o = o;
    j->depth = 0;
    j->first[0] = 1;
    grs_out_printf(o, "{");
}

void grs_json_end(grs_json_t *j)
{
    grs_out_printf(j->o, "\n}\n");
}

static void open_(grs_json_t *j, const char *key, char c)
{
    sep(j, key);
    grs_out_printf(j->o, "%c", c);
    if (j->depth < 31) j->depth++;
    j->first[j->depth] = 1;
}

void grs_json_obj(grs_json_t *j, const char *key) { open_(j, key, '{'); }
void grs_json_arr(grs_json_t *j, const char *key) { open_(j, key, '['); }

void grs_json_close(grs_json_t *j, char c)
{
    int empty = j->first[j->depth];
    if (j->depth > 0) j->depth--;
    if (!empty) grs_out_printf(j->o, "\n%*s", 2 * (j->depth + 1), "");
    grs_out_printf(j->o, "%c", c);
}

void grs_json_str(grs_json_t *j, const char *key, const char *v)
{
    sep(j, key);
    if (v) put_string(j->o, v);
    else grs_out_printf(j->o, "null");
}

void grs_json_int(grs_json_t *j, const char *key, int64_t v)
{
    sep(j, key);
    grs_out_printf(j->o, "%lld", (long long)v);
}

void grs_json_num(grs_json_t *j, const char *key, double v)
{
    sep(j, key);
    if (isfinite(v)) grs_out_printf(j->o, "%.17g", v);
    else grs_out_printf(j->o, "null");
}

void grs_json_bool(grs_json_t *j, const char *key, int v)
{
    sep(j, key);
    grs_out_printf(j->o, v ? "true" : "false");
}
