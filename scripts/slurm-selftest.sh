#!/usr/bin/env bash
# The Slurm test of CI (.ci/run): on the one-node Slurm cluster of scripts/slurm-cluster.sh,
#   1. a 4-task job array (--array=0-3%2) whose tasks each see SLURM_ARRAY_TASK_ID and
#      SLURM_ARRAY_TASK_COUNT and write one file;
#   2. a job with --dependency=afterok:<array> that starts only after every task ended and
#      concatenates their files in index order;
#   3. a job with --dependency=afterok on a job that fails, which must never start;
#   4. chokepoint for real: a run of scenarios/tutorial.toml as a 4-task array of shards
#      plus the merge job (deploy/slurm/submit.sh), and a sweep as a 4-task array plus its
#      final call (deploy/slurm/chokepoint-sweep.sbatch); the merged files must be
#      byte-identical to the same run and sweep computed in one process.
# Exits non-zero, with the jobs' and daemons' logs, on any failure, including a cluster
# that does not start (never a silent pass).
#
#   scripts/slurm-selftest.sh        starts the cluster if needed (slurm-cluster.sh up) and
#                                    leaves it running
# Environment (optional):
#   CHOKEPOINT              the binary under test (default: target/release/chokepoint of
#                           this checkout; build it first with cargo build --release)
#   SLURM_SELFTEST_DIR      work folder, absolute, on a file system the jobs see (default: a
#                           new folder under /tmp, removed when the test passes)
#   SLURM_SELFTEST_TIMEOUT  seconds to wait for each group of jobs (default 300)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
TIMEOUT=${SLURM_SELFTEST_TIMEOUT:-300}
CHOKEPOINT=${CHOKEPOINT:-$REPO/target/release/chokepoint}
# A relative path is taken from the current folder (the script changes folder later).
case $CHOKEPOINT in /*) ;; *) CHOKEPOINT=$PWD/$CHOKEPOINT ;; esac
TASKS=4
THROTTLE=2

say() { printf 'slurm-selftest: %s\n' "$*" >&2; }

"$HERE/slurm-cluster.sh" up

if [[ -n ${SLURM_SELFTEST_DIR:-} ]]; then
    WORK=$SLURM_SELFTEST_DIR
    KEEP=1
    [[ $WORK == /* ]] || { say "error: SLURM_SELFTEST_DIR must be absolute"; exit 2; }
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d -t chokepoint-slurm-selftest.XXXXXX)
    KEEP=0
fi
rm -rf "$WORK/parts" "$WORK/times" "$WORK/logs" "$WORK/merged.txt" "$WORK/must-not-exist"
# Set early, so that a failure before the chokepoint jobs are submitted can name them.
T_ARRAY='' T_MERGE='' S_ARRAY='' S_FINAL=''

mkdir -p "$WORK/parts" "$WORK/times" "$WORK/logs"

ARRAY_ID='' MERGE_ID='' FAIL_ID='' NEVER_ID=''
passed=0 failed=0

check() {
    # check DESCRIPTION COMMAND...: one named check, counted.
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        say "ok: $what"
    else
        failed=$((failed + 1))
        say "FAILED: $what"
    fi
}

show_failure() {
    local f
    say "work folder: $WORK"
    for f in "$WORK"/logs/* "$WORK"/run/logs/* "$WORK"/sweep/logs/*; do
        [[ -e $f ]] || continue
        printf '\n----- %s -----\n' "$f" >&2
        cat "$f" >&2
    done
    printf '\n----- squeue -----\n' >&2
    local ids
    ids=$(echo "$ARRAY_ID $MERGE_ID $FAIL_ID $NEVER_ID" | xargs | tr ' ' ,)
    squeue -t all -l -j "$ids" >&2 || true
    for f in $ARRAY_ID $MERGE_ID $FAIL_ID $NEVER_ID; do
        scontrol show job "$f" >&2 || true
    done
    for f in /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log; do
        printf '\n----- last lines of %s -----\n' "$f" >&2
        tail -n 30 "$f" >&2 || true
    done
}

# State of every record of a job (an array job has one per task), one per line.
job_states() {
    scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2
}

job_field() {
    # job_field ID FIELD: the field's value in the first record of the job.
    scontrol -o show job "$1" 2>/dev/null | head -n 1 | grep -o " $2=[^ ]*" | cut -d= -f2-
}

final_state() {
    case $1 in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED) return 0 ;;
    *) return 1 ;;
    esac
}

all_final() {
    local s states
    states=$(job_states "$1")
    [[ -n $states ]] || return 1
    for s in $states; do
        final_state "$s" || return 1
    done
}

# The array task: one file per index, written under a temporary name and renamed, so a
# reader never sees half a file; start and end times for the dependency check.
cat >"$WORK/task.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=selftest-array
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
set -euo pipefail
start=\$(date +%s%N)
: "\${SLURM_ARRAY_TASK_ID:?not set}" "\${SLURM_ARRAY_TASK_COUNT:?not set}"
sleep 2
part=$WORK/parts/part-\$SLURM_ARRAY_TASK_ID
printf 'task %s of %s\n' "\$SLURM_ARRAY_TASK_ID" "\$SLURM_ARRAY_TASK_COUNT" >"\$part.tmp"
mv "\$part.tmp" "\$part.txt"
echo "\$start \$(date +%s%N)" >$WORK/times/task-\$SLURM_ARRAY_TASK_ID
EOF

cat >"$WORK/merge.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=selftest-merge
set -euo pipefail
date +%s%N >$WORK/times/merge-start
for ((i = 0; i < $TASKS; i++)); do cat "$WORK/parts/part-\$i.txt"; done >$WORK/merged.tmp
mv $WORK/merged.tmp $WORK/merged.txt
EOF

cd "$WORK"
# The array is submitted held and released once its dependants are queued: with both CPUs
# free, a merge job that did not wait for the array would start at once, so the checks
# below would see it (the dependency is tested, not the scheduler's order).
ARRAY_ID=$(sbatch --parsable --hold --array=0-$((TASKS - 1))%$THROTTLE --chdir="$WORK" \
    --output="$WORK/logs/array-%A_%a.out" "$WORK/task.sbatch")
MERGE_ID=$(sbatch --parsable --dependency=afterok:"$ARRAY_ID" --chdir="$WORK" \
    --output="$WORK/logs/merge-%j.out" "$WORK/merge.sbatch")
FAIL_ID=$(sbatch --parsable --job-name=selftest-fail --chdir="$WORK" \
    --output="$WORK/logs/fail-%j.out" --wrap 'exit 3')
NEVER_ID=$(sbatch --parsable --job-name=selftest-never --dependency=afterok:"$FAIL_ID" \
    --chdir="$WORK" --output="$WORK/logs/never-%j.out" --wrap "touch $WORK/must-not-exist")
scontrol release "$ARRAY_ID"
say "submitted array $ARRAY_ID, merge $MERGE_ID, failing job $FAIL_ID, its dependant $NEVER_ID"

deadline=$((SECONDS + TIMEOUT))
until all_final "$ARRAY_ID" && all_final "$MERGE_ID" && all_final "$FAIL_ID" \
    && { all_final "$NEVER_ID" || [[ $(job_field "$NEVER_ID" Reason) == DependencyNeverSatisfied ]]; }; do
    if ((SECONDS >= deadline)); then
        say "error: jobs not finished after ${TIMEOUT}s"
        show_failure
        scancel "$ARRAY_ID" "$MERGE_ID" "$FAIL_ID" "$NEVER_ID" 2>/dev/null || true
        exit 1
    fi
    sleep 1
done
say "jobs done after $((SECONDS - deadline + TIMEOUT))s"

array_states=$(job_states "$ARRAY_ID" | sort | uniq -c | tr -s ' ')
check "all $TASKS array tasks COMPLETED (got:$array_states)" \
    test "$(job_states "$ARRAY_ID" | grep -c '^COMPLETED$')" -eq $TASKS
check "throttle %$THROTTLE recorded" \
    test "$(job_field "$ARRAY_ID" ArrayTaskThrottle)" = $THROTTLE

expected=
for ((i = 0; i < TASKS; i++)); do
    check "task $i wrote 'task $i of $TASKS'" \
        test "$(cat "$WORK/parts/part-$i.txt" 2>/dev/null)" = "task $i of $TASKS"
    expected+="task $i of $TASKS"$'\n'
done

check "merge job COMPLETED" test "$(job_states "$MERGE_ID")" = COMPLETED
check "merged.txt is the parts in index order" \
    test "$(cat "$WORK/merged.txt" 2>/dev/null)"$'\n' = "$expected"

# afterok: the merge job starts after the last task ends, and no more than THROTTLE tasks
# ever ran at once.
last_end=0
for f in "$WORK"/times/task-*; do
    read -r _ end <"$f"
    if ((end > last_end)); then last_end=$end; fi
done
merge_start=$(cat "$WORK/times/merge-start" 2>/dev/null || echo 0)
check "merge started after the last array task ended" test "$merge_start" -gt "$last_end"
max_running=$(cat "$WORK"/times/task-* | awk '{print $1, 1; print $2, -1}' | sort -n -k1,1 -k2,2n |
    awk '{n += $2; if (n > m) m = n} END {print m + 0}')
check "at most $THROTTLE tasks ran at once (saw $max_running)" test "$max_running" -le $THROTTLE

check "failing job FAILED" test "$(job_states "$FAIL_ID")" = FAILED
check "dependant of the failing job never ran" \
    test "$(job_states "$NEVER_ID")" = PENDING -a ! -e "$WORK/must-not-exist"
scancel "$NEVER_ID" || true

# Part 2: chokepoint for real, through the templates of deploy/slurm/. A run split into
# TASKS shards (submit.sh: job array + merge job with afterok) and a sweep split into TASKS
# parts (chokepoint-sweep.sbatch as an array, then as the final job with afterok) must give
# the bytes of the same run and sweep computed here in one process.
[[ -x $CHOKEPOINT ]] || {
    say "error: no chokepoint binary at $CHOKEPOINT (cargo build --release, or set CHOKEPOINT)"
    exit 1
}
scenario=$REPO/scenarios/tutorial.toml
RUN_ARGS=(--replications 6003 --seed 7)
SWEEP_ARGS=(--vary material.ndpr.stockpile_days=0..140:8 --strategy baseline,stockpile_180
    --replications 400 --seed 7 --no-charts)
OUT=$WORK/run
SWEEP_OUT=$WORK/sweep
rm -rf "$OUT" "$SWEEP_OUT" "$WORK/unsplit-run" "$WORK/unsplit-sweep"
t_unsplit=$SECONDS
"$CHOKEPOINT" run "$scenario" "${RUN_ARGS[@]}" --out "$WORK/unsplit-run" --quiet --no-charts
"$CHOKEPOINT" sweep "$scenario" "${SWEEP_ARGS[@]}" --out "$WORK/unsplit-sweep" --quiet
say "unsplit run and sweep computed in $((SECONDS - t_unsplit))s"

ids=$(CHOKEPOINT=$CHOKEPOINT \
    CHOKEPOINT_SHARD_SBATCH="--cpus-per-task=1 --mem=1G" \
    CHOKEPOINT_MERGE_SBATCH="--cpus-per-task=2 --mem=2G" \
    "$REPO/deploy/slurm/submit.sh" "$scenario" "$OUT" $TASKS $THROTTLE -- "${RUN_ARGS[@]}")
read -r T_ARRAY T_MERGE <<<"$ids"
# Read now, while the shards still run: Slurm clears a job's dependency once it is met.
merge_dependency=$(job_field "$T_MERGE" Dependency)
mkdir -p "$SWEEP_OUT/logs"
S_ARRAY=$(CHOKEPOINT=$CHOKEPOINT sbatch --parsable --array=0-$((TASKS - 1))%$THROTTLE \
    --cpus-per-task=1 --mem=1G --output="$SWEEP_OUT/logs/sweep-%A_%a.out" \
    "$REPO/deploy/slurm/chokepoint-sweep.sbatch" "$SWEEP_OUT" "$scenario" "${SWEEP_ARGS[@]}")
S_FINAL=$(CHOKEPOINT=$CHOKEPOINT sbatch --parsable --dependency=afterok:"$S_ARRAY" \
    --kill-on-invalid-dep=yes --cpus-per-task=1 --mem=1G \
    --output="$SWEEP_OUT/logs/final-%j.out" \
    "$REPO/deploy/slurm/chokepoint-sweep.sbatch" "$SWEEP_OUT" "$scenario" "${SWEEP_ARGS[@]}")
say "submitted run shards $T_ARRAY and merge $T_MERGE; sweep parts $S_ARRAY and final call $S_FINAL"
ARRAY_ID+=" $T_ARRAY $S_ARRAY" MERGE_ID+=" $T_MERGE $S_FINAL"
deadline=$((SECONDS + TIMEOUT))
until all_final "$T_ARRAY" && all_final "$T_MERGE" && all_final "$S_ARRAY" && all_final "$S_FINAL"; do
    if ((SECONDS >= deadline)); then
        say "error: chokepoint jobs not finished after ${TIMEOUT}s"
        show_failure
        scancel "$T_ARRAY" "$T_MERGE" "$S_ARRAY" "$S_FINAL" 2>/dev/null || true
        exit 1
    fi
    sleep 1
done
say "chokepoint jobs done after $((SECONDS - deadline + TIMEOUT))s"
check "run: merge job waits on the array (Dependency=$merge_dependency)" \
    test "$merge_dependency" = "afterok:${T_ARRAY}_*(unfulfilled)"
check "run: $TASKS shards and the merge COMPLETED" \
    test "$(job_states "$T_ARRAY" | grep -c '^COMPLETED$') $(job_states "$T_MERGE")" = "$TASKS COMPLETED"
for ((i = 0; i < TASKS; i++)); do
    check "run: shard $i wrote OUT/shards/$i/shard.json as shard $i of $TASKS" \
        grep -q "\"shard\": $i," "$OUT/shards/$i/shard.json"
done
for f in summary.json summary.csv replications.csv daily.csv; do
    check "run: merged $f is byte-identical to the unsplit run's" \
        cmp "$WORK/unsplit-run/$f" "$OUT/$f"
done
check "run: the merge wrote run.json and report.html" test -s "$OUT/run.json" -a -s "$OUT/report.html"
check "sweep: $TASKS parts and the final call COMPLETED" \
    test "$(job_states "$S_ARRAY" | grep -c '^COMPLETED$') $(job_states "$S_FINAL")" = "$TASKS COMPLETED"
computed=$(cat "$SWEEP_OUT"/logs/sweep-*.out 2>/dev/null | sed -n 's/^Shard [0-9]*\/[0-9]*: \([0-9]*\) points computed now.*/\1/p' |
    awk '{n += $1} END {print n + 0}')
check "sweep: the $TASKS parts computed all 8 points (saw $computed)" test "$computed" -eq 8
for f in sweep.csv sweep.json; do
    check "sweep: $f is byte-identical to the unsplit sweep's" \
        cmp "$WORK/unsplit-sweep/$f" "$SWEEP_OUT/$f"
done

if ((failed > 0)); then
    show_failure
    say "$passed passed, $failed failed"
    exit 1
fi
((KEEP == 1)) || rm -rf "$WORK"
echo "slurm-selftest: $passed passed, $failed failed"
