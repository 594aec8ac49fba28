//! Figure 6 bootstrapped by real messages, then every ordered pair delivered.

mod common;

use common::*;
use pasa_router::Action;

#[test]
fn figure6_bootstraps_by_real_messages_and_delivers_every_ordered_pair() {
    let mut net = figure6();
    // Every registrar holds exactly its children, registered.
    assert_eq!(net.node(0).children().iter().count(), 4);
    assert_eq!(net.node(1).children().iter().count(), 4);
    let mut pairs = 0;
    for (a, &(_, _, _, sa)) in FIGURE6.iter().enumerate() {
        for (b, &(_, _, _, sb)) in FIGURE6.iter().enumerate() {
            let (pa, pb) = (addr(sa), addr(sb));
            let payload = format!("{sa}->{sb}");
            let pkt = udp_packet(ip(pa), ip(pb), 64, payload.as_bytes());
            net.log = Log::default();
            net.send(a, &pkt);
            assert_eq!(
                net.log.delivered.len(),
                1,
                "{sa} -> {sb}: {:?}",
                net.log.actions
            );
            let (at, got) = &net.log.delivered[0];
            assert_eq!(*at, b, "{sa} -> {sb} delivered at the wrong node");
            // Hops: the tree distance through the lowest common ancestor.
            let hops = net.log.hops;
            assert_eq!(hops as u32, tree_distance(pa, pb), "{sa} -> {sb}");
            // The delivered packet is the sent one with the hop limit lowered per forwarder.
            let mut want = pkt.clone();
            want[7] = 64 - hops.saturating_sub(1) as u8;
            assert_eq!(got, &want, "{sa} -> {sb}");
            let parsed = etherparse::SlicedPacket::from_ip(got).unwrap();
            assert!(matches!(
                parsed.transport,
                Some(etherparse::TransportSlice::Udp(_))
            ));
            pairs += 1;
        }
    }
    assert_eq!(pairs, 225);
}

/// Hops between two nodes along the tree.
fn tree_distance(a: pasa_addrcodec::PasaAddr, b: pasa_addrcodec::PasaAddr) -> u32 {
    let path = |x: pasa_addrcodec::PasaAddr| x.path().collect::<Vec<_>>();
    let (pa, pb) = (path(a), path(b));
    let common = pa.iter().zip(&pb).take_while(|(x, y)| x == y).count() as u32;
    (pa.len() as u32 - common) + (pb.len() as u32 - common)
}

#[test]
fn external_traffic_crosses_the_border_both_ways() {
    let mut net = figure6();
    let outside: std::net::Ipv6Addr = "2001:db9::7".parse().unwrap();
    // In: from outside to host 101011, through the root's compression.
    let pkt = udp_packet(outside, ip(addr("101011")), 64, b"in");
    net.log = Log::default();
    assert!(matches!(net.ingress(&pkt), Action::Forward(_)));
    assert_eq!(net.log.delivered.len(), 1);
    let (at, got) = &net.log.delivered[0];
    assert_eq!(FIGURE6[*at].3, "101011");
    let mut want = pkt.clone();
    want[7] = 64 - 3; // the root, 10 and 1010 forward it
    assert_eq!(got, &want);
    // Out: host 10011 to outside, IP-in-IP up to the root, native out.
    let pkt = udp_packet(ip(addr("10011")), outside, 64, b"out");
    net.log = Log::default();
    net.send(4, &pkt);
    assert_eq!(net.log.egress.len(), 1, "{:?}", net.log.actions);
    let mut want = pkt.clone();
    want[7] = 63; // only the root decrements the inner hop limit
    assert_eq!(net.log.egress[0], want);
}

/// SplitMix64, so the trees are the same on every run.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn random_planned_trees_deliver_random_pairs_along_the_tree_path() {
    use pasa_addrcodec::{ChildRole, PasaAddr};
    use pasa_router::{Neighbor, NodeRole};
    for seed in 1..=20u64 {
        let mut rng = seed;
        let n = 60 + (splitmix(&mut rng) % 140) as usize;
        // Node 0 is the root; each later node picks a router parent with room left.
        let mut addrs = vec![PasaAddr::ROOT];
        let mut parent = vec![None];
        let mut counts = vec![(0u8, 0u8)];
        let mut roles = vec![NodeRole::Root];
        while addrs.len() < n {
            let p = (splitmix(&mut rng) % addrs.len() as u64) as usize;
            if roles[p] == NodeRole::Host {
                continue;
            }
            let host = splitmix(&mut rng).is_multiple_of(3);
            let (r, h) = counts[p];
            let (role, idx) = if host {
                (ChildRole::Host, h)
            } else {
                (ChildRole::Router, r)
            };
            if idx >= 8 {
                continue;
            }
            let Ok(a) = addrs[p].child(role, idx) else {
                continue;
            };
            if a.len_bits() > 40 {
                continue;
            }
            counts[p] = if host { (r, h + 1) } else { (r + 1, h) };
            addrs.push(a);
            parent.push(Some(p));
            counts.push((0, 0));
            roles.push(if host {
                NodeRole::Host
            } else {
                NodeRole::Router
            });
        }
        let mut net = Net::new(parent.clone());
        for i in 0..n {
            let mut cfg = config(i, roles[i]);
            if let Some(p) = parent[i] {
                cfg.planned = Some((
                    addrs[i],
                    Neighbor {
                        iface: 0,
                        ll: mac(p),
                    },
                ));
            }
            net.nodes[i] = Some(TestNode::new(cfg, Store::new(), 0).unwrap());
        }
        for i in 1..n {
            let p = parent[i].unwrap();
            net.node_mut(p)
                .add_static_child(
                    0,
                    addrs[i],
                    Neighbor {
                        iface: 0,
                        ll: mac(i),
                    },
                    rovr(i),
                    600,
                )
                .unwrap();
        }
        for _ in 0..100 {
            let a = (splitmix(&mut rng) % n as u64) as usize;
            let b = (splitmix(&mut rng) % n as u64) as usize;
            let pkt = udp_packet(ip(addrs[a]), ip(addrs[b]), 255, b"r");
            net.log = Log::default();
            net.send(a, &pkt);
            assert_eq!(
                net.log.delivered.len(),
                1,
                "seed {seed}: {} -> {}",
                addrs[a],
                addrs[b]
            );
            assert_eq!(net.log.delivered[0].0, b);
            assert_eq!(
                net.log.hops as u32,
                tree_distance(addrs[a], addrs[b]),
                "seed {seed}"
            );
            assert_eq!(
                net.log.delivered[0].1[7] as usize,
                255 - net.log.hops.saturating_sub(1)
            );
        }
    }
}
