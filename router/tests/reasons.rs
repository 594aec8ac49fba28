//! Every drop reason the node itself decides, triggered on a bootstrapped Figure 6, and the
//! ICMPv6 rules (RELIABILITY.md B21-B25, B34-B49, B61, B65; SPEC.md §6.3, §9.2).

mod common;

use std::net::Ipv6Addr;

use common::*;
use pasa_addrcodec::Prefix64;
use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions};
use pasa_addrcodec::wire::icmpv6::{self, ErrorKind, ErrorRepr};
use pasa_addrcodec::wire::iphc::LinkAddrs;
use pasa_router::{Action, DropReason, LinkDst, Neighbor, Node, NodeRole, Rx, Verdict};

/// Index of a Figure 6 node by address.
fn at(a: &str) -> usize {
    FIGURE6.iter().position(|n| n.3 == a).unwrap()
}

fn nb(i: usize) -> Neighbor {
    Neighbor {
        iface: 0,
        ll: mac(i),
    }
}

/// An ICMPv6 Destination Unreachable (code 3) from 11 to 10111, quoting 40 octets.
fn unreachable_error() -> Vec<u8> {
    let mut err = vec![0u8; 48];
    ErrorRepr {
        kind: ErrorKind::DstUnreachable(3),
    }
    .emit(
        &ip(addr("11")),
        &ip(addr("10111")),
        &[0x60; 40],
        1240,
        &mut err,
    )
    .unwrap();
    err
}

fn compress(pkt: &[u8]) -> Vec<u8> {
    lowpan(pkt, LinkAddrs::default())
}

/// A PASA frame from `src` to `dst`.
fn pasa_frame(src: &str, dst: &str, hl: u8) -> Vec<u8> {
    compress(&udp_packet(ip(addr(src)), ip(addr(dst)), hl, b"data"))
}

fn receive(net: &mut Net, node: usize, from: usize, frame: &[u8]) -> (Verdict, Vec<u8>) {
    receive_m(net, node, from, false, frame)
}

fn receive_m(
    net: &mut Net,
    node: usize,
    from: usize,
    multicast: bool,
    frame: &[u8],
) -> (Verdict, Vec<u8>) {
    let now = net.now;
    let n = net.node_mut(node);
    let v = n.receive(
        now,
        &Rx {
            from: nb(from),
            multicast,
            frame,
        },
    );
    let mut out = vec![0xEEu8; v.len];
    assert_eq!(n.emit(&v, frame, &mut out), Ok(v.len));
    (v, out)
}

fn dropped(v: &Verdict) -> DropReason {
    match v.action {
        Action::Drop(r) | Action::Error { reason: r, .. } => r,
        a => panic!("not dropped: {a:?}"),
    }
}

/// Decodes an ICMPv6 error frame: (source, destination, kind, quoted octets).
fn icmp_error(out: &[u8]) -> (Ipv6Addr, Ipv6Addr, ErrorKind, Vec<u8>) {
    let c = contexts();
    let d = frame::decode(out, &CodecConfig::new(&c), LinkAddrs::default()).unwrap();
    assert_eq!(d.ip.next_header, icmpv6::NEXT_HEADER_ICMPV6);
    icmpv6::verify(&d.ip.src, &d.ip.dst, d.payload).unwrap();
    let (e, q) = ErrorRepr::parse(d.payload).unwrap();
    (d.ip.src, d.ip.dst, e.kind, q.to_vec())
}

#[test]
fn forwards_down_to_owning_child_and_up_to_parent() {
    let mut net = figure6();
    let (v, out) = receive(&mut net, at("10"), at("1"), &pasa_frame("11", "101011", 64));
    assert_eq!(v.action, Action::Forward(nb(at("1010"))));
    let f = pasa_frame("11", "101011", 64);
    let mut want = f.clone();
    want[6] = 63; // F1 80 50 2B 7C 77 | HL: SAM=00... the hop limit octet
    assert_eq!(out.len(), f.len());
    assert_eq!(out.iter().zip(&f).filter(|(a, b)| a != b).count(), 1);
    let (v, _) = receive(
        &mut net,
        at("1010"),
        at("101011"),
        &pasa_frame("101011", "11", 64),
    );
    assert_eq!(v.action, Action::Forward(nb(at("10"))));
}

