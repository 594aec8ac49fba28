//! Criterion benchmarks of the PASA router suite live in `benches/benches/`; this library only
//! holds the fixtures they share: the SPEC §8.4 example frame, the documentation context, a
//! fixed-seed PRNG, a random TAAF tree and the (CA, DA) pairs drawn from it, and the
//! routing-table baseline keyed by full IPv6 addresses.
//!
//! Everything here is deterministic: the same seed gives the same tree and the same pairs on
//! every machine, so figures from different runs measure the same work.

#![warn(missing_docs)]

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use pasa_addrcodec::wire::iphc::{Context, Contexts};
use pasa_addrcodec::{ChildRole, Decision, PasaAddr, Prefix64};

/// The SPEC §8.4 example frame: page 1, PASA-6LoRH `80 50 2B` (DA = `101011`), IPHC `7C 57`
/// (hop limit inline, source `2001:db8::b` = host `1011` from context 0, destination coalesced
/// from the PASA-6LoRH), NHC UDP ports 0xF0B1 -> 0xF0B2 with checksum 0x1F47, payload "PASA".
pub const EXAMPLE_FRAME: [u8; 23] = [
    0xF1, 0x80, 0x50, 0x2B, 0x7C, 0x57, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0B, 0xF3,
    0x12, 0x1F, 0x47, 0x50, 0x41, 0x53, 0x41,
];

/// The shortest PASA-6LoRH: one address octet, DA = `101011` (the one in [`EXAMPLE_FRAME`]).
pub const LORH_1_OCTET: [u8; 3] = [0x80, 0x50, 0x2B];

/// The longest PASA-6LoRH: eight address octets (Size = 7) holding a 64-bit address.
pub const LORH_8_OCTETS: [u8; 10] = [0x87, 0x50, 0xA5, 0x5A, 0xC3, 0x3C, 0x96, 0x69, 0xF0, 0x0E];

/// The compression contexts of the example: context 0 = `2001:db8::/64` (the PASA prefix).
pub fn doc_contexts() -> Contexts {
    let ctx = Context::new(Prefix64::DOC.network(), 64).expect("a /64 context is valid");
    Contexts::new().with(0, ctx)
}

/// A xorshift64* generator: tiny, fast and deterministic. Not for anything but fixtures.
#[derive(Debug, Clone)]
pub struct XorShift64(u64);

