//! An in-process network of real nodes: frames are handed from node to node by the test, along
//! the links of a planned tree, and nothing else.
#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::net::Ipv6Addr;

use pasa_addrcodec::wire::iphc::{Context, Contexts};
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_addrcodec::{PasaAddr, Prefix64};
use pasa_router::{Action, LinkDst, MemStore, Neighbor, Node, NodeConfig, NodeRole, Rx};

pub type Store = MemStore<2048>;
pub type TestNode = Node<Store, 8>;

/// Figure 6 (SPEC.md §8.1), in the order its nodes ask for addresses: name, role, parent
/// index, expected address.
pub const FIGURE6: &[(&str, NodeRole, Option<usize>, &str)] = &[
    ("gw-1", NodeRole::Root, None, "1"),
    ("r-10", NodeRole::Router, Some(0), "10"),
    ("r-100", NodeRole::Router, Some(1), "100"),
    ("h-1001", NodeRole::Host, Some(2), "1001"),
    ("h-10011", NodeRole::Host, Some(2), "10011"),
    ("h-101", NodeRole::Host, Some(1), "101"),
    ("r-1010", NodeRole::Router, Some(1), "1010"),
    ("h-10101", NodeRole::Host, Some(6), "10101"),
    ("h-101011", NodeRole::Host, Some(6), "101011"),
    ("h-1011", NodeRole::Host, Some(1), "1011"),
    ("h-11", NodeRole::Host, Some(0), "11"),
    ("r-110", NodeRole::Router, Some(0), "110"),
    ("r-1100", NodeRole::Router, Some(11), "1100"),
    ("h-1101", NodeRole::Host, Some(11), "1101"),
    ("h-111", NodeRole::Host, Some(0), "111"),
];

pub fn contexts() -> Contexts {
    Contexts::new().with(0, Context::new(Prefix64::DOC.network(), 64).unwrap())
}

pub fn mac(i: usize) -> LinkAddr {
    LinkAddr::new(&[0x02, 0, 0, 0, (i >> 8) as u8, i as u8 + 1]).unwrap()
}

pub fn rovr(i: usize) -> Rovr {
    Rovr::new(&[0xA0, 0, 0, 0, 0, 0, (i >> 8) as u8, i as u8]).unwrap()
}

pub fn config(i: usize, role: NodeRole) -> NodeConfig {
    NodeConfig::new(role, Prefix64::DOC, contexts(), mac(i), rovr(i))
}

pub fn addr(s: &str) -> PasaAddr {
    s.parse().unwrap()
}

pub fn ip(a: PasaAddr) -> Ipv6Addr {
    a.to_ipv6(Prefix64::DOC)
}

/// What happened to the outputs of one step.
#[derive(Debug, Default, Clone)]
pub struct Log {
    /// (node, native IPv6 packet) delivered to a local stack.
    pub delivered: Vec<(usize, Vec<u8>)>,
    /// Packets the root sent out of the domain.
    pub egress: Vec<Vec<u8>>,
    /// (node, action) of every verdict.
    pub actions: Vec<(usize, Action)>,
    /// Frame hops taken.
    pub hops: usize,
}

pub struct Net {
    pub nodes: Vec<Option<TestNode>>,
    pub parent: Vec<Option<usize>>,
    pub now: u64,
    pub log: Log,
}

impl Net {
    pub fn new(parent: Vec<Option<usize>>) -> Self {
        Self {
            nodes: parent.iter().map(|_| None).collect(),
            parent,
            now: 1_000,
            log: Log::default(),
        }
    }

    pub fn node(&self, i: usize) -> &TestNode {
        self.nodes[i].as_ref().unwrap()
    }

    pub fn node_mut(&mut self, i: usize) -> &mut TestNode {
        self.nodes[i].as_mut().unwrap()
    }

    /// Link neighbours: the parent and the children.
    fn linked(&self, a: usize, b: usize) -> bool {
        self.parent[a] == Some(b) || self.parent[b] == Some(a)
    }

