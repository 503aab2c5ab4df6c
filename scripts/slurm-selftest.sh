#!/usr/bin/env bash
# Proves the one-node Slurm cluster of scripts/slurm-cluster.sh does what the shard runs
# need (deploy/slurm/), with no chokepoint in the loop:
#   1. a 4-task job array (--array=0-3%2) whose tasks each see SLURM_ARRAY_TASK_ID and
#      SLURM_ARRAY_TASK_COUNT and write one file;
#   2. a job with --dependency=afterok:<array> that starts only after every task ended and
#      concatenates their files in index order;
#   3. a job with --dependency=afterok on a job that fails, which must never start;
#   4. the templates of deploy/slurm/ through submit.sh, with a stand-in for chokepoint.
# Exits non-zero, with the jobs' and daemons' logs, on any failure.
#
#   scripts/slurm-selftest.sh        starts the cluster if needed (slurm-cluster.sh up) and
#                                    leaves it running
# Environment (optional):
#   SLURM_SELFTEST_DIR      work folder, absolute, on a file system the jobs see (default: a
#                           new folder under /tmp, removed when the test passes)
#   SLURM_SELFTEST_TIMEOUT  seconds to wait for the jobs (default 120)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TIMEOUT=${SLURM_SELFTEST_TIMEOUT:-120}
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
    WORK=$(mktemp -d /tmp/chokepoint-slurm-selftest.XXXXXX)
    KEEP=0
fi
rm -rf "$WORK/parts" "$WORK/times" "$WORK/logs" "$WORK/merged.txt" "$WORK/must-not-exist"
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
    for f in "$WORK"/logs/* "$WORK"/template-run/logs/*; do
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

# Part 2: the templates of deploy/slurm/, through submit.sh, with a stand-in for chokepoint
# that records its arguments (and makes the shard folder, as the real one will), so the
# index -> --shard mapping, the threads, the paths and the merge call are checked here.
# The real run and merge are tested byte for byte against an unsplit run by the shard test.
OUT=$WORK/template-run
rm -rf "$OUT" "$WORK/calls"
mkdir -p "$WORK/calls"
cat >"$WORK/stub-chokepoint" <<EOF
#!/bin/bash
set -euo pipefail
if [[ \$1 == run ]]; then
    tag=run-\$SLURM_ARRAY_TASK_ID
    sleep 1
    mkdir -p "$OUT/shards/\$SLURM_ARRAY_TASK_ID"
else
    tag=\$1
fi
printf '%s\n' "\$@" >"$WORK/calls/\$tag"
EOF
chmod +x "$WORK/stub-chokepoint"
scenario=$(cd "$HERE/.." && pwd)/scenarios/tutorial.toml
ids=$(CHOKEPOINT=$WORK/stub-chokepoint \
    CHOKEPOINT_SHARD_SBATCH="--cpus-per-task=1 --mem=256M" \
    CHOKEPOINT_MERGE_SBATCH="--cpus-per-task=1 --mem=256M" \
    "$HERE/../deploy/slurm/submit.sh" "$scenario" "$OUT" $TASKS $THROTTLE -- --seed 7)
read -r T_ARRAY T_MERGE <<<"$ids"
# Read now, while the shards (a second each) still run: Slurm clears a job's dependency
# once it is met, and on this node the scheduler would start the merge after the shards
# anyway (they were queued first), so its order alone would not show a missing dependency.
merge_dependency=$(job_field "$T_MERGE" Dependency)
say "submitted template array $T_ARRAY and merge $T_MERGE"
ARRAY_ID+=" $T_ARRAY" MERGE_ID+=" $T_MERGE"
deadline=$((SECONDS + TIMEOUT))
until all_final "$T_ARRAY" && all_final "$T_MERGE"; do
    if ((SECONDS >= deadline)); then
        say "error: template jobs not finished after ${TIMEOUT}s"
        show_failure
        scancel "$T_ARRAY" "$T_MERGE" 2>/dev/null || true
        exit 1
    fi
    sleep 1
done
check "template: merge job waits on the array (Dependency=$merge_dependency)" \
    test "$merge_dependency" = "afterok:${T_ARRAY}_*(unfulfilled)"
check "template: $TASKS shards and the merge COMPLETED" \
    test "$(job_states "$T_ARRAY" | grep -c '^COMPLETED$') $(job_states "$T_MERGE")" = "$TASKS COMPLETED"
shard_list=
for ((i = 0; i < TASKS; i++)); do
    check "template: shard $i ran 'run SCENARIO --shard $i/$TASKS --out OUT/shards/$i --threads 1 ...'" \
        test "$(tr '\n' ' ' <"$WORK/calls/run-$i" 2>/dev/null)" \
        = "run $scenario --shard $i/$TASKS --out $OUT/shards/$i --threads 1 --quiet --seed 7 "
    shard_list+="$OUT/shards/$i "
done
check "template: merge ran 'merge OUT/shards/0..$((TASKS - 1)) --out OUT'" \
    test "$(tr '\n' ' ' <"$WORK/calls/merge" 2>/dev/null)" = "merge ${shard_list}--out $OUT "

if ((failed > 0)); then
    show_failure
    say "$passed passed, $failed failed"
    exit 1
fi
((KEEP == 1)) || rm -rf "$WORK"
echo "slurm-selftest: $passed passed, $failed failed"
