//! Criterion benchmarks of `pasa-addrcodec`, with the routing-table baseline measured in the same
//! run. `scripts/bench.sh` runs them and prints the medians against the targets; see
//! `docs/performance.md` for what each one measures.
//!
//! Groups:
//! - `forwarding_decision`: [`PasaAddr::decide`] over 1024 (CA, DA) pairs from a random TAAF
//!   tree of 10,000 nodes (`pasa_decide`), and the same destinations looked up in a
//!   `HashMap<u128, u32>` of 10,000 IPv6 host routes (`routing_table_lookup`). Both report
//!   per-pair throughput (`Throughput::Elements(1024)`). `pasa_decide_sorted` runs the same
//!   pairs sorted by the branch they take, to show what branch mispredictions cost.
//!   `routing_table_lookup_fxhash` is the same table with a fast non-cryptographic hasher
//!   instead of the default SipHash.
//! - `taaf`: [`PasaAddr::child`] for router and host children at a few indexes.
//! - `pasa_6lorh`: PASA-6LoRH parse (view + repr) and emit, 1 and 8 address octets.
//! - `frame_parse`: the forwarding fast path [`frame::parse_header`], page dispatch +
//!   PASA-6LoRH + IPHC parse, and the full [`frame::decode`] (IPHC + NHC UDP) of the example
//!   frame.
//! - `iphc`: [`frame::decompress`] of the example frame to native IPv6 and [`frame::compress`]
//!   of that packet back into a frame.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions};
use pasa_addrcodec::wire::iphc::{self, Env, HopLimitMode, LinkAddrs};
use pasa_addrcodec::wire::lorh::{PasaLorhRepr, PasaPacket};
use pasa_addrcodec::{ChildRole, DEFAULT_PASA_LORH_TYPE, Decision, OwnAddr, PasaAddr, Prefix64};
use pasa_benches::{
    EXAMPLE_FRAME, FxBuildHasher, LORH_1_OCTET, LORH_8_OCTETS, Pair, TREE_NODES,
    bench_tree_and_pairs, doc_contexts, ipv6_key, routing_table, routing_table_with,
};

/// Short, uniform settings: the whole run stays well under two minutes on two cores.
fn configured() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(50)
}

// Every routine hands criterion what a caller keeps: `Result::ok()` of a fallible call (the
// error was ruled out when the fixture was checked). Black-boxing the whole `Result` would copy
// its error payload too, which on x86-64 can cost a store-forwarding stall (1-5 ns) that no
// caller using `?` or `match` pays.

fn forwarding_decision(c: &mut Criterion) {
    let (tree, pairs) = bench_tree_and_pairs();
    let table = routing_table(&tree);
    assert_eq!(table.len(), TREE_NODES);
    // The baseline looks up exactly the destinations the PASA decision reads.
    let keys: Vec<u128> = pairs.iter().map(|p| ipv6_key(p.da)).collect();
    assert!(
        keys.iter().all(|k| table.contains_key(k)),
        "every lookup hits"
    );
    let fx_table: HashMap<u128, u32, FxBuildHasher> = routing_table_with(&tree);

    let mut g = c.benchmark_group("forwarding_decision");
    g.throughput(Throughput::Elements(pairs.len() as u64));
    // Each router decides with its own address, whose constants it computed once when it got
    // the address (`OwnAddr`): the pairs carry that state, as the router core does.
    let own: Vec<(OwnAddr, PasaAddr)> = pairs.iter().map(|p| (OwnAddr::new(p.ca), p.da)).collect();
    g.bench_function("pasa_decide", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for (ca, da) in black_box(own.as_slice()) {
                acc = acc.wrapping_add(next_hop(ca.decide(black_box(*da))));
            }
            black_box(acc)
        })
    });
    // The same without the precomputed state: `PasaAddr::decide` derives CA's length each time.
    g.bench_function("pasa_decide_from_addr", |b| {
        b.iter(|| black_box(fold_decisions(black_box(pairs.as_slice()))))
    });
    // The same work with the branches made predictable: the pairs sorted by the path the
    // decision takes. Comparing it with `pasa_decide` shows what branch mispredictions cost on
    // the realistic mix.
    let mut sorted = pairs.clone();
    sorted.sort_by_key(|p| decision_path(p.ca, p.da));
    g.bench_function("pasa_decide_sorted", |b| {
        b.iter(|| black_box(fold_decisions(black_box(sorted.as_slice()))))
    });
    g.bench_function("routing_table_lookup", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for k in black_box(keys.as_slice()) {
                acc = acc.wrapping_add(u64::from(table.get(&black_box(*k)).copied().unwrap_or(0)));
            }
            black_box(acc)
        })
    });
    g.bench_function("routing_table_lookup_fxhash", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for k in black_box(keys.as_slice()) {
                acc = acc.wrapping_add(u64::from(
                    fx_table.get(&black_box(*k)).copied().unwrap_or(0),
                ));
            }
            black_box(acc)
        })
    });
    g.finish();
}

