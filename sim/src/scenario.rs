//! Named fault scenarios with pass/fail checks (RELIABILITY.md F1-F10): each boots a network
//! by messages, does something bad to it, and checks what the network must still do.

use std::collections::HashSet;
use std::net::Ipv6Addr;

use pasa_addrcodec::Role;
use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions};
use pasa_addrcodec::wire::icmpv6::{NdKind, NdRepr};
use pasa_addrcodec::wire::iphc::{Context, Contexts, LinkAddrs};
use pasa_addrcodec::wire::nd::{self, Aaf, CioRepr, GaaoRepr, LlaoKind, LlaoRepr, Rovr};
use pasa_router::control::link_local;
use pasa_topology::{NodeRole, Topology};
use serde::Serialize;

use crate::engine::{JoinOrder, Sim, SimConfig, SimError, mac};
use crate::run::{self, TrafficPlan};

/// One check of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
}

/// The outcome of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Scenario name.
    pub name: &'static str,
    /// Every check.
    pub checks: Vec<Check>,
    /// Virtual time at the end, milliseconds.
    pub virtual_ms: u64,
}

impl Outcome {
    /// True when every check held.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// A scenario: name, what it does, and the function that runs it on a topology, from a
/// base configuration (seed and lanes; each scenario sets its own link model on top).
pub type Scenario = (
    &'static str,
    &'static str,
    fn(Topology, SimConfig) -> Result<Outcome, SimError>,
);

/// Every scenario.
pub const ALL: &[Scenario] = &[
    (
        "reboot",
        "a router and a host reboot and keep their addresses from non-volatile state (F1)",
        reboot,
    ),
    (
        "power-loss",
        "the parent loses power in the middle of writing an offer; it restarts from the last whole record and the child still joins (F2)",
        power_loss,
    ),
    (
        "lossy-bootstrap",
        "30 % of frames are lost while the network forms in random order; everyone still joins (F4)",
        lossy_bootstrap,
    ),
    (
        "router-removed",
        "a router dies and its children are rewired to its parent; the subtree renumbers under the new parent (F3, F18)",
        router_removed,
    ),
    (
        "registration-flood",
        "a rogue neighbour sends NS(GAAO) with 10,000 ROVRs; the cap holds and the network keeps working (F8, B60)",
        registration_flood,
    ),
    (
        "expiry-reuse",
        "a host leaves for good; after its lifetime and the quarantine, a new device gets its address (F9)",
        expiry_reuse,
    ),
    (
        "root-reboot",
        "the root reboots; every node keeps its address and traffic resumes without a new join (F5)",
        root_reboot,
    ),
];

/// A small built-in network for scenarios: a k-ary tree, 3 levels of 3 routers, 2 hosts each.
pub fn default_topology() -> Topology {
    pasa_topology::generate::kary(3, 3, 2).unwrap_or_else(|| unreachable!("a 3-level tree fits"))
}

struct Run {
    sim: Sim,
    checks: Vec<Check>,
}

/// The default link model with the seed and lanes of `base`.
fn seeded(base: SimConfig) -> SimConfig {
    SimConfig {
        seed: base.seed,
        lanes: base.lanes,
        ..SimConfig::default()
    }
}

impl Run {
    /// Every node but `except` joined, one at a time in declaration order.
    fn all_but(topo: Topology, base: SimConfig, except: u32) -> Result<Self, SimError> {
        let n = topo.nodes.len() as u32;
        let mut sim: Sim = Sim::new(topo, seeded(base))?;
        let store = sim.fresh_store();
        sim.power_up(0, store)?;
        for i in (1..n).filter(|&i| i != except) {
            run::join_one(&mut sim, i);
        }
        Ok(Self {
            sim,
            checks: Vec::new(),
        })
    }

    fn new(topo: Topology, cfg: SimConfig) -> Result<Self, SimError> {
        let mut sim: Sim = Sim::new(topo, cfg)?;
        let b = run::bootstrap(&mut sim)?;
        let mut r = Self {
            sim,
            checks: Vec::new(),
        };
        r.check(
            format!("all {} nodes joined ({} missing)", b.nodes, b.missing.len()),
            b.joined == b.nodes,
        );
        Ok(r)
    }

