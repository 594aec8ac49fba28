//! `pasa-router decode HEX`: one frame, layer by layer, as JSON.
//!
//! Why this exists: tshark cannot read a PASA frame (it reports the unknown critical
//! PASA-6LoRH as malformed, SPEC.md §8.4), and a frame the node dropped is only a counter. This
//! command shows an operator what the node itself makes of the octets, so its answer must be
//! the codec's: every layer is read through `pasa_addrcodec` ([`frame::decode`] for the
//! verdict, then the same crate's views for the per-layer fields), never by a second parser
//! that could disagree with the forwarder. It accepts a LoWPAN frame from its dispatch octet
//! onwards, or a whole Ethernet frame carrying EtherType 0xA0ED (RFC 7973), which is what our
//! links and captures carry; the output says which it found.
//!
//! The codec is configured as the daemon configures it: context 0 is the PASA prefix as a /64
//! and no other context exists, so a frame that names another context is refused here exactly
//! as the node would drop it (`iphc_ctx_unknown`). Link-layer-derived addresses (SAM/DAM = 11
//! in stateless mode, used by page-0 ND frames) need the MAC addresses, which only an Ethernet
//! frame carries.
//!
//! A frame the codec refuses gives `Err` with one line naming the layer, the offset (counted
//! in the input as given, so it matches the hex the operator pasted) and what is wrong. The
//! function never panics, whatever the input: a test runs 200 000 random and mutated frames.

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use pasa_addrcodec::frame::{self, CodecConfig, Decoded};
use pasa_addrcodec::wire::dispatch::Dispatch;
use pasa_addrcodec::wire::icmpv6::{self, EchoRepr, ErrorKind, ErrorRepr, NdKind, NdRepr};
use pasa_addrcodec::wire::iphc::{self, Context, Contexts, LinkAddrs};
use pasa_addrcodec::wire::lorh::{self, IpInIpPacket, LorhClass, PasaPacket};
use pasa_addrcodec::wire::nd::{
    self, CioPacket, CioRepr, EaroPacket, EaroRepr, GaaoPacket, GaaoRepr, LlaoPacket, LlaoRepr,
};
use pasa_addrcodec::wire::nhc::{self, UdpPacket};
use pasa_addrcodec::{DEFAULT_PASA_LORH_TYPE, PasaAddr, Prefix64, Role};
use serde_json::{Value, json};

use pasa_addrcodec::wire::ethernet::{ETHERTYPE_LOWPAN, HEADER_LEN as ETH_HEADER_LEN};

/// Shortest Ethernet frame on the wire without FCS; shorter frames are padded up to it, and the
/// padding then reads as payload (SPEC.md §5).
const ETH_MIN_FRAME_LEN: usize = 60;

/// How to read a frame: the domain's prefix and PASA-6LoRH type, as the daemon is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecodeConfig {
    /// The PASA /64 prefix: IPHC context 0, and where PASA addresses are mapped (draft-13 §6.3).
    pub(crate) prefix: Prefix64,
    /// The PASA-6LoRH type (TBD1 in draft-13).
    pub(crate) lorh_type: u8,
}

impl Default for DecodeConfig {
    /// The documentation prefix 2001:db8::/64 of the draft and SPEC.md's vectors, and the
    /// codec's default PASA-6LoRH type ([`DEFAULT_PASA_LORH_TYPE`], 0x50).
    fn default() -> Self {
        Self {
            prefix: Prefix64::DOC,
            lorh_type: DEFAULT_PASA_LORH_TYPE,
        }
    }
}

/// Reads the hex text of a frame. Octets may be run together (`f18050`…) or separated by
/// whitespace, colons or commas, and any octet may carry a `0x` prefix, so tshark, Wireshark
/// and C-array copies paste as they are. Each separated group must have an even number of
/// digits, so a dropped digit is caught rather than shifting every octet after it. Errors name
/// the 1-based character position.
pub(crate) fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::with_capacity(chars.len() / 2);
    let mut i = 0usize;
    // Start of the current group (position of its first digit), and a pending high nibble.
    let mut group: Option<usize> = None;
    let mut high: Option<u32> = None;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() || c == ':' || c == ',' {
            if let (Some(start), Some(_)) = (group, high) {
                return Err(odd_group(start));
            }
            group = None;
            i += 1;
            continue;
        }
        if high.is_none() && c == '0' && matches!(chars.get(i + 1), Some('x' | 'X')) {
            // A `0x` prefix at an octet boundary: `x` is never a digit, so this cannot be
            // misread, even when arguments were joined without separators (`0xF10x80`).
            i += 2;
            group = None;
            continue;
        }
        let Some(v) = c.to_digit(16) else {
            return Err(format!("bad hex digit {c:?} at position {}", i + 1));
        };
        group.get_or_insert(i);
        match high.take() {
            None => high = Some(v),
            // Both nibbles are below 16, so the octet fits.
            Some(h) => out.push(((h << 4) | v) as u8),
        }
        i += 1;
    }
    if let (Some(start), Some(_)) = (group, high) {
        return Err(odd_group(start));
    }
    if out.is_empty() {
        return Err("no hex digits: give the frame as hex, e.g. \"F1 80 50 2B 7C ...\"".into());
    }
    Ok(out)
}

fn odd_group(start: usize) -> String {
    format!(
        "odd number of hex digits in the group starting at position {}: each octet needs two",
        start + 1
    )
}

/// Decodes `input` (a LoWPAN frame from its dispatch octet, or an Ethernet frame with EtherType
/// 0xA0ED at octets 12..14) into JSON:
///
/// - `framing`: `"lowpan"` or `"ethernet"`; `length`: octets of the input;
/// - `layers`, in frame order, each with `layer`, `offset` and `length`: `ethernet`,
///   `page_dispatch`, `pasa_6lorh` (destination PASA address with its bits, depth, role, parent,
///   path and IPv6 form), `ip_in_ip_6lorh` (hop limit, encapsulator), `elective_6lorh`
///   (skipped), `iphc` (every field and what it means), `nhc_udp`;
/// - `ipv6`: `src`, `dst` (with their PASA addresses when inside the prefix), `hop_limit`,
///   `next_header`, `payload_length`, `traffic_class`, `flow_label`;
/// - `udp` (ports, length, payload length, checksum checked) or `icmpv6` (type, code, checksum
///   checked; ND messages with their options: GAAO, EARO, SLLAO/TLLAO, 6CIO, PIO, ...);
/// - `warnings`: things that decode but look wrong (a bad checksum, an ND hop limit other than
///   255, possible Ethernet padding).
///
/// A malformed frame gives one line naming the layer, the offset in `input` and the fault.
pub(crate) fn decode(input: &[u8], cfg: &DecodeConfig) -> Result<Value, String> {
    let link = Link::split(input);
    let contexts = contexts(cfg.prefix)?;
    let codec = CodecConfig {
        lorh_type: cfg.lorh_type,
        contexts: &contexts,
    };
    let f = Frame {
        lowpan: link.lowpan,
        base: link.base,
        cfg,
    };
    let d = frame::decode(link.lowpan, &codec, link.addrs).map_err(|e| f.explain(&e))?;
    let mut warnings: Vec<String> = Vec::new();
    let mut layers: Vec<Value> = Vec::new();
    if let Some(eth) = link.layer(input) {
        layers.push(eth);
        if input.len() == ETH_MIN_FRAME_LEN {
            warnings.push(format!(
                "the Ethernet frame is exactly {ETH_MIN_FRAME_LEN} octets: if it was padded, \
                 the padding is counted as payload (SPEC.md §5)"
            ));
        }
    }
    f.routing_layers(&d, &mut layers);
    let iphc_at = d.header.iphc_offset();
    let iphc_len = f.iphc_layer(&d, &mut layers);
    if let Some(u) = d.udp {
        let at = iphc_at.saturating_add(iphc_len);
        let p = UdpPacket::new_unchecked(f.rest(at));
        layers.push(json!({
            "layer": "nhc_udp",
            "offset": f.base + at,
            "length": p.header_len(),
            "ports_mode": p.ports_mode(),
            "checksum_elided": u.checksum.is_none(),
        }));
    }
    let mut out = serde_json::Map::new();
    out.insert("framing".into(), json!(link.framing));
    out.insert("length".into(), json!(input.len()));
    out.insert("layers".into(), Value::Array(layers));
    out.insert("ipv6".into(), ipv6_section(&d, cfg.prefix));
    if let Some(u) = d.udp {
        let computed = d.udp_checksum();
        let ok = u.checksum.map(|c| computed == Some(c));
        if ok == Some(false) {
            warnings.push(format!(
                "UDP checksum {} does not match the computed {}",
                hex16(u.checksum.unwrap_or(0)),
                hex16(computed.unwrap_or(0))
            ));
        }
        out.insert(
            "udp".into(),
            json!({
                "src_port": u.src_port,
                "dst_port": u.dst_port,
                "length": d.ipv6_payload_len(),
                "payload_length": d.payload.len(),
                "checksum": u.checksum.map(hex16),
                "checksum_computed": computed.map(hex16),
                "checksum_ok": ok,
            }),
        );
    } else if d.ip.next_header == icmpv6::NEXT_HEADER_ICMPV6 {
        let at = f.base + link.lowpan.len().saturating_sub(d.payload.len());
        out.insert(
            "icmpv6".into(),
            icmpv6_section(&d, at, cfg.prefix, &mut warnings)?,
        );
    }
    out.insert("warnings".into(), json!(warnings));
    Ok(Value::Object(out))
}

