//! Builders of small validated scenarios for tests, written directly as model values so
//! that simulation tests do not depend on the file format; [`cli`], the set-up of the
//! tests that run the binary; [`served`], the sector step's view of listed short days.
#![allow(dead_code)]

pub mod cli;
pub mod served;

use chokepoint::model::*;

/// One supplier with the given share and lead time, no surge.
pub fn supplier(share: f64, lead: u32) -> SupplierParams {
    SupplierParams::new(share, lead, 0.0, 0, 100.0).unwrap()
}

/// A material with daily demand `d`, no noise, the given private and stockpile days.
pub fn material(
    d: f64,
    private_days: f64,
    stockpile_days: f64,
    sups: Vec<SupplierParams>,
) -> MaterialParams {
    let values = MaterialValues {
        daily_demand: d,
        demand_cv: 0.0,
        unit_value: 100.0,
        shortage_cost: 1000.0,
        holding_cost_rate: 0.02,
        private_days,
        stockpile_days,
        max_release_rate: 1.0,
        refill_rate: 0.1,
    };
    MaterialParams::new(values, sups, None, None).unwrap()
}

/// `p` with its plain numbers changed by `f` (checked).
pub fn with_values(p: &MaterialParams, f: impl FnOnce(&mut MaterialValues)) -> MaterialParams {
    let mut v = p.values();
    f(&mut v);
    p.with_values(v).unwrap()
}

/// Identity of a material with `n` suppliers named s0, s1, ...
pub fn info(id: &str, n: usize) -> MaterialInfo {
    MaterialInfo {
        id: id.parse().unwrap(),
        name: id.into(),
        unit: "t".into(),
        bucket: None,
        suppliers: (0..n)
            .map(|i| SupplierInfo {
                id: format!("s{i}").parse().unwrap(),
                country: format!("C{i}"),
                routes: vec![],
            })
            .collect(),
    }
}

/// A supply-loss shock on the given (material, supplier) pairs.
pub fn embargo(
    id: &str,
    onset: Onset,
    duration: Dist,
    severity: Dist,
    targets: Vec<(usize, usize)>,
) -> Shock {
    Shock::new(ShockParts {
        id: id.parse().unwrap(),
        label: id.into(),
        kind: ShockKind::Embargo,
        onset,
        duration,
        severity,
        recovery: Dist::fixed(0.0).unwrap(),
        delay: None,
        triggers: vec![],
        supply_targets: targets,
        demand_targets: vec![],
    })
    .unwrap()
}

/// A scenario from its parts; strategies given as (id, annual cost, material params).
pub fn scenario(
    horizon: u32,
    infos: Vec<MaterialInfo>,
    shocks: Vec<Shock>,
    strategies: Vec<(&str, f64, Vec<MaterialParams>)>,
) -> Scenario {
    let shock_order = topo(&shocks);
    Scenario::new(ScenarioParts {
        name: "test".into(),
        description: String::new(),
        horizon_days: horizon,
        replications: 100,
        seed: 1,
        materials: infos,
        shocks,
        shock_order,
        sectors: vec![],
        sector_order: vec![],
        strategies: strategies
            .into_iter()
            .map(|(id, cost, mats)| Strategy {
                id: id.parse().unwrap(),
                label: id.into(),
                short_label: id.into(),
                annual_cost: cost,
                overrides: vec![],
                materials: mats,
                sectors: vec![],
                release_to_priority: None,
            })
            .collect(),
        reference: 0,
        currency: DEFAULT_CURRENCY.into(),
        criterion: Default::default(),
        warnings: vec![],
    })
    .unwrap()
}

/// Topological order of the trigger graph (parents first); tests only build acyclic ones.
pub fn topo(shocks: &[Shock]) -> Vec<usize> {
    let n = shocks.len();
    let mut indeg = vec![0; n];
    for s in shocks {
        for t in s.triggers() {
            indeg[t.shock()] += 1;
        }
    }
    let mut order = Vec::new();
    let mut ready: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
    while let Some(i) = ready.pop() {
        order.push(i);
        for t in shocks[i].triggers() {
            indeg[t.shock()] -= 1;
            if indeg[t.shock()] == 0 {
                ready.push(t.shock());
            }
        }
    }
    assert_eq!(order.len(), n, "test scenario has a trigger cycle");
    order
}

/// The plain numbers of a supplier, for [`with_supplier`].
pub struct SupplierValues {
    pub share: f64,
    pub lead_time_days: u32,
    pub surge: f64,
    pub surge_lag_days: u32,
    pub unit_cost: f64,
}

/// `s` with its numbers changed by `f` (checked).
pub fn with_supplier(s: &SupplierParams, f: impl FnOnce(&mut SupplierValues)) -> SupplierParams {
    let mut v = SupplierValues {
        share: s.share(),
        lead_time_days: s.lead_time_days(),
        surge: s.surge(),
        surge_lag_days: s.surge_lag_days(),
        unit_cost: s.unit_cost(),
    };
    f(&mut v);
    SupplierParams::new(
        v.share,
        v.lead_time_days,
        v.surge,
        v.surge_lag_days,
        v.unit_cost,
    )
    .unwrap()
}
