//! Per-replication results read a column or a block at a time (docs/storage.md §3): the
//! one interface through which statistics, `replications.csv`, charts and `merge` see a
//! run's metrics, whether they are held in memory ([`RunResult`]) or on disk (the spill
//! file of `crate::spill`, or a chain of shards' spill files).
//!
//! A column is every replication's value of one (strategy, material, metric), in
//! replication order; a block is [`Block`]: consecutive replications as one array, blocks
//! in replication order. Readers hold one column or one block at a time, so memory does
//! not grow with the number of replications (except for the columns a statistic needs
//! whole, 8 bytes per replication each). Pure: no I/O here; a file store does its I/O
//! behind the trait and reports failures as its [`Replications::Error`].

use super::block::{BLOCK, Block};
use super::engine::RunResult;
use super::metrics::Metric;
use std::borrow::Cow;

/// How many replications, strategies and materials a set of replications holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Index of the first replication.
    pub first: u64,
    /// Number of replications (`first..first + replications`).
    pub replications: u64,
    /// Number of strategies.
    pub strategies: usize,
    /// Number of materials.
    pub materials: usize,
}

/// Per-replication metrics of consecutive replications, read a column or a block at a
/// time, always in replication order.
///
/// Implemented by [`RunResult`] (in memory, `Error = Infallible`), by `spill::Spill`
/// (one file) and `spill::SpillChain` (consecutive files, e.g. shards in order).
/// Every implementation gives the same bits for the same replications, so a statistic
/// computed over it does not depend on where the values are kept.
pub trait Replications: Sync {
    /// What reading can fail with (a file store: an I/O error or a checksum mismatch).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Replications, strategies and materials held.
    fn shape(&self) -> Shape;

    /// Values of `metric` for strategy `s` and material `m`, one per replication in
    /// replication order (`NaN` = absent).
    ///
    /// # Panics
    /// If `s` or `m` is out of range (a programming error).
    fn column(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, Self::Error>;

    /// Number of blocks ([`Replications::block`]); 0 without replications.
    fn n_blocks(&self) -> usize;

    /// Block `i` (`0..n_blocks()`): blocks are consecutive, in replication order, and
    /// together hold every replication. Their sizes are the store's own (at most
    /// [`BLOCK`] for a run; a chain of shards cuts where its files do).
    ///
    /// # Panics
    /// If `i >= n_blocks()` (a programming error).
    fn block(&self, i: usize) -> Result<Cow<'_, Block>, Self::Error>;
}

/// A reference reads as what it points to, so `&&RunResult` and `&dyn Replications<..>`
/// can be passed where a `&R` is expected.
impl<T: Replications + ?Sized> Replications for &T {
    type Error = T::Error;

    fn shape(&self) -> Shape {
        (**self).shape()
    }

    fn column(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, Self::Error> {
        (**self).column(s, m, metric)
    }

    fn n_blocks(&self) -> usize {
        (**self).n_blocks()
    }

    fn block(&self, i: usize) -> Result<Cow<'_, Block>, Self::Error> {
        (**self).block(i)
    }
}

impl Replications for RunResult {
    type Error = std::convert::Infallible;

    fn shape(&self) -> Shape {
        Shape {
            first: self.first_replication,
            replications: self.n_replications as u64,
            strategies: self.n_strategies,
            materials: self.n_materials,
        }
    }

    fn column(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, Self::Error> {
        assert!(
            s < self.n_strategies && m < self.n_materials,
            "column out of range"
        );
        Ok((0..self.n_replications)
            .map(|r| self.row(r, s, m).get(metric))
            .collect())
    }

    fn n_blocks(&self) -> usize {
        self.n_replications.div_ceil(BLOCK as usize)
    }

    fn block(&self, i: usize) -> Result<Cow<'_, Block>, Self::Error> {
        assert!(i < self.n_blocks(), "block {i} out of range");
        let per_rep = self.n_strategies * self.n_materials;
        let a = i * BLOCK as usize;
        let b = (a + BLOCK as usize).min(self.n_replications);
        Ok(Cow::Owned(Block::from_rows(
            self.first_replication + a as u64,
            self.n_strategies,
            self.n_materials,
            &self.rows[a * per_rep..b * per_rep],
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{MetricsRow, N_METRICS};

    #[test]
    fn in_memory_columns_and_blocks_are_the_rows() {
        let (n, ns, nm) = (BLOCK as usize + 5, 2, 3);
        let rows: Vec<MetricsRow> = (0..n * ns * nm)
            .map(|i| MetricsRow(std::array::from_fn(|k| (i * N_METRICS + k) as f64)))
            .collect();
        let res = RunResult {
            first_replication: 7,
            n_replications: n,
            n_strategies: ns,
            n_materials: nm,
            rows,
            daily: None,
        };
        assert_eq!(
            res.shape(),
            Shape {
                first: 7,
                replications: n as u64,
                strategies: ns,
                materials: nm
            }
        );
        assert_eq!(res.n_blocks(), 2);
        let Ok(col) = res.column(1, 2, Metric::TtsDays);
        assert_eq!(col.len(), n);
        assert_eq!(col[n - 1], res.row(n - 1, 1, 2).get(Metric::TtsDays));
        let Ok(last) = res.block(1);
        assert_eq!((last.first(), last.len()), (7 + BLOCK, 5));
        assert_eq!(last.row(4, 1, 2), *res.row(n - 1, 1, 2));
        let Ok(first) = res.block(0);
        assert_eq!(
            first.column(0, 1, Metric::TtsDays)[3],
            res.row(3, 0, 1).get(Metric::TtsDays)
        );
    }
}
