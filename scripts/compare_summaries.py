#!/usr/bin/env python3
"""Compares two summary.json files of the same scenario and seed statistic by statistic.

Every statistic of a metric (mean, interval ends, quantiles, CVaR95, shares) is measured
against that metric's standard error of the mean in the first file; paired comparisons
against the paired standard error (their 95% interval's half-width / 1.96). Prints the
largest moves and exits 1 if any statistic moved by its standard error or more.

Usage: scripts/compare_summaries.py BEFORE/summary.json AFTER/summary.json
"""
import json
import math
import sys


def stats_moves(where, a, b):
    se = a.get("se")
    for key in ("mean", "p50", "p90", "p95", "p99", "cvar95", "prob_positive", "share"):
        x, y = a.get(key), b.get(key)
        if x is None and y is None:
            continue
        yield where + "." + key, x, y, se
    for i, end in enumerate(("ci95_lo", "ci95_hi")):
        x = a["ci95"][i] if a.get("ci95") else None
        y = b["ci95"][i] if b.get("ci95") else None
        if x is not None or y is not None:
            yield where + "." + end, x, y, se
    if a.get("n") != b.get("n"):
        yield where + ".n", a.get("n"), b.get("n"), 0.0


def paired_moves(where, a, b):
    se = None
    if a.get("ci95"):
        se = (a["ci95"][1] - a["ci95"][0]) / 2 / 1.96
    for key in ("mean_diff", "prob_better", "prob_worse", "prob_tied"):
        yield where + "." + key, a.get(key), b.get(key), se


def main():
    before, after = (json.load(open(p)) for p in sys.argv[1:3])
    moves = []
    for sa, sb in zip(before["strategies"], after["strategies"]):
        for ma, mb in zip(sa["materials"], sb["materials"]):
            w = f"{sa['id']}.{ma['id']}"
            moves.append((w + ".autonomy", ma["autonomy"], mb["autonomy"], None))
            for k in ma["metrics"]:
                moves += stats_moves(f"{w}.{k}", ma["metrics"][k], mb["metrics"][k])
        for k in sa["total"]["metrics"]:
            moves += stats_moves(f"{sa['id']}.total.{k}", sa["total"]["metrics"][k], sb["total"]["metrics"][k])
        moves.append((f"{sa['id']}.total.autonomy", sa["total"]["autonomy"], sb["total"]["autonomy"], None))
        for k in sa["vs_reference"]:
            moves += paired_moves(f"{sa['id']}.vs_ref.{k}", sa["vs_reference"][k], sb["vs_reference"][k])
    worst, bad, changed = [], 0, 0
    for name, x, y, se in moves:
        if x == y:
            continue
        changed += 1
        if x is None or y is None:
            bad += 1
            worst.append((math.inf, name, x, y, se))
            continue
        d = abs(y - x)
        # A share without a standard error of its own: its binomial one at n.
        ratio = d / se if se else (math.inf if d > 0 else 0.0)
        if name.endswith(("autonomy", "prob_positive", "share", "prob_better", "prob_worse", "prob_tied")) and not se:
            n = before["replications"]
            p = min(max(x, 1.0 / n), 1 - 1.0 / n)
            ratio = d / math.sqrt(p * (1 - p) / n)
        if ratio >= 1.0:
            bad += 1
        worst.append((ratio, name, x, y, se))
    worst.sort(reverse=True)
    print(f"{len(moves)} statistics, {changed} changed, {bad} by one standard error or more")
    for ratio, name, x, y, se in worst[:15]:
        print(f"  {ratio:9.2e} SE  {name}: {x!r} -> {y!r}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
