#!/usr/bin/env bash
# Golden outputs for refactors that must not change behaviour (issue 14).
#
#   scripts/golden-scenario.sh BINARY OUTDIR
#
# Runs BINARY over a fixed set of commands (run, flagship, sweep, size, sensitivity with
# Sobol, exposure, validate on every shipped scenario and on a set of broken files,
# schema, bad parameter paths) and stores every output file plus each command's stdout,
# stderr and exit code under OUTDIR. Compare two such folders with
#
#   diff -r OUT_BEFORE OUT_AFTER
#
# Lines that legitimately differ between two runs (wall times, the binary's path in the
# recorded command line) are normalised away by `normalise` below.
set -uo pipefail
BIN=$(realpath "$1")
OUT=$(realpath -m "$2")
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
rm -rf "$OUT"
mkdir -p "$OUT/cmd" "$OUT/files" "$OUT/bad"
T="$OUT/tmp"
mkdir -p "$T"

# Run one command: NAME then the arguments. stdout, stderr and the exit code are kept.
c() {
    local name=$1
    shift
    "$BIN" "$@" >"$OUT/cmd/$name.stdout" 2>"$OUT/cmd/$name.stderr"
    echo $? >"$OUT/cmd/$name.rc"
}

c run_tutorial run scenarios/tutorial.toml -n 300 --seed 1 --out "$T/run" --threads 2
c run_flagship run -n 200 --seed 3 --out "$T/flagship" --threads 2
c run_bench run scenarios/rare_earth_magnets.toml -n 200 --seed 4 --out "$T/magnets" --no-charts
c sweep sweep scenarios/tutorial.toml --vary material.ndpr.stockpile_days=0..180:4 \
    --vary material.ndpr.supplier.au.share=0.1..0.5:3 -n 100 --seed 2 --out "$T/sweep" -q
c sweep_lhs sweep scenarios/tutorial.toml --vary material.ndpr.stockpile_days=0..180 \
    --vary shock.cn_embargo.duration_days.median=30..120 --lhs 6 -n 100 --seed 2 \
    --out "$T/sweep_lhs" --no-charts -q
c size size scenarios/tutorial.toml --param material.ndpr.stockpile_days \
    --target "mean(shortfall_pct) <= 0.05" --material ndpr -n 150 --seed 2 --out "$T/size" -q
c size_conf size scenarios/tutorial.toml --param material.ndpr.refill_rate \
    --target "mean(shortfall_pct) <= 0.2" --material ndpr --confidence 0.9 -n 150 --seed 2 \
    --out "$T/size_conf" -q --no-charts
c sens sensitivity scenarios/tutorial.toml -n 100 --seed 2 --sobol 8 --bootstrap 50 \
    --out "$T/sens" -q
c sens_paths sensitivity scenarios/tutorial.toml -n 100 --seed 2 --delta 10% \
    --paths material.ndpr.stockpile_days,shock.cn_embargo.onset.rate_per_year,material.ndpr.supplier.au.lead_time_days,shock.fab_outage.severity.alpha \
    --out "$T/sens_paths" --no-charts -q
c size_days size scenarios/tutorial.toml --param shock.cn_embargo.duration_days.median \
    --target "mean(shortfall_pct) >= 0.02" --range 10..200 --material ndpr -n 100 --seed 2 --out "$T/size_days" -q --no-charts
