//! A block of consecutive replications' metrics as one array (docs/storage.md §1), and
//! the sink the engine hands blocks to in replication order (§2).
//!
//! A [`Block`] holds replications `first..first + n` as an `ndarray` laid out
//! (strategy, material, metric, replication): the replication axis is contiguous, so a
//! column is a slice ([`Block::column`], no copy), and totals over materials are a fold
//! over the material axis in material order ([`Block::material_sum`]). A run is a
//! sequence of blocks of [`BLOCK`] replications (the last one shorter). Pure: no I/O;
//! [`Block::from_rows`] copies in parallel (rayon, in the pool of the caller).

use super::metrics::{Metric, MetricsRow, N_METRICS};
use ndarray::{Array1, Array4, ArrayView1, Axis, s};
use rayon::prelude::*;

/// Replications per block: a multiple of the engine's chunk (so cutting a run into
/// blocks moves no chunk or SIMD-lane boundary), 68 MB of metrics at 5 strategies and
/// 2 materials.
pub const BLOCK: u64 = 65_536;

/// The metrics of replications `first..first + len()`, as one array
/// `[strategy, material, metric, replication]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    first: u64,
    values: Array4<f64>,
}

impl Block {
    /// A block from rows laid out `[(r * S + s) * M + m]` (the engine's order), `r`
    /// counted from `first`.
    ///
    /// # Panics
    /// If `rows.len()` is not a multiple of `n_strategies * n_materials` (a programming
    /// error).
    pub fn from_rows(
        first: u64,
        n_strategies: usize,
        n_materials: usize,
        rows: &[MetricsRow],
    ) -> Block {
        let per_rep = n_strategies * n_materials;
        assert!(
            per_rep > 0 && rows.len().is_multiple_of(per_rep),
            "rows do not fill whole replications"
        );
        let n = rows.len() / per_rep;
        // One task per (strategy, material): it reads that pair's row of every
        // replication, in order, and writes the pair's `N_METRICS` columns, a cache
        // line at a time in each; together the tasks read each row once. (In parallel:
        // serial, this copy kept one thread busy and the others idle at the end of a
        // run.) A copy, so the array is the same whatever the thread count.
        let mut flat = vec![0.0; rows.len() * N_METRICS];
        if n > 0 {
            flat.par_chunks_mut(N_METRICS * n)
                .enumerate()
                .for_each(|(sm, cols)| {
                    for (r, row) in rows[sm..].iter().step_by(per_rep).enumerate() {
                        for (k, &x) in row.0.iter().enumerate() {
                            cols[k * n + r] = x;
                        }
                    }
                });
        }
        let values = Array4::from_shape_vec((n_strategies, n_materials, N_METRICS, n), flat)
            .expect("the shape holds every value");
        Block { first, values }
    }

    /// A block from its array `[strategy, material, metric, replication]`.
    ///
    /// # Panics
    /// If the metric axis is not [`N_METRICS`] long.
    pub fn from_array(first: u64, values: Array4<f64>) -> Block {
        assert_eq!(values.len_of(Axis(2)), N_METRICS, "metric axis");
        Block { first, values }
    }

    /// Index of the first replication.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// Number of replications.
    pub fn len(&self) -> usize {
        self.values.len_of(Axis(3))
    }

    /// Whether the block holds no replication.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of strategies.
    pub fn n_strategies(&self) -> usize {
        self.values.len_of(Axis(0))
    }

    /// Number of materials.
    pub fn n_materials(&self) -> usize {
        self.values.len_of(Axis(1))
    }

    /// The whole array `[strategy, material, metric, replication]`.
    pub fn values(&self) -> &Array4<f64> {
        &self.values
    }

