//! ICMPv6 (RFC 4443) and the Neighbor Discovery messages PASA uses (RFC 4861 §4.1-4.4).
//!
//! Every ICMPv6 message starts with the same 4 octets (RFC 4443 §2.1):
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                                                               |
//! +                         Message Body                          +
//! |                                                               |
//! ```
//!
//! [`Packet`] is the checked view of that header. The decoded messages are:
//!
//! | Messages | Types | Source | Value |
//! |---|---|---|---|
//! | Destination Unreachable, Packet Too Big, Time Exceeded, Parameter Problem | 1-4 | RFC 4443 §3 | [`ErrorRepr`] |
//! | Echo Request / Reply | 128 / 129 | RFC 4443 §4 | [`EchoRepr`] |
//! | Router Solicitation / Advertisement, Neighbor Solicitation / Advertisement | 133-136 | RFC 4861 §4.1-4.4 | [`NdRepr`] |
//!
//! Rules shared by every message:
//! - Parsers take the whole ICMPv6 message (the IPv6 payload) and check, in this order: the
//!   4-octet header is there ([`Error::Truncated`]), the type is the parser's
//!   ([`Error::Unexpected`]), the code is legal ([`Error::Code`]), the fixed part is there
//!   ([`Error::Truncated`]), and for ND the options are well framed ([`Error::Options`]).
//!   They do **not** check the checksum: call [`verify`] with the IPv6 addresses first
//!   (RELIABILITY.md B47).
//! - Reserved and unused fields are sent as 0 and ignored on receipt.
//! - `emit` refuses a buffer shorter than `buffer_len()` with [`Error::Buffer`] before writing
//!   anything, writes nothing past `buffer_len()`, and fills the checksum for the given
//!   addresses.
//! - The ND Hop Limit rule (RFC 4861 §6.1.1/§7.1.1: an ND message is discarded unless it came
//!   with IPv6 Hop Limit 255) needs the IPv6 header, so it is a separate check:
//!   [`check_nd_hop_limit`].
//!
//! Which errors to send, to whom and how often is decided by `pasa-router`; this module only
//! encodes them, with the RFC 4443 §2.4(e) type rule in [`suppresses_errors`] and the quoting
//! limit of RFC 4443 §2.4(c) in [`ErrorRepr::buffer_len`].

use core::fmt;
use core::net::Ipv6Addr;

use super::checksum;
use super::nd::{self, NdError};

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/// The IPv6 Next Header value of ICMPv6 (RFC 4443 §1).
pub const NEXT_HEADER_ICMPV6: u8 = 58;

/// Size of the header shared by every ICMPv6 message (Type, Code, Checksum), in octets.
pub const HEADER_LEN: usize = 4;

/// Size of the header of an ICMPv6 error message (RFC 4443 §3): the 4-octet header plus the
/// 32-bit Unused / MTU / Pointer field, in octets.
pub const ERROR_HEADER_LEN: usize = 8;

/// The IPv6 minimum link MTU (RFC 8200 §5), in octets: an ICMPv6 error, with its IPv6 header,
/// must fit in it (RFC 4443 §2.4(c)).
pub const MIN_MTU: usize = 1280;

/// ICMPv6 message types (IANA "ICMPv6 Type Numbers").
pub mod msg_type {
    /// Destination Unreachable (RFC 4443 §3.1).
    pub const DST_UNREACHABLE: u8 = 1;
    /// Packet Too Big (RFC 4443 §3.2).
    pub const PACKET_TOO_BIG: u8 = 2;
    /// Time Exceeded (RFC 4443 §3.3).
    pub const TIME_EXCEEDED: u8 = 3;
    /// Parameter Problem (RFC 4443 §3.4).
    pub const PARAM_PROBLEM: u8 = 4;
    /// Echo Request (RFC 4443 §4.1).
    pub const ECHO_REQUEST: u8 = 128;
    /// Echo Reply (RFC 4443 §4.2).
    pub const ECHO_REPLY: u8 = 129;
    /// Router Solicitation (RFC 4861 §4.1).
    pub const ROUTER_SOLICIT: u8 = 133;
    /// Router Advertisement (RFC 4861 §4.2).
    pub const ROUTER_ADVERT: u8 = 134;
    /// Neighbor Solicitation (RFC 4861 §4.3).
    pub const NEIGHBOR_SOLICIT: u8 = 135;
    /// Neighbor Advertisement (RFC 4861 §4.4).
    pub const NEIGHBOR_ADVERT: u8 = 136;
    /// Redirect (RFC 4861 §4.5).
    pub const REDIRECT: u8 = 137;
}

/// Whether `msg_type` is an error message type: the high-order bit is 0 (RFC 4443 §2.1).
pub const fn is_error(msg_type: u8) -> bool {
    msg_type < 128
}

/// RFC 4443 §2.4(e): true when no error may be sent about a message of this type (an ICMPv6
/// error, or a Redirect).
///
/// This is the rule for the *invoking* packet's ICMPv6 type, so call it only when that packet
/// is ICMPv6 (its upper-layer header is [`NEXT_HEADER_ICMPV6`]). The other cases of §2.4(e)
/// (multicast destination, link-layer multicast, a source that is not a unicast address) need
/// the IPv6 header and the link, and are decided by the caller. Unassigned and experimental
/// types below 128 count as errors, as §2.1 defines them.
pub const fn suppresses_errors(msg_type: u8) -> bool {
    is_error(msg_type) || msg_type == msg_type::REDIRECT
}

/// RFC 4861 §6.1/§7.1 rule that an ND message must arrive with IPv6 Hop Limit 255: a message
/// from off-link has been forwarded and had its Hop Limit decremented.
pub const ND_HOP_LIMIT: u8 = 255;

/// Checks the IPv6 Hop Limit `hl` of a received ND message (RS, RA, NS, NA, Redirect):
/// [`Error::HopLimit`] unless it is [`ND_HOP_LIMIT`] (RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2;
/// RELIABILITY.md B51). The message is then silently discarded.
pub const fn check_nd_hop_limit(hl: u8) -> Result<(), Error> {
    if hl == ND_HOP_LIMIT {
        Ok(())
    } else {
        Err(Error::HopLimit(hl))
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why an ICMPv6 message was refused, or could not be written.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The message ends before its header or fixed part does.
    Truncated {
        /// Octets the message needs (the 4-octet header, or the fixed part of its type).
        needed: usize,
        /// Octets present.
        got: usize,
    },
    /// The checksum field does not match the message and its pseudo-header.
    Checksum {
        /// The checksum computed over the message.
        computed: u16,
        /// The checksum field as received.
        found: u16,
    },
    /// The code is not legal for the type (ND and Echo messages need code 0).
    Code {
        /// The message type.
        msg_type: u8,
        /// The code found.
        code: u8,
    },
    /// An ND message arrived with an IPv6 Hop Limit other than 255 (the value found).
    HopLimit(u8),
    /// The ND options are badly framed (an option of Length 0, or running past the end):
    /// RFC 4861 §4.6 discards the whole message (RELIABILITY.md B50).
    Options(NdError),
    /// The message type is not one this parser decodes (the type found).
    Unexpected(u8),
    /// The output buffer is too short for the message.
    Buffer {
        /// Octets the message takes.
        needed: usize,
        /// Octets in the buffer.
        got: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Truncated { needed, got } => write!(
                f,
                "ICMPv6 message truncated: needs {needed} octets, {got} present"
            ),
            Self::Checksum { computed, found } => write!(
                f,
                "ICMPv6 checksum {found:#06x} does not match the computed {computed:#06x}"
            ),
            Self::Code { msg_type, code } => {
                write!(f, "ICMPv6 code {code} is not valid for type {msg_type}")
            }
            Self::HopLimit(hl) => write!(
                f,
                "ND message with IPv6 Hop Limit {hl}; it must be {ND_HOP_LIMIT}"
            ),
            // The option error is printed here rather than returned by `source`, so a no_std
            // logger that prints one line shows all of it.
            Self::Options(e) => write!(f, "ND options refused: {e}"),
            Self::Unexpected(t) => write!(f, "ICMPv6 type {t} not expected here"),
            Self::Buffer { needed, got } => write!(
                f,
                "output buffer too short for the ICMPv6 message: needs {needed} octets, has {got}"
            ),
        }
    }
}

impl core::error::Error for Error {}

impl From<NdError> for Error {
    fn from(e: NdError) -> Self {
        Self::Options(e)
    }
}

// ---------------------------------------------------------------------------------------------
// Checksum
// ---------------------------------------------------------------------------------------------

