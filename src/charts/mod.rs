//! Charts of a run for briefings: shortfall distributions, exceedance curves, recovery
//! and time to survive, stock fan charts, the strategy comparison, cost against risk,
//! and autonomy, and the charts of the analysis commands ([`explore`]; see `docs/charts.md`).
//!
//! Pure: every chart is a function from a [`ChartData`] to an SVG `String`
//! ([`render_svg`]) or PNG bytes ([`render_png`]); nothing here touches the file system
//! (the report layer saves them atomically). Depends on [`crate::model`],
//! [`crate::sim`], [`crate::stats`], [`crate::explore`] (the results it charts), `plotters` (SVG and bitmap backends, `ab_glyph`
//! text with the vendored DejaVu Sans, no fontconfig) and `png`; never on the CLI.
//!
//! [`ChartData`] holds everything the charts read, so the same charts come either from
//! a fresh run ([`ChartData::from_run`]) or from the files a run saved (built by
//! `crate::report::saved`), without simulating again. Its per-replication samples are
//! not held in memory: a [`Samples`] source (the run's replications, a spill file, the
//! columns of a saved `replications.csv`) gives one column when a chart asks for it, so
//! memory does not grow with strategies × materials × replications (docs/storage.md).

mod draw;
pub mod explore;
mod layout;
pub mod sectors;

use crate::model::{Bucket, Scenario};
use crate::sim::{Metric, Replications, Series};
use crate::stats::{DailyBand, Summary, TotalMetric, metric_column, quantile_sorted, total_column};
use plotters::prelude::*;
use plotters::style::RGBColor;
use std::sync::{Arc, Once};

/// Default size of a chart in pixels: 1600 × 900 (16:9, readable on a slide).
pub const DEFAULT_SIZE: (u32, u32) = (1600, 900);

/// The Okabe–Ito palette (colour-blind safe), in the order strategies take it, then two
/// dark colours of Paul Tol's muted scheme for a ninth and tenth strategy: strategy `i`
/// always has colour `i % 10`, in every chart. Yellow comes eighth (weak on white).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 0, 0),       // black
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 114, 178),   // blue
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(240, 228, 66),  // yellow
    RGBColor(136, 34, 85),   // wine
    RGBColor(153, 153, 51),  // olive
];

/// Colour of strategy `s` ([`PALETTE`], cycling).
pub fn strategy_color(s: usize) -> RGBColor {
    PALETTE[s % PALETTE.len()]
}

/// The colour of strategy `s` as CSS hex (`#rrggbb`), for the HTML report.
pub fn strategy_css_color(s: usize) -> String {
    let RGBColor(r, g, b) = strategy_color(s);
    format!("#{r:02x}{g:02x}{b:02x}")
}

static FONTS: Once = Once::new();

/// Registers the vendored DejaVu Sans (regular and bold) as `sans-serif` with plotters.
/// Idempotent; every renderer calls it before drawing text.
pub fn register_fonts() {
    FONTS.call_once(|| {
        // The bytes are a known-good TTF compiled into the binary: failure is a build bug.
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        )
        .unwrap_or_else(|_| panic!("vendored DejaVuSans.ttf does not parse"));
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Bold,
            include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
        )
        .unwrap_or_else(|_| panic!("vendored DejaVuSans-Bold.ttf does not parse"));
    });
}

/// What reading a column of per-replication samples can fail with (an I/O error or a
/// checksum mismatch of the store behind it).
pub type SampleError = Box<dyn std::error::Error + Send + Sync>;

/// Where the per-replication samples of the charts and the report come from, read one
/// column at a time when they are needed (so that only the columns in use are in
/// memory). Every implementation gives the same bits for the same run.
pub trait Samples: Send + Sync {
    /// Values of `metric` (one of [`SAMPLE_METRICS`]) for strategy `s` and material
    /// `m`, one per replication in replication order, `NaN` where absent.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn metric(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, SampleError>;

    /// Strategy `s`'s total cost per replication (as [`crate::stats::total_column`] and
    /// `replications.csv`'s `strategy_total_cost`).
    ///
    /// # Errors
    /// When the store cannot be read.
    fn total_cost(&self, s: usize) -> Result<Vec<f64>, SampleError>;