/// The input split into its link framing and the LoWPAN frame.
struct Link<'a> {
    /// `"ethernet"` or `"lowpan"`.
    framing: &'static str,
    /// Offset of the LoWPAN frame in the input.
    base: usize,
    /// The LoWPAN frame, dispatch onwards.
    lowpan: &'a [u8],
    /// The MAC addresses, for link-layer-derived IIDs (RFC 6282 SAM/DAM = 11).
    addrs: LinkAddrs<'a>,
}

impl<'a> Link<'a> {
    fn split(input: &'a [u8]) -> Self {
        let ethertype = input.get(12..ETH_HEADER_LEN);
        match (ethertype, input.get(ETH_HEADER_LEN..)) {
            (Some(t), Some(lowpan)) if t == ETHERTYPE_LOWPAN.to_be_bytes() => Self {
                framing: "ethernet",
                base: ETH_HEADER_LEN,
                lowpan,
                addrs: LinkAddrs {
                    src: input.get(6..12),
                    dst: input.get(0..6),
                },
            },
            _ => Self {
                framing: "lowpan",
                base: 0,
                lowpan: input,
                addrs: LinkAddrs::default(),
            },
        }
    }

    /// The Ethernet layer, when the input is an Ethernet frame.
    fn layer(&self, input: &[u8]) -> Option<Value> {
        if self.base == 0 {
            return None;
        }
        Some(json!({
            "layer": "ethernet",
            "offset": 0,
            "length": ETH_HEADER_LEN,
            "dst": mac(input.get(0..6).unwrap_or(&[])),
            "src": mac(input.get(6..12).unwrap_or(&[])),
            "ethertype": hex16(ETHERTYPE_LOWPAN),
        }))
    }
}

/// The codec's contexts for `prefix`: context 0 = prefix/64, as the daemon configures them.
fn contexts(prefix: Prefix64) -> Result<Contexts, String> {
    let ctx = Context::new(prefix.network(), 64)
        .map_err(|e| format!("prefix {prefix}: cannot be an IPHC context: {e}"))?;
    Ok(Contexts::new().with(0, ctx))
}

/// The LoWPAN frame being decoded, and where it sits in the input.
struct Frame<'a> {
    lowpan: &'a [u8],
    base: usize,
    cfg: &'a DecodeConfig,
}

impl Frame<'_> {
    /// The frame from LoWPAN offset `at` on (empty past the end).
    fn rest(&self, at: usize) -> &[u8] {
        self.lowpan.get(at..).unwrap_or(&[])
    }

    fn octet(&self, at: usize) -> Option<u8> {
        self.lowpan.get(at).copied()
    }

    /// The page dispatches and 6LoRHs before the IPHC, walked with the codec's views. The
    /// codec has already accepted the frame, so every header here is complete; the walk is
    /// still bounded by the IPHC offset and stops at anything unexpected.
    fn routing_layers(&self, d: &Decoded<'_>, layers: &mut Vec<Value>) {
        let end = d.header.iphc_offset();
        let mut at = 0usize;
        let mut page = 0u8;
        while at < end {
            let Some(octet) = self.octet(at) else { break };
            let (layer, len) = match Dispatch::classify(octet, page) {
                Dispatch::Page(p) => {
                    page = p;
                    (json!({"layer": "page_dispatch", "page": p}), 1)
                }
                Dispatch::Lorh => self.lorh_layer(at, d),
                _ => break,
            };
            let mut layer = layer;
            if let Value::Object(m) = &mut layer {
                m.insert("offset".into(), json!(self.base + at));
                m.insert("length".into(), json!(len));
            }
            layers.push(layer);
            if len == 0 {
                break;
            }
            at = at.saturating_add(len);
        }
    }

    /// One 6LoRH at `at`: the layer and its length.
    fn lorh_layer(&self, at: usize, d: &Decoded<'_>) -> (Value, usize) {
        let rest = self.rest(at);
        let g = lorh::Packet::new_unchecked(rest);
        match g.class() {
            LorhClass::Critical => {
                let p = PasaPacket::new_unchecked(rest);
                let mut v = json!({
                    "layer": "pasa_6lorh",
                    "class": "critical",
                    "type": hex8(p.lorh_type()),
                    "size": p.size(),
                    "reserved": p.rsvd(),
                });
                if let (Some(da), Value::Object(m)) = (d.header.pasa_dst, &mut v) {
                    m.insert("destination".into(), pasa_json(da, self.cfg.prefix));
                }
                (v, p.total_len())
            }
            LorhClass::Elective if g.lorh_type() == lorh::TYPE_IP_IN_IP => {
                let p = IpInIpPacket::new_unchecked(rest);
                let enc = p.encapsulator();
                let encapsulator = if enc.is_empty() {
                    // SPEC.md §9.3 item 15: inside a PASA domain an elided encapsulator is the
                    // inner source.
                    json!({"elided": true, "meaning": "the inner IPHC source",
                           "address": d.ip.src.to_string()})
                } else {
                    json!({"elided": false, "octets": hex_octets(enc)})
                };
                let v = json!({
                    "layer": "ip_in_ip_6lorh",
                    "class": "elective",
                    "type": hex8(g.lorh_type()),
                    "hop_limit": p.hop_limit(),
                    "encapsulator": encapsulator,
                });
                (v, p.total_len())
            }
            LorhClass::Elective => {
                let len = g.elective_len().unwrap_or(lorh::HEADER_LEN);
                let v = json!({
                    "layer": "elective_6lorh",
                    "class": "elective",
                    "type": hex8(g.lorh_type()),
                    "skipped": true,
                    "body": hex_octets(g.elective_body().unwrap_or(&[])),
                });
                (v, len)
            }
        }
    }

    /// The IPHC layer; returns the IPHC header length.
    fn iphc_layer(&self, d: &Decoded<'_>, layers: &mut Vec<Value>) -> usize {
        let at = d.header.iphc_offset();
        let p = iphc::Packet::new_unchecked(self.rest(at));
        // The codec has decoded this header, so the layout is there.
        let len = p.layout().map_or(0, |l| l.header_len);
        let (sac, sam, m, dac, dam) = (p.sac(), p.sam(), p.m(), p.dac(), p.dam());
        layers.push(json!({
            "layer": "iphc",
            "offset": self.base + at,
            "length": len,
            "page": d.header.page,
            "tf": p.tf(),
            "traffic_class_flow_label": match p.tf() {
                0 => "ECN, DSCP and flow label inline (4 octets)",
                1 => "ECN and flow label inline (3 octets)",
                2 => "ECN and DSCP inline (1 octet)",
                _ => "elided (zero)",
            },
            "nh": p.nh(),
            "next_header_encoding": if p.nh() { "NHC" } else { "inline" },
            "hlim": p.hlim(),
            "hop_limit_encoding": match p.hlim() {
                0 => "inline",
                1 => "1",
                2 => "64",
                _ => "255",
            },
            "cid": p.cid(),
            "sci": p.sci(),
            "dci": p.dci(),
            "sac": sac,
            "sam": sam,
            "source_mode": source_mode(sac, sam),
            "m": m,
            "dac": dac,
            "dam": dam,
            "destination_mode": destination_mode(m, dac, dam, d.header.pasa_dst.is_some()),
        }));
        len
    }

    /// One line for a frame the codec refused: the layer, the offset in the input, the fault.
    fn explain(&self, e: &frame::Error) -> String {
        let off = |at: usize| self.base + at;
        match *e {
            frame::Error::Empty => {
                if self.base > 0 {
                    format!(
                        "LoWPAN dispatch at offset {}: the frame ends after the Ethernet header",
                        self.base
                    )
                } else {
                    "LoWPAN dispatch at offset 0: the frame is empty".into()
                }
            }
            frame::Error::Nalp { at } => format!(
                "LoWPAN dispatch at offset {}: octet {} is NALP (00xxxxxx), not a LoWPAN frame",
                off(at),
                hex8(self.octet(at).unwrap_or(0))
            ),
            frame::Error::Page { at, page } => {
                if page > 1 {
                    format!(
                        "paging dispatch at offset {}: page {page} is not supported (only 0 and 1)",
                        off(at)
                    )
                } else {
                    format!(
                        "paging dispatch at offset {}: a page switch after a 6LoRH, or more than \
                         {} page switches",
                        off(at),
                        frame::MAX_PAGE_SWITCHES
                    )
                }
            }
            frame::Error::Dispatch { at, octet } => {
                // Everything before `at` is paging dispatches (6LoRHs would give NoIphc), so
                // the page in force is the low nibble of the last one.
                let page = at
                    .checked_sub(1)
                    .and_then(|p| self.octet(p))
                    .map_or(0, |o| o & 0x0F);
                let what = match Dispatch::classify(octet, page) {
                    Dispatch::Frag1 | Dispatch::FragN => {
                        "an RFC 4944 fragment header: fragments are not decoded, reassemble first"
                    }
                    Dispatch::Mesh => "an RFC 4944 Mesh header, which PASA does not use",
                    Dispatch::Ipv6 => "uncompressed IPv6, which PASA links do not carry",
                    Dispatch::Nalp => "NALP (00xxxxxx) where a header was expected",
                    _ => "a reserved dispatch value",
                };
                format!(
                    "LoWPAN dispatch at offset {}: octet {} in page {page} is {what}",
                    off(at),
                    hex8(octet)
                )
            }
            frame::Error::UnknownCritical { at, lorh_type } => {
                let known = match lorh_type {
                    0..=4 => " (an RH3-6LoRH, which PASA does not use)",
                    5 => " (an RPI-6LoRH, which PASA does not use)",
                    _ => "",
                };
                format!(
                    "6LoRH at offset {}: critical type {}{known} is unknown; the PASA-6LoRH type \
                     is {}",
                    off(at),
                    hex8(lorh_type),
                    hex8(self.cfg.lorh_type)
                )
            }
            frame::Error::TooManyLorh { at } => format!(
                "6LoRH at offset {}: more than {} 6LoRHs in one frame",
                off(at),
                frame::MAX_LORH
            ),
            frame::Error::Duplicate { at } => format!(
                "{} at offset {}: a second one in the same frame",
                self.lorh_name(at),
                off(at)
            ),
            frame::Error::NoIphc { at } => match self.octet(at) {
                None => format!(
                    "LOWPAN_IPHC at offset {}: expected, but the frame ends",
                    off(at)
                ),
                Some(o) => format!(
                    "LOWPAN_IPHC at offset {}: expected, but octet {} (not 011xxxxx) is there",
                    off(at),
                    hex8(o)
                ),
            },
            frame::Error::Lorh { at, err } => {
                let what = match err {
                    lorh::Error::Truncated { needed, got } => truncated(needed, got),
                    other => other.to_string(),
                };
                format!("{} at offset {}: {what}", self.lorh_name(at), off(at))
            }
            frame::Error::Iphc { at, err } => self.explain_iphc(at, err),
            frame::Error::Nhc { at, err } => {
                let what = match err {
                    nhc::Error::Truncated { needed, got } => truncated(needed, got),
                    other => other.to_string(),
                };
                format!("NHC UDP at offset {}: {what}", off(at))
            }
            frame::Error::DestinationMismatch { at } => format!(
                "LOWPAN_IPHC at offset {}: the inline destination is not the PASA-6LoRH's \
                 address (routers would forward by one, the receiver deliver to the other)",
                off(at)
            ),
            ref other => format!("LoWPAN frame at offset {}: {other}", self.base),
        }
    }

    fn explain_iphc(&self, at: usize, err: iphc::Error) -> String {
        let off = self.base + at;
        // The NHC octet comes right after the IPHC header.
        let nhc_at = || {
            let p = iphc::Packet::new_unchecked(self.rest(at));
            self.base + at + p.layout().map_or(0, |l| l.header_len)
        };
        match err {
            iphc::Error::Truncated { needed, got } => {
                format!("LOWPAN_IPHC at offset {off}: {}", truncated(needed, got))
            }
            iphc::Error::MissingNhc => format!(
                "NHC at offset {}: the IPHC says NH=1 (next header compressed) but the frame ends",
                nhc_at()
            ),
            iphc::Error::UnsupportedNhc(o) => format!(
                "NHC at offset {}: octet {} is not NHC UDP (11110CPP), the only NHC decoded",
                nhc_at(),
                hex8(o)
            ),
            iphc::Error::UnknownContext(id) => format!(
                "LOWPAN_IPHC at offset {off}: context {id} is not configured; pasa-router knows \
                 only context 0 = {}",
                self.cfg.prefix
            ),
            iphc::Error::LinkAddress(which) if self.base == 0 => format!(
                "LOWPAN_IPHC at offset {off}: the {which} address is derived from the link-layer \
                 {which} address, which a bare LoWPAN frame does not carry; give the whole \
                 Ethernet frame"
            ),
            iphc::Error::NoDestinationSource => format!(
                "LOWPAN_IPHC at offset {off}: DAC=1 DAM=11 but there is no PASA-6LoRH to rebuild \
                 the destination from"
            ),
            other => format!("LOWPAN_IPHC at offset {off}: {other}"),
        }
    }

    /// The name of the 6LoRH at `at`, from its class and type octet.
    fn lorh_name(&self, at: usize) -> String {
        let g = lorh::Packet::new_unchecked(self.rest(at));
        let Some(ty) = self.octet(at.saturating_add(1)) else {
            return "6LoRH".into();
        };
        match g.class() {
            LorhClass::Critical if ty == self.cfg.lorh_type => "PASA-6LoRH".into(),
            LorhClass::Critical => format!("critical 6LoRH type {}", hex8(ty)),
            LorhClass::Elective if ty == lorh::TYPE_IP_IN_IP => "IP-in-IP 6LoRH".into(),
            LorhClass::Elective => format!("elective 6LoRH type {}", hex8(ty)),
        }
    }
}

