//! Whole compressed frames: the layers of [`crate::wire`] put together.
//!
//! ```text
//!  [F1 page 1] [6LoRH ...: PASA-6LoRH | IP-in-IP | skipped electives] LOWPAN_IPHC [NHC UDP] payload
//! ```
//!
//! - [`parse_header`] is the forwarding fast path: it walks the paging dispatch and the 6LoRHs
//!   and stops at the IPHC, returning what a router needs to decide (the PASA destination, the
//!   IP-in-IP hop limit) and where the in-place fields are.
//! - [`decode`] decodes the IPHC and NHC too, yielding the IPv6/UDP fields and the payload.
//! - [`decompress`] rebuilds the native IPv6 packet into a caller buffer.
//! - [`compress`] turns a native IPv6 packet into a PASA frame: a PASA-6LoRH when the
//!   destination is inside the domain prefix, an IP-in-IP 6LoRH towards the root otherwise
//!   (SPEC.md §1.6).

use core::fmt;
use core::net::Ipv6Addr;

use crate::DEFAULT_PASA_LORH_TYPE;
use crate::addr::{PasaAddr, Prefix64};
use crate::wire::checksum;
use crate::wire::dispatch::PAGE1;
use crate::wire::iphc::{self, Contexts, Env, HopLimitMode, LinkAddrs};
use crate::wire::lorh::{self, IpInIpPacket, IpInIpRepr, PasaLorhRepr, PasaPacket};
use crate::wire::nhc::{self, UdpPacket, UdpRepr};

/// Octets of a fixed IPv6 header.
pub const IPV6_HEADER_LEN: usize = 40;

/// Most 6LoRHs accepted in one frame (B11: a chain past this is dropped).
pub const MAX_LORH: usize = 8;

/// Most paging dispatches accepted in one frame (B09).
pub const MAX_PAGE_SWITCHES: usize = 2;

/// What the codec needs to know about the domain.
#[derive(Debug, Clone, Copy)]
pub struct CodecConfig<'a> {
    /// The PASA-6LoRH type (TBD1); default [`DEFAULT_PASA_LORH_TYPE`].
    pub lorh_type: u8,
    /// The compression contexts; the PASA /64 prefix must be one of them.
    pub contexts: &'a Contexts,
}

impl<'a> CodecConfig<'a> {
    /// The default PASA-6LoRH type with these contexts.
    pub const fn new(contexts: &'a Contexts) -> Self {
        Self {
            lorh_type: DEFAULT_PASA_LORH_TYPE,
            contexts,
        }
    }
}

/// Which layer an error comes from, with the byte offset where that layer starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The frame is empty.
    Empty,
    /// `00xxxxxx`: not a LoWPAN frame (B08).
    Nalp {
        /// Offset of the octet.
        at: usize,
    },
    /// A page other than 0 and 1, or too many page switches (B09).
    Page {
        /// Offset of the octet.
        at: usize,
        /// The page asked for.
        page: u8,
    },
    /// A dispatch this codec does not handle here (mesh, fragment, uncompressed IPv6,
    /// reserved): the router reassembles fragments before calling the codec.
    Dispatch {
        /// Offset of the octet.
        at: usize,
        /// The octet.
        octet: u8,
    },
    /// A critical 6LoRH of a type this node does not know (B11, RFC 8138 §5.1).
    UnknownCritical {
        /// Offset of the 6LoRH.
        at: usize,
        /// Its type.
        lorh_type: u8,
    },
    /// More than [`MAX_LORH`] 6LoRHs (B11).
    TooManyLorh {
        /// Offset of the first one past the cap.
        at: usize,
    },
    /// A second PASA-6LoRH or a second IP-in-IP 6LoRH (B12, B40).
    Duplicate {
        /// Offset of the second one.
        at: usize,
    },
    /// The frame ends, or a non-IPHC dispatch follows, where the IPHC should be (B12).
    NoIphc {
        /// Offset where the IPHC was expected.
        at: usize,
    },
    /// A 6LoRH is malformed.
    Lorh {
        /// Offset of the 6LoRH.
        at: usize,
        /// What was wrong.
        err: lorh::Error,
    },
    /// The IPHC header is malformed.
    Iphc {
        /// Offset of the IPHC header.
        at: usize,
        /// What was wrong.
        err: iphc::Error,
    },
    /// The NHC header is malformed.
    Nhc {
        /// Offset of the NHC header.
        at: usize,
        /// What was wrong.
        err: nhc::Error,
    },
    /// The native IPv6 packet given to [`compress`] is malformed.
    Ipv6(Ipv6Error),
    /// The IPHC carries a destination whose IID is not the PASA-6LoRH's address: routers would
    /// forward by one and the receiver deliver to the other.
    DestinationMismatch {
        /// Offset of the IPHC header.
        at: usize,
    },
    /// The output buffer is too small.
    Buffer {
        /// Octets needed.
        needed: usize,
        /// Octets available.
        got: usize,
    },
}

