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

/// The per-replication metrics of one sector under one strategy (`docs/model.md`, the
/// sector layer), in a fixed order: a sector's row in a run is a [`MetricsRow`] whose
/// first [`N_SECTOR_METRICS`] columns hold them (the rest are 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectorMetric {
    /// Units of output not made over the horizon.
    OutputLost,
    /// Output lost as percent of the horizon's target output.
    OutputLostPct,
    /// Output lost times the sector's value added (money).
    ValueAddedLost,
    /// Days on which output was below target.
    DaysOutputReduced,
    /// Days from the first supply-loss onset hitting a material upstream of the sector
    /// to its first day of reduced output; absent when output never fell.
    TtsDays,
}

/// Number of sector metrics.
pub const N_SECTOR_METRICS: usize = 5;

impl SectorMetric {
    /// All sector metrics, in column order.
    pub const ALL: [SectorMetric; N_SECTOR_METRICS] = [
        SectorMetric::OutputLost,
        SectorMetric::OutputLostPct,
        SectorMetric::ValueAddedLost,
        SectorMetric::DaysOutputReduced,
        SectorMetric::TtsDays,
    ];

    /// Name as used in output files.
    pub fn name(self) -> &'static str {
        match self {
            SectorMetric::OutputLost => "output_lost",
            SectorMetric::OutputLostPct => "output_lost_pct",
            SectorMetric::ValueAddedLost => "value_added_lost",
            SectorMetric::DaysOutputReduced => "days_output_reduced",
            SectorMetric::TtsDays => "tts_days",
        }
    }

    /// Looks a sector metric up by its name.
    pub fn from_name(name: &str) -> Option<SectorMetric> {
        SectorMetric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Column index in a sector's [`MetricsRow`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The [`Metric`] whose column holds this one in a sector's row: how a sector's
    /// values are read through the per-column interfaces (`Replications::column`,
    /// `Block::column`), which index rows by material metric.
    pub fn column(self) -> Metric {
        Metric::ALL[self.index()]
    }

    /// Whether the metric can be absent (then `NaN`).
    pub fn can_be_absent(self) -> bool {
        self == SectorMetric::TtsDays
    }

    /// Whether the metric is money.
    pub fn is_cost(self) -> bool {
        self == SectorMetric::ValueAddedLost
    }

    /// The range every value lies in (see [`Metric::bounds`]).
    pub fn bounds(self) -> (f64, f64) {
        match self {
            SectorMetric::OutputLostPct => (0.0, 100.0),
            _ => (0.0, f64::INFINITY),
        }
    }

    /// Unit for labels (`units` is the sector's unit of output).
    pub fn unit(self) -> &'static str {
        match self {
            SectorMetric::OutputLost => "units",
            SectorMetric::OutputLostPct => "%",
            SectorMetric::ValueAddedLost => "money",
            SectorMetric::DaysOutputReduced | SectorMetric::TtsDays => "days",
        }
    }
}
