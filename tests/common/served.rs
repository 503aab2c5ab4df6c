//! What the sector step reads of a replication's materials, from the short days the
//! scalar material step listed (`chokepoint::sim::material::ShortDays`).

use chokepoint::sim::sectors::Served;
use chokepoint::sim::timeline::Frames;

/// The short days the scalar material step listed, one list per material, and the
/// frames the step ran on (for the first supply-loss onsets).
pub struct Listed<'a> {
    pub days: &'a [Vec<(u32, f64, f64)>],
    pub frames: &'a Frames,
}

impl Served for Listed<'_> {
    fn n_listed(&self, m: usize) -> usize {
        self.days[m].len()
    }

    fn listed(&self, m: usize, i: usize) -> (u32, f64, f64) {
        self.days[m][i]
    }

    fn first_supply_onset(&self, m: usize) -> Option<u32> {
        self.frames.materials[m].first_supply_onset
    }
}

/// Steps every material of `strat` through the horizon `h` of one replication's
/// `frames` with the scalar material step (demand noise `noise`), listing each one's
/// short days in `days` and writing its row into `mats`: what the sector step reads
/// (through [`Listed`]). Allocates nothing once `days` have held a horizon.
pub fn step_materials(
    strat: &chokepoint::model::Strategy,
    frames: &Frames,
    noise: &[f64],
    ws: &mut chokepoint::sim::material::Workspace,
    days: &mut [Vec<(u32, f64, f64)>],
    h: usize,
    mats: &mut [chokepoint::sim::MetricsRow],
) {
    use chokepoint::sim::material::{self, ShortDays};
    for (m, p) in strat.materials.iter().enumerate() {
        let rec = &mut ShortDays::new(&mut days[m], h);
        mats[m] = material::simulate(p, &frames.materials[m], noise, ws, rec).row;
    }
}