/// What is wrong with a native IPv6 packet handed to [`compress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ipv6Error {
    /// Shorter than the 40-octet header.
    Truncated {
        /// Octets present.
        got: usize,
    },
    /// The version nibble is not 6.
    Version(u8),
    /// Payload Length says more than is present (or less than the UDP header).
    PayloadLength {
        /// The Payload Length field.
        field: u16,
        /// Octets present after the header.
        present: usize,
    },
    /// UDP Length disagrees with the IPv6 Payload Length, so it cannot be elided (B61).
    UdpLength {
        /// The UDP Length field.
        field: u16,
        /// The IPv6 Payload Length.
        ipv6: u16,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty frame"),
            Self::Nalp { at } => write!(f, "offset {at}: not a LoWPAN frame (NALP)"),
            Self::Page { at, page } => write!(f, "offset {at}: page {page} not supported"),
            Self::Dispatch { at, octet } => {
                write!(f, "offset {at}: dispatch {octet:#04x} not handled here")
            }
            Self::UnknownCritical { at, lorh_type } => {
                write!(
                    f,
                    "offset {at}: unknown critical 6LoRH type {lorh_type:#04x}"
                )
            }
            Self::TooManyLorh { at } => {
                write!(f, "offset {at}: more than {MAX_LORH} 6LoRH headers")
            }
            Self::Duplicate { at } => write!(f, "offset {at}: repeated PASA or IP-in-IP 6LoRH"),
            Self::NoIphc { at } => write!(f, "offset {at}: LOWPAN_IPHC expected"),
            Self::Lorh { at, err } => write!(f, "offset {at}: {err}"),
            Self::Iphc { at, err } => write!(f, "offset {at}: {err}"),
            Self::Nhc { at, err } => write!(f, "offset {at}: {err}"),
            Self::Ipv6(e) => match e {
                Ipv6Error::Truncated { got } => {
                    write!(f, "IPv6 packet of {got} octets is shorter than its header")
                }
                Ipv6Error::Version(v) => write!(f, "IPv6 version field is {v}, not 6"),
                Ipv6Error::PayloadLength { field, present } => write!(
                    f,
                    "IPv6 Payload Length {field} does not match the {present} octets present"
                ),
                Ipv6Error::UdpLength { field, ipv6 } => write!(
                    f,
                    "UDP Length {field} differs from IPv6 Payload Length {ipv6}: cannot elide it"
                ),
            },
            Self::DestinationMismatch { at } => write!(
                f,
                "offset {at}: IPHC destination differs from the PASA-6LoRH address"
            ),
            Self::Buffer { needed, got } => {
                write!(f, "output buffer of {got} octets, {needed} needed")
            }
        }
    }
}

impl core::error::Error for Error {}

/// The routing part of a frame, as [`parse_header`] finds it. Small on purpose (24 octets):
/// the forwarding fast path returns it for every packet. Offsets fit 16 bits because the walk
/// stops after [`MAX_PAGE_SWITCHES`] dispatches and [`MAX_LORH`] headers of at most 33 octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The PASA-6LoRH destination, if present.
    pub pasa_dst: Option<PasaAddr>,
    /// The IP-in-IP 6LoRH, if present.
    pub ip_in_ip: Option<IpInIp>,
    /// Offset of the LOWPAN_IPHC header.
    pub iphc_at: u16,
    /// Unknown elective 6LoRHs skipped (B11: counted by the caller).
    pub electives_skipped: u8,
    /// The page in force at the IPHC (0 or 1).
    pub page: u8,
}

impl Header {
    /// Offset of the LOWPAN_IPHC header, as an index.
    pub const fn iphc_offset(&self) -> usize {
        self.iphc_at as usize
    }
}

/// Where an IP-in-IP 6LoRH sits in the frame and what the forwarder needs of it. The whole
/// header (with the encapsulator) is [`IpInIp::repr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpInIp {
    /// Offset of the 6LoRH in the frame.
    pub at: u16,
    /// Its Hop Limit.
    pub hop_limit: u8,
    /// Octets of its encapsulator address (0 when elided).
    pub encapsulator_len: u8,
}

impl IpInIp {
    /// Offset of the Hop Limit octet, for in-place decrement.
    pub const fn hop_limit_at(&self) -> usize {
        (self.at as usize).wrapping_add(2)
    }

    /// Octets of the whole 6LoRH.
    pub const fn len(&self) -> usize {
        3usize.wrapping_add(self.encapsulator_len as usize)
    }

