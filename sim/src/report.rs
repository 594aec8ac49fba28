//! The JSON report: what the run measured, and the same topology under RPL's two modes.
//!
//! The baselines are computed from the topology, not simulated:
//! - **RPL storing mode**: every router keeps a route to every node below it; 50 octets per
//!   entry (Contiki-NG 5.0's routing entry, ANCHORS.md). Header: page dispatch + RPI-6LoRH,
//!   4 octets (RFC 8138; no source route).
//! - **RPL non-storing mode**: the root keeps one source-route entry per node, 25 octets each
//!   (Contiki-NG), other nodes only their parent. Every packet goes through the root; the
//!   header of the root-to-node leg is page dispatch (1) + IP-in-IP 6LoRH (3) + RH3-6LoRH
//!   (2 + d·k) + RPI-6LoRH (3) with k = 2 octets per hop (16-bit short addresses, the most
//!   favourable case for RPL; SPEC.md §7).
//! - **PASA**: a router keeps its own address, its parent's link-layer address and, per
//!   registered child, the child's 8-octet IID and 8-octet link-layer address (the least a
//!   children entry needs; the core's table is a fixed array of `2N` slots, reported apart).
//!   Header: page dispatch + PASA-6LoRH, 3 + ⌈Len/8⌉ octets, the same on every hop.

use std::collections::BTreeMap;

use pasa_router::children::SlotState;
use serde::Serialize;

use crate::engine::{LaneStats, LinkStats, Sim};
use crate::run::{Bootstrap, TrafficReport};

/// Octets per RPL storing-mode route (Contiki-NG 5.0).
pub const RPL_STORING_ENTRY: u64 = 50;
/// Octets per RPL non-storing source-route entry at the root (Contiki-NG 5.0).
pub const RPL_NON_STORING_ENTRY: u64 = 25;
/// Octets per registered child in PASA: IID + link-layer address.
pub const PASA_CHILD_ENTRY: u64 = 16;
/// Octets of a PASA node's own state: its address and its parent's link-layer address.
pub const PASA_OWN: u64 = 16;

/// Mean, largest and total of a per-node quantity.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    /// Mean over the nodes.
    pub mean: f64,
    /// Largest value.
    pub max: u64,
    /// Sum over the nodes.
    pub total: u64,
}

impl Summary {
    fn of(v: &[u64]) -> Self {
        let total: u64 = v.iter().sum();
        Self {
            mean: if v.is_empty() {
                0.0
            } else {
                total as f64 / v.len() as f64
            },
            max: v.iter().copied().max().unwrap_or(0),
            total,
        }
    }
}

/// One tree depth.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DepthRow {
    /// Hops from the root.
    pub depth: u32,
    /// Nodes at this depth.
    pub nodes: u64,
    /// Mean forwarding state per node, octets: PASA, RPL storing, RPL non-storing.
    pub state_pasa: f64,
    /// RPL storing.
    pub state_rpl_storing: f64,
    /// RPL non-storing.
    pub state_rpl_non_storing: f64,
    /// Mean routing header octets of a packet to a node at this depth: PASA.
    pub header_pasa: f64,
    /// RPL storing.
    pub header_rpl_storing: f64,
    /// RPL non-storing (root-to-node leg).
    pub header_rpl_non_storing: f64,
}

/// Forwarding state or header cost under the three schemes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Compare {
    /// PASA.
    pub pasa: Summary,
    /// RPL storing mode.
    pub rpl_storing: Summary,
    /// RPL non-storing mode.
    pub rpl_non_storing: Summary,
}

