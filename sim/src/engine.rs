//! The discrete-event engine: virtual time, a seeded random source, links along the tree
//! edges with latency, loss and an MTU, and one real `pasa-router` core per node.
//!
//! Every node runs [`pasa_router::Node`] unchanged: the engine only hands frames from one
//! node's output to the neighbour it names, a link delay later, and calls the node's timers
//! when they are due. Addresses come from the real RS/RA/NS(GAAO)/NA/NS(EARO)/NA exchange.
//! The same seed gives the same run, event for event: the queue orders events by time and then
//! by the order they were scheduled, and every random draw comes from one SplitMix64.

use std::net::Ipv6Addr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use pasa_addrcodec::wire::iphc::{Context, Contexts};
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_addrcodec::{PasaAddr, Prefix64};
use pasa_router::control::CONTROL_FRAME_MAX;
use pasa_router::joiner::JoinState;
use pasa_router::{Action, LinkDst, Neighbor, Node, NodeConfig, NodeRole, Rx, Verdict};
use pasa_topology::generate::SplitMix64;
use pasa_topology::{NodeRole as TopoRole, Topology};

use crate::app::{self, App};
use crate::part::Part;
use crate::queue::Calendar;
use crate::store::SimStore;

/// Children per role a simulated node holds by default (the table capacity of its core).
/// `pasa-sim` picks the smallest of 8, 16, 32 and 64 that fits the topology, since the table
/// is most of a node's memory at a million nodes.
pub const CAPACITY: usize = 32;

/// Most recycled frame buffers kept.
const POOL_MAX: usize = 65_536;

/// A simulated node's core.
pub type SimNode<const N: usize = CAPACITY> = Node<SimStore, N>;

/// How nodes start joining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOrder {
    /// One node at a time, in the topology's declaration order (each starts when the previous
    /// one holds its address), so the addresses must equal `pasa-topo plan`'s.
    Declared,
    /// Every node at a random time within the first n/10 milliseconds (at least 1 s), in
    /// random order:
    /// children often start before their parents and solicit until the parent is up.
    Random,
    /// Level by level: the nodes of each depth start in random order, within a short window,
    /// once the level above holds its addresses (how a planned network is switched on; the
    /// fast way to boot millions of nodes).
    Waves,
}

/// The link model and the run's knobs.
#[derive(Debug, Clone, Copy)]
pub struct SimConfig {
    /// Seed of every random draw.
    pub seed: u64,
    /// One-way delay of every link, milliseconds.
    pub latency_ms: u64,
    /// Extra random delay, 0..=jitter_ms milliseconds.
    pub jitter_ms: u64,
    /// Probability that a frame is lost on a link (0.0..1.0).
    pub loss: f64,
    /// Largest frame a link carries.
    pub mtu: usize,
    /// Join order.
    pub join: JoinOrder,
    /// Lanes of the engine (1..=64), each on its own thread: 1 runs event by event; more
    /// split the nodes by the root's subtrees and run a link latency at a time (see
    /// [`Sim::run_to`]). The same seed and lane count give the same run.
    pub lanes: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            latency_ms: 2,
            jitter_ms: 1,
            loss: 0.0,
            mtu: 1280,
            join: JoinOrder::Declared,
            lanes: 1,
        }
    }
}

/// Why a simulation cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A node has more children of one role than a core's table holds.
    #[error(
        "{file}: node \"{node}\" has {count} {role} children; a simulated node holds at most {max} per role"
    )]
    Capacity {
        /// Topology file.
        file: String,
        /// Node name.
        node: String,
        /// "router" or "host".
        role: &'static str,
        /// Its children of that role.
        count: usize,
        /// The capacity.
        max: usize,
    },
    /// The topology does not fit PASA's 64 bits.
    #[error(transparent)]
    Topology(#[from] pasa_topology::TopoError),
    /// A core refused its configuration.
    #[error("node \"{node}\": {err}")]
    Node {
        /// Node name.
        node: String,
        /// What the core said.
        err: pasa_router::NewError,
    },
    /// A parameter is out of range.
    #[error("{0}")]
    Parameter(String),
}

/// What happens at an instant.
#[derive(Debug)]
enum Event {
    /// A frame arrives at `to` from `from`. `remote`: sent from another lane, so the
    /// receiver's power state was not known when it was put on the link.
    Frame {
        from: u32,
        to: u32,
        multicast: bool,
        remote: bool,
        frame: Vec<u8>,
    },
    /// A node's timer (valid if it is still the node's scheduled time).
    Timer(u32),
    /// A node powers up.
    Start(u32),
    /// The application of a node sends a native packet.
    Send { node: u32, packet: Vec<u8> },
    /// A packet from the outside host arrives at the root.
    Inbound(Vec<u8>),
}

/// Frame counters of the links.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LinkStats {
    /// Frames put on a link.
    pub frames: u64,
    /// Octets put on links.
    pub octets: u64,
    /// Frames lost by the loss model.
    pub lost: u64,
    /// Frames longer than the MTU, not sent.
    pub too_big: u64,
    /// Frames for a neighbour that is down or not linked.
    pub unreachable: u64,
    /// Control (ND) frames: RS, RA, NS, NA.
    pub control: u64,
}

impl LinkStats {
    /// Adds `o`'s counts to these.
    pub fn add(&mut self, o: &LinkStats) {
        self.frames += o.frames;
        self.octets += o.octets;
        self.lost += o.lost;
        self.too_big += o.too_big;
        self.unreachable += o.unreachable;
        self.control += o.control;
    }
}

/// How one lane of the engine did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LaneStats {
    /// Nodes it owns.
    pub nodes: usize,
    /// Events it ran.
    pub events: u64,
    /// Wall time its thread waited for the other lanes, milliseconds (0 with one lane).
    pub wait_ms: u64,
}

/// A frame recorder: called with the time, the sending and receiving node, and the frame.
pub type Tap = Box<dyn FnMut(u64, u32, u32, &[u8]) + Send>;

