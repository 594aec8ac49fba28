//! Seeded topology generators, for tests, benchmarks and the simulator.
//!
//! The generators use their own SplitMix64 so that a seed gives the same tree forever, whatever
//! version of a random-number crate is around; every tree they produce fits in 64 bits (the
//! random generator checks each attachment with TAAF lengths as it goes).

use pasa_addrcodec::MAX_LEN_BITS;

use crate::model::{DEFAULT_PREFIX, Node, NodeRole, Pos, Topology};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and stable across releases.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        // Lemire's multiply-shift; the tiny bias is irrelevant for test trees.
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }
}

/// Builds a topology node by node, keeping TAAF lengths so generators can stay within 64 bits.
struct Builder {
    t: Topology,
    len: Vec<u8>,
    next: Vec<(u32, u32)>,
}

impl Builder {
    fn new(root: &str) -> Self {
        Self {
            t: Topology {
                prefix: DEFAULT_PREFIX,
                nodes: vec![Node {
                    name: root.to_string(),
                    role: NodeRole::Root,
                    parent: None,
                    pos: Pos::default(),
                }],
                source: "<generated>".to_string(),
            },
            len: vec![1],
            next: vec![(0, 0)],
        }
    }

    /// Bits the next child of `role` under `parent` would have.
    fn child_len(&self, parent: u32, role: NodeRole) -> u32 {
        let (r, h) = self.next[parent as usize];
        let k = if role == NodeRole::Host { h } else { r };
        u32::from(self.len[parent as usize]) + k + 1
    }

    /// Adds a child if it fits in 64 bits; returns its index.
    fn add(&mut self, parent: u32, role: NodeRole, name: String) -> Option<u32> {
        let l = self.child_len(parent, role);
        if l > u32::from(MAX_LEN_BITS) {
            return None;
        }
        let c = &mut self.next[parent as usize];
        if role == NodeRole::Host {
            c.1 += 1;
        } else {
            c.0 += 1;
        }
        let idx = self.t.nodes.len() as u32;
        self.t.nodes.push(Node {
            name,
            role,
            parent: Some(parent),
            pos: Pos::default(),
        });
        self.len.push(l as u8);
        self.next.push((0, 0));
        Some(idx)
    }
}

/// A complete k-ary tree: the root and every router above `depth` have `fanout` router
/// children; every router (and the root) has `hosts` host children. `None` if it does not fit
/// in 64 bits (1 + depth * fanout + hosts > 64).
pub fn kary(depth: u32, fanout: u32, hosts: u32) -> Option<Topology> {
    if 1 + u64::from(depth) * u64::from(fanout) + u64::from(hosts) > 64 {
        return None;
    }
    let mut b = Builder::new("root");
    let mut level = vec![0u32];
    for d in 0..=depth {
        let mut next_level = Vec::new();
        for &p in &level {
            for k in 0..hosts {
                b.add(p, NodeRole::Host, format!("h{d}-{p}-{k}"))?;
            }
            if d < depth {
                for k in 0..fanout {
                    next_level.push(b.add(p, NodeRole::Router, format!("r{}-{p}-{k}", d + 1))?);
                }
            }
        }
        level = next_level;
    }
    Some(b.t)
}

/// A random tree of `nodes` nodes: each new node attaches to a random router (or the root) and
/// is a router with probability `router_share`. An attachment that would exceed 64 bits is
/// retried elsewhere; after 64 failed tries the node is not added (so very dense requests can
/// give fewer nodes; the count is exact for realistic shares).
pub fn random(nodes: usize, seed: u64, router_share: f64) -> Topology {
    let mut rng = SplitMix64::new(seed);
    let mut b = Builder::new("root");
    let mut routers: Vec<u32> = vec![0];
    let threshold = (router_share.clamp(0.0, 1.0) * (u64::MAX as f64)) as u64;
    for i in 1..nodes {
        let role = if rng.next_u64() < threshold {
            NodeRole::Router
        } else {
            NodeRole::Host
        };
        for _ in 0..64 {
            let p = routers[rng.below(routers.len() as u64) as usize];
            let prefix = if role == NodeRole::Router { "r" } else { "h" };
            if let Some(c) = b.add(p, role, format!("{prefix}{i}")) {
                if role == NodeRole::Router {
                    routers.push(c);
                }
                break;
            }
        }
    }
    b.t
}

