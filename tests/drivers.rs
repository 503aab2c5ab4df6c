//! Per-future drivers (`run --drivers`, `drivers.csv`) and `chokepoint drivers`, end to
//! end as a user runs them.

use std::path::Path;

use chokepoint::explore::drivers::{Feature, FeatureTable};

mod common;
use common::cli::{chokepoint, chokepoint_env, ok};

const DECISIVE: &str = "tests/data/drivers_decisive.toml";

/// `run DECISIVE --no-charts -q --out OUT` with `args`, which must succeed.
fn run_decisive_with(out: &Path, args: &[&str]) {
    let mut all = vec![
        "run",
        DECISIVE,
        "--no-charts",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    ok(&chokepoint(&all));
}

/// 3,000 futures with their drivers, on `threads` threads.
fn run_decisive(out: &Path, threads: &str) {
    run_decisive_with(out, &["-n", "3000", "-j", threads, "--drivers"]);
}

/// Column `name` of a CSV file, as text fields.
fn column(path: &Path, name: &str) -> Vec<String> {
    let mut rd = csv::Reader::from_path(path).unwrap();
    let h = rd.headers().unwrap().clone();
    let c = h
        .iter()
        .position(|x| x == name)
        .unwrap_or_else(|| panic!("no {name}"));
    rd.records().map(|r| r.unwrap()[c].to_string()).collect()
}

#[test]
fn the_decisive_feature_ranks_first_and_prim_finds_its_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    run_decisive(&out, "2");
    ok(&chokepoint(&[
        "drivers",
        out.to_str().unwrap(),
        "--material",
        "m",
        "--tail",
        "10%",
        "-q",
    ]));
    // The premise (tests/data/drivers_decisive.toml): m's shortfall grows with the cut's
    // duration alone, so the worst 10% are exactly the futures where the cut lasts more
    // than D days. D is read from the data: the longest cut outside the tail.
    let longest: Vec<f64> = column(&out.join("drivers.csv"), "cut.longest_days")
        .iter()
        .map(|f| f.parse().unwrap())
        .collect();
    let reps = out.join("replications.csv");
    let (strat, mat) = (column(&reps, "strategy"), column(&reps, "material"));
    let short: Vec<f64> = column(&reps, "shortfall_pct")
        .iter()
        .zip(strat.iter().zip(&mat))
        .filter(|(_, (s, m))| *s == "baseline" && *m == "m")
        .map(|(v, _)| v.parse().unwrap())
        .collect();
    assert_eq!(short.len(), longest.len());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("drivers/drivers.json")).unwrap())
            .unwrap();
    let res = &json["result"];
    let threshold = res["threshold"].as_f64().unwrap();
    let in_tail: Vec<bool> = short.iter().map(|&v| v >= threshold).collect();
    let d = longest
        .iter()
        .zip(&in_tail)
        .filter(|(_, t)| !**t)
        .map(|(&l, _)| l)
        .fold(0.0, f64::max);
    let tail_min = longest
        .iter()
        .zip(&in_tail)
        .filter(|(_, t)| **t)
        .map(|(&l, _)| l)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(
        tail_min,
        d + 1.0,
        "the tail is not exactly 'lasts over {d} days'"
    );
    let n_tail = in_tail.iter().filter(|&&t| t).count();
    assert_eq!(res["n_selected"].as_u64().unwrap() as usize, n_tail);
    // Every check below is collected, so one run shows each that fails.
    let mut wrong = Vec::new();
    // Ranked first: the cut's duration.
    if res["ranking"][0]["feature"] != "cut.longest_days" {
        wrong.push(format!("ranked first: {}", res["ranking"][0]));
    }
    // PRIM recovers "cut lasts ≥ D + 1 days" within a day.
    let limits = res["chosen"]["limits"].as_array().unwrap();
    match limits.iter().find(|l| l["feature"] == "cut.longest_days") {
        None => wrong.push(format!("no limit on the cut's duration: {limits:?}")),
        Some(lim) => {
            let min = lim["min"].as_f64().unwrap_or(f64::NAN);
            // A NaN edge (no lower limit) is wrong too.
            if (min - (d + 1.0)).abs().is_nan() || (min - (d + 1.0)).abs() > 1.0 {
                wrong.push(format!("box edge {min}, D = {d}"));
            }
        }
    }
    for k in ["coverage", "density"] {
        let v = res["chosen"][k].as_f64().unwrap();
        if v < 0.95 {
            wrong.push(format!("{k} {v}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The page and its charts are there.
    for f in [
        "report.html",
        "charts/drivers_ranking.png",
        "charts/drivers_peeling.svg",
    ] {
        assert!(out.join("drivers").join(f).is_file(), "{f} missing");
    }
}

#[test]
fn drivers_are_the_same_bytes_for_one_and_two_threads_and_after_a_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run_decisive(&a, "1");
    run_decisive(&b, "2");
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert!(
        read(&a.join("drivers.csv")) == read(&b.join("drivers.csv")),
        "drivers.csv differs between 1 and 2 threads"
    );
    // run.json's manifest lists drivers.csv with its SHA-256.
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("run.json")).unwrap()).unwrap();
    assert_eq!(
        run["files"]["drivers.csv"],
        chokepoint::report::sha256_hex(&read(&a.join("drivers.csv")))
    );
    // The analysis, with 1 and 2 threads.
    for (o, t) in [(&a, "1"), (&b, "2")] {
        ok(&chokepoint_env(
            &["drivers", o.to_str().unwrap(), "--no-charts", "-q"],
            &[("RAYON_NUM_THREADS", t)],
        ));
    }
    for f in ["drivers.csv", "drivers.json"] {
        let (x, y) = (
            read(&a.join("drivers").join(f)),
            read(&b.join("drivers").join(f)),
        );
        // drivers.json names its run folder; everything else is the same.
        let norm = |v: Vec<u8>, p: &Path| {
            String::from_utf8(v)
                .unwrap()
                .replace(p.to_str().unwrap(), "RUN")
        };
        assert_eq!(norm(x, &a), norm(y, &b), "{f}");
    }
    // Shards merged with --drivers: the unsplit run's bytes.
    let s = dir.path().join("shards");
    for k in ["0/2", "1/2"] {
        let sd = s.join(&k[..1]);
        ok(&chokepoint(&[
            "run",
            DECISIVE,
            "-n",
            "3000",
            "--shard",
            k,
            "-q",
            "--out",
            sd.to_str().unwrap(),
        ]));
    }
    let m = dir.path().join("merged");
    ok(&chokepoint(&[
        "merge",
        s.join("0").to_str().unwrap(),
        s.join("1").to_str().unwrap(),
        "--drivers",
        "--no-charts",
        "-q",
        "--out",
        m.to_str().unwrap(),
    ]));
    assert!(
        read(&m.join("drivers.csv")) == read(&a.join("drivers.csv")),
        "merged drivers.csv differs from the unsplit run's"
    );
}

