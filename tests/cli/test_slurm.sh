#!/usr/bin/env bash
# The SLURM example on a real single-node cluster (issue 7): this test starts munged, slurmctld
# and slurmd (Debian slurm-wlm + munge) from a generated slurm.conf in a temporary directory
# (proctrack/linuxproc, task/none, the node's real CPU count and memory), submits
# examples/slurm (a 4-task score array and the merge job with --dependency=afterok), and checks
# the merged .sscore is byte-identical to a single run. Then a shard is cancelled with scancel
# while it runs, the array is re-submitted with --skip-existing, and only that shard may run
# again; the final output must again be identical. Every daemon is stopped by its PID.
# Skipped (77) when not root or when the daemons cannot start.
. "$(dirname "$0")/lib.sh"
C=$SHARED/data/pgsc_calc-cineca
EX=$SRC/examples/slurm
[ "$(id -u)" = 0 ] || { skip "not root: cannot start slurmctld/slurmd"; finish; }
for b in munged slurmctld slurmd sbatch squeue scancel sinfo; do
    command -v $b >/dev/null || { skip "$b not installed (Debian slurm-wlm, munge)"; finish; }
done
[ -d "$C" ] || { skip "pgsc_calc-cineca absent"; finish; }

# ---- a private cluster: munge key, socket, state and logs under $T ------------------------
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do for i in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
S=$T/slurm
mkdir -p "$S/state" "$S/spool" "$S/munge" && chmod 700 "$S/munge"
dd if=/dev/urandom of="$S/munge/key" bs=1024 count=1 status=none && chmod 400 "$S/munge/key"
munged --force --key-file="$S/munge/key" --socket="$S/munge/sock" --pid-file="$S/munge/pid" \
    --log-file="$S/munge/log" --seed-file="$S/munge/seed" 2>"$S/munged.err" \
    || { skip "munged does not start: $(head -1 "$S/munged.err")"; finish; }
for i in $(seq 1 50); do [ -s "$S/munge/pid" ] && break; sleep 0.1; done
pids+=("$(cat "$S/munge/pid" 2>/dev/null)")

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
node=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/{print int($2/1024*0.9)}' /proc/meminfo)
cat > "$S/slurm.conf" <<EOF
ClusterName=grstest
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
AuthInfo=socket=$S/munge/sock
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=grs Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$S/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >"$S/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$node" -f "$SLURM_CONF" >"$S/slurmd.out" 2>&1 &
pids+=($!)
up=0
for i in $(seq 1 100); do
    [ "$(sinfo -h -o %t 2>/dev/null | head -1)" = idle ] && { up=1; break; }
    sleep 0.2
done
if [ $up = 0 ]; then
    skip "SLURM did not come up: $(tail -2 "$S/slurmctld.log" "$S/slurmd.log" 2>/dev/null | tr '\n' ' ')"
    finish
fi
ok

# ---- the reference: one unsharded run
W=$T/work
mkdir -p "$W"
check "pack" "$GRS" pack --bfile "$C/cineca_synthetic_subset" --out "$W/cin"
check "single run" "$GRS" score --geno "$W/cin" --score "$C/PGS001229_22.txt" --out "$W/single"

# wait_jobs ID...: until none of the jobs is pending or running (max ~40 s)
wait_jobs() {
    for i in $(seq 1 200); do
        [ -z "$(squeue -h -j "$(IFS=,; echo "$*")" -o %i 2>/dev/null)" ] && return 0
        sleep 0.2
    done
    return 1
}

# ---- 1. the example: 4 shards by samples, merge after them
export GRS INPUT="--geno $W/cin" SCORE="$C/PGS001229_22.txt" OUT="$W/run1" NSHARDS=4 SHARD_BY=samples
export SCORE_SBATCH_OPTS="--mem=400M --cpus-per-task=1 --chdir=$W" MERGE_SBATCH_OPTS="--mem=400M --chdir=$W"
ids=$(bash "$EX/submit.sh" 2>"$T/err") || { bad "submit.sh: $(cat "$T/err")"; finish; }
set -- $ids
wait_jobs "$1" "$2" && ok || bad "jobs did not finish: $(squeue -h)"
cmp -s "$W/single.sscore" "$W/run1.sscore" && ok || { bad "SLURM merge differs from the single run"; tail -3 "$W"/grs-*.log >&2; }
cmp -s "$W/single.match.tsv.gz" "$W/run1.match.tsv.gz" && ok || bad "SLURM match log differs"
[ "$(ls "$W"/run1.shard*-of-4.manifest.json | wc -l)" = 4 ] && ok || bad "expected 4 shard manifests"

