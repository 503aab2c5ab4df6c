//! Fuzzing of scenario files (issue 16, deliverable 3): a structure-aware generator of
//! scenario files (mutations of the shipped scenarios: keys deleted, duplicated,
//! renamed; types changed; numbers negative, zero, huge, NaN, infinite; unicode and long
//! strings; duplicate ids; trigger cycles; shares not summing to 1; empty arrays) plus
//! byte-level mutations, each driven through parsing, validation and a short run
//! in-process, with `catch_unwind` to catch panics. A valid file's run must give finite
//! metrics or be caught by `limits::first_non_finite` (which the command line turns into
//! exit 2).
//!
//! Deterministic: file `i` of seed `s` is always the same file. The default budget
//! (`CHOKEPOINT_FUZZ_FILES`, 1,500 files) keeps CI near a minute; `scripts/fuzz.sh` runs
//! the long soak. A panicking file is saved to `tests/fuzz_regressions/` (with
//! `CHOKEPOINT_FUZZ_SAVE=1`) and every file there is replayed by
//! `regressions_do_not_panic`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use chokepoint::limits;
use chokepoint::scenario::parse_scenario;
use chokepoint::sim::{self, NoProgress, RunOptions};
use chokepoint::stats::Summary;
use toml::{Table, Value};

/// xorshift64*: small, deterministic, good enough to choose mutations.
struct Rng(u64);
impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 1.0 < p
    }
}

fn shipped() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

const NUMBERS: [f64; 12] = [
    -1.0,
    0.0,
    -0.0,
    1e308,
    f64::MAX,
    -f64::MAX,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    5e-324,
    1e15,
    36_501.0,
];

fn weird_string(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => String::new(),
        1 => "é✓漢字🙂\u{202e}".repeat(1 + rng.below(50)),
        2 => "x".repeat(1 + rng.below(20_000)),
        3 => "\"'\\[]{}=#".into(),
        _ => "cn".into(),
    }
}

/// One structure-aware mutation somewhere in `v`.
fn mutate_value(v: &mut Value, rng: &mut Rng, depth: usize) {
    match v {
        Value::Table(t) if !t.is_empty() && depth < 6 && rng.chance(0.7) => {
            let keys: Vec<String> = t.keys().cloned().collect();
            let k = keys[rng.below(keys.len())].clone();
            match rng.below(6) {
                0 => {
                    t.remove(&k);
                }
                1 => {
                    // Renamed: a typo or another key's name.
                    let val = t.remove(&k).unwrap();
                    let new = match rng.below(3) {
                        0 => format!("{k}x"),
                        1 => k.chars().rev().collect(),
                        _ => keys[rng.below(keys.len())].clone() + "_",
                    };
                    t.insert(new, val);
                }
                _ => mutate_value(t.get_mut(&k).unwrap(), rng, depth + 1),
            }
        }
        Value::Array(a) if !a.is_empty() && depth < 6 && rng.chance(0.7) => match rng.below(5) {
            0 => a.clear(),
            1 => {
                // A duplicate element: duplicate ids.
                let i = rng.below(a.len());
                let e = a[i].clone();
                a.push(e);
            }
            2 => {
                let i = rng.below(a.len());
                a.remove(i);
            }
            _ => {
                let i = rng.below(a.len());
                mutate_value(&mut a[i], rng, depth + 1)
            }
        },
        _ => {
            let new = match rng.below(8) {
                0 => Value::Float(NUMBERS[rng.below(NUMBERS.len())]),
                1 => Value::Integer([-1, 0, 1, i64::MAX, i64::MIN, 100_000_000][rng.below(6)]),
                2 => Value::String(weird_string(rng)),
                3 => Value::Boolean(true),
                4 => Value::Array(vec![]),
                5 => Value::Table(Table::new()),
                6 => match &*v {
                    Value::Float(x) => Value::Float(*x * [-1.0, 1e300, 0.5, 2.0][rng.below(4)]),
                    Value::Integer(x) => Value::Integer(x.wrapping_mul(-1000)),
                    other => other.clone(),
                },
                _ => Value::Float(NUMBERS[rng.below(NUMBERS.len())]),
            };
            *v = new;
        }
    }
}

/// Scenario-level mutations that need to know the format: trigger cycles, shares that
/// do not sum to 1, duplicate ids.
fn mutate_scenario(t: &mut Table, rng: &mut Rng) {
    match rng.below(3) {
        0 => {
            // A trigger cycle: every shock triggers the next, the last the first.
            if let Some(Value::Array(shocks)) = t.get_mut("shock") {
                let ids: Vec<String> = shocks
                    .iter()
                    .filter_map(|s| s.get("id").and_then(|i| i.as_str()).map(String::from))
                    .collect();
                let n = shocks.len();
                for (i, s) in shocks.iter_mut().enumerate() {
                    if let (Value::Table(st), Some(next)) = (s, ids.get((i + 1) % n.max(1))) {
                        let mut trig = Table::new();
                        trig.insert("shock".into(), Value::String(next.clone()));
                        trig.insert("probability".into(), Value::Float(0.5));
                        st.insert("triggers".into(), Value::Array(vec![Value::Table(trig)]));
                    }
                }
            }
        }
        1 => {
            // Shares scaled so that they do not sum to 1.
            if let Some(Value::Array(ms)) = t.get_mut("material") {
                for m in ms {
                    if let Some(Value::Array(sups)) = m.get_mut("supplier") {
                        for s in sups {
                            if let Some(Value::Float(x)) = s.get_mut("share") {
                                *x *= 1.7;
                            }
                        }
                    }
                }
            }
        }
        _ => {
            // Duplicate ids: the first element of each list copied.
            for key in ["material", "shock", "strategy"] {
                if let Some(Value::Array(a)) = t.get_mut(key)
                    && let Some(e) = a.first().cloned()
                {
                    a.push(e);
                }
            }
        }
    }
}