    fn check(&mut self, what: impl Into<String>, ok: bool) {
        self.checks.push(Check {
            what: what.into(),
            ok,
        });
    }

    /// Every node that is up holds an address, and no two hold the same.
    fn check_addresses(&mut self, when: &str) {
        let addrs = self.sim.addresses();
        let unique: HashSet<_> = addrs.iter().map(|(_, a)| *a).collect();
        let up = (0..self.sim.len() as u32)
            .filter(|&i| self.sim.node(i).is_some())
            .count();
        self.check(
            format!(
                "{when}: {} of {up} nodes hold an address, {} distinct",
                addrs.len(),
                unique.len()
            ),
            addrs.len() == up && unique.len() == addrs.len(),
        );
    }

    /// A traffic round: every flow arrives.
    fn check_traffic(&mut self, when: &str, flows: usize) {
        let plan = TrafficPlan {
            flows: Some(flows),
            ..TrafficPlan::default()
        };
        let t = run::traffic(&mut self.sim, &plan);
        let want = (t.flows + t.to_outside) as u64;
        self.check(
            format!(
                "{when}: {} of {want} datagrams and {} of {} echoes arrived, {} misdelivered",
                t.app.delivered, t.app.echo_completed, t.echo_from_outside, t.app.misdelivered
            ),
            t.app.delivered == want
                && t.app.echo_completed == t.echo_from_outside as u64
                && t.app.misdelivered == 0
                && t.app.hop_limit_mismatch == 0,
        );
    }

    fn finish(self, name: &'static str) -> Outcome {
        Outcome {
            name,
            virtual_ms: self.sim.now,
            checks: self.checks,
        }
    }

