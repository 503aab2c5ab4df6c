//! The recommendation that opens `report.html`: one paragraph a minister reads in 30
//! seconds. Which strategy is best on the scenario's criterion (`criterion`, expected
//! total cost by default, and the budget `max_annual_cost`), how sure that is against the
//! runner-up (the paired 95% interval of the difference and the share of futures in which
//! it does better), what it costs a year, and what it buys against the reference (days of
//! cover, expected shortfall avoided, shortage cost avoided). When the top two cannot be
//! told apart, it says so and how many futures would separate them.
//!
//! Every number is written with no digit finer than its interval supports
//! ([`crate::numfmt::money_within`], [`crate::numfmt::pct_within`]). Deterministic: the
//! paired comparisons run over the per-replication columns in replication order, and the
//! bootstrap of a P95 criterion uses a fixed seed.
//!
//! Pure: results in, markup out (every name [`escape`]d). Depends on [`crate::charts`]
//! (the run's per-replication shortfall), [`crate::model`], [`crate::stats`] and
//! [`crate::numfmt`].

use super::escape;
use crate::charts::{ChartData, SampleError};
use crate::model::{RankBy, Scenario};
use crate::numfmt::{grouped, money, money_within, pct_within, sig};
use crate::sim::Metric;
use crate::stats::{Paired, TotalMetric, paired_quantile_diff, quantile_sorted};

/// Seed of the bootstrap behind a P95 criterion's interval (fixed, so the page is the
/// same bits every time it is rendered).
pub const BOOTSTRAP_SEED: u64 = 20_261_201;

/// More futures than this are not offered as a way to separate two strategies.
const MAX_FUTURES: f64 = 1e8;

/// The values the criterion ranks, one column per strategy, one value per replication:
/// the total cost (`total_cost`, as `replications.csv`'s `strategy_total_cost`) for
/// `expected_total_cost`; the shortfall (% of demand) of the material hit hardest in each
/// future for `p95_shortfall`. Read from the run's samples one column at a time.
///
/// # Errors
/// When the samples cannot be read.
pub fn criterion_columns(data: &ChartData, scn: &Scenario) -> Result<Vec<Vec<f64>>, SampleError> {
    (0..data.n_strategies())
        .map(|s| match scn.criterion().rank_by {
            RankBy::ExpectedTotalCost => data.samples.total_cost(s),
            RankBy::P95Shortfall => {
                let mut worst: Vec<f64> = Vec::new();
                for m in 0..data.n_materials() {
                    let col = data.column(s, m, Metric::ShortfallPct)?;
                    if m == 0 {
                        worst = vec![f64::NAN; col.len()];
                    }
                    for (w, v) in worst.iter_mut().zip(col) {
                        if !v.is_nan() {
                            *w = w.max(v);
                        }
                    }
                }
                Ok(worst)
            }
        })
        .collect()
}

/// The criterion's score of one column: the mean, or the 95th percentile; `None` when the
/// column holds no value.
fn score(rank_by: RankBy, col: &[f64]) -> Option<f64> {
    let mut xs: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
    if xs.is_empty() {
        return None;
    }
    Some(match rank_by {
        RankBy::ExpectedTotalCost => xs.iter().sum::<f64>() / xs.len() as f64,
        RankBy::P95Shortfall => {
            xs.sort_by(f64::total_cmp);
            quantile_sorted(&xs, 0.95)
        }
    })
}

/// The comparison of the best strategy with another: the difference of the criterion
/// (best minus other, negative when the best is lower), its paired 95% interval, and the
/// per-future shares of the paired comparison.
struct Versus {
    diff: f64,
    ci: Option<[f64; 2]>,
    per_future: Paired,
}

fn versus(rank_by: RankBy, a: &[f64], b: &[f64]) -> Option<Versus> {
    let per_future = Paired::from_pairs(a, b);
    let (diff, ci) = match rank_by {
        RankBy::ExpectedTotalCost => (per_future.mean_diff?, per_future.ci95),
        RankBy::P95Shortfall => paired_quantile_diff(a, b, 0.95, BOOTSTRAP_SEED)?,
    };
    Some(Versus {
        diff,
        ci,
        per_future,
    })
}

/// Half-width of an interval (0 without one).
fn half_width(ci: Option<[f64; 2]>) -> f64 {
    ci.map_or(0.0, |[lo, hi]| (hi - lo) / 2.0)
}

