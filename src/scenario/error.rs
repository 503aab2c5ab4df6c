//! Errors of the scenario layer: located [`Problem`]s gathered into one [`ScenarioError`],
//! and [`ParamError`] for parameter paths.
//!
//! Library types only: they implement `Display` (a plain `file:line:col: path: message`
//! list) and `miette::Diagnostic`; rendering to a terminal belongs to the CLI.

use std::fmt;
use std::ops::Range;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Parameter path (MODEL.md §6 form, e.g. `material.ndpr.supplier.au.share`), or the
    /// key path for syntax and unknown-field problems; empty when none applies.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Byte range in the source, when known.
    pub span: Option<Range<usize>>,
}

impl Problem {
    /// A problem at `path` with `message`, no help and no location yet.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
            help: None,
            span: None,
        }
    }

    /// Adds a help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// One-based `(line, column)` of the start of the span in `source`, if located.
    pub fn line_col(&self, source: &str) -> Option<(usize, usize)> {
        self.span.as_ref().map(|s| line_col(source, s.start))
    }
}

/// One-based `(line, column)` (column counted in characters) of byte `offset` in `src`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = src[line_start..offset].chars().count() + 1;
    (line, col)
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        let label = LabeledSpan::new_primary_with_span(
            Some("here".to_string()),
            (span.start, span.end.saturating_sub(span.start)),
        );
        Some(Box::new(std::iter::once(label)))
    }
}

/// Every problem found in one scenario file.
#[derive(Debug, Clone)]
pub struct ScenarioError {
    /// File name as given (used in messages).
    pub file_name: String,
    /// The file's text.
    pub source: String,
    /// The problems, in file order where known.
    pub problems: Vec<Problem>,
    named: Box<NamedSource<String>>,
}

impl ScenarioError {
    /// Builds an error, sorting the problems by location (unlocated ones last).
    pub fn new(file_name: &str, source: &str, mut problems: Vec<Problem>) -> Self {
        problems.sort_by_key(|p| p.span.as_ref().map_or(usize::MAX, |s| s.start));
        problems.dedup();
        ScenarioError {
            file_name: file_name.to_string(),
            source: source.to_string(),
            problems,
            named: Box::new(NamedSource::new(file_name, source.to_string()).with_language("toml")),
        }
    }

    /// A file that could not be read.
    pub fn io(file_name: &str, err: &std::io::Error) -> Self {
        Self::new(
            file_name,
            "",
            vec![Problem::new("", format!("cannot read the file: {err}"))],
        )
    }

    /// `file:line:col` of a problem (just `file` when unlocated).
    pub fn location(&self, p: &Problem) -> String {
        match p.line_col(&self.source) {
            Some((l, c)) => format!("{}:{l}:{c}", self.file_name),
            None => self.file_name.clone(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {p}", self.location(p))?;
            if let Some(h) = &p.help {
                write!(f, "\n  help: {h}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

impl Diagnostic for ScenarioError {
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.named)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.problems.iter().map(|p| p as &dyn Diagnostic)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(
            "see docs/scenario-format.md, or `chokepoint schema` for the expected fields",
        ))
    }
}

/// Why a parameter path could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Diagnostic)]
#[error("{path}: {message}")]
pub struct ParamError {
    /// The path as given.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it (valid next segments, a did-you-mean).
    #[help]
    pub help: Option<String>,
}

impl ParamError {
    pub(crate) fn new(path: &str, message: impl Into<String>) -> Self {
        ParamError {
            path: path.to_string(),
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