c exposure exposure scenarios/tutorial.toml --out "$T/exposure" -q
c exposure_ttr exposure scenarios/auto_chips.toml --ttr 90 --out "$T/exposure_ttr" -q --no-charts
c schema schema
c validate_all validate scenarios/*.toml
for s in scenarios/*.toml; do c "validate_$(basename "$s" .toml)" validate "$s"; done
c bad_vary sweep scenarios/tutorial.toml --vary material.ndpr.stockpile_dys=0..10 -n 10 --out "$T/x1"
c bad_vary2 sweep scenarios/tutorial.toml --vary material.ndpr.supplier.au.share=0..2 -n 10 --out "$T/x2"
c bad_vary3 sweep scenarios/tutorial.toml --vary shock.cn_embargo.duration_days=0..10 -n 10 --out "$T/x3"
c bad_param size scenarios/tutorial.toml --param material.ndpr.supplier.xx.share --target "mean(shortfall_pct) <= 1" -n 10 --out "$T/x4"
c bad_param2 size scenarios/tutorial.toml --param material.ndpr.supplier.au.share --range 0..2 --target "mean(shortfall_pct) <= 1" --material ndpr -n 10 --out "$T/x5"
c bad_paths sensitivity scenarios/tutorial.toml --paths material.ndpr.substitution.max_fractio -n 10 --out "$T/x6"

# Broken scenario files: each a small edit of the tutorial or of a minimal file.
TUT=scenarios/tutorial.toml
bad() { # NAME then a sed script applied to the tutorial
    local name=$1
    sed -e "$2" "$TUT" >"$OUT/bad/$name.toml"
}
bad share_sum 's/^share = 0.2 /share = 0.15 /'
bad negative 's/^stockpile_days = 60/stockpile_days = -60/'
bad nan 's/^demand_cv = 0.05/demand_cv = nan/'
bad inf 's/^refill_rate = 0.1/refill_rate = inf/'
bad lognormal 's/p90 = 240/p90 = 50/'
bad uniform 's/min = 0.6, max = 1.0/min = 1.0, max = 0.6/'
bad mode 's/min = 30, mode = 90, max = 365/min = 30, mode = 400, max = 365/'
bad dist_kind 's/lognormal = { median/lognormal2 = { median/'
bad dist_two 's/{ lognormal = { median = 60, p90 = 240 } }/{ lognormal = { median = 60, p90 = 240 }, fixed = 3 }/'
bad probability 's/probability = 0.3, lag_days = 14/probability = 1.3, lag_days = 14/'
bad onset_prob 's/onset = { day = 180, probability = 0.3 }/onset = { day = 180, probability = 30 }/'
bad onset_both 's/onset = { day = 180, probability = 0.3 }/onset = { day = 180, rate_per_year = 0.3 }/'
bad onset_none 's/onset = { day = 180, probability = 0.3 }/onset = { probability = 0.3 }/'
bad onset_day 's/onset = { day = 180, probability = 0.3 }/onset = { day = 180.5 }/'
bad rate_prob 's/onset = { rate_per_year = 0.1 }/onset = { rate_per_year = 0.1, probability = 0.5 }/'
bad whole 's/^lead_time_days = 45/lead_time_days = 45.5/'
bad zero_lead 's/^lead_time_days = 45/lead_time_days = 0/'
bad big_lead 's/^lead_time_days = 45/lead_time_days = 99999/'
bad horizon0 's/^horizon_days = 730 /horizon_days = 0 /'
bad horizon_big 's/^horizon_days = 730 /horizon_days = 100000 /'
bad horizon_frac 's/^horizon_days = 730 /horizon_days = 730.5 /'
bad reps0 's/^replications = 2000/replications = 0/'
bad reps_big 's/^replications = 2000/replications = 1e9/'
bad seed_neg 's/^seed = 2010/seed = -1/'
bad currency_empty 's/^currency = "USD"/currency = " "/'
bad currency_long 's/^currency = "USD"/currency = "ABCDEFGHIJKLMNOP"/'
bad unknown_field 's/^lead_time_days = 45/lead_tme_days = 45/'
bad unknown_top 's/^seed = 2010/sead = 2010/'
bad unknown_subst 's/^ramp_days = 180/ramp_day = 180/'
bad unknown_react 's/^memory_days = 365/memory_dayz = 365/'
bad unknown_onset 's/onset = { rate_per_year = 0.1 }/onset = { rate_per_yr = 0.1 }/'
bad unknown_trigger 's/lag_days = 14 }/lagdays = 14 }/'
bad unknown_targets 's/targets = { countries = \["CN"\] }/targets = { country = ["CN"] }/'
bad type_error 's/^annual_demand = 5000.0/annual_demand = "lots"/'
bad syntax 's/^annual_demand = 5000.0/annual_demand = = 5000.0/'
bad bucket 's/^bucket = "green"/bucket = "gren"/'
bad kind 's/^kind = "outage"/kind = "outtage"/'
bad bad_id 's/^id = "vn"/id = "Viet-Nam"/'
bad dup_id 's/^id = "vn"/id = "au"/'
bad reserved 's/^id = "mcu"/id = "total"/'
bad no_targets 's/^targets = { suppliers = \["mcu.tw"\] }//'
bad target_none 's/suppliers = \["mcu.tw"\]/suppliers = ["mcu.tx"]/'
bad surge_target 's/targets = { materials = \["mcu"\] }/targets = { countries = ["TW"] }/'
bad unknown_trigger_shock 's/shock = "strait_disruption"/shock = "strait_disrupt"/'
bad cycle 's/^recovery_days = 30$/recovery_days = 30\ntriggers = [{ shock = "cn_embargo", probability = 0.1 }]/'
bad no_onset 's/triggers = \[{ shock = "strait_disruption", probability = 0.3, lag_days = 14 }\]//'
bad severity_big 's/min = 0.6, max = 1.0/min = 0.6, max = 1.5/'
bad severity_unbounded 's/severity = { uniform = { min = 0.6, max = 1.0 } }/severity = { lognormal = { median = 0.5, p90 = 0.9 } }/'
bad severity_fixed 's/^severity = 0.3/severity = 1.3/'
bad surge_no_sev 's/severity = { uniform = { min = 0.1, max = 0.4 } }//'
bad delay_wrong 's/^recovery_days = 30$/recovery_days = 30\ndelay_days = 3/'
bad neg_dist 's/recovery_days = { exponential = { mean = 20 } }/recovery_days = { uniform = { min = -5, max = 20 } }/'
bad exp_zero 's/mean = 20/mean = 0/'
bad gamma_neg 's/shape = 2, scale = 20/shape = -2, scale = 20/'
bad beta_zero 's/alpha = 2, beta = 3/alpha = 0, beta = 3/'
bad emp_weights 's/weights = \[3, 2, 1\]/weights = [3, 2]/'
bad emp_zero 's/weights = \[3, 2, 1\]/weights = [0, 0, 0]/'
bad emp_neg 's/weights = \[3, 2, 1\]/weights = [3, -2, 1]/'
bad emp_empty 's/values = \[30, 90, 180\], weights = \[3, 2, 1\]/values = []/'
bad max_fraction 's/^max_fraction = 0.15/max_fraction = 15/'
bad persist0 's/^persist_days = 365/persist_days = 0/'
bad react_share 's/shares = { cn = 0.5, au = 0.35, vn = 0.15 }/shares = { cn = 0.5, au = 0.35, vx = 0.15 }/'
bad react_sum 's/shares = { cn = 0.5, au = 0.35, vn = 0.15 }/shares = { cn = 0.5, au = 0.35, vn = 0.25 }/'
bad strat_neg 's/"material.ndpr.stockpile_days" = 180/"material.ndpr.stockpile_days" = -5/'
bad strat_path 's/"material.ndpr.stockpile_days" = 180/"material.ndpr.stockpile_dys" = 180/'
bad strat_shock 's/"material.ndpr.stockpile_days" = 180/"shock.cn_embargo.severity" = 0.5/'
bad strat_top 's/"material.ndpr.stockpile_days" = 180/"horizon_days" = 5/'
bad strat_shares 's/us = 0.2 }/us = 0.3 }/'
bad strat_share1 's/"material.ndpr.supplier.au.share" = 0.35/"material.ndpr.supplier.au.share" = 1.35/'
bad strat_table 's/"material.ndpr.stockpile_days" = 180/"material.ndpr.stockpile_days" = { a = 1 }/'
bad strat_subst 's/max_fraction = 0.2, ramp_days = 60/max_fraction = 0.2, ramp_dys = 60/'
bad strat_react 's/"material.ndpr.private_days" = 90/"material.ndpr.reaction" = { lag_days = 1.5 }/'
bad strat_dist 's/"material.ndpr.stockpile_days" = 180/"material.ndpr.supplier.cn.lead_time_days" = 0.5/'
bad strat_cost 's/^annual_cost = 5e6/annual_cost = -5e6/'
bad strat_noid 's/^id = "diversify"//'
bad strat_dup 's/^id = "diversify"/id = "baseline"/'
bad mat_noid '0,/^id = "ndpr"/s/^id = "ndpr"//'
bad no_annual 's/^annual_demand = 5000.0//'
bad zero_annual 's/^annual_demand = 5000.0/annual_demand = 0/'
bad no_suppliers '/^\[\[material.supplier\]\]/,/^$/d'
bad dormant_surge 's/^surge = 0.0 .*//'
bad share_missing 's/^share = 0.1 .*//'
bad three 's/^share = 0.2 /share = 0.15 /; s/^lead_time_days = 45/lead_tme_days = 45/; s/p90 = 240/p90 = 50/'
printf 'horizon_days = 10\n' >"$OUT/bad/no_material.toml"
printf '' >"$OUT/bad/empty.toml"
printf 'horizon_days = 10\n[[material]]\nid = "a"\n' >"$OUT/bad/bare_material.toml"
for f in "$OUT"/bad/*.toml; do
    n=$(basename "$f" .toml)
    (cd "$OUT/bad" && "$BIN" validate "$n.toml" >"$OUT/cmd/bad_$n.stdout" 2>"$OUT/cmd/bad_$n.stderr"; echo $? >"$OUT/cmd/bad_$n.rc")
done

# Output folders: copy every file, then normalise the lines that legitimately differ.
(cd "$T" && find . -type f | sort | while read -r f; do
    mkdir -p "$OUT/files/$(dirname "$f")"
    cp "$f" "$OUT/files/$f"
done)
rm -rf "$T"
normalise() {
    # Wall times, clock times, the commit the binary was built from, the binary's path and
    # the temporary output folder differ between two runs of the same code.
    sed -i -E \
        -e 's#"wall_time_s": [0-9.e-]+#"wall_time_s": X#g' \
        -e 's#[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z#TIME#g' \
        -e 's#[0-9a-f]{40}(-dirty)?#COMMIT#g' \
        -e 's#(threads|thread), [0-9.]+ (s|ms|min)\b#\1, X s#g' \
        -e "s#$T#TMP#g" -e "s#$BIN#BIN#g" "$1"
}
find "$OUT" -type f \( -name '*.json' -o -name '*.html' -o -name '*.stdout' -o -name '*.stderr' -o -name '*.csv' -o -name '*.txt' -o -name '*.md' \) |
    while read -r f; do normalise "$f"; done
echo "golden outputs in $OUT ($(find "$OUT" -type f | wc -l) files)"