# ---- 2. scancel shard 3 while it runs. Its genotypes come through a FIFO that stalls after
# 300 kB, so the task is certainly inside grs (decoding) when it is cancelled.
cat > "$T/grs-slow" <<EOF
#!/bin/bash
# test wrapper: task 3 reads its genotypes from a stalling FIFO instead
if [ "\${SLURM_ARRAY_TASK_ID:-}" = 3 ] && [ "\$1" = score ]; then
    fifo=$W/stall.vcf.gz
    rm -f "\$fifo"; mkfifo "\$fifo"
    ( head -c 300000 "$C/cineca_synthetic_subset.vcf.gz"; sleep 300 ) > "\$fifo" &
    args=()
    while [ \$# -gt 0 ]; do
        if [ "\$1" = --geno ]; then args+=(--vcf "\$fifo"); shift 2; else args+=("\$1"); shift; fi
    done
    echo "task 3 running" > $W/task3.started
    exec "$GRS" "\${args[@]}"
fi
exec "$GRS" "\$@"
EOF
chmod +x "$T/grs-slow"
REAL_GRS=$GRS
OUT=$W/run2 GRS=$T/grs-slow
ids=$(bash "$EX/submit.sh" 2>"$T/err") || { bad "submit.sh: $(cat "$T/err")"; finish; }
set -- $ids
for i in $(seq 1 150); do
    [ -e "$W/task3.started" ] && [ "$(ls "$W"/run2.shard*-of-4.manifest.json 2>/dev/null | wc -l)" = 3 ] && break
    sleep 0.2
done
sleep 1
[ "$(squeue -h -j "${1}_3" -o %T 2>/dev/null)" = RUNNING ] && ok || bad "shard 3 is not running: $(squeue -h)"
scancel "${1}_3"
wait_jobs "$1" "$2" && ok || { bad "jobs still queued after scancel: $(squeue -h)"; scancel "$1" "$2"; }
[ ! -e "$W/run2.shard3-of-4.manifest.json" ] && ok || bad "the cancelled shard left a manifest"
[ ! -e "$W/run2.sscore" ] && ok || bad "merge ran although a shard was cancelled"
compgen -G "$W/*.tmp.*" >/dev/null && bad "temporary files left: $(ls "$W" | grep tmp)" || ok
grep -q "interrupted by a signal" "$W/grs-score-${1}_3.log" && ok || bad "shard 3 log: $(cat "$W/grs-score-${1}_3.log")"
stamp() { stat -c '%n %Y %s' "$W"/run2.shard{1,2,4}-of-4.{partial.gz,manifest.json}; }
before=$(stamp)
sleep 1                                   # mtimes have 1 s resolution

# ---- 3. re-submit with --skip-existing: only shard 3 runs
GRS=$REAL_GRS
ids=$(bash "$EX/submit.sh" --skip-existing 2>"$T/err") || { bad "submit.sh: $(cat "$T/err")"; finish; }
set -- $ids
wait_jobs "$1" "$2" && ok || bad "resubmitted jobs did not finish"
[ "$(stamp)" = "$before" ] && ok || bad "complete shards were rewritten"
n_skipped=$(grep -l "complete, skipped" "$W"/grs-score-"$1"_*.log | wc -l)
[ "$n_skipped" = 3 ] && ok || bad "expected 3 skipped shards, got $n_skipped"
grep -q "complete, skipped" "$W/grs-score-${1}_3.log" && bad "shard 3 was skipped" || ok
cmp -s "$W/single.sscore" "$W/run2.sscore" && ok || bad "resumed SLURM merge differs from the single run"
finish