    /// The sector layer: strategy `s`'s value added lost summed over the sectors, per
    /// replication (the GDP at risk,
    /// [`crate::stats::summary::value_added_lost_column`]); empty without sectors, or
    /// when the store does not carry it.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn gdp_at_risk(&self, _s: usize) -> Result<Vec<f64>, SampleError> {
        Ok(Vec::new())
    }

    /// Whether [`Samples::gdp_at_risk`] gives values (without reading them).
    fn has_gdp_at_risk(&self) -> bool {
        false
    }
}

/// [`Samples`] read from a run's [`Replications`] (in memory, a spill file, a chain of
/// shards' spill files).
struct RunSamples<'a, R: ?Sized> {
    scn: Scenario,
    res: &'a R,
}

impl<R: Replications + ?Sized> Samples for RunSamples<'_, R> {
    fn metric(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, SampleError> {
        Ok(metric_column(self.res, s, m, metric)?)
    }

    fn total_cost(&self, s: usize) -> Result<Vec<f64>, SampleError> {
        Ok(total_column(
            &self.scn,
            self.res,
            s,
            TotalMetric::TotalCost,
        )?)
    }

    fn has_gdp_at_risk(&self) -> bool {
        !self.scn.sectors().is_empty()
    }

    fn gdp_at_risk(&self, s: usize) -> Result<Vec<f64>, SampleError> {
        if self.scn.sectors().is_empty() {
            return Ok(Vec::new());
        }
        Ok(crate::stats::summary::value_added_lost_column(
            &self.scn, self.res, s,
        )?)
    }
}

/// [`Samples`] held in memory, `[strategy][material][replication]` for each of
/// [`SAMPLE_METRICS`] and `[strategy][replication]` for the total cost (small runs and
/// tests).
#[derive(Debug, Clone, PartialEq)]
pub struct SampleColumns {
    /// `shortfall_pct`, `recovery_days` and `tts_days` (the order of
    /// [`SAMPLE_METRICS`]), each `[strategy][material][replication]`.
    pub metrics: [Vec<Vec<Vec<f64>>>; 3],
    /// Each strategy's total cost per replication.
    pub total_cost: Vec<Vec<f64>>,
}

impl Samples for SampleColumns {
    fn metric(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, SampleError> {
        let k = SAMPLE_METRICS
            .iter()
            .position(|&x| x == metric)
            .ok_or_else(|| format!("{} is not a chart sample metric", metric.name()))?;
        Ok(self.metrics[k][s][m].clone())
    }

    fn total_cost(&self, s: usize) -> Result<Vec<f64>, SampleError> {
        Ok(self.total_cost[s].clone())
    }
}

/// Everything the charts read: the run's summary, the materials' buckets, the
/// per-replication samples the distributions need (read from [`Samples`] when a chart
/// draws), and the daily stock bands.
#[derive(Clone)]
pub struct ChartData<'a> {
    /// The run's summary (strategies, materials, statistics, paired comparisons).
    pub summary: Summary,
    /// Index of the reference strategy in `summary.strategies`.
    pub reference: usize,
    /// Reporting bucket of each material, indexed like the summary's materials.
    pub buckets: Vec<Option<Bucket>>,
    /// Short label of each strategy (the scenario's `short_label`, else its label),
    /// indexed like the summary's strategies: panel titles and labels beside points.
    pub short_labels: Vec<String>,
    /// The per-replication samples ([`SAMPLE_METRICS`] and the total cost), read a
    /// column at a time.
    pub samples: Arc<dyn Samples + 'a>,
    /// Daily quantiles (P5, P25, P50, P75, P95) of private stock plus stockpile,
    /// `[strategy][material][day]`; empty when the run kept no daily bands.
    pub stock_bands: Vec<Vec<Vec<[Option<f64>; 5]>>>,
}

impl std::fmt::Debug for ChartData<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChartData")
            .field("summary", &self.summary)
            .field("reference", &self.reference)
            .field("buckets", &self.buckets)
            .field("short_labels", &self.short_labels)
            .field("stock_bands", &self.stock_bands)
            .finish_non_exhaustive()
    }
}

