//! Fuzz bodies: one plain function per parser, called by the cargo-fuzz targets in `fuzz/` and
//! replayed over the committed corpus (`fuzz/corpus/<target>/`) by `cargo test`.
//!
//! Each body feeds arbitrary bytes to a parser and, where the parse succeeds, checks a property
//! (re-encoding gives back the same value). A failed property panics on purpose: that is how a
//! fuzzer reports it. Parsers themselves never panic.
#![allow(clippy::panic)]

use crate::addr::{Decision, PasaAddr};
use crate::frame::{self, CodecConfig, CompressOptions};
use crate::wire::iphc::{self, Context, Contexts, Env, HopLimitMode, LinkAddrs};
use crate::wire::lorh::{self, IpInIpPacket, IpInIpRepr, PasaLorhRepr, PasaPacket};
use crate::wire::nd;
use crate::wire::nhc::{UdpPacket, UdpRepr};
use crate::{DEFAULT_PASA_LORH_TYPE, Prefix64};

/// A fuzz body.
pub type Body = fn(&[u8]);

/// The fuzz targets, by name (the folder names of the corpus).
pub const TARGETS: &[(&str, Body)] = &[
    ("addr_text", addr_text),
    ("decide", decide),
    ("lorh", lorh),
    ("iphc", iphc),
    ("nhc_udp", nhc_udp),
    ("nd_options", nd_options),
    ("frame", frame),
];

/// The contexts used by the frame bodies: 0 = 2001:db8::/64, 1 = 2001:db8::/112.
pub fn fuzz_contexts() -> Contexts {
    let net = Prefix64::DOC.network();
    let mut c = Contexts::new();
    if let Ok(x) = Context::new(net, 64) {
        c.set(0, x);
    }
    if let Ok(x) = Context::new(net, 112) {
        c.set(1, x);
    }
    c
}

/// Address text: parse, and when it parses, print and parse again.
pub fn addr_text(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(a) = s.parse::<PasaAddr>() {
        let mut buf = TextBuf::default();
        let _ = core::fmt::write(&mut buf, format_args!("{}", a.hex()));
        let again = buf.as_str().parse::<PasaAddr>();
        if again != Ok(a) {
            panic!("hex text of {a:?} does not parse back: {again:?}");
        }
    }
}

/// The forwarding decision on two arbitrary addresses: its result must be consistent with the
/// tree relations.
pub fn decide(data: &[u8]) {
    let mut w = [0u8; 16];
    for (d, s) in w.iter_mut().zip(data) {
        *d = *s;
    }
    let (a, b) = w.split_at(8);
    let (Some(ca), Some(da)) = (
        PasaAddr::new(u64::from_be_bytes(a.try_into().unwrap_or([0; 8]))),
        PasaAddr::new(u64::from_be_bytes(b.try_into().unwrap_or([0; 8]))),
    ) else {
        return;
    };
    match ca.decide(da) {
        Decision::Deliver => {
            if ca != da {
                panic!("{ca:?} delivers a packet for {da:?}");
            }
        }
        Decision::Parent => {
            if !ca.is_host() && ca.is_ancestor_of(da) {
                panic!("{ca:?} sends {da:?} up although it is below");
            }
        }
        Decision::Child(c) => {
            if c.parent() != Some(ca) || !(c == da || c.is_ancestor_of(da)) {
                panic!("{ca:?} picks child {c:?} for {da:?}");
            }
        }
    }
}