/// A smart-grid feeder: a substation gateway, `feeders` feeder routers, `cabinets` street
/// cabinets (routers) per feeder, and per cabinet one breaker host and about `meters` meter
/// hosts (±25 %, seeded).
pub fn feeder(feeders: u32, cabinets: u32, meters: u32, seed: u64) -> Option<Topology> {
    let mut rng = SplitMix64::new(seed);
    let mut b = Builder::new("substation");
    for f in 0..feeders {
        let fr = b.add(0, NodeRole::Router, format!("feeder-{f}"))?;
        for c in 0..cabinets {
            let cr = b.add(fr, NodeRole::Router, format!("cabinet-{f}-{c}"))?;
            b.add(cr, NodeRole::Host, format!("breaker-{f}-{c}"))?;
            let spread = u64::from(meters / 2).max(1);
            let m = u64::from(meters) * 3 / 4 + rng.below(spread + 1);
            for k in 0..m {
                b.add(cr, NodeRole::Host, format!("meter-{f}-{c}-{k}"))?;
            }
        }
    }
    Some(b.t)
}

/// An industrial cell: a cell gateway, `lines` production-line PLCs (routers) each with an HMI
/// host, `stations` RS-485 segment routers per line, and about `devices` sensor/drive hosts
/// per segment (±25 %, seeded).
pub fn cell(lines: u32, stations: u32, devices: u32, seed: u64) -> Option<Topology> {
    let mut rng = SplitMix64::new(seed);
    let mut b = Builder::new("cell-gw");
    for l in 0..lines {
        let plc = b.add(0, NodeRole::Router, format!("plc-{l}"))?;
        b.add(plc, NodeRole::Host, format!("hmi-{l}"))?;
        for s in 0..stations {
            let seg = b.add(plc, NodeRole::Router, format!("rs485-{l}-{s}"))?;
            let spread = u64::from(devices / 2).max(1);
            let n = u64::from(devices) * 3 / 4 + rng.below(spread + 1);
            for d in 0..n {
                let kind = if d % 3 == 0 { "drive" } else { "sensor" };
                b.add(seg, NodeRole::Host, format!("{kind}-{l}-{s}-{d}"))?;
            }
        }
    }
    Some(b.t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Order, plan};

    #[test]
    fn generators_are_deterministic_and_fit() {
        let a = random(2000, 7, 0.3);
        let b = random(2000, 7, 0.3);
        assert_eq!(a, b);
        assert_eq!(a.nodes.len(), 2000);
        assert_ne!(a, random(2000, 8, 0.3));
        assert!(plan(&a, Order::Declared).unwrap().max_len <= 64);
        let k = kary(3, 3, 2).unwrap();
        assert_eq!(k.nodes.len(), (1 + 3 + 9 + 27) * 3);
        assert_eq!(plan(&k, Order::Declared).unwrap().max_len, 1 + 9 + 2);
        assert!(kary(30, 3, 0).is_none());
        let f = feeder(4, 10, 20, 1).unwrap();
        assert!(plan(&f, Order::Declared).unwrap().max_len <= 64);
        let c = cell(3, 4, 12, 1).unwrap();
        assert!(plan(&c, Order::Declared).unwrap().max_len <= 64);
    }

    #[test]
    fn generated_text_parses_back() {
        let t = random(500, 3, 0.4);
        let again = crate::text::parse(&t.to_text(), "g").unwrap();
        let p1 = plan(&t, Order::Declared).unwrap();
        let p2 = plan(&again, Order::Declared).unwrap();
        for (i, n) in t.nodes.iter().enumerate() {
            let j = again.find(&n.name).unwrap() as usize;
            assert_eq!(p1.addrs[i], p2.addrs[j], "{}", n.name);
        }
    }
}
