//! A whole run: bootstrap by messages, traffic, and the measurements the report is made of.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use pasa_topology::{Order, plan};

use crate::app::{self, OUTSIDE};
use crate::engine::{JoinOrder, Sim, SimError};

/// Virtual time one node may take to join before the run gives up on it, milliseconds. With
/// lossy links a join can take several RS back-off rounds (up to 60 s each) per tree level.
pub const JOIN_LIMIT_MS: u64 = 3_600_000;

/// What to send once the network is up.
#[derive(Debug, Clone, Copy)]
pub struct TrafficPlan {
    /// Random node-to-node flows (one datagram each); `None`: every ordered pair when the
    /// network has at most 64 nodes, else 1000 flows.
    pub flows: Option<usize>,
    /// Flows started per millisecond of virtual time (at least 1).
    pub per_ms: u32,
    /// Echo requests from the outside host to nodes (every node when at most 64, else 100).
    pub echo_from_outside: bool,
    /// Datagrams from nodes to the outside host (every node when at most 64, else 100).
    pub to_outside: bool,
    /// UDP payload octets.
    pub payload_len: usize,
}

impl Default for TrafficPlan {
    fn default() -> Self {
        Self {
            flows: None,
            per_ms: 1,
            echo_from_outside: true,
            to_outside: true,
            payload_len: 16,
        }
    }
}

/// How the bootstrap went.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Bootstrap {
    /// Join order used.
    pub order: &'static str,
    /// Nodes holding a registered address at the end (root included).
    pub joined: usize,
    /// All nodes.
    pub nodes: usize,
    /// Virtual time from the first start to the last join, milliseconds.
    pub virtual_ms: u64,
    /// Frames put on links during the bootstrap, and the ND ones among them.
    pub frames: u64,
    /// ND frames (RS, RA, NS, NA).
    pub control_frames: u64,
    /// Octets put on links during the bootstrap.
    pub octets: u64,
    /// Frames the loss model dropped during the bootstrap.
    pub lost: u64,
    /// For the declared order: every address equals `pasa-topo plan`'s (`None` for random).
    pub matches_plan: Option<bool>,
    /// Nodes whose address differs from the plan: (name, planned, got).
    pub mismatches: Vec<(String, String, String)>,
    /// Nodes that did not join.
    pub missing: Vec<String>,
}

/// Starts node `i` now and runs until it holds its address (at most [`JOIN_LIMIT_MS`]);
/// returns whether it does.
pub fn join_one<const N: usize>(sim: &mut Sim<N>, i: u32) -> bool {
    let at = sim.now + 1;
    sim.schedule_start(i, at);
    let limit = sim.now + JOIN_LIMIT_MS;
    sim.run_until(limit, |s| s.joined(i))
}

