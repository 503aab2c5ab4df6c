//! The spill file: a run's per-replication metrics on disk, block by block, column-major
//! and checksummed (docs/storage.md §4), so that a run holds one block in memory and a
//! statistic reads one column at a time. The same file is a shard's results.
//!
//! [`SpillWriter`] is a [`BlockSink`]: it writes `PATH.partial` and renames it to `PATH`
//! only in [`SpillWriter::finish`], after the trailer is on disk, so a killed run never
//! leaves a file that looks finished. [`Spill::open`] refuses a file whose header,
//! block headers or trailer do not check; [`Spill::column`] and [`Spill::block`] check
//! every column they read against its crc32.
//!
//! Layer: does file I/O; may use [`crate::sim`]; `stats` is to see it only through the
//! columns it returns.
//!
//! Layout, little-endian: header (`CHKPTREP`, format version u32, strategies u32,
//! materials u32, metrics u32, first replication u64, crc32 of the preceding bytes);
//! then per block: first replication u64, replications u32, one crc32 per column
//! (strategy, material, metric order), crc32 of the block header so far, then the
//! values `f64` in (strategy, material, metric, replication) order; then the trailer
//! (`CHKPTEND`, blocks u32, replications u64, crc32 of the block-header crcs in order).

use crate::sim::{Block, BlockSink, Metric, MetricsRow, N_METRICS, Replications, Shape};
use ndarray::Array4;
use rayon::prelude::*;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// First bytes of a spill file.
pub const MAGIC: &[u8; 8] = b"CHKPTREP";
/// First bytes of the trailer.
pub const END: &[u8; 8] = b"CHKPTEND";
/// Version of the layout; a reader refuses any other.
pub const FORMAT_VERSION: u32 = 1;

const HEADER_LEN: u64 = 8 + 4 * 4 + 8 + 4;
/// Columns one task of [`Spill::block`] reads (about 4 MB at 65,536 replications).
const BLOCK_READ_COLUMNS: usize = 8;
const TRAILER_LEN: u64 = 8 + 4 + 8 + 4;

