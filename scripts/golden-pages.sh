#!/usr/bin/env bash
# Golden outputs of the chokepoint binary, for checking that a refactoring changes no
# output byte (issue 14: templates, one number formatter).
#
#   scripts/golden-pages.sh BINARY DEST     # run every command, save the outputs in DEST
#   diff -r REF NEW                         # compare two saves; no output = identical
#
# Each command runs in a scratch folder with relative paths and the binary on PATH as
# `chokepoint`, so command lines recorded in run.json and in the page footers are the
# same from one save to the next. The bits that legitimately differ between two runs
# (start time, git commit, wall time) are replaced by placeholders in every text file;
# everything else, charts (SVG and PNG) included, is kept byte for byte.
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 BINARY DEST" >&2
    exit 2
fi
bin=$(realpath "$1")
dest=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/bad"
ln -s "$bin" "$work/bin/chokepoint"
cp -r "$repo/scenarios" "$work/scenarios"
export PATH="$work/bin:$PATH"
cd "$work" || exit 1
mkdir -p log

# Runs `chokepoint ARGS...`, saving stdout, stderr and the exit code as log/NAME.*.
k=0
c() {
    local name=$1
    shift
    k=$((k + 1))
    local tag
    tag=$(printf '%02d-%s' "$k" "$name")
    chokepoint "$@" >"log/$tag.out" 2>"log/$tag.err"
    echo $? >"log/$tag.rc"
}

# A minimal scenario and some broken variants of it (the classes of tests/scenario_errors.rs).
cat >bad/min.toml <<'EOF'
horizon_days = 365
replications = 100
[[material]]
id = "ndpr"
annual_demand = 3650
unit_value = 1
shortage_cost = 10
[[material.supplier]]
id = "cn"
country = "CN"
share = 0.8
[[material.supplier]]
id = "au"
country = "AU"
share = 0.2
routes = ["malacca"]
[[shock]]
id = "emb"
kind = "embargo"
targets = { countries = ["CN"] }
onset = { rate_per_year = 0.1 }
duration_days = 30
EOF
sed 's/share = 0.2/share = 0.15/' bad/min.toml >bad/shares.toml
sed 's/shortage_cost = 10/shortage_cost = -10/' bad/min.toml >bad/negative.toml
sed 's/duration_days = 30/duration_days = { lognormal = { median = 60, p90 = 50 } }/' bad/min.toml >bad/lognormal.toml
sed 's/duration_days = 30/duration_days = { pert = { min = 1, mode = 9, max = 3 } }/' bad/min.toml >bad/pert.toml
sed 's/unit_value = 1/unit_value = 1.0000000001e-3\nunit_valu = 3/' bad/min.toml >bad/unknown_field.toml
sed 's/^id = "cn"/id = "cn/' bad/min.toml >bad/syntax.toml
sed -e 's/share = 0.8/share = 0.7333333333333/' -e 's/rate_per_year = 0.1/rate_per_year = -0.25/' \
    -e 's/horizon_days = 365/horizon_days = 0/' bad/min.toml >bad/three.toml

t=scenarios/tutorial.toml
c run-tutorial run $t -n 300 --seed 1 -j 2 --out out/run
c run-flagship run -n 200 --seed 1 -j 2 --out out/flagship
for s in scenarios/*.toml; do
    stem=$(basename "$s" .toml)
    [ "$stem" = tutorial ] && continue
    c "run-$stem" run "$s" -n 120 --seed 3 -j 2 --out "out/scn-$stem"
done
c run-svg-only run $t -n 50 --seed 2 -j 2 --format svg --out out/run-svg
c run-no-charts run $t -n 50 --seed 2 -j 1 --no-charts --out out/run-nocharts
c run-quiet run $t -n 50 --seed 2 -j 2 -q --out out/run-quiet
cp -r out/run out/rerender
rm -rf out/rerender/charts out/rerender/report.html
c report report out/rerender
c report-svg report out/run-svg --format svg
c sweep-1d sweep $t --vary material.ndpr.stockpile_days=0..180:4 -n 100 -j 2 \
    --target "mean(shortfall_pct) <= 0.02" --material ndpr --out out/run/sweep
c sweep-2d sweep $t --vary material.ndpr.stockpile_days=0..180:3 \
    --vary material.ndpr.private_days=10..90:3 -n 60 -j 2 --strategy baseline,diversify \
    --target "mean(shortfall_pct) <= 0.05" --out out/sweep2
c sweep-lhs sweep $t --vary material.ndpr.stockpile_days=0..180 \
    --vary material.mcu.stockpile_days=0..90 --lhs 5 -n 60 -j 2 --metric total_cost \
    --out out/sweep-lhs
c sweep-resume sweep $t --vary material.ndpr.stockpile_days=0..180:4 -n 100 -j 2 \
    --target "mean(shortfall_pct) <= 0.02" --material ndpr --out out/run/sweep
c size size $t --param material.ndpr.stockpile_days --target "p95(shortfall_pct) <= 1" \
    --material ndpr -n 100 -j 2 --out out/run/size
c size-conf size $t --param material.mcu.stockpile_days \
    --target "mean(shortfall_pct) <= 0.1 and autonomy >= 0.9" --material mcu -n 100 -j 2 \
    --confidence 0.95 --out out/size-conf
c size-unmet size $t --param material.ndpr.refill_rate --target "p95(shortfall_pct) <= 0" \
    --material mcu -n 60 -j 2 --range 0..1 --out out/size-unmet
c sensitivity sensitivity $t --material ndpr -n 60 -j 2 --out out/run/sensitivity
c sobol sensitivity $t --material ndpr -n 40 -j 2 \
    --paths material.ndpr.stockpile_days,material.ndpr.private_days,material.ndpr.refill_rate \
    --sobol 16 --bootstrap 50 --out out/sobol
c exposure exposure $t --out out/run/exposure
c exposure-ttr exposure scenarios/gallium_germanium.toml --ttr 120 --out out/exposure-ga
c validate validate scenarios/*.toml
c schema schema
for f in bad/*.toml; do
    c "validate-$(basename "$f" .toml)" validate "$f"
done
c run-bad run bad/three.toml --out out/bad
c sweep-bad-path sweep $t --vary material.ndpr.stockpile_dayz=0..10 --out out/bad
c size-bad-target size $t --param material.ndpr.stockpile_days --target "p95(shortfal) <= 1" \
    --out out/bad
c sensitivity-bad-metric sensitivity $t --metric nope --out out/bad

# Placeholders for what differs from run to run.
find out log -type f \( -name '*.json' -o -name '*.html' -o -name '*.out' -o -name '*.err' \
    -o -name '*.csv' \) -print0 | xargs -0 sed -i -E \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/<TIME>/g' \
    -e 's/(commit |"git_commit": ")[0-9a-f]{40}/\1<COMMIT>/g' \
    -e 's/"wall_time_s": [0-9.e-]+/"wall_time_s": <WALL>/' \
    -e 's/(threads?), [0-9]+\.[0-9] s/\1, <WALL> s/g' \
    -e 's/in [0-9]+\.[0-9]+ s/in <WALL> s/g'
rm -rf "${dest:?}"
mkdir -p "$dest"
mv out log bad "$dest"/
echo "saved $(find "$dest" -type f | wc -l) files in $dest"
