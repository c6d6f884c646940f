/* fuzz_store.c -- libFuzzer target: the import readers of the results store (host/store.c,
 * grs_store_ingest: what `grs store` and the --db option of score/normalize/ancestry/predict/
 * report read: .sscore, summary.json, norm.tsv, refdist.json, ancestry.tsv, predict.tsv with
 * its predict.json, report.json), each ingested into a fresh SQLite store.
 * Input layout: the first byte's low 3 bits pick the input: 0 P.sscore (+ P.summary.json beside
 * it), 1 summary.json, 2 P.norm.tsv (its reference rows summarised), 3 refdist.json,
 * 4 P.ancestry.tsv, 5 P.predict.tsv (+ P.predict.json beside it), 6 report.json, 7 P.norm.tsv with
 * a refdist.json; the rest is `MAIN \n#@@\n SIDE` (SIDE: the second file of 0, 5 and 7; absent
 * without the separator). Checks: on success the store opens again and is a grs results store;
 * on failure a store this call created is gone (all or nothing). */
#include "fuzz_common.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char db[300], main_fn[8][300], side_fn[8][300];
    static const char *mains[8] = { "p.sscore", "summary.json", "p.norm.tsv", "refdist.json", "p.ancestry.tsv",
                                    "p.predict.tsv", "report.json", "q.norm.tsv" };
    static const char *sides[8] = { "p.summary.json", NULL, NULL, NULL, NULL, "p.predict.json", NULL, "q.refdist.json" };
    if (!db[0]) {
        fuzz_path(db, sizeof(db), "store.sqlite");
        for (int k = 0; k < 8; k++) {
            fuzz_path(main_fn[k], sizeof(main_fn[k]), mains[k]);
            if (sides[k]) fuzz_path(side_fn[k], sizeof(side_fn[k]), sides[k]);
        }
    }
    if (size < 1) return 0;
    int k = data[0] & 7;
    const uint8_t *p = data + 1, *end = data + size, *sep = fuzz_find(p, end, "\n#@@\n");
    fuzz_write(main_fn[k], p, (size_t)(sep - p));
    if (sides[k]) {
        if (sep != end) fuzz_write(side_fn[k], sep + 5, (size_t)(end - sep - 5));
        else unlink(side_fn[k]);
    }
    unlink(db);

    grs_store_inputs_t in;
    memset(&in, 0, sizeof(in));
    in.kind = "fuzz";
    in.command = "fuzz_store";
    switch (k) {
    case 0: in.sscore = main_fn[0]; break;
    case 1: in.summary_json = main_fn[1]; break;
    case 2: in.norm_tsv = main_fn[2]; break;
    case 3: in.refdist_json = main_fn[3]; break;
    case 4: in.ancestry_tsv = main_fn[4]; break;
    case 5: in.predict_tsv = main_fn[5]; break;
    case 6: in.report_json = main_fn[6]; break;
    default:
        in.norm_tsv = main_fn[7];
        if (sep != end) in.refdist_json = side_fn[7];
        break;
    }
    if (grs_store_ingest(db, &in) == 0) {
        grs_store_db_t *s = NULL;
        if (grs_store_open(db, 0, 1, &s) != 0) abort();
        grs_store_close(s);
    } else if (access(db, F_OK) == 0) {
        abort();   /* a failed ingest into a new store leaves no store behind */
    }
    unlink(db);
    return 0;
}