fn truncated(needed: usize, got: usize) -> String {
    format!("truncated: the header needs {needed} octets, only {got} remain")
}

fn source_mode(sac: bool, sam: u8) -> &'static str {
    match (sac, sam) {
        (false, 0) => "128 bits inline",
        (false, 1) => "64-bit IID inline, link-local prefix",
        (false, 2) => "16 bits inline, link-local fe80::ff:fe00:XXXX",
        (false, _) => "elided: link-local, IID from the link-layer source",
        (true, 0) => "the unspecified address ::",
        (true, 1) => "64-bit IID inline, prefix from context SCI",
        (true, 2) => "16 bits inline (IID 0000:00ff:fe00:XXXX), prefix from context SCI",
        (true, _) => "elided: context SCI, IID from the link-layer source",
    }
}

fn destination_mode(m: bool, dac: bool, dam: u8, pasa: bool) -> &'static str {
    match (m, dac, dam) {
        (false, false, 0) => "128 bits inline",
        (false, false, 1) => "64-bit IID inline, link-local prefix",
        (false, false, 2) => "16 bits inline, link-local fe80::ff:fe00:XXXX",
        (false, false, _) => "elided: link-local, IID from the link-layer destination",
        (false, true, 1) => "64-bit IID inline, prefix from context DCI",
        (false, true, 2) => "16 bits inline (IID 0000:00ff:fe00:XXXX), prefix from context DCI",
        (false, true, 3) if pasa => {
            "elided: context DCI with the PASA-6LoRH address as IID (RFC 8138 coalescence)"
        }
        (false, true, _) => "elided: context DCI, IID from the encapsulating header",
        (true, false, 0) => "128-bit multicast inline",
        (true, false, 1) => "48 bits inline, ffXX::00XX:XXXX:XXXX",
        (true, false, 2) => "32 bits inline, ffXX::00XX:XXXX",
        (true, false, _) => "8 bits inline, ff02::00XX",
        (true, true, _) => "48 bits inline, unicast-prefix-based multicast (RFC 3306)",
    }
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Root => "root",
        Role::Router => "router",
        Role::Host => "host",
    }
}

/// A PASA address with what it spells out (draft-13 §6).
fn pasa_json(a: PasaAddr, prefix: Prefix64) -> Value {
    json!({
        "address": a.to_string(),
        "hex": a.hex().to_string(),
        "ipv6": a.to_ipv6(prefix).to_string(),
        "bits": a.len_bits(),
        "depth": a.depth(),
        "role": role_name(a.role()),
        "parent": a.parent().map(|p| p.to_string()),
        "path": a.path().map(|p| p.to_string()).collect::<Vec<_>>(),
    })
}

/// The PASA address of `ip` when it lies inside `prefix`.
fn pasa_of(ip: Ipv6Addr, prefix: Prefix64) -> Value {
    if !prefix.contains(ip) {
        return Value::Null;
    }
    PasaAddr::from_ipv6(ip, prefix).map_or(Value::Null, |a| json!(a.to_string()))
}

