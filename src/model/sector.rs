//! The sector layer's model (`docs/model.md`, "The sector layer"): sectors that turn
//! materials, and other sectors' output, into output and value added.
//!
//! Plain data built by the scenario layer, checked by [`SectorParams::new`] so the
//! simulation never sees an invalid value. Pure; depends only on the parent module.

use super::{ParamError, SectorId, non_neg};

/// Identity of a sector, the same under every strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct SectorInfo {
    /// Id as written in the file (unique among materials and sectors).
    pub id: SectorId,
    /// Human name.
    pub name: String,
    /// Unit of its output (e.g. `vehicles`).
    pub unit: String,
}

/// An input of a sector: a material or another sector, by dense index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    /// Material `m` (an index into `Scenario::materials`).
    Material(usize),
    /// Sector `k` (an index into `Scenario::sectors`).
    Sector(usize),
}

/// Parameters of one sector under one strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct SectorParams {
    annual_output: f64,
    value_added: f64,
    buffer_days: f64,
    refill_rate: f64,
    priority: u32,
    uses: Vec<(Input, f64)>,
}

impl SectorParams {
    /// Checks and builds: `annual_output > 0`, `value_added`, `buffer_days`,
    /// `refill_rate` and every use `>= 0`, `priority >= 1`, each input at most once.
    ///
    /// # Errors
    /// The first value out of its bounds.
    pub fn new(
        annual_output: f64,
        value_added: f64,
        buffer_days: f64,
        refill_rate: f64,
        priority: u32,
        uses: Vec<(Input, f64)>,
    ) -> Result<SectorParams, ParamError> {
        if !(annual_output.is_finite() && annual_output > 0.0) {
            return Err(ParamError(format!(
                "`annual_output` must be a finite number > 0, got {annual_output}"
            )));
        }
        non_neg("value_added", value_added)?;
        non_neg("buffer_days", buffer_days)?;
        non_neg("refill_rate", refill_rate)?;
        if priority < 1 {
            return Err(ParamError("`priority` must be at least 1".into()));
        }
        for (i, &(input, u)) in uses.iter().enumerate() {
            non_neg("uses", u)?;
            if uses[..i].iter().any(|(j, _)| *j == input) {
                return Err(ParamError(format!(
                    "input {input:?} listed twice in `uses`"
                )));
            }
        }
        Ok(SectorParams {
            annual_output,
            value_added,
            buffer_days,
            refill_rate,
            priority,
            uses,
        })
    }

    /// Units of output per year when nothing is short.
    pub fn annual_output(&self) -> f64 {
        self.annual_output
    }

    /// Daily output target `y = annual_output / 365`.
    pub fn daily_output(&self) -> f64 {
        self.annual_output / 365.0
    }

    /// Value added (money) per unit of output.
    pub fn value_added(&self) -> f64 {
        self.value_added
    }

    /// Target of the buffer of inputs, in days of output.
    pub fn buffer_days(&self) -> f64 {
        self.buffer_days
    }

    /// Days of output the buffer regains per day on which every input arrives in full.
    pub fn refill_rate(&self) -> f64 {
        self.refill_rate
    }

    /// Rationing tier: 1 is served first.
    pub fn priority(&self) -> u32 {
        self.priority
    }

    /// Inputs and the amount of each per unit of output.
    pub fn uses(&self) -> &[(Input, f64)] {
        &self.uses
    }
}
