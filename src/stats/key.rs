//! The typed vocabulary results are keyed by: what is measured ([`Measure`]: a metric of
//! MODEL.md §5, or the strategy's fixed cost), which statistic of it over replications
//! ([`Stat`], as targets name them), and which column of a [`Stats`] a table shows
//! ([`StatColumn`]). Names are written only where a file or a message is produced and
//! parsed only where text comes in (a target, `--metric`, a saved file's header).

use super::sample::Stats;
use super::summary::TotalMetric;
use crate::sim::{Metric, N_METRICS, SectorMetric};

/// What a statistic is taken of: a per-material [`Metric`], or the strategy's fixed cost
/// (totals only). The totals ([`TotalMetric`]) are the measures a strategy's materials
/// add up to, plus that cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// A metric of MODEL.md §5 (for the totals: its sum over materials).
    Metric(Metric),
    /// The strategy's fixed cost over the horizon ([`TotalMetric::StrategyCost`]).
    StrategyCost,
    /// A metric of the sector layer (`docs/model.md`): a sector's own value, or for the
    /// totals `value_added_lost` summed over the sectors (the GDP at risk). Not in
    /// [`Measure::ALL`], whose order is the columns of `sweep.csv`; never
    /// `Sector(SectorMetric::TtsDays)` ([`Measure::parse`] reads `tts_days` as the
    /// [`Metric`], which a sector subject reads as its own, see
    /// [`Measure::sector_metric`]).
    Sector(SectorMetric),
}

/// Number of measures.
pub const N_MEASURES: usize = N_METRICS + 1;

impl Measure {
    /// Every measure, in column order: every [`Metric`], then `strategy_cost`.
    pub const ALL: [Measure; N_MEASURES] = {
        let mut all = [Measure::StrategyCost; N_MEASURES];
        let mut i = 0;
        while i < N_METRICS {
            all[i] = Measure::Metric(Metric::ALL[i]);
            i += 1;
        }
        all
    };

    /// Name as written in targets and output files.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Metric(m) => m.name(),
            Measure::StrategyCost => TotalMetric::StrategyCost.name(),
            Measure::Sector(x) => x.name(),
        }
    }

    /// Looks a measure of [`Measure::ALL`] up by its name.
    pub fn from_name(name: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Looks any measure up by its name, as a target or `--metric` gives it: one of
    /// [`Measure::ALL`], else a sector metric ([`SectorMetric`]; `tts_days` is the
    /// [`Metric`] of that name).
    pub fn parse(name: &str) -> Option<Measure> {
        Measure::from_name(name).or_else(|| SectorMetric::from_name(name).map(Measure::Sector))
    }

    /// Every name [`Measure::parse`] accepts, for messages.
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&str> = Measure::ALL.iter().map(|m| m.name()).collect();
        for x in SectorMetric::ALL {
            if !names.contains(&x.name()) {
                names.push(x.name());
            }
        }
        names
    }

    /// The sector metric this measure names for a sector: a [`Measure::Sector`], or
    /// `tts_days` (a sector's time to survive, named like the materials').
    pub fn sector_metric(self) -> Option<SectorMetric> {
        match self {
            Measure::Sector(x) => Some(x),
            Measure::Metric(m) => SectorMetric::from_name(m.name()),
            Measure::StrategyCost => None,
        }
    }

    /// The per-material metric, if this is one (`strategy_cost` is not).
    pub fn metric(self) -> Option<Metric> {
        match self {
            Measure::Metric(m) => Some(m),
            Measure::StrategyCost | Measure::Sector(_) => None,
        }
    }

    /// The total over materials this measure names, if it has one.
    pub fn total(self) -> Option<TotalMetric> {
        TotalMetric::ALL.into_iter().find(|t| t.measure() == self)
    }

    /// The range every value lies in (see [`Metric::bounds`]); money is non-negative.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Measure::Metric(m) => m.bounds(),
            Measure::StrategyCost => (0.0, f64::INFINITY),
            Measure::Sector(x) => x.bounds(),
        }
    }
}

impl From<Metric> for Measure {
    fn from(m: Metric) -> Measure {
        Measure::Metric(m)
    }
}

impl serde::Serialize for Measure {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A statistic over replications, as a target names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stat {
    /// Mean of the present values.
    Mean,
    /// Percentile `n` (1 to 99; linear interpolation, as in [`Stats`]).
    Quantile(u8),
    /// Mean of the largest 5% of values.
    Cvar95,
    /// Share of present values above zero.
    ProbPositive,
    /// Share of replications with no shortfall day (reads no measure).
    Autonomy,
}

impl Stat {
    /// Looks a statistic up by its name: `mean`, `pNN` (`p1` … `p99`), `cvar95`,
    /// `prob_positive`, `autonomy` (lower case).
    pub fn from_name(s: &str) -> Option<Stat> {
        match s {
            "mean" => Some(Stat::Mean),
            "cvar95" => Some(Stat::Cvar95),
            "prob_positive" => Some(Stat::ProbPositive),
            "autonomy" => Some(Stat::Autonomy),
            _ => {
                let digits = s.strip_prefix('p')?;
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                digits
                    .parse::<u8>()
                    .ok()
                    .filter(|n| (1..=99).contains(n))
                    .map(Stat::Quantile)
            }
        }
    }