#[test]
fn spoofed_and_misplaced_sources_are_src_invalid() {
    let mut net = figure6();
    // B44: from child 100, a source outside 100's subtree.
    let (v, _) = receive(&mut net, at("10"), at("100"), &pasa_frame("1011", "11", 64));
    assert_eq!(dropped(&v), DropReason::SrcInvalid);
    // B44: from the parent, a source inside my subtree.
    let (v, _) = receive(&mut net, at("10"), at("1"), &pasa_frame("1001", "101", 64));
    assert_eq!(dropped(&v), DropReason::SrcInvalid);
    // B21: a neighbour using the root's address.
    let (v, _) = receive(&mut net, at("10"), at("100"), &pasa_frame("1", "101", 64));
    assert_eq!(dropped(&v), DropReason::SrcInvalid);
    // A source equal to my own address.
    let (v, _) = receive(&mut net, at("10"), at("100"), &pasa_frame("10", "101", 64));
    assert_eq!(dropped(&v), DropReason::SrcInvalid);
    // A node that is not a registered child at all.
    let (v, _) = receive(&mut net, at("10"), at("111"), &pasa_frame("111", "101", 64));
    assert_eq!(dropped(&v), DropReason::SrcInvalid);
    // B43: the unspecified source (SAC=1 SAM=00).
    let mut f = pasa_frame("1001", "101", 64);
    let iphc = 4;
    f[iphc + 1] = (f[iphc + 1] & 0x0F) | 0x40;
    let f: Vec<u8> = f[..iphc + 3]
        .iter()
        .chain(&f[iphc + 11..])
        .copied()
        .collect();
    let (v, _) = receive(&mut net, at("10"), at("100"), &f);
    assert_eq!(dropped(&v), DropReason::SrcInvalid);
    assert_eq!(net.node(at("10")).drops().get(DropReason::SrcInvalid), 6);
}

#[test]
fn packets_that_would_turn_back_are_loop_detected() {
    let mut net = figure6();
    // B34: from the parent, for a destination outside my subtree.
    let (v, _) = receive(&mut net, at("10"), at("1"), &pasa_frame("111", "11", 64));
    assert_eq!(dropped(&v), DropReason::LoopDetected);
    // B35: from child 100, for 100's own subtree.
    let (v, _) = receive(
        &mut net,
        at("10"),
        at("100"),
        &pasa_frame("1001", "10011", 64),
    );
    assert_eq!(dropped(&v), DropReason::LoopDetected);
}

#[test]
fn hop_limit_expiry_sends_time_exceeded_quoting_the_packet() {
    let mut net = figure6();
    for hl in [0u8, 1] {
        // B36, B37.
        let f = pasa_frame("11", "101011", hl);
        let (v, out) = receive(&mut net, at("10"), at("1"), &f);
        assert_eq!(dropped(&v), DropReason::HopLimit);
        assert_eq!(
            v.action,
            Action::Error {
                reason: DropReason::HopLimit,
                to: LinkDst::Neighbor(nb(at("1")))
            }
        );
        let (src, dst, kind, quote) = icmp_error(&out);
        assert_eq!((src, dst), (ip(addr("10")), ip(addr("11"))));
        assert_eq!(kind, ErrorKind::TimeExceeded(0));
        // The quote is the decompressed packet, as received (header + 8 octets).
        let pkt = udp_packet(ip(addr("11")), ip(addr("101011")), hl, b"data");
        assert_eq!(quote, pkt[..48]);
        net.now += 10_000; // refill the bucket
    }
    // B38: hop limit 0 for me is accepted.
    let (v, _) = receive(
        &mut net,
        at("101011"),
        at("1010"),
        &pasa_frame("11", "101011", 0),
    );
    assert_eq!(v.action, Action::Deliver);
}

#[test]
fn unregistered_child_and_host_transit_send_address_unreachable() {
    let mut net = figure6();
    // B23: 10111 would be host index 2 of router 10: never assigned.
    let (v, out) = receive(&mut net, at("10"), at("1"), &pasa_frame("11", "10111", 64));
    assert_eq!(dropped(&v), DropReason::NoSuchChild);
    assert_eq!(icmp_error(&out).2, ErrorKind::DstUnreachable(3));
    net.now += 10_000;
    // A host holding a packet for another node (SPEC.md §9.2 item 11).
    let (v, out) = receive(&mut net, at("11"), at("1"), &pasa_frame("111", "110", 64));
    assert_eq!(dropped(&v), DropReason::HostNotDestination);
    assert_eq!(icmp_error(&out).2, ErrorKind::DstUnreachable(3));
}