#[test]
fn a_run_without_drivers_says_what_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    run_decisive_with(&out, &["-n", "200"]);
    assert!(
        !out.join("drivers.csv").exists(),
        "drivers are off by default"
    );
    let o = chokepoint(&["drivers", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no drivers.csv") && err.contains("--drivers") && err.contains(DECISIVE),
        "{err}"
    );
    assert!(!out.join("drivers").exists(), "nothing written");
    // A total over materials of a per-material percentage is refused with the way out.
    run_decisive_with(&out, &["-n", "200", "--drivers"]);
    let o = chokepoint(&[
        "drivers",
        out.to_str().unwrap(),
        "--metric",
        "shortfall_pct",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--material m"), "{err}");
}

/// A build without the `parquet` feature cannot read a run written as Parquet: it says
/// so, and what to do (rebuild with the feature, or record the run as CSV). The run
/// folder is faked (drivers.csv renamed): this build cannot write Parquet either.
#[cfg(not(feature = "parquet"))]
#[test]
fn a_parquet_run_is_refused_by_a_build_without_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    run_decisive_with(&out, &["-n", "200", "--drivers"]);
    std::fs::rename(out.join("drivers.csv"), out.join("drivers.parquet")).unwrap();
    let o = chokepoint(&["drivers", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("drivers.parquet")
            && err.contains("--features parquet")
            && err.contains("--drivers --out"),
        "{err}"
    );
    assert!(!out.join("drivers").exists(), "nothing written");
}

// ------------------------------------------------------------ the drivers of a timeline

use chokepoint::sim::drivers::{DriverKey, columns, features, sample};
use chokepoint::sim::timeline::{Instance, Timeline};

fn inst(shock: usize, onset: u32, duration: u32, recovery: u32, severity: f64) -> Instance {
    Instance {
        shock,
        onset,
        duration,
        recovery,
        severity,
        delay: 0,
    }
}

#[test]
fn features_of_a_known_timeline() {
    let scn =
        chokepoint::scenario::parse_scenario("bench.toml", include_str!("../scenarios/bench.toml"))
            .unwrap();
    let ns = scn.shocks().len();
    assert!(ns >= 3);
    let h = scn.horizon_days();
    let mut tl = Timeline {
        per_shock: vec![Vec::new(); ns],
    };
    // Shock 0: two instances, the second running past the horizon (clipped).
    tl.per_shock[0] = vec![inst(0, 10, 30, 5, 0.5), inst(0, h - 20, 100, 0, 0.9)];
    // Shock 1: overlaps shock 0's first instance only through its recovery.
    tl.per_shock[1] = vec![inst(1, 42, 3, 0, 0.25)];
    let cols = columns(&scn);
    let mut out = Vec::new();
    features(&scn, &tl, &mut out);
    assert_eq!(out.len(), cols.len());
    assert_eq!(cols.len(), 5 * ns + ns * (ns - 1) / 2);
    let get = |name: String| {
        out[cols
            .iter()
            .position(|c| c.name.to_string() == name)
            .unwrap()]
    };
    let (a, b, c) = (
        scn.shocks()[0].id(),
        scn.shocks()[1].id(),
        scn.shocks()[2].id(),
    );
    assert_eq!(get(format!("{a}.occurred")), 1.0);
    assert_eq!(get(format!("{a}.instances")), 2.0);
    // max(30, 20 days left of the horizon) = 30.
    assert_eq!(get(format!("{a}.longest_days")), 30.0);
    assert_eq!(get(format!("{a}.max_severity")), 0.9);
    assert_eq!(get(format!("{a}.first_onset_day")), 10.0);
    assert_eq!(get(format!("{b}.first_onset_day")), 42.0);
    // Shock 0's first instance ends its recovery on day 10 + 30 + 5 = 45 > 42.
    assert_eq!(get(format!("{a}.overlaps.{b}")), 1.0);
    assert_eq!(get(format!("{a}.overlaps.{c}")), 0.0);
    assert_eq!(get(format!("{c}.occurred")), 0.0);
    assert!(get(format!("{c}.first_onset_day")).is_nan());
}

#[test]
fn sampled_drivers_do_not_depend_on_threads_or_ranges() {
    let scn =
        chokepoint::scenario::parse_scenario("bench.toml", include_str!("../scenarios/bench.toml"))
            .unwrap();
    let f = columns(&scn).len();
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let one = pool(1).install(|| sample(&scn, 7, 0..300));
    let two = pool(2).install(|| sample(&scn, 7, 0..300));
    assert_eq!(one.len(), 300 * f);
    assert!(
        one.iter()
            .zip(&two)
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );
    let part = sample(&scn, 7, 37..111);
    assert!(
        part.iter()
            .zip(&one[37 * f..111 * f])
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );
    // Something happens in these futures.
    assert!(one.iter().any(|&v| v > 0.0));
}

/// A feature table of `n` futures with the given (kind, values) columns, for the analysis
/// alone.
fn table(cols: &[(chokepoint::sim::drivers::DriverKind, Vec<f64>)]) -> FeatureTable {
    let n = cols[0].1.len();
    let features = cols
        .iter()
        .enumerate()
        .map(|(k, (kind, _))| Feature {
            key: DriverKey {
                shock: format!("s{k}").parse().unwrap(),
                kind: *kind,
                other: None,
            },
        })
        .collect();
    let values = (0..n)
        .flat_map(|r| cols.iter().map(move |(_, v)| v[r]))
        .collect();
    FeatureTable {
        features,
        replications: (0..n as u64).collect(),
        values,
    }
}

/// The analysis of a `--worse` question (outcome `y`, 1 = selected) over two
/// longest-days features `s0` and `s1`, peeling 5% at a time, default support.
fn prim(s0: Vec<f64>, s1: Vec<f64>, y: Vec<f64>) -> chokepoint::explore::drivers::DriversResult {
    use chokepoint::explore::drivers::{self, DriversProblem, DriversRequest, Question};
    use chokepoint::sim::drivers::DriverKind;
    let req = DriversRequest {
        table: table(&[(DriverKind::LongestDays, s0), (DriverKind::LongestDays, s1)]),
        outcome: y,
        question: Question::Worse {
            worse: "a".into(),
            than: "b".into(),
        },
        outcome_words: "test".into(),
        alpha: 0.05,
        min_support: None,
    };
    drivers::run(&DriversProblem::new(req).unwrap())
}

#[test]
fn prim_prunes_a_rule_that_adds_little_density() {
    // 1,000 futures: s0 takes 0..99 ten times; the selected ones (outcome 1, a --worse
    // question) are those with s0 ≥ 80 except 20 of them (so the box "s0 ≥ 80" holds
    // 200 futures, 180 selected: density 90%). s1 is noise, (7919 i mod 1000)/1000 for
    // future i (a scramble, unrelated to which futures are selected), except
    // for 6 of those 20 unselected futures, where it is larger than every other value:
    // the limit that leaves out just these 6 raises the box's density to 180/194 = 92.8%
    // at no cost in coverage, so peeling takes it and the harmonic mean keeps it, but it
    // adds 3% of the density (under PRUNE_KEEP's 5%): pruning must drop it, leaving the
    // one rule on s0. (Distinct values: PRIM peels ties together, so an s1 of 0s and 1s
    // could never be peeled 5% at a time.)
    let n = 1000;
    let s0: Vec<f64> = (0..n).map(|i| (i % 100) as f64).collect();
    let mut y = vec![0.0; n];
    let mut s1: Vec<f64> = (0..n)
        .map(|i| ((7919 * i) % 1000) as f64 / 1000.0)
        .collect();
    let mut unselected = 0;
    for i in 0..n {
        if s0[i] >= 80.0 {
            // The first 20 futures of the box (i = 80..99) stay out.
            if unselected < 20 {
                if unselected < 6 {
                    s1[i] = 2.0 + unselected as f64;
                }
                unselected += 1;
            } else {
                y[i] = 1.0;
            }
        }
    }
    let res = prim(s0, s1, y);
    let c = &res.chosen;
    let names: Vec<&str> = c.limits.iter().map(|l| l.feature.as_str()).collect();
    assert_eq!(names, ["s0.longest_days"], "{:?}", c.limits);
    assert_eq!(c.limits[0].min, Some(80.0), "{:?}", c.limits);
    assert_eq!((c.n_in, c.n_selected_in), (200, 180));
    // The rule it dropped was there to drop: a box with it is denser (the premise).
    assert!(
        res.trajectory
            .iter()
            .any(|b| b.limits.iter().any(|l| l.feature == "s1.longest_days")),
        "the peeling never restricted s1, so pruning is not tested"
    );
}

#[test]
fn prim_refines_an_edge_the_peeling_missed() {
    // 1,000 futures: s0 takes 0..99 ten times; the selected ones are exactly those with
    // s0 ≥ 76 (240 futures); s1 is noise ((7919 i mod 1000)/1000, a scramble). The box
    // "s0 ≥ 76" has coverage and density 1, the best any box can do. Peeling cannot
    // cut there: it removes a 5% slice of the box at a time, ties together, so near the
    // end it moves the lower edge two values at a time (75, then 77: 13 of 250 futures
    // are two values of s0), and the box it chooses is off the edge (checked below).
    // Refining moves that limit to the cut that maximises the harmonic mean of coverage
    // and density: exactly 76.
    let n = 1000;
    let s0: Vec<f64> = (0..n).map(|i| (i % 100) as f64).collect();
    let s1: Vec<f64> = (0..n)
        .map(|i| ((7919 * i) % 1000) as f64 / 1000.0)
        .collect();
    let y: Vec<f64> = s0.iter().map(|&v| f64::from(u8::from(v >= 76.0))).collect();
    let res = prim(s0, s1, y);
    let edge = |limits: &[chokepoint::explore::drivers::Limit]| {
        limits
            .iter()
            .find(|l| l.feature == "s0.longest_days")
            .and_then(|l| l.min)
    };
    // The premise: the peeled box the refinement starts from is off the edge.
    let peeled = &res.trajectory[res.chosen_step];
    assert_ne!(edge(&peeled.limits), Some(76.0), "{:?}", peeled.limits);
    let c = &res.chosen;
    let names: Vec<&str> = c.limits.iter().map(|l| l.feature.as_str()).collect();
    assert_eq!(names, ["s0.longest_days"], "{:?}", c.limits);
    assert_eq!(edge(&c.limits), Some(76.0), "{:?}", c.limits);
    assert_eq!((c.n_in, c.n_selected_in), (240, 240));
}