/// The per-replication metrics [`ChartData`] reads.
pub const SAMPLE_METRICS: [Metric; 3] =
    [Metric::ShortfallPct, Metric::RecoveryDays, Metric::TtsDays];

/// The daily stock bands of a run as [`ChartData::stock_bands`] holds them: total stock
/// only, `[strategy][material][day]`, empty when there are none.
pub fn stock_bands(ns: usize, nm: usize, bands: &[DailyBand]) -> Vec<Vec<Vec<[Option<f64>; 5]>>> {
    let mut stock_bands: Vec<Vec<Vec<[Option<f64>; 5]>>> = vec![vec![Vec::new(); nm]; ns];
    for b in bands.iter().filter(|b| b.series == Series::TotalStock) {
        let v = &mut stock_bands[b.strategy][b.material];
        if v.len() <= b.day {
            v.resize(b.day + 1, [None; 5]);
        }
        v[b.day] = b.q;
    }
    if stock_bands.iter().flatten().all(Vec::is_empty) {
        stock_bands.clear();
    }
    stock_bands
}

impl<'a> ChartData<'a> {
    /// The chart data of a fresh run: its summary and bands, and its replications `res`
    /// as the [`Samples`] (read when a chart draws, nothing copied now). `bands` are the
    /// run's daily bands ([`crate::stats::daily_bands`]), or empty when it kept none.
    pub fn from_run<R: Replications + ?Sized>(
        scn: &Scenario,
        res: &'a R,
        summary: &Summary,
        bands: &[DailyBand],
    ) -> ChartData<'a> {
        ChartData::with_samples(
            scn,
            summary.clone(),
            Arc::new(RunSamples {
                scn: scn.clone(),
                res,
            }),
            stock_bands(scn.strategies().len(), scn.materials().len(), bands),
        )
    }

    /// The chart data of a run of `scn` from its parts.
    pub fn with_samples(
        scn: &Scenario,
        summary: Summary,
        samples: Arc<dyn Samples + 'a>,
        stock_bands: Vec<Vec<Vec<[Option<f64>; 5]>>>,
    ) -> ChartData<'a> {
        ChartData {
            summary,
            reference: scn.reference(),
            buckets: scn.materials().iter().map(|m| m.bucket).collect(),
            short_labels: scn
                .strategies()
                .iter()
                .map(|s| s.short_label.clone())
                .collect(),
            samples,
            stock_bands,
        }
    }

    /// Values of `metric` (one of [`SAMPLE_METRICS`]) for strategy `s` and material `m`,
    /// one per replication, `NaN` where absent ([`Samples::metric`]).
    ///
    /// # Errors
    /// When the samples cannot be read.
    pub fn column(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, SampleError> {
        self.samples.metric(s, m, metric)
    }

    /// Strategy `s`'s GDP at risk per replication ([`Samples::gdp_at_risk`]); empty
    /// without sectors.
    ///
    /// # Errors
    /// When the samples cannot be read.
    pub fn gdp_at_risk(&self, s: usize) -> Result<Vec<f64>, SampleError> {
        self.samples.gdp_at_risk(s)
    }

    /// Number of strategies.
    pub fn n_strategies(&self) -> usize {
        self.summary.strategies.len()
    }

    /// Number of materials.
    pub fn n_materials(&self) -> usize {
        self.summary
            .strategies
            .first()
            .map_or(0, |s| s.materials.len())
    }

    /// Label of strategy `s`.
    pub fn strategy_label(&self, s: usize) -> &str {
        &self.summary.strategies[s].label
    }

    /// Short label of strategy `s` (its label when none was given).
    pub fn strategy_short(&self, s: usize) -> &str {
        self.short_labels
            .get(s)
            .map_or_else(|| self.strategy_label(s), String::as_str)
    }

    /// Legend text of strategy `s`: its label, led by the short label when the panels
    /// use one that the label does not start with.
    pub fn strategy_legend_text(&self, s: usize) -> String {
        let (label, short) = (self.strategy_label(s), self.strategy_short(s));
        if label.starts_with(short) {
            label.to_string()
        } else {
            format!("{short}: {label}")
        }
    }

    /// Name of material `m`.
    pub fn material_name(&self, m: usize) -> &str {
        &self.summary.strategies[0].materials[m].name
    }

    /// Unit of material `m`.
    pub fn material_unit(&self, m: usize) -> &str {
        &self.summary.strategies[0].materials[m].unit
    }

    /// Caption line shared by every chart: scenario, futures, seed.
    pub fn caption(&self) -> String {
        format!(
            "Scenario: {} · {} simulated futures · seed {} · horizon {} days",
            self.summary.scenario,
            self.summary.replications,
            self.summary.seed,
            self.summary.horizon_days
        )
    }
}