    /// Always false: the header has at least its two octets and the hop limit.
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The decoded header, read again from `frame`.
    pub fn repr(&self, frame: &[u8]) -> Option<IpInIpRepr> {
        let p = IpInIpPacket::new_checked(frame.get(usize::from(self.at)..)?).ok()?;
        IpInIpRepr::parse(&p).ok()
    }
}

/// Walks the dispatch octets and 6LoRHs of `frame` up to the IPHC header (the forwarding fast
/// path: no IPHC decoding). The walk has three phases in the order RFC 8025 / RFC 8138 allow:
/// paging dispatches, then (in page 1) 6LoRHs, then the LOWPAN_IPHC. Every phase is bounded,
/// by [`MAX_PAGE_SWITCHES`] and [`MAX_LORH`].
// Inlined into the caller's per-packet function, so the `Header` stays in registers.
#[cfg_attr(not(target_os = "none"), inline(always))]
pub fn parse_header(frame: &[u8], cfg: &CodecConfig<'_>) -> Result<Header, Error> {
    let Some(&first) = frame.first() else {
        return Err(Error::Empty);
    };
    if first & 0xC0 == 0 {
        return Err(Error::Nalp { at: 0 });
    }
    let mut h = Header {
        pasa_dst: None,
        ip_in_ip: None,
        iphc_at: 0,
        electives_skipped: 0,
        page: 0,
    };
    let mut at = 0usize;
    // Paging dispatches.
    while let Some(&octet) = frame.get(at) {
        if octet & 0xF0 != 0xF0 {
            break;
        }
        let page = octet & 0x0F;
        if page > 1 || at >= MAX_PAGE_SWITCHES {
            return Err(Error::Page { at, page });
        }
        h.page = page;
        at = at.wrapping_add(1);
    }
    // 6LoRHs: `10xxxxxx` is a 6LoRH in page 1 only (a Mesh header in page 0).
    if h.page == 1 {
        let mut count = 0usize;
        while let Some(&octet) = frame.get(at) {
            if octet & 0xC0 != 0x80 {
                break;
            }
            if count == MAX_LORH {
                return Err(Error::TooManyLorh { at });
            }
            count = count.wrapping_add(1);
            let rest = frame.get(at..).unwrap_or(&[]);
            at = at.saturating_add(lorh_step(rest, at, cfg, &mut h)?);
        }
        if let Some(&octet) = frame.get(at)
            && octet & 0xF0 == 0xF0
        {
            // A paging dispatch after a 6LoRH (B09).
            return Err(Error::Page {
                at,
                page: octet & 0x0F,
            });
        }
        if count > 0 && frame.get(at).is_none_or(|o| o & 0xE0 != 0x60) {
            return Err(Error::NoIphc { at });
        }
    }
    match frame.get(at) {
        Some(&octet) if octet & 0xE0 == 0x60 => {
            // at <= 2 + 8 * 33: see Header.
            h.iphc_at = at as u16;
            Ok(h)
        }
        Some(&octet) => Err(Error::Dispatch { at, octet }),
        None => Err(Error::NoIphc { at }),
    }
}

/// Handles one 6LoRH at `rest` (offset `at`), returning its length. The class and type are
/// read once; the matching view is then checked once by its own `parse`.
#[cfg_attr(not(target_os = "none"), inline(always))]
fn lorh_step(
    rest: &[u8],
    at: usize,
    cfg: &CodecConfig<'_>,
    h: &mut Header,
) -> Result<usize, Error> {
    let err = |err| Error::Lorh { at, err };
    let [first, lorh_type, ..] = *rest else {
        return Err(err(lorh::Error::Truncated {
            needed: lorh::HEADER_LEN,
            got: rest.len(),
        }));
    };
    let critical = first & 0x20 == 0;
    if critical {
        if lorh_type != cfg.lorh_type {
            return Err(Error::UnknownCritical { at, lorh_type });
        }
        if h.pasa_dst.is_some() {
            return Err(Error::Duplicate { at });
        }
        let p = PasaPacket::new_unchecked(rest);
        h.pasa_dst = Some(PasaLorhRepr::parse(&p, cfg.lorh_type).map_err(err)?.dst);
        return Ok(p.total_len());
    }
    if lorh_type == lorh::TYPE_IP_IN_IP {
        if h.ip_in_ip.is_some() {
            return Err(Error::Duplicate { at });
        }
        let p = IpInIpPacket::new_unchecked(rest);
        let r = IpInIpRepr::parse(&p).map_err(err)?;
        h.ip_in_ip = Some(IpInIp {
            // at is bounded by the walk: see Header.
            at: at as u16,
            hop_limit: r.hop_limit,
            encapsulator_len: r.encapsulator_len,
        });
        return Ok(p.total_len());
    }
    // An unknown elective 6LoRH: skipped by its Length (RFC 8138 §5.1), if it is all there.
    let g = lorh::Packet::new_checked(rest).map_err(err)?;
    h.electives_skipped = h.electives_skipped.saturating_add(1);
    Ok(g.elective_len().unwrap_or(lorh::HEADER_LEN))
}

