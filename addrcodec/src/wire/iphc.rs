//! LOWPAN_IPHC (RFC 6282 §3) with compression contexts, and PASA's coalescence of the
//! destination from the PASA-6LoRH (draft-13 §8.3, RFC 8138 §4.3.1).
//!
//! ```text
//!    0                                       1
//!    0   1   2   3   4   5   6   7   8   9   0   1   2   3   4   5
//!  +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
//!  | 0 | 1 | 1 |  TF   |NH | HLIM  |CID|SAC|  SAM  | M |DAC|  DAM  |
//!  +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
//!  then, in order: [SCI|DCI if CID=1] [TF fields] [Next Header if NH=0]
//!                  [Hop Limit if HLIM=00] [source inline] [destination inline]
//! ```
//!
//! With DAC=1 and DAM=11 the destination IID is "derived from the encapsulating header": in a
//! PASA frame that header is the PASA-6LoRH, whose address is written right-aligned into a
//! zero IID and then overlaid with the destination context (context bits win, RFC 6282 §3.1.1).
//! Without a PASA-6LoRH the IID comes from the link-layer destination, as RFC 6282 says.
//! The Payload Length is never carried: it is the rest of the frame.

use core::fmt;
use core::net::Ipv6Addr;

use crate::addr::PasaAddr;
use crate::wire::nhc::Writer;

/// Octets of the base header (without the CID extension).
pub const BASE_LEN: usize = 2;

/// IPv6 next header value of UDP.
pub const NEXT_HEADER_UDP: u8 = 17;

/// Errors of the IPHC layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The buffer ends inside the IPHC header.
    Truncated {
        /// Octets the header needs.
        needed: usize,
        /// Octets present.
        got: usize,
    },
    /// The first octet is not LOWPAN_IPHC (`011xxxxx`).
    NotIphc(u8),
    /// A reserved combination of address mode bits (RFC 6282 §3.1.1).
    Reserved(&'static str),
    /// The header names a context that is not configured (RFC 6282 §3.1.1, B27).
    UnknownContext(u8),
    /// DAC=1 DAM=11 without a PASA-6LoRH to derive the destination from (SPEC.md §9.2 item 14:
    /// a PASA node never derives a routable destination from the link layer).
    NoDestinationSource,
    /// SAM=11 / DAM=11 (stateless) needs a link-layer address that was not supplied, or the one
    /// supplied is not 2, 6 or 8 octets.
    LinkAddress(&'static str),
    /// NH=1 with an NHC this codec does not decode (only UDP is implemented): the octet found.
    UnsupportedNhc(u8),
    /// NH=1 but nothing follows the header.
    MissingNhc,
    /// Compression was asked to elide the destination into a PASA-6LoRH but no context
    /// rebuilds it from the PASA address.
    NoPasaContext,
    /// A multicast destination cannot travel in a PASA-6LoRH (it names one node).
    MulticastPasa,
    /// A flow label wider than the 20 bits of the IPv6 field.
    FlowLabel(u32),
    /// The value given to a context constructor is longer than 128 bits (B58).
    ContextLength(u8),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, got } => {
                write!(f, "IPHC truncated: needs {needed} octets, {got} present")
            }
            Self::NotIphc(b) => write!(f, "octet {b:#04x} is not LOWPAN_IPHC (011xxxxx)"),
            Self::Reserved(what) => write!(f, "IPHC reserved combination: {what}"),
            Self::UnknownContext(id) => write!(f, "IPHC context {id} is not configured"),
            Self::NoDestinationSource => {
                f.write_str("IPHC DAC=1 DAM=11 but no PASA-6LoRH to rebuild the destination from")
            }
            Self::LinkAddress(which) => {
                write!(
                    f,
                    "IPHC needs the link-layer {which} address (2, 6 or 8 octets)"
                )
            }
            Self::UnsupportedNhc(b) => write!(f, "NHC octet {b:#04x} is not supported (UDP only)"),
            Self::MissingNhc => f.write_str("IPHC NH=1 but no NHC octet follows"),
            Self::NoPasaContext => {
                f.write_str("no context rebuilds the destination from its PASA address")
            }
            Self::ContextLength(l) => write!(f, "context length {l} exceeds 128 bits"),
            Self::MulticastPasa => {
                f.write_str("a multicast destination cannot be carried in a PASA-6LoRH")
            }
            Self::FlowLabel(v) => write!(f, "flow label {v:#x} does not fit in 20 bits"),
        }
    }
}

impl core::error::Error for Error {}

/// A compression context (RFC 6282 §3.1.1): a prefix of 0 to 128 bits. The prefix and its
/// mask are kept as `u128` so that applying a context is one and-or.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    prefix: u128,
    mask: u128,
    len_bits: u8,
}

impl Context {
    /// A context of `len_bits` (0..=128) bits of `prefix`; bits past the length are cleared.
    pub const fn new(prefix: Ipv6Addr, len_bits: u8) -> Result<Self, Error> {
        if len_bits > 128 {
            return Err(Error::ContextLength(len_bits));
        }
        // len_bits <= 128: a shift of 128 is refused by checked_shl and gives the empty mask.
        let mask = match u128::MAX.checked_shl(128u32.wrapping_sub(len_bits as u32)) {
            Some(m) => m,
            None => 0,
        };
        Ok(Self {
            prefix: prefix.to_bits() & mask,
            mask,
            len_bits,
        })
    }

    /// The prefix length in bits.
    pub const fn len_bits(&self) -> u8 {
        self.len_bits
    }

    /// The prefix (bits past the length are zero).
    pub const fn prefix(&self) -> Ipv6Addr {
        Ipv6Addr::from_bits(self.prefix)
    }

    /// `addr` with the context bits written over its first `len_bits` bits ("context bits
    /// win", RFC 6282 §3.1.1).
    #[inline]
    pub const fn apply(&self, addr: u128) -> u128 {
        (addr & !self.mask) | self.prefix
    }
}

/// The 16 context slots a node knows (RFC 6282 CIDs 0..=15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Contexts {
    slots: [Option<Context>; 16],
    /// Bit `i` set when slot `i` holds a context: the search for an encoding visits only
    /// these (most nodes have one or two contexts, and a slot is 48 octets).
    used: u16,
}