/// The present values of a sample, sorted ascending.
pub fn sorted_present(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Distribution-free 95% interval of the `p`-quantile of an ascending sample: the order
/// statistics at ranks `n p ± 1.96 sqrt(n p (1 - p))` (normal approximation to the
/// binomial), clamped to the sample. `None` for an empty sample.
pub fn quantile_ci95(sorted: &[f64], p: f64) -> Option<[f64; 2]> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let half = 1.96 * (nf * p * (1.0 - p)).sqrt();
    let lo = ((nf * p - half).floor().max(1.0) as usize - 1).min(n - 1);
    let hi = ((nf * p + half).ceil().max(1.0) as usize - 1).min(n - 1);
    Some([sorted[lo], sorted[hi]])
}

/// Five-number summary P5, P25, P50, P75, P95 of an ascending, non-empty sample.
pub fn five_numbers(sorted: &[f64]) -> [f64; 5] {
    [0.05, 0.25, 0.5, 0.75, 0.95].map(|q| quantile_sorted(sorted, q))
}

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Histograms of shortfall % of demand, per material and strategy.
    ShortfallDistribution,
    /// P(shortfall > x) per strategy, log scale.
    Exceedance,
    /// Recovery time and time to survive, box and whiskers.
    Durations,
    /// Fan chart of private stock plus stockpile of one material, per strategy.
    StockFan {
        /// Material index.
        material: usize,
    },
    /// Mean and P95 shortfall with intervals, and the paired difference.
    Comparison,
    /// Expected total cost against CVaR95 shortfall, with the efficient frontier.
    CostRisk,
    /// Autonomy per material and strategy, grouped by bucket.
    Autonomy,
    /// The sector layer: expected value added lost per sector and strategy, with 95%
    /// intervals, and its total (the GDP at risk).
    SectorValueAdded,
    /// The sector layer: P(GDP at risk > x) per strategy, log scale.
    GdpExceedance,
}

/// One chart to draw: what, its file stem, and its title.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    /// Which chart.
    pub kind: ChartKind,
    /// File stem (`charts/<name>.svg`, `.png`), also the HTML anchor.
    pub name: String,
    /// Plain-words title.
    pub title: String,
}

/// The charts of a run, in report order. Fan charts need daily bands and are left out
/// without them.
pub fn chart_list(data: &ChartData<'_>) -> Vec<ChartSpec> {
    let spec = |kind, name: &str, title: String| ChartSpec {
        kind,
        name: name.to_string(),
        title,
    };
    let mut v = Vec::new();
    // With sectors the report leads with value added: their charts come first.
    if sectors::has_sectors(data) {
        v.push(spec(
            ChartKind::SectorValueAdded,
            "sector_value_added",
            "Value added at risk: what each sector is expected to lose, per strategy".into(),
        ));
        if data.samples.has_gdp_at_risk() {
            v.push(spec(
                ChartKind::GdpExceedance,
                "gdp_at_risk_exceedance",
                "How likely is a loss of value added larger than x?".into(),
            ));
        }
    }
    v.extend([
        spec(
            ChartKind::ShortfallDistribution,
            "shortfall_distribution",
            "How large are shortfalls when they happen?".into(),
        ),
        spec(
            ChartKind::Exceedance,
            "exceedance",
            "How likely is a shortfall larger than x?".into(),
        ),
        spec(
            ChartKind::Comparison,
            "comparison",
            "Strategies compared: expected and bad-case (P95) shortfall".into(),
        ),
        spec(
            ChartKind::CostRisk,
            "cost_risk",
            "What does each strategy cost, and how much tail risk is left?".into(),
        ),
        spec(
            ChartKind::Autonomy,
            "autonomy",
            "Autonomy: share of futures with no shortfall".into(),
        ),
        spec(
            ChartKind::Durations,
            "durations",
            "How long until the shortfall starts, and how long to recover?".into(),
        ),
    ]);
    if !data.stock_bands.is_empty() {
        for m in 0..data.n_materials() {
            let id = &data.summary.strategies[0].materials[m].id;
            v.push(spec(
                ChartKind::StockFan { material: m },
                &format!("stock_{}", sanitize(id.as_str())),
                format!(
                    "{}: private stock plus stockpile over time",
                    data.material_name(m)
                ),
            ));
        }
    }
    v
}