/// Bootstraps the network by messages; the root starts at time 0.
pub fn bootstrap<const N: usize>(sim: &mut Sim<N>) -> Result<Bootstrap, SimError> {
    let n = sim.len() as u32;
    let start = sim.now;
    let before = sim.links();
    let store = sim.fresh_store();
    sim.power_up(0, store)?;
    match sim.cfg.join {
        JoinOrder::Declared => {
            let mut p = Progress::new("bootstrap");
            for i in 1..n {
                join_one(sim, i);
                p.tick(i as usize + 1, n as usize);
            }
            p.finish();
        }
        JoinOrder::Random => {
            let mut order: Vec<u32> = (1..n).collect();
            for k in (1..order.len()).rev() {
                let j = sim.random_below(k as u64 + 1) as usize;
                order.swap(k, j);
            }
            // Everyone starts within n/10 ms (at least 1 s): a new registrar announces itself,
            // so children that started early join as soon as their parent does.
            let spread = (u64::from(n) / 10).max(1000);
            for i in order {
                let at = start + sim.random_below(spread);
                sim.schedule_start(i, at);
            }
            let limit = start + spread + JOIN_LIMIT_MS;
            sim.run_until(limit, |s| s.joined_count() == n as usize);
        }
        JoinOrder::Waves => {
            let mut depth = vec![0u32; n as usize];
            for i in 1..n as usize {
                if let Some(p) = sim.topo.nodes[i].parent {
                    depth[i] = depth[p as usize] + 1;
                }
            }
            let max = depth.iter().copied().max().unwrap_or(0);
            let mut up_to = 1usize;
            let mut p = Progress::new("bootstrap");
            for d in 1..=max {
                let mut level: Vec<u32> = (1..n).filter(|&i| depth[i as usize] == d).collect();
                for k in (1..level.len()).rev() {
                    let j = sim.random_below(k as u64 + 1) as usize;
                    level.swap(k, j);
                }
                let window = (level.len() as u64 / 100).max(100);
                let t0 = sim.now;
                for &i in &level {
                    let at = t0 + sim.random_below(window);
                    sim.schedule_start(i, at);
                }
                up_to += level.len();
                let limit = t0 + window + JOIN_LIMIT_MS;
                let mut steps = 0u32;
                sim.run_until(limit, |s| {
                    steps = steps.wrapping_add(1);
                    if steps.is_multiple_of(65_536) {
                        p.tick(s.joined_count(), n as usize);
                    }
                    s.joined_count() >= up_to
                });
            }
            p.tick(sim.joined_count(), n as usize);
            p.finish();
        }
    }
    let mut b = Bootstrap {
        order: match sim.cfg.join {
            JoinOrder::Declared => "declared",
            JoinOrder::Random => "random",
            JoinOrder::Waves => "waves",
        },
        nodes: n as usize,
        virtual_ms: sim.now - start,
        frames: sim.links().frames - before.frames,
        control_frames: sim.links().control - before.control,
        octets: sim.links().octets - before.octets,
        lost: sim.links().lost - before.lost,
        ..Bootstrap::default()
    };
    for i in 0..n {
        if sim.joined(i) {
            b.joined += 1;
        } else {
            b.missing.push(sim.topo.nodes[i as usize].name.clone());
        }
    }
    if sim.cfg.join == JoinOrder::Declared {
        let p = plan(&sim.topo, Order::Declared)?;
        for i in 0..n {
            let want = p.addrs[i as usize];
            let got = sim.address(i);
            if got != Some(want) {
                b.mismatches.push((
                    sim.topo.nodes[i as usize].name.clone(),
                    want.to_string(),
                    got.map_or_else(|| "-".to_string(), |a| a.to_string()),
                ));
            }
        }
        b.matches_plan = Some(b.mismatches.is_empty());
    }
    Ok(b)
}

/// Traffic sent and what came of it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TrafficReport {
    /// Node-to-node flows.
    pub flows: usize,
    /// Whether the flows were every ordered pair.
    pub all_pairs: bool,
    /// Echo requests from the outside host.
    pub echo_from_outside: usize,
    /// Datagrams from nodes to the outside host.
    pub to_outside: usize,
    /// Application counters.
    pub app: app::Traffic,
    /// Datagrams the outside host received.
    pub delivered_outside: u64,
    /// Mean link hops of delivered datagrams.
    pub hops_mean: f64,
    /// Mean one-way delay, milliseconds.
    pub delay_mean_ms: f64,
    /// Virtual time the traffic took, milliseconds.
    pub virtual_ms: u64,
}

