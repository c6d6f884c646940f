/* json.h -- a small streaming JSON writer for summaries and reports (internal).
 * Keeps a nesting stack so commas and indentation come out right; strings are escaped. */
#ifndef GRS_HOST_JSON_H
#define GRS_HOST_JSON_H

#include <stdint.h>

#include "util.h"

typedef struct grs_json_t {
    grs_out_t *o;
    int depth;
    int first[32];     /* per depth: no element written yet */
} grs_json_t;

void grs_json_begin(grs_json_t *j, grs_out_t *o);       /* opens the top-level object */
void grs_json_end(grs_json_t *j);                        /* closes it, newline */
void grs_json_key(grs_json_t *j, const char *key);       /* inside an object: "key": */
void grs_json_obj(grs_json_t *j, const char *key);       /* key may be NULL inside arrays */
void grs_json_arr(grs_json_t *j, const char *key);
void grs_json_close(grs_json_t *j, char c);              /* '}' or ']' */
void grs_json_str(grs_json_t *j, const char *key, const char *v);   /* NULL v → null */
void grs_json_int(grs_json_t *j, const char *key, int64_t v);
void grs_json_num(grs_json_t *j, const char *key, double v);        /* NaN/Inf → null */
void grs_json_bool(grs_json_t *j, const char *key, int v);

#endif
