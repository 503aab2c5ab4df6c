//! The `validate` command: check scenario files, summarise the valid ones, and render
//! every problem of the invalid ones with miette.

use std::path::PathBuf;

use super::CliError;

use chokepoint::explore::onsets::{self, ONSET_SAMPLES};
use chokepoint::model::{Onset, Scenario};
use chokepoint::scenario::{Document, ScenarioError};

/// Arguments of `validate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Runs the command: exit 0 when every file is valid, 2 when any is not.
pub fn run(args: Args) -> Result<(), CliError> {
    let mut bad = false;
    for path in &args.files {
        match Document::load(path).and_then(|d| d.validate()) {
            Ok(s) => {
                print!("{}", summary(&path.display().to_string(), &s));
                print_warnings(&s);
            }
            Err(e) => {
                bad = true;
                render(&e);
            }
        }
    }
    if bad {
        Err(CliError::InvalidFiles)
    } else {
        Ok(())
    }
}

/// Prints the scenario's validation warnings on stderr (they never fail a command).
pub(super) fn print_warnings(s: &Scenario) {
    for w in &s.warnings {
        eprintln!("{w}");
    }
}

/// Prints every problem of `e` on stderr: a plain header, then one miette diagnostic per
/// problem with its source snippet.
pub(super) fn render(e: &ScenarioError) {
    let n = e.problems.len();
    eprintln!(
        "{}: {n} problem{}",
        e.file_name,
        if n == 1 { "" } else { "s" }
    );
    let handler = miette::GraphicalReportHandler::new();
    for p in &e.problems {
        let located = Located {
            problem: p.clone(),
            at: e.location(p),
            src: miette::NamedSource::new(&e.file_name, e.source.clone()).with_language("toml"),
        };
        let mut out = String::new();
        if handler.render_report(&mut out, &located).is_err() {
            out = format!("{}: {p}\n", e.location(p));
        }
        eprint!("{out}");
    }
}

#[derive(Debug)]
struct Located {
    problem: chokepoint::scenario::Problem,
    at: String,
    src: miette::NamedSource<String>,
}

impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.problem)
    }
}

impl std::error::Error for Located {}

impl miette::Diagnostic for Located {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        miette::Diagnostic::help(&self.problem)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        miette::Diagnostic::labels(&self.problem)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
}

fn onset_text(sh: &chokepoint::model::Shock, expected: f64) -> String {
    let how = match sh.onset {
        Onset::Rate { rate_per_year } => format!("{rate_per_year}/year"),
        Onset::Day { day, probability } => format!("day {day}, p = {probability}"),
        Onset::Never => "only when triggered".into(),
    };
    let by_trigger = if sh.triggers.is_empty() {
        ""
    } else {
        ", may trigger others"
    };
    format!("{how}{by_trigger}; ≈{expected:.2} onsets expected over the horizon")
}

fn summary(file: &str, s: &Scenario) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let base = s.reference_strategy();
    let _ = writeln!(
        o,
        "{file}: valid — {} ({} days, {} replications, seed {})",
        s.name, s.horizon_days, s.replications, s.seed
    );
    let _ = writeln!(o, "  materials:");
    for (m, p) in s.materials.iter().zip(&base.materials) {
        let _ = writeln!(
            o,
            "    {} ({}): {:.4} {}/day, private {} days, stockpile {} days",
            m.id,
            m.name,
            p.daily_demand(),
            m.unit,
            p.private_days(),
            p.stockpile_days()
        );
        let sups: Vec<String> = m
            .suppliers
            .iter()
            .zip(p.suppliers())
            .map(|(si, sp)| format!("{} {:.3}", si.id, sp.share()))
            .collect();
        let _ = writeln!(o, "      suppliers: {}", sups.join(", "));
    }
    let _ = writeln!(
        o,
        "  shocks (expected onsets, own and triggered, from {ONSET_SAMPLES} sampled timelines):"
    );
    let expected = onsets::expected_onsets(s, ONSET_SAMPLES);
    for (sh, &e) in s.shocks.iter().zip(&expected) {
        let mut targets: Vec<String> = sh
            .supply_targets
            .iter()
            .map(|&(m, i)| format!("{}.{}", s.materials[m].id, s.materials[m].suppliers[i].id))
            .collect();
        targets.extend(
            sh.demand_targets
                .iter()
                .map(|&m| format!("{} demand", s.materials[m].id)),
        );
        let _ = writeln!(
            o,
            "    {} [{}] → {}; {}",
            sh.id,
            sh.kind.as_str(),
            targets.join(", "),
            onset_text(sh, e)
        );
    }
    let _ = writeln!(o, "  strategies:");
    for (i, st) in s.strategies.iter().enumerate() {
        let r = if i == s.reference { " (reference)" } else { "" };
        let changes = if st.overrides.is_empty() {
            "no changes".to_string()
        } else {
            st.overrides
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let _ = writeln!(
            o,
            "    {}{r}: {} — {}; annual cost {}",
            st.id, st.label, changes, st.annual_cost
        );
    }
    o
}