#[test]
fn icmp_errors_obey_rfc4443_suppression_and_the_token_bucket() {
    let mut net = figure6();
    let r10 = at("10");
    // B48: a frame that arrived as link-layer multicast gets no error.
    let (v, _) = receive_m(&mut net, r10, at("1"), true, &pasa_frame("11", "10111", 64));
    assert_eq!(v.action, Action::Drop(DropReason::NoSuchChild));
    // B45: no error about an ICMPv6 error.
    let err = unreachable_error();
    let b =
        etherparse::PacketBuilder::ipv6(ip(addr("11")).octets(), ip(addr("10111")).octets(), 64);
    let mut pkt = Vec::new();
    b.write(
        &mut pkt,
        etherparse::IpNumber(icmpv6::NEXT_HEADER_ICMPV6),
        &err,
    )
    .unwrap();
    let (v, _) = receive(&mut net, r10, at("1"), &compress(&pkt));
    assert_eq!(v.action, Action::Drop(DropReason::NoSuchChild));
    assert_eq!(net.node(r10).stats().icmp_suppressed, 2);
    // B49: 1000 triggers in one instant: the burst (2) is answered, the rest counted.
    let mut sent = 0;
    for _ in 0..1000 {
        let (v, _) = receive(&mut net, r10, at("1"), &pasa_frame("11", "10111", 64));
        if matches!(v.action, Action::Error { .. }) {
            sent += 1;
        }
    }
    assert_eq!(sent, 2);
    assert_eq!(net.node(r10).stats().icmp_ratelimited, 998);
    // Forwarding of good traffic is unaffected by the flood.
    let (v, _) = receive(&mut net, r10, at("1"), &pasa_frame("11", "101011", 64));
    assert_eq!(v.action, Action::Forward(nb(at("1010"))));
    // One token a second.
    net.now += 1000;
    let (v, _) = receive(&mut net, r10, at("1"), &pasa_frame("11", "10111", 64));
    assert!(matches!(v.action, Action::Error { .. }));
}

#[test]
fn compressed_hop_limit_is_reencoded_inline() {
    let mut net = figure6();
    let c = contexts();
    let pkt = udp_packet(ip(addr("11")), ip(addr("101011")), 64, b"data");
    let mut f = vec![0u8; 128];
    let opts = CompressOptions {
        hop_limit: pasa_addrcodec::wire::iphc::HopLimitMode::Compact,
        ..CompressOptions::new(Prefix64::DOC)
    };
    let n = frame::compress(&pkt, &CodecConfig::new(&c), &opts, &mut f).unwrap();
    f.truncate(n);
    let (v, out) = receive(&mut net, at("10"), at("1"), &f);
    assert_eq!(v.action, Action::Forward(nb(at("1010"))));
    assert_eq!(out.len(), f.len() + 1);
    let d = frame::decode(&out, &CodecConfig::new(&c), LinkAddrs::default()).unwrap();
    assert_eq!(d.ip.hop_limit, 63);
    assert_eq!(d.payload, b"data");
    assert_eq!(net.node(at("10")).stats().hop_limit_reencoded, 1);
}