    fn index_of(&self, ll: &LinkAddr) -> Option<usize> {
        (0..self.nodes.len()).find(|&i| mac(i) == *ll)
    }

    /// Hands the output of `from` to whoever it is addressed to; returns the receivers.
    fn targets(&self, from: usize, to: LinkDst) -> Vec<usize> {
        match to {
            LinkDst::Neighbor(n) => self
                .index_of(&n.ll)
                .filter(|&j| self.linked(from, j) && self.nodes[j].is_some())
                .into_iter()
                .collect(),
            LinkDst::Multicast { .. } => (0..self.nodes.len())
                .filter(|&j| self.linked(from, j) && self.nodes[j].is_some())
                .collect(),
            LinkDst::External => vec![],
        }
    }

    /// Delivers frames until the network is quiet (bounded).
    pub fn run_queue(&mut self, mut q: VecDeque<(usize, usize, bool, Vec<u8>)>) {
        let mut steps = 0;
        while let Some((from, to, multicast, frame)) = q.pop_front() {
            steps += 1;
            assert!(steps < 10_000, "network does not settle");
            self.log.hops += 1;
            let now = self.now;
            let rx = Rx {
                from: Neighbor {
                    iface: 0,
                    ll: mac(from),
                },
                multicast,
                frame: &frame,
            };
            let node = self.nodes[to].as_mut().unwrap();
            let v = node.receive(now, &rx);
            self.log.actions.push((to, v.action));
            if v.len == 0 {
                continue;
            }
            let mut out = vec![0xFFu8; v.len + 16];
            let n = node.emit(&v, &frame, &mut out).unwrap();
            assert_eq!(n, v.len, "emit writes exactly the announced length");
            assert!(out[n..].iter().all(|&b| b == 0xFF));
            out.truncate(n);
            self.dispatch(to, v.action, out, &mut q);
        }
    }

    fn dispatch(
        &mut self,
        at: usize,
        action: Action,
        out: Vec<u8>,
        q: &mut VecDeque<(usize, usize, bool, Vec<u8>)>,
    ) {
        match action {
            Action::Forward(n) => {
                for j in self.targets(at, LinkDst::Neighbor(n)) {
                    q.push_back((at, j, false, out.clone()));
                }
            }
            Action::Send(d) | Action::Error { to: d, .. } => {
                if d == LinkDst::External {
                    self.log.egress.push(out);
                } else {
                    let m = matches!(d, LinkDst::Multicast { .. });
                    for j in self.targets(at, d) {
                        q.push_back((at, j, m, out.clone()));
                    }
                }
            }
            Action::Deliver => self.log.delivered.push((at, out)),
            Action::Egress => self.log.egress.push(out),
            Action::Consumed | Action::Drop(_) => {}
        }
    }

    /// Lets every node send what its joiner has due, and delivers it.
    pub fn pump(&mut self) {
        for i in 0..self.nodes.len() {
            let now = self.now;
            let mut q = VecDeque::new();
            let Some(node) = self.nodes[i].as_mut() else {
                continue;
            };
            node.handle_timeout(now);
            let mut sent = Vec::new();
            let mut buf = [0u8; 256];
            // Bounded: a joiner has at most one message due at a time.
            for _ in 0..4 {
                let Some(t) = node.poll_transmit(now, &mut buf) else {
                    break;
                };
                sent.push((t.to, buf[..t.len].to_vec()));
            }
            for (to, f) in sent {
                let m = matches!(to, LinkDst::Multicast { .. });
                for j in self.targets(i, to) {
                    q.push_back((i, j, m, f.clone()));
                }
            }
            self.run_queue(q);
        }
    }

