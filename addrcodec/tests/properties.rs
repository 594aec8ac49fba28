//! Property tests on random TAAF trees up to 64 bits, and encode/decode round trips.

mod common;

use std::collections::HashSet;

use common::Tree;
use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions};
use pasa_addrcodec::wire::iphc::{Context, Contexts, LinkAddrs};
use pasa_addrcodec::wire::lorh::{PasaLorhRepr, PasaPacket};
use pasa_addrcodec::{ChildRole, DEFAULT_PASA_LORH_TYPE as TT, PasaAddr, Prefix64};
use proptest::prelude::*;

/// One assignment request: which existing node (as a fraction of the node list, biased to the
/// newest so trees get deep) asks for which role.
fn ops() -> impl Strategy<Value = Vec<(u16, bool, u8)>> {
    prop::collection::vec((any::<u16>(), any::<bool>(), 0u8..4), 1..120)
}

/// Builds a tree from requests. Routers pick an existing router (or the root); a request TAAF
/// refuses (past 64 bits) must be refused exactly when the child would exceed 64 bits.
fn build(ops: &[(u16, bool, u8)]) -> Tree {
    let mut t = Tree::new();
    for &(pick, host, bias) in ops {
        let routers: Vec<PasaAddr> = t.nodes.iter().copied().filter(|n| !n.is_host()).collect();
        // bias 0 picks uniformly; larger biases pick among the newest routers to grow depth.
        let span = (routers.len() >> bias).max(1);
        let parent = routers[routers.len() - 1 - (usize::from(pick) % span)];
        let role = if host {
            ChildRole::Host
        } else {
            ChildRole::Router
        };
        let (r, h) = t.counters[&parent];
        let k = if host { h } else { r };
        let fits = u32::from(parent.len_bits()) + u32::from(k) < 64;
        let got = t.assign(parent, role);
        assert_eq!(got.is_some(), fits, "parent {parent} index {k}");
    }
    t
}

/// A long chain to reach the 64-bit edge, then hosts at the bottom.
fn deep_ops() -> impl Strategy<Value = Vec<(u16, bool, u8)>> {
    (40usize..70, prop::collection::vec(any::<bool>(), 1..10)).prop_map(|(n, tail)| {
        let mut v: Vec<_> = (0..n).map(|_| (0u16, false, 8u8)).collect();
        v.extend(tail.into_iter().map(|h| (0u16, h, 8u8)));
        v
    })
}

fn check_tree(t: &Tree) {
    let set: HashSet<_> = t.nodes.iter().copied().collect();
    assert_eq!(set.len(), t.nodes.len(), "addresses are unique");
    for &n in &t.nodes {
        assert!(n.len_bits() <= 64);
        assert_eq!(n.parent(), t.parent.get(&n).copied(), "parent() of {n}");
        let depth = t.ancestors(n).len() - 1;
        assert_eq!(usize::from(n.depth()), depth, "depth of {n}");
        let path: Vec<_> = n.path().collect();
        let mut anc = t.ancestors(n);
        anc.reverse();
        assert_eq!(path, anc, "path of {n}");
        for &m in &t.nodes {
            let below = t.ancestors(m).contains(&n) && m != n;
            assert_eq!(n.is_ancestor_of(m), below, "{n} ancestor of {m}");
        }
    }
}