#[test]
fn node_level_reasons() {
    let mut net = figure6();
    let c = contexts();
    let cfg = CodecConfig::new(&c);
    // NotJoined: a node without an address.
    let mut fresh: TestNode = Node::new(config(99, NodeRole::Router), Store::new(), 0).unwrap();
    let v = fresh.receive(
        0,
        &Rx {
            from: nb(1),
            multicast: false,
            frame: &pasa_frame("11", "101", 64),
        },
    );
    assert_eq!(v.action, Action::Drop(DropReason::NotJoined));
    // NoRoutingHeader: a page-0 frame for a global destination (an IP-in-IP frame without
    // its page dispatch and 6LoRH).
    let opts = CompressOptions::new(Prefix64::DOC);
    let up = compress(&udp_packet(
        ip(addr("1001")),
        "2001:db9::1".parse().unwrap(),
        64,
        b"x",
    ));
    assert_eq!(&up[..3], &[0xF1, 0xA1, 0x06]);
    let (v, _) = receive(&mut net, at("10"), at("100"), &up[4..]);
    assert_eq!(dropped(&v), DropReason::NoRoutingHeader);
    // The same without the PASA-6LoRH: DAM=11 has nothing to take the address from.
    let f = pasa_frame("1001", "101", 64);
    let (v, _) = receive(&mut net, at("10"), at("100"), &f[4..]);
    assert_eq!(dropped(&v), DropReason::IphcSourceMissing);
    // At the root: IP-in-IP whose inner destination is link-local (B25) or IPv6-in-IPv6 (B40).
    let ll: Ipv6Addr = "fe80::1".parse().unwrap();
    let inner = udp_packet(ip(addr("10")), ll, 64, b"x");
    // Hand-built F1 A1 06 40 | IPHC of a packet to fe80::1: compress keeps link-local traffic
    // in page 0, so the 6LoRH is prepended by hand.
    let mut f = [0u8; 128];
    let mut body = [0u8; 128];
    let m = frame::compress(&inner, &cfg, &opts, &mut body).unwrap();
    f[..4].copy_from_slice(&[0xF1, 0xA1, 0x06, 0x40]);
    f[4..4 + m].copy_from_slice(&body[..m]);
    let n = 4 + m;
    let (v, _) = receive(&mut net, 0, at("10"), &f[..n]);
    assert_eq!(dropped(&v), DropReason::DstScope);
    let mut body = vec![0u8; 128];
    let m = frame::compress(
        &{
            let mut p = udp_packet(
                ip(addr("10")),
                "2001:db9::1".parse().unwrap(),
                64,
                b"12345678",
            );
            p[6] = 41;
            p
        },
        &cfg,
        &opts,
        &mut body,
    )
    .unwrap();
    let (v, _) = receive(&mut net, 0, at("10"), &body[..m]);
    assert_eq!(dropped(&v), DropReason::EncapDepth);
}

#[test]
fn local_stack_reasons() {
    let mut net = figure6();
    let h = at("1011");
    let now = net.now;
    let n = net.node_mut(h);
    // NotIpv6 (B65): not version 6, and truncated.
    assert_eq!(
        n.send(now, &[0x45; 40]).action,
        Action::Drop(DropReason::NotIpv6)
    );
    assert_eq!(
        n.send(now, &[0x60; 20]).action,
        Action::Drop(DropReason::NotIpv6)
    );
    // LocalLinkScope: multicast from the local stack.
    let m = udp_packet(ip(addr("1011")), "ff02::1".parse().unwrap(), 1, b"x");
    assert_eq!(
        n.send(now, &m).action,
        Action::Drop(DropReason::LocalLinkScope)
    );
    // SrcInvalid: the local stack using an address that is not ours.
    let p = udp_packet(ip(addr("101")), ip(addr("11")), 64, b"x");
    assert_eq!(n.send(now, &p).action, Action::Drop(DropReason::SrcInvalid));
    // TxEncode (B61): larger than the MTU.
    let big = udp_packet(ip(addr("1011")), ip(addr("11")), 64, &[0u8; 1400]);
    assert_eq!(n.send(now, &big).action, Action::Drop(DropReason::TxEncode));
    // NoRoute: prefix::0 is no PASA address.
    let z = udp_packet(ip(addr("1011")), "2001:db8::".parse().unwrap(), 64, b"x");
    assert_eq!(n.send(now, &z).action, Action::Drop(DropReason::NoRoute));
    // NoSuchChild from a router's own stack.
    let r = net.node_mut(at("10"));
    let p = udp_packet(ip(addr("10")), ip(addr("10111")), 64, b"x");
    assert_eq!(
        r.send(now, &p).action,
        Action::Drop(DropReason::NoSuchChild)
    );
}