/// PASA-6LoRH and IP-in-IP 6LoRH: parse, re-emit, compare.
pub fn lorh(data: &[u8]) {
    if let Ok(p) = PasaPacket::new_checked(data)
        && let Ok(r) = PasaLorhRepr::parse(&p, DEFAULT_PASA_LORH_TYPE)
    {
        let mut out = [0u8; 10];
        let n = r.emit(&mut out, DEFAULT_PASA_LORH_TYPE).unwrap_or(0);
        let back = PasaPacket::new_checked(out.get(..n).unwrap_or(&[]))
            .and_then(|p| PasaLorhRepr::parse(&p, DEFAULT_PASA_LORH_TYPE));
        if back != Ok(r) || n > p.total_len() {
            panic!("PASA-6LoRH {r:?} does not round-trip minimally");
        }
    }
    if let Ok(p) = IpInIpPacket::new_checked(data)
        && let Ok(r) = IpInIpRepr::parse(&p)
    {
        let mut out = [0u8; 20];
        let n = r.emit(&mut out).unwrap_or(0);
        if out.get(..n) != data.get(..n) {
            panic!("IP-in-IP 6LoRH {r:?} does not round-trip");
        }
    }
    if let Ok(g) = lorh::Packet::new_checked(data) {
        let _ = (g.header(), g.elective_body());
    }
}

/// LOWPAN_IPHC alone, with the PASA destination and link addresses taken from the input.
pub fn iphc(data: &[u8]) {
    let ctx = fuzz_contexts();
    let (pre, body) = data.split_at(data.len().min(1));
    let pasa = pre.first().and_then(|b| PasaAddr::new(u64::from(*b)));
    let mac = [0x02, 0, 0, 0, 0, 0x0B];
    let env = Env {
        contexts: Some(&ctx),
        pasa_dst: pasa,
        link: LinkAddrs {
            src: Some(&mac),
            dst: Some(&mac),
        },
    };
    let Ok(p) = iphc::Packet::new_checked(body) else {
        return;
    };
    let Ok(r) = iphc::Repr::parse(&p, &env) else {
        return;
    };
    let mut out = [0u8; 64];
    // Re-encode without the PASA shortcut (the parsed destination need not be coalescible)
    // and check the fields survive.
    let env2 = Env {
        pasa_dst: None,
        ..env
    };
    let Ok(n) = r.emit(&mut out, &env2, HopLimitMode::Inline) else {
        panic!("IPHC {r:?} parsed but cannot be re-encoded");
    };
    let mut again = [0u8; 65];
    if let (Some(dst), Some(src)) = (again.get_mut(..n), out.get(..n)) {
        dst.copy_from_slice(src);
    }
    // An NHC octet after the header, in case NH=1.
    if let Some(b) = again.get_mut(n) {
        *b = 0xF0;
    }
    let back = iphc::Packet::new_checked(again.get(..n.saturating_add(1)).unwrap_or(&[]))
        .and_then(|p| iphc::Repr::parse(&p, &env2));
    if back != Ok(r) {
        panic!("IPHC {r:?} re-encoded as {back:?}");
    }
}

/// NHC UDP: parse, re-emit minimally, compare.
pub fn nhc_udp(data: &[u8]) {
    let Ok(p) = UdpPacket::new_checked(data) else {
        return;
    };
    let Ok(r) = UdpRepr::parse(&p) else {
        return;
    };
    let mut out = [0u8; 8];
    let n = r.emit(&mut out).unwrap_or(0);
    let back = UdpPacket::new_checked(out.get(..n).unwrap_or(&[])).and_then(|p| UdpRepr::parse(&p));
    if back != Ok(r) || n > p.header_len() {
        panic!("NHC UDP {r:?} does not round-trip minimally");
    }
}