fn ipv6_section(d: &Decoded<'_>, prefix: Prefix64) -> Value {
    json!({
        "src": d.ip.src.to_string(),
        "src_pasa": pasa_of(d.ip.src, prefix),
        "dst": d.ip.dst.to_string(),
        "dst_pasa": pasa_of(d.ip.dst, prefix),
        "hop_limit": d.ip.hop_limit,
        "next_header": d.ip.next_header,
        "next_header_name": next_header_name(d.ip.next_header),
        "payload_length": d.ipv6_payload_len(),
        "traffic_class": d.ip.traffic_class,
        "flow_label": d.ip.flow_label,
    })
}

fn next_header_name(nh: u8) -> &'static str {
    match nh {
        0 => "Hop-by-Hop Options",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        43 => "Routing",
        44 => "Fragment",
        50 => "ESP",
        51 => "AH",
        58 => "ICMPv6",
        59 => "No Next Header",
        60 => "Destination Options",
        _ => "other",
    }
}

fn icmpv6_name(t: u8) -> &'static str {
    use icmpv6::msg_type as m;
    match t {
        m::DST_UNREACHABLE => "Destination Unreachable",
        m::PACKET_TOO_BIG => "Packet Too Big",
        m::TIME_EXCEEDED => "Time Exceeded",
        m::PARAM_PROBLEM => "Parameter Problem",
        m::ECHO_REQUEST => "Echo Request",
        m::ECHO_REPLY => "Echo Reply",
        m::ROUTER_SOLICIT => "Router Solicitation",
        m::ROUTER_ADVERT => "Router Advertisement",
        m::NEIGHBOR_SOLICIT => "Neighbor Solicitation",
        m::NEIGHBOR_ADVERT => "Neighbor Advertisement",
        m::REDIRECT => "Redirect",
        _ => "other",
    }
}

/// The ICMPv6 message of `d` (its payload), which starts at input offset `at`.
fn icmpv6_section(
    d: &Decoded<'_>,
    at: usize,
    prefix: Prefix64,
    warnings: &mut Vec<String>,
) -> Result<Value, String> {
    let msg = d.payload;
    let p = icmpv6::Packet::new_checked(msg).map_err(|e| format!("ICMPv6 at offset {at}: {e}"))?;
    let (ty, code) = (p.msg_type(), p.code());
    let name = icmpv6_name(ty);
    let checksum_ok = icmpv6::verify(&d.ip.src, &d.ip.dst, msg).is_ok();
    if !checksum_ok {
        warnings.push(format!(
            "ICMPv6 checksum {} does not match the computed {}",
            hex16(p.checksum()),
            hex16(icmpv6::checksum(&d.ip.src, &d.ip.dst, msg))
        ));
    }
    let mut v = serde_json::Map::new();
    v.insert("offset".into(), json!(at));
    v.insert("type".into(), json!(ty));
    v.insert("code".into(), json!(code));
    v.insert("name".into(), json!(name));
    v.insert("length".into(), json!(msg.len()));
    v.insert("checksum".into(), json!(hex16(p.checksum())));
    v.insert("checksum_ok".into(), json!(checksum_ok));
    let refused = |e: icmpv6::Error| format!("ICMPv6 {name} at offset {at}: {e}");
    match ty {
        icmpv6::msg_type::ROUTER_SOLICIT..=icmpv6::msg_type::NEIGHBOR_ADVERT => {
            let nd = NdRepr::parse(msg).map_err(refused)?;
            if icmpv6::check_nd_hop_limit(d.ip.hop_limit).is_err() {
                warnings.push(format!(
                    "ND message with IPv6 Hop Limit {}: receivers discard it unless it is {}",
                    d.ip.hop_limit,
                    icmpv6::ND_HOP_LIMIT
                ));
            }
            insert_nd_kind(&mut v, &nd.kind);
            let opts_at = at + msg.len().saturating_sub(nd.options.len());
            v.insert(
                "options".into(),
                Value::Array(nd_options(nd.options, opts_at, prefix)?),
            );
        }
        icmpv6::msg_type::DST_UNREACHABLE..=icmpv6::msg_type::PARAM_PROBLEM => {
            let (e, quoted) = ErrorRepr::parse(msg).map_err(refused)?;
            match e.kind {
                ErrorKind::PacketTooBig { mtu } => {
                    v.insert("mtu".into(), json!(mtu));
                }
                ErrorKind::ParamProblem { pointer, .. } => {
                    v.insert("pointer".into(), json!(pointer));
                }
                ErrorKind::DstUnreachable(_) | ErrorKind::TimeExceeded(_) => {}
            }
            v.insert("quoted_length".into(), json!(quoted.len()));
        }
        icmpv6::msg_type::ECHO_REQUEST | icmpv6::msg_type::ECHO_REPLY => {
            let e = EchoRepr::parse(msg).map_err(refused)?;
            v.insert("identifier".into(), json!(e.ident));
            v.insert("sequence".into(), json!(e.seq));
            v.insert("data_length".into(), json!(e.data.len()));
        }
        _ => {}
    }
    Ok(Value::Object(v))
}

fn insert_nd_kind(v: &mut serde_json::Map<String, Value>, kind: &NdKind) {
    match *kind {
        NdKind::RouterSolicit => {}
        NdKind::RouterAdvert {
            cur_hop_limit,
            managed,
            other,
            router_lifetime_s,
            reachable_ms,
            retrans_ms,
        } => {
            v.insert("cur_hop_limit".into(), json!(cur_hop_limit));
            v.insert("managed".into(), json!(managed));
            v.insert("other".into(), json!(other));
            v.insert("router_lifetime_s".into(), json!(router_lifetime_s));
            v.insert("reachable_ms".into(), json!(reachable_ms));
            v.insert("retrans_ms".into(), json!(retrans_ms));
        }
        NdKind::NeighborSolicit { target } => {
            v.insert("target".into(), json!(target.to_string()));
        }
        NdKind::NeighborAdvert {
            router,
            solicited,
            override_,
            target,
        } => {
            v.insert("router".into(), json!(router));
            v.insert("solicited".into(), json!(solicited));
            v.insert("override".into(), json!(override_));
            v.insert("target".into(), json!(target.to_string()));
        }
    }
}

/// ND option type of the Prefix Information Option (RFC 4861 §4.6.2).
const PIO_TYPE: u8 = 3;

/// The kind name of an ND option type, as operators know them.
fn option_kind(t: u8) -> &'static str {
    match t {
        nd::SLLAO_TYPE => "SLLAO",
        nd::TLLAO_TYPE => "TLLAO",
        PIO_TYPE => "PIO",
        4 => "Redirected Header",
        5 => "MTU",
        nd::EARO_TYPE => "EARO",
        34 => "6CO",
        35 => "ABRO",
        nd::CIO_TYPE => "6CIO",
        nd::DEFAULT_GAAO_TYPE => "GAAO",
        _ => "unknown",
    }
}

/// RFC 8505 / RFC 9010 / GAAO status names (SPEC.md §2.4).
fn status_name(s: u8) -> &'static str {
    match s {
        0 => "Success",
        1 => "Duplicate Address",
        2 => "Neighbor Cache Full",
        3 => "Moved",
        4 => "Removed",
        5 => "Validation Requested",
        6 => "Duplicate Source Address",
        7 => "Invalid Source Address",
        8 => "Registered Address Topologically Incorrect",
        9 => "6LBR Registry Saturated",
        10 => "Validation Failed",
        11 => "Registration Refresh Request",
        12 => "Invalid Registration",
        nd::STATUS_AAF_NOT_USED => "AAF Not Used",
        _ => "unknown",
    }
}