fn check_pairs(t: &Tree, limit: usize) {
    let nodes = &t.nodes;
    let mut count = 0;
    'outer: for &s in nodes {
        for &d in nodes {
            let path = t.walk(s, d, |c, d| c.decide(d)).unwrap();
            // walk() refuses revisits; the hop count is the tree distance, at most 2 * 63.
            assert_eq!(path.len() - 1, t.distance(s, d), "{s} -> {d}");
            assert!(path.len() - 1 <= 126);
            count += 1;
            if count >= limit {
                break 'outer;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_are_consistent_and_deliver_every_pair(ops in ops()) {
        let t = build(&ops);
        check_tree(&t);
        check_pairs(&t, 2500);
    }

    #[test]
    fn deep_trees_reach_64_bits_and_still_deliver(ops in deep_ops()) {
        let t = build(&ops);
        prop_assert!(t.nodes.iter().any(|n| n.len_bits() >= 40));
        check_tree(&t);
        check_pairs(&t, 1500);
    }

    #[test]
    fn decision_never_leaves_the_tree_path(ca in 1u64.., da in 1u64..) {
        let ca = PasaAddr::new(ca).unwrap();
        let da = PasaAddr::new(da).unwrap();
        match ca.decide(da) {
            pasa_addrcodec::Decision::Deliver => prop_assert_eq!(ca, da),
            pasa_addrcodec::Decision::Parent => prop_assert!(!ca.is_ancestor_of(da)),
            pasa_addrcodec::Decision::Child(c) => {
                prop_assert_eq!(c.parent(), Some(ca));
                prop_assert!(c == da || c.is_ancestor_of(da));
            }
        }
    }

    #[test]
    fn own_addr_decision_is_the_draft_algorithm_with_the_host_rule(ca in 1u64.., da in 1u64.., shift in 0u32..64) {
        // Shifted inputs cover short addresses, where the interesting cases are.
        let ca = PasaAddr::new((ca >> shift).max(1)).unwrap();
        let da = PasaAddr::new(da >> (shift / 2)).unwrap_or(ca);
        let own = pasa_addrcodec::OwnAddr::new(ca);
        prop_assert_eq!(own.addr(), ca);
        let want = if ca.is_host() {
            if ca == da { pasa_addrcodec::Decision::Deliver } else { pasa_addrcodec::Decision::Parent }
        } else {
            ca.seven_steps(da)
        };
        prop_assert_eq!(own.decide(da), want);
        prop_assert_eq!(ca.decide(da), want);
    }

    #[test]
    fn text_lorh_and_ipv6_round_trip(v in 1u64..) {
        let x = PasaAddr::new(v).unwrap();
        prop_assert_eq!(x.to_string().parse::<PasaAddr>(), Ok(x));
        prop_assert_eq!(x.hex().to_string().parse::<PasaAddr>(), Ok(x));
        prop_assert_eq!(PasaAddr::from_ipv6(x.to_ipv6(Prefix64::DOC), Prefix64::DOC), Ok(x));
        let mut buf = [0u8; 10];
        let n = PasaLorhRepr { dst: x }.emit(&mut buf, TT).unwrap();
        prop_assert_eq!(n, 2 + usize::from(x.len_bits()).div_ceil(8));
        let p = PasaPacket::new_checked(&buf[..n]).unwrap();
        prop_assert_eq!(PasaLorhRepr::parse(&p, TT).unwrap().dst, x);
    }

    #[test]
    fn frames_round_trip_through_compress_and_decompress(
        src in 1u64..,
        dst in prop_oneof![1u64.., Just(0u64)],
        external in any::<bool>(),
        sport in any::<u16>(),
        dport in any::<u16>(),
        hl in any::<u8>(),
        tc in any::<u8>(),
        fl in 0u32..(1 << 20),
        payload in prop::collection::vec(any::<u8>(), 0..64),
        ctx112 in any::<bool>(),
    ) {
        let mut ctx = Contexts::new().with(0, Context::new(Prefix64::DOC.network(), 64).unwrap());
        if ctx112 {
            ctx.set(1, Context::new(Prefix64::DOC.network(), 112).unwrap());
        }
        let s = PasaAddr::new(src).unwrap().to_ipv6(Prefix64::DOC);
        let d = if external || dst == 0 {
            std::net::Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, (dst >> 16) as u16, dst as u16)
        } else {
            PasaAddr::new(dst).unwrap().to_ipv6(Prefix64::DOC)
        };
        let len = (8 + payload.len()) as u16;
        let mut p = vec![0x60 | (tc >> 4), (tc << 4) | (fl >> 16) as u8, (fl >> 8) as u8, fl as u8];
        p.extend_from_slice(&len.to_be_bytes());
        p.extend_from_slice(&[17, hl]);
        p.extend_from_slice(&s.octets());
        p.extend_from_slice(&d.octets());
        p.extend_from_slice(&sport.to_be_bytes());
        p.extend_from_slice(&dport.to_be_bytes());
        p.extend_from_slice(&len.to_be_bytes());
        p.extend_from_slice(&[0x12, 0x34]);
        p.extend_from_slice(&payload);
        let cfg = CodecConfig::new(&ctx);
        let opts = CompressOptions::new(Prefix64::DOC);
        let mut f = [0u8; 256];
        let n = frame::compress(&p, &cfg, &opts, &mut f).unwrap();
        prop_assert!(n < p.len(), "compression makes the packet smaller");
        let mut back = [0u8; 256];
        let m = frame::decompress(&f[..n], &cfg, LinkAddrs::default(), &mut back).unwrap();
        prop_assert_eq!(&back[..m], &p[..]);
        let h = frame::parse_header(&f[..n], &cfg).unwrap();
        prop_assert_eq!(h.pasa_dst.is_some(), !(external || dst == 0));
    }
}