    /// Values of `metric` for strategy `s` and material `m`, in replication order: a
    /// view, no copy (`NaN` = absent).
    pub fn column(&self, s: usize, m: usize, metric: Metric) -> ArrayView1<'_, f64> {
        self.values.slice(s![s, m, metric.index(), ..])
    }

    /// The row of replication `r` (counted from [`Block::first`]), strategy `s`,
    /// material `m`.
    pub fn row(&self, r: usize, s: usize, m: usize) -> MetricsRow {
        let mut row = [0.0; N_METRICS];
        for (k, v) in row.iter_mut().enumerate() {
            *v = self.values[[s, m, k, r]];
        }
        MetricsRow(row)
    }

    /// Per replication, `metric` of strategy `s` summed over the materials sequentially in
    /// material order (`0.0 + x₀ + x₁ + …`): the bits of `stats::total_value` before the
    /// fixed cost. A fold over the material axis: `sum_axis` happens to give the same
    /// bits in this layout, but over a contiguous axis it sums with 8 partial sums,
    /// which would change the bits from 8 materials on.
    pub fn material_sum(&self, s: usize, metric: Metric) -> Array1<f64> {
        self.values
            .slice(s![s, .., metric.index(), ..])
            .fold_axis(Axis(0), 0.0, |acc, &x| acc + x)
    }
}

/// Receives a run's results in replication order: the engine calls
/// [`BlockSink::accept`] once per block of at most [`BLOCK`] replications, blocks in
/// order and one call at a time, on a thread of the pool the run runs in, while it
/// simulates the next block on the others (hence `Send`); it stops at the first error.
pub trait BlockSink {
    /// What a sink can fail with (a file sink: an I/O error).
    type Error;

    /// The rows of replications `first..first + rows.len() / (S * M)`, laid out
    /// `[(r * S + s) * M + m]`; `first` is where the previous call ended.
    fn accept(&mut self, first: u64, rows: Vec<MetricsRow>) -> Result<(), Self::Error>;
}

/// The sink behind [`super::run`]: every row in one vector, in replication order.
#[derive(Debug, Default)]
pub struct RowVec(pub Vec<MetricsRow>);

impl BlockSink for RowVec {
    type Error = std::convert::Infallible;

    fn accept(&mut self, _first: u64, rows: Vec<MetricsRow>) -> Result<(), Self::Error> {
        if self.0.is_empty() {
            // The first block is taken as it is, not copied (a run of one block: all);
            // room the caller reserved for more is reserved again.
            let room = self.0.capacity();
            self.0 = rows;
            self.0.reserve(room.saturating_sub(self.0.len()));
        } else {
            self.0.extend(rows);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, ns: usize, nm: usize) -> Vec<MetricsRow> {
        (0..n * ns * nm)
            .map(|i| {
                let mut a = [0.0; N_METRICS];
                for (k, v) in a.iter_mut().enumerate() {
                    // Irregular values, so a wrong summation order shows in the bits.
                    *v = ((i * 31 + k * 7) as f64).sqrt() * 1e-3 + (k as f64) * 0.1;
                }
                MetricsRow(a)
            })
            .collect()
    }

    #[test]
    fn columns_and_rows_are_the_engine_rows() {
        let (n, ns, nm) = (5, 3, 2);
        let rs = rows(n, ns, nm);
        let b = Block::from_rows(40, ns, nm, &rs);
        assert_eq!(
            (b.first(), b.len(), b.n_strategies(), b.n_materials()),
            (40, n, ns, nm)
        );
        for r in 0..n {
            for s in 0..ns {
                for m in 0..nm {
                    let want = rs[(r * ns + s) * nm + m];
                    assert_eq!(b.row(r, s, m), want);
                    for metric in Metric::ALL {
                        assert_eq!(
                            b.column(s, m, metric)[r].to_bits(),
                            want.get(metric).to_bits()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn material_sum_is_sequential_in_material_order() {
        // 9 materials and irregular values, so another summation order (reversed,
        // pairwise, 8 partial sums as ndarray's lane sum) changes the last bits; 1 and 6
        // replications.
        for n in [1, 6] {
            let (ns, nm) = (2, 9);
            let rs = rows(n, ns, nm);
            let b = Block::from_rows(0, ns, nm, &rs);
            for s in 0..ns {
                let got = b.material_sum(s, Metric::TotalCost);
                for r in 0..n {
                    let mut want = 0.0;
                    for m in 0..nm {
                        want += rs[(r * ns + s) * nm + m].get(Metric::TotalCost);
                    }
                    assert_eq!(got[r].to_bits(), want.to_bits(), "s {s} r {r}");
                }
            }
        }
    }

    #[test]
    fn row_vec_keeps_order() {
        let rs = rows(4, 1, 1);
        let mut sink = RowVec::default();
        sink.accept(0, rs[..2].to_vec()).unwrap();
        sink.accept(2, rs[2..].to_vec()).unwrap();
        assert_eq!(sink.0, rs);
    }
}