/// The criterion's amounts in words: money with the currency, or points of demand.
fn amount(rank_by: RankBy, x: f64, hw: f64, currency: &str) -> String {
    match rank_by {
        RankBy::ExpectedTotalCost => format!("{} {}", money_within(x, hw), escape(currency)),
        RankBy::P95Shortfall => pct_within(x, hw),
    }
}

/// As [`amount`] without the currency (inside an interval after an amount).
fn bare(rank_by: RankBy, x: f64, hw: f64) -> String {
    match rank_by {
        RankBy::ExpectedTotalCost => money_within(x, hw),
        RankBy::P95Shortfall => pct_within(x, hw),
    }
}

/// A share of futures as a whole percent (`<1%` and `>99%` near the ends).
fn share(p: f64) -> String {
    let pct = 100.0 * p;
    if pct > 0.0 && pct < 0.5 {
        "under 1%".into()
    } else if (99.5..100.0).contains(&pct) {
        "over 99%".into()
    } else {
        format!("{pct:.0}%")
    }
}

/// Futures needed for the paired interval to exclude zero, if the difference holds:
/// the half-width shrinks as `1/sqrt(n)`, so `n · (hw / |diff|)²`, to two significant
/// digits; `None` when no practical number would do (a zero difference, or more than
/// `MAX_FUTURES`).
pub fn futures_to_separate(n: u64, diff: f64, hw: f64) -> Option<u64> {
    if diff == 0.0 || !(hw > 0.0) {
        return None;
    }
    let need = n as f64 * (hw / diff.abs()).powi(2);
    if !(need <= MAX_FUTURES) {
        return None;
    }
    sig(need.max(n as f64 + 1.0), 2)
        .parse::<f64>()
        .ok()
        .map(|v| v.ceil() as u64)
}

/// The paragraph, as markup; `None` when the run has no strategy with a score.
///
/// # Errors
/// When the run's samples cannot be read.
pub fn recommendation(data: &ChartData, scn: &Scenario) -> Result<Option<String>, SampleError> {
    let cols = criterion_columns(data, scn)?;
    Ok(recommendation_of(data, scn, &cols))
}

