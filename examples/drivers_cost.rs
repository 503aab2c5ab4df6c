//! Times `drivers.csv` alone (to a sink) for bench.toml: the cost `run --drivers` adds.
use std::time::Instant;
fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let scn =
        chokepoint::scenario::parse_scenario("bench.toml", include_str!("../scenarios/bench.toml"))
            .unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        chokepoint::report::drivers_out::write_drivers_csv(std::io::sink(), &scn, 1, 0..n).unwrap();
        let a = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let v = chokepoint::sim::drivers::sample(&scn, 1, 0..n);
        let b = t.elapsed().as_secs_f64();
        println!(
            "write_drivers_csv {a:.3} s; sample alone {b:.3} s ({} values)",
            v.len()
        );
    }
}