impl Contexts {
    /// No contexts.
    pub const fn new() -> Self {
        Self {
            slots: [None; 16],
            used: 0,
        }
    }

    /// Sets context `id` (only the low 4 bits of `id` are used).
    pub fn set(&mut self, id: u8, ctx: Context) {
        let id = id & 0x0F;
        if let Some(s) = self.slots.get_mut(usize::from(id)) {
            *s = Some(ctx);
            self.used |= 1u16 << id;
        }
    }

    /// Builder form of [`Contexts::set`].
    pub fn with(mut self, id: u8, ctx: Context) -> Self {
        self.set(id, ctx);
        self
    }

    /// Context `id`, if configured.
    pub fn get(&self, id: u8) -> Option<&Context> {
        self.slots.get(usize::from(id)).and_then(Option::as_ref)
    }

    /// The configured contexts with their ids, lowest id first.
    pub fn iter(&self) -> impl Iterator<Item = (u8, &Context)> {
        let mut left = self.used;
        core::iter::from_fn(move || {
            while left != 0 {
                // trailing_zeros of a non-zero u16 is 0..=15.
                let i = left.trailing_zeros() as u8;
                left &= left.wrapping_sub(1);
                if let Some(Some(c)) = self.slots.get(usize::from(i)) {
                    return Some((i, c));
                }
            }
            None
        })
    }
}

/// Link-layer addresses of the frame, for the stateless and SAM/DAM=11 modes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkAddrs<'a> {
    /// Link-layer source address (2, 6 or 8 octets).
    pub src: Option<&'a [u8]>,
    /// Link-layer destination address (2, 6 or 8 octets).
    pub dst: Option<&'a [u8]>,
}

/// The IID an address derives from a link-layer address (RFC 4944 §6, RFC 2464 §4, RFC 6282
/// §3.2.2): EUI-64 with the U/L bit flipped, EUI-48 with FFFE inserted, or a 16-bit short
/// address as `0000:00ff:fe00:XXXX`.
pub fn iid_from_link(ll: &[u8]) -> Option<[u8; 8]> {
    match *ll {
        [a, b] => Some([0, 0, 0, 0xFF, 0xFE, 0, a, b]),
        [a, b, c, d, e, f] => Some([a ^ 0x02, b, c, 0xFF, 0xFE, d, e, f]),
        [a, b, c, d, e, f, g, h] => Some([a ^ 0x02, b, c, d, e, f, g, h]),
        _ => None,
    }
}

/// How the encoder writes the hop limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HopLimitMode {
    /// Always inline (HLIM=00), so forwarders decrement it in place (SPEC.md §9.2 item 12).
    #[default]
    Inline,
    /// HLIM=01/10/11 for 1, 64 and 255, inline otherwise.
    Compact,
}

/// Byte offsets of an IPHC header's fields, computed once from the first octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    // Offsets and lengths are below 42 (the longest IPHC header), so u8 holds them and the
    // layout stays small enough to return in registers.
    tf: u8,
    tf_len: u8,
    nh: Option<u8>,
    hop_limit: Option<u8>,
    src: u8,
    src_len: u8,
    dst: u8,
    dst_len: u8,
    /// Octets of the whole IPHC header.
    pub header_len: usize,
}

impl Layout {
    /// Offset of the inline Hop Limit octet, when HLIM=00.
    pub const fn hop_limit_offset(&self) -> Option<usize> {
        match self.hop_limit {
            Some(o) => Some(o as usize),
            None => None,
        }
    }

    /// Offset and length of the inline source address octets.
    pub const fn src_range(&self) -> (usize, usize) {
        (self.src as usize, self.src_len as usize)
    }

    /// Offset where an inline Hop Limit octet goes when a compressed one (HLIM=01/10/11) is
    /// re-encoded inline: just before the source address (RFC 6282 §3.1.1 field order).
    pub const fn hop_limit_insert_offset(&self) -> usize {
        self.src as usize
    }
}

