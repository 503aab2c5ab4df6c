//! The scenario layer: TOML scenario files → validated [`crate::model::Scenario`].
//!
//! Two stages (STYLE.md habit 3): [`Document::parse`] reads the file into the raw structs
//! of [`raw`] (syntax errors, a type error, every unknown field), and
//! [`Document::validate`] builds the model, reporting every semantic problem at once with
//! its parameter path (MODEL.md §6) and its place in the file. Parameter paths are read
//! and written by [`Document::get`] / [`Document::set`]; strategies go through the same
//! mechanism. Every field is described once, in the table of [`fields`]; validation,
//! parameter paths, [`json_schema`] (the JSON Schema of the format) and the field
//! reference of `docs/scenario-format.md` ([`reference::markdown`]) read it.
//!
//! Depends on [`crate::model`] only (never on `sim`, `stats`, `report` or the CLI). No
//! printing: errors are values ([`ScenarioError`]) that the CLI renders.

mod document;
pub mod error;
pub mod fields;
mod locate;
pub mod params;
pub mod raw;
pub mod reference;
pub mod validate;

use std::path::Path;

pub use document::Document;
pub use error::{ParamError, Problem, ScenarioError, line_col};
pub use fields::{ParamKind, param_kind, sweep_kind};
pub use params::is_whole_days;
pub use raw::RawScenario;

use crate::model;

impl Document {
    /// Validates the document into a model, reporting every problem at once.
    ///
    /// # Errors
    /// A [`ScenarioError`] listing every problem, each with its parameter path and place.
    pub fn validate(&self) -> Result<model::Scenario, ScenarioError> {
        validate::validate(&self.raw, &self.file_name, &self.source)
    }
}

/// Reads, parses and validates a scenario file.
///
/// # Errors
/// Every problem of the file (or the I/O error) in one [`ScenarioError`].
pub fn load_scenario(path: &Path) -> Result<model::Scenario, ScenarioError> {
    Document::load(path)?.validate()
}

/// Parses and validates scenario text; `file_name` names it in messages.
///
/// # Errors
/// Every problem in one [`ScenarioError`].
pub fn parse_scenario(file_name: &str, src: &str) -> Result<model::Scenario, ScenarioError> {
    Document::parse(file_name, src)?.validate()
}

/// The JSON Schema (draft-07, for editors such as Taplo) of the scenario format: its
/// shape derived from the raw structs, its descriptions, bounds and defaults from the
/// field table ([`fields`]).
pub fn json_schema() -> serde_json::Value {
    let settings = schemars::generate::SchemaSettings::draft07();
    let schema = settings
        .into_generator()
        .into_root_schema_for::<RawScenario>();
    let mut v = schema.to_value();
    reference::annotate_schema(&mut v);
    if let Some(o) = v.as_object_mut() {
        o.insert("title".into(), "chokepoint scenario".into());
    }
    v
}