/// One lane of the engine: the events of the nodes it owns and what they count.
///
/// With one lane (the default) the engine is sequential: one event after the other, in time
/// order and, at the same time, in scheduling order. With several, each lane owns whole
/// subtrees under the root (the root is lane 0's) and runs on its own thread, window by
/// window: every link takes at least `latency_ms`, so within a window of that length no event
/// of one lane can cause an event of another; frames for another lane's nodes wait in the
/// sender's outbox and join that lane's queue when the window ends, lane by lane. That order
/// depends on nothing but the events, so a seed and a lane count give the same run, however
/// many threads there are.
struct Lane {
    /// Every event of the lane's nodes, by time and then in scheduling order.
    queue: Calendar<Event>,
    /// Recycled frame buffers.
    pool: Vec<Vec<u8>>,
    /// The link model's draws (lane 0's also serves the caller: [`Sim::random_below`]).
    rng: SplitMix64,
    /// Link counters of the frames the lane's nodes sent.
    links: LinkStats,
    /// The applications of the lane's nodes (and, in lane 0, of the outside host).
    app: App,
    /// The lane's nodes holding a registered address.
    joined: usize,
    /// Frames for other lanes' nodes sent in this window: (lane, time, event).
    outbox: Vec<(u8, u64, Event)>,
    /// Events the lane ran.
    events: u64,
    /// Wall time the lane's thread waited for the others at the end of windows.
    waited: std::time::Duration,
}

impl Lane {
    fn new(rng: SplitMix64, prefix: Prefix64) -> Self {
        Self {
            queue: Calendar::new(),
            pool: Vec::new(),
            rng,
            links: LinkStats::default(),
            app: App::new(prefix),
            joined: 0,
            outbox: Vec::new(),
            events: 0,
            waited: std::time::Duration::ZERO,
        }
    }
}

/// The simulator.
pub struct Sim<const N: usize = CAPACITY> {
    /// The topology.
    pub topo: Topology,
    /// The run's knobs.
    pub cfg: SimConfig,
    /// Every node's core; a node that is down holds a blank one no event reaches (`up`).
    /// Not `Option`: its tag sat on a line of its own, one more cache miss per hop.
    nodes: Vec<SimNode<N>>,
    /// Whether each node is up.
    up: Vec<bool>,
    /// The core a node that is down holds (a copy of it): never reached, replaced at power-up.
    blank: Box<SimNode<N>>,
    /// Scheduled timer per node (`u64::MAX`: none).
    timers: Vec<u64>,
    /// The lanes (one, or [`SimConfig::lanes`]).
    lanes: Vec<Lane>,
    /// The lane of every node (empty with one lane).
    owner: Vec<u8>,
    /// Parent of every node (`u32::MAX` for the root): the link check on every frame reads
    /// this compact array instead of the topology's nodes.
    parent_of: Vec<u32>,
    /// Virtual time, milliseconds.
    pub now: u64,
    /// Largest state record a node writes (sizes every store).
    store_len: usize,
    /// Frames to record (pcap), with their time and endpoints. With several lanes the
    /// records of one window come lane by lane, not in time order.
    pub tap: Option<Tap>,
    /// Native IPv6 packets to record (the decompressed view): what every node's stack and
    /// the outside host send and receive, with the node (`u32::MAX` for the outside host).
    pub ipv6_tap: Option<Tap>,
    /// The children of every node.
    children: pasa_topology::model::Children,
    /// The registered address each node held after its last event (a compact copy the
    /// traffic generator reads without touching the cores).
    held: Vec<Option<PasaAddr>>,
}

/// The link-layer address of node `i`: locally administered, the index in the low 32 bits.
pub fn mac(i: u32) -> LinkAddr {
    let [a, b, c, d] = i.to_be_bytes();
    LinkAddr::new(&[0x02, 0x00, a, b, c, d]).unwrap_or(LinkAddr::ZERO)
}

