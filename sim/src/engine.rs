//! The discrete-event engine: virtual time, a seeded random source, links along the tree
//! edges with latency, loss and an MTU, and one real `pasa-router` core per node.
//!
//! Every node runs [`pasa_router::Node`] unchanged: the engine only hands frames from one
//! node's output to the neighbour it names, a link delay later, and calls the node's timers
//! when they are due. Addresses come from the real RS/RA/NS(GAAO)/NA/NS(EARO)/NA exchange.
//! The same seed gives the same run, event for event: the queue orders events by time and then
//! by the order they were scheduled, and every random draw comes from one SplitMix64.

use std::net::Ipv6Addr;

use pasa_addrcodec::wire::iphc::{Context, Contexts};
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_addrcodec::{PasaAddr, Prefix64};
use pasa_router::control::CONTROL_FRAME_MAX;
use pasa_router::joiner::JoinState;
use pasa_router::{Action, LinkDst, Neighbor, Node, NodeConfig, NodeRole, Rx, Verdict};
use pasa_topology::generate::SplitMix64;
use pasa_topology::{NodeRole as TopoRole, Topology};

use crate::app::{self, App};
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
    /// A frame arrives at `to` from `from`.
    Frame {
        from: u32,
        to: u32,
        multicast: bool,
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

/// A frame recorder: called with the time, the sending and receiving node, and the frame.
pub type Tap = Box<dyn FnMut(u64, u32, u32, &[u8])>;

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
    /// Every event, by time and then in scheduling order.
    queue: Calendar<Event>,
    /// Recycled frame buffers.
    pool: Vec<Vec<u8>>,
    /// Parent of every node (`u32::MAX` for the root): the link check on every frame reads
    /// this compact array instead of the topology's nodes.
    parent_of: Vec<u32>,
    /// Virtual time, milliseconds.
    pub now: u64,
    rng: SplitMix64,
    /// Link counters.
    pub links: LinkStats,
    /// The applications (and the outside host).
    pub app: App,
    /// Largest state record a node writes (sizes every store).
    store_len: usize,
    /// Frames to record (pcap), with their time and endpoints.
    pub tap: Option<Tap>,
    /// Native IPv6 packets to record (the decompressed view): what every node's stack and
    /// the outside host send and receive, with the node (`u32::MAX` for the outside host).
    pub ipv6_tap: Option<Tap>,
    /// The children of every node.
    children: pasa_topology::model::Children,
    /// The registered address each node held after its last event (a compact copy the
    /// traffic generator reads without touching the cores), and how many hold one.
    held: Vec<Option<PasaAddr>>,
    joined_n: usize,
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

impl<const N: usize> Sim<N> {
    /// A simulator for `topo`, nothing running yet.
    pub fn new(topo: Topology, cfg: SimConfig) -> Result<Self, SimError> {
        if !(0.0..1.0).contains(&cfg.loss) || cfg.loss.is_nan() {
            return Err(SimError::Parameter(format!(
                "loss {} must be in 0.0..1.0",
                cfg.loss
            )));
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
        nodes.resize(n, blank.clone());
        Ok(Self {
            nodes,
            up: vec![false; n],
            blank: Box::new(blank),
            timers: vec![u64::MAX; n],
            queue: Calendar::new(),
            pool: Vec::new(),
            parent_of: topo
                .nodes
                .iter()
                .map(|x| x.parent.unwrap_or(u32::MAX))
                .collect(),
            now: 0,
            rng: SplitMix64::new(cfg.seed),
            links: LinkStats::default(),
            app: App::new(n, topo.prefix),
            store_len,
            tap: None,
            ipv6_tap: None,
            children,
            held: vec![None; n],
            joined_n: 0,
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
        self.nodes[i as usize] = node;
        self.up[i as usize] = true;
        self.timers[i as usize] = u64::MAX;
        self.service(i);
        self.note(i);
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
        self.note(i);
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
        self.transmit(from, to, false, frame.to_vec());
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

    fn push(&mut self, at: u64, event: Event) {
        self.queue.push(at, event);
    }

    /// Schedules node `i` to start at `at`.
    pub fn schedule_start(&mut self, i: u32, at: u64) {
        self.push(at, Event::Start(i));
    }

    /// Schedules a native packet from node `i`'s application at `at`.
    pub fn schedule_send(&mut self, i: u32, at: u64, packet: Vec<u8>) {
        self.push(at, Event::Send { node: i, packet });
    }

    /// Schedules a packet from the outside host, arriving at the root at `at`.
    pub fn schedule_inbound(&mut self, at: u64, packet: Vec<u8>) {
        self.push(at, Event::Inbound(packet));
    }

    /// True if node `i` holds a registered address.
    pub fn joined(&self, i: u32) -> bool {
        self.node(i).is_some_and(|n| {
            n.address().is_some()
                && matches!(n.join_state(), JoinState::Joined { .. } | JoinState::Idle)
        })
    }

    /// Nodes holding a registered address (as of their last event).
    pub fn joined_count(&self) -> usize {
        self.joined_n
    }

    /// Updates the joined count after an event at node `i`.
    fn note(&mut self, i: u32) {
        let now = if self.joined(i) {
            self.address(i)
        } else {
            None
        };
        let was = std::mem::replace(&mut self.held[i as usize], now);
        match (was.is_some(), now.is_some()) {
            (false, true) => self.joined_n += 1,
            (true, false) => self.joined_n -= 1,
            _ => {}
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

    fn linked(&self, a: u32, b: u32) -> bool {
        let p = |x: u32| self.parent_of.get(x as usize).copied();
        p(a) == Some(b) || p(b) == Some(a)
    }

    /// Puts `frame` from `from` on the link to `to` (loss, MTU, delay).
    fn transmit(&mut self, from: u32, to: u32, multicast: bool, frame: Vec<u8>) {
        if !self.linked(from, to) || !self.up[to as usize] {
            self.links.unreachable += 1;
            return;
        }
        if frame.len() > self.cfg.mtu {
            self.links.too_big += 1;
            return;
        }
        self.links.frames += 1;
        self.links.octets += frame.len() as u64;
        if frame.first().is_some_and(|&b| b & 0xE0 == 0x60) {
            // Page-0 IPHC without routing header: the ND exchange.
            self.links.control += 1;
        }
        if self.cfg.loss > 0.0
            && (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - self.cfg.loss
        {
            self.links.lost += 1;
            return;
        }
        let jitter = if self.cfg.jitter_ms > 0 {
            self.rng.below(self.cfg.jitter_ms + 1)
        } else {
            0
        };
        if let Some(tap) = self.tap.as_mut() {
            tap(self.now, from, to, &frame);
        }
        let at = self.now + self.cfg.latency_ms + jitter;
        // The receiver handles the frame a link delay from now: start loading its hot lines
        // (address, role, counters) so that it does not stall on them then.
        crate::mem::prefetch(&self.nodes[to as usize], 2);
        self.push(
            at,
            Event::Frame {
                from,
                to,
                multicast,
                frame,
            },
        );
    }

    /// Sends node `i`'s output to where `dst` names.
    fn output(&mut self, i: u32, dst: LinkDst, out: Vec<u8>) {
        match dst {
            LinkDst::Neighbor(n) => match index_of(&n.ll) {
                Some(j) => self.transmit(i, j, false, out),
                None => self.links.unreachable += 1,
            },
            LinkDst::Multicast { .. } => {
                let mut peers: Vec<u32> = Vec::new();
                if let Some(p) = self.topo.nodes[i as usize].parent {
                    peers.push(p);
                }
                peers.extend_from_slice(self.children.of(i));
                for j in peers {
                    if self.up[j as usize] {
                        self.transmit(i, j, true, out.clone());
                    }
                }
            }
            LinkDst::External => {
                let now = self.now;
                if let Some(reply) = self.app.outside_receives(now, &out) {
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
        let mut out = self.pool.pop().unwrap_or_default();
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
                if let Some(reply) = self.app.deliver(now, i, own, &out) {
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
        let Some(node) = self.node(i) else {
            return;
        };
        if let Some(t) = node.poll_timeout() {
            let t = t.max(now + 1);
            if t < self.timers[i as usize] || self.timers[i as usize] <= now {
                self.timers[i as usize] = t;
                self.push(t, Event::Timer(i));
            }
        }
    }

    /// Starts loading what the frames a few events ahead will read, in two stages: eight
    /// ahead, the frame and the receiver's first line (its address); four ahead (those
    /// loaded by now), the receiver's children-table entries the frame will use. At a million
    /// nodes each of these is a cache miss that would otherwise stall its hop.
    #[inline(always)]
    fn prefetch_ahead(&self) {
        if let Some(Event::Frame { to, frame, .. }) = self.queue.ahead(8) {
            crate::mem::prefetch(&self.nodes[*to as usize], 1);
            if let Some(b) = frame.first() {
                crate::mem::prefetch(b, 1);
            }
        }
        if let Some(Event::Frame { to, frame, .. }) = self.queue.ahead(4)
            && self.up[*to as usize]
        {
            for e in self.nodes[*to as usize]
                .entries_for(frame)
                .into_iter()
                .flatten()
            {
                crate::mem::prefetch(e, 1);
            }
        }
    }

    /// Runs one event; false when the queue is empty or the next event is past `until`.
    pub fn step(&mut self, until: u64) -> bool {
        let Some((at, event)) = self.queue.pop(until) else {
            return false;
        };
        self.prefetch_ahead();
        self.now = self.now.max(at);
        let now = self.now;
        match event {
            Event::Frame {
                from,
                to,
                multicast,
                frame,
            } => {
                let Some(node) = self.node_mut(to) else {
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
                if self.pool.len() < POOL_MAX {
                    self.pool.push(frame);
                }
            }
            Event::Timer(i) => {
                if self.timers[i as usize] == at {
                    self.timers[i as usize] = u64::MAX;
                    if let Some(node) = self.node_mut(i) {
                        node.handle_timeout(now);
                    }
                    self.service(i);
                    self.note(i);
                }
            }
            Event::Start(i) => {
                if !self.up[i as usize] {
                    let store = self.fresh_store();
                    // A configuration the engine built is valid by construction.
                    let _ = self.power_up(i, store);
                }
            }
            Event::Send { node, packet } => {
                self.app.sent(node, &packet);
                self.local_send(node, &packet);
            }
            Event::Inbound(packet) => {
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

    /// Runs events until `done` holds (checked after each), the queue empties, or virtual time
    /// passes `until`. Returns whether `done` held.
    pub fn run_until(&mut self, until: u64, mut done: impl FnMut(&Sim<N>) -> bool) -> bool {
        loop {
            if done(self) {
                return true;
            }
            if !self.step(until) {
                return done(self);
            }
        }
    }

    /// Runs every event up to virtual time `until`.
    pub fn run_to(&mut self, until: u64) {
        while self.step(until) {}
        self.now = self.now.max(until);
    }

    /// A random number in `0..n`.
    pub fn random_below(&mut self, n: u64) -> u64 {
        self.rng.below(n)
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