/// A fully decoded frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The routing part.
    pub header: Header,
    /// The IPv6 header fields.
    pub ip: iphc::Repr,
    /// Offset of the inline IPHC Hop Limit, when HLIM=00.
    pub hop_limit_at: Option<usize>,
    /// The NHC UDP header, when the next header is NHC-compressed UDP.
    pub udp: Option<UdpRepr>,
    /// The bytes after the compressed headers: the UDP payload, or the whole IPv6 payload
    /// (extension headers included) when the next header is inline.
    pub payload: &'a [u8],
}

impl Decoded<'_> {
    /// The IPv6 Payload Length of the packet this frame stands for.
    pub fn ipv6_payload_len(&self) -> usize {
        let udp = if self.udp.is_some() {
            nhc::UDP_HEADER_LEN
        } else {
            0
        };
        self.payload.len().saturating_add(udp)
    }

    /// The UDP checksum this packet should carry, computed over the rebuilt header.
    pub fn udp_checksum(&self) -> Option<u16> {
        let u = self.udp?;
        let mut hdr = u.to_header(self.payload.len(), 0);
        if let Some(c) = hdr.get_mut(6..8) {
            c.fill(0);
        }
        Some(checksum::udp(
            &self.ip.src,
            &self.ip.dst,
            &hdr,
            self.payload,
        ))
    }
}

/// Decodes a whole frame. `link` gives the link-layer addresses for the modes that need them.
pub fn decode<'a>(
    frame: &'a [u8],
    cfg: &CodecConfig<'_>,
    link: LinkAddrs<'_>,
) -> Result<Decoded<'a>, Error> {
    let header = parse_header(frame, cfg)?;
    let at = header.iphc_offset();
    let rest = frame.get(at..).unwrap_or(&[]);
    let ierr = |err| Error::Iphc { at, err };
    let p = iphc::Packet::new_unchecked(rest);
    let env = Env {
        contexts: Some(cfg.contexts),
        pasa_dst: header.pasa_dst,
        link,
    };
    let layout = p.layout().map_err(ierr)?;
    let ip = iphc::Repr::parse_at(&p, &env, &layout).map_err(ierr)?;
    if let Some(da) = header.pasa_dst
        && ip.dst.to_bits() as u64 != da.value()
    {
        // An inline destination ("simple but wasteful" mode, draft-13 §8.3) must be the same
        // node as the PASA-6LoRH's.
        return Err(Error::DestinationMismatch { at });
    }
    let after: &'a [u8] = rest.get(layout.header_len..).unwrap_or(&[]);
    let (udp, payload) = if ip.nhc {
        let nat = at.saturating_add(layout.header_len);
        let nerr = |err| Error::Nhc { at: nat, err };
        let u = UdpPacket::new_checked(after).map_err(nerr)?;
        let body: &'a [u8] = after.get(u.header_len()..).unwrap_or(&[]);
        (Some(UdpRepr::parse(&u).map_err(nerr)?), body)
    } else {
        (None, after)
    };
    Ok(Decoded {
        header,
        ip,
        hop_limit_at: layout.hop_limit_offset().map(|o| o.saturating_add(at)),
        udp,
        payload,
    })
}

/// Rebuilds the native IPv6 packet of `frame` into `out`; returns its length. An elided UDP
/// checksum is computed. The result is what the IPv6 stack of the node receives.
pub fn decompress(
    frame: &[u8],
    cfg: &CodecConfig<'_>,
    link: LinkAddrs<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let d = decode(frame, cfg, link)?;
    write_ipv6(&d, out)
}

/// Writes a decoded frame as native IPv6 into `out`.
pub fn write_ipv6(d: &Decoded<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let total = IPV6_HEADER_LEN.saturating_add(d.ipv6_payload_len());
    if u16::try_from(d.ipv6_payload_len()).is_err() {
        return Err(Error::Buffer {
            needed: total,
            got: usize::from(u16::MAX),
        });
    }
    if out.len() < total {
        return Err(Error::Buffer {
            needed: total,
            got: out.len(),
        });
    }
    Ok(write_ipv6_prefix(d, out))
}

