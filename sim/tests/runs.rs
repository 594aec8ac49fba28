//! Whole simulated runs: the demo network, determinism, random join order under loss, and a
//! 10,000-node network.

use std::collections::BTreeMap;

use pasa_sim::report::{self, Report};
use pasa_sim::run::{self, TrafficPlan};
use pasa_sim::{JoinOrder, Sim, SimConfig};

const FIGURE6: &str = include_str!("../../examples/figure6.pasa");

fn simulate(src: &str, cfg: SimConfig, plan: TrafficPlan, loss_after_boot: Option<f64>) -> Report {
    let topo = pasa_topology::parse(src, "test.pasa").unwrap();
    let mut sim: Sim = Sim::new(topo, cfg).unwrap();
    let boot = run::bootstrap(&mut sim).unwrap();
    if let Some(l) = loss_after_boot {
        sim.cfg.loss = l;
    }
    let traffic = run::traffic(&mut sim, &plan);
    report::build(&sim, boot, traffic, BTreeMap::new())
}

fn kary(depth: u32, fanout: u32, hosts: u32) -> String {
    pasa_topology::generate::kary(depth, fanout, hosts)
        .unwrap()
        .to_text()
}

#[test]
fn figure6_bootstraps_to_the_plan_and_delivers_every_pair() {
    let r = simulate(FIGURE6, SimConfig::default(), TrafficPlan::default(), None);
    let b = &r.bootstrap;
    assert_eq!((b.joined, b.nodes), (15, 15));
    assert_eq!(b.matches_plan, Some(true), "{:?}", b.mismatches);
    // Six ND messages per joining node, nothing lost or repeated, plus the RA each of the 5
    // routers multicasts when it gets its address (only its parent is up to hear it, since
    // the declared order starts children later).
    assert_eq!(b.control_frames, 14 * 6 + 5);
    let t = &r.traffic;
    assert!(t.all_pairs);
    assert_eq!(t.flows, 15 * 14);
    assert_eq!(
        t.app.delivered,
        15 * 14 + 14,
        "every pair and every node to the outside"
    );
    assert_eq!(t.delivered_outside, 14);
    assert_eq!((t.app.echo_completed, t.echo_from_outside), (14, 14));
    assert_eq!(t.app.misdelivered, 0);
    assert!(r.drops.is_empty(), "{:?}", r.drops);
    // Hops: the 225 ordered pairs of Figure 6 take 604 hops along the tree (SPEC.md §1.5),
    // and a datagram to the outside takes the node's depth (28 over the 14 nodes).
    assert_eq!(t.app.hops_sum, 604 + 28);
    // The baselines: the root in non-storing mode holds 14 source routes of 25 octets.
    assert_eq!(r.state_bytes.rpl_non_storing.max, 14 * 25);
    assert_eq!(r.state_bytes.rpl_storing.max, 14 * 50);
    assert_eq!(r.header_bytes.pasa.max, 4);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let src = kary(3, 3, 2);
    let cfg = SimConfig {
        seed: 7,
        join: JoinOrder::Random,
        loss: 0.1,
        jitter_ms: 3,
        ..SimConfig::default()
    };
    let a = simulate(&src, cfg, TrafficPlan::default(), None);
    let b = simulate(&src, cfg, TrafficPlan::default(), None);
    let json = |r: &Report| serde_json::to_string(r).unwrap();
    assert_eq!(json(&a), json(&b));
    let c = simulate(
        &src,
        SimConfig { seed: 8, ..cfg },
        TrafficPlan::default(),
        None,
    );
    assert_ne!(json(&a), json(&c), "another seed is another run");
}

#[test]
fn thirty_percent_loss_during_bootstrap_still_joins_everyone() {
    let src = kary(3, 4, 3);
    let cfg = SimConfig {
        seed: 3,
        loss: 0.3,
        join: JoinOrder::Random,
        ..SimConfig::default()
    };
    let r = simulate(&src, cfg, TrafficPlan::default(), Some(0.0));
    let b = &r.bootstrap;
    assert_eq!(b.joined, b.nodes, "missing: {:?}", b.missing);
    assert!(b.lost > 0);
    let t = &r.traffic;
    assert_eq!(t.app.delivered, (t.flows + t.to_outside) as u64);
    assert_eq!(t.app.echo_completed, t.echo_from_outside as u64);
}

#[test]
fn ten_thousand_nodes_bootstrap_and_carry_ten_thousand_flows() {
    // Depth 4, fan-out 8, 2 hosts per router: 4,681 routers and 9,362 hosts (14,043 nodes),
    // joined one at a time in declared order and checked against the plan.
    let src = kary(4, 8, 2);
    let topo = pasa_topology::parse(&src, "kary.pasa").unwrap();
    assert!(topo.nodes.len() >= 10_000, "{}", topo.nodes.len());
    let plan = TrafficPlan {
        flows: Some(10_000),
        ..TrafficPlan::default()
    };
    let r = simulate(&src, SimConfig::default(), plan, None);
    assert_eq!(r.bootstrap.joined, r.bootstrap.nodes);
    assert_eq!(r.bootstrap.matches_plan, Some(true));
    assert_eq!(
        r.traffic.app.delivered,
        10_000 + r.traffic.to_outside as u64
    );
    assert_eq!(r.traffic.app.misdelivered, 0);
}
