//! Typed ids of a scenario's things (materials, suppliers, shocks, strategies, sectors)
//! as written in the scenario file, each built only by a constructor that checks the id
//! grammar ([`valid_id`]). Results carry these (never a string built from an id
//! and a metric name), so a material may be called anything a valid id allows,
//! including `total`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether `s` is a valid id: lowercase ASCII letters, digits and `_`, starting with a
/// letter (the grammar of every id in a scenario file).
pub fn valid_id(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c.is_ascii_lowercase())
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Why a text was refused as an id: it does not follow [`valid_id`]'s grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError(pub String);

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid id `{}`: ids use lowercase letters, digits and `_`, starting with a letter",
            self.0
        )
    }
}

impl std::error::Error for IdError {}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The id `id`, checked against the id grammar ([`valid_id`]).
            ///
            /// # Errors
            /// `id` is not a valid id.
            pub fn new(id: impl Into<String>) -> Result<$name, IdError> {
                let id = id.into();
                if valid_id(&id) {
                    Ok($name(id))
                } else {
                    Err(IdError(id))
                }
            }

            /// The id as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(id: String) -> Result<$name, IdError> {
                $name::new(id)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(id: &str) -> Result<$name, IdError> {
                $name::new(id)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// The id as written; honours width and alignment (`{:<8}`), as a `String`
        /// would, so tables pad it alike.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
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

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// The id of a material (`[[material]] id`).
    ///
    /// Built only through the checking constructor (or `parse`), so it always follows
    /// the id grammar:
    ///
    /// ```
    /// use chokepoint::model::MaterialId;
    /// assert!(MaterialId::new("ndpr").is_ok());
    /// assert!(MaterialId::new("NdPr").is_err());
    /// assert!("#1".parse::<MaterialId>().is_err());
    /// // Padded like the `String` it replaces, so tables line up alike:
    /// assert_eq!(format!("[{:<6}]", MaterialId::new("ndpr").unwrap()), "[ndpr  ]");
    /// ```
    ///
    /// ```compile_fail
    /// let m = chokepoint::model::MaterialId("Not An Id".to_string());
    /// ```
    MaterialId
);
id_type!(
    /// The id of a strategy (`[[strategy]] id`).
    ///
    /// ```compile_fail
    /// let s = chokepoint::model::StrategyId(String::new());
    /// ```
    StrategyId
);
id_type!(
    /// The id of a shock (`[[shock]] id`).
    ///
    /// ```compile_fail
    /// let s = chokepoint::model::ShockId(String::new());
    /// ```
    ShockId
);
id_type!(
    /// The id of a supplier (`[[material.supplier]] id`, unique within its material).
    ///
    /// ```compile_fail
    /// let s = chokepoint::model::SupplierId(String::new());
    /// ```
    SupplierId
);
id_type!(
    /// The id of a sector (`[[sector]] id`, unique among materials and sectors).
    ///
    /// ```compile_fail
    /// let s = chokepoint::model::SectorId(String::new());
    /// ```
    SectorId
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
    /// One sector (ids are unique across materials and sectors).
    Sector(SectorId),
}

/// How [`SubjectId::Total`] is written in outputs.
pub const TOTAL_ID: &str = "total";

impl SubjectId {
    /// As written in outputs: the material's id, or `total`.
    pub fn as_str(&self) -> &str {
        match self {
            SubjectId::Material(m) => m.as_str(),
            SubjectId::Sector(k) => k.as_str(),
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
