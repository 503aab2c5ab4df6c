//! [`Document`]: a parsed (not yet validated) scenario file with its source text.
//!
//! Stage one: syntax errors (all that the recovering TOML parser finds), a type error
//! (serde stops at the first), and every unknown field (collected with `serde_ignored`,
//! each with a did-you-mean). Stage two is [`Document::validate`].

use std::path::Path;

use super::error::{Problem, ScenarioError};
use super::locate::{Seg, locate_key, readable_path};
use super::raw::{RawScenario, closest};

/// A parsed scenario file: the raw structs plus the text and name they came from.
///
/// Parameter paths (MODEL.md §6) are read and written through [`Document::get`] and
/// [`Document::set`] (see `params.rs`); [`Document::validate`] builds the model.
#[derive(Debug, Clone)]
pub struct Document {
    pub(crate) file_name: String,
    pub(crate) source: String,
    pub(crate) raw: RawScenario,
}

/// Known fields of the table at a raw key path (indices dropped), in the order of the
/// field table ([`super::fields`]); empty for a path that is no table of the format.
pub(crate) fn known_fields(parent: &[Seg]) -> Vec<&'static str> {
    let keys: Vec<&str> = parent
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    super::fields::names(&keys.join("."))
}

fn segs_of(path: &serde_ignored::Path<'_>, out: &mut Vec<Seg>) {
    use serde_ignored::Path as P;
    match path {
        P::Root => {}
        P::Seq { parent, index } => {
            segs_of(parent, out);
            out.push(Seg::Index(*index));
        }
        P::Map { parent, key } => {
            segs_of(parent, out);
            out.push(Seg::Key(key.clone()));
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            segs_of(parent, out)
        }
    }
}

/// A problem for an unknown key at a raw key path, with a did-you-mean.
pub(crate) fn unknown_field(src: &str, segs: &[Seg]) -> Problem {
    let (parent, key) = match segs.split_last() {
        Some((Seg::Key(k), parent)) => (parent, k.clone()),
        _ => (segs, String::new()),
    };
    let known = known_fields(parent);
    let mut p = Problem::new(readable_path(src, segs), format!("unknown field `{key}`"));
    p.span = locate_key(src, segs);
    let list = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    p.help = Some(match closest(&key, known.iter().copied()) {
        Some(c) => format!("did you mean `{c}`? expected one of {list}"),
        None if !known.is_empty() => format!("remove it; expected one of {list}"),
        None => "remove it".to_string(),
    });
    p
}

impl Document {
    /// Parses a scenario's text: TOML syntax, types and unknown fields.
    ///
    /// # Errors
    /// A [`ScenarioError`] with every syntax error the recovering parser finds, or else
    /// every unknown field plus the first type error, each located.
    pub fn parse(file_name: &str, src: &str) -> Result<Document, ScenarioError> {
        // Limits before the parser allocates: counted on the text, a line scan.
        for (header, max, what) in [
            ("[[shock]]", super::validate::MAX_SHOCKS, "shocks"),
            (
                "[[strategy]]",
                super::validate::MAX_STRATEGIES,
                "strategies",
            ),
            ("[[material]]", super::validate::MAX_MATERIALS, "materials"),
        ] {
            let mut offset = 0;
            let mut seen = 0;
            for line in src.split_inclusive('\n') {
                if line.trim_start().starts_with(header) {
                    seen += 1;
                    if seen > max {
                        let start = offset + (line.len() - line.trim_start().len());
                        let mut p = Problem::new(
                            "",
                            format!("more than {max} {what}; at most {max} are supported"),
                        )
                        .with_help("split the scenario, or merge entries (docs/limits.md)");
                        p.span = Some(start..start + header.len());
                        return Err(ScenarioError::new(file_name, src, vec![p]));
                    }
                }
                offset += line.len();
            }
        }
        let (_, errors) = toml::de::DeTable::parse_recoverable(src);
        if !errors.is_empty() {
            let problems = errors
                .iter()
                .map(|e| {
                    let mut p =
                        Problem::new("", format!("TOML syntax error: {}", e.message().trim()));
                    p.span = e.span();
                    p
                })
                .collect();
            return Err(ScenarioError::new(file_name, src, problems));
        }
        let mut unknown: Vec<Vec<Seg>> = Vec::new();
        let result: Result<RawScenario, toml::de::Error> = toml::de::Deserializer::parse(src)
            .and_then(|de| {
                serde_ignored::deserialize(de, |path| {
                    let mut segs = Vec::new();
                    segs_of(&path, &mut segs);
                    unknown.push(segs);
                })
            });
        let mut problems: Vec<Problem> = unknown.iter().map(|s| unknown_field(src, s)).collect();
        match result {
            Ok(raw) if problems.is_empty() => Ok(Document {
                file_name: file_name.to_string(),
                source: src.to_string(),
                raw,
            }),
            Ok(raw) => {
                // Report unknown fields together with the semantic problems.
                let doc = Document {
                    file_name: file_name.to_string(),
                    source: src.to_string(),
                    raw,
                };
                if let Err(e) = doc.validate() {
                    problems.extend(e.problems);
                }
                Err(ScenarioError::new(file_name, src, problems))
            }
            Err(e) => {
                let mut p = Problem::new(
                    super::locate::path_at(src, e.span()),
                    e.message().trim().to_string(),
                );
                p.span = e.span();
                problems.push(p.with_help("see docs/scenario-format.md for the expected type"));
                Err(ScenarioError::new(file_name, src, problems))
            }
        }
    }

    /// Reads and parses a scenario file.
    ///
    /// # Errors
    /// As [`Document::parse`], or a one-problem error when the file cannot be read.
    pub fn load(path: &Path) -> Result<Document, ScenarioError> {
        let name = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|e| ScenarioError::io(&name, &e))?;
        Self::parse(&name, &src)
    }

    /// The scenario's text as read.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The file name used in messages.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The raw (unvalidated) scenario.
    pub fn raw(&self) -> &RawScenario {
        &self.raw
    }
}