/// ND options: walk the list, parse every option the codec knows, re-emit it and parse that
/// again: the value must survive.
pub fn nd_options(data: &[u8]) {
    let _ = nd::check_options(data);
    for item in nd::NdOptions::new(data) {
        let Ok((ty, opt)) = item else {
            return;
        };
        match ty {
            nd::DEFAULT_GAAO_TYPE => round_trip(
                nd::GaaoPacket::new_checked(opt).and_then(|p| nd::GaaoRepr::parse(&p)),
                |r, b| r.emit_slice(b),
                |b| nd::GaaoPacket::new_checked(b).and_then(|p| nd::GaaoRepr::parse(&p)),
            ),
            nd::EARO_TYPE => round_trip(
                nd::EaroPacket::new_checked(opt).and_then(|p| nd::EaroRepr::parse(&p)),
                |r, b| r.emit_slice(b),
                |b| nd::EaroPacket::new_checked(b).and_then(|p| nd::EaroRepr::parse(&p)),
            ),
            nd::CIO_TYPE => round_trip(
                nd::CioPacket::new_checked(opt).and_then(|p| nd::CioRepr::parse(&p)),
                |r, b| r.emit_slice(b),
                |b| nd::CioPacket::new_checked(b).and_then(|p| nd::CioRepr::parse(&p)),
            ),
            nd::SLLAO_TYPE | nd::TLLAO_TYPE => round_trip(
                nd::LlaoPacket::new_checked(opt).and_then(|p| nd::LlaoRepr::parse(&p)),
                |r, b| r.emit_slice(b),
                |b| nd::LlaoPacket::new_checked(b).and_then(|p| nd::LlaoRepr::parse(&p)),
            ),
            _ => {}
        }
    }
}

/// If `parsed` is a value, emitting it and parsing the result must give it back.
fn round_trip<R: PartialEq + core::fmt::Debug, E: core::fmt::Debug>(
    parsed: Result<R, E>,
    emit: impl Fn(&R, &mut [u8]) -> Result<usize, E>,
    reparse: impl Fn(&[u8]) -> Result<R, E>,
) {
    let Ok(r) = parsed else {
        return;
    };
    let mut buf = [0u8; 64];
    let Ok(n) = emit(&r, &mut buf) else {
        panic!("{r:?} parsed but cannot be emitted");
    };
    match reparse(buf.get(..n).unwrap_or(&[])) {
        Ok(back) if back == r => {}
        other => panic!("{r:?} re-emitted parses as {other:?}"),
    }
}

/// A whole frame: parse, decompress, compress the result again and decode that: the IPv6
/// fields and payload must be the same (the parse -> forward -> re-emit path of RELIABILITY.md).
pub fn frame(data: &[u8]) {
    let ctx = fuzz_contexts();
    let cfg = CodecConfig::new(&ctx);
    let Ok(d) = frame::decode(data, &cfg, LinkAddrs::default()) else {
        return;
    };
    let mut v6 = [0u8; 1500];
    let Ok(n) = frame::write_ipv6(&d, &mut v6) else {
        return;
    };
    let opts = CompressOptions::new(Prefix64::DOC);
    let mut out = [0u8; 1600];
    let packet = v6.get(..n).unwrap_or(&[]);
    let m = match frame::compress(packet, &cfg, &opts, &mut out) {
        Ok(m) => m,
        // A packet whose destination is inside the prefix but not PASA-encodable (IID zero)
        // or similar is refused with a typed error: that is allowed, a panic is not.
        Err(_) => return,
    };
    let Ok(d2) = frame::decode(out.get(..m).unwrap_or(&[]), &cfg, LinkAddrs::default()) else {
        panic!("compressed frame of a decoded packet does not decode");
    };
    // The property is on the packets the frames stand for: the second frame may compress more
    // (an inline UDP header becomes NHC), but it must rebuild the same IPv6 packet.
    let mut v6b = [0u8; 1500];
    let same = match frame::write_ipv6(&d2, &mut v6b) {
        Ok(n2) => v6b.get(..n2) == Some(packet),
        Err(_) => false,
    };
    if !same {
        panic!(
            "frame does not survive decompress/compress: {:?} vs {:?}",
            d.ip, d2.ip
        );
    }
}

/// A small no-alloc text buffer for the text round trip.
struct TextBuf {
    buf: [u8; 80],
    len: usize,
}

impl Default for TextBuf {
    fn default() -> Self {
        Self {
            buf: [0; 80],
            len: 0,
        }
    }
}

impl TextBuf {
    fn as_str(&self) -> &str {
        core::str::from_utf8(self.buf.get(..self.len).unwrap_or(&[])).unwrap_or("")
    }
}

impl core::fmt::Write for TextBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.saturating_add(s.len());
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