/// The next hop a decision names, as a number to fold into a checksum: every result is used,
/// so nothing is optimised away, without a store per decision. The routing-table baselines fold
/// the looked-up next hop the same way.
fn next_hop(d: Decision) -> u64 {
    match d {
        Decision::Deliver => 0,
        Decision::Parent => 1,
        Decision::Child(c) => c.value(),
    }
}

/// `PasaAddr::decide` over every pair, each destination black-boxed as it is read and every
/// next hop folded into the checksum.
fn fold_decisions(pairs: &[Pair]) -> u64 {
    pairs.iter().fold(0u64, |acc, p| {
        acc.wrapping_add(next_hop(p.ca.decide(black_box(p.da))))
    })
}

/// Which branch of [`PasaAddr::decide`] a pair takes, as a sort key.
fn decision_path(ca: PasaAddr, da: PasaAddr) -> (bool, u8, bool) {
    let (kind, next_is_da) = match ca.decide(da) {
        Decision::Deliver => (0, false),
        Decision::Parent => (1, ca.len_bits() < da.len_bits()),
        Decision::Child(c) => (2, c == da),
    };
    (ca.is_host(), kind, next_is_da)
}

fn taaf(c: &mut Criterion) {
    // A depth-2 router (`1010`), the parent of the example's destination.
    let parent = PasaAddr::new(0b1010).expect("non-zero");
    let mut g = c.benchmark_group("taaf");
    for (name, role) in [("router", ChildRole::Router), ("host", ChildRole::Host)] {
        for index in [0u8, 3, 20] {
            g.bench_with_input(BenchmarkId::new(name, index), &index, |b, &index| {
                b.iter(|| {
                    black_box(parent)
                        .child(black_box(role), black_box(index))
                        .ok()
                })
            });
        }
    }
    g.finish();
}

fn pasa_6lorh(c: &mut Criterion) {
    let mut g = c.benchmark_group("pasa_6lorh");
    for (name, bytes) in [
        ("1_octet", &LORH_1_OCTET[..]),
        ("8_octets", &LORH_8_OCTETS[..]),
    ] {
        let repr = PasaLorhRepr::parse(
            &PasaPacket::new_checked(bytes).expect("valid fixture"),
            DEFAULT_PASA_LORH_TYPE,
        )
        .expect("valid fixture");
        let mut out = [0u8; 10];
        assert_eq!(repr.emit(&mut out, DEFAULT_PASA_LORH_TYPE), Ok(bytes.len()));
        assert_eq!(&out[..bytes.len()], bytes, "minimal encoding round-trips");

        g.bench_with_input(BenchmarkId::new("parse", name), bytes, |b, bytes| {
            b.iter(|| {
                let p = PasaPacket::new_checked(black_box(bytes)).ok()?;
                PasaLorhRepr::parse(&p, black_box(DEFAULT_PASA_LORH_TYPE)).ok()
            })
        });
        g.bench_with_input(BenchmarkId::new("emit", name), &repr, |b, repr| {
            b.iter(|| {
                black_box(repr)
                    .emit(black_box(&mut out[..]), black_box(DEFAULT_PASA_LORH_TYPE))
                    .ok()
            })
        });
    }
    g.finish();
}