/// A view of a LOWPAN_IPHC header at the start of a buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer and checks it with [`Packet::check_len`].
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the dispatch, rejects reserved address modes and checks that every inline field
    /// is present.
    pub fn check_len(&self) -> Result<(), Error> {
        self.layout().map(|_| ())
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn octet(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    /// TF: traffic class and flow label compression (0..=3).
    pub fn tf(&self) -> u8 {
        (self.octet(0) >> 3) & 0x03
    }
    /// NH: next header compressed with NHC.
    pub fn nh(&self) -> bool {
        self.octet(0) & 0x04 != 0
    }
    /// HLIM: hop limit compression (0..=3).
    pub fn hlim(&self) -> u8 {
        self.octet(0) & 0x03
    }
    /// CID: the context identifier extension octet is present.
    pub fn cid(&self) -> bool {
        self.octet(1) & 0x80 != 0
    }
    /// SAC: stateful source compression.
    pub fn sac(&self) -> bool {
        self.octet(1) & 0x40 != 0
    }
    /// SAM: source address mode (0..=3).
    pub fn sam(&self) -> u8 {
        (self.octet(1) >> 4) & 0x03
    }
    /// M: multicast destination.
    pub fn m(&self) -> bool {
        self.octet(1) & 0x08 != 0
    }
    /// DAC: stateful destination compression.
    pub fn dac(&self) -> bool {
        self.octet(1) & 0x04 != 0
    }
    /// DAM: destination address mode (0..=3).
    pub fn dam(&self) -> u8 {
        self.octet(1) & 0x03
    }
    /// SCI: source context id (0 without the CID octet).
    pub fn sci(&self) -> u8 {
        if self.cid() { self.octet(2) >> 4 } else { 0 }
    }
    /// DCI: destination context id (0 without the CID octet).
    pub fn dci(&self) -> u8 {
        if self.cid() { self.octet(2) & 0x0F } else { 0 }
    }

    /// Computes the offsets of every inline field, checking the length and reserved modes.
    // Inlined into `Repr::parse` (the forwarding/delivery path), where the layout then lives
    // in registers instead of being returned through memory.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    pub fn layout(&self) -> Result<Layout, Error> {
        let b = self.buffer.as_ref();
        let Some(&first) = b.first() else {
            return Err(Error::Truncated {
                needed: BASE_LEN,
                got: 0,
            });
        };
        if first & 0xE0 != 0x60 {
            return Err(Error::NotIphc(first));
        }
        if b.len() < BASE_LEN {
            return Err(Error::Truncated {
                needed: BASE_LEN,
                got: b.len(),
            });
        }
        // Every length below is a small constant: the sums stay under 64 and cannot wrap.
        // Inline octets per field value, from RFC 6282 §3.1.1; RESERVED marks the reserved
        // destination modes.
        const TF_LEN: [usize; 4] = [4, 3, 1, 0];
        // Index: SAC << 2 | SAM.
        const SRC_LEN: [usize; 8] = [16, 8, 2, 0, 0, 8, 2, 0];
        const RESERVED: usize = usize::MAX;
        // Index: M << 3 | DAC << 2 | DAM.
        const DST_LEN: [usize; 16] = [
            16, 8, 2, 0, RESERVED, 8, 2, 0, 16, 6, 4, 1, 6, RESERVED, RESERVED, RESERVED,
        ];
        let b1 = self.octet(1);
        let mut at = BASE_LEN.wrapping_add(usize::from(self.cid()));
        let tf = at;
        let tf_len = TF_LEN.get(usize::from(self.tf())).copied().unwrap_or(0);
        at = at.wrapping_add(tf_len);
        let nh = if self.nh() {
            None
        } else {
            at = at.wrapping_add(1);
            Some(at.wrapping_sub(1))
        };
        let hop_limit = if self.hlim() == 0 {
            at = at.wrapping_add(1);
            Some(at.wrapping_sub(1))
        } else {
            None
        };
        let src_len = SRC_LEN
            .get(usize::from((b1 >> 4) & 0x07))
            .copied()
            .unwrap_or(0);
        let src = at;
        at = at.wrapping_add(src_len);
        let dst_len = DST_LEN
            .get(usize::from(b1 & 0x0F))
            .copied()
            .unwrap_or(RESERVED);
        if dst_len == RESERVED {
            return Err(Error::Reserved(if self.m() {
                "M=1 DAC=1 DAM!=00"
            } else {
                "M=0 DAC=1 DAM=00"
            }));
        }
        let dst = at;
        at = at.wrapping_add(dst_len);
        if b.len() < at {
            return Err(Error::Truncated {
                needed: at,
                got: b.len(),
            });
        }
        // Every value is at most 41: the casts are exact.
        Ok(Layout {
            tf: tf as u8,
            tf_len: tf_len as u8,
            nh: nh.map(|o| o as u8),
            hop_limit: hop_limit.map(|o| o as u8),
            src: src as u8,
            src_len: src_len as u8,
            dst: dst as u8,
            dst_len: dst_len as u8,
            header_len: at,
        })
    }

    /// The octets after the IPHC header (NHC header or payload).
    pub fn payload(&self) -> &[u8] {
        match self.layout() {
            Ok(l) => self.buffer.as_ref().get(l.header_len..).unwrap_or(&[]),
            Err(_) => &[],
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Rewrites an inline Hop Limit in place; returns false when the hop limit is not inline
    /// (HLIM != 00) or the header is invalid.
    pub fn set_hop_limit(&mut self, hl: u8) -> bool {
        let Ok(Layout {
            hop_limit: Some(at),
            ..
        }) = self.layout()
        else {
            return false;
        };
        match self.buffer.as_mut().get_mut(usize::from(at)) {
            Some(b) => {
                *b = hl;
                true
            }
            None => false,
        }
    }
}

/// A decoded IPHC header: the IPv6 header fields it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// The IPv6 Next Header value (17 for NHC UDP).
    pub next_header: u8,
    /// True if the next header is NHC-compressed (NH=1).
    pub nhc: bool,
    /// Hop Limit.
    pub hop_limit: u8,
    /// Traffic Class in IPv6 order (DSCP << 2 | ECN).
    pub traffic_class: u8,
    /// Flow Label (20 bits).
    pub flow_label: u32,
}

/// Inputs that come from outside the IPHC header.
#[derive(Debug, Clone, Copy, Default)]
pub struct Env<'a> {
    /// The compression contexts.
    pub contexts: Option<&'a Contexts>,
    /// The PASA-6LoRH destination, which the header coalesces with DAC=1 DAM=11.
    pub pasa_dst: Option<PasaAddr>,
    /// Link-layer addresses.
    pub link: LinkAddrs<'a>,
}

impl Env<'_> {
    fn context(&self, id: u8) -> Result<&Context, Error> {
        self.contexts
            .and_then(|c| c.get(id))
            .ok_or(Error::UnknownContext(id))
    }
}

/// fe80::/64 as the high bits of a `u128`.
const LINK_LOCAL: u128 = 0xFE80 << 112;

/// The IID of `0000:00ff:fe00:XXXX` (RFC 6282 16-bit modes).
const SHORT_IID: u128 = 0x0000_00FF_FE00_0000;

/// Rebuilds a unicast address from its mode (shared by source and the unicast destination).
#[cfg_attr(not(target_os = "none"), inline(always))]
fn unicast(
    stateful: bool,
    mode: u8,
    ctx: Option<&Context>,
    inline: &[u8],
    ll: Option<&[u8]>,
    which: &'static str,
) -> Result<u128, Error> {
    // The layout gave each mode its exact length: 16, 8 and 2 octets.
    let iid = match mode {
        0 => return Ok(<[u8; 16]>::try_from(inline).map_or(0, u128::from_be_bytes)),
        1 => <[u8; 8]>::try_from(inline).map_or(0, |a| u128::from(u64::from_be_bytes(a))),
        2 => {
            SHORT_IID | <[u8; 2]>::try_from(inline).map_or(0, |a| u128::from(u16::from_be_bytes(a)))
        }
        _ => ll
            .and_then(iid_from_link)
            .map(|i| u128::from(u64::from_be_bytes(i)))
            .ok_or(Error::LinkAddress(which))?,
    };
    if !stateful {
        return Ok(LINK_LOCAL | iid);
    }
    Ok(match ctx {
        Some(c) => c.apply(iid),
        None => iid,
    })
}

