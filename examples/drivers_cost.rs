//! What recording the drivers adds to a run, in CPU seconds of this process (user +
//! system, from /proc/self/stat, so a loaded machine inflates none of it):
//! `cargo run --release --example drivers_cost [SCENARIO] [N]` (default
//! `scenarios/bench.toml`; `flagship` for `scenarios/rare_earth_magnets.toml`; N
//! defaults to the scenario's replications). Times the simulation (`sim::run`, once),
//! then three times each `drivers.csv` (to a sink) and the report's section (the
//! analysis and its two charts, SVG and PNG). Compare the last two with a whole run's CPU
//! time (`/usr/bin/time`), which also writes the files and draws the other charts.
use std::time::Instant;

/// CPU seconds (user + system) of this process so far.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime and stime are the
    // 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // Clock ticks of 1/100 s (USER_HZ on Linux).
    f.get(11)
        .zip(f.get(12))
        .map_or(f64::NAN, |(u, s)| (u + s) / 100.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "scenarios/bench.toml".into());
    let path = if path == "flagship" {
        "scenarios/rare_earth_magnets.toml".to_string()
    } else {
        path
    };
    let scn = chokepoint::scenario::load_scenario(std::path::Path::new(&path)).unwrap();
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::from(scn.replications()));
    let seed = scn.seed();
    println!("{path}, {n} futures, {} driver columns", {
        chokepoint::sim::drivers::columns(&scn).len()
    });
    let (c, t) = (cpu(), Instant::now());
    let opts = chokepoint::sim::RunOptions::new(n, seed);
    let res = chokepoint::sim::run(&scn, &opts, &chokepoint::sim::NoProgress);
    let sim = (cpu() - c, t.elapsed().as_secs_f64());
    for _ in 0..3 {
        let (c, t) = (cpu(), Instant::now());
        chokepoint::report::drivers_out::write_drivers_csv(std::io::sink(), &scn, seed, 0..n)
            .unwrap();
        let file = (cpu() - c, t.elapsed().as_secs_f64());
        let (c, t) = (cpu(), Instant::now());
        let section =
            chokepoint::report::drivers_section::drivers_section(&scn, &res, seed, 0).unwrap();
        let mut bytes = 0;
        for chart in section.iter().flat_map(|s| &s.charts) {
            let size = chokepoint::charts::DEFAULT_SIZE;
            let svg = chokepoint::charts::explore::render_svg(chart, size).unwrap();
            let png = chokepoint::charts::explore::render_png(chart, size).unwrap();
            bytes += svg.len() + png.len();
        }
        let sec = (cpu() - c, t.elapsed().as_secs_f64());
        println!(
            "CPU (wall) s: run {:.2} ({:.2}); drivers.csv {:.2} ({:.2}); section {:.2} ({:.2}, \
             charts {bytes} bytes)",
            sim.0, sim.1, file.0, file.1, sec.0, sec.1
        );
    }
}
