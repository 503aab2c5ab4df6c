//! The random-number streams of a run (MODEL.md §1).
//!
//! Every replication draws from ChaCha8 streams (rand's portable `ChaCha8Rng`, the same
//! output on every platform and patch release) keyed by the scenario seed and a stream id
//! `replication * SUBSTREAMS + sub`, where `sub` is [`SUB_DEMAND`]` + material` for the
//! demand noise of a material and [`SUB_SHOCK`]` + shock` for the timeline of a shock. A
//! replication's numbers therefore depend only on `(seed, replication)`, never on the
//! thread count, the schedule, or how a run is split into shards; adding a material or a
//! shock does not move any other stream.

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

/// Streams reserved per replication.
pub const SUBSTREAMS: u64 = 1 << 16;
/// First stream of demand noise (one per material).
pub const SUB_DEMAND: u64 = 1;
/// First stream of shock timelines (one per shock).
pub const SUB_SHOCK: u64 = 1 << 15;

/// The generator of stream `sub` of replication `rep`.
pub fn stream(seed: u64, rep: u64, sub: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(rep.wrapping_mul(SUBSTREAMS).wrapping_add(sub));
    r
}
