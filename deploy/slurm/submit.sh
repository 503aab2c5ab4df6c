#!/usr/bin/env bash
# Submits a sharded chokepoint run to Slurm: a job array of N shards, at most K at once,
# and a merge job that starts when every shard succeeded.
#
#   deploy/slurm/submit.sh SCENARIO OUT N [K] [-- RUN-OPTION...]
#
#   SCENARIO    scenario file, on a file system every node sees
#   OUT         output folder, likewise; shards go to OUT/shards/<i>, logs to OUT/logs/,
#               the merged results to OUT
#   N           number of shards (array 0..N-1)
#   K           at most K shards run at once (default: N)
#   RUN-OPTION  passed to `chokepoint run` (say --replications 1000000 --seed 7)
#
# Environment (optional):
#   CHOKEPOINT_SHARD_SBATCH  extra sbatch options for each shard, which win over the
#                            #SBATCH lines of chokepoint-array.sbatch (4 CPUs, 2 GB, 4 h):
#                            "--cpus-per-task=8 --mem=4G --time=12:00:00 --partition=long"
#   CHOKEPOINT_MERGE_SBATCH  the same for the merge job (chokepoint-merge.sbatch)
#   CHOKEPOINT               the chokepoint binary (default: chokepoint on PATH)
# sbatch's own SBATCH_* variables (SBATCH_ACCOUNT, SBATCH_PARTITION, ...) apply to both.
#
# Prints the array's and the merge job's ids ("ARRAY MERGE") on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
usage="usage: $0 SCENARIO OUT N [K] [-- RUN-OPTION...]"
(($# >= 3)) || { echo "$usage" >&2; exit 2; }
scenario=$1 out=$2 shards=$3
shift 3
throttle=$shards
if (($# > 0)) && [[ $1 != -- ]]; then
    throttle=$1
    shift
fi
if (($# > 0)); then
    [[ $1 == -- ]] || { echo "$usage" >&2; exit 2; }
    shift
fi
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive integer, got '$shards'" >&2; exit 2; }
[[ $throttle =~ ^[1-9][0-9]*$ ]] || { echo "K must be a positive integer, got '$throttle'" >&2; exit 2; }
[[ -f $scenario ]] || { echo "no scenario file '$scenario'" >&2; exit 2; }

# Absolute paths: the jobs may start in another folder, on another node.
scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
if [[ -z ${CHOKEPOINT:-} ]]; then
    CHOKEPOINT=$(command -v chokepoint) || { echo "chokepoint is not on PATH; set CHOKEPOINT=/path/to/chokepoint" >&2; exit 2; }
fi
export CHOKEPOINT

# Word-split on purpose: the variables hold options without spaces in their values.
# shellcheck disable=SC2086
array=$(sbatch --parsable ${CHOKEPOINT_SHARD_SBATCH:-} --array="0-$((shards - 1))%$throttle" \
    --output="$out/logs/shard-%A_%a.out" \
    --export=ALL,CHOKEPOINT_SHARDS="$shards" \
    "$here/chokepoint-array.sbatch" "$scenario" "$out" "$@")
array=${array%%;*} # --parsable prints "id;cluster" on multi-cluster sites
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${CHOKEPOINT_MERGE_SBATCH:-} --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
    --output="$out/logs/merge-%j.out" \
    "$here/chokepoint-merge.sbatch" "$out")
merge=${merge%%;*}
echo "$array $merge"