#[test]
fn border_reasons_and_errors_to_the_outside() {
    let mut net = figure6();
    let outside: Ipv6Addr = "2001:db9::7".parse().unwrap();
    // B33/B65: a routing header from outside.
    let mut rh = udp_packet(outside, ip(addr("101")), 64, b"12345678");
    rh[6] = 43;
    assert_eq!(
        net.ingress(&rh),
        Action::Drop(DropReason::BorderRoutingHeader)
    );
    // A source inside the prefix from outside is spoofed.
    let s = udp_packet(ip(addr("101")), ip(addr("11")), 64, b"x");
    assert_eq!(net.ingress(&s), Action::Drop(DropReason::SrcInvalid));
    // B24: not for the domain: Destination Unreachable code 0, sent back out natively.
    net.log = Log::default();
    let o = udp_packet(outside, "2001:dba::1".parse().unwrap(), 64, b"x");
    assert_eq!(
        net.ingress(&o),
        Action::Error {
            reason: DropReason::BorderNoRoute,
            to: LinkDst::External
        }
    );
    let e = &net.log.egress[0];
    let parsed = etherparse::Ipv6HeaderSlice::from_slice(e).unwrap();
    assert_eq!(parsed.destination_addr(), outside);
    assert_eq!(parsed.source_addr(), ip(addr("1")));
    let (k, q) = ErrorRepr::parse(&e[40..]).unwrap();
    assert_eq!(k.kind, ErrorKind::DstUnreachable(0));
    assert_eq!(q, &o[..48]);
    icmpv6::verify(&parsed.source_addr(), &outside, &e[40..]).unwrap();
    // Unassigned child from outside: code 3; hop limit 1: Time Exceeded.
    net.now += 10_000;
    let u = udp_packet(outside, ip(addr("1111")), 64, b"x");
    assert_eq!(
        net.ingress(&u),
        Action::Error {
            reason: DropReason::NoSuchChild,
            to: LinkDst::External
        }
    );
    net.now += 10_000;
    let t = udp_packet(outside, ip(addr("101")), 1, b"x");
    assert_eq!(
        net.ingress(&t),
        Action::Error {
            reason: DropReason::HopLimit,
            to: LinkDst::External
        }
    );
    // NotIpv6 at the border.
    assert_eq!(net.ingress(&[0u8; 10]), Action::Drop(DropReason::NotIpv6));
    // A non-root node has no border.
    let now = net.now;
    let v = net.node_mut(at("10")).receive_external(now, &u);
    assert_eq!(v.action, Action::Drop(DropReason::BorderNoRoute));
}

#[test]
fn codec_refusals_are_counted_by_the_node() {
    let mut net = figure6();
    let cases: &[(&[u8], DropReason)] = &[
        (&[], DropReason::LowpanTruncated),
        (&[0x00], DropReason::LowpanNalp),
        (&[0xF2, 0x7C], DropReason::LowpanPage),
        (&[0xC0, 0, 0, 0], DropReason::LowpanDispatch),
        (&[0xF1, 0x81, 0x50, 0x2B], DropReason::LorhTruncated),
        (&[0xF1, 0x85, 0x11, 0x7C], DropReason::LorhUnknownCritical),
        (
            &[
                0xF1, 0xA0, 0x10, 0xA0, 0x10, 0xA0, 0x10, 0xA0, 0x10, 0xA0, 0x10, 0xA0, 0x10, 0xA0,
                0x10, 0xA0, 0x10, 0xA0, 0x10, 0x7C, 0x57,
            ],
            DropReason::LorhTooMany,
        ),
        (&[0xF1, 0x80, 0x50, 0x2B], DropReason::PasaLorhMalformed),
        (
            &[0xF1, 0x80, 0x50, 0x2B, 0x7C, 0x57, 0x40],
            DropReason::IphcTruncated,
        ),
        (
            &[0xF1, 0x80, 0x50, 0x2B, 0x7B, 0x54],
            DropReason::IphcReserved,
        ),
        (
            &[
                0xF1, 0x80, 0x50, 0x2B, 0x7C, 0xD7, 0x11, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x0B, 0xF3,
                0x12, 0x1F, 0x47,
            ],
            DropReason::IphcContextUnknown,
        ),
        (
            &[
                0xF1, 0xA1, 0x06, 0x40, 0x7C, 0x57, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x0B, 0xF3, 0x12,
                0x1F, 0x47,
            ],
            DropReason::IphcSourceMissing,
        ),
        (
            &[
                0xF1, 0x80, 0x50, 0x01, 0x7C, 0x57, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x0B, 0xE0,
            ],
            DropReason::NhcUnsupported,
        ),
    ];
    let mut ok = 0;
    for (f, want) in cases {
        // From child 10 to the root: every source in these frames (1011) is under 10.
        let (v, _) = receive(&mut net, 0, at("10"), f);
        assert_eq!(dropped(&v), *want, "{f:02x?}");
        ok += 1;
    }
    assert_eq!(ok, cases.len());
}

#[test]
fn an_error_behind_extension_headers_is_still_not_answered() {
    let mut net = figure6();
    // IPv6 | Hop-by-Hop (8 octets) | ICMPv6 Destination Unreachable, to an unassigned child.
    let err = unreachable_error();
    let mut payload = vec![icmpv6::NEXT_HEADER_ICMPV6, 0, 1, 4, 0, 0, 0, 0];
    payload.extend_from_slice(&err);
    let pkt = ipv6_packet(ip(addr("11")), ip(addr("10111")), 0, 64, &payload);
    let (v, _) = receive(&mut net, at("10"), at("1"), &compress(&pkt));
    assert_eq!(v.action, Action::Drop(DropReason::NoSuchChild));
    assert_eq!(net.node(at("10")).stats().icmp_suppressed, 1);
}

