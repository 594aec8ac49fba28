//! Every named scenario passes on the built-in network and on Figure 6.

use pasa_sim::SimConfig;
use pasa_sim::scenario::{self, ALL};

fn base(seed: u64, lanes: usize) -> SimConfig {
    SimConfig {
        seed,
        lanes,
        ..SimConfig::default()
    }
}

const FIGURE6: &str = include_str!("../../examples/figure6.pasa");

#[test]
fn every_scenario_passes_on_the_default_network() {
    let mut failed = Vec::new();
    for (name, _, run) in ALL {
        let o = run(scenario::default_topology(), base(1, 1)).unwrap();
        for c in &o.checks {
            println!("{name}: [{}] {}", if c.ok { "ok" } else { "FAIL" }, c.what);
        }
        if !o.passed() {
            failed.push(*name);
        }
    }
    assert!(failed.is_empty(), "failed: {failed:?}");
    assert_eq!(ALL.len(), 7);
}

#[test]
fn every_scenario_passes_on_figure6() {
    let mut failed = Vec::new();
    for (name, _, run) in ALL {
        let topo = pasa_topology::parse(FIGURE6, "figure6.pasa").unwrap();
        let o = run(topo, base(2, 1)).unwrap();
        for c in &o.checks {
            println!("{name}: [{}] {}", if c.ok { "ok" } else { "FAIL" }, c.what);
        }
        if !o.passed() {
            failed.push(*name);
        }
    }
    assert!(failed.is_empty(), "failed: {failed:?}");
}

/// The scenarios power nodes down and up, rewire them and inject frames from outside a
/// window: with several lanes those go to the right lane (the root's subtrees are split
/// between three lanes here).
#[test]
fn every_scenario_passes_with_three_lanes() {
    let mut failed = Vec::new();
    for (name, _, run) in ALL {
        let o = run(scenario::default_topology(), base(1, 3)).unwrap();
        for c in &o.checks {
            println!("{name}: [{}] {}", if c.ok { "ok" } else { "FAIL" }, c.what);
        }
        if !o.passed() {
            failed.push(*name);
        }
    }
    assert!(failed.is_empty(), "failed: {failed:?}");
}
