//! Criterion benchmarks of the `pasa-router` core: a verdict and its output, measured as a
//! caller pays for them (`receive` / `receive_external` + `emit` into a buffer it keeps).
//! `scripts/bench.sh` runs them and prints the medians against the targets.
//!
//! The nodes form the SPEC.md §8 tree (prefix `2001:db8::/64`, context 0 = that /64): root `1`,
//! router `10`, router `1010`, host `101011`, each with the EUI-64 link-layer address
//! `02:00:00:00:00:00:00:<n>`; children are bound with `add_static_child`.
//!
//! Groups:
//! - `router/forward`: router `1010` forwards the SPEC.md §8.4 frame (host `1011` -> host
//!   `101011`) that its parent `10` sent down, to its registered host child `101011`: header
//!   and source parse, source validation, forwarding decision, children-table lookup, then a
//!   copy of the 23-octet frame with the inline hop limit decremented.
//! - `router/border_compress`: the root takes a 64-octet native IPv6/UDP packet (16 octets of
//!   payload) from `2001:db9::1` to `2001:db8::2b` (`receive_external`) and compresses it
//!   into a PASA frame for router child `10`.
//! - `router/border_decompress`: the root takes the reverse packet from child `10` as a frame
//!   with an IP-in-IP 6LoRH (`F1 A1 06 <HL> IPHC ...`) and rebuilds the native packet to send
//!   out of the domain (`Action::Egress`).
//! - `router/registrar_ns_gaao`: the root answers an NS(GAAO) from a joining host with an
//!   NA(GAAO). The NS is the one a real joiner `Node` writes (RS -> root's RA -> NS). The same
//!   ROVR always gets the same index, so once the first request has been answered, a repeated
//!   request at the same clock changes nothing and commits nothing: this target is that steady
//!   state (a retransmitted request, asserted to leave `nvm_commits` unchanged). The clock
//!   matters: while the index is only offered, a repeat at a later clock re-arms the offer's
//!   deadline, which is a state change and commits (once registered, a repeat never does).
//! - `router/registrar_ns_gaao_fresh`: the same request at a registrar that has never seen the
//!   joiner (a new node per iteration, built outside the timing by `iter_batched_ref`): it
//!   offers index 0 and commits the state record (header, one child slot, CRC-32) to a
//!   `MemStore` before answering.

use std::hint::black_box;
use std::net::Ipv6Addr;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions};
use pasa_addrcodec::wire::checksum;
use pasa_addrcodec::wire::iphc::LinkAddrs;
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_addrcodec::{PasaAddr, Prefix64};
use pasa_benches::{EXAMPLE_FRAME, doc_contexts};
use pasa_router::{Action, LinkDst, MemStore, Neighbor, Node, NodeConfig, NodeRole, Rx};

/// Short, uniform settings, as in `codec.rs`.
fn configured() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(50)
}

/// A store slot holds the state head and all 16 child slots (12 + 24 + 16 x 50 octets).
type Bench = Node<MemStore<1024>, 8>;

/// The clock of every call (any origin; registrations run 65535 minutes from it).
const NOW_MS: u64 = 1_000_000;

/// Bigger than any output here; the routines emit into its first `verdict.len` octets.
const BUF_LEN: usize = 256;

/// 2001:db9::1, outside the domain.
const EXTERNAL: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb9, 0, 0, 0, 0, 0, 1);

fn ll(n: u8) -> LinkAddr {
    LinkAddr::new(&[0x02, 0, 0, 0, 0, 0, 0, n]).expect("8 octets")
}

fn nb(n: u8) -> Neighbor {
    Neighbor {
        iface: 0,
        ll: ll(n),
    }
}

fn rovr(n: u8) -> Rovr {
    Rovr::new(&[b'R', b'O', b'V', b'R', 0, 0, 0, n]).expect("8 octets")
}

fn addr(bits: u64) -> PasaAddr {
    PasaAddr::new(bits).expect("non-zero")
}

/// A node of role `role`, link-layer address `02:..:<n>`, and a planned address and parent.
fn node(role: NodeRole, n: u8, planned: Option<(u64, Neighbor)>) -> Bench {
    let mut cfg = NodeConfig::new(role, Prefix64::DOC, doc_contexts(), ll(n), rovr(n));
    cfg.planned = planned.map(|(a, p)| (addr(a), p));
    Node::new(cfg, MemStore::new(), NOW_MS).expect("valid configuration")
}

