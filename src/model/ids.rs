//! Typed ids of the things results are keyed by: a material's and a strategy's id as
//! written in the scenario file. Results carry these (never a string built from an id
//! and a metric name), so a material may be called anything a valid id allows,
//! including `total`.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as written.
            pub fn new(id: impl Into<String>) -> $name {
                $name(id.into())
            }

            /// The id as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// The id of a material (`[[material]] id`).
    MaterialId
);
id_type!(
    /// The id of a strategy (`[[strategy]] id`).
    StrategyId
);

/// Whose results a row or statistic holds: one material's, or the totals over the
/// materials of a strategy. Written as the material's id, or `total` for the totals; a
/// material may itself be called `total` (where both appear, the totals come after the
/// materials, see [`crate::stats::Summary`] and the sweep's rows).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubjectId {
    /// One material.
    Material(MaterialId),
    /// Totals over materials.
    Total,
}

/// How [`SubjectId::Total`] is written in outputs.
pub const TOTAL_ID: &str = "total";

impl SubjectId {
    /// As written in outputs: the material's id, or `total`.
    pub fn as_str(&self) -> &str {
        match self {
            SubjectId::Material(m) => m.as_str(),
            SubjectId::Total => TOTAL_ID,
        }
    }

    /// Whether these are the totals.
    pub fn is_total(&self) -> bool {
        matches!(self, SubjectId::Total)
    }
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