/// [`recommendation`] from the criterion's columns ([`criterion_columns`]).
fn recommendation_of(data: &ChartData, scn: &Scenario, cols: &[Vec<f64>]) -> Option<String> {
    let sum = &data.summary;
    let crit = scn.criterion();
    let rank_by = crit.rank_by;
    let cur = &sum.currency;
    let n = sum.replications;
    let ns = sum.strategies.len().min(cols.len());
    let label = |s: usize| format!("<b>{}</b>", escape(&sum.strategies[s].label));
    let within_budget = |s: usize| {
        crit.max_annual_cost
            .is_none_or(|b| sum.strategies[s].annual_cost <= b)
    };
    let mut ranked: Vec<(usize, f64)> = (0..ns)
        .filter(|&s| within_budget(s))
        .filter_map(|s| score(rank_by, &cols[s]).map(|v| (s, v)))
        .collect();
    // Lowest first; ties keep scenario order (a stable sort).
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    let criterion_words = match rank_by {
        RankBy::ExpectedTotalCost => format!(
            "expected total cost over the {} days (strategy cost plus the shortage, stock, \
             purchase and substitution costs it leads to)",
            sum.horizon_days
        ),
        RankBy::P95Shortfall => "the 1-in-20 bad case (P95) of the shortfall, as % of \
             demand, in the material hit hardest"
            .to_string(),
    };
    let excluded = ns - (0..ns).filter(|&s| within_budget(s)).count();
    let budget = crit.max_annual_cost.map_or(String::new(), |b| {
        format!(
            " costing at most {} {} a year{}",
            money(b),
            escape(cur),
            if excluded > 0 {
                format!(" ({excluded} dearer set aside)")
            } else {
                String::new()
            }
        )
    });
    let Some(&(best, best_score)) = ranked.first() else {
        return crit.max_annual_cost.map(|b| {
            format!(
                "<b>No recommendation:</b> no strategy costs at most {} {} a year, the \
                 scenario's budget.",
                money(b),
                escape(cur)
            )
        });
    };
    let mut out = Vec::new();
    let runner = ranked.get(1).map(|&(s, _)| s);
    let vs = runner.and_then(|q| versus(rank_by, &cols[best], &cols[q]).map(|v| (q, v)));
    let hw = vs.as_ref().map_or(0.0, |(_, v)| half_width(v.ci));
    let own_hw = match rank_by {
        RankBy::ExpectedTotalCost => half_width(
            sum.strategies[best]
                .total
                .metrics
                .get(TotalMetric::TotalCost.name())
                .and_then(|x| x.ci95),
        ),
        RankBy::P95Shortfall => hw,
    };
    out.push(format!(
        "<b>Recommendation: {}.</b> Of the {} strategies{budget}, it is the best on the \
         scenario's criterion, {}: {}.",
        escape(&sum.strategies[best].label),
        ranked.len(),
        criterion_words,
        amount(rank_by, best_score, own_hw, cur),
    ));
    match &vs {
        None => {}
        Some((q, v)) => {
            let better = v.per_future.prob_better.unwrap_or(0.0);
            let tied = v.per_future.prob_tied.unwrap_or(0.0);
            let tied_words = if tied >= 0.005 {
                format!(", the same in {}", share(tied))
            } else {
                String::new()
            };
            let clear = v.ci.is_some_and(|[_, hi]| hi < 0.0);
            if clear {
                let [lo, hi] = v.ci.unwrap_or([v.diff, v.diff]);
                out.push(format!(
                    "It beats the runner-up, {}, by {} (95% interval {} to {}), and does \
                     better in {} of the {} simulated futures{tied_words}{}.",
                    label(*q),
                    amount(rank_by, -v.diff, hw, cur),
                    bare(rank_by, -hi, hw),
                    bare(rank_by, -lo, hw),
                    share(better),
                    grouped(n),
                    if better < 0.5 {
                        ": its edge comes from fewer, worse futures"
                    } else {
                        ""
                    },
                ));
            } else {
                let interval =
                    v.ci.map_or("no interval (too few futures)".to_string(), |[lo, hi]| {
                        format!(
                            "a 95% interval from {} to {}",
                            amount(rank_by, lo, hw, cur),
                            amount(rank_by, hi, hw, cur)
                        )
                    });
                out.push(format!(
                    "It cannot be told apart from the runner-up, {}: the difference is {} \
                     with {interval}, which includes zero, and it does better in {} of the \
                     {} futures{tied_words}.",
                    label(*q),
                    amount(rank_by, v.diff, hw, cur),
                    share(better),
                    grouped(n),
                ));
                let cheaper = [best, *q]
                    .into_iter()
                    .min_by(|&a, &b| {
                        sum.strategies[a]
                            .annual_cost
                            .total_cmp(&sum.strategies[b].annual_cost)
                    })
                    .filter(|&c| {
                        sum.strategies[best].annual_cost != sum.strategies[*q].annual_cost
                            || c == best
                    });
                let other_grounds = match cheaper {
                    Some(c)
                        if sum.strategies[best].annual_cost != sum.strategies[*q].annual_cost =>
                    {
                        format!(
                            "choose on what the criterion leaves out: {} costs less a year",
                            label(c)
                        )
                    }
                    _ => "choose on what the criterion leaves out".to_string(),
                };
                out.push(match futures_to_separate(n, v.diff, hw) {
                    Some(k) => format!(
                        "About {} futures ({}× this run) would separate them if the \
                         difference holds; otherwise {other_grounds}.",
                        grouped(k),
                        sig(k as f64 / n as f64, 2)
                    ),
                    None => format!(
                        "No practical number of futures would separate them; \
                         {other_grounds}."
                    ),
                });
            }
        }
    }
    out.push(buys(data, scn, best));
    if let Some(va) = super::sectors::recommendation_sentence(data, best) {
        out.push(va);
    }
    Some(out.join(" "))
}