/// The node index of a link-layer address made by [`mac`].
pub fn index_of(ll: &LinkAddr) -> Option<u32> {
    match ll.as_bytes() {
        [0x02, 0x00, a, b, c, d] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

/// Most lanes.
pub const MAX_LANES: usize = 64;

/// The lane of every node for `lanes` lanes (empty for one lane).
///
/// The nodes above a split depth (the root and the first levels) are lane 0's; below it,
/// whole subtrees go to lanes, heaviest first, each to the lightest lane so far. A node's
/// weight is the share of random node pairs whose path visits it (the root is on 7/8 of
/// them in an 8-ary tree, a leaf on about 2/n) plus an even share for joining, so the lanes
/// get about the same work when traffic flows between random pairs; the split depth is the shallowest with at least
/// eight nodes per lane, so that whole subtrees can balance.
fn partition(topo: &Topology, lanes: usize) -> Vec<u8> {
    let n = topo.nodes.len();
    if lanes <= 1 || n == 0 {
        return Vec::new();
    }
    let parent = |i: usize| topo.nodes[i].parent.map(|p| p as usize).filter(|&p| p < i);
    // Parents come before their children in a topology (it is declared top down).
    let mut depth = vec![0usize; n];
    for i in 1..n {
        depth[i] = parent(i).map_or(0, |p| depth[p] + 1);
    }
    let mut size = vec![1f64; n];
    for i in (1..n).rev() {
        if let Some(p) = parent(i) {
            size[p] += size[i];
        }
    }
    let mut per_depth = vec![0usize; depth.iter().copied().max().unwrap_or(0) + 1];
    for &d in &depth {
        per_depth[d] += 1;
    }
    let split = (1..per_depth.len())
        .find(|&d| per_depth[d] >= 8 * lanes)
        .or_else(|| (1..per_depth.len()).max_by_key(|&d| (per_depth[d], std::cmp::Reverse(d))))
        .unwrap_or(1);
    // Share of random pairs whose path visits node i: one end inside its subtree and one
    // outside, or both inside but in different child subtrees (or at i itself).
    let share: Vec<f64> = size.iter().map(|s| s / n as f64).collect();
    let mut children_sq = vec![0f64; n];
    for (i, s) in share.iter().enumerate().skip(1) {
        if let Some(p) = parent(i) {
            children_sq[p] += s * s;
        }
    }
    let visits = |i: usize| {
        let p = share[i];
        2.0 * p * (1.0 - p) + (p * p - children_sq[i]).max(0.0)
    };
    // Plus the work every node does whatever the traffic (joining, refreshing): about a
    // tenth of a scale run's events, spread evenly.
    let path: f64 = (0..n).map(visits).sum();
    let even = 0.1 * path / n as f64;
    let weight = |i: usize| visits(i) + even;
    // Each node's subtree root at the split depth (`usize::MAX` above it).
    let mut head = vec![usize::MAX; n];
    let mut load = vec![0f64; lanes];
    let mut heavy = vec![0f64; n];
    for i in 0..n {
        head[i] = match depth[i].cmp(&split) {
            std::cmp::Ordering::Less => usize::MAX,
            std::cmp::Ordering::Equal => i,
            std::cmp::Ordering::Greater => parent(i).map_or(usize::MAX, |p| head[p]),
        };
        match head[i] {
            // The few nodes above the split are hot in the cache: a visit there costs about
            // half of one to a cold node (measured on the scale run's lane waits).
            usize::MAX => load[0] += 0.5 * weight(i),
            h => heavy[h] += weight(i),
        }
    }
    let mut heads: Vec<usize> = (0..n).filter(|&i| head[i] == i).collect();
    heads.sort_by(|&a, &b| heavy[b].total_cmp(&heavy[a]).then(a.cmp(&b)));
    let mut lane_of_head = vec![0u8; n];
    for h in heads {
        let k = (0..lanes)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        load[k] += heavy[h];
        lane_of_head[h] = k as u8;
    }
    head.iter()
        .map(|&h| if h == usize::MAX { 0 } else { lane_of_head[h] })
        .collect()
}

impl<const N: usize> Sim<N> {
    /// A simulator for `topo`, nothing running yet.
    pub fn new(topo: Topology, cfg: SimConfig) -> Result<Self, SimError> {
        if !(0.0..1.0).contains(&cfg.loss) || cfg.loss.is_nan() {
            return Err(SimError::Parameter(format!(
                "loss {} must be in 0.0..1.0",
                cfg.loss
            )));
        }
        if !(1..=MAX_LANES).contains(&cfg.lanes) {
            return Err(SimError::Parameter(format!(
                "lanes {} must be in 1..={MAX_LANES}",
                cfg.lanes
            )));
        }
        if cfg.lanes > 1 && cfg.latency_ms == 0 {
            return Err(SimError::Parameter(
                "several lanes need a link latency of at least 1 ms (a lane runs a latency \
                 ahead of the others)"
                    .to_string(),
            ));
        }
        // TAAF must fit 64 bits in the declared order (pasa-topo's check).
        pasa_topology::plan(&topo, pasa_topology::Order::Declared)?;
        let children = topo.children();
        for (i, n) in topo.nodes.iter().enumerate() {
            for (role, want) in [("router", TopoRole::Router), ("host", TopoRole::Host)] {
                let count = children
                    .of(i as u32)
                    .iter()
                    .filter(|&&c| topo.nodes[c as usize].role == want)
                    .count();
                if count > N {
                    return Err(SimError::Capacity {
                        file: topo.source.clone(),
                        node: n.name.clone(),
                        role,
                        count,
                        max: N,
                    });
                }
            }
        }
        let n = topo.nodes.len();
        let store_len = SimNode::<N>::STATE_MAX_LEN + pasa_router::store::OVERHEAD;
        let blank = Node::new(Self::config_of(&topo, &cfg, 0), SimStore::new(store_len), 0)
            .map_err(|err| SimError::Node {
                node: topo.nodes[0].name.clone(),
                err,
            })?;
        let mut nodes = Vec::with_capacity(n);
        crate::mem::huge_pages(&mut nodes);
        crate::mem::fill(&mut nodes, n, &blank, cfg.lanes);
        // Lane 0 draws from the seed's stream, as the one-lane engine always did; the others
        // from streams of their own.
        let lanes = (0..cfg.lanes as u64)
            .map(|k| {
                let seed = if k == 0 {
                    cfg.seed
                } else {
                    SplitMix64::new(cfg.seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
                };
                Lane::new(SplitMix64::new(seed), topo.prefix)
            })
            .collect();
        Ok(Self {
            nodes,
            up: vec![false; n],
            blank: Box::new(blank),
            timers: vec![u64::MAX; n],
            lanes,
            owner: partition(&topo, cfg.lanes),
            parent_of: topo
                .nodes
                .iter()
                .map(|x| x.parent.unwrap_or(u32::MAX))
                .collect(),
            now: 0,
            store_len,
            tap: None,
            ipv6_tap: None,
            children,
            held: vec![None; n],
            topo,
            cfg,
        })
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True for an empty topology (never: a topology has a root).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Number of lanes.
    pub fn lanes(&self) -> usize {
        self.lanes.len()
    }

    /// The lane node `i` belongs to.
    pub fn lane_of(&self, i: u32) -> usize {
        usize::from(lane_of(&self.owner, i))
    }

    /// Node `i`'s core, if it is up.
    pub fn node(&self, i: u32) -> Option<&SimNode<N>> {
        match self.up.get(i as usize) {
            Some(true) => self.nodes.get(i as usize),
            _ => None,
        }
    }

    /// Node `i`'s core, mutably.
    pub fn node_mut(&mut self, i: u32) -> Option<&mut SimNode<N>> {
        match self.up.get(i as usize) {
            Some(true) => self.nodes.get_mut(i as usize),
            _ => None,
        }
    }

    /// The configuration of node `i`'s core.
    pub fn node_config(&self, i: u32) -> NodeConfig {
        Self::config_of(&self.topo, &self.cfg, i)
    }

    fn config_of(topo: &Topology, cfg: &SimConfig, i: u32) -> NodeConfig {
        let node = &topo.nodes[i as usize];
        let role = match node.role {
            TopoRole::Root => NodeRole::Root,
            TopoRole::Router => NodeRole::Router,
            TopoRole::Host => NodeRole::Host,
        };
        let contexts = Contexts::new().with(
            0,
            Context::new(topo.prefix.network(), 64)
                .unwrap_or_else(|_| unreachable!("a /64 context is valid")),
        );
        let mut r = [0u8; 8];
        r[..4].copy_from_slice(&(cfg.seed as u32).to_be_bytes());
        r[4..].copy_from_slice(&i.to_be_bytes());
        let rovr = Rovr::new(&r).unwrap_or(Rovr::ZERO);
        NodeConfig::new(role, topo.prefix, contexts, mac(i), rovr)
    }

    /// Node `i`'s lane, outside any window.
    fn ctx(&mut self, i: u32) -> Ctx<'_, N> {
        self.lane_ctx(lane_of(&self.owner, i))
    }

    /// Lane `me`, outside any window (or one lane at a time).
    fn lane_ctx(&mut self, me: u8) -> Ctx<'_, N> {
        let Sim {
            topo,
            cfg,
            nodes,
            up,
            timers,
            lanes,
            owner,
            parent_of,
            now,
            store_len,
            tap,
            ipv6_tap,
            children,
            held,
            ..
        } = self;
        Ctx {
            me,
            lane: &mut lanes[usize::from(me)],
            nodes: Part::lane(nodes, owner, me),
            up: Part::lane(up, owner, me),
            timers: Part::lane(timers, owner, me),
            held: Part::lane(held, owner, me),
            topo,
            cfg,
            parent_of,
            children,
            owner,
            store_len: *store_len,
            now: *now,
            tap: tap.as_mut(),
            ipv6_tap: ipv6_tap.as_mut(),
        }
    }

    /// Moves the frames in the lanes' outboxes to their lanes' queues, lane by lane.
    fn flush(&mut self) {
        for k in 0..self.lanes.len() {
            let mut out = std::mem::take(&mut self.lanes[k].outbox);
            for (to, at, e) in out.drain(..) {
                self.lanes[usize::from(to)].queue.push(at, e);
            }
            self.lanes[k].outbox = out;
        }
    }

    /// Powers node `i` up with `store` (a fresh store for a first boot).
    pub fn power_up(&mut self, i: u32, store: SimStore) -> Result<(), SimError> {
        let cfg = self.node_config(i);
        self.power_up_with(i, store, cfg)
    }

    /// Powers node `i` up with `store` and a configuration of the caller's (another device in
    /// the same place: a different ROVR).
    pub fn power_up_with(
        &mut self,
        i: u32,
        store: SimStore,
        cfg: NodeConfig,
    ) -> Result<(), SimError> {
        let node = Node::new(cfg, store, self.now).map_err(|err| SimError::Node {
            node: self.topo.nodes[i as usize].name.clone(),
            err,
        })?;
        self.ctx(i).install(i, node);
        self.flush();
        Ok(())
    }

    /// Powers node `i` down; returns its store (what survives a reboot).
    pub fn power_down(&mut self, i: u32) -> Option<SimStore> {
        self.timers[i as usize] = u64::MAX;
        if !std::mem::replace(&mut self.up[i as usize], false) {
            return None;
        }
        let blank = (*self.blank).clone();
        let store = std::mem::replace(&mut self.nodes[i as usize], blank).into_store();
        self.ctx(i).note(i);
        Some(store)
    }

    /// Rewires node `i` under `parent` (the cable is moved: a topology change).
    pub fn rewire(&mut self, i: u32, parent: u32) {
        if let Some(n) = self.topo.nodes.get_mut(i as usize) {
            n.parent = Some(parent);
        }
        if let Some(p) = self.parent_of.get_mut(i as usize) {
            *p = parent;
        }
        self.children = self.topo.children();
    }

    /// Puts a frame from node `from` on its link to `to`, now (frames from a device the
    /// simulator does not run, such as a rogue neighbour).
    pub fn inject(&mut self, from: u32, to: u32, frame: &[u8]) {
        self.ctx(from).transmit(from, to, false, frame.to_vec());
        self.flush();
    }

    /// True when every node that is up holds a registered address that extends its (current)
    /// parent's, i.e. the addresses spell the tree as it is wired now.
    pub fn consistent(&self) -> bool {
        (0..self.len() as u32).all(|i| {
            if self.node(i).is_none() {
                return true;
            }
            if !self.joined(i) {
                return false;
            }
            match self.topo.nodes[i as usize].parent {
                None => true,
                Some(p) => self.address(i).and_then(|a| a.parent()) == self.address(p),
            }
        })
    }

    /// Every address held by a node that is up: (node, address).
    pub fn addresses(&self) -> Vec<(u32, PasaAddr)> {
        (0..self.len() as u32)
            .filter_map(|i| self.address(i).map(|a| (i, a)))
            .collect()
    }

    /// A fresh store for a node's first boot.
    pub fn fresh_store(&self) -> SimStore {
        SimStore::new(self.store_len)
    }

    fn push(&mut self, i: u32, at: u64, event: Event) {
        let k = usize::from(lane_of(&self.owner, i));
        self.lanes[k].queue.push(at, event);
    }

    /// Schedules node `i` to start at `at`.
    pub fn schedule_start(&mut self, i: u32, at: u64) {
        self.push(i, at, Event::Start(i));
    }

    /// Schedules a native packet from node `i`'s application at `at`.
    pub fn schedule_send(&mut self, i: u32, at: u64, packet: Vec<u8>) {
        self.push(i, at, Event::Send { node: i, packet });
    }

    /// Schedules a packet from the outside host, arriving at the root at `at` (counted as
    /// sent when it arrives).
    pub fn schedule_inbound(&mut self, at: u64, packet: Vec<u8>) {
        self.push(0, at, Event::Inbound(packet));
    }

    /// True if node `i` holds a registered address.
    pub fn joined(&self, i: u32) -> bool {
        self.node(i).is_some_and(joined)
    }

    /// Nodes holding a registered address (as of their last event).
    pub fn joined_count(&self) -> usize {
        self.lanes.iter().map(|l| l.joined).sum()
    }

    /// Per lane: its nodes, the events it ran, and the wall time its thread waited for the
    /// others (how well the lanes balance).
    pub fn lane_stats(&self) -> Vec<LaneStats> {
        let mut nodes = vec![0usize; self.lanes.len()];
        if self.owner.is_empty() {
            nodes[0] = self.len();
        }
        for &k in &self.owner {
            nodes[usize::from(k)] += 1;
        }
        self.lanes
            .iter()
            .zip(nodes)
            .map(|(l, nodes)| LaneStats {
                nodes,
                events: l.events,
                wait_ms: l.waited.as_millis() as u64,
            })
            .collect()
    }

    /// Link counters, summed over the lanes.
    pub fn links(&self) -> LinkStats {
        let mut s = LinkStats::default();
        for l in &self.lanes {
            s.add(&l.links);
        }
        s
    }

    /// The applications' counters, summed over the lanes.
    pub fn traffic(&self) -> app::Traffic {
        let mut t = app::Traffic::default();
        for l in &self.lanes {
            t.add(&l.app.traffic);
        }
        t
    }

    /// Datagrams the outside host received.
    pub fn delivered_outside(&self) -> u64 {
        self.lanes.iter().map(|l| l.app.delivered_outside).sum()
    }

    /// Sets the applications' counters to zero (a new round of traffic).
    pub fn reset_traffic(&mut self) {
        for l in &mut self.lanes {
            l.app.traffic = app::Traffic::default();
            l.app.delivered_outside = 0;
        }
    }

    /// The IPv6 address node `i` held registered after its last event (what
    /// [`Sim::joined`] and [`Sim::ipv6`] say, read from a compact array instead of the core).
    pub fn held_ipv6(&self, i: u32) -> Option<Ipv6Addr> {
        let a = self.held.get(i as usize).copied().flatten()?;
        Some(a.to_ipv6(self.topo.prefix))
    }

    /// Node `i`'s address, if any.
    pub fn address(&self, i: u32) -> Option<PasaAddr> {
        self.node(i).and_then(|n| n.address())
    }

    /// Node `i`'s IPv6 address, if any.
    pub fn ipv6(&self, i: u32) -> Option<Ipv6Addr> {
        self.address(i).map(|a| a.to_ipv6(self.topo.prefix))
    }

    /// The domain prefix.
    pub fn prefix(&self) -> Prefix64 {
        self.topo.prefix
    }

    /// Runs the next event (one lane); false when no event is due by `until`.
    fn step(&mut self, until: u64) -> bool {
        let mut c = self.ctx(0);
        let more = c.step(until);
        let now = c.now;
        self.now = now;
        more
    }

    /// Runs the lanes' windows (several lanes) until no event is due by `until`, or `max`
    /// windows ran; false when no event is due by `until` any more.
    ///
    /// A window starts at the earliest event of any lane, `t`, and ends a link latency
    /// later: no frame sent in it arrives before its end, so the lanes run it independently,
    /// each on its own thread; then the frames each sent to another lane's nodes join that
    /// lane's queue, in lane order. With a tap the lanes run in turn on this thread (the taps
    /// are not shared between threads); the run is the same.
    fn windows(&mut self, until: u64, max: usize) -> bool {
        if self.tap.is_some() || self.ipv6_tap.is_some() {
            return self.windows_in_turn(until, max);
        }
        let n_lanes = self.lanes.len();
        let Sim {
            topo,
            cfg,
            nodes,
            up,
            timers,
            lanes,
            owner,
            parent_of,
            now,
            store_len,
            children,
            held,
            ..
        } = self;
        let (topo, cfg, parent_of, children, owner): (&Topology, &SimConfig, &[u32], _, &[u8]) =
            (topo, cfg, parent_of, children, owner);
        let latency = cfg.latency_ms.max(1);
        let ctxs: Vec<Ctx<'_, N>> = lanes
            .iter_mut()
            .zip(Part::split(nodes, owner, n_lanes))
            .zip(Part::split(up, owner, n_lanes))
            .zip(Part::split(timers, owner, n_lanes))
            .zip(Part::split(held, owner, n_lanes))
            .enumerate()
            .map(|(k, ((((lane, nodes), up), timers), held))| Ctx {
                me: k as u8,
                lane,
                nodes,
                up,
                timers,
                held,
                topo,
                cfg,
                parent_of,
                children,
                owner,
                store_len: *store_len,
                now: *now,
                tap: None,
                ipv6_tap: None,
            })
            .collect();
        let window_end = |t: u64, now: u64| until.min(t.max(now) + latency - 1);
        let sync = Sync::new(n_lanes);
        let (end_now, more) = std::thread::scope(|s| {
            let mut ctxs = ctxs.into_iter();
            let first = ctxs.next();
            let sync = &sync;
            let workers: Vec<_> = ctxs
                .map(|c| s.spawn(move || lane_loop(c, sync, until, max, window_end)))
                .collect();
            let mine = first.map(|c| lane_loop(c, sync, until, max, window_end));
            for w in workers {
                if let Err(p) = w.join() {
                    std::panic::resume_unwind(p);
                }
            }
            mine.unwrap_or((*now, false))
        });
        *now = (*now).max(end_now);
        more
    }

    /// [`Sim::windows`] with the lanes in turn on this thread.
    fn windows_in_turn(&mut self, until: u64, max: usize) -> bool {
        let latency = self.cfg.latency_ms.max(1);
        for _ in 0..max {
            let Some(t) = self.next_time().filter(|&t| t <= until) else {
                return false;
            };
            let end = until.min(t.max(self.now) + latency - 1);
            for k in 0..self.lanes.len() {
                let mut c = self.lane_ctx(k as u8);
                while c.step(end) {}
            }
            self.now = self.now.max(end);
            self.flush();
        }
        self.next_time().is_some_and(|t| t <= until)
    }

    /// Time of the earliest event of any lane.
    fn next_time(&self) -> Option<u64> {
        self.lanes.iter().filter_map(|l| l.queue.peek_time()).min()
    }

    /// Runs events until `done` holds, the queue empties, or virtual time passes `until`;
    /// returns whether `done` held. `done` is checked after each event with one lane, after
    /// each window (a link latency) with several.
    pub fn run_until(&mut self, until: u64, mut done: impl FnMut(&Sim<N>) -> bool) -> bool {
        loop {
            if done(self) {
                return true;
            }
            let more = if self.lanes.len() == 1 {
                self.step(until)
            } else {
                self.windows(until, 1)
            };
            if !more {
                return done(self);
            }
        }
    }

    /// Runs every event up to virtual time `until`.
    pub fn run_to(&mut self, until: u64) {
        if self.lanes.len() == 1 {
            while self.step(until) {}
        } else {
            self.windows(until, usize::MAX);
        }
        self.now = self.now.max(until);
    }

    /// A random number in `0..n`.
    pub fn random_below(&mut self, n: u64) -> u64 {
        self.lanes[0].rng.below(n)
    }

    fn up_nodes(&self) -> impl Iterator<Item = &SimNode<N>> {
        self.nodes
            .iter()
            .zip(&self.up)
            .filter(|x| *x.1)
            .map(|x| x.0)
    }

    /// Drops, summed over all nodes that are up, by reason name.
    pub fn drops(&self) -> std::collections::BTreeMap<&'static str, u64> {
        // Summed by position first: a map insert per node and counter was most of the time
        // of building a million-node report.
        let mut sum = [0u64; pasa_router::DropReason::ALL.len()];
        for n in self.up_nodes() {
            for (s, (_, c)) in sum.iter_mut().zip(n.drops().iter()) {
                *s += c;
            }
        }
        pasa_router::DropReason::ALL
            .iter()
            .zip(sum)
            .filter(|(_, c)| *c > 0)
            .map(|(r, c)| (r.name(), c))
            .collect()
    }

    /// Event counters, summed over all nodes that are up.
    pub fn stats(&self) -> std::collections::BTreeMap<&'static str, u64> {
        let mut sum: Vec<(&'static str, u64)> = pasa_router::Stats::default().iter().collect();
        for n in self.up_nodes() {
            for (s, (_, c)) in sum.iter_mut().zip(n.stats().iter()) {
                s.1 += c;
            }
        }
        sum.into_iter().collect()
    }

    /// Native IPv6/UDP packet from node `a`'s address to `dst` (the app's traffic).
    pub fn udp(&self, a: u32, dst: Ipv6Addr, payload: &[u8]) -> Option<Vec<u8>> {
        Some(app::udp_packet(
            self.ipv6(a)?,
            dst,
            app::START_HOP_LIMIT,
            payload,
        ))
    }
}

/// The lane of node `i` in an owner table (lane 0 with one lane).
#[inline(always)]
fn lane_of(owner: &[u8], i: u32) -> u8 {
    owner.get(i as usize).copied().unwrap_or(0)
}

/// What the lane threads share: a barrier, each lane's next event time, and the mailboxes
/// (`mail[to * lanes + from]`) of the frames sent across lanes.
struct Sync {
    lanes: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
    /// Set when a lane thread panicked, so that the others stop waiting for it.
    poisoned: AtomicBool,
    next: Vec<AtomicU64>,
    mail: Vec<Mutex<Vec<(u64, Event)>>>,
}

impl Sync {
    fn new(lanes: usize) -> Self {
        Self {
            lanes,
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            poisoned: AtomicBool::new(false),
            next: (0..lanes).map(|_| AtomicU64::new(u64::MAX)).collect(),
            mail: (0..lanes * lanes).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// Waits until every lane has arrived. Spins first: a window is a millisecond or less of
    /// work, and a sleeping thread takes longer than that to wake.
    fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.lanes {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::AcqRel);
            return;
        }
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            if self.poisoned.load(Ordering::Relaxed) {
                panic!("another lane of the simulation panicked");
            }
            spins = spins.saturating_add(1);
            if spins < 4096 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    fn mailbox(&self, to: usize, from: usize) -> std::sync::MutexGuard<'_, Vec<(u64, Event)>> {
        self.mail[to * self.lanes + from]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Marks the [`Sync`] poisoned if its lane's thread unwinds.
struct PoisonOnPanic<'a>(&'a AtomicBool);

impl Drop for PoisonOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// One lane's thread: window after window, in step with the others, until no event is due
/// by `until` or `max` windows ran; returns the lane's time and whether events remain due.
fn lane_loop<const N: usize>(
    mut c: Ctx<'_, N>,
    sync: &Sync,
    until: u64,
    max: usize,
    window_end: impl Fn(u64, u64) -> u64,
) -> (u64, bool) {
    let _poison = PoisonOnPanic(&sync.poisoned);
    let me = usize::from(c.me);
    let mut ran = 0;
    let mut sent: Vec<Vec<(u64, Event)>> = (0..sync.lanes).map(|_| Vec::new()).collect();
    loop {
        let next = c.lane.queue.peek_time().unwrap_or(u64::MAX);
        sync.next[me].store(next, Ordering::Release);
        let waiting = std::time::Instant::now();
        sync.wait();
        c.lane.waited += waiting.elapsed();
        // Every lane reads the same times, so every lane takes the same decision.
        let t = sync
            .next
            .iter()
            .map(|x| x.load(Ordering::Acquire))
            .min()
            .unwrap_or(u64::MAX);
        if t == u64::MAX || t > until {
            return (c.now, false);
        }
        if ran == max {
            return (c.now, true);
        }
        ran += 1;
        let end = window_end(t, c.now);
        // Every lane's `now` is the end of the last window: the same for all.
        while c.step(end) {}
        c.now = c.now.max(end);
        for (to, at, e) in c.lane.outbox.drain(..) {
            sent[usize::from(to)].push((at, e));
        }
        for (to, v) in sent.iter_mut().enumerate() {
            if !v.is_empty() {
                sync.mailbox(to, me).append(v);
            }
        }
        let waiting = std::time::Instant::now();
        sync.wait();
        c.lane.waited += waiting.elapsed();
        for from in 0..sync.lanes {
            for (at, e) in sync.mailbox(me, from).drain(..) {
                c.lane.queue.push(at, e);
            }
        }
    }
}

/// Whether a core holds a registered address.
fn joined<const N: usize>(n: &SimNode<N>) -> bool {
    n.address().is_some() && matches!(n.join_state(), JoinState::Joined { .. } | JoinState::Idle)
}

/// One lane at work: its own state, the parts of the node arrays it owns, and what every lane
/// reads (the topology and the knobs). All event handling is here, the same for one lane
/// and for several.
struct Ctx<'a, const N: usize> {
    me: u8,
    lane: &'a mut Lane,
    nodes: Part<'a, SimNode<N>>,
    up: Part<'a, bool>,
    timers: Part<'a, u64>,
    held: Part<'a, Option<PasaAddr>>,
    topo: &'a Topology,
    cfg: &'a SimConfig,
    parent_of: &'a [u32],
    children: &'a pasa_topology::model::Children,
    owner: &'a [u8],
    store_len: usize,
    /// The lane's virtual time.
    now: u64,
    tap: Option<&'a mut Tap>,
    ipv6_tap: Option<&'a mut Tap>,
}

impl<const N: usize> Ctx<'_, N> {
    fn node(&self, i: u32) -> Option<&SimNode<N>> {
        match self.up.get(i as usize) {
            Some(true) => self.nodes.get(i as usize),
            _ => None,
        }
    }

    fn node_mut(&mut self, i: u32) -> Option<&mut SimNode<N>> {
        match self.up.get(i as usize) {
            Some(true) => self.nodes.get_mut(i as usize),
            _ => None,
        }
    }

    fn is_up(&self, i: u32) -> bool {
        self.up.get(i as usize) == Some(&true)
    }

    fn ipv6(&self, i: u32) -> Option<Ipv6Addr> {
        self.node(i)
            .and_then(|n| n.address())
            .map(|a| a.to_ipv6(self.topo.prefix))
    }

    fn push(&mut self, at: u64, event: Event) {
        self.lane.queue.push(at, event);
    }

    /// Node `i` takes `node` as its core and powers up.
    fn install(&mut self, i: u32, node: SimNode<N>) {
        if let Some(slot) = self.nodes.get_mut(i as usize) {
            *slot = node;
        }
        if let Some(u) = self.up.get_mut(i as usize) {
            *u = true;
        }
        if let Some(t) = self.timers.get_mut(i as usize) {
            *t = u64::MAX;
        }
        self.service(i);
        self.note(i);
    }

    /// Updates the joined count after an event at node `i`.
    fn note(&mut self, i: u32) {
        let now = match self.node(i) {
            Some(n) if joined(n) => n.address(),
            _ => None,
        };
        let Some(slot) = self.held.get_mut(i as usize) else {
            return;
        };
        let was = std::mem::replace(slot, now);
        match (was.is_some(), now.is_some()) {
            (false, true) => self.lane.joined += 1,
            (true, false) => self.lane.joined -= 1,
            _ => {}
        }
    }

    fn linked(&self, a: u32, b: u32) -> bool {
        let p = |x: u32| self.parent_of.get(x as usize).copied();
        p(a) == Some(b) || p(b) == Some(a)
    }

    /// Puts `frame` from `from` on the link to `to` (loss, MTU, delay).
    fn transmit(&mut self, from: u32, to: u32, multicast: bool, frame: Vec<u8>) {
        let dest = lane_of(self.owner, to);
        // Another lane's node: whether it is up is that lane's to know (it may change during
        // this window); the frame goes, and the receiving lane counts it if it is down.
        let remote = dest != self.me;
        if !self.linked(from, to) || (!remote && !self.is_up(to)) {
            self.lane.links.unreachable += 1;
            return;
        }
        if frame.len() > self.cfg.mtu {
            self.lane.links.too_big += 1;
            return;
        }
        let links = &mut self.lane.links;
        links.frames += 1;
        links.octets += frame.len() as u64;
        if frame.first().is_some_and(|&b| b & 0xE0 == 0x60) {
            // Page-0 IPHC without routing header: the ND exchange.
            links.control += 1;
        }
        if self.cfg.loss > 0.0
            && (self.lane.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - self.cfg.loss
        {
            self.lane.links.lost += 1;
            return;
        }
        let jitter = if self.cfg.jitter_ms > 0 {
            self.lane.rng.below(self.cfg.jitter_ms + 1)
        } else {
            0
        };
        if let Some(tap) = self.tap.as_mut() {
            tap(self.now, from, to, &frame);
        }
        let at = self.now + self.cfg.latency_ms + jitter;
        let event = Event::Frame {
            from,
            to,
            multicast,
            remote,
            frame,
        };
        if remote {
            self.lane.outbox.push((dest, at, event));
            return;
        }
        // The receiver handles the frame a link delay from now: start loading its hot lines
        // (address, role, counters) so that it does not stall on them then.
        if let Some(n) = self.nodes.get(to as usize) {
            crate::mem::prefetch(n, 2);
        }
        self.push(at, event);
    }

    /// Sends node `i`'s output to where `dst` names.
    fn output(&mut self, i: u32, dst: LinkDst, out: Vec<u8>) {
        match dst {
            LinkDst::Neighbor(n) => match index_of(&n.ll) {
                Some(j) => self.transmit(i, j, false, out),
                None => self.lane.links.unreachable += 1,
            },
            LinkDst::Multicast { .. } => {
                let parent = self.topo.nodes[i as usize].parent;
                let kids = self.children.of(i);
                for j in parent.into_iter().chain(kids.iter().copied()) {
                    // A neighbour that is down does not hear it (another lane's: see
                    // `transmit`).
                    if lane_of(self.owner, j) != self.me || self.is_up(j) {
                        self.transmit(i, j, true, out.clone());
                    }
                }
            }
            LinkDst::External => {
                let now = self.now;
                if let Some(reply) = self.lane.app.outside_receives(now, &out) {
                    let at = now + self.cfg.latency_ms;
                    self.push(at, Event::Inbound(reply));
                }
            }
        }
    }

    /// Acts on a verdict of node `i` about `input`.
    fn act(&mut self, i: u32, v: Verdict, input: &[u8]) {
        if v.len == 0 {
            return;
        }
        // Frame buffers are recycled: a hop takes one from the pool and gives the frame it
        // consumed back, instead of a malloc and a free per hop.
        let mut out = self.lane.pool.pop().unwrap_or_default();
        out.clear();
        out.resize(v.len, 0);
        let Some(node) = self.node(i) else {
            return;
        };
        if node.emit(&v, input, &mut out).is_err() {
            return;
        }
        match v.action {
            Action::Forward(n) => self.output(i, LinkDst::Neighbor(n), out),
            Action::Send(d) | Action::Error { to: d, .. } => self.output(i, d, out),
            Action::Egress => {
                if let Some(t) = self.ipv6_tap.as_mut() {
                    t(self.now, i, u32::MAX, &out);
                }
                self.output(i, LinkDst::External, out)
            }
            Action::Deliver => {
                if let Some(t) = self.ipv6_tap.as_mut() {
                    t(self.now, u32::MAX, i, &out);
                }
                let now = self.now;
                let own = self.ipv6(i);
                if let Some(reply) = self.lane.app.deliver(now, own, &out) {
                    self.local_send(i, &reply);
                }
            }
            Action::Consumed | Action::Drop(_) => {}
        }
    }

    /// Node `i`'s local stack sends `packet`.
    fn local_send(&mut self, i: u32, packet: &[u8]) {
        let now = self.now;
        let Some(node) = self.node_mut(i) else {
            return;
        };
        let v = node.send(now, packet);
        if let Some(t) = self.ipv6_tap.as_mut() {
            t(now, i, u32::MAX, packet);
        }
        self.act(i, v, packet);
    }

    /// Lets node `i` send what its joiner has due and re-arms its timer.
    fn service(&mut self, i: u32) {
        let now = self.now;
        let mut sent: Vec<(LinkDst, Vec<u8>)> = Vec::new();
        if let Some(node) = self.node_mut(i) {
            let mut buf = [0u8; CONTROL_FRAME_MAX];
            for _ in 0..8 {
                let Some(t) = node.poll_transmit(now, &mut buf) else {
                    break;
                };
                sent.push((t.to, buf[..t.len].to_vec()));
            }
        }
        for (to, f) in sent {
            self.output(i, to, f);
        }
        let Some(t) = self.node(i).and_then(|n| n.poll_timeout()) else {
            return;
        };
        let t = t.max(now + 1);
        let Some(slot) = self.timers.get_mut(i as usize) else {
            return;
        };
        if t < *slot || *slot <= now {
            *slot = t;
            self.push(t, Event::Timer(i));
        }
    }

    /// Starts loading what the frames a few events ahead will read, in two stages: eight
    /// ahead, the frame and the receiver's first line (its address); four ahead (those
    /// loaded by now), the receiver's children-table entries the frame will use. At a million
    /// nodes each of these is a cache miss that would otherwise stall its hop.
    #[inline(always)]
    fn prefetch_ahead(&self) {
        if let Some(Event::Frame { to, frame, .. }) = self.lane.queue.ahead(8) {
            if let Some(n) = self.nodes.get(*to as usize) {
                crate::mem::prefetch(n, 1);
            }
            if let Some(b) = frame.first() {
                crate::mem::prefetch(b, 1);
            }
        }
        if let Some(Event::Frame { to, frame, .. }) = self.lane.queue.ahead(4)
            && let Some(n) = self.node(*to)
        {
            for e in n.entries_for(frame).into_iter().flatten() {
                crate::mem::prefetch(e, 1);
            }
        }
    }

    /// Runs the lane's next event; false when its queue is empty or the next event is past
    /// `until`.
    fn step(&mut self, until: u64) -> bool {
        let Some((at, event)) = self.lane.queue.pop(until) else {
            return false;
        };
        self.prefetch_ahead();
        self.lane.events += 1;
        self.now = self.now.max(at);
        let now = self.now;
        match event {
            Event::Frame {
                from,
                to,
                multicast,
                remote,
                frame,
            } => {
                let Some(node) = self.node_mut(to) else {
                    // Down since (or, from another lane, maybe already when) it was sent.
                    if remote && !multicast {
                        self.lane.links.unreachable += 1;
                    }
                    return true;
                };
                let rx = Rx {
                    from: Neighbor {
                        iface: 0,
                        ll: mac(from),
                    },
                    multicast,
                    frame: &frame,
                };
                let v = node.receive(now, &rx);
                // Only ND frames change a node's timers or give its joiner something to send;
                // data frames (forwarded, delivered, dropped) leave both alone, so the timer
                // is not re-armed for them (that scan of the children table per hop was most
                // of the cost of a hop at a million nodes).
                let control = !matches!(
                    v.action,
                    Action::Forward(_) | Action::Deliver | Action::Egress | Action::Error { .. }
                ) && frame.first().is_some_and(|&b| b & 0xE0 == 0x60);
                self.act(to, v, &frame);
                if control {
                    self.service(to);
                    self.note(to);
                }
                if self.lane.pool.len() < POOL_MAX {
                    self.lane.pool.push(frame);
                }
            }
            Event::Timer(i) => {
                if self.timers.get(i as usize) == Some(&at) {
                    if let Some(t) = self.timers.get_mut(i as usize) {
                        *t = u64::MAX;
                    }
                    if let Some(node) = self.node_mut(i) {
                        node.handle_timeout(now);
                    }
                    self.service(i);
                    self.note(i);
                }
            }
            Event::Start(i) => {
                if !self.is_up(i) {
                    let cfg = Sim::<N>::config_of(self.topo, self.cfg, i);
                    // A configuration the engine built is valid by construction.
                    if let Ok(node) = Node::new(cfg, SimStore::new(self.store_len), now) {
                        self.install(i, node);
                    }
                }
            }
            Event::Send { node, packet } => {
                self.lane.app.sent(node, &packet);
                self.local_send(node, &packet);
            }
            Event::Inbound(packet) => {
                self.lane.app.sent(u32::MAX, &packet);
                if let Some(t) = self.ipv6_tap.as_mut() {
                    t(now, u32::MAX, 0, &packet);
                }
                let Some(root) = self.node_mut(0) else {
                    return true;
                };
                let v = root.receive_external(now, &packet);
                self.act(0, v, &packet);
                self.service(0);
            }
        }
        true
    }
}

/// The smallest table capacity (8, 16, 32 or 64) that holds every node's children of each
/// role in `topo`, or `None` when a node has more than 64 of one role.
pub fn capacity_for(topo: &Topology) -> Option<usize> {
    let kids = topo.children();
    let mut most = 0usize;
    for i in 0..topo.nodes.len() as u32 {
        let of = kids.of(i);
        let routers = of
            .iter()
            .filter(|&&c| topo.nodes[c as usize].role == TopoRole::Router)
            .count();
        most = most.max(routers).max(of.len() - routers);
    }
    [8, 16, 32, 64].into_iter().find(|&c| most <= c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whole subtrees below the split, the top with the root in lane 0, and the lanes'
    /// weights within one subtree of each other.
    #[test]
    fn partition_keeps_subtrees_whole_and_balances() {
        let topo = pasa_topology::generate::kary(4, 8, 3).unwrap();
        let n = topo.nodes.len();
        for lanes in [2, 3, 5] {
            let owner = partition(&topo, lanes);
            assert_eq!(owner.len(), n);
            assert_eq!(owner[0], 0);
            let mut depth = vec![0usize; n];
            let mut count = vec![0usize; lanes];
            for i in 0..n {
                if let Some(p) = topo.nodes[i].parent {
                    depth[i] = depth[p as usize] + 1;
                    // Split at depth 2 here (8 + 3 nodes at depth 1 are fewer than 8 per lane
                    // for two lanes or more): below it a child is in its parent's lane.
                    if depth[i] > 2 {
                        assert_eq!(owner[i], owner[p as usize], "node {i}");
                    }
                }
                if depth[i] < 2 {
                    assert_eq!(owner[i], 0);
                }
                count[usize::from(owner[i])] += 1;
            }
            // Every lane gets nodes; lane 0 fewer (it has the busy top of the tree).
            assert!(count.iter().all(|&c| c > 0), "{count:?}");
            assert!(count[0] <= count[1], "{count:?}");
        }
        assert!(partition(&topo, 1).is_empty());
    }

    /// A chain has one node per depth: the split falls on the first level and everything
    /// still gets a lane.
    #[test]
    fn partition_of_a_chain_is_valid() {
        let mut text = String::from("prefix 2001:db8::/64\nroot r\n");
        for d in 1..=6 {
            text += &format!("{}router c{d}\n", "  ".repeat(d));
        }
        let topo = pasa_topology::parse(&text, "chain.pasa").unwrap();
        let owner = partition(&topo, 2);
        assert_eq!(owner.len(), 7);
        assert!(owner.iter().all(|&k| k < 2));
    }
}