    /// The first node of `role` deepest in the tree (a router with children when routers).
    fn pick(&self, role: NodeRole) -> Option<u32> {
        let t = &self.sim.topo;
        let kids = t.children();
        (1..t.nodes.len() as u32)
            .filter(|&i| t.nodes[i as usize].role == role)
            .filter(|&i| role != NodeRole::Router || !kids.of(i).is_empty())
            .max_by_key(|&i| {
                (
                    self.sim.address(i).map_or(0, |a| a.depth()),
                    std::cmp::Reverse(i),
                )
            })
    }
}

fn reboot(topo: Topology, base: SimConfig) -> Result<Outcome, SimError> {
    let mut r = Run::new(topo, seeded(base))?;
    for role in [NodeRole::Router, NodeRole::Host] {
        let Some(i) = r.pick(role) else { continue };
        let before = r.sim.address(i);
        let parent = r.sim.topo.nodes[i as usize].parent.unwrap_or(0);
        let offers = |s: &Sim| s.node(parent).map_or(0, |x| x.stats().reg_offered);
        let offered = offers(&r.sim);
        let store = r.sim.power_down(i).unwrap_or_default();
        r.sim.run_to(r.sim.now + 5_000);
        r.sim.power_up(i, store)?;
        r.sim.run_to(r.sim.now + 10_000);
        let after = r.sim.address(i);
        let name = r.sim.topo.nodes[i as usize].name.clone();
        r.check(
            format!("{role} {name} kept its address {before:?} -> {after:?}"),
            before.is_some() && before == after && r.sim.joined(i),
        );
        r.check(
            format!("{name} re-registered without a new assignment"),
            offers(&r.sim) == offered,
        );
    }
    r.check_addresses("after the reboots");
    r.check_traffic("after the reboots", 200);
    Ok(r.finish("reboot"))
}

fn power_loss(topo: Topology, base: SimConfig) -> Result<Outcome, SimError> {
    // Boot everything but the last host; then cut the parent's power in the middle of the
    // record it writes for that host's offer, and restart it from what is on "flash".
    let n = topo.nodes.len() as u32;
    let last = (1..n)
        .rev()
        .find(|&i| topo.nodes[i as usize].role == NodeRole::Host);
    let Some(last) = last else {
        return Err(SimError::Parameter("power-loss needs a host".into()));
    };
    let parent = topo.nodes[last as usize].parent.unwrap_or(0);
    let mut r = Run::all_but(topo, base, last)?;
    // The next write stops after 20 octets: the record header and a bit of the payload.
    let mut store = r.sim.power_down(parent).unwrap_or_default();
    store.cut_after = Some(20);
    r.sim.power_up(parent, store)?;
    r.sim.run_to(r.sim.now + 5_000);
    r.sim.schedule_start(last, r.sim.now + 1);
    // Run until the torn write has happened (the offer), then pull the plug.
    let commits = |s: &Sim| s.node(parent).map_or(0, |x| x.stats().nvm_commits);
    let c0 = commits(&r.sim);
    let limit = r.sim.now + 60_000;
    r.sim.run_until(limit, |s| commits(s) > c0);
    let mut store = r.sim.power_down(parent).unwrap_or_default();
    store.cut_after = None;
    r.sim.run_to(r.sim.now + 2_000);
    r.sim.power_up(parent, store)?;
    let recovered = r.sim.node(parent).map_or(0, |x| x.stats().nvm_recovered);
    r.check(format!("the parent found the torn record and booted from the other slot (nvm_recovered = {recovered})"), recovered == 1);
    let limit = r.sim.now + run::JOIN_LIMIT_MS;
    let joined = r.sim.run_until(limit, |s| s.joined(last));
    r.check("the host joined after the parent's restart", joined);
    // Children registered before the cut are still known to the parent.
    let kids = r.sim.topo.children().of(parent).len();
    let known = r
        .sim
        .node(parent)
        .map_or(0, |x| x.children().iter().count());
    r.check(
        format!("the parent knows {known} of its {kids} children after the restart"),
        known == kids,
    );
    r.sim.run_to(r.sim.now + 5_000);
    r.check_addresses("after the power loss");
    r.check_traffic("after the power loss", 200);
    Ok(r.finish("power-loss"))
}

fn lossy_bootstrap(topo: Topology, base: SimConfig) -> Result<Outcome, SimError> {
    let cfg = SimConfig {
        loss: 0.3,
        join: JoinOrder::Random,
        ..seeded(base)
    };
    let mut r = Run::new(topo, cfg)?;
    let lost = r.sim.links().lost;
    r.check(
        format!("the links lost {lost} frames during the bootstrap"),
        lost > 0,
    );
    r.check_addresses("after the bootstrap");
    r.sim.cfg.loss = 0.0;
    r.check_traffic("with the loss gone", 200);
    Ok(r.finish("lossy-bootstrap"))
}

fn router_removed(topo: Topology, base: SimConfig) -> Result<Outcome, SimError> {
    let mut r = Run::new(topo, seeded(base))?;
    let Some(dead) = r
        .sim
        .topo
        .nodes
        .iter()
        .enumerate()
        .skip(1)
        .find(|(i, n)| {
            n.role == NodeRole::Router && !r.sim.topo.children().of(*i as u32).is_empty()
        })
        .map(|(i, _)| i as u32)
    else {
        return Err(SimError::Parameter(
            "router-removed needs a router with children".into(),
        ));
    };
    let grand = r.sim.topo.nodes[dead as usize].parent.unwrap_or(0);
    let orphans: Vec<u32> = r.sim.topo.children().of(dead).to_vec();
    let old: Vec<_> = orphans.iter().map(|&o| r.sim.address(o)).collect();
    r.sim.power_down(dead);
    for &o in &orphans {
        r.sim.rewire(o, grand);
    }
    // The orphans notice at their next refresh (3/4 of a 60-minute registration) and ask the
    // grandparent; their own children follow when their refreshes fail.
    let name = r.sim.topo.nodes[dead as usize].name.clone();
    let limit = r.sim.now + 6 * 3_600_000;
    // Checked once per simulated minute: the whole tree consistent again.
    let mut all = false;
    while r.sim.now < limit {
        r.sim.run_to(r.sim.now + 60_000);
        if r.sim.consistent() {
            all = true;
            break;
        }
    }
    r.check(
        format!(
            "every node but {name} holds an address that extends its new parent's, after {} min",
            r.sim.now / 60_000
        ),
        all,
    );
    let renumbered = orphans.iter().zip(&old).all(|(&o, &before)| {
        let a = r.sim.address(o);
        a.is_some() && a != before && a.and_then(|x| x.parent()) == r.sim.address(grand)
    });
    r.check(
        format!(
            "{} orphans renumbered under {}",
            orphans.len(),
            r.sim.topo.nodes[grand as usize].name
        ),
        renumbered,
    );
    r.check_addresses("after renumbering");
    r.check_traffic("after renumbering", 200);
    Ok(r.finish("router-removed"))
}

/// An NS(GAAO) frame from `from` to `to` with `rovr`.
fn ns_gaao(from: u32, to: u32, rovr: Rovr, prefix: pasa_addrcodec::Prefix64) -> Option<Vec<u8>> {
    let g = GaaoRepr {
        status: 0,
        opaque: 0,
        r: false,
        c: false,
        aaf: Aaf::try_new(0).ok()?,
        assignment_lifetime_min: 0,
        rovr,
        address: None,
    };
    let mut o = vec![0u8; 96];
    let mut at = LlaoRepr {
        kind: LlaoKind::Source,
        addr: mac(from),
    }
    .emit_slice(&mut o)
    .ok()?;
    at += g
        .emit_slice_with_type(&mut o[at..], nd::DEFAULT_GAAO_TYPE)
        .ok()?;
    at += CioRepr::for_role(Role::Host)
        .with_m(nd::DEFAULT_M_MASK)
        .emit_slice(&mut o[at..])
        .ok()?;
    o.truncate(at);
    let (src, dst): (Ipv6Addr, Ipv6Addr) = (link_local(&mac(from)), link_local(&mac(to)));
    let ns = NdRepr {
        kind: NdKind::NeighborSolicit { target: src },
        options: &o,
    };
    let mut msg = vec![0u8; ns.buffer_len()];
    ns.emit(&src, &dst, &mut msg).ok()?;
    let mut pkt = crate::app::ipv6_header(src, dst, 58, 255, msg.len());
    pkt.extend_from_slice(&msg);
    let c = Contexts::new().with(0, Context::new(prefix.network(), 64).ok()?);
    let (ms, md) = (mac(from), mac(to));
    let opts = CompressOptions {
        link: LinkAddrs {
            src: Some(ms.as_bytes()),
            dst: Some(md.as_bytes()),
        },
        ..CompressOptions::new(prefix)
    };
    let mut out = vec![0u8; pkt.len() + 8];
    let n = frame::compress(&pkt, &CodecConfig::new(&c), &opts, &mut out).ok()?;
    out.truncate(n);
    Some(out)
}

fn registration_flood(mut topo: Topology, base: SimConfig) -> Result<Outcome, SimError> {
    // The rogue is one more host under the first router; the simulator runs no core for it:
    // it only sends frames.
    let target = topo
        .nodes
        .iter()
        .position(|n| n.role == NodeRole::Router)
        .unwrap_or(0) as u32;
    let name = topo.nodes[target as usize].name.clone();
    topo.nodes.push(pasa_topology::Node {
        name: "rogue".into(),
        role: NodeRole::Host,
        parent: Some(target),
        pos: Default::default(),
    });
    let rogue = (topo.nodes.len() - 1) as u32;
    let mut r = Run::all_but(topo, base, rogue)?;
    let held = |s: &Sim| s.node(target).map_or(0, |x| x.children().iter().count());
    let before = held(&r.sim);
    let prefix = r.sim.prefix();
    for k in 0..10_000u32 {
        let rovr = Rovr::new(&[
            0xBA,
            0xD0,
            0,
            0,
            (k >> 24) as u8,
            (k >> 16) as u8,
            (k >> 8) as u8,
            k as u8,
        ])
        .unwrap_or(Rovr::ZERO);
        if let Some(f) = ns_gaao(rogue, target, rovr, prefix) {
            r.sim.inject(rogue, target, &f);
        }
        if k % 100 == 0 {
            r.sim.run_to(r.sim.now + 10);
        }
    }
    r.sim.run_to(r.sim.now + 10_000);
    let after = held(&r.sim);
    let refused = r.sim.node(target).map_or(0, |x| x.stats().reg_refused_cap);
    r.check(format!("{name} gave the rogue at most 2 slots ({before} -> {after} held) and refused {refused} requests"), after <= before + 2 && refused >= 9_990);
    r.check(
        format!("{name}'s table stays bounded"),
        after <= 2 * crate::engine::CAPACITY,
    );
    r.sim.run_to(r.sim.now + 5_000);
    r.check_traffic("during and after the flood", 200);
    Ok(r.finish("registration-flood"))
}

fn expiry_reuse(topo: Topology, base: SimConfig) -> Result<Outcome, SimError> {
    let mut r = Run::new(topo, seeded(base))?;
    let Some(h) = r.pick(NodeRole::Host) else {
        return Err(SimError::Parameter("expiry-reuse needs a host".into()));
    };
    let addr = r.sim.address(h);
    r.sim.power_down(h);
    // Registration lifetime (60 min) and quarantine (60 s) pass.
    r.sim.run_to(r.sim.now + 62 * 60_000);
    let parent = r.sim.topo.nodes[h as usize].parent.unwrap_or(0);
    let freed = r.sim.node(parent).map_or(0, |x| x.stats().reg_expired);
    r.check(
        format!("the parent expired the registration ({freed} expiries)"),
        freed >= 1,
    );
    // Another device takes the place: a different ROVR, a fresh store.
    let mut cfg = r.sim.node_config(h);
    cfg.joiner.rovr = Rovr::new(&[0xCE, 0xA5, 0, 0, 0, 0, 0, 1]).unwrap_or(Rovr::ZERO);
    let store = r.sim.fresh_store();
    r.sim.power_up_with(h, store, cfg)?;
    let limit = r.sim.now + run::JOIN_LIMIT_MS;
    let joined = r.sim.run_until(limit, |s| s.joined(h));
    r.check(
        format!(
            "the new device got the freed address {addr:?} -> {:?}",
            r.sim.address(h)
        ),
        joined && r.sim.address(h) == addr,
    );
    r.check_addresses("after the reuse");
    r.check_traffic("after the reuse", 200);
    Ok(r.finish("expiry-reuse"))
}

fn root_reboot(topo: Topology, base: SimConfig) -> Result<Outcome, SimError> {
    let mut r = Run::new(topo, seeded(base))?;
    let before = r.sim.addresses();
    // Offers by every registrar but the root, whose counters restart with it.
    let offers = |s: &Sim| {
        (1..s.len() as u32)
            .filter_map(|i| s.node(i))
            .map(|x| x.stats().reg_offered)
            .sum::<u64>()
    };
    let offered = offers(&r.sim);
    let store = r.sim.power_down(0).unwrap_or_default();
    r.sim.run_to(r.sim.now + 5_000);
    r.sim.power_up(0, store)?;
    let kids = r.sim.topo.children().of(0).len();
    let known = r.sim.node(0).map_or(0, |x| x.children().iter().count());
    r.check(
        format!("the root reloaded {known} of its {kids} children from its store"),
        known == kids,
    );
    r.sim.run_to(r.sim.now + 5_000);
    r.check("every node kept its address", r.sim.addresses() == before);
    let root_offers = r.sim.node(0).map_or(0, |x| x.stats().reg_offered);
    r.check(
        "no node asked for a new address",
        offers(&r.sim) == offered && root_offers == 0,
    );
    r.check_traffic("after the root's reboot", 200);
    Ok(r.finish("root-reboot"))
}
