#!/bin/bash
# submit.sh -- submit the scoring array and the merge job that waits for it.
#
#   INPUT="--geno cohort" SCORE="PGS000001.txt.gz" OUT=results/cohort NSHARDS=8 ./submit.sh
#   ... after a cancelled or failed task, the same command with --skip-existing recomputes only
#   the shards that are not complete:
#   INPUT=... SCORE=... OUT=... NSHARDS=8 ./submit.sh --skip-existing
#
# Extra arguments go to every `grs score` task; sbatch options can be set in SBATCH_* variables
# (e.g. SBATCH_PARTITION=gpu) or edited in the .sbatch files. Prints the two job IDs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NSHARDS:?set NSHARDS to the number of shards}"
export INPUT SCORE OUT NSHARDS
array=$(sbatch --parsable --array=1-"$NSHARDS" ${SCORE_SBATCH_OPTS:-} "$here/score_array.sbatch" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes ${MERGE_SBATCH_OPTS:-} \
        "$here/merge.sbatch")
merge=${merge%%;*}
echo "$array $merge"