/// The checksum of the ICMPv6 message `msg` sent from `src` to `dst` (RFC 4443 §2.3): the
/// Internet checksum over the IPv6 pseudo-header (RFC 8200 §8.1, upper-layer length
/// `msg.len()`, next header 58) and `msg`, with `msg`'s checksum field (octets 2..4) taken as
/// zero. Never returns 0: a computed zero is given as 0xFFFF ([`checksum::finish`]).
///
/// A message over 4 GiB is summed with length `u32::MAX`; no IPv6 packet is that long.
pub fn checksum(src: &Ipv6Addr, dst: &Ipv6Addr, msg: &[u8]) -> u16 {
    let len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
    let mut acc = checksum::pseudo_header(src, dst, len, NEXT_HEADER_ICMPV6);
    // Type and Code (or what there is of them), then everything after the checksum field.
    acc = checksum::sum(acc, msg.get(..field::CHECKSUM).unwrap_or(msg));
    acc = checksum::sum(acc, msg.get(field::BODY..).unwrap_or(&[]));
    checksum::finish(acc)
}

/// Checks the checksum of the ICMPv6 message `msg` sent from `src` to `dst`:
/// [`Error::Truncated`] if `msg` is shorter than [`HEADER_LEN`], [`Error::Checksum`] if the
/// field does not match (RELIABILITY.md B47).
///
/// A field of 0x0000 is accepted where [`checksum`](fn@checksum) gives 0xFFFF: both are one's complement
/// zero, and RFC 4443 (unlike UDP) does not reserve 0x0000, so a sender may use either.
pub fn verify(src: &Ipv6Addr, dst: &Ipv6Addr, msg: &[u8]) -> Result<(), Error> {
    check_header_len(msg)?;
    let computed = checksum(src, dst, msg);
    let found = be16(msg, field::CHECKSUM);
    if found == computed || (found == 0 && computed == 0xFFFF) {
        Ok(())
    } else {
        Err(Error::Checksum { computed, found })
    }
}

// ---------------------------------------------------------------------------------------------
// Packet: the common header
// ---------------------------------------------------------------------------------------------

/// A view of an ICMPv6 message: the common header and the body (RFC 4443 §2.1).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                         Message Body                          +
/// |                                                               |
/// ```
///
/// The buffer is the whole message: its length is the ICMPv6 length that goes into the
/// checksum. Getters never panic; on a buffer shorter than [`HEADER_LEN`] they return 0 or an
/// empty body, and setters write nothing out of range.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the 4-octet header ([`Error::Truncated`] otherwise).
    pub fn check_len(&self) -> Result<(), Error> {
        check_header_len(self.buffer.as_ref())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Octet 0: the message type (see [`msg_type`]).
    pub fn msg_type(&self) -> u8 {
        octet(self.buffer.as_ref(), field::TYPE)
    }

    /// Octet 1: the code.
    pub fn code(&self) -> u8 {
        octet(self.buffer.as_ref(), field::CODE)
    }

    /// Octets 2-3: the checksum field.
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// The message body: every octet after the 4-octet header.
    pub fn body(&self) -> &[u8] {
        self.buffer.as_ref().get(field::BODY..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets octet 0, the message type.
    pub fn set_msg_type(&mut self, value: u8) {
        put(self.buffer.as_mut(), field::TYPE, &[value]);
    }

    /// Sets octet 1, the code.
    pub fn set_code(&mut self, value: u8) {
        put(self.buffer.as_mut(), field::CODE, &[value]);
    }

    /// Sets octets 2-3, the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        put(self.buffer.as_mut(), field::CHECKSUM, &value.to_be_bytes());
    }

    /// Computes the checksum of the whole buffer for `src` → `dst` and writes it (see
    /// [`checksum`](fn@checksum)). Set every other field first.
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        let value = checksum(src, dst, self.buffer.as_ref());
        self.set_checksum(value);
    }
}

// ---------------------------------------------------------------------------------------------
// Neighbor Discovery messages
// ---------------------------------------------------------------------------------------------

/// The fixed part of an ND message: what sits between the 4-octet header and the options.
///
/// ```text
/// Router Solicitation (RFC 4861 §4.1), type 133, fixed part 8 octets:
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            Reserved                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Options ...
///
/// Router Advertisement (RFC 4861 §4.2), type 134, fixed part 16 octets:
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Cur Hop Limit |M|O|  Reserved |       Router Lifetime         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Reachable Time                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          Retrans Timer                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Options ...
///
/// Neighbor Solicitation (RFC 4861 §4.3), type 135, fixed part 24 octets:
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           Reserved                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                       Target Address (128)                    +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Options ...
///
/// Neighbor Advertisement (RFC 4861 §4.4), type 136, fixed part 24 octets:
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|S|O|                     Reserved                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                       Target Address (128)                    +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Options ...
/// ```
///
/// Code is 0 for all four. Reserved bits (including the RA bits after M and O, which later
/// RFCs give meanings PASA does not use) are sent as 0 and ignored on receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NdKind {
    /// Router Solicitation: no fixed fields.
    RouterSolicit,
    /// Router Advertisement.
    RouterAdvert {
        /// Cur Hop Limit for hosts (0: unspecified).
        cur_hop_limit: u8,
        /// M: Managed address configuration.
        managed: bool,
        /// O: Other configuration.
        other: bool,
        /// Router Lifetime in seconds (0: not a default router).
        router_lifetime_s: u16,
        /// Reachable Time in milliseconds (0: unspecified).
        reachable_ms: u32,
        /// Retrans Timer in milliseconds (0: unspecified).
        retrans_ms: u32,
    },
    /// Neighbor Solicitation.
    NeighborSolicit {
        /// The address being resolved or registered.
        target: Ipv6Addr,
    },
    /// Neighbor Advertisement.
    NeighborAdvert {
        /// R: the sender is a router.
        router: bool,
        /// S: sent in response to an NS.
        solicited: bool,
        /// O: override an existing cache entry.
        override_: bool,
        /// The address advertised.
        target: Ipv6Addr,
    },
}

impl NdKind {
    /// The ICMPv6 type of this message.
    const fn msg_type(&self) -> u8 {
        match self {
            Self::RouterSolicit => msg_type::ROUTER_SOLICIT,
            Self::RouterAdvert { .. } => msg_type::ROUTER_ADVERT,
            Self::NeighborSolicit { .. } => msg_type::NEIGHBOR_SOLICIT,
            Self::NeighborAdvert { .. } => msg_type::NEIGHBOR_ADVERT,
        }
    }
}

/// The ND messages of RFC 4861 §4.1-4.4 (fixed part + options, options as the raw validated
/// TLV slice). Layouts in [`NdKind`].
///
/// The options are kept as the bytes of the message: walk them with [`nd::NdOptions`] or pick
/// one with [`nd::find`]. [`parse`](Self::parse) has checked their framing with
/// [`nd::check_options`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NdRepr<'a> {
    /// The message and its fixed fields.
    pub kind: NdKind,
    /// The options: everything after the fixed part.
    pub options: &'a [u8],
}

impl<'a> NdRepr<'a> {
    /// Decodes the ND message `msg` (the whole ICMPv6 message; the checksum is NOT checked
    /// here: use [`verify`]).
    ///
    /// Refuses: a message shorter than the 4-octet header ([`Error::Truncated`]), another type
    /// ([`Error::Unexpected`]), code ≠ 0 ([`Error::Code`]), a short fixed part
    /// ([`Error::Truncated`]: RS 8, RA 16, NS 24, NA 24 octets), options that
    /// [`nd::check_options`] refuses ([`Error::Options`]): RELIABILITY.md B47, B50, B51.
    /// Reserved bits are ignored.
    pub fn parse(msg: &'a [u8]) -> Result<Self, Error> {
        check_header_len(msg)?;
        let ty = octet(msg, field::TYPE);
        let fixed_len = nd_fixed_len(ty).ok_or(Error::Unexpected(ty))?;
        check_code_zero(msg)?;
        if msg.len() < fixed_len {
            return Err(Error::Truncated {
                needed: fixed_len,
                got: msg.len(),
            });
        }
        let options = msg.get(fixed_len..).unwrap_or(&[]);
        nd::check_options(options)?;
        let kind = match ty {
            msg_type::ROUTER_SOLICIT => NdKind::RouterSolicit,
            msg_type::ROUTER_ADVERT => {
                let flags = octet(msg, field::RA_FLAGS);
                NdKind::RouterAdvert {
                    cur_hop_limit: octet(msg, field::RA_CUR_HOP_LIMIT),
                    managed: flags & field::RA_M != 0,
                    other: flags & field::RA_O != 0,
                    router_lifetime_s: be16(msg, field::RA_ROUTER_LIFETIME),
                    reachable_ms: be32(msg, field::RA_REACHABLE),
                    retrans_ms: be32(msg, field::RA_RETRANS),
                }
            }
            msg_type::NEIGHBOR_SOLICIT => NdKind::NeighborSolicit {
                target: target(msg),
            },
            // nd_fixed_len accepted only the four ND types, so this is the NA.
            _ => {
                let flags = octet(msg, field::NA_FLAGS);
                NdKind::NeighborAdvert {
                    router: flags & field::NA_R != 0,
                    solicited: flags & field::NA_S != 0,
                    override_: flags & field::NA_O != 0,
                    target: target(msg),
                }
            }
        };
        Ok(Self { kind, options })
    }

    /// The ICMPv6 type: 133 to 136.
    pub fn msg_type(&self) -> u8 {
        self.kind.msg_type()
    }