/// What reading or writing a spill file can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SpillError {
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The file is not a complete, intact spill file.
    #[error("{}: {what}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SpillError + '_ {
    move |source| SpillError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn corrupt(path: &Path, what: impl Into<String>) -> SpillError {
    SpillError::Corrupt {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

/// The little-endian bytes of `values`: a view of their own bytes on a little-endian
/// machine (no copy), a converted copy elsewhere.
fn le_bytes(values: &[f64]) -> Cow<'_, [u8]> {
    if cfg!(target_endian = "little") {
        Cow::Borrowed(bytemuck::cast_slice(values))
    } else {
        Cow::Owned(values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }
}

/// The name a file has while it is written: `PATH.partial`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// Writes a spill file block by block (see the module documentation).
pub struct SpillWriter {
    out: BufWriter<File>,
    path: PathBuf,
    n_strategies: usize,
    n_materials: usize,
    next: u64,
    blocks: u32,
    replications: u64,
    header_crcs: crc32fast::Hasher,
}

impl SpillWriter {
    /// Starts `PATH.partial` for replications from `first` of `n_strategies` ×
    /// `n_materials` (replacing an unfinished one).
    pub fn create(
        path: &Path,
        first: u64,
        n_strategies: usize,
        n_materials: usize,
    ) -> Result<SpillWriter, SpillError> {
        let partial = partial_path(path);
        let file = File::create(&partial).map_err(io_err(&partial))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut header = Vec::with_capacity(HEADER_LEN as usize);
        header.extend_from_slice(MAGIC);
        for v in [
            FORMAT_VERSION,
            n_strategies as u32,
            n_materials as u32,
            N_METRICS as u32,
        ] {
            header.extend_from_slice(&v.to_le_bytes());
        }
        header.extend_from_slice(&first.to_le_bytes());
        let crc = crc32fast::hash(&header);
        header.extend_from_slice(&crc.to_le_bytes());
        out.write_all(&header).map_err(io_err(&partial))?;
        Ok(SpillWriter {
            out,
            path: path.to_path_buf(),
            n_strategies,
            n_materials,
            next: first,
            blocks: 0,
            replications: 0,
            header_crcs: crc32fast::Hasher::new(),
        })
    }

    /// Appends one block; it must start where the previous one ended.
    pub fn write_block(&mut self, block: &Block) -> Result<(), SpillError> {
        let partial = partial_path(&self.path);
        if block.first() != self.next
            || block.n_strategies() != self.n_strategies
            || block.n_materials() != self.n_materials
        {
            return Err(corrupt(
                &partial,
                format!(
                    "block of replications from {} does not follow replication {}",
                    block.first(),
                    self.next
                ),
            ));
        }
        let n = block.len();
        let n_cols = self.n_strategies * self.n_materials * N_METRICS;
        // The values in (strategy, material, metric, replication) order: a borrow of the
        // block's own array (a block is laid out that way), copied only if it is not.
        let values = block.values().as_standard_layout();
        let flat = values
            .as_slice()
            .expect("an array in standard layout is one contiguous slice");
        // One checksum per column, worked out in parallel (collected in column order).
        let crcs: Vec<u32> = if n == 0 {
            vec![crc32fast::hash(&[]); n_cols]
        } else {
            flat.par_chunks(n)
                .map(|col| crc32fast::hash(&le_bytes(col)))
                .collect()
        };
        let mut head = Vec::with_capacity(16 + 4 * n_cols);
        head.extend_from_slice(&block.first().to_le_bytes());
        head.extend_from_slice(&(n as u32).to_le_bytes());
        for c in &crcs {
            head.extend_from_slice(&c.to_le_bytes());
        }
        let crc = crc32fast::hash(&head);
        head.extend_from_slice(&crc.to_le_bytes());
        self.header_crcs.update(&crc.to_le_bytes());
        self.out.write_all(&head).map_err(io_err(&partial))?;
        // Every column at once: on a little-endian machine the values' own bytes.
        self.out
            .write_all(&le_bytes(flat))
            .map_err(io_err(&partial))?;
        self.next += n as u64;
        self.replications += n as u64;
        self.blocks += 1;
        Ok(())
    }

    /// Writes the trailer, syncs the file and renames `PATH.partial` to `PATH`.
    pub fn finish(self) -> Result<PathBuf, SpillError> {
        self.finish_with(true)
    }

    /// As [`SpillWriter::finish`] without the sync: for a spill that lives only as long
    /// as the process that wrote it (a `run`'s, removed once its outputs are written),
    /// where waiting for the disk buys nothing (a crash loses the run either way). A
    /// shard's spill, read by another process later, is finished with
    /// [`SpillWriter::finish`].
    pub fn finish_temporary(self) -> Result<PathBuf, SpillError> {
        self.finish_with(false)
    }

    fn finish_with(mut self, sync: bool) -> Result<PathBuf, SpillError> {
        let partial = partial_path(&self.path);
        let mut t = Vec::with_capacity(TRAILER_LEN as usize);
        t.extend_from_slice(END);
        t.extend_from_slice(&self.blocks.to_le_bytes());
        t.extend_from_slice(&self.replications.to_le_bytes());
        t.extend_from_slice(&self.header_crcs.clone().finalize().to_le_bytes());
        self.out.write_all(&t).map_err(io_err(&partial))?;
        let file = self
            .out
            .into_inner()
            .map_err(|e| io_err(&partial)(e.into_error()))?;
        if sync {
            file.sync_all().map_err(io_err(&partial))?;
        }
        std::fs::rename(&partial, &self.path).map_err(io_err(&self.path))?;
        Ok(self.path)
    }
}

impl BlockSink for SpillWriter {
    type Error = SpillError;

    fn accept(&mut self, first: u64, rows: Vec<MetricsRow>) -> Result<(), SpillError> {
        let block = Block::from_rows(first, self.n_strategies, self.n_materials, &rows);
        drop(rows);
        self.write_block(&block)
    }
}

/// A [`BlockSink`] that writes every block to a spill file but the run's last, which it
/// keeps in memory: a `run` reads its replications back as soon as the simulation ends,
/// so writing the last block only to read it again would cost a copy into the page
/// cache with every other thread idle (the engine hands the last block over when no
/// block is left to simulate beside it), and a copy back out for every column.
pub struct SpillKeepLast {
    writer: SpillWriter,
    end: u64,
    kept: Option<Block>,
}

impl SpillKeepLast {
    /// Writes through `writer` every block but the one that ends at replication `end`
    /// (exclusive; the run's end).
    pub fn new(writer: SpillWriter, end: u64) -> SpillKeepLast {
        SpillKeepLast {
            writer,
            end,
            kept: None,
        }
    }

    /// Finishes the file as [`SpillWriter::finish_temporary`] does and opens it with the
    /// block kept in memory after it.
    ///
    /// # Errors
    /// As [`SpillWriter::finish_temporary`] and [`Spill::open`], and
    /// [`SpillError::Corrupt`] if the file and the kept block do not join up.
    pub fn finish_temporary(self) -> Result<SpillAndTail, SpillError> {
        let path = self.writer.finish_temporary()?;
        SpillAndTail::new(Spill::open(&path)?, self.kept)
    }
}

impl BlockSink for SpillKeepLast {
    type Error = SpillError;

    fn accept(&mut self, first: u64, rows: Vec<MetricsRow>) -> Result<(), SpillError> {
        let w = &self.writer;
        let block = Block::from_rows(first, w.n_strategies, w.n_materials, &rows);
        drop(rows);
        if first + block.len() as u64 == self.end {
            self.kept = Some(block);
            Ok(())
        } else {
            self.writer.write_block(&block)
        }
    }
}

/// A spill file and the block of replications that follows it, held in memory
/// ([`SpillKeepLast`]), read as one set of replications: columns are the file's columns
/// followed by the block's, blocks the file's blocks and then the one in memory.
#[derive(Debug)]
pub struct SpillAndTail {
    spill: Spill,
    tail: Option<Block>,
}

impl SpillAndTail {
    /// Joins `spill` and the block `tail` after it (none: the file alone).
    ///
    /// # Errors
    /// [`SpillError::Corrupt`] if `tail` does not start where the file ends or has other
    /// strategies or materials.
    pub fn new(spill: Spill, tail: Option<Block>) -> Result<SpillAndTail, SpillError> {
        if let Some(t) = &tail {
            let next = spill.first + spill.replications;
            if t.first() != next
                || (t.n_strategies(), t.n_materials()) != (spill.n_strategies, spill.n_materials)
            {
                return Err(corrupt(
                    &spill.path,
                    format!(
                        "the block kept in memory (replications from {}, {} strategies × {} \
                         materials) does not follow the file (replications to {next}, {} × {})",
                        t.first(),
                        t.n_strategies(),
                        t.n_materials(),
                        spill.n_strategies,
                        spill.n_materials
                    ),
                ));
            }
        }
        Ok(SpillAndTail { spill, tail })
    }
}

impl Replications for SpillAndTail {
    type Error = SpillError;

    fn shape(&self) -> Shape {
        let mut shape = self.spill.shape();
        shape.replications += self.tail.as_ref().map_or(0, |t| t.len() as u64);
        shape
    }

    fn column(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, SpillError> {
        // One vector of the whole length, filled in place: the file's part, then the
        // block's (no second copy of the file's part to grow it).
        let mut out = vec![0.0; self.shape().replications as usize];
        let (head, rest) = out.split_at_mut(self.spill.replications as usize);
        self.spill.column_into(s, m, metric, head)?;
        if let Some(t) = &self.tail {
            for (o, &x) in rest.iter_mut().zip(t.column(s, m, metric).iter()) {
                *o = x;
            }
        }
        Ok(out)
    }

    fn n_blocks(&self) -> usize {
        self.spill.n_blocks() + usize::from(self.tail.is_some())
    }

    fn block(&self, i: usize) -> Result<Cow<'_, Block>, SpillError> {
        match (&self.tail, i.checked_sub(self.spill.n_blocks())) {
            (_, None) => self.spill.block(i).map(Cow::Owned),
            (Some(t), Some(0)) => Ok(Cow::Borrowed(t)),
            _ => panic!("block {i} of {}", self.n_blocks()),
        }
    }
}

/// Where one block lies in the file.
#[derive(Debug, Clone)]
struct BlockEntry {
    first: u64,
    n: usize,
    data_offset: u64,
    column_crcs: Vec<u32>,
}

/// A finished spill file, opened for reading columns or blocks.
#[derive(Debug)]
pub struct Spill {
    path: PathBuf,
    n_strategies: usize,
    n_materials: usize,
    first: u64,
    replications: u64,
    blocks: Vec<BlockEntry>,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

impl Spill {
    /// Opens `path` and checks its header, every block header and the trailer (not the
    /// values: each column is checked when read).
    pub fn open(path: &Path) -> Result<Spill, SpillError> {
        let mut f = File::open(path).map_err(io_err(path))?;
        let len = f.metadata().map_err(io_err(path))?.len();
        let truncated = || corrupt(path, "truncated or not a chokepoint spill file");
        if len < HEADER_LEN + TRAILER_LEN {
            return Err(truncated());
        }
        let mut h = [0u8; HEADER_LEN as usize];
        f.read_exact(&mut h).map_err(io_err(path))?;
        if &h[..8] != MAGIC {
            return Err(corrupt(path, "not a chokepoint spill file"));
        }
        if crc32fast::hash(&h[..h.len() - 4]) != u32_at(&h, h.len() - 4) {
            return Err(corrupt(path, "header checksum does not match"));
        }
        let version = u32_at(&h, 8);
        if version != FORMAT_VERSION {
            return Err(corrupt(
                path,
                format!("spill format {version}, this chokepoint reads {FORMAT_VERSION}"),
            ));
        }
        let (ns, nm, nk) = (
            u32_at(&h, 12) as usize,
            u32_at(&h, 16) as usize,
            u32_at(&h, 20) as usize,
        );
        if nk != N_METRICS {
            return Err(corrupt(path, format!("{nk} metrics, expected {N_METRICS}")));
        }
        let first = u64_at(&h, 24);
        let n_cols = ns * nm * nk;
        let block_head = 8 + 4 + 4 * n_cols as u64 + 4;
        let body_end = len - TRAILER_LEN;
        let mut pos = HEADER_LEN;
        let mut next = first;
        let mut blocks = Vec::new();
        let mut crcs = crc32fast::Hasher::new();
        let mut head = vec![0u8; block_head as usize];
        while pos < body_end {
            if pos + block_head > body_end {
                return Err(truncated());
            }
            f.seek(SeekFrom::Start(pos)).map_err(io_err(path))?;
            f.read_exact(&mut head).map_err(io_err(path))?;
            let crc = u32_at(&head, head.len() - 4);
            if crc32fast::hash(&head[..head.len() - 4]) != crc {
                return Err(corrupt(
                    path,
                    format!("block {} header checksum does not match", blocks.len()),
                ));
            }
            crcs.update(&crc.to_le_bytes());
            let b_first = u64_at(&head, 0);
            let n = u32_at(&head, 8) as usize;
            if b_first != next {
                return Err(corrupt(path, "blocks out of replication order"));
            }
            let data_offset = pos + block_head;
            pos = data_offset + (n_cols * n * 8) as u64;
            if pos > body_end {
                return Err(truncated());
            }
            blocks.push(BlockEntry {
                first: b_first,
                n,
                data_offset,
                column_crcs: (0..n_cols).map(|c| u32_at(&head, 12 + 4 * c)).collect(),
            });
            next += n as u64;
        }
        let mut t = [0u8; TRAILER_LEN as usize];
        f.seek(SeekFrom::Start(body_end)).map_err(io_err(path))?;
        f.read_exact(&mut t).map_err(io_err(path))?;
        if &t[..8] != END
            || u32_at(&t, 8) as usize != blocks.len()
            || u64_at(&t, 12) != next - first
            || u32_at(&t, 20) != crcs.finalize()
        {
            return Err(truncated());
        }
        Ok(Spill {
            path: path.to_path_buf(),
            n_strategies: ns,
            n_materials: nm,
            first,
            replications: next - first,
            blocks,
        })
    }

    /// First replication index.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// Number of replications.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Number of strategies.
    pub fn n_strategies(&self) -> usize {
        self.n_strategies
    }

    /// Number of materials.
    pub fn n_materials(&self) -> usize {
        self.n_materials
    }

    /// Number of blocks.
    pub fn n_blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Reads column `col` of block `b` into `dst` (`b.n` values) and checks it against
    /// its crc32: the file's bytes go straight into the values (converted in place on a
    /// big-endian machine).
    fn read_checked(
        &self,
        f: &mut File,
        b: &BlockEntry,
        col: usize,
        dst: &mut [f64],
    ) -> Result<(), SpillError> {
        debug_assert_eq!(dst.len(), b.n);
        f.seek(SeekFrom::Start(b.data_offset + (col * b.n * 8) as u64))
            .map_err(io_err(&self.path))?;
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(dst);
        f.read_exact(bytes).map_err(io_err(&self.path))?;
        if crc32fast::hash(bytes) != b.column_crcs[col] {
            return Err(corrupt(
                &self.path,
                format!(
                    "column {col} of the block from replication {} does not match its checksum",
                    b.first
                ),
            ));
        }
        if cfg!(target_endian = "big") {
            for v in dst {
                *v = f64::from_bits(u64::from_le(v.to_bits()));
            }
        }
        Ok(())
    }

    /// Values of `metric` for strategy `s` and material `m`, every block in replication
    /// order (`NaN` = absent); each block's slice checked against its crc32.
    pub fn column(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, SpillError> {
        let mut out = vec![0.0; self.replications as usize];
        self.column_into(s, m, metric, &mut out)?;
        Ok(out)
    }

    /// [`Spill::column`] into the first [`Spill::replications`] values of `out`.
    fn column_into(
        &self,
        s: usize,
        m: usize,
        metric: Metric,
        out: &mut [f64],
    ) -> Result<(), SpillError> {
        let col = (s * self.n_materials + m) * N_METRICS + metric.index();
        let mut f = File::open(&self.path).map_err(io_err(&self.path))?;
        let mut at = 0;
        for b in &self.blocks {
            let dst = out.get_mut(at..at + b.n).ok_or_else(|| {
                corrupt(&self.path, "blocks hold more replications than the trailer")
            })?;
            self.read_checked(&mut f, b, col, dst)?;
            at += b.n;
        }
        Ok(())
    }

    /// Block `i` (in replication order), every column checked.
    ///
    /// The columns are read and checked in parallel (in the current rayon pool), a few
    /// per task, each task through a file handle of its own; the first failing column in
    /// column order is the error, whatever the schedule.
    pub fn block(&self, i: usize) -> Result<Block, SpillError> {
        let b = &self.blocks[i];
        let n_cols = self.n_strategies * self.n_materials * N_METRICS;
        let mut values = vec![0.0; n_cols * b.n];
        if b.n > 0 {
            let results: Vec<Result<(), SpillError>> = values
                .par_chunks_mut(b.n * BLOCK_READ_COLUMNS)
                .enumerate()
                .map(|(task, dst)| {
                    let mut f = File::open(&self.path).map_err(io_err(&self.path))?;
                    for (j, col_dst) in dst.chunks_exact_mut(b.n).enumerate() {
                        self.read_checked(&mut f, b, task * BLOCK_READ_COLUMNS + j, col_dst)?;
                    }
                    Ok(())
                })
                .collect();
            results.into_iter().collect::<Result<(), SpillError>>()?;
        }
        let shape = (self.n_strategies, self.n_materials, N_METRICS, b.n);
        let arr = Array4::from_shape_vec(shape, values)
            .map_err(|e| corrupt(&self.path, e.to_string()))?;
        Ok(Block::from_array(b.first, arr))
    }
}

impl Replications for Spill {
    type Error = SpillError;

    fn shape(&self) -> Shape {
        Shape {
            first: self.first,
            replications: self.replications,
            strategies: self.n_strategies,
            materials: self.n_materials,
        }
    }

    fn column(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, SpillError> {
        Spill::column(self, s, m, metric)
    }

    fn n_blocks(&self) -> usize {
        self.blocks.len()
    }

    fn block(&self, i: usize) -> Result<Cow<'_, Block>, SpillError> {
        Spill::block(self, i).map(Cow::Owned)
    }
}

/// Spill files of consecutive replication ranges (shards in order) read as one set of
/// replications: columns are the files' columns end to end, blocks the files' blocks in
/// order.
#[derive(Debug)]
pub struct SpillChain {
    spills: Vec<Spill>,
    /// Blocks before each spill, and in total at the end.
    block_starts: Vec<usize>,
}

impl SpillChain {
    /// Chains `spills`, which must be non-empty, of the same strategies and materials,
    /// each starting where the previous one ends.
    ///
    /// # Errors
    /// [`SpillError::Corrupt`] (naming the first file that does not fit) otherwise.
    pub fn new(spills: Vec<Spill>) -> Result<SpillChain, SpillError> {
        let Some(head) = spills.first() else {
            return Err(corrupt(Path::new(""), "no spill file to chain"));
        };
        let (ns, nm) = (head.n_strategies, head.n_materials);
        let mut next = head.first;
        let mut block_starts = Vec::with_capacity(spills.len() + 1);
        let mut blocks = 0;
        for sp in &spills {
            if (sp.n_strategies, sp.n_materials) != (ns, nm) {
                return Err(corrupt(
                    &sp.path,
                    format!(
                        "{} strategies × {} materials, the first file has {ns} × {nm}",
                        sp.n_strategies, sp.n_materials
                    ),
                ));
            }
            if sp.first != next {
                return Err(corrupt(
                    &sp.path,
                    format!(
                        "starts at replication {}, the previous file ends before {next}",
                        sp.first
                    ),
                ));
            }
            next += sp.replications;
            block_starts.push(blocks);
            blocks += sp.blocks.len();
        }
        block_starts.push(blocks);
        Ok(SpillChain {
            spills,
            block_starts,
        })
    }

    /// The chained files, in replication order.
    pub fn spills(&self) -> &[Spill] {
        &self.spills
    }
}

impl Replications for SpillChain {
    type Error = SpillError;

    fn shape(&self) -> Shape {
        let head = &self.spills[0];
        Shape {
            first: head.first,
            replications: self.spills.iter().map(|s| s.replications).sum(),
            strategies: head.n_strategies,
            materials: head.n_materials,
        }
    }

    fn column(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, SpillError> {
        let mut out = Vec::with_capacity(self.shape().replications as usize);
        for sp in &self.spills {
            out.extend(sp.column(s, m, metric)?);
        }
        Ok(out)
    }

    fn n_blocks(&self) -> usize {
        self.block_starts[self.spills.len()]
    }

    fn block(&self, i: usize) -> Result<Cow<'_, Block>, SpillError> {
        // The last spill whose first block is at or before `i` (files without blocks
        // start where the next one does, so skip them).
        let k = self.block_starts[..self.spills.len()].partition_point(|&b| b <= i) - 1;
        self.spills[k]
            .block(i - self.block_starts[k])
            .map(Cow::Owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(first: u64, n: usize, ns: usize, nm: usize) -> Vec<MetricsRow> {
        (0..n * ns * nm)
            .map(|i| {
                let mut a = [0.0; N_METRICS];
                for (k, v) in a.iter_mut().enumerate() {
                    *v = (first as f64) * 1e3 + (i * N_METRICS + k) as f64 * 0.5;
                }
                if i % 3 == 0 {
                    a[Metric::RecoveryDays.index()] = f64::NAN;
                }
                MetricsRow(a)
            })
            .collect()
    }

    /// Hands `sink` blocks of sizes `sizes` of 3 strategies × 2 materials from
    /// replication 10; returns all their rows.
    fn feed(sink: &mut impl BlockSink<Error = SpillError>, sizes: &[usize]) -> Vec<MetricsRow> {
        let mut all = Vec::new();
        let mut first = 10;
        for &n in sizes {
            let r = rows(first, n, 3, 2);
            all.extend_from_slice(&r);
            sink.accept(first, r).unwrap();
            first += n as u64;
        }
        all
    }

    /// Writes blocks of sizes `sizes` from replication 10; returns the file and all rows.
    fn write(dir: &Path, sizes: &[usize], finish: bool) -> (PathBuf, Vec<MetricsRow>) {
        let path = dir.join("replications.bin");
        let mut w = SpillWriter::create(&path, 10, 3, 2).unwrap();
        let all = feed(&mut w, sizes);
        if finish {
            w.finish().unwrap();
        }
        (path, all)
    }

    fn tmp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("chokepoint-spill-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn columns_and_blocks_read_back_bit_for_bit() {
        let d = tmp("roundtrip");
        let (path, all) = write(&d, &[5, 7, 1], true);
        let sp = Spill::open(&path).unwrap();
        assert_eq!((sp.first(), sp.replications(), sp.n_blocks()), (10, 13, 3));
        let (ns, nm) = (3, 2);
        for s in 0..ns {
            for m in 0..nm {
                for metric in Metric::ALL {
                    let col = sp.column(s, m, metric).unwrap();
                    let want: Vec<u64> = (0..13)
                        .map(|r| all[(r * ns + s) * nm + m].get(metric).to_bits())
                        .collect();
                    let got: Vec<u64> = col.iter().map(|v| v.to_bits()).collect();
                    assert_eq!(got, want);
                }
            }
        }
        let b = sp.block(1).unwrap();
        assert_eq!(b.first(), 15);
        let bits = |r: MetricsRow| r.0.map(f64::to_bits);
        assert_eq!(bits(b.row(2, 1, 1)), bits(all[((5 + 2) * ns + 1) * nm + 1]));
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// Writes blocks of sizes `sizes` from replication 10 through [`SpillKeepLast`]
    /// (the run ending after them); returns what it read back and all rows.
    fn keep_last(dir: &Path, sizes: &[usize]) -> (PathBuf, SpillAndTail, Vec<MetricsRow>) {
        let path = dir.join("replications.bin");
        let end = 10 + sizes.iter().sum::<usize>() as u64;
        let writer = SpillWriter::create(&path, 10, 3, 2).unwrap();
        let mut sink = SpillKeepLast::new(writer, end);
        let all = feed(&mut sink, sizes);
        (path.clone(), sink.finish_temporary().unwrap(), all)
    }

    /// Every column of `res` and every row of its blocks, as the bits of `all`.
    fn assert_reads_back<R: Replications>(res: &R, all: &[MetricsRow]) {
        let (ns, nm) = (3, 2);
        let n = all.len() / (ns * nm);
        for s in 0..ns {
            for m in 0..nm {
                for metric in Metric::ALL {
                    let col = res.column(s, m, metric).unwrap();
                    let want: Vec<u64> = (0..n)
                        .map(|r| all[(r * ns + s) * nm + m].get(metric).to_bits())
                        .collect();
                    let got: Vec<u64> = col.iter().map(|v| v.to_bits()).collect();
                    assert_eq!(got, want, "column ({s}, {m}, {metric:?})");
                }
            }
        }
        let bits = |r: MetricsRow| r.0.map(f64::to_bits);
        let mut r0 = 0;
        for i in 0..res.n_blocks() {
            let b = res.block(i).unwrap();
            assert_eq!(b.first(), 10 + r0 as u64);
            for r in 0..b.len() {
                for s in 0..ns {
                    for m in 0..nm {
                        let want = all[((r0 + r) * ns + s) * nm + m];
                        assert_eq!(bits(b.row(r, s, m)), bits(want), "block {i} row {r}");
                    }
                }
            }
            r0 += b.len();
        }
        assert_eq!(r0, n, "the blocks hold every replication");
    }

    #[test]
    fn the_last_block_is_kept_in_memory_and_reads_back_after_the_file() {
        let d = tmp("keep-last");
        let (path, res, all) = keep_last(&d, &[5, 7, 1]);
        // The file holds the first two blocks; the third (1 replication) is in memory.
        let file = Spill::open(&path).unwrap();
        assert_eq!(
            (file.first(), file.replications(), file.n_blocks()),
            (10, 12, 2)
        );
        let shape = res.shape();
        assert_eq!(
            (shape.first, shape.replications, res.n_blocks()),
            (10, 13, 3)
        );
        assert!(matches!(res.block(2).unwrap(), Cow::Borrowed(_)));
        assert_reads_back(&res, &all);
        // A run of one block: the file holds none, the memory all.
        let (path, res, all) = keep_last(&d, &[6]);
        assert_eq!(Spill::open(&path).unwrap().n_blocks(), 0);
        assert_eq!((res.shape().replications, res.n_blocks()), (6, 1));
        assert_reads_back(&res, &all);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_kept_block_that_does_not_follow_the_file_is_refused() {
        let d = tmp("keep-last-gap");
        let (path, _) = write(&d, &[4, 4], true);
        let block = |first, ns| Some(Block::from_rows(first, ns, 2, &rows(first, 3, ns, 2)));
        // The file holds replications 10..18.
        assert!(SpillAndTail::new(Spill::open(&path).unwrap(), block(18, 3)).is_ok());
        for (first, ns) in [(19, 3), (17, 3), (18, 2)] {
            let err = SpillAndTail::new(Spill::open(&path).unwrap(), block(first, ns));
            assert!(
                matches!(&err, Err(SpillError::Corrupt { what, .. }) if what.contains("does not follow")),
                "{first}, {ns}: {err:?}"
            );
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn an_unfinished_file_is_never_the_finished_one() {
        let d = tmp("unfinished");
        let (path, _) = write(&d, &[4, 4], false);
        assert!(!path.exists());
        assert!(partial_path(&path).exists());
        // The partial file itself does not open as a finished spill either.
        assert!(Spill::open(&partial_path(&path)).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn truncated_or_damaged_files_are_refused() {
        let d = tmp("damaged");
        let (path, _) = write(&d, &[6, 3], true);
        let bytes = std::fs::read(&path).unwrap();
        // Every truncation fails to open.
        for cut in [
            0,
            10,
            HEADER_LEN as usize + 3,
            bytes.len() / 2,
            bytes.len() - 1,
        ] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            assert!(
                matches!(Spill::open(&path), Err(SpillError::Corrupt { .. })),
                "cut at {cut}"
            );
        }
        // A flipped bit in the values opens (headers intact) but its column is refused.
        let mut bad = bytes.clone();
        let at = bad.len() - TRAILER_LEN as usize - 5;
        bad[at] ^= 1;
        std::fs::write(&path, &bad).unwrap();
        let sp = Spill::open(&path).unwrap();
        let (ns, nm) = (sp.n_strategies(), sp.n_materials());
        let last = Metric::ALL[N_METRICS - 1];
        assert!(matches!(
            sp.column(ns - 1, nm - 1, last),
            Err(SpillError::Corrupt { .. })
        ));
        assert!(sp.column(0, 0, Metric::ALL[0]).is_ok());
        assert!(sp.block(1).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