/// Rebuilds only the source address of `p` (whose layout is `l`): the forwarder's source
/// check needs nothing else, and this costs a fraction of [`Repr::parse_at`].
#[cfg_attr(not(target_os = "none"), inline(always))]
pub fn source_at<T: AsRef<[u8]>>(
    p: &Packet<T>,
    env: &Env<'_>,
    l: &Layout,
) -> Result<Ipv6Addr, Error> {
    let b = p.buffer.as_ref();
    let b1 = b.get(1).copied().unwrap_or(0);
    let (sac, sam) = (b1 & 0x40 != 0, (b1 >> 4) & 0x03);
    if sac && sam == 0 {
        return Ok(Ipv6Addr::UNSPECIFIED);
    }
    let sctx = if sac {
        let cie = if b1 & 0x80 != 0 {
            b.get(2).copied().unwrap_or(0)
        } else {
            0
        };
        Some(env.context(cie >> 4)?)
    } else {
        None
    };
    let at = usize::from(l.src);
    let inline = b
        .get(at..at.wrapping_add(usize::from(l.src_len)))
        .unwrap_or(&[]);
    unicast(sac, sam, sctx, inline, env.link.src, "source").map(Ipv6Addr::from_bits)
}

impl Repr {
    /// Decodes a header. `env` supplies the contexts, the PASA-6LoRH destination and the
    /// link-layer addresses; a field that needs one of them and does not get it is an error.
    #[inline]
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>, env: &Env<'_>) -> Result<Self, Error> {
        let l = p.layout()?;
        Self::parse_at(p, env, &l)
    }

    /// [`Repr::parse`] with the field offsets already computed by [`Packet::layout`] (so a
    /// caller that needs them too, such as [`crate::frame::decode`], computes them once).
    /// `l` must be the layout of `p`.
    ///
    /// The value is built in place as the function's result: returning it through a tuple or
    /// a `map` made a copy whose 16-octet loads stalled on the 8-octet stores of the addresses
    /// (a store-forwarding stall that doubled the decode time).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    pub fn parse_at<T: AsRef<[u8]>>(
        p: &Packet<T>,
        env: &Env<'_>,
        l: &Layout,
    ) -> Result<Self, Error> {
        let b = p.buffer.as_ref();
        // The layout has checked every offset below against the buffer, so the reads cannot
        // fail; they still go through `get` and fall back to zero.
        let at = |o: u8| b.get(usize::from(o)).copied().unwrap_or(0);
        let (b0, b1) = (at(0), at(1));
        let cie = if b1 & 0x80 != 0 { at(2) } else { 0 };
        let (tf, nh_compressed, hlim) = ((b0 >> 3) & 0x03, b0 & 0x04 != 0, b0 & 0x03);
        let (sac, sam, m, dac, dam) = (
            b1 & 0x40 != 0,
            (b1 >> 4) & 0x03,
            b1 & 0x08 != 0,
            b1 & 0x04 != 0,
            b1 & 0x03,
        );
        // IPHC orders ECN before DSCP; IPv6 puts DSCP first.
        let (traffic_class, flow_label) = if tf == 3 {
            (0, 0)
        } else {
            let o = |i: u8| at(l.tf.wrapping_add(i));
            let fl = |a: u8, b: u8, c: u8| {
                (u32::from(a & 0x0F) << 16) | (u32::from(b) << 8) | u32::from(c)
            };
            match tf {
                0 => (o(0).rotate_left(2), fl(o(1), o(2), o(3))),
                // TF=01 carries ECN alone, in the top two bits.
                1 => (o(0) >> 6, fl(o(0), o(1), o(2))),
                _ => (o(0).rotate_left(2), 0),
            }
        };
        let nhc = nh_compressed;
        let next_header = match l.nh {
            Some(o) => at(o),
            None => match b.get(l.header_len) {
                Some(x) if x & 0xF8 == 0xF0 => NEXT_HEADER_UDP,
                Some(x) => return Err(Error::UnsupportedNhc(*x)),
                None => return Err(Error::MissingNhc),
            },
        };
        let hop_limit = match (hlim, l.hop_limit) {
            (0, Some(o)) => at(o),
            (1, _) => 1,
            (2, _) => 64,
            _ => 255,
        };
        let field = |o: u8, len: u8| {
            b.get(usize::from(o)..usize::from(o).wrapping_add(usize::from(len)))
                .unwrap_or(&[])
        };
        let src = if sac && sam == 0 {
            0
        } else {
            let sctx = if sac {
                Some(env.context(cie >> 4)?)
            } else {
                None
            };
            unicast(
                sac,
                sam,
                sctx,
                field(l.src, l.src_len),
                env.link.src,
                "source",
            )?
        };
        let dinline = field(l.dst, l.dst_len);
        let dci = cie & 0x0F;
        let dst = if m {
            u128::from_be_bytes(multicast(dac, dam, dinline, || env.context(dci))?)
        } else if dac && dam == 3 {
            // Never from the link layer: in a PASA domain that would invent a routable
            // destination (SPEC.md §9.2 item 14). The PASA address is the IID's value
            // (draft-13 §6.3).
            let da = env.pasa_dst.ok_or(Error::NoDestinationSource)?;
            env.context(dci)?.apply(u128::from(da.value()))
        } else {
            let dctx = if dac { Some(env.context(dci)?) } else { None };
            unicast(dac, dam, dctx, dinline, env.link.dst, "destination")?
        };
        Ok(Self {
            src: Ipv6Addr::from_bits(src),
            dst: Ipv6Addr::from_bits(dst),
            next_header,
            nhc,
            hop_limit,
            traffic_class,
            flow_label,
        })
    }

    /// Chooses the shortest encoding for these fields and the given environment.
    ///
    /// `env.pasa_dst` set means the destination's IID travels in a PASA-6LoRH: the destination
    /// is then elided (DAC=1 DAM=11) with the lowest context that rebuilds it.
    pub fn plan(&self, env: &Env<'_>, hop_limit: HopLimitMode) -> Result<Plan, Error> {
        if self.flow_label > 0x000F_FFFF {
            return Err(Error::FlowLabel(self.flow_label));
        }
        if env.pasa_dst.is_some() && self.dst.is_multicast() {
            return Err(Error::MulticastPasa);
        }
        let src = best_source(&self.src, env);
        let dst = if let Some(da) = env.pasa_dst {
            let ctxs = env.contexts.ok_or(Error::NoPasaContext)?;
            let id = ctxs
                .iter()
                .find(|(_, c)| c.apply(u128::from(da.value())) == self.dst.to_bits())
                .map(|(id, _)| id)
                .ok_or(Error::NoPasaContext)?;
            Best::pair(AddrMode {
                ctx: Some(id),
                mode: 3,
                len: 0,
            })
        } else if self.dst.is_multicast() {
            best_multicast(&self.dst, env)
        } else {
            best_unicast(&self.dst, env, env.link.dst, Role::Destination)
        };
        // Pick the pair with the fewest octets, counting the CID octet when a context id
        // other than 0 is used.
        let cost = |s: &AddrMode, d: &AddrMode| {
            let cid = s.ctx.unwrap_or(0) != 0 || d.ctx.unwrap_or(0) != 0;
            s.len.saturating_add(d.len).saturating_add(u8::from(cid))
        };
        let mut best = (src.zero, dst.zero);
        for cand in [(src.zero, dst.any), (src.any, dst.zero), (src.any, dst.any)] {
            if cost(&cand.0, &cand.1) < cost(&best.0, &best.1) {
                best = cand;
            }
        }
        let (s, d) = best;
        let tf = if self.flow_label == 0 && self.traffic_class == 0 {
            3
        } else if self.flow_label == 0 {
            2
        } else if self.traffic_class >> 2 == 0 {
            1
        } else {
            0
        };
        let hlim = match (hop_limit, self.hop_limit) {
            (HopLimitMode::Compact, 1) => 1,
            (HopLimitMode::Compact, 64) => 2,
            (HopLimitMode::Compact, 255) => 3,
            _ => 0,
        };
        let cid = s.ctx.unwrap_or(0) != 0 || d.ctx.unwrap_or(0) != 0;
        let len = [
            BASE_LEN,
            usize::from(cid),
            [4, 3, 1, 0].get(usize::from(tf)).copied().unwrap_or(0),
            usize::from(!self.nhc),
            usize::from(hlim == 0),
            usize::from(s.len),
            usize::from(d.len),
        ]
        .iter()
        .fold(0usize, |a, b| a.saturating_add(*b));
        Ok(Plan {
            tf,
            hlim,
            src: s,
            dst: d,
            multicast: self.dst.is_multicast(),
            cid,
            len,
        })
    }

    /// Octets of the encoding [`Repr::plan`] chooses.
    pub fn buffer_len(&self, env: &Env<'_>, hop_limit: HopLimitMode) -> Result<usize, Error> {
        self.plan(env, hop_limit).map(|p| p.len)
    }

    /// Writes the shortest encoding into the start of `buf`; returns its length.
    pub fn emit(
        &self,
        buf: &mut [u8],
        env: &Env<'_>,
        hop_limit: HopLimitMode,
    ) -> Result<usize, Error> {
        let plan = self.plan(env, hop_limit)?;
        self.emit_planned(&plan, buf)
    }

    /// Writes the encoding `plan` (from [`Repr::plan`] of this value) into the start of `buf`;
    /// returns its length. Lets a caller that needed the length first plan only once.
    pub fn emit_planned(&self, plan: &Plan, buf: &mut [u8]) -> Result<usize, Error> {
        let got = buf.len();
        let out = buf.get_mut(..plan.len).ok_or(Error::Truncated {
            needed: plan.len,
            got,
        })?;
        let sac = plan.src.ctx.is_some();
        let dac = plan.dst.ctx.is_some();
        let b0 = 0x60 | (plan.tf << 3) | (u8::from(self.nhc) << 2) | plan.hlim;
        let b1 = (u8::from(plan.cid) << 7)
            | (u8::from(sac) << 6)
            | (plan.src.mode << 4)
            | (u8::from(plan.multicast) << 3)
            | (u8::from(dac) << 2)
            | plan.dst.mode;
        let mut w = Writer { out, at: 0 };
        w.put(&[b0, b1]);
        if plan.cid {
            let sci = plan.src.ctx.unwrap_or(0) & 0x0F;
            let dci = plan.dst.ctx.unwrap_or(0) & 0x0F;
            w.put(&[(sci << 4) | dci]);
        }
        let ecn_dscp = self.traffic_class.rotate_right(2);
        let fl = self.flow_label.to_be_bytes();
        let [_, f2, f1, f0] = fl;
        match plan.tf {
            0 => w.put(&[ecn_dscp, f2 & 0x0F, f1, f0]),
            1 => w.put(&[(ecn_dscp & 0xC0) | (f2 & 0x0F), f1, f0]),
            2 => w.put(&[ecn_dscp]),
            _ => {}
        }
        if !self.nhc {
            w.put(&[self.next_header]);
        }
        if plan.hlim == 0 {
            w.put(&[self.hop_limit]);
        }
        let s = self.src.octets();
        w.put(
            s.get(16usize.saturating_sub(usize::from(plan.src.len))..)
                .unwrap_or(&[]),
        );
        let d = self.dst.octets();
        if plan.multicast {
            w.put(&multicast_inline(&d, plan.dst.ctx.is_some(), plan.dst.mode));
        } else {
            w.put(
                d.get(16usize.saturating_sub(usize::from(plan.dst.len))..)
                    .unwrap_or(&[]),
            );
        }
        Ok(plan.len)
    }
}