impl Compare {
    /// `label, octets (mean / max): PASA m / x, RPL storing m / x, RPL non-storing m / x`.
    fn line(&self, label: &str) -> String {
        let [p, st, ns] = [&self.pasa, &self.rpl_storing, &self.rpl_non_storing];
        format!(
            "{label}, octets (mean / max): PASA {:.1} / {}, RPL storing {:.1} / {}, RPL non-storing {:.1} / {}\n",
            p.mean, p.max, st.mean, st.max, ns.mean, ns.max
        )
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Tool and version.
    pub tool: &'static str,
    /// Crate version.
    pub version: &'static str,
    /// The topology.
    pub topology: TopologySummary,
    /// The run's knobs.
    pub config: ConfigSummary,
    /// Bootstrap by messages.
    pub bootstrap: Bootstrap,
    /// Traffic.
    pub traffic: TrafficReport,
    /// Drops over all nodes, by reason.
    pub drops: BTreeMap<&'static str, u64>,
    /// Event counters over all nodes.
    pub events: BTreeMap<&'static str, u64>,
    /// Links.
    pub links: LinkStats,
    /// Forwarding state per node, octets.
    pub state_bytes: Compare,
    /// Octets of the children table as the core implements it (a fixed array), per node.
    pub pasa_table_bytes: u64,
    /// Routing header octets per packet, by destination.
    pub header_bytes: Compare,
    /// Per depth.
    pub by_depth: Vec<DepthRow>,
    /// Wall-clock milliseconds: bootstrap, traffic.
    pub wall_ms: BTreeMap<&'static str, u64>,
    /// The engine's lanes: nodes, events, wall time waiting for each other.
    pub lanes: Vec<LaneStats>,
}

/// The topology in numbers.
#[derive(Debug, Clone, Serialize)]
pub struct TopologySummary {
    /// Where it came from.
    pub source: String,
    /// Nodes.
    pub nodes: usize,
    /// Routers (root excluded).
    pub routers: usize,
    /// Hosts.
    pub hosts: usize,
    /// Deepest node, hops from the root.
    pub depth_max: u32,
    /// Longest address, bits.
    pub longest_address_bits: u8,
}

/// The knobs.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigSummary {
    /// Seed.
    pub seed: u64,
    /// Link latency and jitter, milliseconds.
    pub latency_ms: u64,
    /// Jitter.
    pub jitter_ms: u64,
    /// Loss probability.
    pub loss: f64,
    /// MTU.
    pub mtu: usize,
    /// Engine lanes (threads); the run is the same for the same seed and lanes.
    pub lanes: usize,
}