    /// Advances time in 50 ms steps until `done` holds (at most `limit_ms`).
    pub fn run_until(&mut self, limit_ms: u64, mut done: impl FnMut(&Net) -> bool) -> bool {
        let end = self.now + limit_ms;
        while self.now <= end {
            self.pump();
            if done(self) {
                return true;
            }
            self.now += 50;
        }
        false
    }

    /// Sends one native packet from node `from`'s local stack and runs the network.
    pub fn send(&mut self, from: usize, ipv6: &[u8]) -> Action {
        let now = self.now;
        let node = self.nodes[from].as_mut().unwrap();
        let v = node.send(now, ipv6);
        let mut q = VecDeque::new();
        if v.len > 0 {
            let mut out = vec![0u8; v.len];
            node.emit(&v, ipv6, &mut out).unwrap();
            self.dispatch(from, v.action, out, &mut q);
        }
        self.run_queue(q);
        v.action
    }

    /// A packet from outside the domain arriving at the root (node 0).
    pub fn ingress(&mut self, ipv6: &[u8]) -> Action {
        let now = self.now;
        let node = self.nodes[0].as_mut().unwrap();
        let v = node.receive_external(now, ipv6);
        let mut q = VecDeque::new();
        if v.len > 0 {
            let mut out = vec![0u8; v.len];
            node.emit(&v, ipv6, &mut out).unwrap();
            self.dispatch(0, v.action, out, &mut q);
        }
        self.run_queue(q);
        v.action
    }
}

/// Boots Figure 6 by real RS/RA/NS(GAAO)/NA/NS(EARO)/NA exchanges, one node at a time in the
/// order of the figure, and checks every address.
pub fn figure6() -> Net {
    let mut net = Net::new(FIGURE6.iter().map(|n| n.2).collect());
    for (i, &(name, role, _, want)) in FIGURE6.iter().enumerate() {
        let now = net.now;
        net.nodes[i] = Some(TestNode::new(config(i, role), Store::new(), now).unwrap());
        if role == NodeRole::Root {
            continue;
        }
        let ok = net.run_until(10_000, |n| {
            n.node(i).address().is_some()
                && matches!(
                    n.node(i).join_state(),
                    pasa_router::joiner::JoinState::Joined { .. }
                )
        });
        assert!(ok, "{name} did not join");
        assert_eq!(net.node(i).address(), Some(addr(want)), "{name}");
    }
    net
}

/// A native IPv6 packet: fixed header (Hop Limit `hl`, Next Header `nh`) and `payload`.
pub fn ipv6_packet(src: Ipv6Addr, dst: Ipv6Addr, nh: u8, hl: u8, payload: &[u8]) -> Vec<u8> {
    let mut pkt = vec![0x60, 0, 0, 0, 0, 0, nh, hl];
    pkt[4..6].copy_from_slice(&(payload.len() as u16).to_be_bytes());
    pkt.extend_from_slice(&src.octets());
    pkt.extend_from_slice(&dst.octets());
    pkt.extend_from_slice(payload);
    pkt
}

/// `pkt` compressed into a LoWPAN frame by the codec, eliding what `link` allows.
pub fn lowpan(pkt: &[u8], link: pasa_addrcodec::wire::iphc::LinkAddrs<'_>) -> Vec<u8> {
    use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions};
    let c = contexts();
    let mut out = vec![0u8; pkt.len() + 64];
    let opts = CompressOptions {
        link,
        ..CompressOptions::new(Prefix64::DOC)
    };
    let n = frame::compress(pkt, &CodecConfig::new(&c), &opts, &mut out).unwrap();
    out.truncate(n);
    out
}

/// A native IPv6/UDP packet with a correct checksum, built by etherparse.
pub fn udp_packet(src: Ipv6Addr, dst: Ipv6Addr, hop_limit: u8, payload: &[u8]) -> Vec<u8> {
    let b =
        etherparse::PacketBuilder::ipv6(src.octets(), dst.octets(), hop_limit).udp(0xF0B1, 0xF0B2);
    let mut v = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut v, payload).unwrap();
    v
}