/// What the best strategy costs a year and what it buys against the reference.
fn buys(data: &ChartData, scn: &Scenario, best: usize) -> String {
    let sum = &data.summary;
    let r = data.reference;
    let cur = escape(&sum.currency);
    let bs = &sum.strategies[best];
    if best == r {
        return format!(
            "It is the reference, {}: on this criterion no alternative pays for its cost \
             ({} {cur} a year).",
            escape(&bs.label),
            money(bs.annual_cost)
        );
    }
    let rs = &sum.strategies[r];
    let mut cover = Vec::new();
    if best < scn.strategies().len() && r < scn.strategies().len() {
        for (m, info) in scn.materials().iter().enumerate() {
            let days = |s: usize| {
                let p = &scn.strategies()[s].materials[m];
                p.private_days() + p.stockpile_days()
            };
            let (a, b) = (days(r), days(best));
            if (b - a).abs() >= 0.5 {
                cover.push(format!(
                    "{:.0} {} days of {} cover ({:.0} → {:.0} days)",
                    (b - a).abs(),
                    if b > a { "more" } else { "fewer" },
                    escape(&info.name),
                    a,
                    b
                ));
            }
        }
    }
    let mut cuts = Vec::new();
    for (m, mat) in bs.materials.iter().enumerate() {
        let Some(p) = bs.vs_material(&mat.id, Metric::ShortfallPct) else {
            continue;
        };
        let (Some(d), Some([_, hi]), Some(before)) = (
            p.mean_diff,
            p.ci95,
            rs.materials[m]
                .metrics
                .get(Metric::ShortfallPct.name())
                .and_then(|x| x.mean),
        ) else {
            continue;
        };
        if hi < 0.0 {
            let hw = half_width(p.ci95);
            cuts.push(format!(
                "{} from {} to {}",
                escape(&mat.name),
                pct_within(before, hw),
                pct_within(before + d, hw)
            ));
        }
    }
    let cover = if cover.is_empty() {
        "no extra days of cover".to_string()
    } else {
        join_and(&cover)
    };
    let cuts = if cuts.is_empty() {
        "no measurable cut in expected shortfall".to_string()
    } else {
        format!(
            "a cut in the expected shortfall (% of demand) of {}",
            join_and(&cuts)
        )
    };
    let value = bs
        .vs_total(TotalMetric::ShortageCost)
        .and_then(|p| {
            let d = p.mean_diff?;
            let hw = half_width(p.ci95);
            Some(match p.ci95 {
                Some([lo, hi]) if hi < 0.0 => format!(
                    "{} {cur} of value protected (expected shortage cost avoided, 95% \
                     interval {} to {})",
                    money_within(-d, hw),
                    money_within(-hi, hw),
                    money_within(-lo, hw)
                ),
                _ => "no shortage cost avoided beyond the noise".to_string(),
            })
        })
        .unwrap_or_else(|| "no measured value protected".to_string());
    let extra = if rs.annual_cost == 0.0 {
        String::new()
    } else {
        format!(
            " ({} {} than {})",
            money((bs.annual_cost - rs.annual_cost).abs()),
            if bs.annual_cost >= rs.annual_cost {
                "more"
            } else {
                "less"
            },
            escape(&rs.label)
        )
    };
    // With sectors, claimed demand is priced in value added, not shortage cost: the
    // value protected is said in value added (the sentence after this one).
    let value = if crate::charts::sectors::has_sectors(data) {
        String::new()
    } else {
        format!("; and {value}")
    };
    format!(
        "It costs {} {cur} a year{extra}. Against {} over the {} days it buys {cover}; \
         {cuts}{value}.",
        money(bs.annual_cost),
        label_of(&rs.label),
        sum.horizon_days,
    )
}

fn label_of(s: &str) -> String {
    format!("<b>{}</b>", escape(s))
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(xs: &[String]) -> String {
    match xs {
        [] => String::new(),
        [a] => a.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn futures_to_separate_scales_with_the_square_of_the_noise() {
        // hw / |diff| = 2: the half-width must halve, which takes 4 times the futures.
        assert_eq!(futures_to_separate(1000, -5.0, 10.0), Some(4000));
        // Two significant digits, rounded: 1000 · 1.5² = 2250 -> 2300 (sig rounds half up
        // to even in the shortest form; 2250 -> 2.2e3 or 2.3e3, both defensible).
        let k = futures_to_separate(1000, 2.0, 3.0).unwrap();
        assert!(k == 2200 || k == 2300, "{k}");
        assert_eq!(futures_to_separate(1000, 0.0, 3.0), None);
        assert_eq!(futures_to_separate(1000, 1e-6, 3.0), None);
    }

    #[test]
    fn shares_and_lists_read_as_words() {
        assert_eq!(share(0.004), "under 1%");
        assert_eq!(share(0.996), "over 99%");
        assert_eq!(share(0.5), "50%");
        assert_eq!(
            join_and(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