/// Builds the report of a finished run.
pub fn build<const N: usize>(
    sim: &Sim<N>,
    bootstrap: Bootstrap,
    traffic: TrafficReport,
    wall: BTreeMap<&'static str, u64>,
) -> Report {
    let t = &sim.topo;
    let n = t.nodes.len();
    // Depth and descendants from the declaration order (parents come first).
    let mut depth = vec![0u32; n];
    for i in 1..n {
        if let Some(p) = t.nodes[i].parent {
            depth[i] = depth[p as usize] + 1;
        }
    }
    let mut below = vec![0u64; n];
    for i in (1..n).rev() {
        if let Some(p) = t.nodes[i].parent {
            below[p as usize] += below[i] + 1;
        }
    }
    let mut pasa_state = Vec::with_capacity(n);
    let mut storing = Vec::with_capacity(n);
    let mut non_storing = Vec::with_capacity(n);
    let mut h_pasa = Vec::with_capacity(n);
    let mut h_storing = Vec::with_capacity(n);
    let mut h_non = Vec::with_capacity(n);
    let mut longest = 0u8;
    for i in 0..n as u32 {
        let registered = sim.node(i).map_or(0, |node| {
            node.children()
                .iter()
                .filter(|(_, s)| matches!(s.state, SlotState::Registered { .. }))
                .count() as u64
        });
        pasa_state.push(PASA_OWN + PASA_CHILD_ENTRY * registered);
        storing.push(RPL_STORING_ENTRY * below[i as usize]);
        non_storing.push(if i == 0 {
            RPL_NON_STORING_ENTRY * (n as u64 - 1)
        } else {
            0
        });
        let len = sim.address(i).map_or(0, |a| a.len_bits());
        longest = longest.max(len);
        h_pasa.push(3 + u64::from(len).div_ceil(8));
        h_storing.push(4);
        h_non.push(9 + 2 * u64::from(depth[i as usize]));
    }
    let depth_max = depth.iter().copied().max().unwrap_or(0);
    let mut by_depth = Vec::new();
    for d in 0..=depth_max {
        let idx: Vec<usize> = (0..n).filter(|&i| depth[i] == d).collect();
        let mean =
            |v: &[u64]| idx.iter().map(|&i| v[i] as f64).sum::<f64>() / idx.len().max(1) as f64;
        by_depth.push(DepthRow {
            depth: d,
            nodes: idx.len() as u64,
            state_pasa: mean(&pasa_state),
            state_rpl_storing: mean(&storing),
            state_rpl_non_storing: mean(&non_storing),
            header_pasa: mean(&h_pasa),
            header_rpl_storing: mean(&h_storing),
            header_rpl_non_storing: mean(&h_non),
        });
    }
    let count = |r: pasa_topology::NodeRole| t.nodes.iter().filter(|x| x.role == r).count();
    Report {
        tool: "pasa-sim",
        version: env!("CARGO_PKG_VERSION"),
        topology: TopologySummary {
            source: t.source.clone(),
            nodes: n,
            routers: count(pasa_topology::NodeRole::Router),
            hosts: count(pasa_topology::NodeRole::Host),
            depth_max,
            longest_address_bits: longest,
        },
        config: ConfigSummary {
            seed: sim.cfg.seed,
            latency_ms: sim.cfg.latency_ms,
            jitter_ms: sim.cfg.jitter_ms,
            loss: sim.cfg.loss,
            mtu: sim.cfg.mtu,
            lanes: sim.lanes(),
        },
        bootstrap,
        traffic,
        drops: sim.drops(),
        events: sim.stats(),
        links: sim.links(),
        state_bytes: Compare {
            pasa: Summary::of(&pasa_state),
            rpl_storing: Summary::of(&storing),
            rpl_non_storing: Summary::of(&non_storing),
        },
        pasa_table_bytes: (2 * N * std::mem::size_of::<pasa_router::children::Slot>()) as u64,
        header_bytes: Compare {
            pasa: Summary::of(&h_pasa),
            rpl_storing: Summary::of(&h_storing),
            rpl_non_storing: Summary::of(&h_non),
        },
        by_depth,
        wall_ms: wall,
        lanes: sim.lane_stats(),
    }
}

impl Report {
    /// A few lines for the terminal.
    pub fn summary(&self) -> String {
        let b = &self.bootstrap;
        let tr = &self.traffic;
        let mut s = String::new();
        s.push_str(&format!(
            "{}: {} nodes ({} routers, {} hosts), depth {}, longest address {} bits\n",
            self.topology.source,
            self.topology.nodes,
            self.topology.routers,
            self.topology.hosts,
            self.topology.depth_max,
            self.topology.longest_address_bits
        ));
        s.push_str(&format!(
            "bootstrap ({}): {}/{} joined in {} ms virtual, {} frames ({} ND), {} lost{}\n",
            b.order,
            b.joined,
            b.nodes,
            b.virtual_ms,
            b.frames,
            b.control_frames,
            b.lost,
            match b.matches_plan {
                Some(true) => ", addresses = pasa-topo plan".to_string(),
                Some(false) => format!(", {} addresses differ from the plan", b.mismatches.len()),
                None => String::new(),
            }
        ));
        s.push_str(&format!(
            "traffic: {} flows{}, {} datagrams delivered of {} sent, echo {}/{} answered, mean {:.2} hops, {} misdelivered\n",
            tr.flows,
            if tr.all_pairs { " (every ordered pair)" } else { "" },
            tr.app.delivered,
            tr.app.sent,
            tr.app.echo_completed,
            tr.echo_from_outside,
            tr.hops_mean,
            tr.app.misdelivered
        ));
        let total_drops: u64 = self.drops.values().sum();
        s.push_str(&format!("drops: {total_drops}"));
        for (k, v) in &self.drops {
            s.push_str(&format!(" {k}={v}"));
        }
        s.push('\n');
        s.push_str(&self.state_bytes.line("forwarding state per node"));
        s.push_str(&self.header_bytes.line("routing header per packet"));
        s
    }
}
