//! Per-replication metrics of one material under one strategy (MODEL.md §5).

/// The metrics of MODEL.md §5, in a fixed order (the columns of [`MetricsRow`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Units of demand not served over the horizon.
    ShortfallUnits,
    /// Shortfall as percent of total demand over the horizon.
    ShortfallPct,
    /// Largest daily shortfall as percent of that day's demand.
    MaxDailyShortfallPct,
    /// Days with a positive shortfall.
    DaysShort,
    /// Time to survive: days from the first supply-loss onset to the first shortfall.
    TtsDays,
    /// Longest recovery over the shortfall episodes; absent when demand was always met.
    RecoveryDays,
    /// Lowest end-of-day stockpile as percent of its target.
    StockpileMinPct,
    /// Days from the first hitting onset until the stockpile is back at target.
    RestockDays,
    /// Cost of holding private stock and stockpile.
    HoldingCost,
    /// Cost of everything dispatched by suppliers.
    ProcurementCost,
    /// Extra cost of substituted units.
    SubstitutionCost,
    /// Shortfall units times the shortage cost.
    ShortageCost,
    /// Holding + procurement + substitution + shortage cost of this material.
    TotalCost,
}

/// Number of metrics.
pub const N_METRICS: usize = 13;

impl Metric {
    /// All metrics, in column order.
    pub const ALL: [Metric; N_METRICS] = [
        Metric::ShortfallUnits,
        Metric::ShortfallPct,
        Metric::MaxDailyShortfallPct,
        Metric::DaysShort,
        Metric::TtsDays,
        Metric::RecoveryDays,
        Metric::StockpileMinPct,
        Metric::RestockDays,
        Metric::HoldingCost,
        Metric::ProcurementCost,
        Metric::SubstitutionCost,
        Metric::ShortageCost,
        Metric::TotalCost,
    ];

    /// Name as used in output files (MODEL.md §5).
    pub fn name(self) -> &'static str {
        match self {
            Metric::ShortfallUnits => "shortfall_units",
            Metric::ShortfallPct => "shortfall_pct",
            Metric::MaxDailyShortfallPct => "max_daily_shortfall_pct",
            Metric::DaysShort => "days_short",
            Metric::TtsDays => "tts_days",
            Metric::RecoveryDays => "recovery_days",
            Metric::StockpileMinPct => "stockpile_min_pct",
            Metric::RestockDays => "restock_days",
            Metric::HoldingCost => "holding_cost",
            Metric::ProcurementCost => "procurement_cost",
            Metric::SubstitutionCost => "substitution_cost",
            Metric::ShortageCost => "shortage_cost",
            Metric::TotalCost => "total_cost",
        }
    }

    /// Looks a metric up by its name.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Column index in a [`MetricsRow`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the metric can be absent in a replication (then it is `NaN` in the row).
    pub fn can_be_absent(self) -> bool {
        matches!(
            self,
            Metric::TtsDays | Metric::RecoveryDays | Metric::StockpileMinPct | Metric::RestockDays
        )
    }

    /// Whether the metric is money.
    pub fn is_cost(self) -> bool {
        matches!(
            self,
            Metric::HoldingCost
                | Metric::ProcurementCost
                | Metric::SubstitutionCost
                | Metric::ShortageCost
                | Metric::TotalCost
        )
    }

    /// The range `[lo, hi]` every value of the metric lies in (`hi` infinite when
    /// unbounded): percentages are 0 to 100, everything else is non-negative. Intervals
    /// of the metric's mean are cut to it (see [`crate::stats::Stats::from_bounded_sample`]).
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Metric::ShortfallPct | Metric::MaxDailyShortfallPct | Metric::StockpileMinPct => {
                (0.0, 100.0)
            }
            _ => (0.0, f64::INFINITY),
        }
    }

    /// Unit for labels.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::ShortfallUnits => "units",
            Metric::ShortfallPct | Metric::MaxDailyShortfallPct | Metric::StockpileMinPct => "%",
            Metric::DaysShort | Metric::TtsDays | Metric::RecoveryDays | Metric::RestockDays => {
                "days"
            }
            _ => "money",
        }
    }
}

/// One replication's metrics for one (strategy, material): a value per [`Metric`] in
/// column order, `NaN` where the metric is absent (see [`Metric::can_be_absent`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricsRow(pub [f64; N_METRICS]);

impl MetricsRow {
    /// The value of one metric (`NaN` when absent).
    #[inline]
    pub fn get(&self, m: Metric) -> f64 {
        self.0[m.index()]
    }

    /// The value of one metric, `None` when absent.
    pub fn value(&self, m: Metric) -> Option<f64> {
        let v = self.0[m.index()];
        (!v.is_nan()).then_some(v)
    }

    /// Whether this replication had any shortfall day.
    pub fn had_shortfall(&self) -> bool {
        self.get(Metric::DaysShort) > 0.0
    }
}