#[test]
fn a_routing_header_behind_a_fragment_header_does_not_enter() {
    let mut net = figure6();
    let outside: Ipv6Addr = "2001:db9::7".parse().unwrap();
    // IPv6 | Fragment (first, offset 0) | Routing type 3.
    let mut payload = vec![43, 0, 0, 0, 0, 0, 0, 1];
    payload.extend_from_slice(&[17, 0, 3, 0, 0, 0, 0, 0]);
    let b = etherparse::PacketBuilder::ipv6(outside.octets(), ip(addr("101")).octets(), 64);
    let mut pkt = Vec::new();
    b.write(&mut pkt, etherparse::IpNumber(44), &payload)
        .unwrap();
    assert_eq!(
        net.ingress(&pkt),
        Action::Drop(DropReason::BorderRoutingHeader)
    );
    // A later fragment cannot be inspected: refused too.
    let mut later = pkt.clone();
    later[43] = 0x08; // offset 1
    assert_eq!(
        net.ingress(&later),
        Action::Drop(DropReason::BorderRoutingHeader)
    );
    // prefix::0 from outside: malformed destination, code 0.
    let z = udp_packet(outside, "2001:db8::".parse().unwrap(), 64, b"x");
    assert_eq!(
        net.ingress(&z),
        Action::Error {
            reason: DropReason::NoRoute,
            to: LinkDst::External
        }
    );
}

#[test]
fn the_root_never_sends_an_upward_packet_back_down_the_same_link() {
    use pasa_addrcodec::wire::iphc::{Env, HopLimitMode, Repr};
    let mut net = figure6();
    let c = contexts();
    // F1 | IP-in-IP (HL 64) | IPHC 2001:db8::9 (1001) -> 2001:db8::5 (101), inline next header.
    let repr = Repr {
        src: ip(addr("1001")),
        dst: ip(addr("101")),
        next_header: 59,
        nhc: false,
        hop_limit: 64,
        traffic_class: 0,
        flow_label: 0,
    };
    let env = Env {
        contexts: Some(&c),
        pasa_dst: None,
        link: LinkAddrs::default(),
    };
    let mut f = vec![0xF1, 0xA1, 0x06, 64];
    let mut iphc = [0u8; 64];
    let n = repr.emit(&mut iphc, &env, HopLimitMode::Inline).unwrap();
    f.extend_from_slice(&iphc[..n]);
    // 101 lies under 10, which sent it up.
    let (v, _) = receive(&mut net, 0, at("10"), &f);
    assert_eq!(v.action, Action::Drop(DropReason::LoopDetected));
    // The same packet for 111 (under the root directly) is re-routed down with a PASA-6LoRH.
    let repr = Repr {
        dst: ip(addr("111")),
        ..repr
    };
    let n = repr.emit(&mut iphc, &env, HopLimitMode::Inline).unwrap();
    let mut f = vec![0xF1, 0xA1, 0x06, 64];
    f.extend_from_slice(&iphc[..n]);
    let (v, out) = receive(&mut net, 0, at("10"), &f);
    assert_eq!(v.action, Action::Forward(nb(at("111"))));
    let h = frame::parse_header(&out, &CodecConfig::new(&c)).unwrap();
    assert_eq!(h.pasa_dst, Some(addr("111")));
    let d = frame::decode(&out, &CodecConfig::new(&c), LinkAddrs::default()).unwrap();
    assert_eq!((d.ip.src, d.ip.hop_limit), (ip(addr("1001")), 63));
}

#[test]
fn a_short_icmpv6_message_is_icmp_len() {
    // B47: a link-local ICMPv6 message of 2 octets.
    let mut net = figure6();
    let (src, dst) = (
        pasa_router::control::link_local(&mac(at("100"))),
        pasa_router::control::link_local(&mac(at("10"))),
    );
    let pkt = ipv6_packet(src, dst, icmpv6::NEXT_HEADER_ICMPV6, 255, &[135, 0]);
    let (v, _) = receive(&mut net, at("10"), at("100"), &compress(&pkt));
    assert_eq!(dropped(&v), DropReason::IcmpLen);
}