/// Writes as much of the native IPv6 packet of `d` as fits into `out` (the header first, then
/// the UDP header and payload) and returns the octets written. This is the quote of an ICMPv6
/// error (RFC 4443 §2.4(c)): it holds only octets that were received (RELIABILITY.md B46).
/// Lengths and the UDP checksum are those of the whole packet.
pub fn write_ipv6_prefix(d: &Decoded<'_>, out: &mut [u8]) -> usize {
    let mut head = [0u8; IPV6_HEADER_LEN + nhc::UDP_HEADER_LEN];
    // Payload lengths above 65535 cannot come from one frame; write the field saturated.
    let plen = u16::try_from(d.ipv6_payload_len()).unwrap_or(u16::MAX);
    let [_, f2, f1, f0] = d.ip.flow_label.to_be_bytes();
    let tc = d.ip.traffic_class;
    let mut w = nhc::Writer {
        out: &mut head,
        at: 0,
    };
    w.put(&[0x60 | (tc >> 4), (tc << 4) | (f2 & 0x0F), f1, f0]);
    w.put(&plen.to_be_bytes());
    w.put(&[d.ip.next_header, d.ip.hop_limit]);
    w.put(&d.ip.src.octets());
    w.put(&d.ip.dst.octets());
    if let Some(u) = d.udp {
        // Computed only when it was elided (C=1); a carried checksum is copied.
        let computed = match u.checksum {
            Some(c) => c,
            None => d.udp_checksum().unwrap_or(0),
        };
        w.put(&u.to_header(d.payload.len(), computed));
    }
    let head_len = w.at;
    let n = head_len.saturating_add(d.payload.len()).min(out.len());
    let from_head = n.min(head_len);
    if let (Some(dst), Some(src)) = (out.get_mut(..from_head), head.get(..from_head)) {
        dst.copy_from_slice(src);
    }
    if let (Some(dst), Some(src)) = (
        out.get_mut(from_head..n),
        d.payload.get(..n.saturating_sub(from_head)),
    ) {
        dst.copy_from_slice(src);
    }
    n
}

/// How [`compress`] builds the frame.
#[derive(Debug, Clone, Copy)]
pub struct CompressOptions<'a> {
    /// The PASA domain prefix: destinations inside it get a PASA-6LoRH; others are sent up to
    /// the root in an IP-in-IP 6LoRH with an elided encapsulator (SPEC.md §1.6).
    pub prefix: Prefix64,
    /// Hop limit encoding; PASA frames use [`HopLimitMode::Inline`].
    pub hop_limit: HopLimitMode,
    /// Link-layer addresses (lets link-local addresses be elided).
    pub link: LinkAddrs<'a>,
}

impl CompressOptions<'_> {
    /// PASA frames for `prefix`: inline hop limit, no link-layer addresses.
    pub const fn new(prefix: Prefix64) -> Self {
        Self {
            prefix,
            hop_limit: HopLimitMode::Inline,
            link: LinkAddrs {
                src: None,
                dst: None,
            },
        }
    }
}

/// Compresses the native IPv6 packet `ipv6` into a PASA frame in `out`; returns its length.
/// UDP is NHC-compressed with its checksum kept; any other next header (extension headers
/// included) is carried inline with the payload untouched.
pub fn compress(
    ipv6: &[u8],
    cfg: &CodecConfig<'_>,
    opts: &CompressOptions<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let n = parse_native(ipv6)?;
    compress_parts(&n.ip, n.udp, n.body, cfg, opts, out)
}

/// A native IPv6 packet split the way compression needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Native<'a> {
    /// The IPv6 header fields (`nhc` set when the next header is UDP).
    pub ip: iphc::Repr,
    /// The UDP header, when the next header is UDP.
    pub udp: Option<UdpRepr>,
    /// The octets after the IPv6 header, or after the UDP header for UDP.
    pub body: &'a [u8],
}

/// Splits a native IPv6 packet for [`compress_parts`]: checks the version, the Payload Length
/// against the octets present (extra octets after it are ignored, as link padding) and, for
/// UDP, that UDP Length equals the IPv6 Payload Length (so it can be elided, B61).
pub fn parse_native(ipv6: &[u8]) -> Result<Native<'_>, Error> {
    let v6 = Ipv6View::parse(ipv6)?;
    let udp = if v6.next_header == iphc::NEXT_HEADER_UDP {
        match v6.payload {
            [s1, s0, d1, d0, l1, l0, c1, c0, ..] => {
                let field = u16::from_be_bytes([*l1, *l0]);
                if usize::from(field) != v6.payload.len() {
                    return Err(Error::Ipv6(Ipv6Error::UdpLength {
                        field,
                        ipv6: v6.payload_len,
                    }));
                }
                Some(UdpRepr {
                    src_port: u16::from_be_bytes([*s1, *s0]),
                    dst_port: u16::from_be_bytes([*d1, *d0]),
                    checksum: Some(u16::from_be_bytes([*c1, *c0])),
                })
            }
            _ => {
                return Err(Error::Ipv6(Ipv6Error::PayloadLength {
                    field: v6.payload_len,
                    present: v6.payload.len(),
                }));
            }
        }
    } else {
        None
    };
    let ip = iphc::Repr {
        src: v6.src,
        dst: v6.dst,
        next_header: v6.next_header,
        nhc: udp.is_some(),
        hop_limit: v6.hop_limit,
        traffic_class: v6.traffic_class,
        flow_label: v6.flow_label,
    };
    let body = match udp {
        Some(_) => v6.payload.get(nhc::UDP_HEADER_LEN..).unwrap_or(&[]),
        None => v6.payload,
    };
    Ok(Native { ip, udp, body })
}