    /// Size of the message in octets: the fixed part (8, 16, 24 or 24) plus the options.
    pub fn buffer_len(&self) -> usize {
        let fixed_len = nd_fixed_len(self.msg_type()).unwrap_or(0);
        fixed_len.saturating_add(self.options.len())
    }

    /// Writes the message (reserved fields zero) into `out[..buffer_len()]`, with the checksum
    /// for `src` → `dst`; [`Error::Buffer`] (and nothing written) if `out` is short. Returns
    /// [`buffer_len`](Self::buffer_len).
    ///
    /// The options are copied as they are: a list that [`nd::check_options`] refuses gives a
    /// message that [`parse`](Self::parse) refuses.
    pub fn emit(&self, src: &Ipv6Addr, dst: &Ipv6Addr, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let out = out_prefix(out, len)?;
        out.fill(0);
        put(out, field::TYPE, &[self.msg_type()]);
        match self.kind {
            NdKind::RouterSolicit => {}
            NdKind::RouterAdvert {
                cur_hop_limit,
                managed,
                other,
                router_lifetime_s,
                reachable_ms,
                retrans_ms,
            } => {
                let flags = flag(managed, field::RA_M) | flag(other, field::RA_O);
                put(out, field::RA_CUR_HOP_LIMIT, &[cur_hop_limit, flags]);
                put(
                    out,
                    field::RA_ROUTER_LIFETIME,
                    &router_lifetime_s.to_be_bytes(),
                );
                put(out, field::RA_REACHABLE, &reachable_ms.to_be_bytes());
                put(out, field::RA_RETRANS, &retrans_ms.to_be_bytes());
            }
            NdKind::NeighborSolicit { target } => {
                put(out, field::TARGET, &target.octets());
            }
            NdKind::NeighborAdvert {
                router,
                solicited,
                override_,
                target,
            } => {
                let flags = flag(router, field::NA_R)
                    | flag(solicited, field::NA_S)
                    | flag(override_, field::NA_O);
                put(out, field::NA_FLAGS, &[flags]);
                put(out, field::TARGET, &target.octets());
            }
        }
        let fixed_len = len.saturating_sub(self.options.len());
        put(out, fixed_len, self.options);
        Packet::new_unchecked(&mut *out).fill_checksum(src, dst);
        Ok(len)
    }
}

// ---------------------------------------------------------------------------------------------
// Error messages
// ---------------------------------------------------------------------------------------------

/// The RFC 4443 error messages, with what each carries in its 32-bit field.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |              Unused (1, 3) / MTU (2) / Pointer (4)            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    As much of invoking packet                 |
/// +                as possible without the ICMPv6 packet          +
/// |                exceeding the minimum IPv6 MTU [IPv6]          |
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Destination Unreachable (type 1, RFC 4443 §3.1) with its code: 0 no route,
    /// 1 administratively prohibited, 2 beyond scope of source, 3 address unreachable,
    /// 4 port unreachable, 5 source address failed policy, 6 reject route.
    DstUnreachable(u8),
    /// Packet Too Big (type 2, RFC 4443 §3.2), code 0 (ignored on receipt).
    PacketTooBig {
        /// The MTU of the next-hop link, in octets.
        mtu: u32,
    },
    /// Time Exceeded (type 3, RFC 4443 §3.3) with its code: 0 hop limit exceeded in transit,
    /// 1 fragment reassembly time exceeded.
    TimeExceeded(u8),
    /// Parameter Problem (type 4, RFC 4443 §3.4).
    ParamProblem {
        /// 0 erroneous header field, 1 unrecognized Next Header, 2 unrecognized IPv6 option
        /// (later RFCs add more).
        code: u8,
        /// Offset in the invoking packet of the octet where the error was found.
        pointer: u32,
    },
}

/// A decoded ICMPv6 error message (RFC 4443 §3); layout in [`ErrorKind`].
///
/// The quoted invoking packet is not part of the value: [`emit`](Self::emit) takes it as an
/// argument and [`parse`](Self::parse) returns it beside the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorRepr {
    /// The message and its 32-bit field.
    pub kind: ErrorKind,
}

impl ErrorRepr {
    /// The ICMPv6 type: 1 to 4.
    pub fn msg_type(&self) -> u8 {
        match self.kind {
            ErrorKind::DstUnreachable(_) => msg_type::DST_UNREACHABLE,
            ErrorKind::PacketTooBig { .. } => msg_type::PACKET_TOO_BIG,
            ErrorKind::TimeExceeded(_) => msg_type::TIME_EXCEEDED,
            ErrorKind::ParamProblem { .. } => msg_type::PARAM_PROBLEM,
        }
    }

    /// The ICMPv6 code (0 for Packet Too Big).
    pub fn code(&self) -> u8 {
        match self.kind {
            ErrorKind::DstUnreachable(code)
            | ErrorKind::TimeExceeded(code)
            | ErrorKind::ParamProblem { code, .. } => code,
            ErrorKind::PacketTooBig { .. } => 0,
        }
    }

    /// The 32-bit field after the checksum: MTU, Pointer, or 0 (Unused).
    fn word(&self) -> u32 {
        match self.kind {
            ErrorKind::PacketTooBig { mtu } => mtu,
            ErrorKind::ParamProblem { pointer, .. } => pointer,
            ErrorKind::DstUnreachable(_) | ErrorKind::TimeExceeded(_) => 0,
        }
    }

    /// Length of the message quoting `invoking_len` octets, capped so the message is at most
    /// `cap` octets (`cap` is clamped to `MIN_MTU - 40` = 1240, the most an ICMPv6 error may
    /// take inside a 1280-octet packet (RFC 4443 §2.4(c)); and at least [`ERROR_HEADER_LEN`]).
    ///
    /// A smaller `cap` is how the LLN keeps an error to one frame (RELIABILITY.md A5).
    pub fn buffer_len(&self, invoking_len: usize, cap: usize) -> usize {
        let cap = cap.clamp(ERROR_HEADER_LEN, MAX_ERROR_LEN);
        ERROR_HEADER_LEN.saturating_add(invoking_len).min(cap)
    }

    /// Writes the header and the first `buffer_len - 8` octets of `invoking` into `out`, with
    /// the checksum for `src` → `dst`; [`Error::Buffer`] (and nothing written) if `out` is
    /// shorter than [`buffer_len`](Self::buffer_len)`(invoking.len(), cap)`. Quotes only
    /// octets actually in `invoking` (RELIABILITY.md B46). Returns the length.
    pub fn emit(
        &self,
        src: &Ipv6Addr,
        dst: &Ipv6Addr,
        invoking: &[u8],
        cap: usize,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let len = self.buffer_len(invoking.len(), cap);
        let out = out_prefix(out, len)?;
        put(out, field::TYPE, &[self.msg_type(), self.code(), 0, 0]);
        put(out, field::BODY, &self.word().to_be_bytes());
        // buffer_len is at most 8 + invoking.len(), so the quote is a prefix of `invoking`.
        let quoted_len = len.saturating_sub(ERROR_HEADER_LEN);
        put(
            out,
            ERROR_HEADER_LEN,
            invoking.get(..quoted_len).unwrap_or(&[]),
        );
        Packet::new_unchecked(&mut *out).fill_checksum(src, dst);
        Ok(len)
    }

    /// Decodes an error message (type 1..=4); returns the value and the quoted invoking
    /// octets (everything after the 8-octet header). The checksum is not checked here: use
    /// [`verify`].
    ///
    /// Refuses: a message shorter than the 4-octet header ([`Error::Truncated`]), another type
    /// ([`Error::Unexpected`]), a message shorter than [`ERROR_HEADER_LEN`]
    /// ([`Error::Truncated`]). Any code is accepted: the codes are open-ended, and the code of
    /// Packet Too Big is ignored on receipt (RFC 4443 §3.2). Unused fields are ignored.
    pub fn parse(msg: &[u8]) -> Result<(Self, &[u8]), Error> {
        check_header_len(msg)?;
        let ty = octet(msg, field::TYPE);
        let code = octet(msg, field::CODE);
        if !matches!(
            ty,
            msg_type::DST_UNREACHABLE
                | msg_type::PACKET_TOO_BIG
                | msg_type::TIME_EXCEEDED
                | msg_type::PARAM_PROBLEM
        ) {
            return Err(Error::Unexpected(ty));
        }
        if msg.len() < ERROR_HEADER_LEN {
            return Err(Error::Truncated {
                needed: ERROR_HEADER_LEN,
                got: msg.len(),
            });
        }
        let word = be32(msg, field::BODY);
        let kind = match ty {
            msg_type::DST_UNREACHABLE => ErrorKind::DstUnreachable(code),
            msg_type::PACKET_TOO_BIG => ErrorKind::PacketTooBig { mtu: word },
            msg_type::TIME_EXCEEDED => ErrorKind::TimeExceeded(code),
            // Only type 4 is left after the check above.
            _ => ErrorKind::ParamProblem {
                code,
                pointer: word,
            },
        };
        let quoted = msg.get(ERROR_HEADER_LEN..).unwrap_or(&[]);
        Ok((Self { kind }, quoted))
    }
}