/// A native IPv6/UDP packet with a correct UDP checksum, hop limit 64.
fn native_udp(src: Ipv6Addr, dst: Ipv6Addr, payload: &[u8]) -> Vec<u8> {
    let udp_len = u16::try_from(8 + payload.len()).expect("small");
    let mut udp = [0u8; 8];
    udp[..2].copy_from_slice(&0xF0B1u16.to_be_bytes());
    udp[2..4].copy_from_slice(&0xF0B2u16.to_be_bytes());
    udp[4..6].copy_from_slice(&udp_len.to_be_bytes());
    let ck = checksum::udp(&src, &dst, &udp, payload);
    udp[6..].copy_from_slice(&ck.to_be_bytes());
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&udp_len.to_be_bytes());
    p.extend_from_slice(&[17, 64]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(&udp);
    p.extend_from_slice(payload);
    p
}

fn forward(c: &mut Criterion) {
    // Router 1010 under router 10, with host child 101011 registered. The frame's source 1011
    // is outside 1010's subtree, so it arrives from the parent.
    let parent = nb(0x02);
    let child = nb(0x2B);
    let mut r = node(NodeRole::Router, 0x0A, Some((0b1010, parent)));
    r.add_static_child(NOW_MS, addr(0b101011), child, rovr(0x2B), u16::MAX)
        .expect("101011 is a host child of 1010");
    let frame = &EXAMPLE_FRAME[..];
    let rx = Rx {
        from: parent,
        multicast: false,
        frame,
    };
    let mut buf = [0u8; BUF_LEN];

    let v = r.receive(NOW_MS, &rx);
    assert_eq!(v.action, Action::Forward(child));
    assert_eq!(v.len, frame.len());
    assert_eq!(r.emit(&v, frame, &mut buf[..v.len]), Ok(v.len));
    let mut want = EXAMPLE_FRAME;
    want[6] -= 1; // the inline hop limit (0x40 -> 0x3F)
    assert_eq!(&buf[..v.len], &want[..]);

    let mut g = c.benchmark_group("router");
    g.bench_function("forward", |b| {
        b.iter(|| {
            let v = r.receive(black_box(NOW_MS), black_box(&rx));
            let n = r.emit(&v, black_box(frame), &mut buf[..v.len]).ok();
            black_box(&buf);
            n
        })
    });
    g.finish();
}

fn border(c: &mut Criterion) {
    // The root with router child 10 (the next hop towards 101011).
    let child = nb(0x02);
    let mut root = node(NodeRole::Root, 0x01, None);
    root.add_static_child(NOW_MS, addr(0b10), child, rovr(0x02), u16::MAX)
        .expect("10 is a router child of the root");
    let contexts = doc_contexts();
    let codec = CodecConfig::new(&contexts);
    let pasa_2b = addr(0b101011).to_ipv6(Prefix64::DOC);
    let payload: Vec<u8> = (0u8..16).collect();
    let mut buf = [0u8; BUF_LEN];

    // Compress: native in from outside, PASA frame out to child 10.
    let inbound = native_udp(EXTERNAL, pasa_2b, &payload);
    assert_eq!(inbound.len(), 64);
    let v = root.receive_external(NOW_MS, &inbound);
    assert_eq!(v.action, Action::Forward(child));
    assert_eq!(root.emit(&v, &inbound, &mut buf[..v.len]), Ok(v.len));
    let mut back = [0u8; BUF_LEN];
    let n = frame::decompress(&buf[..v.len], &codec, LinkAddrs::default(), &mut back)
        .expect("the root's frame decodes");
    let mut want = inbound.clone();
    want[7] -= 1; // the root is a hop
    assert_eq!(&back[..n], &want[..], "the frame carries the packet");
    assert_eq!(
        buf[..4],
        [0xF1, 0x80, 0x50, 0x2B],
        "page 1, PASA-6LoRH 101011"
    );

    // Decompress: the reverse packet from host 101011 as child 10 passes it up.
    let outbound = native_udp(pasa_2b, EXTERNAL, &payload);
    let mut up = [0u8; BUF_LEN];
    let up_len = frame::compress(
        &outbound,
        &codec,
        &CompressOptions::new(Prefix64::DOC),
        &mut up,
    )
    .expect("compresses");
    let up = &up[..up_len];
    assert_eq!(
        up[..4],
        [0xF1, 0xA1, 0x06, 64],
        "page 1, IP-in-IP 6LoRH, HL 64"
    );
    let rx = Rx {
        from: child,
        multicast: false,
        frame: up,
    };
    let v = root.receive(NOW_MS, &rx);
    assert_eq!(v.action, Action::Egress);
    assert_eq!(root.emit(&v, up, &mut buf[..v.len]), Ok(v.len));
    let mut want = outbound.clone();
    want[7] -= 1;
    assert_eq!(
        &buf[..v.len],
        &want[..],
        "the native packet goes out, one hop less"
    );

    let mut g = c.benchmark_group("router");
    g.bench_function("border_compress", |b| {
        b.iter(|| {
            let pkt = black_box(inbound.as_slice());
            let v = root.receive_external(black_box(NOW_MS), pkt);
            let n = root.emit(&v, pkt, &mut buf[..v.len]).ok();
            black_box(&buf);
            n
        })
    });
    g.bench_function("border_decompress", |b| {
        b.iter(|| {
            let v = root.receive(black_box(NOW_MS), black_box(&rx));
            let n = root.emit(&v, black_box(up), &mut buf[..v.len]).ok();
            black_box(&buf);
            n
        })
    });
    g.finish();
}