/// The exact length [`compress_parts`] would write for these parts, without writing.
pub fn compressed_len(
    repr: &iphc::Repr,
    udp: Option<UdpRepr>,
    body: &[u8],
    cfg: &CodecConfig<'_>,
    opts: &CompressOptions<'_>,
) -> Result<usize, Error> {
    plan_parts(repr, udp, body.len(), cfg, opts).map(|p| p.total)
}

/// [`compress`] from the decoded parts of a packet: the IPv6 header fields, the UDP header
/// (when the next header is UDP and is to be NHC-compressed) and the octets after it. The
/// root uses it to re-route a packet it decoded without rebuilding the native packet first.
pub fn compress_parts(
    repr: &iphc::Repr,
    udp: Option<UdpRepr>,
    body: &[u8],
    cfg: &CodecConfig<'_>,
    opts: &CompressOptions<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let plan = plan_parts(repr, udp, body.len(), cfg, opts)?;
    emit_parts(&plan, repr, udp, body, cfg, out)
}

/// What [`plan_parts`] decided: the routing header, the IPHC encoding and the total length.
/// Small and `Copy`, so a caller can decide first and write later without planning twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramePlan {
    /// The PASA-6LoRH destination, when the destination is inside the prefix.
    pub pasa_dst: Option<PasaAddr>,
    /// Link-scope traffic: page-0 IPHC without page dispatch or 6LoRH.
    pub link_scope: bool,
    /// The IPHC encoding.
    pub iphc: iphc::Plan,
    /// Octets of the whole frame.
    pub total: usize,
}

/// Plans the frame [`compress_parts`] writes for these parts (`body_len` octets after the
/// headers), without writing it.
pub fn plan_parts(
    repr: &iphc::Repr,
    udp: Option<UdpRepr>,
    body_len: usize,
    cfg: &CodecConfig<'_>,
    opts: &CompressOptions<'_>,
) -> Result<FramePlan, Error> {
    // Link-scope traffic (ND, link-local, multicast) stays on the link: page-0 IPHC with no
    // 6LoRH (SPEC.md §9.5 item 26).
    let link_scope = repr.dst.is_multicast() || repr.dst.is_unicast_link_local();
    let pasa_dst = if !link_scope && opts.prefix.contains(repr.dst) {
        PasaAddr::from_ipv6(repr.dst, opts.prefix).ok()
    } else {
        None
    };
    let repr = iphc::Repr {
        nhc: udp.is_some(),
        ..*repr
    };
    let env = Env {
        contexts: Some(cfg.contexts),
        pasa_dst,
        link: opts.link,
    };
    let plan = repr
        .plan(&env, opts.hop_limit)
        .map_err(|err| Error::Iphc { at: 0, err })?;
    let route_len = match (link_scope, pasa_dst) {
        (true, _) => 0,
        (false, Some(da)) => PasaLorhRepr { dst: da }.buffer_len(),
        (false, None) => IpInIpRepr::elided(repr.hop_limit).buffer_len(),
    };
    let total = usize::from(!link_scope)
        .saturating_add(route_len)
        .saturating_add(plan.len)
        .saturating_add(udp.map_or(0, |u| u.buffer_len()))
        .saturating_add(body_len);
    Ok(FramePlan {
        pasa_dst,
        link_scope,
        iphc: plan,
        total,
    })
}