/// `id` with every character outside `[A-Za-z0-9_-]` replaced by `_` (file names).
fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("could not draw chart '{chart}': {message}")]
pub struct ChartError {
    /// File stem of the chart.
    pub chart: String,
    /// What went wrong.
    pub message: String,
}

type DrawResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn draw_any<DB: DrawingBackend>(
    spec: &ChartSpec,
    data: &ChartData,
    root: &DrawingArea<DB, plotters::coord::Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match spec.kind {
        ChartKind::ShortfallDistribution => draw::shortfall_distribution(root, spec, data),
        ChartKind::Exceedance => draw::exceedance(root, spec, data),
        ChartKind::Durations => draw::durations(root, spec, data),
        ChartKind::StockFan { material } => draw::stock_fan(root, spec, data, material),
        ChartKind::Comparison => draw::comparison(root, spec, data),
        ChartKind::CostRisk => draw::cost_risk(root, spec, data),
        ChartKind::Autonomy => draw::autonomy(root, spec, data),
        ChartKind::SectorValueAdded => sectors::value_added(root, spec, data),
        ChartKind::GdpExceedance => sectors::gdp_exceedance(root, spec, data),
    }?;
    root.present()?;
    Ok(())
}

/// Renders a chart as an SVG document (starts with `<svg`, so it can be inlined in HTML).
///
/// # Errors
/// [`ChartError`] if plotters fails to draw.
pub fn render_svg(
    spec: &ChartSpec,
    data: &ChartData,
    size: (u32, u32),
) -> Result<String, ChartError> {
    svg_with(&spec.name, size, |root| draw_any(spec, data, root))
}

/// Renders a chart as PNG bytes (8-bit RGB).
///
/// # Errors
/// [`ChartError`] if plotters fails to draw or the PNG cannot be encoded.
pub fn render_png(
    spec: &ChartSpec,
    data: &ChartData,
    size: (u32, u32),
) -> Result<Vec<u8>, ChartError> {
    png_with(&spec.name, size, |root| draw_any(spec, data, root))
}

fn named_err(name: &str, e: impl std::fmt::Display) -> ChartError {
    ChartError {
        chart: name.to_string(),
        message: e.to_string(),
    }
}

/// Draws with `draw` on an SVG canvas of `size` and returns the document; `name` names
/// the chart in errors.
fn svg_with<F>(name: &str, size: (u32, u32), draw: F) -> Result<String, ChartError>
where
    F: for<'a> FnOnce(&DrawingArea<SVGBackend<'a>, plotters::coord::Shift>) -> DrawResult,
{
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root).map_err(|e| named_err(name, e))?;
    }
    Ok(out)
}

/// Draws with `draw` on an RGB bitmap of `size` and returns it PNG-encoded.
fn png_with<F>(name: &str, size: (u32, u32), draw: F) -> Result<Vec<u8>, ChartError>
where
    F: for<'a> FnOnce(&DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>) -> DrawResult,
{
    register_fonts();
    let (w, h) = size;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        draw(&root).map_err(|e| named_err(name, e))?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| named_err(name, e))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| named_err(name, e))?;
        writer.finish().map_err(|e| named_err(name, e))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
