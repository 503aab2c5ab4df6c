//! The autonomy and indispensability table of report.html, on a scenario small enough
//! that every cell follows by hand from the model (docs/model.md; MODEL.md §2, §4, §5):
//!
//! - **Days of cover today** = the reference strategy's `private_days + stockpile_days`
//!   (working stock plus strategic stockpile, in days of demand).
//! - **Most exposed loss**: the exposure view loses one entity (supplier, country or
//!   route) totally from day 0, with no other shock and no demand noise, and ranks the
//!   losses (at risk first, then larger shortfall, then shorter time to survive; ties in
//!   entity order: suppliers, then countries, then routes). The table shows each
//!   material's first row with the share of its supply lost.
//! - **Time to survive it** = first shortfall day after the onset (day 0), MODEL.md §5.
//!   Shipments dispatched before the loss still arrive (the initial pipeline of `L` days),
//!   then the stocks serve what the remaining suppliers do not deliver. MODEL.md §8 states
//!   the single-supplier case: `tts_days = L + S` with stockpile `S` and no working stock;
//!   with working stock `P` too both stocks serve, so `L + P + S`; with a share `f` of
//!   supply lost (the rest delivering `1 - f` of demand, no surge capacity) the stocks fall
//!   by `f` days of demand a day, so `L + (P + S) / f`.
//! - **Time to recover** = the median over the scenario's supply shocks on that entity of
//!   `ceil(median duration) + ceil(median recovery)` (docs/model.md §5, `exposure`).
//! - **Verdict**: "short by TTR − TTS" when the time to survive is shorter than the time
//!   to recover, "covered" otherwise, "no shock on it" when no shock targets the entity.

use std::path::Path;
use std::process::Command;

/// Three materials, one per bucket, each with its own countries (so a country's loss
/// equals its supplier's and the supplier, first in entity order, is shown):
///
/// - `ore` (green): one supplier `cn`, lead 5, P = 10, S = 20. Cover = 10 + 20 = 30 d.
///   Losing `ore.cn` (100% of supply): TTS = L + P + S = 5 + 10 + 20 = 35 d. The embargo
///   on CN lasts a fixed 40 d and recovers in 10: TTR = 40 + 10 = 50 d. 35 < 50: at risk,
///   short by 50 − 35 = 15 d.
/// - `chip` (blue): two suppliers of share 0.5 each, lead 10, no surge; P = 30, S = 30.
///   Cover = 60 d. Losing `chip.tw` (50%): TTS = L + (P + S) / 0.5 = 10 + 120 = 130 d;
///   losing `chip.jp` (50%, no shock on it) also 130 d. The outage of `chip.tw` (fixed
///   20 d, recovery 0) gives TTR = 20 d; 130 ≥ 20: covered. Neither loss is at risk and
///   neither has a shortfall within its TTR (jp has no TTR, tw survives past it), so the
///   shorter TTS decides; it is a tie, broken by entity order: `chip.tw` first.
/// - `gas` (red): one supplier `no`, lead 7, P = 14, S = 0, no shock at all.
///   Cover = 14 d; TTS = 7 + 14 + 0 = 21 d; no TTR; "no shock on it".
const SCENARIO: &str = r#"
name = "Exposure table by hand"
horizon_days = 200
replications = 20
seed = 5

[[material]]
id = "ore"
name = "Ore"
annual_demand = 3650.0
demand_cv = 0.0
unit_value = 10.0
shortage_cost = 100.0
bucket = "green"
private_days = 10
stockpile_days = 20
[[material.supplier]]
id = "cn"
country = "CN"
share = 1.0
lead_time_days = 5
surge = 0.0

[[material]]
id = "chip"
name = "Chip"
annual_demand = 3650.0
demand_cv = 0.0
unit_value = 10.0
shortage_cost = 100.0
bucket = "blue"
private_days = 30
stockpile_days = 30
[[material.supplier]]
id = "tw"
country = "TW"
share = 0.5
lead_time_days = 10
surge = 0.0
[[material.supplier]]
id = "jp"
country = "JP"
share = 0.5
lead_time_days = 10
surge = 0.0

[[material]]
id = "gas"
name = "Gas"
annual_demand = 3650.0
demand_cv = 0.0
unit_value = 10.0
shortage_cost = 100.0
bucket = "red"
private_days = 14
[[material.supplier]]
id = "no"
country = "NO"
share = 1.0
lead_time_days = 7
surge = 0.0

[[shock]]
id = "cn_embargo"
kind = "embargo"
targets = { countries = ["CN"] }
onset = { rate_per_year = 1.0 }
duration_days = 40
severity = 1.0
recovery_days = 10

[[shock]]
id = "fab_outage"
kind = "outage"
targets = { suppliers = ["chip.tw"] }
onset = { rate_per_year = 1.0 }
duration_days = 20
severity = 1.0

[[strategy]]
id = "baseline"
label = "Status quo"
"#;

/// The text of each cell of each row of the exposure table in `html`, tags removed.
fn exposure_rows(html: &str) -> Vec<Vec<String>> {
    let start = html
        .find("<section id=exposure>")
        .expect("report has the exposure section");
    let section = &html[start..];
    let section = &section[..section.find("</section>").expect("section ends")];
    let body = &section[section.find("<tbody").expect("table body")..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let cell = &cell[cell.find('>').expect("td tag") + 1..];
                    let cell = &cell[..cell.find("</td>").expect("td closes")];
                    strip_tags(cell)
                })
                .collect()
        })
        .collect()
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

fn run(dir: &Path) -> String {
    let scn = dir.join("exposure.toml");
    std::fs::write(&scn, SCENARIO).expect("write scenario");
    let out_dir = dir.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(["run", scn.to_str().expect("utf-8"), "-q", "--format", "svg"])
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("chokepoint runs");
    assert!(
        out.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(out_dir.join("report.html")).expect("report.html")
}

#[test]
fn exposure_table_cells_follow_from_the_model() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rows = exposure_rows(&run(dir.path()));
    let want: Vec<Vec<&str>> = vec![
        // Bucket, material, cover, most exposed loss, TTS, TTR, verdict (see SCENARIO).
        vec![
            "Green: autonomy at risk",
            "Ore",
            "30 d",
            "ore.cn (100% of supply)",
            "35 d",
            "50 d",
            "short by 15 d",
        ],
        vec![
            "Blue: indispensable",
            "Chip",
            "60 d",
            "chip.tw (50% of supply)",
            "130 d",
            "20 d",
            "covered",
        ],
        vec![
            "Red: emerging",
            "Gas",
            "14 d",
            "gas.no (100% of supply)",
            "21 d",
            "-",
            "no shock on it",
        ],
    ];
    assert_eq!(rows, want);
}