/// The inline octets of a multicast destination for a chosen mode.
fn multicast_inline(d: &[u8; 16], dac: bool, mode: u8) -> MulticastInline {
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let mut m = MulticastInline {
        bytes: [0; 16],
        len: 0,
    };
    let src: &[u8] = match (dac, mode) {
        (true, _) => &[g(1), g(2), g(12), g(13), g(14), g(15)],
        (false, 0) => d,
        (false, 1) => &[g(1), g(11), g(12), g(13), g(14), g(15)],
        (false, 2) => &[g(1), g(13), g(14), g(15)],
        _ => &[g(15)],
    };
    if let Some(dst) = m.bytes.get_mut(..src.len()) {
        dst.copy_from_slice(src);
        m.len = src.len();
    }
    m
}

struct MulticastInline {
    bytes: [u8; 16],
    len: usize,
}

impl core::ops::Deref for MulticastInline {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

fn multicast<'a>(
    dac: bool,
    mode: u8,
    inline: &[u8],
    ctx: impl FnOnce() -> Result<&'a Context, Error>,
) -> Result<[u8; 16], Error> {
    let g = |i: usize| inline.get(i).copied().unwrap_or(0);
    let mut a = [0u8; 16];
    match (dac, mode) {
        (true, _) => {
            // RFC 6282 §3.1.1 / RFC 3306: ffXX:XXLL:PPPP:PPPP:PPPP:PPPP:XXXX:XXXX, the
            // prefix and its length from the context (at most 64 bits of it).
            let c = ctx()?;
            let pb = c.prefix.to_be_bytes();
            let p = pb.get(..8).unwrap_or(&[]);
            a = [
                0xFF,
                g(0),
                g(1),
                c.len_bits.min(64),
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                g(2),
                g(3),
                g(4),
                g(5),
            ];
            if let Some(dst) = a.get_mut(4..12)
                && p.len() == 8
            {
                dst.copy_from_slice(p);
            }
        }
        (false, 0) => a = <[u8; 16]>::try_from(inline).unwrap_or([0; 16]),
        (false, 1) => {
            a = [
                0xFF,
                g(0),
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                g(1),
                g(2),
                g(3),
                g(4),
                g(5),
            ]
        }
        (false, 2) => {
            a = [
                0xFF,
                g(0),
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                g(1),
                g(2),
                g(3),
            ]
        }
        _ => {
            a[0] = 0xFF;
            a[1] = 0x02;
            a[15] = g(0);
        }
    }
    Ok(a)
}

