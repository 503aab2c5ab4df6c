#!/usr/bin/env bash
# Byte-for-byte comparison of two chokepoint binaries' outputs (files, terminal text and
# exit codes) over every command: run (tutorial and flagship), report, validate (good
# and bad files), schema, sweep (grid, heatmap, hypercube, an interrupted and resumed
# sweep, a changed spec refused, --fresh), size (met, not met, with confidence),
# sensitivity with --sobol, exposure, help texts and error messages.
#
#   scripts/golden-cli.sh OLD_BIN NEW_BIN [KEEP_DIR]
#
# Both binaries are copied to the same path and run in the same working folder, so the
# command lines and paths they record are identical. What legitimately differs between
# two runs is blanked before comparing: the wall time and start time of a run
# (`run.json`, the report footer, the terminal header) and the git commit the binary was
# built from. Exit status: 0 when every byte matches, 1 with the differences listed.
# KEEP_DIR (optional) keeps both output trees (old/, new/) for inspection.
set -euo pipefail

old_bin=$(realpath "$1")
new_bin=$(realpath "$2")
keep=${3:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One command: stdout, stderr and exit code saved under cases/NAME.
case_() {
    local name=$1
    shift
    local rc=0
    "$@" >"cases/$name.out" 2>"cases/$name.err" || rc=$?
    echo "$rc" >"cases/$name.rc"
}

cases() {
    local c=./bin/chokepoint
    mkdir -p cases
    cp -r "$repo/scenarios" scenarios
    # Bad files: three problems at once; a syntax error; an invalid value.
    sed -e 's/^share = 0.2  .*$/share = 0.15/' -e 's/lead_time_days = 45/lead_tme_days = 45/' \
        -e 's/p90 = 240/p90 = 50/' scenarios/tutorial.toml >bad3.toml
    sed -e 's/^horizon_days = 730 .*$/horizon_days = = 730/' scenarios/tutorial.toml >syntax.toml
    sed -e 's/^demand_cv = 0.05 .*$/demand_cv = -1.0/' scenarios/tutorial.toml >cv.toml

    case_ help $c --help
    for cmd in validate schema run report sweep size sensitivity exposure; do
        case_ "help-$cmd" $c "$cmd" --help
    done
    case_ version $c --version
    case_ usage-none $c
    case_ usage-bad $c run --replications 0
    case_ usage-flag $c sweep scenarios/tutorial.toml

    case_ schema $c schema
    case_ validate-all $c validate scenarios/tutorial.toml scenarios/rare_earth_magnets.toml \
        scenarios/antibiotics.toml scenarios/auto_chips.toml
    case_ validate-bad3 $c validate bad3.toml
    case_ validate-mixed $c validate scenarios/tutorial.toml syntax.toml cv.toml
    case_ validate-missing $c validate nowhere.toml

    case_ run $c run scenarios/tutorial.toml -n 300 --seed 1 --out o/run
    case_ run-flagship $c run -n 200 --seed 3 --out o/flagship
    case_ run-quiet $c run scenarios/tutorial.toml -n 100 --quiet --no-charts --out o/run-quiet
    case_ run-svg $c run scenarios/antibiotics.toml -n 100 --format svg -j 1 --out o/run-svg
    case_ run-bad $c run bad3.toml --out o/run-bad
    case_ run-missing $c run nowhere.toml
    cp -r o/run o/rerun
    rm -rf o/rerun/charts o/rerun/report.html
    case_ report $c report o/rerun --format svg,png
    case_ report-missing $c report o/nowhere
    case_ report-file $c report bad3.toml
    mkdir -p o/empty
    case_ report-empty $c report o/empty

    local v1=material.ndpr.stockpile_days=0..120:4
    case_ sweep1 $c sweep scenarios/tutorial.toml --vary $v1 -n 60 --target "mean(shortfall_pct) <= 2" \
        --out o/sweep1
    case_ sweep2 $c sweep scenarios/tutorial.toml --vary material.ndpr.stockpile_days=0..90:3 \
        --vary material.ndpr.private_days=10..50:3 --strategy baseline,stockpile_180 -n 40 \
        --material ndpr --metric days_short --target "mean(shortfall_pct) <= 5" --out o/sweep2
    case_ sweep-total $c sweep scenarios/tutorial.toml --vary material.ndpr.stockpile_days=0..90:3 \
        --material total --metric total_cost --target "mean(total_cost) <= 1e12" -n 20 --out o/sweep-total
    case_ sweep-lhs $c sweep scenarios/tutorial.toml --vary material.ndpr.stockpile_days=0..90 \
        --vary material.mcu.private_days=10..50 --vary material.ndpr.demand_cv=0..0.2 --lhs 5 \
        --strategy diversify -n 30 --metric days_short --out o/sweep-lhs
    case_ sweep-nocharts $c sweep scenarios/tutorial.toml --vary $v1 -n 30 --no-charts --out o/sweep-nc
    case_ sweep-quiet $c sweep scenarios/tutorial.toml --vary $v1 -n 30 --quiet --out o/sweep-q
    # Interrupted after 2 points, then resumed: sweep.csv as in an uninterrupted run.
    CHOKEPOINT_TEST_STOP_AFTER=2 case_ sweep-int1 $c sweep scenarios/tutorial.toml --vary $v1 \
        -n 60 --target "mean(shortfall_pct) <= 2" --out o/sweep-int
    case_ sweep-int2 $c sweep scenarios/tutorial.toml --vary $v1 -n 60 \
        --target "mean(shortfall_pct) <= 2" --out o/sweep-int
    cmp o/sweep1/sweep.csv o/sweep-int/sweep.csv >cases/sweep-int-cmp.out 2>&1 || true
    case_ sweep-changed $c sweep scenarios/tutorial.toml --vary $v1 -n 61 --out o/sweep-int
    case_ sweep-fresh $c sweep scenarios/tutorial.toml --vary $v1 -n 61 --fresh --out o/sweep-int
    case_ sweep-badvary $c sweep scenarios/tutorial.toml --vary material.ndpr.stockpile_days=5 --out o/x
    case_ sweep-badpath $c sweep scenarios/tutorial.toml --vary material.ndpr.stock_days=0..5 --out o/x
    case_ sweep-reps $c sweep scenarios/tutorial.toml --vary replications=10..20 --out o/x
    case_ sweep-twice $c sweep scenarios/tutorial.toml --vary $v1 --vary $v1 --out o/x
    case_ sweep-strat $c sweep scenarios/tutorial.toml --vary $v1 --strategy nope --out o/x
    case_ sweep-metric $c sweep scenarios/tutorial.toml --vary $v1 --metric nope --out o/x
    case_ sweep-target $c sweep scenarios/tutorial.toml --vary $v1 --target "p90(shortfall_pct) <= 1" \
        --out o/x
    case_ sweep-target2 $c sweep scenarios/tutorial.toml --vary $v1 --target "bogus" --out o/x
    case_ sweep-material $c sweep scenarios/tutorial.toml --vary $v1 --material nope --out o/x
    case_ sweep-invalid $c sweep scenarios/tutorial.toml --vary material.ndpr.demand_cv=-1..0:2 \
        --out o/x
    case_ sweep-share $c sweep scenarios/tutorial.toml --vary material.ndpr.supplier.cn.share=0..2 \
        --out o/x
    case_ sweep-badfile $c sweep bad3.toml --vary $v1 --out o/x

    local p=material.ndpr.stockpile_days
    case_ size-met $c size scenarios/tutorial.toml --param $p --target "p95(shortfall_pct) <= 5" \
        --material ndpr -n 80 --out o/size-met
    case_ size-unmet $c size scenarios/tutorial.toml --param $p --target "prob_positive(shortfall_pct) <= 0" \
        --material ndpr --range 0..10 -n 40 --out o/size-unmet
    case_ size-conf $c size scenarios/tutorial.toml --param $p --target "mean(shortfall_pct) <= 2 and autonomy >= 0.5" \
        --material ndpr -n 60 --confidence 95% --scan 5 --out o/size-conf
    case_ size-real $c size scenarios/tutorial.toml --param material.ndpr.demand_cv \
        --target "mean(shortfall_pct) <= 50" --material ndpr -n 30 --quiet --no-charts --out o/size-real
    case_ size-total $c size scenarios/tutorial.toml --param $p --target "mean(total_cost) <= 1e12" \
        -n 30 --strategy diversify --out o/size-total
    case_ size-several $c size scenarios/tutorial.toml --param $p --target "p95(shortfall_pct) <= 5" \
        -n 30 --out o/x
    case_ size-badparam $c size scenarios/tutorial.toml --param material.ndpr.nope \
        --target "p95(shortfall_pct) <= 5" --material ndpr --out o/x
    case_ size-tol $c size scenarios/tutorial.toml --param $p --target "p95(shortfall_pct) <= 5" \
        --material ndpr --tol 2 --out o/x
    case_ size-range $c size scenarios/tutorial.toml --param $p --target "p95(shortfall_pct) <= 5" \
        --material ndpr --range 5..1 --out o/x
    case_ size-zero $c size scenarios/tutorial.toml --param strategy.baseline.annual_cost \
        --target "p95(shortfall_pct) <= 5" --material mcu -n 20 --out o/x
    case_ size-level $c size scenarios/tutorial.toml --param $p --target "p95(shortfall_pct) <= 5" \
        --material ndpr --confidence 1.5 --out o/x

    case_ sens $c sensitivity scenarios/tutorial.toml --material ndpr \
        --paths material.ndpr.stockpile_days,material.ndpr.private_days,material.ndpr.demand_cv,material.ndpr.supplier.us.unit_cost \
        --sobol 8 --bootstrap 50 -n 40 --out o/sens
    case_ sens-default $c sensitivity scenarios/antibiotics.toml -n 20 --delta 0.3 --out o/sens-default
    case_ sens-total $c sensitivity scenarios/tutorial.toml --metric total_cost --strategy diversify \
        --paths material.ndpr.stockpile_days -n 20 --quiet --out o/sens-total
    case_ sens-badpath $c sensitivity scenarios/tutorial.toml --paths material.x.y -n 20 --out o/x
    case_ sens-delta $c sensitivity scenarios/tutorial.toml --delta 0 --out o/x
    case_ sens-metric $c sensitivity scenarios/tutorial.toml --metric nope --out o/x

    case_ exposure $c exposure scenarios/tutorial.toml --out o/exposure
    case_ exposure-ttr $c exposure scenarios/tutorial.toml --strategy stockpile_180 --ttr 120 --out o/exposure-ttr
    case_ exposure-flagship $c exposure scenarios/rare_earth_magnets.toml --no-charts --out o/exposure-fl
    case_ exposure-badttr $c exposure scenarios/tutorial.toml --ttr=-1 --out o/x
    case_ exposure-strat $c exposure scenarios/tutorial.toml --strategy nope --out o/x
}

# Blanks what differs between two runs of the same binary.
normalise() {
    local root=$1
    find "$root" -type f \( -name run.json -o -name report.html -o -name '*.out' \) -print0 |
        xargs -0 sed -i -E \
            -e 's/("wall_time_s": )[0-9.e+-]+/\1WALL/' \
            -e 's/("started_at": )"[^"]*"/\1"START"/' \
            -e 's/("git_commit": )("[0-9a-f]*"|null)/\1"COMMIT"/' \
            -e 's/[0-9]+\.[0-9] s$/WALL s/' \
            -e 's/(commit )[0-9a-f]{7,40}/\1COMMIT/g' \
            -e 's/(threads, )[0-9.]+ s\./\1WALL s./g' \
            -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/START/g'
}

for which in old new; do
    bin=$old_bin
    [ "$which" = new ] && bin=$new_bin
    mkdir -p "$tmp/cwd/bin"
    cp "$bin" "$tmp/cwd/bin/chokepoint"
    (cd "$tmp/cwd" && cases)
    rm -rf "$tmp/cwd/bin" "$tmp/cwd/scenarios"
    normalise "$tmp/cwd"
    mv "$tmp/cwd" "$tmp/$which"
done

status=0
if diff -r "$tmp/old" "$tmp/new" >"$tmp/diff.txt"; then
    n=$(find "$tmp/new" -type f | wc -l)
    echo "identical: $n files (outputs, terminal text and exit codes)"
else
    status=1
    echo "DIFFERENT:"
    head -200 "$tmp/diff.txt"
fi
if [ -n "$keep" ]; then
    rm -rf "$keep"
    mkdir -p "$keep"
    cp -r "$tmp/old" "$tmp/new" "$keep/"
fi
exit $status