/// The options of an ND message starting at input offset `at`, decoded by the codec's option
/// parsers (framing was checked by [`NdRepr::parse`]).
fn nd_options(opts: &[u8], at: usize, prefix: Prefix64) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut walk = nd::NdOptions::new(opts);
    loop {
        let off = at + walk.offset();
        let Some(item) = walk.next() else { break };
        let (t, o) = item.map_err(|e| format!("ND options at offset {off}: {e}"))?;
        let kind = option_kind(t);
        let refused = |e: nd::NdError| format!("ND option {kind} at offset {off}: {e}");
        let mut v = serde_json::Map::new();
        v.insert("kind".into(), json!(kind));
        v.insert("type".into(), json!(t));
        v.insert("offset".into(), json!(off));
        v.insert("length".into(), json!(o.len()));
        match t {
            nd::SLLAO_TYPE | nd::TLLAO_TYPE => {
                let r = LlaoRepr::parse(&LlaoPacket::new_unchecked(o)).map_err(refused)?;
                v.insert("link_layer_address".into(), json!(mac(r.addr.as_bytes())));
            }
            nd::EARO_TYPE => {
                let r = EaroRepr::parse(&EaroPacket::new_unchecked(o)).map_err(refused)?;
                v.insert("status".into(), json!(r.status));
                v.insert("status_name".into(), json!(status_name(r.status)));
                v.insert("opaque".into(), json!(r.opaque));
                v.insert("t".into(), json!(r.t));
                v.insert("r".into(), json!(r.r));
                v.insert("i".into(), json!(r.i.value()));
                v.insert("p".into(), json!(r.p.value()));
                v.insert("tid".into(), json!(r.tid));
                v.insert("lifetime_60s".into(), json!(r.lifetime_60s));
                v.insert("rovr".into(), json!(hex_octets(r.rovr.as_bytes())));
            }
            nd::CIO_TYPE => {
                let r = CioRepr::parse(&CioPacket::new_unchecked(o)).map_err(refused)?;
                v.insert("l".into(), json!(r.l()));
                v.insert("b".into(), json!(r.b()));
                v.insert("p".into(), json!(r.p()));
                v.insert("e".into(), json!(r.e()));
                v.insert("g".into(), json!(r.g()));
                v.insert("f".into(), json!(r.f()));
                v.insert("m".into(), json!(r.m(nd::DEFAULT_M_MASK)));
                v.insert("role".into(), json!(role_name(r.role())));
            }
            nd::DEFAULT_GAAO_TYPE => {
                let r =
                    GaaoRepr::parse_with_type(&GaaoPacket::new_unchecked(o), t).map_err(refused)?;
                v.insert("status".into(), json!(r.status));
                v.insert("status_name".into(), json!(status_name(r.status)));
                v.insert("opaque".into(), json!(r.opaque));
                v.insert("r".into(), json!(r.r));
                v.insert("c".into(), json!(r.c));
                v.insert("aaf".into(), json!(r.aaf.value()));
                v.insert(
                    "assignment_lifetime_min".into(),
                    json!(r.assignment_lifetime_min),
                );
                v.insert("rovr".into(), json!(hex_octets(r.rovr.as_bytes())));
                let (pfx_len, address, pasa) = match r.address {
                    Some(a) => {
                        let ip = Ipv6Addr::from(a.bytes);
                        (
                            a.pfx_len.value(),
                            json!(ip.to_string()),
                            pasa_of(ip, prefix),
                        )
                    }
                    None => (0, Value::Null, Value::Null),
                };
                v.insert("pfx_len".into(), json!(pfx_len));
                v.insert("address".into(), address);
                v.insert("address_pasa".into(), pasa);
            }
            _ => {}
        }
        out.push(Value::Object(v));
    }
    Ok(out)
}

fn hex8(v: u8) -> String {
    format!("{v:#04x}")
}

fn hex16(v: u16) -> String {
    format!("{v:#06x}")
}

/// Octets as `aa bb cc`.
fn hex_octets(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, o) in b.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{o:02x}");
    }
    s
}

/// A link-layer address as `02:00:00:00:00:0b`.
fn mac(b: &[u8]) -> String {
    hex_octets(b).replace(' ', ":")
}

#[cfg(test)]
mod tests {
    use super::*;

    use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
    use pasa_router::{Action, LinkDst, MemStore, Neighbor, Node, NodeConfig, NodeRole, Rx};

    /// SPEC.md §8.4: host 1011 → host 101011, UDP 0xF0B1 → 0xF0B2, "PASA", context 0.
    const BYTES_SPEC_FRAME: &str =
        "F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B F3 12 1F 47 50 41 53 41";
    /// SPEC.md §8.4: the same with context 1 = 2001:db8::/112 (SCI 1, SAM 10).
    const BYTES_SPEC_CTX1: &str = "F1 80 50 2B 7C E7 10 40 00 0B F3 12 1F 47 50 41 53 41";
    /// SPEC.md §8.4: upstream 1011 → 2001:db8:ffff::1 in an IP-in-IP 6LoRH.
    const BYTES_UPSTREAM: &str = "F1 A1 06 40 7C 50 40 00 00 00 00 00 00 00 0B 20 01 0D B8 FF \
                                  FF 00 00 00 00 00 00 00 00 00 01 F3 12 1F 71 50 41 53 41";
    /// SPEC.md §8.4: inbound at the root, 2001:db8:ffff::1 → 2001:db8::2b, HL 63.
    const BYTES_INBOUND: &str = "F1 80 50 2B 7C 07 3F 20 01 0D B8 FF FF 00 00 00 00 00 00 00 \
                                 00 00 01 F3 21 1F 51 50 41 53 41";
    /// vectors/make_pcap.py `control_dst_inline`: page 0, destination inline (DAC=1 DAM=01).
    const BYTES_CONTROL_INLINE: &str = "7C 55 40 00 00 00 00 00 00 00 0B 00 00 00 00 00 00 00 2B \
                                        F3 12 1F 47 50 41 53 41";
    /// vectors/make_pcap.py `control_inbound`.
    const BYTES_CONTROL_INBOUND: &str = "7C 05 3F 20 01 0D B8 FF FF 00 00 00 00 00 00 00 00 00 \
                                         01 00 00 00 00 00 00 00 2B F3 21 1F 51 50 41 53 41";
    /// vectors/make_pcap.py: the Ethernet header of the example frames (RFC 7973).
    const BYTES_ETH: &str = "02 00 00 00 00 0A 02 00 00 00 00 0B A0 ED";

    fn hex(s: &str) -> Vec<u8> {
        parse_hex(s).unwrap()
    }

    fn ok(frame: &[u8]) -> Value {
        decode(frame, &DecodeConfig::default()).unwrap()
    }

    fn err(frame: &[u8]) -> String {
        let e = decode(frame, &DecodeConfig::default()).unwrap_err();
        assert!(!e.contains('\n'), "one line: {e}");
        e
    }

    fn eth(dst: &[u8], src: &[u8], lowpan: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(dst);
        f.extend_from_slice(src);
        f.extend_from_slice(&ETHERTYPE_LOWPAN.to_be_bytes());
        f.extend_from_slice(lowpan);
        f
    }