/// Sends the planned traffic and runs until it has settled.
pub fn traffic<const N: usize>(sim: &mut Sim<N>, plan: &TrafficPlan) -> TrafficReport {
    let n = sim.len() as u32;
    let start = sim.now + 10;
    let mut at = start;
    let mut r = TrafficReport::default();
    // Each round is counted on its own.
    sim.reset_traffic();
    let small = n <= 64;
    // Flows are generated and sent in chunks, and the network runs between chunks, so that a
    // run of millions of flows never holds more than one chunk of packets in the queue.
    const CHUNK: usize = 10_000;
    let send =
        |sim: &mut Sim<N>, r: &mut TrafficReport, at: &mut u64, id: usize, a: u32, b: u32| {
            // The compact copy of the addresses: a million-node run would otherwise take two
            // cache misses per flow here, on cores the packet reaches much later.
            let (Some(src), Some(dst)) = (sim.held_ipv6(a), sim.held_ipv6(b)) else {
                return;
            };
            let payload = app::payload(id as u64, *at, plan.payload_len);
            sim.schedule_send(
                a,
                *at,
                app::udp_packet(src, dst, app::START_HOP_LIMIT, &payload),
            );
            r.flows += 1;
            if r.flows.is_multiple_of(plan.per_ms.max(1) as usize) {
                *at += 1;
            }
        };
    match plan.flows {
        None if small => {
            r.all_pairs = true;
            let mut id = 0;
            for a in 0..n {
                for b in 0..n {
                    if a != b {
                        send(sim, &mut r, &mut at, id, a, b);
                        id += 1;
                    }
                }
            }
        }
        f => {
            let total = f.unwrap_or(1000);
            let mut p = Progress::new("traffic");
            for id in 0..total {
                let a = sim.random_below(u64::from(n)) as u32;
                let mut b = sim.random_below(u64::from(n)) as u32;
                if b == a {
                    b = (b + 1) % n;
                }
                send(sim, &mut r, &mut at, id, a, b);
                if (id + 1).is_multiple_of(CHUNK) {
                    sim.run_to(at);
                    p.tick(id + 1, total);
                }
            }
            p.finish();
        }
    }
    let sample: Vec<u32> = if small {
        (1..n).collect()
    } else {
        (0..100)
            .map(|_| 1 + sim.random_below(u64::from(n - 1)) as u32)
            .collect()
    };
    if plan.echo_from_outside {
        for (k, &i) in sample.iter().enumerate() {
            let Some(dst) = sim.ipv6(i) else { continue };
            sim.schedule_inbound(at, app::echo(OUTSIDE, dst, false, 1, k as u16, b"ping"));
            r.echo_from_outside += 1;
            at += 1;
        }
    }
    if plan.to_outside {
        for (k, &i) in sample.iter().enumerate() {
            let payload = app::payload(1_000_000 + k as u64, at, plan.payload_len);
            if let Some(p) = sim.udp(i, OUTSIDE, &payload) {
                sim.schedule_send(i, at, p);
                r.to_outside += 1;
                at += 1;
            }
        }
    }
    // Settle: the last packet plus the longest path's delay, with room for jitter.
    sim.run_to(at + 10_000);
    r.app = sim.traffic();
    r.delivered_outside = sim.delivered_outside();
    if r.app.delivered > 0 {
        r.hops_mean = r.app.hops_sum as f64 / r.app.delivered as f64;
        r.delay_mean_ms = r.app.delay_sum_ms as f64 / r.app.delivered as f64;
    }
    r.virtual_ms = sim.now - start;
    r
}

/// A progress line on standard error for runs longer than a second (only on a terminal).
struct Progress {
    label: &'static str,
    start: Instant,
    last: Instant,
    shown: bool,
    tty: bool,
}

impl Progress {
    fn new(label: &'static str) -> Self {
        let now = Instant::now();
        Self {
            label,
            start: now,
            last: now,
            shown: false,
            tty: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&mut self, done: usize, total: usize) {
        if !self.tty || self.start.elapsed() < Duration::from_secs(1) {
            return;
        }
        if self.last.elapsed() < Duration::from_millis(200) && done < total {
            return;
        }
        self.last = Instant::now();
        self.shown = true;
        let pct = (done * 100).checked_div(total).unwrap_or(100).min(100);
        let width = 30;
        let filled = pct * width / 100;
        let _ = write!(
            std::io::stderr(),
            "\r{:<10} [{}{}] {:>3}% {done}/{total} {:.0?}",
            self.label,
            "#".repeat(filled),
            " ".repeat(width - filled),
            pct,
            self.start.elapsed()
        );
    }

    fn finish(&mut self) {
        if self.shown {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// Wall-clock time of a closure, milliseconds.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed().as_millis() as u64)
}
