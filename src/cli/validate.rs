//! The `validate` command: check scenario files, summarise the valid ones, and render
//! every problem of the invalid ones with miette.

use std::path::PathBuf;

use super::CliError;

use chokepoint::explore::onsets::{self, ONSET_SAMPLES};
use chokepoint::model::{OnsetKind, Scenario};
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
    for w in s.warnings() {
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
    let long_lines = e.source.lines().any(|l| l.len() > MAX_SHOWN_LINE);
    for p in &e.problems {
        let mut problem = p.clone();
        // miette never sees an unbounded line: long lines are cut around the problem
        // (it panics on columns of 65,536 and beyond, and a 50 MB line is no message).
        let (src, name) = if long_lines {
            let (text, span) = cut_long_lines(&e.source, p.span.clone());
            problem.span = span;
            (text, format!("{} (long lines cut)", e.file_name))
        } else {
            (e.source.clone(), e.file_name.clone())
        };
        let located = Located {
            problem,
            at: e.location(p),
            src: miette::NamedSource::new(name, src).with_language("toml"),
        };
        let mut out = String::new();
        if handler.render_report(&mut out, &located).is_err() {
            out = format!("{}: {p}\n", e.location(p));
        }
        eprint!("{out}");
    }
}

/// Lines longer than this (in bytes) are cut before miette renders them.
const MAX_SHOWN_LINE: usize = 240;
/// Characters shown on each side of the problem's column in a cut line.
const CUT_WINDOW: usize = 80;

/// `source` with every line longer than [`MAX_SHOWN_LINE`] cut: the line holding the
/// start of `span` to [`CUT_WINDOW`] characters around it, others to their start, each
/// cut marked with `…`; and `span` moved to the same text in the cut source (its end
/// kept within the shown part of its line). Line numbers stay the same.
fn cut_long_lines(
    source: &str,
    span: Option<std::ops::Range<usize>>,
) -> (String, Option<std::ops::Range<usize>>) {
    let mut out = String::with_capacity(source.len().min(1 << 20));
    let mut new_span = None;
    let mut line_start = 0;
    for line in source.split_inclusive('\n') {
        let line_end = line_start + line.len();
        let body = line.strip_suffix('\n').unwrap_or(line);
        let holds = span
            .as_ref()
            .filter(|s| s.start >= line_start && (s.start < line_end || line_end == source.len()));
        if body.len() <= MAX_SHOWN_LINE {
            if let Some(s) = holds {
                let start = out.len() + (s.start - line_start);
                let end = out.len() + (s.end.min(line_end) - line_start);
                new_span = Some(start..end.max(start));
            }
            out.push_str(line);
        } else {
            // Character positions of the window, by byte offsets within the line.
            let rel = holds.map_or(0, |s| (s.start - line_start).min(body.len()));
            let mut from = rel.saturating_sub(CUT_WINDOW * 4).min(body.len());
            while !body.is_char_boundary(from) {
                from += 1;
            }
            let before: Vec<usize> = body[from..rel.max(from)]
                .char_indices()
                .map(|(i, _)| from + i)
                .collect();
            let from = if holds.is_some() {
                before
                    .len()
                    .checked_sub(CUT_WINDOW)
                    .map_or(from, |k| before[k])
            } else {
                0
            };
            let mut to = from;
            for (n, (i, c)) in body[from..].char_indices().enumerate() {
                if n >= 2 * CUT_WINDOW {
                    break;
                }
                to = from + i + c.len_utf8();
            }
            if from > 0 {
                out.push('…');
            }
            let shown_start = out.len();
            out.push_str(&body[from..to]);
            if let Some(s) = holds {
                let start = shown_start + (s.start - line_start).clamp(from, to) - from;
                let end = shown_start + (s.end - line_start).clamp(from, to) - from;
                new_span = Some(start..end.max(start));
            }
            if to < body.len() {
                out.push('…');
            }
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
        line_start = line_end;
    }
    let end = out.len();
    let at_end = span.filter(|s| s.start >= source.len()).map(|_| end..end);
    (out, new_span.or(at_end))
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
    let how = match sh.onset().kind() {
        OnsetKind::Rate { rate_per_year } => format!("{rate_per_year}/year"),
        OnsetKind::Day { day, probability } => format!("day {day}, p = {probability}"),
        OnsetKind::Never => "only when triggered".into(),
    };
    let by_trigger = if sh.triggers().is_empty() {
        ""
    } else {
        ", may trigger others"
    };
    format!("{how}{by_trigger}; ≈{expected:.2} onsets expected over the horizon")
}

/// Shocks × sampled timelines the summary's expected onsets may cost (4,000 timelines
/// up to 250 shocks).
const SAMPLED_SHOCK_BUDGET: u64 = 1_000_000;

fn summary(file: &str, s: &Scenario) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let base = s.reference_strategy();
    let _ = writeln!(
        o,
        "{file}: valid — {} ({} days, {} replications, seed {})",
        s.name(),
        s.horizon_days(),
        s.replications(),
        s.seed()
    );
    let _ = writeln!(o, "  materials:");
    for (m, p) in s.materials().iter().zip(&base.materials) {
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
    // Sampling costs shocks × timelines: above SAMPLED_SHOCK_BUDGET shock-timelines,
    // fewer timelines (at least 100), so that validating 100,000 shocks stays quick.
    let samples = if s.shocks().is_empty() {
        ONSET_SAMPLES
    } else {
        (SAMPLED_SHOCK_BUDGET / s.shocks().len() as u64).clamp(100, ONSET_SAMPLES)
    };
    let _ = writeln!(
        o,
        "  shocks (expected onsets, own and triggered, from {samples} sampled timelines):"
    );
    let expected = onsets::expected_onsets(s, samples);
    for (sh, &e) in s.shocks().iter().zip(&expected) {
        let mut targets: Vec<String> = sh
            .supply_targets()
            .iter()
            .map(|&(m, i)| {
                format!(
                    "{}.{}",
                    s.materials()[m].id,
                    s.materials()[m].suppliers[i].id
                )
            })
            .collect();
        targets.extend(
            sh.demand_targets()
                .iter()
                .map(|&m| format!("{} demand", s.materials()[m].id)),
        );
        let _ = writeln!(
            o,
            "    {} [{}] → {}; {}",
            sh.id(),
            sh.kind().as_str(),
            targets.join(", "),
            onset_text(sh, e)
        );
    }
    let _ = writeln!(o, "  strategies:");
    for (i, st) in s.strategies().iter().enumerate() {
        let r = if i == s.reference() {
            " (reference)"
        } else {
            ""
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_span_and_the_span_follows() {
        let long = format!("a = \"{}X{}\"\n", "é".repeat(70_000), "y".repeat(5_000));
        let src = format!("x = 1\n{long}{}\nend = 2\n", "z".repeat(300));
        let at = src.find('X').unwrap();
        let (cut, span) = cut_long_lines(&src, Some(at..at + 1));
        let span = span.unwrap();
        assert_eq!(&cut[span.clone()], "X");
        assert_eq!(cut.lines().count(), src.lines().count());
        assert!(
            cut.lines().all(|l| l.chars().count() <= 2 * CUT_WINDOW + 2),
            "{cut}"
        );
        assert!(cut.starts_with("x = 1\n…"));
        // A short file is untouched.
        let (same, s) = cut_long_lines("a = 1\n", Some(4..5));
        assert_eq!((same.as_str(), s), ("a = 1\n", Some(4..5)));
    }
}