impl XorShift64 {
    /// A generator started from `seed` (a zero seed, which xorshift cannot leave, is replaced).
    pub const fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 pseudo-random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n` > 0); the modulo bias is irrelevant for fixtures.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0)");
        (self.next_u64() % n as u64) as usize
    }
}

/// Seed of every fixture, so that all benchmarks see the same tree and pairs.
pub const SEED: u64 = 0x5041_5341_2024_0013;

/// Number of nodes (root included) of the benchmark tree, and of routing-table entries.
pub const TREE_NODES: usize = 10_000;

/// Number of (CA, DA) pairs each forwarding benchmark iteration walks through.
pub const PAIRS: usize = 1024;

/// Percentage of new nodes that join as routers (the rest join as hosts).
pub const ROUTER_PERCENT: usize = 30;

/// Most router children a router accepts in the generated tree.
pub const MAX_ROUTER_CHILDREN: u8 = 8;

/// Most host children a router accepts in the generated tree.
pub const MAX_HOST_CHILDREN: u8 = 16;

/// One node of a [`Tree`].
#[derive(Debug, Clone, Copy)]
pub struct Node {
    /// Its PASA address.
    pub addr: PasaAddr,
    /// Index of its parent in [`Tree::nodes`]; `None` for the root.
    pub parent: Option<usize>,
    /// Next TAAF index of a router child (the number of router children so far).
    pub next_router: u8,
    /// Next TAAF index of a host child (the number of host children so far).
    pub next_host: u8,
}

/// A random PASA tree grown by TAAF: each new node picks a uniformly random router (or the
/// root) that still has room, asks to be a router child with probability
/// [`ROUTER_PERCENT`]% and a host child otherwise, and gets the next free index of that role.
/// Fan-out is capped at [`MAX_ROUTER_CHILDREN`] / [`MAX_HOST_CHILDREN`]; a child that would
/// exceed 64 bits is refused by TAAF and the draw is repeated.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The nodes; index 0 is the root, and a parent always comes before its children.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// Grows a tree of `n` nodes (root included) from `rng`.
    pub fn random(n: usize, rng: &mut XorShift64) -> Self {
        let mut nodes = vec![Node {
            addr: PasaAddr::ROOT,
            parent: None,
            next_router: 0,
            next_host: 0,
        }];
        // Routers (and the root) that may still take a child of some role.
        let mut open = vec![0usize];
        let mut attempts = 0u64;
        while nodes.len() < n {
            attempts += 1;
            assert!(attempts < 100 * n as u64 + 1000, "tree generation is stuck");
            assert!(!open.is_empty(), "no router left with room for a child");
            let slot = rng.below(open.len());
            let p = open[slot];
            let want_router = rng.below(100) < ROUTER_PERCENT;
            let parent = nodes[p];
            let (role, index) = if want_router && parent.next_router < MAX_ROUTER_CHILDREN {
                (ChildRole::Router, parent.next_router)
            } else if !want_router && parent.next_host < MAX_HOST_CHILDREN {
                (ChildRole::Host, parent.next_host)
            } else {
                if parent.next_router >= MAX_ROUTER_CHILDREN
                    && parent.next_host >= MAX_HOST_CHILDREN
                {
                    open.swap_remove(slot);
                }
                continue;
            };
            let Ok(addr) = parent.addr.child(role, index) else {
                // Too long for 64 bits: this role is exhausted under this parent.
                match role {
                    ChildRole::Router => nodes[p].next_router = MAX_ROUTER_CHILDREN,
                    ChildRole::Host => nodes[p].next_host = MAX_HOST_CHILDREN,
                }
                continue;
            };
            match role {
                ChildRole::Router => nodes[p].next_router += 1,
                ChildRole::Host => nodes[p].next_host += 1,
            }
            if matches!(role, ChildRole::Router) {
                open.push(nodes.len());
            }
            nodes.push(Node {
                addr,
                parent: Some(p),
                next_router: 0,
                next_host: 0,
            });
        }
        Self { nodes }
    }

    /// The benchmark tree: [`TREE_NODES`] nodes from [`SEED`].
    pub fn bench() -> Self {
        Self::random(TREE_NODES, &mut XorShift64::new(SEED))
    }

    /// The node indexes on the route a packet takes from `src` to `dst` (both included): up
    /// to their lowest common ancestor, then down.
    pub fn route(&self, src: usize, dst: usize) -> Vec<usize> {
        let ancestors = |mut i: usize| {
            let mut v = vec![i];
            while let Some(p) = self.nodes[i].parent {
                v.push(p);
                i = p;
            }
            v
        };
        let up = ancestors(src);
        let mut down = ancestors(dst);
        let lca_in_down = down
            .iter()
            .position(|d| up.contains(d))
            .expect("the root is a common ancestor");
        let lca = down[lca_in_down];
        let lca_in_up = up.iter().position(|&u| u == lca).expect("found above");
        down.truncate(lca_in_down);
        down.reverse();
        let mut route = up[..=lca_in_up].to_vec();
        route.extend(down);
        route
    }

    /// The longest address of the tree, in bits.
    pub fn max_len_bits(&self) -> u8 {
        self.nodes
            .iter()
            .map(|n| n.addr.len_bits())
            .max()
            .unwrap_or(1)
    }

    /// The greatest depth of the tree (root = 0).
    pub fn max_depth(&self) -> u8 {
        self.nodes.iter().map(|n| n.addr.depth()).max().unwrap_or(0)
    }
}

/// One forwarding decision to make: the node `ca` holding a packet for `da`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// The current address (the node deciding).
    pub ca: PasaAddr,
    /// The destination address.
    pub da: PasaAddr,
}

/// `n` decisions a network really makes: for each, a random source and a distinct random
/// destination, and a uniformly chosen node on the route between them (the source itself,
/// a forwarder going up or down, or the destination). The mix of Parent / Child / Deliver
/// answers is therefore the one traffic between random node pairs produces.
pub fn forwarding_pairs(tree: &Tree, n: usize, rng: &mut XorShift64) -> Vec<Pair> {
    let len = tree.nodes.len();
    assert!(len >= 2, "a route needs two nodes");
    (0..n)
        .map(|_| {
            let src = rng.below(len);
            let dst = (src + 1 + rng.below(len - 1)) % len;
            let route = tree.route(src, dst);
            let ca = route[rng.below(route.len())];
            Pair {
                ca: tree.nodes[ca].addr,
                da: tree.nodes[dst].addr,
            }
        })
        .collect()
}

/// The benchmark pairs: [`PAIRS`] pairs from [`Tree::bench`], drawn after the tree from the
/// same [`SEED`] stream.
pub fn bench_tree_and_pairs() -> (Tree, Vec<Pair>) {
    let mut rng = XorShift64::new(SEED);
    let tree = Tree::random(TREE_NODES, &mut rng);
    let pairs = forwarding_pairs(&tree, PAIRS, &mut rng);
    (tree, pairs)
}

/// The 128-bit IPv6 address of `a` under the documentation prefix `2001:db8::/64`.
pub fn ipv6_key(a: PasaAddr) -> u128 {
    u128::from(a.to_ipv6(Prefix64::DOC))
}

/// The baseline: a conventional host-route table, one entry per node of `tree`, keyed by the
/// node's full IPv6 address and holding a next-hop identifier (here the node's index). It uses
/// the standard library's default hasher (SipHash-1-3, keyed per process).
pub fn routing_table(tree: &Tree) -> HashMap<u128, u32> {
    routing_table_with(tree)
}

/// [`routing_table`] with any hasher, e.g. [`FxBuildHasher`].
pub fn routing_table_with<S: BuildHasher + Default>(tree: &Tree) -> HashMap<u128, u32, S> {
    tree.nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                ipv6_key(n.addr),
                u32::try_from(i).expect("fewer than 2^32 nodes"),
            )
        })
        .collect()
}

/// The FxHash scheme (rotate, xor, multiply per 64-bit word, as inside rustc): a fast,
/// non-cryptographic hasher, so that the baseline is not judged by SipHash alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

impl FxHasher {
    const K: u64 = 0x517C_C1B7_2722_0A95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A [`BuildHasher`] of [`FxHasher`].
pub type FxBuildHasher = BuildHasherDefault<FxHasher>;

/// The decision the tree structure says `ca` must take for `da` (for checking the fixtures
/// against [`PasaAddr::decide`]).
pub fn expected_decision(tree: &Tree, ca: usize, da: usize) -> Decision {
    if ca == da {
        return Decision::Deliver;
    }
    let mut i = da;
    while let Some(p) = tree.nodes[i].parent {
        if p == ca {
            return Decision::Child(tree.nodes[i].addr);
        }
        i = p;
    }
    Decision::Parent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_is_deterministic_and_unique() {
        let t = Tree::bench();
        assert_eq!(t.nodes.len(), TREE_NODES);
        let u = Tree::bench();
        assert!(t.nodes.iter().zip(&u.nodes).all(|(a, b)| a.addr == b.addr));
        let table = routing_table(&t);
        assert_eq!(table.len(), TREE_NODES, "every address is distinct");
        let fx: HashMap<u128, u32, FxBuildHasher> = routing_table_with(&t);
        assert!(table.iter().all(|(k, v)| fx.get(k) == Some(v)));
        for n in &t.nodes {
            if let Some(p) = n.parent {
                assert_eq!(n.addr.parent(), Some(t.nodes[p].addr));
            }
        }
    }

    #[test]
    fn pairs_agree_with_the_tree() {
        let (tree, pairs) = bench_tree_and_pairs();
        let index: HashMap<PasaAddr, usize> = tree
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.addr, i))
            .collect();
        let (mut deliver, mut parent, mut child) = (0, 0, 0);
        for p in &pairs {
            let d = p.ca.decide(p.da);
            assert_eq!(d, expected_decision(&tree, index[&p.ca], index[&p.da]));
            match d {
                Decision::Deliver => deliver += 1,
                Decision::Parent => parent += 1,
                Decision::Child(_) => child += 1,
            }
        }
        assert!(deliver > 0 && parent > 0 && child > 0);
        println!(
            "depth {} max len {} bits; decisions: {deliver} deliver, {parent} parent, {child} child",
            tree.max_depth(),
            tree.max_len_bits()
        );
    }

    #[test]
    fn example_frame_matches_lorh_fixture() {
        assert_eq!(EXAMPLE_FRAME[1..4], LORH_1_OCTET);
        assert!(doc_contexts().get(0).is_some());
    }
}