// ---------------------------------------------------------------------------------------------
// Echo
// ---------------------------------------------------------------------------------------------

/// Echo request/reply (RFC 4443 §4).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Type 128/129 |   Code = 0    |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Identifier          |        Sequence Number        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Data ...
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EchoRepr<'a> {
    /// Echo Reply (129) when true, Echo Request (128) when false.
    pub reply: bool,
    /// Identifier.
    pub ident: u16,
    /// Sequence Number.
    pub seq: u16,
    /// Data, echoed back unchanged.
    pub data: &'a [u8],
}

impl<'a> EchoRepr<'a> {
    /// Decodes an Echo Request or Reply. The checksum is not checked here: use [`verify`].
    ///
    /// Refuses: a message shorter than the 4-octet header ([`Error::Truncated`]), another type
    /// ([`Error::Unexpected`]), code ≠ 0 ([`Error::Code`]), a message shorter than 8 octets
    /// ([`Error::Truncated`]; RELIABILITY.md B47).
    pub fn parse(msg: &'a [u8]) -> Result<Self, Error> {
        check_header_len(msg)?;
        let ty = octet(msg, field::TYPE);
        let reply = match ty {
            msg_type::ECHO_REQUEST => false,
            msg_type::ECHO_REPLY => true,
            _ => return Err(Error::Unexpected(ty)),
        };
        check_code_zero(msg)?;
        if msg.len() < ECHO_HEADER_LEN {
            return Err(Error::Truncated {
                needed: ECHO_HEADER_LEN,
                got: msg.len(),
            });
        }
        Ok(Self {
            reply,
            ident: be16(msg, field::ECHO_IDENT),
            seq: be16(msg, field::ECHO_SEQ),
            data: msg.get(ECHO_HEADER_LEN..).unwrap_or(&[]),
        })
    }

    /// The ICMPv6 type: 128 or 129.
    pub fn msg_type(&self) -> u8 {
        if self.reply {
            msg_type::ECHO_REPLY
        } else {
            msg_type::ECHO_REQUEST
        }
    }

    /// Size of the message in octets: 8 plus the data.
    pub fn buffer_len(&self) -> usize {
        ECHO_HEADER_LEN.saturating_add(self.data.len())
    }

    /// Writes the message into `out[..buffer_len()]`, with the checksum for `src` → `dst`;
    /// [`Error::Buffer`] (and nothing written) if `out` is short. Returns
    /// [`buffer_len`](Self::buffer_len).
    pub fn emit(&self, src: &Ipv6Addr, dst: &Ipv6Addr, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let out = out_prefix(out, len)?;
        put(out, field::TYPE, &[self.msg_type(), 0, 0, 0]);
        put(out, field::ECHO_IDENT, &self.ident.to_be_bytes());
        put(out, field::ECHO_SEQ, &self.seq.to_be_bytes());
        put(out, ECHO_HEADER_LEN, self.data);
        Packet::new_unchecked(&mut *out).fill_checksum(src, dst);
        Ok(len)
    }
}

// ---------------------------------------------------------------------------------------------
// Private helpers: every read and write goes through `get`/`get_mut`
// ---------------------------------------------------------------------------------------------

mod field {
    //! Octet offsets and masks inside an ICMPv6 message.
    pub(super) const TYPE: usize = 0;
    pub(super) const CODE: usize = 1;
    pub(super) const CHECKSUM: usize = 2;
    /// First octet after the common header.
    pub(super) const BODY: usize = 4;

    pub(super) const ECHO_IDENT: usize = 4;
    pub(super) const ECHO_SEQ: usize = 6;

    pub(super) const RA_CUR_HOP_LIMIT: usize = 4;
    pub(super) const RA_FLAGS: usize = 5;
    pub(super) const RA_ROUTER_LIFETIME: usize = 6;
    pub(super) const RA_REACHABLE: usize = 8;
    pub(super) const RA_RETRANS: usize = 12;
    pub(super) const RA_M: u8 = 0x80;
    pub(super) const RA_O: u8 = 0x40;

    pub(super) const NA_FLAGS: usize = 4;
    pub(super) const NA_R: u8 = 0x80;
    pub(super) const NA_S: u8 = 0x40;
    pub(super) const NA_O: u8 = 0x20;

    /// NS/NA Target Address.
    pub(super) const TARGET: usize = 8;
}

/// Octets of an Echo header (type to sequence number).
const ECHO_HEADER_LEN: usize = 8;

/// The most an ICMPv6 error may take: the minimum MTU less the 40-octet IPv6 header.
const MAX_ERROR_LEN: usize = MIN_MTU - 40;

/// Fixed part of RS, RA, NS, NA (RFC 4861 §4.1-4.4), in octets.
const RS_LEN: usize = 8;
const RA_LEN: usize = 16;
const NS_LEN: usize = 24;
const NA_LEN: usize = 24;

/// The fixed-part length of an ND message type, or `None` for a type [`NdRepr`] does not
/// decode.
const fn nd_fixed_len(ty: u8) -> Option<usize> {
    match ty {
        msg_type::ROUTER_SOLICIT => Some(RS_LEN),
        msg_type::ROUTER_ADVERT => Some(RA_LEN),
        msg_type::NEIGHBOR_SOLICIT => Some(NS_LEN),
        msg_type::NEIGHBOR_ADVERT => Some(NA_LEN),
        _ => None,
    }
}

fn check_header_len(msg: &[u8]) -> Result<(), Error> {
    if msg.len() < HEADER_LEN {
        return Err(Error::Truncated {
            needed: HEADER_LEN,
            got: msg.len(),
        });
    }
    Ok(())
}

/// Refuses a code other than 0 (ND: RFC 4861 §6.1.1/§7.1.1, RELIABILITY.md B51; Echo: RFC
/// 4443 §4).
fn check_code_zero(msg: &[u8]) -> Result<(), Error> {
    match octet(msg, field::CODE) {
        0 => Ok(()),
        code => Err(Error::Code {
            msg_type: octet(msg, field::TYPE),
            code,
        }),
    }
}

/// `out[..len]`, or [`Error::Buffer`] when `out` is shorter.
fn out_prefix(out: &mut [u8], len: usize) -> Result<&mut [u8], Error> {
    let got = out.len();
    out.get_mut(..len).ok_or(Error::Buffer { needed: len, got })
}

fn octet(buf: &[u8], at: usize) -> u8 {
    buf.get(at).copied().unwrap_or(0)
}

fn be16(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([octet(buf, at), octet(buf, at.saturating_add(1))])
}

fn be32(buf: &[u8], at: usize) -> u32 {
    match at.checked_add(4).and_then(|end| buf.get(at..end)) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// The NS/NA Target Address (unspecified if the message is too short).
fn target(msg: &[u8]) -> Ipv6Addr {
    field::TARGET
        .checked_add(16)
        .and_then(|end| msg.get(field::TARGET..end))
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
        .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from)
}

/// Writes `src` at `at`; writes nothing if it does not fit.
fn put(buf: &mut [u8], at: usize, src: &[u8]) {
    if let Some(end) = at.checked_add(src.len())
        && let Some(dst) = buf.get_mut(at..end)
    {
        dst.copy_from_slice(src);
    }
}