/// Writes the frame `plan` (from [`plan_parts`] of the same parts) into `out`.
pub fn emit_parts(
    plan: &FramePlan,
    repr: &iphc::Repr,
    udp: Option<UdpRepr>,
    body: &[u8],
    cfg: &CodecConfig<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let total = plan.total;
    let got = out.len();
    let buf = out
        .get_mut(..total)
        .ok_or(Error::Buffer { needed: total, got })?;
    let repr = iphc::Repr {
        nhc: udp.is_some(),
        ..*repr
    };
    let rest = if plan.link_scope {
        buf
    } else {
        let Some((first, rest)) = buf.split_first_mut() else {
            return Err(Error::Buffer { needed: total, got });
        };
        *first = PAGE1;
        rest
    };
    let mut at = usize::from(!plan.link_scope);
    let rest = match (plan.link_scope, plan.pasa_dst) {
        (true, _) => rest,
        (false, Some(da)) => {
            let n = PasaLorhRepr { dst: da }
                .emit(rest, cfg.lorh_type)
                .map_err(|err| Error::Lorh { at, err })?;
            at = at.saturating_add(n);
            rest.get_mut(n..).unwrap_or(&mut [])
        }
        (false, None) => {
            let n = IpInIpRepr::elided(repr.hop_limit)
                .emit(rest)
                .map_err(|err| Error::Lorh { at, err })?;
            at = at.saturating_add(n);
            rest.get_mut(n..).unwrap_or(&mut [])
        }
    };
    let n = repr
        .emit_planned(&plan.iphc, rest)
        .map_err(|err| Error::Iphc { at, err })?;
    let rest = rest.get_mut(n..).unwrap_or(&mut []);
    at = at.saturating_add(n);
    let rest = match udp {
        Some(u) => {
            let n = u.emit(rest).map_err(|err| Error::Nhc { at, err })?;
            rest.get_mut(n..).unwrap_or(&mut [])
        }
        None => rest,
    };
    match rest.get_mut(..body.len()) {
        Some(dst) => dst.copy_from_slice(body),
        None => return Err(Error::Buffer { needed: total, got }),
    }
    Ok(total)
}

/// The fields of a native IPv6 header that compression reads.
struct Ipv6View<'a> {
    traffic_class: u8,
    flow_label: u32,
    payload_len: u16,
    next_header: u8,
    hop_limit: u8,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    payload: &'a [u8],
}