/// Byte-level mutations of a file's text (kept valid UTF-8 by lossy conversion, as the
/// command line reads files).
fn mutate_bytes(text: &str, rng: &mut Rng) -> String {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(8) {
        if b.is_empty() {
            break;
        }
        let i = rng.below(b.len());
        match rng.below(5) {
            0 => b[i] ^= 1 << rng.below(8),
            1 => {
                b.remove(i);
            }
            2 => b.insert(i, b"=[]{}\"'#.,\n\0\xff"[rng.below(13)]),
            3 => {
                // A line duplicated (duplicate keys and tables).
                let s = b[..i]
                    .iter()
                    .rposition(|&c| c == b'\n')
                    .map_or(0, |p| p + 1);
                let e = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p + 1);
                let line = b[s..e].to_vec();
                b.splice(e..e, line);
            }
            _ => b.truncate(i),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// File `i` of the fuzz stream of `seed`.
fn generate(bases: &[String], seed: u64, i: u64) -> String {
    let mut rng = Rng::new(seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let base = &bases[rng.below(bases.len())];
    let mut table: Table = toml::from_str(base).unwrap();
    let structural = rng.below(4) != 0;
    if structural {
        if rng.chance(0.3) {
            mutate_scenario(&mut table, &mut rng);
        }
        for _ in 0..1 + rng.below(3) {
            let mut v = Value::Table(std::mem::take(&mut table));
            mutate_value(&mut v, &mut rng, 0);
            table = match v {
                Value::Table(t) => t,
                _ => Table::new(),
            };
        }
    }
    let text = toml::to_string(&table).unwrap_or_else(|_| base.clone());
    if !structural || rng.chance(0.2) {
        mutate_bytes(&text, &mut rng)
    } else {
        text
    }
}

#[derive(Debug, Default)]
struct Outcomes {
    files: u64,
    invalid: u64,
    ran: u64,
    skipped_large: u64,
    non_finite: u64,
    panics: Vec<(u64, String)>,
}

/// Parses, validates and (when valid and small) runs `text`; `Err` on a panic.
fn drive(text: &str, out: &mut Outcomes) -> Result<(), String> {
    let r = catch_unwind(AssertUnwindSafe(|| {
        match parse_scenario("fuzz.toml", text) {
            Err(e) => {
                // Every problem renders.
                let _ = e.to_string();
                0
            }
            Ok(scn) => {
                if limits::daily_hist_bytes(&scn) > 64 << 20
                    || scn.shocks().len() * scn.horizon_days() as usize > 50_000_000
                {
                    return 1;
                }
                let opts = RunOptions {
                    seed: 7,
                    replications: 0..4,
                    daily: true,
                    daily_replications: 4,
                };
                let res = sim::run(&scn, &opts, &NoProgress);
                let nf = matches!(limits::first_non_finite(&res), Ok(Some(_)));
                let _ = Summary::from_run(&scn, &res, 7);
                if nf { 3 } else { 2 }
            }
        }
    }));
    out.files += 1;
    match r {
        Ok(0) => out.invalid += 1,
        Ok(1) => out.skipped_large += 1,
        Ok(3) => {
            out.ran += 1;
            out.non_finite += 1
        }
        Ok(_) => out.ran += 1,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Err(msg);
        }
    }
    Ok(())
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn generated_scenarios_never_panic() {
    let files = env_u64("CHOKEPOINT_FUZZ_FILES", 1_500);
    let seed = env_u64("CHOKEPOINT_FUZZ_SEED", 16);
    let bases = shipped();
    // Quiet panics: they are counted and reported below.
    std::panic::set_hook(Box::new(|_| {}));
    let mut out = Outcomes::default();
    let start = std::time::Instant::now();
    for i in 0..files {
        let text = generate(&bases, seed, i);
        if let Err(msg) = drive(&text, &mut out) {
            if std::env::var_os("CHOKEPOINT_FUZZ_SAVE").is_some() {
                let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(format!("seed{seed}-file{i}.toml")), &text).unwrap();
            }
            out.panics.push((i, msg));
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "fuzz: seed {seed}, {} files in {:.1} s: {} invalid, {} ran ({} with non-finite \
         metrics caught), {} too large to run, {} panics",
        out.files,
        start.elapsed().as_secs_f64(),
        out.invalid,
        out.ran,
        out.non_finite,
        out.skipped_large,
        out.panics.len()
    );
    // The generator reaches both sides: most files are invalid, some still run.
    assert!(out.invalid > 0 && out.ran > 0, "{out:?}");
    assert!(
        out.panics.is_empty(),
        "panics (file index, message): {:?}",
        out.panics
    );
}

#[test]
fn regressions_do_not_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut out = Outcomes::default();
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        drive(&text, &mut out).unwrap_or_else(|m| panic!("{}: {m}", e.path().display()));
        n += 1;
    }
    assert!(n >= 2, "regression files missing");
}

#[test]
fn the_generator_is_deterministic_and_varied() {
    let bases = shipped();
    assert_eq!(generate(&bases, 1, 5), generate(&bases, 1, 5));
    let distinct: std::collections::BTreeSet<String> =
        (0..50).map(|i| generate(&bases, 1, i)).collect();
    assert!(distinct.len() > 25, "{}", distinct.len());
}