    /// Name as written in targets and outputs.
    pub fn name(self) -> String {
        match self {
            Stat::Mean => "mean".into(),
            Stat::Quantile(n) => format!("p{n}"),
            Stat::Cvar95 => "cvar95".into(),
            Stat::ProbPositive => "prob_positive".into(),
            Stat::Autonomy => "autonomy".into(),
        }
    }

    /// Whether the statistic reads a measure (all but `autonomy`).
    pub fn takes_measure(self) -> bool {
        self != Stat::Autonomy
    }

    /// The [`StatColumn`] holding this statistic in tables of [`Stats`] (`None`: no such
    /// column, e.g. `p90`, or `autonomy`, which is a column of its own).
    pub fn column(self) -> Option<StatColumn> {
        match self {
            Stat::Mean => Some(StatColumn::Mean),
            Stat::Quantile(50) => Some(StatColumn::P50),
            Stat::Quantile(95) => Some(StatColumn::P95),
            Stat::Quantile(_) | Stat::Autonomy => None,
            Stat::Cvar95 => Some(StatColumn::Cvar95),
            Stat::ProbPositive => Some(StatColumn::ProbPositive),
        }
    }
}

impl std::fmt::Display for Stat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// A column of a [`Stats`] as the sweep's table shows it (`M_<column>` for a measure `M`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatColumn {
    /// [`Stats::mean`].
    Mean,
    /// [`Stats::se`].
    Se,
    /// Lower end of [`Stats::ci95`].
    Ci95Lo,
    /// Upper end of [`Stats::ci95`].
    Ci95Hi,
    /// [`Stats::p50`].
    P50,
    /// [`Stats::p95`].
    P95,
    /// [`Stats::cvar95`].
    Cvar95,
    /// [`Stats::prob_positive`].
    ProbPositive,
}

/// Number of [`StatColumn`]s.
pub const N_STAT_COLUMNS: usize = 8;

impl StatColumn {
    /// Every column, in table order.
    pub const ALL: [StatColumn; N_STAT_COLUMNS] = [
        StatColumn::Mean,
        StatColumn::Se,
        StatColumn::Ci95Lo,
        StatColumn::Ci95Hi,
        StatColumn::P50,
        StatColumn::P95,
        StatColumn::Cvar95,
        StatColumn::ProbPositive,
    ];

    /// Name as written (the suffix of `M_<column>`).
    pub fn name(self) -> &'static str {
        match self {
            StatColumn::Mean => "mean",
            StatColumn::Se => "se",
            StatColumn::Ci95Lo => "ci95_lo",
            StatColumn::Ci95Hi => "ci95_hi",
            StatColumn::P50 => "p50",
            StatColumn::P95 => "p95",
            StatColumn::Cvar95 => "cvar95",
            StatColumn::ProbPositive => "prob_positive",
        }
    }

    /// Position in [`StatColumn::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The value of this column in `s`.
    pub fn of(self, s: &Stats) -> Option<f64> {
        match self {
            StatColumn::Mean => s.mean,
            StatColumn::Se => s.se,
            StatColumn::Ci95Lo => s.ci95.map(|c| c[0]),
            StatColumn::Ci95Hi => s.ci95.map(|c| c[1]),
            StatColumn::P50 => s.p50,
            StatColumn::P95 => s.p95,
            StatColumn::Cvar95 => s.cvar95,
            StatColumn::ProbPositive => s.prob_positive,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Measure::ALL {
            assert_eq!(Measure::from_name(m.name()), Some(m));
        }
        assert_eq!(Measure::ALL[N_METRICS], Measure::StrategyCost);
        for t in TotalMetric::ALL {
            assert_eq!(t.measure().total(), Some(t));
        }
        assert_eq!(Measure::Metric(Metric::ShortfallPct).total(), None);
        for s in [
            Stat::Mean,
            Stat::Quantile(7),
            Stat::Cvar95,
            Stat::ProbPositive,
            Stat::Autonomy,
        ] {
            assert_eq!(Stat::from_name(&s.name()), Some(s));
        }
        assert_eq!(Stat::from_name("p05"), Some(Stat::Quantile(5)));
        for bad in ["p0", "p100", "p", "p+5", "p 5", "median"] {
            assert_eq!(Stat::from_name(bad), None, "{bad}");
        }
        for (i, c) in StatColumn::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }
}