/// One candidate encoding of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrMode {
    /// Context id for SAC/DAC=1, `None` for stateless.
    pub ctx: Option<u8>,
    /// SAM/DAM value.
    pub mode: u8,
    /// Inline octets (at most 16; a byte keeps the plan small, see [`Plan`]).
    pub len: u8,
}

/// The encoding [`Repr::plan`] chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// TF value.
    pub tf: u8,
    /// HLIM value.
    pub hlim: u8,
    /// Source encoding.
    pub src: AddrMode,
    /// Destination encoding.
    pub dst: AddrMode,
    /// M bit.
    pub multicast: bool,
    /// CID octet present.
    pub cid: bool,
    /// Total octets.
    pub len: usize,
}

/// Best candidate using no context or context 0 (`zero`), and best overall (`any`).
struct Best {
    zero: AddrMode,
    any: AddrMode,
}

impl Best {
    fn pair(m: AddrMode) -> Self {
        Self { zero: m, any: m }
    }

    fn offer(&mut self, m: AddrMode) {
        if m.ctx.unwrap_or(0) == 0 && m.len < self.zero.len {
            self.zero = m;
        }
        if m.len < self.any.len {
            self.any = m;
        }
    }
}

fn best_source(a: &Ipv6Addr, env: &Env<'_>) -> Best {
    if a.is_unspecified() {
        return Best::pair(AddrMode {
            ctx: Some(0),
            mode: 0,
            len: 0,
        });
    }
    best_unicast(a, env, env.link.src, Role::Source)
}

/// Which address an encoding is for: a destination with DAC=1 DAM=11 is rebuilt from the
/// PASA-6LoRH only, never from the link layer (SPEC.md §9.2 item 14), so that form is not
/// offered for destinations here.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Source,
    Destination,
}

fn best_unicast(a: &Ipv6Addr, env: &Env<'_>, ll: Option<&[u8]>, role: Role) -> Best {
    let o = a.octets();
    let bits = a.to_bits();
    let mut best = Best::pair(AddrMode {
        ctx: None,
        mode: 0,
        len: 16,
    });
    // Modes from the shortest; each candidate is accepted only if decoding it gives `a` back.
    // Two filters keep the search short without changing its result: stateless modes only
    // ever rebuild fe80::/64 addresses, and a context can only rebuild addresses whose first
    // bits it covers (its `apply` leaves them unchanged).
    const MODES: [(u8, u8); 3] = [(3, 0), (2, 2), (1, 8)];
    if bits & (u128::MAX << 64) == LINK_LOCAL {
        for (mode, len) in MODES {
            let inline = o
                .get(16usize.wrapping_sub(usize::from(len))..)
                .unwrap_or(&[]);
            if unicast(false, mode, None, inline, ll, "").ok() == Some(bits) {
                best.offer(AddrMode {
                    ctx: None,
                    mode,
                    len,
                });
            }
        }
    }
    // For one mode, contexts are tried in id order either way, so the tie-breaking of the
    // search (the first of equal length wins) is unchanged by trying each context once.
    for (id, c) in env.contexts.iter().flat_map(|c| c.iter()) {
        if c.apply(bits) != bits {
            continue;
        }
        for (mode, len) in MODES {
            if mode == 3 && role == Role::Destination {
                continue;
            }
            let inline = o
                .get(16usize.wrapping_sub(usize::from(len))..)
                .unwrap_or(&[]);
            if unicast(true, mode, Some(c), inline, ll, "").ok() == Some(bits) {
                best.offer(AddrMode {
                    ctx: Some(id),
                    mode,
                    len,
                });
            }
        }
    }
    best
}