const fn flag(on: bool, mask: u8) -> u8 {
    if on { mask } else { 0 }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use etherparse::icmpv6::{
        DestUnreachableCode, NeighborAdvertisementHeader, ParameterProblemCode,
        ParameterProblemHeader, RouterAdvertisementHeader, TimeExceededCode,
    };
    use etherparse::{IcmpEchoHeader, Icmpv6Slice, Icmpv6Type, PacketBuilder};
    use proptest::prelude::*;
    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

    fn src() -> Ipv6Addr {
        "fe80::200:ff:fe00:b".parse().unwrap()
    }

    fn dst() -> Ipv6Addr {
        "fe80::200:ff:fe00:1".parse().unwrap()
    }

    fn target_addr() -> Ipv6Addr {
        "2001:db8::b".parse().unwrap()
    }

    /// An SLLAO (RFC 4861 §4.6.1, 802.15.4 short address) then an option of Length 2:
    /// 8 + 16 octets, boundaries at 0, 8 and 24.
    const OPTS: [u8; 24] = [
        1, 1, 0x00, 0x0B, 0, 0, 0, 0, // SLLAO
        33, 2, 0, 0, 0x01, 7, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, // EARO, 64-bit ROVR
    ];

    fn rs(options: &[u8]) -> NdRepr<'_> {
        NdRepr {
            kind: NdKind::RouterSolicit,
            options,
        }
    }

    fn ra(options: &[u8]) -> NdRepr<'_> {
        NdRepr {
            kind: NdKind::RouterAdvert {
                cur_hop_limit: 64,
                managed: true,
                other: false,
                router_lifetime_s: 1800,
                reachable_ms: 30_000,
                retrans_ms: 1_000,
            },
            options,
        }
    }

    fn ns(options: &[u8]) -> NdRepr<'_> {
        NdRepr {
            kind: NdKind::NeighborSolicit {
                target: target_addr(),
            },
            options,
        }
    }

    fn na(options: &[u8]) -> NdRepr<'_> {
        NdRepr {
            kind: NdKind::NeighborAdvert {
                router: true,
                solicited: true,
                override_: false,
                target: target_addr(),
            },
            options,
        }
    }

    fn emit_nd(repr: &NdRepr<'_>) -> Vec<u8> {
        let mut buf = vec![0u8; repr.buffer_len()];
        assert_eq!(repr.emit(&src(), &dst(), &mut buf), Ok(buf.len()));
        buf
    }

    fn etherparse_valid(msg: &[u8]) -> bool {
        Icmpv6Slice::from_slice(msg)
            .unwrap()
            .is_checksum_valid(src().octets(), dst().octets())
    }

    // --- Constants and type rules -------------------------------------------------------------

    #[test]
    fn type_numbers_match_the_rfcs() {
        use msg_type::*;
        assert_eq!(
            [
                DST_UNREACHABLE,
                PACKET_TOO_BIG,
                TIME_EXCEEDED,
                PARAM_PROBLEM,
                ECHO_REQUEST,
                ECHO_REPLY,
                ROUTER_SOLICIT,
                ROUTER_ADVERT,
                NEIGHBOR_SOLICIT,
                NEIGHBOR_ADVERT,
                REDIRECT
            ],
            [1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 137]
        );
        assert_eq!(NEXT_HEADER_ICMPV6, 58);
        assert_eq!((HEADER_LEN, ERROR_HEADER_LEN, MIN_MTU), (4, 8, 1280));
        assert_eq!(MAX_ERROR_LEN, 1240);
    }

    #[test]
    fn error_types_are_the_ones_below_128() {
        for t in 0..=255u8 {
            assert_eq!(is_error(t), t < 128, "type {t}");
        }
    }

    #[test]
    fn no_error_about_an_error_or_a_redirect() {
        // RFC 4443 §2.4(e.1) and (e.2): every error type, and Redirect; nothing else.
        for t in 0..=255u8 {
            let expected = t <= 127 || t == 137;
            assert_eq!(suppresses_errors(t), expected, "type {t}");
        }
        assert!(suppresses_errors(msg_type::PACKET_TOO_BIG));
        assert!(suppresses_errors(msg_type::PARAM_PROBLEM));
        assert!(suppresses_errors(msg_type::REDIRECT));
        assert!(!suppresses_errors(msg_type::ECHO_REQUEST));
        assert!(!suppresses_errors(msg_type::NEIGHBOR_SOLICIT));
        assert!(!suppresses_errors(msg_type::ROUTER_ADVERT));
    }

    #[test]
    fn nd_needs_hop_limit_255() {
        assert_eq!(check_nd_hop_limit(255), Ok(()));
        for hl in 0..=254u8 {
            assert_eq!(check_nd_hop_limit(hl), Err(Error::HopLimit(hl)));
        }
    }

    #[test]
    fn errors_display_what_went_wrong() {
        let cases = [
            (
                Error::Truncated { needed: 24, got: 9 },
                "ICMPv6 message truncated: needs 24 octets, 9 present",
            ),
            (
                Error::Checksum {
                    computed: 0x1234,
                    found: 0xABCD,
                },
                "ICMPv6 checksum 0xabcd does not match the computed 0x1234",
            ),
            (
                Error::Code {
                    msg_type: 135,
                    code: 1,
                },
                "ICMPv6 code 1 is not valid for type 135",
            ),
            (
                Error::HopLimit(64),
                "ND message with IPv6 Hop Limit 64; it must be 255",
            ),
            (
                Error::Options(NdError::ZeroLength { at: 8 }),
                "ND options refused: ND option at offset 8 has Length 0",
            ),
            (Error::Unexpected(128), "ICMPv6 type 128 not expected here"),
            (
                Error::Buffer {
                    needed: 32,
                    got: 31,
                },
                "output buffer too short for the ICMPv6 message: needs 32 octets, has 31",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
            let as_error: &dyn core::error::Error = &err;
            assert!(as_error.source().is_none());
        }
        assert_eq!(
            Error::from(NdError::ZeroLength { at: 0 }),
            Error::Options(NdError::ZeroLength { at: 0 })
        );
    }

    // --- Checksum -----------------------------------------------------------------------------

    #[test]
    fn checksum_matches_etherparse_packet_builder_echo() {
        let builder =
            PacketBuilder::ipv6(src().octets(), dst().octets(), 64).icmpv6_echo_request(0x1234, 7);
        let mut frame = Vec::new();
        builder.write(&mut frame, b"PASA ping").unwrap();
        let msg = &frame[40..];
        assert_eq!(msg.len(), 17);
        assert_eq!(verify(&src(), &dst(), msg), Ok(()));
        let found = u16::from_be_bytes([msg[2], msg[3]]);
        assert_eq!(checksum(&src(), &dst(), msg), found);
        assert_eq!(
            EchoRepr::parse(msg),
            Ok(EchoRepr {
                reply: false,
                ident: 0x1234,
                seq: 7,
                data: b"PASA ping"
            })
        );
        // Ours, emitted independently, is the same message byte for byte.
        let mut ours = [0xFFu8; 17];
        let echo = EchoRepr::parse(msg).unwrap();
        assert_eq!(echo.emit(&src(), &dst(), &mut ours), Ok(17));
        assert_eq!(&ours[..], msg);
    }

    #[test]
    fn checksum_matches_etherparse_for_echo_reply() {
        let echo = EchoRepr {
            reply: true,
            ident: 0xBEEF,
            seq: 0xFFFF,
            data: &[1, 2, 3],
        };
        let mut buf = vec![0u8; echo.buffer_len()];
        echo.emit(&src(), &dst(), &mut buf).unwrap();
        let theirs = Icmpv6Type::EchoReply(IcmpEchoHeader {
            id: 0xBEEF,
            seq: 0xFFFF,
        })
        .calc_checksum(src().octets(), dst().octets(), &[1, 2, 3])
        .unwrap();
        assert_eq!(checksum(&src(), &dst(), &buf), theirs);
        assert_eq!(u16::from_be_bytes([buf[2], buf[3]]), theirs);
        assert!(etherparse_valid(&buf));
    }

    #[test]
    fn nd_checksums_match_etherparse() {
        let s = src().octets();
        let d = dst().octets();
        let t = target_addr().octets();
        let with_target = |opts: &[u8]| [&t[..], opts].concat();
        let cases: [(NdRepr<'_>, Icmpv6Type, Vec<u8>); 4] = [
            (rs(&OPTS), Icmpv6Type::RouterSolicitation, OPTS.to_vec()),
            (
                ra(&OPTS[..8]),
                Icmpv6Type::RouterAdvertisement(RouterAdvertisementHeader {
                    cur_hop_limit: 64,
                    managed_address_config: true,
                    other_config: false,
                    router_lifetime: 1800,
                }),
                [
                    &30_000u32.to_be_bytes()[..],
                    &1_000u32.to_be_bytes(),
                    &OPTS[..8],
                ]
                .concat(),
            ),
            (
                ns(&OPTS),
                Icmpv6Type::NeighborSolicitation,
                with_target(&OPTS),
            ),
            (
                na(&[]),
                Icmpv6Type::NeighborAdvertisement(NeighborAdvertisementHeader {
                    router: true,
                    solicited: true,
                    r#override: false,
                }),
                with_target(&[]),
            ),
        ];
        for (repr, theirs, payload) in cases {
            let buf = emit_nd(&repr);
            let expected = theirs.calc_checksum(s, d, &payload).unwrap();
            assert_eq!(checksum(&src(), &dst(), &buf), expected, "{repr:?}");
            assert!(etherparse_valid(&buf), "{repr:?}");
            // etherparse's own serialisation of the same message is ours, byte for byte.
            let mut frame = Vec::new();
            PacketBuilder::ipv6(s, d, ND_HOP_LIMIT)
                .icmpv6(theirs)
                .write(&mut frame, &payload)
                .unwrap();
            assert_eq!(&frame[40..], &buf[..], "{repr:?}");
            assert_eq!(frame[7], ND_HOP_LIMIT);
        }
    }

    #[test]
    fn error_checksums_match_etherparse() {
        let invoking: Vec<u8> = (0..100u8).collect();
        let cases = [
            (
                ErrorKind::DstUnreachable(3),
                Icmpv6Type::DestinationUnreachable(DestUnreachableCode::Address),
            ),
            (
                ErrorKind::PacketTooBig { mtu: 1280 },
                Icmpv6Type::PacketTooBig { mtu: 1280 },
            ),
            (
                ErrorKind::TimeExceeded(0),
                Icmpv6Type::TimeExceeded(TimeExceededCode::HopLimitExceeded),
            ),
            (
                ErrorKind::ParamProblem {
                    code: 1,
                    pointer: 40,
                },
                Icmpv6Type::ParameterProblem(ParameterProblemHeader {
                    code: ParameterProblemCode::UnrecognizedNextHeader,
                    pointer: 40,
                }),
            ),
        ];
        for (kind, theirs) in cases {
            let repr = ErrorRepr { kind };
            let mut buf = [0xFFu8; 200];
            let len = repr
                .emit(&src(), &dst(), &invoking, MIN_MTU, &mut buf)
                .unwrap();
            assert_eq!(len, 108);
            let msg = &buf[..len];
            assert_eq!(
                checksum(&src(), &dst(), msg),
                theirs
                    .calc_checksum(src().octets(), dst().octets(), &invoking)
                    .unwrap(),
                "{kind:?}"
            );
            assert!(etherparse_valid(msg), "{kind:?}");
            assert_eq!(
                Icmpv6Slice::from_slice(msg).unwrap().icmp_type(),
                theirs,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn every_flipped_bit_fails_verify() {
        let buf = emit_nd(&ns(&OPTS));
        assert_eq!(verify(&src(), &dst(), &buf), Ok(()));
        for i in 0..buf.len() {
            for bit in 0..8 {
                let mut bad = buf.clone();
                bad[i] ^= 1 << bit;
                let found = u16::from_be_bytes([bad[2], bad[3]]);
                assert_eq!(
                    verify(&src(), &dst(), &bad),
                    Err(Error::Checksum {
                        computed: checksum(&src(), &dst(), &bad),
                        found
                    }),
                    "octet {i} bit {bit}"
                );
                assert!(!etherparse_valid(&bad));
            }
        }
        // The pseudo-header counts: another destination, or the length.
        let other: Ipv6Addr = "fe80::200:ff:fe00:2".parse().unwrap();
        assert!(matches!(
            verify(&src(), &other, &buf),
            Err(Error::Checksum { .. })
        ));
        let mut longer = buf.clone();
        longer.extend_from_slice(&[0, 0]);
        assert!(matches!(
            verify(&src(), &dst(), &longer),
            Err(Error::Checksum { .. })
        ));
    }

    #[test]
    fn zero_checksum_is_accepted_only_as_the_other_zero() {
        // Pick the data word so that the checksum comes out as one's complement zero.
        let mut msg = [128u8, 0, 0, 0, 0, 1, 0, 1, 0, 0];
        let c = checksum(&src(), &dst(), &msg);
        assert!(c != 0xFFFF);
        msg[8..10].copy_from_slice(&c.to_be_bytes());
        assert_eq!(checksum(&src(), &dst(), &msg), 0xFFFF);
        msg[2..4].copy_from_slice(&[0xFF, 0xFF]);
        assert_eq!(verify(&src(), &dst(), &msg), Ok(()));
        assert!(etherparse_valid(&msg));
        msg[2..4].copy_from_slice(&[0, 0]);
        assert_eq!(verify(&src(), &dst(), &msg), Ok(()));
        assert!(etherparse_valid(&msg));
        // Elsewhere, 0 is just a wrong checksum.
        let mut other = emit_nd(&rs(&[]));
        let computed = checksum(&src(), &dst(), &other);
        assert!(computed != 0xFFFF);
        other[2..4].copy_from_slice(&[0, 0]);
        assert_eq!(
            verify(&src(), &dst(), &other),
            Err(Error::Checksum { computed, found: 0 })
        );
    }

    #[test]
    fn checksum_never_returns_zero_and_ignores_the_field() {
        let mut buf = emit_nd(&na(&OPTS));
        let c = checksum(&src(), &dst(), &buf);
        buf[2..4].copy_from_slice(&[0x5A, 0xA5]);
        assert_eq!(checksum(&src(), &dst(), &buf), c);
        // Short inputs are summed as they are, without panicking.
        for n in 0..4 {
            assert_ne!(checksum(&src(), &dst(), &buf[..n]), 0);
            assert_eq!(
                verify(&src(), &dst(), &buf[..n]),
                Err(Error::Truncated { needed: 4, got: n })
            );
        }
    }

    // --- Packet view --------------------------------------------------------------------------

    #[test]
    fn packet_view_reads_and_writes_the_header() {
        let mut buf = [0xFFu8; 12];
        let mut p = Packet::new_checked(&mut buf[..]).unwrap();
        p.set_msg_type(msg_type::ECHO_REQUEST);
        p.set_code(0);
        p.set_checksum(0);
        assert_eq!(p.body(), &[0xFF; 8]);
        p.fill_checksum(&src(), &dst());
        assert_eq!(p.msg_type(), 128);
        assert_eq!(p.code(), 0);
        let c = p.checksum();
        let buf = p.into_inner();
        assert_eq!(c, checksum(&src(), &dst(), buf));
        assert_eq!(u16::from_be_bytes([buf[2], buf[3]]), c);
        assert!(etherparse_valid(buf));
        assert_eq!(verify(&src(), &dst(), buf), Ok(()));
    }

    #[test]
    fn packet_view_truncation_at_every_length() {
        let buf = [135u8, 1, 0xAB, 0xCD, 9];
        for n in 0..4 {
            assert_eq!(
                Packet::new_checked(&buf[..n]).err(),
                Some(Error::Truncated { needed: 4, got: n })
            );
            // Unchecked views do not panic on short buffers.
            let p = Packet::new_unchecked(&buf[..n]);
            let _ = (p.msg_type(), p.code(), p.checksum(), p.body());
            let mut short = buf;
            let mut q = Packet::new_unchecked(&mut short[..n]);
            q.set_checksum(0);
            q.fill_checksum(&src(), &dst());
        }
        let p = Packet::new_checked(&buf[..4]).unwrap();
        assert_eq!((p.msg_type(), p.code(), p.checksum()), (135, 1, 0xABCD));
        assert_eq!(p.body(), &[] as &[u8]);
        let p = Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.body(), &[9]);
        let empty = Packet::new_unchecked(&[][..]);
        assert_eq!(
            (empty.msg_type(), empty.code(), empty.checksum()),
            (0, 0, 0)
        );
    }

    // --- ND -----------------------------------------------------------------------------------

    #[test]
    fn nd_wire_layout_is_rfc_4861() {
        let buf = emit_nd(&ra(&[]));
        assert_eq!(&buf[..2], &[134, 0], "RA type and code");
        assert_eq!(
            &buf[4..16],
            &[64, 0x80, 0x07, 0x08, 0, 0, 0x75, 0x30, 0, 0, 0x03, 0xE8]
        );
        let buf = emit_nd(&na(&[]));
        assert_eq!(&buf[..2], &[136, 0]);
        assert_eq!(&buf[4..8], &[0xC0, 0, 0, 0]);
        assert_eq!(&buf[8..24], &target_addr().octets());
        let buf = emit_nd(&ns(&OPTS[..8]));
        assert_eq!(&buf[..2], &[135, 0]);
        assert_eq!(&buf[4..8], &[0, 0, 0, 0]);
        assert_eq!(&buf[8..24], &target_addr().octets());
        assert_eq!(&buf[24..], &OPTS[..8]);
        let buf = emit_nd(&rs(&[]));
        assert_eq!(buf.len(), 8);
        assert_eq!(&buf[..2], &[133, 0]);
        assert_eq!(&buf[4..], &[0, 0, 0, 0]);
    }

    #[test]
    fn nd_emit_into_ff_buffer_then_parse_round_trips() {
        for opts in [&[][..], &OPTS[..8], &OPTS[..]] {
            for repr in [rs(opts), ra(opts), ns(opts), na(opts)] {
                let fixed = repr.buffer_len() - opts.len();
                assert_eq!(
                    fixed,
                    match repr.msg_type() {
                        133 => 8,
                        134 => 16,
                        _ => 24,
                    }
                );
                let mut buf = vec![0xFFu8; repr.buffer_len() + 7];
                assert_eq!(repr.emit(&src(), &dst(), &mut buf), Ok(repr.buffer_len()));
                let (msg, tail) = buf.split_at(repr.buffer_len());
                assert!(tail.iter().all(|&b| b == 0xFF), "{repr:?}");
                assert_eq!(verify(&src(), &dst(), msg), Ok(()));
                assert_eq!(NdRepr::parse(msg), Ok(repr));
                assert_eq!(
                    NdRepr::parse(msg).unwrap().options.as_ptr(),
                    msg[fixed..].as_ptr()
                );
            }
        }
    }

    #[test]
    fn nd_all_flags_round_trip() {
        for bits in 0..8u8 {
            let (a, b, c) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
            let repr = NdRepr {
                kind: NdKind::NeighborAdvert {
                    router: a,
                    solicited: b,
                    override_: c,
                    target: Ipv6Addr::LOCALHOST,
                },
                options: &[],
            };
            assert_eq!(NdRepr::parse(&emit_nd(&repr)), Ok(repr));
            let repr = NdRepr {
                kind: NdKind::RouterAdvert {
                    cur_hop_limit: 255,
                    managed: a,
                    other: b,
                    router_lifetime_s: 0xFFFF,
                    reachable_ms: u32::MAX,
                    retrans_ms: 0,
                },
                options: &[],
            };
            assert_eq!(NdRepr::parse(&emit_nd(&repr)), Ok(repr));
        }
    }

    #[test]
    fn nd_reserved_bits_are_ignored() {
        let mut buf = emit_nd(&na(&[]));
        buf[4] |= 0x1F;
        buf[5..8].fill(0xFF);
        assert_eq!(NdRepr::parse(&buf), Ok(na(&[])));
        let mut buf = emit_nd(&ra(&[]));
        buf[5] |= 0x3F; // H, Prf, P and reserved (RFC 3775/4191/8425): not ours
        assert_eq!(NdRepr::parse(&buf), Ok(ra(&[])));
        let mut buf = emit_nd(&ns(&[]));
        buf[4..8].fill(0xFF);
        assert_eq!(NdRepr::parse(&buf), Ok(ns(&[])));
        let mut buf = emit_nd(&rs(&[]));
        buf[4..8].fill(0xFF);
        assert_eq!(NdRepr::parse(&buf), Ok(rs(&[])));
    }

    #[test]
    fn nd_truncation_at_every_length() {
        for repr in [rs(&OPTS), ra(&OPTS), ns(&OPTS), na(&OPTS)] {
            let buf = emit_nd(&repr);
            let fixed = buf.len() - OPTS.len();
            for n in 0..buf.len() {
                let expected = if n < 4 {
                    Err(Error::Truncated { needed: 4, got: n })
                } else if n < fixed {
                    Err(Error::Truncated {
                        needed: fixed,
                        got: n,
                    })
                } else {
                    let k = n - fixed;
                    match k {
                        0 | 8 => Ok(NdRepr {
                            kind: repr.kind,
                            options: &OPTS[..k],
                        }),
                        1..8 => Err(Error::Options(NdError::Overrun {
                            at: 0,
                            needed: 8,
                            got: k,
                        })),
                        9 => Err(Error::Options(NdError::Overrun {
                            at: 8,
                            needed: 8,
                            got: 1,
                        })),
                        _ => Err(Error::Options(NdError::Overrun {
                            at: 8,
                            needed: 16,
                            got: k - 8,
                        })),
                    }
                };
                assert_eq!(NdRepr::parse(&buf[..n]), expected, "{repr:?} at {n}");
            }
            assert_eq!(NdRepr::parse(&buf), Ok(repr));
        }
    }

    #[test]
    fn nd_refuses_an_option_of_length_zero() {
        let mut opts = OPTS;
        opts[9] = 0;
        for repr in [rs(&opts), ra(&opts), ns(&opts), na(&opts)] {
            let buf = emit_nd(&repr);
            assert_eq!(
                NdRepr::parse(&buf),
                Err(Error::Options(NdError::ZeroLength { at: 8 }))
            );
        }
        let buf = emit_nd(&ns(&[1, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(
            NdRepr::parse(&buf),
            Err(Error::Options(NdError::ZeroLength { at: 0 }))
        );
    }

    #[test]
    fn nd_refuses_a_nonzero_code() {
        for repr in [rs(&[]), ra(&[]), ns(&[]), na(&[])] {
            for code in 1..=255u8 {
                let mut buf = emit_nd(&repr);
                buf[1] = code;
                Packet::new_unchecked(&mut buf[..]).fill_checksum(&src(), &dst());
                assert_eq!(verify(&src(), &dst(), &buf), Ok(()));
                assert_eq!(
                    NdRepr::parse(&buf),
                    Err(Error::Code {
                        msg_type: repr.msg_type(),
                        code
                    })
                );
            }
        }
    }

    #[test]
    fn nd_refuses_other_types() {
        for t in (0..=255u8).filter(|t| !(133..=136).contains(t)) {
            let mut buf = emit_nd(&ns(&[]));
            buf[0] = t;
            assert_eq!(NdRepr::parse(&buf), Err(Error::Unexpected(t)));
        }
    }

    #[test]
    fn nd_emit_refuses_a_short_buffer_without_writing() {
        let repr = na(&OPTS);
        for n in 0..repr.buffer_len() {
            let mut buf = vec![0xFFu8; n];
            assert_eq!(
                repr.emit(&src(), &dst(), &mut buf),
                Err(Error::Buffer { needed: 48, got: n })
            );
            assert!(buf.iter().all(|&b| b == 0xFF));
        }
    }

    // --- Echo ---------------------------------------------------------------------------------

    #[test]
    fn echo_emit_into_ff_buffer_then_parse_round_trips() {
        for reply in [false, true] {
            for data in [&b""[..], b"x", b"PASA ping"] {
                let echo = EchoRepr {
                    reply,
                    ident: 0xA1B2,
                    seq: 0xC3D4,
                    data,
                };
                assert_eq!(echo.buffer_len(), 8 + data.len());
                let mut buf = vec![0xFFu8; echo.buffer_len() + 3];
                assert_eq!(echo.emit(&src(), &dst(), &mut buf), Ok(echo.buffer_len()));
                let (msg, tail) = buf.split_at(echo.buffer_len());
                assert_eq!(tail, &[0xFF; 3]);
                assert_eq!(&msg[..2], &[if reply { 129 } else { 128 }, 0]);
                assert_eq!(&msg[4..8], &[0xA1, 0xB2, 0xC3, 0xD4]);
                assert_eq!(verify(&src(), &dst(), msg), Ok(()));
                assert!(etherparse_valid(msg));
                assert_eq!(EchoRepr::parse(msg), Ok(echo));
                assert_eq!(echo.msg_type(), msg[0]);
            }
        }
    }

    #[test]
    fn echo_truncation_at_every_length() {
        let echo = EchoRepr {
            reply: false,
            ident: 1,
            seq: 2,
            data: &[9, 8, 7],
        };
        let mut buf = [0u8; 11];
        echo.emit(&src(), &dst(), &mut buf).unwrap();
        for n in 0..buf.len() {
            let expected = match n {
                0..4 => Err(Error::Truncated { needed: 4, got: n }),
                4..8 => Err(Error::Truncated { needed: 8, got: n }),
                _ => Ok(EchoRepr {
                    data: &echo.data[..n - 8],
                    ..echo
                }),
            };
            assert_eq!(EchoRepr::parse(&buf[..n]), expected, "at {n}");
        }
        for n in 0..buf.len() {
            let mut out = vec![0xFFu8; n];
            assert_eq!(
                echo.emit(&src(), &dst(), &mut out),
                Err(Error::Buffer { needed: 11, got: n })
            );
            assert!(out.iter().all(|&b| b == 0xFF));
        }
    }

    #[test]
    fn echo_refuses_a_nonzero_code_and_other_types() {
        let mut buf = [0u8; 8];
        let echo = EchoRepr {
            reply: true,
            ident: 0,
            seq: 0,
            data: &[],
        };
        echo.emit(&src(), &dst(), &mut buf).unwrap();
        buf[1] = 4;
        assert_eq!(
            EchoRepr::parse(&buf),
            Err(Error::Code {
                msg_type: 129,
                code: 4
            })
        );
        for t in (0..=255u8).filter(|t| !(128..=129).contains(t)) {
            buf[0] = t;
            assert_eq!(EchoRepr::parse(&buf), Err(Error::Unexpected(t)));
        }
    }

    // --- Errors -------------------------------------------------------------------------------

    const ALL_ERRORS: [ErrorKind; 4] = [
        ErrorKind::DstUnreachable(4),
        ErrorKind::PacketTooBig { mtu: 127 },
        ErrorKind::TimeExceeded(1),
        ErrorKind::ParamProblem {
            code: 2,
            pointer: 0x0102_0304,
        },
    ];

    #[test]
    fn error_types_codes_and_words() {
        let expected = [(1, 4, 0), (2, 0, 127), (3, 1, 0), (4, 2, 0x0102_0304)];
        for (kind, (t, c, w)) in ALL_ERRORS.into_iter().zip(expected) {
            let repr = ErrorRepr { kind };
            assert_eq!((repr.msg_type(), repr.code()), (t, c));
            let mut buf = [0xFFu8; 8];
            assert_eq!(repr.emit(&src(), &dst(), &[], 1240, &mut buf), Ok(8));
            assert_eq!(&buf[..2], &[t, c]);
            assert_eq!(u32::from_be_bytes(buf[4..8].try_into().unwrap()), w);
        }
    }

    #[test]
    fn error_quotes_all_of_a_short_invoking_packet() {
        let invoking: Vec<u8> = (0..60u8).collect();
        for kind in ALL_ERRORS {
            let repr = ErrorRepr { kind };
            assert_eq!(repr.buffer_len(invoking.len(), 1240), 68);
            // B46: the cap is larger, but only the octets received are quoted.
            let mut buf = [0xFFu8; 1300];
            assert_eq!(repr.emit(&src(), &dst(), &invoking, 1240, &mut buf), Ok(68));
            assert!(buf[68..].iter().all(|&b| b == 0xFF));
            assert_eq!(verify(&src(), &dst(), &buf[..68]), Ok(()));
            assert!(etherparse_valid(&buf[..68]));
            assert_eq!(ErrorRepr::parse(&buf[..68]), Ok((repr, &invoking[..])));
        }
    }

    #[test]
    fn error_quote_is_cut_at_the_cap() {
        let invoking: Vec<u8> = (0..1500u32).map(|i| i as u8).collect();
        let repr = ErrorRepr {
            kind: ErrorKind::DstUnreachable(0),
        };
        // A one-frame cap, as the LLN uses.
        assert_eq!(repr.buffer_len(1500, 81), 81);
        let mut buf = [0xFFu8; 100];
        assert_eq!(repr.emit(&src(), &dst(), &invoking, 81, &mut buf), Ok(81));
        assert!(buf[81..].iter().all(|&b| b == 0xFF));
        assert_eq!(ErrorRepr::parse(&buf[..81]), Ok((repr, &invoking[..73])));
        assert_eq!(verify(&src(), &dst(), &buf[..81]), Ok(()));
        // Exactly at the cap.
        assert_eq!(repr.buffer_len(73, 81), 81);
        assert_eq!(repr.buffer_len(74, 81), 81);
        assert_eq!(repr.buffer_len(72, 81), 80);
    }

    #[test]
    fn error_cap_is_clamped_to_1240_and_to_the_header() {
        let invoking: Vec<u8> = (0..2000u32).map(|i| (i % 251) as u8).collect();
        let repr = ErrorRepr {
            kind: ErrorKind::PacketTooBig { mtu: 1280 },
        };
        for cap in [1240, 1241, 1280, 5000, usize::MAX] {
            assert_eq!(repr.buffer_len(invoking.len(), cap), 1240, "cap {cap}");
        }
        assert_eq!(repr.buffer_len(usize::MAX, usize::MAX), 1240);
        let mut buf = vec![0xFFu8; 1500];
        assert_eq!(
            repr.emit(&src(), &dst(), &invoking, 5000, &mut buf),
            Ok(1240)
        );
        assert!(buf[1240..].iter().all(|&b| b == 0xFF));
        assert_eq!(
            ErrorRepr::parse(&buf[..1240]),
            Ok((repr, &invoking[..1232]))
        );
        assert!(etherparse_valid(&buf[..1240]));
        // With its 40-octet IPv6 header the packet is exactly the minimum MTU.
        assert_eq!(1240 + 40, MIN_MTU);
        // A cap below the header still gives the header, quoting nothing.
        for cap in 0..=8 {
            assert_eq!(repr.buffer_len(invoking.len(), cap), 8, "cap {cap}");
        }
        let mut small = [0xFFu8; 8];
        assert_eq!(repr.emit(&src(), &dst(), &invoking, 0, &mut small), Ok(8));
        assert_eq!(ErrorRepr::parse(&small), Ok((repr, &[][..])));
    }

    #[test]
    fn error_emit_refuses_a_short_buffer_without_writing() {
        let repr = ErrorRepr {
            kind: ErrorKind::TimeExceeded(0),
        };
        let invoking = [0x60u8; 48];
        for n in 0..56 {
            let mut out = vec![0xFFu8; n];
            assert_eq!(
                repr.emit(&src(), &dst(), &invoking, 1240, &mut out),
                Err(Error::Buffer { needed: 56, got: n })
            );
            assert!(out.iter().all(|&b| b == 0xFF));
        }
    }

    #[test]
    fn error_truncation_at_every_length() {
        for kind in ALL_ERRORS {
            let repr = ErrorRepr { kind };
            let invoking = [0xAAu8; 5];
            let mut buf = [0u8; 13];
            repr.emit(&src(), &dst(), &invoking, 1240, &mut buf)
                .unwrap();
            for n in 0..buf.len() {
                let expected = match n {
                    0..4 => Err(Error::Truncated { needed: 4, got: n }),
                    4..8 => Err(Error::Truncated { needed: 8, got: n }),
                    _ => Ok((repr, &invoking[..n - 8])),
                };
                assert_eq!(ErrorRepr::parse(&buf[..n]), expected, "{kind:?} at {n}");
            }
        }
    }

    #[test]
    fn error_parse_refuses_other_types_and_ignores_unused() {
        let mut buf = [0u8; 8];
        ErrorRepr {
            kind: ErrorKind::TimeExceeded(0),
        }
        .emit(&src(), &dst(), &[], 1240, &mut buf)
        .unwrap();
        for t in (0..=255u8).filter(|t| !(1..=4).contains(t)) {
            buf[0] = t;
            assert_eq!(ErrorRepr::parse(&buf), Err(Error::Unexpected(t)));
        }
        // Unused is ignored on receipt (RFC 4443 §3.1, §3.3).
        buf[0] = 1;
        buf[1] = 6;
        buf[4..8].fill(0xFF);
        assert_eq!(
            ErrorRepr::parse(&buf),
            Ok((
                ErrorRepr {
                    kind: ErrorKind::DstUnreachable(6)
                },
                &[][..]
            ))
        );
        // The Packet Too Big code is ignored too (RFC 4443 §3.2).
        buf[0] = 2;
        buf[1] = 9;
        assert_eq!(
            ErrorRepr::parse(&buf).unwrap().0,
            ErrorRepr {
                kind: ErrorKind::PacketTooBig { mtu: u32::MAX }
            }
        );
    }

    // --- Property tests -----------------------------------------------------------------------

    fn arb_nd_kind() -> impl Strategy<Value = NdKind> {
        prop_oneof![
            Just(NdKind::RouterSolicit),
            any::<(u8, bool, bool, u16, u32, u32)>().prop_map(|(h, m, o, l, r, t)| {
                NdKind::RouterAdvert {
                    cur_hop_limit: h,
                    managed: m,
                    other: o,
                    router_lifetime_s: l,
                    reachable_ms: r,
                    retrans_ms: t,
                }
            }),
            any::<[u8; 16]>().prop_map(|t| NdKind::NeighborSolicit {
                target: Ipv6Addr::from(t)
            }),
            any::<(bool, bool, bool, [u8; 16])>().prop_map(|(r, s, o, t)| {
                NdKind::NeighborAdvert {
                    router: r,
                    solicited: s,
                    override_: o,
                    target: Ipv6Addr::from(t),
                }
            }),
        ]
    }

    /// A well-framed option list: options of Length 1..=3 with arbitrary bodies.
    fn arb_options() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec((any::<u8>(), 1u8..=3, any::<[u8; 22]>()), 0..4).prop_map(|opts| {
            let mut v = Vec::new();
            for (ty, len, body) in opts {
                v.push(ty);
                v.push(len);
                v.extend_from_slice(&body[..usize::from(len) * 8 - 2]);
            }
            v
        })
    }

    proptest! {
        #[test]
        fn prop_nd_round_trips(kind in arb_nd_kind(), opts in arb_options(), tail in 0usize..8) {
            let repr = NdRepr { kind, options: &opts };
            let mut buf = vec![0xFFu8; repr.buffer_len() + tail];
            prop_assert_eq!(repr.emit(&src(), &dst(), &mut buf), Ok(repr.buffer_len()));
            let msg = &buf[..repr.buffer_len()];
            prop_assert!(buf[repr.buffer_len()..].iter().all(|&b| b == 0xFF));
            prop_assert_eq!(verify(&src(), &dst(), msg), Ok(()));
            prop_assert!(etherparse_valid(msg));
            prop_assert_eq!(NdRepr::parse(msg), Ok(repr));
        }

        #[test]
        fn prop_echo_round_trips(reply: bool, ident: u16, seq: u16,
                                 data in prop::collection::vec(any::<u8>(), 0..64)) {
            let echo = EchoRepr { reply, ident, seq, data: &data };
            let mut buf = vec![0xFFu8; echo.buffer_len()];
            prop_assert_eq!(echo.emit(&src(), &dst(), &mut buf), Ok(buf.len()));
            prop_assert_eq!(verify(&src(), &dst(), &buf), Ok(()));
            prop_assert!(etherparse_valid(&buf));
            prop_assert_eq!(EchoRepr::parse(&buf), Ok(echo));
        }

        #[test]
        fn prop_arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            let _ = verify(&src(), &dst(), &bytes);
            let _ = checksum(&src(), &dst(), &bytes);
            let p = Packet::new_unchecked(&bytes[..]);
            let _ = (p.msg_type(), p.code(), p.checksum(), p.body());
            let _ = ErrorRepr::parse(&bytes);
            let _ = EchoRepr::parse(&bytes);
            // Whatever NdRepr accepts, it re-emits to the same message bar reserved bits
            // and the checksum.
            if let Ok(r) = NdRepr::parse(&bytes) {
                prop_assert_eq!(r.buffer_len(), bytes.len());
                let mut out = vec![0u8; r.buffer_len()];
                r.emit(&src(), &dst(), &mut out).unwrap();
                prop_assert_eq!(NdRepr::parse(&out), Ok(r));
                prop_assert_eq!(&out[HEADER_LEN + 4..], &bytes[HEADER_LEN + 4..]);
            }
        }
    }
}