    fn layer_names(v: &Value) -> Vec<&str> {
        v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["layer"].as_str().unwrap())
            .collect()
    }

    // --- parse_hex ----------------------------------------------------------------------------

    #[test]
    fn parse_hex_accepts_the_usual_notations() {
        let want = vec![0xF1, 0x80, 0x50, 0x2B];
        for s in [
            "F1 80 50 2B",
            "f180502b",
            "0xF180502B",
            "  0xf1 80\t50\n2b ",
            "f1:80:50:2b",
            "0xF1, 0x80, 0x50, 0x2B",
            "0xF10x800x500x2B",
            "F180 502B",
        ] {
            assert_eq!(parse_hex(s), Ok(want.clone()), "{s:?}");
        }
    }

    #[test]
    fn parse_hex_names_the_position_of_the_fault() {
        assert_eq!(
            parse_hex("F1 8G 50"),
            Err("bad hex digit 'G' at position 5".into())
        );
        assert_eq!(
            parse_hex("F1 805 0B"),
            Err(
                "odd number of hex digits in the group starting at position 4: each octet needs two"
                    .into()
            )
        );
        assert_eq!(
            parse_hex("F1 80 5"),
            Err(
                "odd number of hex digits in the group starting at position 7: each octet needs two"
                    .into()
            )
        );
        assert_eq!(
            parse_hex("F10xG1"),
            Err("bad hex digit 'G' at position 5".into())
        );
        assert_eq!(
            parse_hex("F1x0"),
            Err("bad hex digit 'x' at position 3".into())
        );
        assert!(parse_hex("0x0x").unwrap_err().starts_with("no hex digits"));
        assert!(parse_hex("").unwrap_err().starts_with("no hex digits"));
        assert!(parse_hex(" : , ").unwrap_err().starts_with("no hex digits"));
    }

    // --- SPEC.md §8.4 frames ------------------------------------------------------------------

    #[test]
    fn spec_frame_decodes_to_the_documented_addresses() {
        let v = ok(&hex(BYTES_SPEC_FRAME));
        assert_eq!(v["framing"], "lowpan");
        assert_eq!(v["length"], 23);
        assert_eq!(
            layer_names(&v),
            ["page_dispatch", "pasa_6lorh", "iphc", "nhc_udp"]
        );
        let l = &v["layers"];
        assert_eq!(l[0]["page"], 1);
        assert_eq!(
            (l[0]["offset"].as_u64(), l[0]["length"].as_u64()),
            (Some(0), Some(1))
        );
        let pasa = &l[1];
        assert_eq!(
            (pasa["offset"].as_u64(), pasa["length"].as_u64()),
            (Some(1), Some(3))
        );
        assert_eq!(pasa["type"], "0x50");
        assert_eq!(pasa["size"], 0);
        let da = &pasa["destination"];
        assert_eq!(da["address"], "101011");
        assert_eq!(da["hex"], "0x2b");
        assert_eq!(da["ipv6"], "2001:db8::2b");
        assert_eq!(da["bits"], 6);
        assert_eq!(da["depth"], 3);
        assert_eq!(da["role"], "host");
        assert_eq!(da["parent"], "1010");
        assert_eq!(da["path"], json!(["1", "10", "1010", "101011"]));
        let iphc = &l[2];
        assert_eq!(
            (iphc["offset"].as_u64(), iphc["length"].as_u64()),
            (Some(4), Some(11))
        );
        assert_eq!(
            (&iphc["tf"], &iphc["nh"], &iphc["hlim"], &iphc["cid"]),
            (&json!(3), &json!(true), &json!(0), &json!(false))
        );
        assert_eq!(
            (
                &iphc["sac"],
                &iphc["sam"],
                &iphc["m"],
                &iphc["dac"],
                &iphc["dam"]
            ),
            (
                &json!(true),
                &json!(1),
                &json!(false),
                &json!(true),
                &json!(3)
            )
        );
        assert_eq!(iphc["hop_limit_encoding"], "inline");
        assert_eq!(
            iphc["destination_mode"],
            "elided: context DCI with the PASA-6LoRH address as IID (RFC 8138 coalescence)"
        );
        assert_eq!(
            (l[3]["offset"].as_u64(), l[3]["length"].as_u64()),
            (Some(15), Some(4))
        );
        assert_eq!(l[3]["ports_mode"], 3);
        assert_eq!(
            v["ipv6"],
            json!({
                "src": "2001:db8::b", "src_pasa": "1011",
                "dst": "2001:db8::2b", "dst_pasa": "101011",
                "hop_limit": 64, "next_header": 17, "next_header_name": "UDP",
                "payload_length": 12, "traffic_class": 0, "flow_label": 0,
            })
        );
        assert_eq!(
            v["udp"],
            json!({
                "src_port": 0xF0B1, "dst_port": 0xF0B2, "length": 12, "payload_length": 4,
                "checksum": "0x1f47", "checksum_computed": "0x1f47", "checksum_ok": true,
            })
        );
        assert_eq!(v["warnings"], json!([]));
        assert!(v.get("icmpv6").is_none());
    }

    #[test]
    fn ethernet_framing_is_detected_and_offsets_count_from_the_frame_start() {
        let f = eth(
            &hex("02 00 00 00 00 0A"),
            &hex("02 00 00 00 00 0B"),
            &hex(BYTES_SPEC_FRAME),
        );
        assert_eq!(&f[..14], &hex(BYTES_ETH)[..]);
        let v = ok(&f);
        assert_eq!(v["framing"], "ethernet");
        assert_eq!(v["length"], 37);
        assert_eq!(
            layer_names(&v),
            ["ethernet", "page_dispatch", "pasa_6lorh", "iphc", "nhc_udp"]
        );
        assert_eq!(
            v["layers"][0],
            json!({"layer": "ethernet", "offset": 0, "length": 14,
                   "dst": "02:00:00:00:00:0a", "src": "02:00:00:00:00:0b", "ethertype": "0xa0ed"})
        );
        let offsets: Vec<u64> = v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["offset"].as_u64().unwrap())
            .collect();
        assert_eq!(offsets, [0, 14, 15, 18, 29]);
        assert_eq!(v["ipv6"]["dst"], "2001:db8::2b");
        assert_eq!(v["udp"]["checksum_ok"], true);
        // The same error is reported at its offset in the Ethernet frame.
        let mut bad = f.clone();
        bad[16] = 0x51;
        assert_eq!(
            err(&bad),
            "6LoRH at offset 15: critical type 0x51 is unknown; the PASA-6LoRH type is 0x50"
        );
    }

    #[test]
    fn a_padded_ethernet_frame_is_flagged() {
        let mut f = eth(
            &[2, 0, 0, 0, 0, 0x0A],
            &[2, 0, 0, 0, 0, 0x0B],
            &hex(BYTES_SPEC_FRAME),
        );
        f.resize(60, 0);
        let v = ok(&f);
        assert_eq!(v["udp"]["payload_length"], 27);
        assert_eq!(v["udp"]["checksum_ok"], false);
        let w: Vec<&str> = v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        assert_eq!(w.len(), 2);
        assert!(w[0].contains("padding"), "{w:?}");
        assert!(
            w[1].starts_with("UDP checksum 0x1f47 does not match"),
            "{w:?}"
        );
    }

    #[test]
    fn upstream_frame_shows_the_ip_in_ip_6lorh() {
        let v = ok(&hex(BYTES_UPSTREAM));
        assert_eq!(
            layer_names(&v),
            ["page_dispatch", "ip_in_ip_6lorh", "iphc", "nhc_udp"]
        );
        let ipip = &v["layers"][1];
        assert_eq!(
            *ipip,
            json!({
                "layer": "ip_in_ip_6lorh", "offset": 1, "length": 3, "class": "elective",
                "type": "0x06", "hop_limit": 64,
                "encapsulator": {"elided": true, "meaning": "the inner IPHC source",
                                 "address": "2001:db8::b"},
            })
        );
        assert_eq!(v["ipv6"]["src"], "2001:db8::b");
        assert_eq!(v["ipv6"]["dst"], "2001:db8:ffff::1");
        assert_eq!(v["ipv6"]["dst_pasa"], Value::Null);
        assert_eq!(v["udp"]["checksum"], "0x1f71");
        assert_eq!(v["udp"]["checksum_ok"], true);
    }

    #[test]
    fn inbound_and_control_frames_decode_to_the_same_packets() {
        let v = ok(&hex(BYTES_INBOUND));
        assert_eq!(v["ipv6"]["src"], "2001:db8:ffff::1");
        assert_eq!(v["ipv6"]["dst"], "2001:db8::2b");
        assert_eq!(v["ipv6"]["hop_limit"], 63);
        assert_eq!(v["udp"]["checksum_ok"], true);
        let c = ok(&hex(BYTES_CONTROL_INBOUND));
        assert_eq!(layer_names(&c), ["iphc", "nhc_udp"]);
        assert_eq!(c["ipv6"], v["ipv6"]);
        assert_eq!(c["udp"], v["udp"]);
        let c = ok(&hex(BYTES_CONTROL_INLINE));
        assert_eq!(c["ipv6"], ok(&hex(BYTES_SPEC_FRAME))["ipv6"]);
        assert_eq!(c["layers"][0]["page"], 0);
        assert_eq!(
            c["layers"][0]["destination_mode"],
            "64-bit IID inline, prefix from context DCI"
        );
    }

    #[test]
    fn configured_prefix_and_lorh_type_are_used() {
        let cfg = DecodeConfig {
            prefix: "2001:db8:1:2::/64".parse().unwrap(),
            lorh_type: 0x21,
        };
        let mut f = hex(BYTES_SPEC_FRAME);
        f[2] = 0x21;
        let v = decode(&f, &cfg).unwrap();
        assert_eq!(v["ipv6"]["dst"], "2001:db8:1:2::2b");
        assert_eq!(v["layers"][1]["destination"]["ipv6"], "2001:db8:1:2::2b");
        assert_eq!(v["layers"][1]["type"], "0x21");
    }

    // --- malformed frames ---------------------------------------------------------------------

    #[test]
    fn malformed_frames_name_the_layer_offset_and_fault() {
        let cases: &[(&str, &str)] = &[
            ("", "LoWPAN dispatch at offset 0: the frame is empty"),
            (
                "02 00 00 00 00 0A 02 00 00 00 00 0B A0 ED",
                "LoWPAN dispatch at offset 14: the frame ends after the Ethernet header",
            ),
            (
                "00 01",
                "LoWPAN dispatch at offset 0: octet 0x00 is NALP (00xxxxxx), not a LoWPAN frame",
            ),
            (
                "F2 7C",
                "paging dispatch at offset 0: page 2 is not supported (only 0 and 1)",
            ),
            (
                "F1 F1 F1 7C",
                "paging dispatch at offset 2: a page switch after a 6LoRH, or more than 2 page \
                 switches",
            ),
            (
                "C0 40 12 34 F1",
                "LoWPAN dispatch at offset 0: octet 0xc0 in page 0 is an RFC 4944 fragment \
                 header: fragments are not decoded, reassemble first",
            ),
            (
                "80 50 2B 7C",
                "LoWPAN dispatch at offset 0: octet 0x80 in page 0 is an RFC 4944 Mesh header, \
                 which PASA does not use",
            ),
            (
                "F1 83 00 01 7C",
                "6LoRH at offset 1: critical type 0x00 (an RH3-6LoRH, which PASA does not use) \
                 is unknown; the PASA-6LoRH type is 0x50",
            ),
            (
                "F1 80 50 2B 80 50 01 7C",
                "PASA-6LoRH at offset 4: a second one in the same frame",
            ),
            (
                "F1 80 50 00 7C",
                "PASA-6LoRH at offset 1: PASA-6LoRH address is zero",
            ),
            (
                "F1 A4 06 40 00 00 7C",
                "IP-in-IP 6LoRH at offset 1: IP-in-IP 6LoRH Length 4 is not 1, 2, 3, 5, 9 or 17 \
                 (hop limit + encapsulator)",
            ),
            (
                "F1 80 50 2B 41",
                "LOWPAN_IPHC at offset 4: expected, but octet 0x41 (not 011xxxxx) is there",
            ),
            (
                "7C 54 40",
                "LOWPAN_IPHC at offset 0: IPHC reserved combination: M=0 DAC=1 DAM=00",
            ),
            (
                "F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B 80 00",
                "NHC at offset 15: octet 0x80 is not NHC UDP (11110CPP), the only NHC decoded",
            ),
            (
                "7C 33 40 F3 12 00 00",
                "LOWPAN_IPHC at offset 0: the source address is derived from the link-layer \
                 source address, which a bare LoWPAN frame does not carry; give the whole \
                 Ethernet frame",
            ),
            (
                "F1 80 50 2B 7C 55 40 00 00 00 00 00 00 00 0B 00 00 00 00 00 00 00 2C F3 12 00 00",
                "LOWPAN_IPHC at offset 4: the inline destination is not the PASA-6LoRH's \
                 address (routers would forward by one, the receiver deliver to the other)",
            ),
            (
                BYTES_SPEC_CTX1,
                "LOWPAN_IPHC at offset 4: context 1 is not configured; pasa-router knows only \
                 context 0 = 2001:db8::/64",
            ),
        ];
        for (frame, want) in cases {
            assert_eq!(&err(&hex_or_empty(frame)), want, "frame {frame}");
        }
        // 50 chained zero-length electives (B11).
        let mut chain = vec![0xF1];
        for _ in 0..50 {
            chain.extend_from_slice(&[0xA0, 0x09]);
        }
        chain.push(0x7C);
        assert_eq!(
            err(&chain),
            "6LoRH at offset 17: more than 8 6LoRHs in one frame"
        );
    }

    fn hex_or_empty(s: &str) -> Vec<u8> {
        if s.is_empty() { Vec::new() } else { hex(s) }
    }

    #[test]
    fn an_unknown_elective_6lorh_is_shown_as_skipped() {
        let mut f = hex("F1 A2 09 AA BB");
        f.extend_from_slice(&hex(BYTES_SPEC_FRAME)[1..]);
        let v = ok(&f);
        assert_eq!(
            layer_names(&v),
            [
                "page_dispatch",
                "elective_6lorh",
                "pasa_6lorh",
                "iphc",
                "nhc_udp"
            ]
        );
        assert_eq!(
            v["layers"][1],
            json!({"layer": "elective_6lorh", "offset": 1, "length": 4, "class": "elective",
                   "type": "0x09", "skipped": true, "body": "aa bb"})
        );
        assert_eq!(v["layers"][2]["offset"], 5);
    }

    #[test]
    fn every_truncation_of_the_spec_frame_is_refused_until_the_payload() {
        let f = hex(BYTES_SPEC_FRAME);
        // (cut, start of the message): the layer and offset each cut must be reported at.
        let want = |cut: usize| -> &'static str {
            match cut {
                0 => "LoWPAN dispatch at offset 0: the frame is empty",
                1 => "LOWPAN_IPHC at offset 1: expected, but the frame ends",
                2 => "6LoRH at offset 1: truncated: the header needs 2 octets, only 1 remain",
                3 => "PASA-6LoRH at offset 1: truncated: the header needs 3 octets, only 2 remain",
                4 => "LOWPAN_IPHC at offset 4: expected, but the frame ends",
                5 => "LOWPAN_IPHC at offset 4: truncated: the header needs 2 octets, only 1 remain",
                6..=14 => "LOWPAN_IPHC at offset 4: truncated: the header needs 11 octets",
                15 => {
                    "NHC at offset 15: the IPHC says NH=1 (next header compressed) but the frame \
                     ends"
                }
                _ => "NHC UDP at offset 15: truncated: the header needs 4 octets",
            }
        };
        for cut in 0..f.len() {
            let r = decode(&f[..cut], &DecodeConfig::default());
            if cut >= 19 {
                // The UDP payload length is implicit: a shorter payload is a shorter datagram,
                // whose checksum no longer matches.
                let v = r.unwrap();
                assert_eq!(v["udp"]["payload_length"], cut - 19, "cut {cut}");
                assert_eq!(v["udp"]["checksum_ok"], false, "cut {cut}");
                continue;
            }
            let e = r.unwrap_err();
            assert!(e.starts_with(want(cut)), "cut {cut}: {e}");
            assert!(!e.contains('\n'));
        }
    }

    // --- ND frames, as the router core writes them --------------------------------------------

    type TestNode = Node<MemStore<2048>, 8>;

    fn mac(i: u8) -> LinkAddr {
        LinkAddr::new(&[0x02, 0, 0, 0, 0, i]).unwrap()
    }

    fn node(i: u8, role: NodeRole) -> TestNode {
        let ctx = Contexts::new().with(0, Context::new(Prefix64::DOC.network(), 64).unwrap());
        let rovr = Rovr::new(&[0xA0, 0, 0, 0, 0, 0, 0, i]).unwrap();
        let cfg = NodeConfig::new(role, Prefix64::DOC, ctx, mac(i), rovr);
        Node::new(cfg, MemStore::new(), 1_000).unwrap()
    }

    /// The node's answer to `frame` from `from`.
    fn answer(n: &mut TestNode, now: u64, from: u8, multicast: bool, frame: &[u8]) -> Vec<u8> {
        let rx = Rx {
            from: Neighbor {
                iface: 0,
                ll: mac(from),
            },
            multicast,
            frame,
        };
        let v = n.receive(now, &rx);
        assert!(
            matches!(v.action, Action::Send(LinkDst::Neighbor(_))),
            "{v:?}"
        );
        let mut out = vec![0u8; v.len];
        assert_eq!(n.emit(&v, frame, &mut out).unwrap(), v.len);
        out
    }

    /// The first message the joiner has due at or after `now`.
    fn due(n: &mut TestNode, now: &mut u64) -> Vec<u8> {
        let mut buf = [0u8; 256];
        for _ in 0..200 {
            n.handle_timeout(*now);
            if let Some(t) = n.poll_transmit(*now, &mut buf) {
                return buf[..t.len].to_vec();
            }
            *now += 50;
        }
        panic!("the joiner sent nothing");
    }

    /// A real join between a root (MAC ..:01) and a host (MAC ..:02): the LoWPAN frames of
    /// RS, RA, NS(GAAO) and NA(GAAO), as the core's control module writes them.
    fn join_frames() -> [Vec<u8>; 4] {
        let mut root = node(1, NodeRole::Root);
        let mut host = node(2, NodeRole::Host);
        let mut now = 1_000;
        let rs = due(&mut host, &mut now);
        let ra = answer(&mut root, now, 2, true, &rs);
        let rx = Rx {
            from: Neighbor {
                iface: 0,
                ll: mac(1),
            },
            multicast: false,
            frame: &ra,
        };
        let _ = host.receive(now, &rx);
        let ns = due(&mut host, &mut now);
        let na = answer(&mut root, now, 2, false, &ns);
        [rs, ra, ns, na]
    }

    fn kinds(v: &Value) -> Vec<&str> {
        v["icmpv6"]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["kind"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn nd_ns_gaao_frame_lists_its_options() {
        let [_, _, ns, _] = join_frames();
        let f = eth(mac(1).as_bytes(), mac(2).as_bytes(), &ns);
        let v = ok(&f);
        assert_eq!(v["framing"], "ethernet");
        assert_eq!(layer_names(&v), ["ethernet", "iphc"]);
        assert_eq!(v["layers"][1]["page"], 0);
        assert_eq!(v["ipv6"]["src"], "fe80::ff:fe00:2");
        assert_eq!(v["ipv6"]["dst"], "fe80::ff:fe00:1");
        assert_eq!(v["ipv6"]["hop_limit"], 255);
        assert_eq!(v["ipv6"]["next_header"], 58);
        let icmp = &v["icmpv6"];
        assert_eq!((&icmp["type"], &icmp["code"]), (&json!(135), &json!(0)));
        assert_eq!(icmp["name"], "Neighbor Solicitation");
        assert_eq!(icmp["checksum_ok"], true);
        assert_eq!(icmp["target"], "fe80::ff:fe00:2");
        assert_eq!(kinds(&v), ["SLLAO", "GAAO", "6CIO"]);
        let o = &icmp["options"];
        assert_eq!(o[0]["link_layer_address"], "02:00:00:00:00:02");
        let g = &o[1];
        assert_eq!(
            (&g["status"], &g["r"], &g["pfx_len"], &g["address"]),
            (&json!(0), &json!(false), &json!(0), &Value::Null)
        );
        assert_eq!(g["rovr"], "a0 00 00 00 00 00 00 02");
        assert_eq!(o[2]["role"], "host");
        assert_eq!(o[2]["m"], true);
        assert_eq!(v["warnings"], json!([]));
        // Without the Ethernet header the link-local addresses cannot be rebuilt.
        let e = err(&ns);
        assert!(
            e.starts_with(
                "LOWPAN_IPHC at offset 0: the source address is derived from the link-layer"
            ),
            "{e}"
        );
    }

    #[test]
    fn nd_join_exchange_decodes_end_to_end() {
        let [rs, ra, _, na] = join_frames();
        let v = ok(&eth(&[0x33, 0x33, 0, 0, 0, 2], mac(2).as_bytes(), &rs));
        assert_eq!(v["icmpv6"]["name"], "Router Solicitation");
        assert_eq!(v["ipv6"]["dst"], "ff02::2");
        assert_eq!(kinds(&v), ["SLLAO", "6CIO"]);
        let v = ok(&eth(mac(2).as_bytes(), mac(1).as_bytes(), &ra));
        assert_eq!(v["icmpv6"]["name"], "Router Advertisement");
        assert_eq!(v["icmpv6"]["router_lifetime_s"], 1800);
        assert_eq!(kinds(&v), ["SLLAO", "6CIO"]);
        assert_eq!(v["icmpv6"]["options"][1]["role"], "root");
        let v = ok(&eth(mac(2).as_bytes(), mac(1).as_bytes(), &na));
        let icmp = &v["icmpv6"];
        assert_eq!(icmp["name"], "Neighbor Advertisement");
        assert_eq!(
            (&icmp["router"], &icmp["solicited"]),
            (&json!(true), &json!(true))
        );
        assert_eq!(kinds(&v), ["GAAO"]);
        let g = &icmp["options"][0];
        // The root's first host child is 11 (SPEC.md §8.1).
        assert_eq!(
            (
                &g["r"],
                &g["pfx_len"],
                &g["aaf"],
                &g["address"],
                &g["address_pasa"]
            ),
            (
                &json!(true),
                &json!(64),
                &json!(15),
                &json!("2001:db8::3"),
                &json!("11")
            )
        );
        assert_eq!(g["status_name"], "Success");
    }

    #[test]
    fn nd_faults_are_reported_at_their_offset() {
        let [_, _, ns, _] = join_frames();
        let f = eth(mac(1).as_bytes(), mac(2).as_bytes(), &ns);
        let v = ok(&f);
        let icmp_at = v["icmpv6"]["offset"].as_u64().unwrap() as usize;
        let gaao_at = v["icmpv6"]["options"][1]["offset"].as_u64().unwrap() as usize;
        assert_eq!(gaao_at, icmp_at + 24 + 8);
        // A zero option Length discards the whole message (RFC 4861 §4.6).
        let mut bad = f.clone();
        bad[gaao_at + 1] = 0;
        assert_eq!(
            err(&bad),
            format!(
                "ICMPv6 Neighbor Solicitation at offset {icmp_at}: ND options refused: ND option \
                 at offset 8 has Length 0"
            )
        );
        // A GAAO of Length 2 announcing an Address (PfxLen 64) it has no room for.
        let mut bad = f.clone();
        bad[gaao_at + 4] |= 0x04;
        assert_eq!(
            err(&bad),
            format!(
                "ND option GAAO at offset {gaao_at}: invalid ND option Length 2: GAAO with \
                 PfxLen != 0 has no room for its 16-octet Address"
            )
        );
        // A wrong checksum still decodes, with a warning.
        let mut bad = f.clone();
        bad[icmp_at + 2] ^= 0xFF;
        let v = ok(&bad);
        assert_eq!(v["icmpv6"]["checksum_ok"], false);
        assert!(
            v["warnings"][0]
                .as_str()
                .unwrap()
                .starts_with("ICMPv6 checksum")
        );
        // Every truncation is refused or, at an option boundary, decodes with a bad checksum.
        for cut in 0..f.len() {
            match decode(&f[..cut], &DecodeConfig::default()) {
                Ok(v) => assert_eq!(v["icmpv6"]["checksum_ok"], false, "cut {cut}"),
                Err(e) => assert!(!e.contains('\n') && e.contains("offset "), "cut {cut}: {e}"),
            }
        }
    }

    // --- never panics -------------------------------------------------------------------------

    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Octets that mean something to one of the layers: dispatches, 6LoRH classes and types,
    /// IPHC, NHC, next headers, ND option types.
    const INTERESTING: &[u8] = &[
        0x00, 0x01, 0x02, 0x03, 0x06, 0x11, 0x21, 0x24, 0x3A, 0x40, 0x41, 0x50, 0x60, 0x7C, 0x7F,
        0x80, 0x87, 0x9F, 0xA0, 0xA1, 0xBF, 0xC0, 0xE0, 0xF0, 0xF1, 0xF2, 0xF3, 0xF7, 0xFD, 0xFF,
    ];

    fn mutate(f: &mut Vec<u8>, rng: &mut u64) {
        let r = splitmix(rng);
        let len = f.len();
        let at = if len == 0 { 0 } else { (r >> 8) as usize % len };
        match r % 8 {
            0 if len > 0 => f[at] ^= 1 << ((r >> 40) % 8),
            1 if len > 0 => f[at] = (r >> 32) as u8,
            2 if len > 0 => f[at] = INTERESTING[(r >> 32) as usize % INTERESTING.len()],
            3 => f.insert(at.min(len), (r >> 32) as u8),
            4 if len > 0 => {
                f.remove(at);
            }
            5 => f.truncate(at),
            6 if len > 0 => {
                let end = (at + 1 + (r >> 40) as usize % 16).min(len);
                let dup = f[at..end].to_vec();
                f.splice(at..at, dup);
            }
            7 if len > 1 => {
                let other = (r >> 32) as usize % len;
                f.swap(at, other);
            }
            _ => f.push((r >> 16) as u8),
        }
    }

    #[test]
    fn random_and_mutated_frames_never_panic() {
        let cfg = DecodeConfig::default();
        let [rs, ra, ns, na] = join_frames();
        let mut seeds: Vec<Vec<u8>> = [
            BYTES_SPEC_FRAME,
            BYTES_SPEC_CTX1,
            BYTES_UPSTREAM,
            BYTES_INBOUND,
            BYTES_CONTROL_INLINE,
            BYTES_CONTROL_INBOUND,
            "F1 A2 09 AA BB 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B F3 12 1F 47",
            "F1 A9 06 40 20 01 0D B8 00 00 00 01 7C 50 40 00 00 00 00 00 00 00 0B 20 01 0D B8 \
             FF FF 00 00 00 00 00 00 00 00 00 01 F3 12 1F 71",
            "F1 87 50 80 00 00 00 00 00 00 01 7C 57 40 00 00 00 00 00 00 00 0B F0 00 01 00 02 \
             00 00",
        ]
        .iter()
        .map(|s| hex(s))
        .collect();
        let eth_seeds: Vec<Vec<u8>> = seeds
            .iter()
            .map(|s| eth(mac(1).as_bytes(), mac(2).as_bytes(), s))
            .collect();
        seeds.extend(eth_seeds);
        for (f, dst, src) in [(&rs, 9, 2), (&ra, 2, 1), (&ns, 1, 2), (&na, 2, 1)] {
            seeds.push(eth(mac(dst).as_bytes(), mac(src).as_bytes(), f));
            seeds.push(f.clone());
        }
        let mut rng = 0x5EED_0FFA_5A00_u64;
        let (mut oks, mut errs) = (0u32, 0u32);
        for i in 0..200_000u32 {
            let f = if i % 4 == 0 {
                // Random octets, the first one often a meaningful dispatch.
                let r = splitmix(&mut rng);
                let len = (r % 200) as usize;
                let mut f: Vec<u8> = (0..len).map(|_| splitmix(&mut rng) as u8).collect();
                if let Some(first) = f.first_mut()
                    && r & 0x100 != 0
                {
                    *first = INTERESTING[(r >> 16) as usize % INTERESTING.len()];
                }
                f
            } else {
                let r = splitmix(&mut rng);
                let mut f = seeds[r as usize % seeds.len()].clone();
                for _ in 0..1 + (r >> 32) % 4 {
                    mutate(&mut f, &mut rng);
                }
                f
            };
            match decode(&f, &cfg) {
                Ok(v) => {
                    oks += 1;
                    let text = v.to_string();
                    assert!(text.contains("\"layers\""), "{f:02x?}");
                }
                Err(e) => {
                    errs += 1;
                    assert!(
                        !e.is_empty() && !e.contains('\n') && e.contains("offset "),
                        "{f:02x?}: {e:?}"
                    );
                }
            }
        }
        // Both outcomes are exercised in bulk, so the success paths were fuzzed too.
        eprintln!("decoded {oks}, refused {errs}");
        assert!(oks > 20_000 && errs > 20_000, "ok {oks}, err {errs}");
    }
}
