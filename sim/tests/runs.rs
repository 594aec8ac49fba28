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

/// Several lanes: every node joins in random order under loss, every flow arrives, and the
/// run is the same every time (the threads' timing does not enter it) and the same when the
/// lanes take turns on one thread (what a tap makes them do).
#[test]
fn lanes_give_the_same_run_every_time_and_on_one_thread() {
    let src = kary(3, 4, 3);
    let cfg = SimConfig {
        seed: 5,
        loss: 0.1,
        jitter_ms: 2,
        join: JoinOrder::Random,
        lanes: 3,
        ..SimConfig::default()
    };
    let plan = TrafficPlan {
        flows: Some(3_000),
        per_ms: 5,
        ..TrafficPlan::default()
    };
    let run = |tap: bool| {
        let topo = pasa_topology::parse(&src, "test.pasa").unwrap();
        let mut sim: Sim = Sim::new(topo, cfg).unwrap();
        assert_eq!(sim.lanes(), 3);
        let frames = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        if tap {
            let f = std::sync::Arc::clone(&frames);
            sim.tap = Some(Box::new(move |_, _, _, _| {
                f.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }));
        }
        let boot = run::bootstrap(&mut sim).unwrap();
        sim.cfg.loss = 0.0;
        let traffic = run::traffic(&mut sim, &plan);
        let mut r = report::build(&sim, boot, traffic, BTreeMap::new());
        for l in &mut r.lanes {
            l.wait_ms = 0;
        }
        (r, frames.load(std::sync::atomic::Ordering::Relaxed))
    };
    let json = |r: &Report| serde_json::to_string(r).unwrap();
    let (a, _) = run(false);
    assert_eq!(
        a.bootstrap.joined, a.bootstrap.nodes,
        "{:?}",
        a.bootstrap.missing
    );
    assert!(a.bootstrap.lost > 0);
    let t = &a.traffic;
    assert_eq!(t.app.delivered, (t.flows + t.to_outside) as u64);
    assert_eq!(t.app.echo_completed, t.echo_from_outside as u64);
    assert_eq!((t.app.misdelivered, t.app.hop_limit_mismatch), (0, 0));
    // Every lane did work, and the events add up to the lanes' sum.
    assert_eq!(a.lanes.len(), 3);
    assert!(
        a.lanes.iter().all(|l| l.nodes > 0 && l.events > 0),
        "{:?}",
        a.lanes
    );
    assert_eq!(
        a.lanes.iter().map(|l| l.nodes).sum::<usize>(),
        a.topology.nodes
    );
    for _ in 0..3 {
        assert_eq!(json(&a), json(&run(false).0));
    }
    let (b, tapped) = run(true);
    assert_eq!(json(&a), json(&b));
    assert_eq!(tapped, a.links.frames - a.links.lost);
    // One lane is another run, as good.
    let one = simulate(&src, SimConfig { lanes: 1, ..cfg }, plan, Some(0.0));
    assert_eq!(one.bootstrap.joined, one.bootstrap.nodes);
    assert_eq!(one.traffic.app.delivered, a.traffic.app.delivered);
}

#[test]
fn lanes_need_a_latency_and_a_count_in_range() {
    let topo = || pasa_topology::parse(FIGURE6, "f.pasa").unwrap();
    for (lanes, latency_ms) in [(0, 2), (65, 2), (2, 0)] {
        let cfg = SimConfig {
            lanes,
            latency_ms,
            ..SimConfig::default()
        };
        let err = Sim::<8>::new(topo(), cfg).err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("lane")),
            "{lanes} {latency_ms}: {err:?}"
        );
    }
    let cfg = SimConfig {
        lanes: 64,
        ..SimConfig::default()
    };
    assert_eq!(Sim::<8>::new(topo(), cfg).unwrap().lanes(), 64);
}