fn frame_parse(c: &mut Criterion) {
    let contexts = doc_contexts();
    let cfg = CodecConfig::new(&contexts);
    let frame_bytes = &EXAMPLE_FRAME[..];

    // The header + IPHC path: page dispatch, PASA-6LoRH, then the IPHC header decoded with the
    // PASA destination coalesced; no NHC, no payload.
    let header_iphc = |f: &[u8], cfg: &CodecConfig<'_>| -> Option<iphc::Repr> {
        let h = frame::parse_header(f, cfg).ok()?;
        let p = iphc::Packet::new_unchecked(f.get(h.iphc_offset()..)?);
        let env = Env {
            contexts: Some(cfg.contexts),
            pasa_dst: h.pasa_dst,
            link: LinkAddrs::default(),
        };
        iphc::Repr::parse(&p, &env).ok()
    };
    let full = frame::decode(frame_bytes, &cfg, LinkAddrs::default()).expect("example decodes");
    assert_eq!(header_iphc(frame_bytes, &cfg), Some(full.ip));
    assert_eq!(
        full.ip.dst,
        PasaAddr::new(0b101011)
            .expect("non-zero")
            .to_ipv6(Prefix64::DOC)
    );

    let mut g = c.benchmark_group("frame_parse");
    g.bench_function("parse_header", |b| {
        b.iter(|| frame::parse_header(black_box(frame_bytes), black_box(&cfg)).ok())
    });
    // The decoded header is kept where it was built and black-boxed by reference, as a router
    // reads fields out of the result; moving the 40-octet value into an `Option` first would
    // measure a copy whose wide loads stall on the narrower stores that wrote it.
    g.bench_function("header_iphc", |b| {
        b.iter(|| {
            let f = black_box(frame_bytes);
            let cfg = black_box(&cfg);
            let Ok(h) = frame::parse_header(f, cfg) else {
                return;
            };
            let p = iphc::Packet::new_unchecked(f.get(h.iphc_offset()..).unwrap_or(&[]));
            let env = Env {
                contexts: Some(cfg.contexts),
                pasa_dst: h.pasa_dst,
                link: LinkAddrs::default(),
            };
            black_box(&iphc::Repr::parse(&p, &env));
        })
    });
    g.bench_function("decode_full", |b| {
        b.iter(|| {
            frame::decode(
                black_box(frame_bytes),
                black_box(&cfg),
                black_box(LinkAddrs::default()),
            )
            .ok()
        })
    });
    g.finish();
}

fn iphc_group(c: &mut Criterion) {
    let contexts = doc_contexts();
    let cfg = CodecConfig::new(&contexts);
    let opts = CompressOptions {
        prefix: Prefix64::DOC,
        hop_limit: HopLimitMode::Inline,
        link: LinkAddrs::default(),
    };
    let mut native = [0u8; 128];
    let n = frame::decompress(&EXAMPLE_FRAME, &cfg, LinkAddrs::default(), &mut native)
        .expect("example decompresses");
    let native = native[..n].to_vec();
    let mut round = [0u8; 128];
    let m = frame::compress(&native, &cfg, &opts, &mut round).expect("native compresses");
    assert_eq!(
        &round[..m],
        &EXAMPLE_FRAME[..],
        "compress inverts decompress"
    );

    let mut g = c.benchmark_group("iphc");
    g.bench_function("decompress_example", |b| {
        let mut out = [0u8; 128];
        b.iter(|| {
            frame::decompress(
                black_box(&EXAMPLE_FRAME[..]),
                black_box(&cfg),
                black_box(LinkAddrs::default()),
                black_box(&mut out[..]),
            )
            .ok()
        })
    });
    g.bench_function("compress_example", |b| {
        let mut out = [0u8; 128];
        b.iter(|| {
            frame::compress(
                black_box(native.as_slice()),
                black_box(&cfg),
                black_box(&opts),
                black_box(&mut out[..]),
            )
            .ok()
        })
    });
    g.finish();
}

criterion_group! {
    name = codec;
    config = configured();
    targets = forwarding_decision, taaf, pasa_6lorh, frame_parse, iphc_group
}
criterion_main!(codec);