/// The answer of `to` to `frame` from `from`, emitted.
fn answer(to: &mut Bench, from: Neighbor, multicast: bool, frame: &[u8]) -> Vec<u8> {
    let v = to.receive(
        NOW_MS,
        &Rx {
            from,
            multicast,
            frame,
        },
    );
    let mut out = vec![0u8; v.len];
    assert_eq!(to.emit(&v, frame, &mut out), Ok(v.len), "{:?}", v.action);
    out
}

fn registrar(c: &mut Criterion) {
    let joiner_nb = nb(0x42);
    let root_nb = nb(0x01);
    let registrar = || node(NodeRole::Root, 0x01, None);
    let mut joiner = node(NodeRole::Host, 0x42, None);
    let mut reg = registrar();

    // The joiner's RS, the root's RA, the joiner's NS(GAAO).
    let mut rs = [0u8; BUF_LEN];
    let t = joiner.poll_transmit(NOW_MS, &mut rs).expect("RS due");
    assert_eq!(t.to, LinkDst::Multicast { iface: 0 });
    let ra = answer(&mut reg, joiner_nb, true, &rs[..t.len]);
    let v = joiner.receive(
        NOW_MS,
        &Rx {
            from: root_nb,
            multicast: false,
            frame: &ra,
        },
    );
    assert_eq!(v.action, Action::Consumed, "the joiner takes the RA");
    let mut ns = [0u8; BUF_LEN];
    let t = joiner.poll_transmit(NOW_MS, &mut ns).expect("NS(GAAO) due");
    assert_eq!(t.to, LinkDst::Neighbor(root_nb));
    let ns = &ns[..t.len];
    let rx = Rx {
        from: joiner_nb,
        multicast: false,
        frame: ns,
    };
    let mut buf = [0u8; BUF_LEN];

    // First request: an offer, committed.
    let v = reg.receive(NOW_MS, &rx);
    assert_eq!(v.action, Action::Send(LinkDst::Neighbor(joiner_nb)));
    assert_eq!(reg.emit(&v, ns, &mut buf[..v.len]), Ok(v.len));
    assert_eq!(reg.stats().nvm_commits, 1);
    // The joiner accepts the NA(GAAO): it moves on to register the address.
    let na = buf[..v.len].to_vec();
    let v = joiner.receive(
        NOW_MS,
        &Rx {
            from: root_nb,
            multicast: false,
            frame: &na,
        },
    );
    assert_eq!(v.action, Action::Consumed, "the joiner takes the NA(GAAO)");
    // A repeated request: the same answer, no state change, no commit.
    let v = reg.receive(NOW_MS, &rx);
    assert_eq!(reg.emit(&v, ns, &mut buf[..v.len]), Ok(v.len));
    assert_eq!(&buf[..v.len], &na[..], "the same offer");
    assert_eq!(reg.stats().nvm_commits, 1, "idempotent: nothing committed");

    let mut g = c.benchmark_group("router");
    g.bench_function("registrar_ns_gaao", |b| {
        b.iter(|| {
            let v = reg.receive(black_box(NOW_MS), black_box(&rx));
            let n = reg.emit(&v, black_box(ns), &mut buf[..v.len]).ok();
            black_box(&buf);
            n
        })
    });
    g.bench_function("registrar_ns_gaao_fresh", |b| {
        b.iter_batched_ref(
            registrar,
            |fresh| {
                let v = fresh.receive(black_box(NOW_MS), black_box(&rx));
                let n = fresh.emit(&v, black_box(ns), &mut buf[..v.len]).ok();
                black_box(&buf);
                n
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
    assert_eq!(
        reg.stats().nvm_commits,
        1,
        "the steady state never committed"
    );
    let mut fresh = registrar();
    let v = fresh.receive(NOW_MS, &rx);
    assert_eq!(fresh.emit(&v, ns, &mut buf[..v.len]), Ok(v.len));
    assert_eq!(fresh.stats().nvm_commits, 1, "a fresh registrar commits");
}

criterion_group! {
    name = router;
    config = configured();
    targets = forward, border, registrar
}
criterion_main!(router);