impl<'a> Ipv6View<'a> {
    fn parse(b: &'a [u8]) -> Result<Self, Error> {
        let Some((hdr, rest)) = b.split_first_chunk::<IPV6_HEADER_LEN>() else {
            return Err(Error::Ipv6(Ipv6Error::Truncated { got: b.len() }));
        };
        let [v0, v1, v2, v3, l1, l0, nh, hl, addrs @ ..] = hdr;
        if v0 >> 4 != 6 {
            return Err(Error::Ipv6(Ipv6Error::Version(v0 >> 4)));
        }
        let payload_len = u16::from_be_bytes([*l1, *l0]);
        let payload =
            rest.get(..usize::from(payload_len))
                .ok_or(Error::Ipv6(Ipv6Error::PayloadLength {
                    field: payload_len,
                    present: rest.len(),
                }))?;
        let mut src = [0u8; 16];
        let mut dst = [0u8; 16];
        let (s, d) = addrs.split_at(16);
        src.copy_from_slice(s);
        dst.copy_from_slice(d);
        Ok(Self {
            traffic_class: (v0 << 4) | (v1 >> 4),
            flow_label: u32::from_be_bytes([0, v1 & 0x0F, *v2, *v3]),
            payload_len,
            next_header: *nh,
            hop_limit: *hl,
            src: Ipv6Addr::from(src),
            dst: Ipv6Addr::from(dst),
            payload,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::iphc::Context;

    fn ctx() -> Contexts {
        Contexts::new().with(0, Context::new("2001:db8::".parse().unwrap(), 64).unwrap())
    }

    fn hex(s: &str) -> std::vec::Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    extern crate std;

    const SPEC_FRAME: &str = "F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B F3 12 1F 47 50 41 53 41";

    #[test]
    fn header_of_spec_frame() {
        let c = ctx();
        let f = hex(SPEC_FRAME);
        let h = parse_header(&f, &CodecConfig::new(&c)).unwrap();
        assert_eq!(h.pasa_dst, Some("101011".parse().unwrap()));
        assert_eq!(h.iphc_at, 4);
        assert_eq!(h.page, 1);
    }

    #[test]
    fn ipv6_prefix_is_the_start_of_the_whole_packet() {
        let c = ctx();
        let cfg = CodecConfig::new(&c);
        let f = hex(SPEC_FRAME);
        let d = decode(&f, &cfg, LinkAddrs::default()).unwrap();
        let mut full = [0u8; 64];
        let total = write_ipv6(&d, &mut full).unwrap();
        assert_eq!(total, 52);
        for cap in 0..=60 {
            let mut out = [0xFFu8; 60];
            let n = write_ipv6_prefix(&d, &mut out[..cap]);
            assert_eq!(n, cap.min(total));
            assert_eq!(out[..n], full[..n], "cap {cap}");
            assert!(out[n..].iter().all(|&b| b == 0xFF));
        }
        let mut short = [0u8; 51];
        assert_eq!(
            write_ipv6(&d, &mut short),
            Err(Error::Buffer {
                needed: 52,
                got: 51
            })
        );
    }

    #[test]
    fn compress_parts_equals_compress_of_the_native_packet() {
        let c = ctx();
        let cfg = CodecConfig::new(&c);
        let f = hex(SPEC_FRAME);
        let d = decode(&f, &cfg, LinkAddrs::default()).unwrap();
        let mut native = [0u8; 64];
        let n = write_ipv6(&d, &mut native).unwrap();
        let opts = CompressOptions::new(Prefix64::DOC);
        let mut a = [0u8; 64];
        let mut b = [0u8; 64];
        let la = compress(&native[..n], &cfg, &opts, &mut a).unwrap();
        let lb = compress_parts(&d.ip, d.udp, d.payload, &cfg, &opts, &mut b).unwrap();
        assert_eq!(a[..la], b[..lb]);
        assert_eq!(&a[..la], &f[..]);
    }

    #[test]
    fn header_errors_name_the_offset() {
        let c = ctx();
        let cfg = CodecConfig::new(&c);
        assert_eq!(parse_header(&[], &cfg), Err(Error::Empty));
        assert_eq!(parse_header(&[0x00], &cfg), Err(Error::Nalp { at: 0 }));
        assert_eq!(
            parse_header(&[0xF2, 0x7C], &cfg),
            Err(Error::Page { at: 0, page: 2 })
        );
        assert_eq!(
            parse_header(&[0xF1, 0x80, 0x50, 0x2B], &cfg),
            Err(Error::NoIphc { at: 4 })
        );
        assert_eq!(
            parse_header(&[0xF1, 0x80, 0x50, 0x2B, 0x80, 0x50, 0x01, 0x7C], &cfg),
            Err(Error::Duplicate { at: 4 })
        );
        assert_eq!(
            parse_header(&[0xF1, 0x85, 0x00, 0x7C], &cfg),
            Err(Error::UnknownCritical {
                at: 1,
                lorh_type: 0
            })
        );
        assert_eq!(
            parse_header(&[0xF1, 0x80, 0x50], &cfg),
            Err(Error::Lorh {
                at: 1,
                err: lorh::Error::Truncated { needed: 3, got: 2 }
            })
        );
        let mut chain = std::vec![0xF1];
        for _ in 0..50 {
            chain.extend_from_slice(&[0xA0, 0x09]);
        }
        chain.push(0x7C);
        assert_eq!(
            parse_header(&chain, &cfg),
            Err(Error::TooManyLorh { at: 17 })
        );
    }

    #[test]
    fn skips_unknown_electives_and_reads_ip_in_ip() {
        let c = ctx();
        let f = [0xF1, 0xA2, 0x09, 0xAA, 0xBB, 0xA1, 0x06, 0x40, 0x7C];
        let h = parse_header(&f, &CodecConfig::new(&c)).unwrap();
        assert_eq!(h.electives_skipped, 1);
        let ipip = h.ip_in_ip.unwrap();
        assert_eq!((ipip.hop_limit, ipip.encapsulator_len), (0x40, 0));
        assert_eq!(ipip.hop_limit_at(), 7);
        assert_eq!(ipip.repr(&f), Some(IpInIpRepr::elided(0x40)));
        assert_eq!(h.iphc_at, 8);
    }

    #[test]
    fn configured_lorh_type_is_honoured() {
        let c = ctx();
        let mut cfg = CodecConfig::new(&c);
        cfg.lorh_type = 0x21;
        let f = [0xF1, 0x80, 0x21, 0x2B, 0x7C];
        assert_eq!(
            parse_header(&f, &cfg).unwrap().pasa_dst,
            Some("101011".parse().unwrap())
        );
        let f = [0xF1, 0x80, 0x50, 0x2B, 0x7C];
        assert_eq!(
            parse_header(&f, &cfg),
            Err(Error::UnknownCritical {
                at: 1,
                lorh_type: 0x50
            })
        );
    }

    #[test]
    fn compress_refuses_bad_ipv6() {
        let c = ctx();
        let cfg = CodecConfig::new(&c);
        let opts = CompressOptions::new(Prefix64::DOC);
        let mut out = [0u8; 64];
        assert_eq!(
            compress(&[0x60; 10], &cfg, &opts, &mut out),
            Err(Error::Ipv6(Ipv6Error::Truncated { got: 10 }))
        );
        let mut p = [0u8; 40];
        p[0] = 0x40;
        assert_eq!(
            compress(&p, &cfg, &opts, &mut out),
            Err(Error::Ipv6(Ipv6Error::Version(4)))
        );
        p[0] = 0x60;
        p[5] = 4;
        assert_eq!(
            compress(&p, &cfg, &opts, &mut out),
            Err(Error::Ipv6(Ipv6Error::PayloadLength {
                field: 4,
                present: 0
            }))
        );
    }
}
