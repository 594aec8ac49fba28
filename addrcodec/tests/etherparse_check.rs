//! etherparse as an independent checker: every IPv6/UDP packet rebuilt from a compressed frame
//! must parse with etherparse, carry the expected fields, and have a correct UDP checksum as
//! etherparse computes it.

mod common;

use common::hex;
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions};
use pasa_addrcodec::wire::iphc::{Context, Contexts, LinkAddrs};
use pasa_addrcodec::{PasaAddr, Prefix64};
use proptest::prelude::*;

fn ctx() -> Contexts {
    Contexts::new()
        .with(0, Context::new(Prefix64::DOC.network(), 64).unwrap())
        .with(1, Context::new(Prefix64::DOC.network(), 112).unwrap())
}

/// Decompresses `f` and checks it with etherparse; returns (src, dst, sport, dport, payload).
fn check(f: &[u8]) -> ([u8; 16], [u8; 16], u16, u16, Vec<u8>) {
    let c = ctx();
    let mut out = [0u8; 1500];
    let n = frame::decompress(f, &CodecConfig::new(&c), LinkAddrs::default(), &mut out).unwrap();
    let pkt = SlicedPacket::from_ip(&out[..n]).unwrap();
    let Some(NetSlice::Ipv6(ip)) = pkt.net else {
        panic!("not IPv6")
    };
    let ip = ip.header().to_header();
    assert_eq!(usize::from(ip.payload_length), n - 40);
    let Some(TransportSlice::Udp(udp)) = pkt.transport else {
        panic!("not UDP")
    };
    let h = udp.to_header();
    assert_eq!(
        usize::from(h.length),
        n - 40,
        "UDP length rebuilt from the frame length"
    );
    let want = h.calc_checksum_ipv6(&ip, udp.payload()).unwrap();
    assert_eq!(h.checksum, want, "UDP checksum as etherparse computes it");
    (
        ip.source,
        ip.destination,
        h.source_port,
        h.destination_port,
        udp.payload().to_vec(),
    )
}

fn v6(s: &str) -> [u8; 16] {
    s.parse::<std::net::Ipv6Addr>().unwrap().octets()
}

#[test]
fn spec_frames_rebuild_to_valid_ipv6_udp() {
    let spec = "F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B F3 12 1F 47 50 41 53 41";
    let ctx112 = "F1 80 50 2B 7C E7 10 40 00 0B F3 12 1F 47 50 41 53 41";
    for f in [spec, ctx112] {
        let (s, d, sp, dp, pl) = check(&hex(f));
        assert_eq!((s, d), (v6("2001:db8::b"), v6("2001:db8::2b")));
        assert_eq!((sp, dp, pl.as_slice()), (0xF0B1, 0xF0B2, &b"PASA"[..]));
    }
    let up = "F1 A1 06 40 7C 50 40 00 00 00 00 00 00 00 0B 20 01 0D B8 FF FF 00 00 00 00 00 00 00 00 00 01 F3 12 1F 71 50 41 53 41";
    let (s, d, ..) = check(&hex(up));
    assert_eq!((s, d), (v6("2001:db8::b"), v6("2001:db8:ffff::1")));
    let inbound = "F1 80 50 2B 7C 07 3F 20 01 0D B8 FF FF 00 00 00 00 00 00 00 00 00 01 F3 21 1F 51 50 41 53 41";
    let (s, d, sp, dp, _) = check(&hex(inbound));
    assert_eq!(
        (s, d, sp, dp),
        (v6("2001:db8:ffff::1"), v6("2001:db8::2b"), 0xF0B2, 0xF0B1)
    );
}

#[test]
fn elided_checksum_is_computed_on_decompression() {
    // The SPEC frame with C=1 (checksum elided): the rebuilt packet must still verify.
    let f = hex("F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B F7 12 50 41 53 41");
    let (.., pl) = check(&f);
    assert_eq!(pl, b"PASA");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Packets built with etherparse, compressed by us, rebuilt by us, checked by etherparse.
    #[test]
    fn etherparse_built_packets_survive_the_codec(
        src in 1u64..,
        dst in 1u64..,
        sport in any::<u16>(),
        dport in any::<u16>(),
        hl in any::<u8>(),
        payload in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let s = PasaAddr::new(src).unwrap().to_ipv6(Prefix64::DOC).octets();
        let d = PasaAddr::new(dst).unwrap().to_ipv6(Prefix64::DOC).octets();
        let builder = etherparse::PacketBuilder::ipv6(s, d, hl).udp(sport, dport);
        let mut pkt = Vec::new();
        builder.write(&mut pkt, &payload).unwrap();
        let c = ctx();
        let cfg = CodecConfig::new(&c);
        let opts = CompressOptions::new(Prefix64::DOC);
        let mut f = [0u8; 400];
        let n = frame::compress(&pkt, &cfg, &opts, &mut f).unwrap();
        let (s2, d2, sp, dp, pl) = check(&f[..n]);
        prop_assert_eq!((s2, d2, sp, dp), (s, d, sport, dport));
        prop_assert_eq!(pl, payload);
    }
}