fn best_multicast(a: &Ipv6Addr, env: &Env<'_>) -> Best {
    let o = a.octets();
    let mut best = Best::pair(AddrMode {
        ctx: None,
        mode: 0,
        len: 16,
    });
    for (mode, len) in [(3u8, 1u8), (2, 4), (1, 6)] {
        let inline = multicast_inline(&o, false, mode);
        if multicast(false, mode, &inline, || Err(Error::NoPasaContext)).ok() == Some(o) {
            best.offer(AddrMode {
                ctx: None,
                mode,
                len,
            });
        }
    }
    let inline = multicast_inline(&o, true, 0);
    for (id, c) in env.contexts.iter().flat_map(|c| c.iter()) {
        if multicast(true, 0, &inline, || Ok(c)).ok() == Some(o) {
            best.offer(AddrMode {
                ctx: Some(id),
                mode: 0,
                len: 6,
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn ctx64() -> Contexts {
        Contexts::new().with(0, Context::new(ip("2001:db8::"), 64).unwrap())
    }

    fn ctx64_112() -> Contexts {
        ctx64().with(1, Context::new(ip("2001:db8::"), 112).unwrap())
    }

    // SPEC.md §8.4 frame, IPHC part: `7C 57 40 <8-octet source IID>`.
    static BYTES_IPHC_SAM01: [u8; 11] = [0x7C, 0x57, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x0B];
    // SPEC.md §8.4 variant with context 1 = /112: `7C E7 10 40 00 0B`.
    static BYTES_IPHC_SAM10: [u8; 6] = [0x7C, 0xE7, 0x10, 0x40, 0x00, 0x0B];

    fn repr_spec() -> Repr {
        Repr {
            src: ip("2001:db8::b"),
            dst: ip("2001:db8::2b"),
            next_header: 17,
            nhc: true,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        }
    }

    fn with_nhc(b: &[u8]) -> std::vec::Vec<u8> {
        let mut v = b.to_vec();
        v.push(0xF3);
        v
    }

    extern crate std;

    #[test]
    fn decodes_spec_frame_with_pasa_coalescence() {
        let c = ctx64();
        let env = Env {
            contexts: Some(&c),
            pasa_dst: Some("101011".parse().unwrap()),
            link: LinkAddrs::default(),
        };
        let buf = with_nhc(&BYTES_IPHC_SAM01);
        let p = Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.layout().unwrap().header_len, 11);
        assert_eq!(p.layout().unwrap().hop_limit_offset(), Some(2));
        assert_eq!(Repr::parse(&p, &env).unwrap(), repr_spec());
    }

    #[test]
    fn encodes_spec_frame_minimally_for_each_context_set() {
        for (ctxs, want) in [
            (ctx64(), &BYTES_IPHC_SAM01[..]),
            (ctx64_112(), &BYTES_IPHC_SAM10[..]),
        ] {
            let env = Env {
                contexts: Some(&ctxs),
                pasa_dst: Some("101011".parse().unwrap()),
                link: LinkAddrs::default(),
            };
            let mut buf = [0xFFu8; 20];
            let n = repr_spec()
                .emit(&mut buf, &env, HopLimitMode::Inline)
                .unwrap();
            assert_eq!(&buf[..n], want);
            assert!(buf[n..].iter().all(|&b| b == 0xFF));
            let full = with_nhc(&buf[..n]);
            let p = Packet::new_checked(&full[..]).unwrap();
            assert_eq!(Repr::parse(&p, &env).unwrap(), repr_spec());
        }
    }

    #[test]
    fn truncated_at_every_length() {
        let buf = with_nhc(&BYTES_IPHC_SAM01);
        for n in 0..BYTES_IPHC_SAM01.len() {
            assert!(
                matches!(Packet::new_checked(&buf[..n]), Err(Error::Truncated { .. })),
                "{n}"
            );
        }
    }

    #[test]
    fn refuses_reserved_modes_and_unknown_contexts() {
        assert_eq!(
            Packet::new_checked(&[0x7B, 0x04][..]).err(),
            Some(Error::Reserved("M=0 DAC=1 DAM=00"))
        );
        assert_eq!(
            Packet::new_checked(&[0x7B, 0x0D, 0][..]).err(),
            Some(Error::Reserved("M=1 DAC=1 DAM!=00"))
        );
        let c = ctx64();
        let env = Env {
            contexts: Some(&c),
            pasa_dst: Some(PasaAddr::ROOT),
            link: LinkAddrs::default(),
        };
        // CID=1, SCI=3: not configured.
        let p = Packet::new_checked(&[0x7B, 0xE7, 0x30, 58, 0, 0][..]).unwrap();
        assert_eq!(Repr::parse(&p, &env), Err(Error::UnknownContext(3)));
        // DAC=1 DAM=11 with no PASA-6LoRH and no link-layer address.
        let env = Env {
            contexts: Some(&c),
            ..Env::default()
        };
        let p = Packet::new_checked(&[0x7B, 0x47, 58][..]).unwrap();
        assert_eq!(Repr::parse(&p, &env), Err(Error::NoDestinationSource));
        // SAM=11 stateless without a link-layer source.
        let p = Packet::new_checked(&[0x7B, 0x33, 58][..]).unwrap();
        assert_eq!(Repr::parse(&p, &env), Err(Error::LinkAddress("source")));
    }

    #[test]
    fn round_trips_link_local_multicast_and_traffic_class() {
        let mac_s = [0x02, 0, 0, 0, 0, 0x0B];
        let c = ctx64();
        let env = Env {
            contexts: Some(&c),
            pasa_dst: None,
            link: LinkAddrs {
                src: Some(&mac_s),
                dst: None,
            },
        };
        let cases = [
            (ip("fe80::ff:fe00:b"), ip("ff02::2"), 0u8, 0u32, 4usize),
            (ip("fe80::1"), ip("ff05::1:3"), 0xB8, 0, 16),
            (
                ip("fe80::1234:5678:9abc:def0"),
                ip("ff08::12:3456:789a"),
                0x01,
                0x12345,
                20,
            ),
            (ip("::"), ip("ff02::1:ff00:b"), 0xB9, 0xABCDE, 13),
            (ip("2001:db8::7"), ip("2001:db8:1::1"), 0, 0, 27),
            (ip("2001:db9::7"), ip("2001:db8::2:3"), 0, 0, 27),
        ];
        for (s, d, tc, fl, want_len) in cases {
            let r = Repr {
                src: s,
                dst: d,
                next_header: 58,
                nhc: false,
                hop_limit: 255,
                traffic_class: tc,
                flow_label: fl,
            };
            let mut buf = [0xFFu8; 48];
            let n = r.emit(&mut buf, &env, HopLimitMode::Compact).unwrap();
            assert_eq!(n, want_len, "{s} -> {d}");
            assert_eq!(r.buffer_len(&env, HopLimitMode::Compact).unwrap(), n);
            let p = Packet::new_checked(&buf[..n]).unwrap();
            assert_eq!(Repr::parse(&p, &env).unwrap(), r, "{s} -> {d}");
        }
    }

    #[test]
    fn link_local_from_mac_is_fully_elided() {
        let mac = [0x02, 0, 0, 0, 0, 0x0B];
        let iid = iid_from_link(&mac).unwrap();
        assert_eq!(iid, [0, 0, 0, 0xFF, 0xFE, 0, 0, 0x0B]);
        assert_eq!(iid_from_link(&[1, 2, 3]), None);
        let s = Ipv6Addr::from_bits(LINK_LOCAL | u128::from(u64::from_be_bytes(iid)));
        let env = Env {
            link: LinkAddrs {
                src: Some(&mac),
                dst: Some(&mac),
            },
            ..Env::default()
        };
        let r = Repr {
            src: s,
            dst: s,
            next_header: 58,
            nhc: false,
            hop_limit: 255,
            traffic_class: 0,
            flow_label: 0,
        };
        let mut buf = [0u8; 8];
        // 2 base octets + next header; both addresses elided.
        assert_eq!(r.emit(&mut buf, &env, HopLimitMode::Compact).unwrap(), 3);
    }

    #[test]
    fn hop_limit_is_rewritten_in_place() {
        let mut buf = with_nhc(&BYTES_IPHC_SAM01);
        let mut p = Packet::new_unchecked(&mut buf[..]);
        assert!(p.set_hop_limit(63));
        assert_eq!(buf[2], 63);
        let mut compact = [0x7E, 0x57];
        assert!(!Packet::new_unchecked(&mut compact[..]).set_hop_limit(1));
    }

    #[test]
    fn source_alone_matches_the_full_parse() {
        let env = Env {
            contexts: Some(&ctx64()),
            pasa_dst: Some(crate::PasaAddr::new(0b101011).unwrap()),
            link: LinkAddrs {
                src: Some(&[2, 0, 0, 0, 0, 9]),
                dst: None,
            },
        };
        let mut seen = 0;
        for r in [
            repr_spec(),
            Repr {
                src: ip("fe80::1"),
                ..repr_spec()
            },
            Repr {
                src: ip("2001:db9::7"),
                ..repr_spec()
            },
        ] {
            for hl in [HopLimitMode::Inline, HopLimitMode::Compact] {
                let mut buf = [0xFFu8; 64];
                let n = r.emit(&mut buf, &env, hl).unwrap();
                let p = Packet::new_unchecked(&buf[..n]);
                let l = p.layout().unwrap();
                assert_eq!(source_at(&p, &env, &l).unwrap(), r.src);
                if l.hop_limit_offset().is_none() {
                    assert_eq!(l.hop_limit_insert_offset(), 2);
                } else {
                    assert_eq!(
                        l.hop_limit_insert_offset(),
                        l.hop_limit_offset().unwrap() + 1
                    );
                }
                seen += 1;
            }
        }
        assert_eq!(seen, 6);
        // SAC=1 SAM=00 is the unspecified address.
        let p = Packet::new_unchecked(&[0x7B, 0x47, 0x3A][..]);
        let l = p.layout().unwrap();
        assert_eq!(source_at(&p, &env, &l).unwrap(), Ipv6Addr::UNSPECIFIED);
    }

    #[test]
    fn short_tf_field_at_the_end_of_the_buffer_is_read() {
        // Found by fuzzing: a 1-octet TF field (TF=10) within 4 octets of the end was read as
        // zero because the reader asked for 4 octets.
        let c = ctx64_112();
        let mac = [0x02, 0, 0, 0, 0, 0x0B];
        let env = Env {
            contexts: Some(&c),
            pasa_dst: Some(PasaAddr::new(0x2b).unwrap()),
            link: LinkAddrs {
                src: Some(&mac),
                dst: None,
            },
        };
        let buf = [0x74, 0xF7, 0x10, 0xB8, 0x40, 0xF0];
        let r = Repr::parse(&Packet::new_checked(&buf[..]).unwrap(), &env).unwrap();
        assert_eq!(r.traffic_class, 0xE2);
        assert_eq!(r.src, ip("2001:db8::b"));
        assert_eq!(r.dst, ip("2001:db8::2b"));
        let mut out = [0u8; 8];
        let n = r.emit(&mut out, &env, HopLimitMode::Inline).unwrap();
        assert_eq!(out[..n], buf[..5]);
    }

    #[test]
    fn never_derives_a_routable_destination_from_the_link_layer() {
        // SPEC.md §9.2 item 14: DAC=1 DAM=11 needs the PASA-6LoRH, even with a link address.
        let c = ctx64();
        let mac = [0x02, 0, 0, 0, 0, 0x0A];
        let env = Env {
            contexts: Some(&c),
            pasa_dst: None,
            link: LinkAddrs {
                src: Some(&mac),
                dst: Some(&mac),
            },
        };
        let buf = with_nhc(&BYTES_IPHC_SAM01);
        let p = Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(Repr::parse(&p, &env), Err(Error::NoDestinationSource));
        // And the encoder does not produce that form from a link address either.
        let r = Repr {
            dst: ip("2001:db8::ff:fe00:a"),
            ..repr_spec()
        };
        let plan = r.plan(&env, HopLimitMode::Inline).unwrap();
        // The 16-bit form (0000:00ff:fe00:XXXX) is the shortest left.
        assert_eq!((plan.dst.ctx, plan.dst.mode, plan.dst.len), (Some(0), 2, 2));
    }

    #[test]
    fn refuses_multicast_pasa_and_wide_flow_labels() {
        let c = ctx64();
        let env = Env {
            contexts: Some(&c),
            pasa_dst: Some(PasaAddr::ROOT),
            link: LinkAddrs::default(),
        };
        let r = Repr {
            dst: ip("ff02::1"),
            ..repr_spec()
        };
        assert_eq!(
            r.emit(&mut [0; 64], &env, HopLimitMode::Inline),
            Err(Error::MulticastPasa)
        );
        let r = Repr {
            flow_label: 0x10_0000,
            ..repr_spec()
        };
        let env = Env {
            pasa_dst: Some("101011".parse().unwrap()),
            ..env
        };
        assert_eq!(
            r.emit(&mut [0; 64], &env, HopLimitMode::Inline),
            Err(Error::FlowLabel(0x10_0000))
        );
    }

    #[test]
    fn context_longer_than_128_is_refused() {
        assert_eq!(Context::new(ip("::"), 129), Err(Error::ContextLength(129)));
        let c = Context::new(ip("2001:db8:ffff::"), 36).unwrap();
        assert_eq!(c.prefix(), ip("2001:db8:f000::"));
    }
}
