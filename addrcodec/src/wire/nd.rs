//! IPv6 Neighbor Discovery options used by PASA: GAAO, EARO, 6CIO and SLLAO/TLLAO.
//!
//! Every ND option is `Type (1) | Length (1, units of 8 octets) | body`, big-endian
//! (RFC 4861 §4.6). Each option here has a checked view (`XxxPacket<T: AsRef<[u8]>>`: getters
//! and setters over the raw bytes) and a decoded value (`XxxRepr`: `parse`, `buffer_len`,
//! `emit`). [`NdOptions`] walks a list of concatenated options and [`find`] picks one out of a
//! list it has validated first.
//!
//! | Option | Type | Source | View | Value |
//! |---|---|---|---|---|
//! | GAAO | [`DEFAULT_GAAO_TYPE`] (TBD, configurable) | draft-ietf-6lo-nd-gaao-09 | [`GaaoPacket`] | [`GaaoRepr`] |
//! | EARO | [`EARO_TYPE`] = 33 | RFC 8505 §4.1 | [`EaroPacket`] | [`EaroRepr`] |
//! | 6CIO | [`CIO_TYPE`] = 36 | RFC 7400 §3.3, RFC 8505 §4.3 | [`CioPacket`] | [`CioRepr`] |
//! | SLLAO / TLLAO | [`SLLAO_TYPE`] = 1 / [`TLLAO_TYPE`] = 2 | RFC 4861 §4.6.1, RFC 4944 §8 | [`LlaoPacket`] | [`LlaoRepr`] |
//!
//! Rules shared by every option:
//! - `check_len` validates the Length field (non-zero, within the buffer, legal for the option)
//!   and everything any getter reads; once it passed, getters return the option's real fields.
//!   On an unchecked view getters never panic either: out-of-range reads give 0 or an empty
//!   slice, out-of-range writes do nothing.
//! - The buffer may be longer than the option (Length × 8 octets): the extra octets are not
//!   part of it and are never read or written.
//! - Reserved bits and padding are sent as 0 and ignored on receipt (RFC 4861 §4.6).
//! - `emit` writes the minimal canonical encoding; `emit` into a buffer of at least
//!   `buffer_len()` octets cannot fail or panic, and writes nothing past `buffer_len()`.
//! - An option list with an option of Length 0 or an option running past the end is an error
//!   that ends the walk: RFC 4861 §4.6 / §7.1.1 says the whole message is discarded
//!   (RELIABILITY.md B50).

use core::fmt;
use core::iter::FusedIterator;

use crate::addr::Role;

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/// Size of the unit of the ND option Length field, in octets (RFC 4861 §4.6).
pub const OPTION_UNIT_LEN: usize = 8;

/// ND option type of the Source Link-Layer Address Option (RFC 4861 §4.6.1).
pub const SLLAO_TYPE: u8 = 1;

/// ND option type of the Target Link-Layer Address Option (RFC 4861 §4.6.1).
pub const TLLAO_TYPE: u8 = 2;

/// ND option type of the (Extended) Address Registration Option (RFC 6775 / RFC 8505 §4.1).
pub const EARO_TYPE: u8 = 33;

/// ND option type of the 6LoWPAN Capability Indication Option (RFC 7400 §3.3).
pub const CIO_TYPE: u8 = 36;

/// Default ND option type of the GAAO. GAAO-09 leaves it TBD; SPEC.md §9.1 item 3 recommends
/// 253, the RFC 4727 experimental ND option type. Use [`GaaoRepr::parse_with_type`] and
/// [`GaaoRepr::emit_with_type`] for another value.
pub const DEFAULT_GAAO_TYPE: u8 = 253;

/// GAAO AAF value "no AAF / no preference" (GAAO-09 §4; RECOMMENDED in an NS).
pub const AAF_NONE: u8 = 0;

/// GAAO AAF value standing for TAAF (TBD2 in draft-13): 0xF, Experimental Use, until IANA
/// assigns one (SPEC.md §9.1 item 2).
pub const AAF_TAAF_DEFAULT: u8 = 0xF;

/// GAAO status "AAF Not Used" (TBD in GAAO-09; SPEC.md §9.1 item 3 recommends 13).
pub const STATUS_AAF_NOT_USED: u8 = 13;

/// Default mask of the GAAO support bit M in octet 4 of the 6CIO: capability bit 17, right
/// after F (TBD in GAAO-09; SPEC.md §9.1 item 3).
pub const DEFAULT_M_MASK: u8 = 0x40;

/// Size of the GAAO and EARO fixed part (Type to Lifetime), in octets.
pub const GAAO_HEADER_LEN: usize = 8;

/// Size of the Address/Prefix field of a GAAO, in octets.
pub const GAAO_ADDRESS_LEN: usize = 16;

/// Size of the EARO fixed part (Type to Registration Lifetime), in octets.
pub const EARO_HEADER_LEN: usize = 8;

/// Size of a 6CIO as sent (Length 1), in octets.
pub const CIO_LEN: usize = 8;

/// 6CIO octet 3 masks (RFC 7400 / RFC 8505 §4.3 / RFC 9685; SPEC.md §6.2).
pub mod cio_flags {
    /// X: capability bit 8 (later RFCs; not used by PASA).
    pub const X: u8 = 0x80;
    /// A: capability bit 9 (later RFCs; not used by PASA).
    pub const A: u8 = 0x40;
    /// D: capability bit 10 (later RFCs; not the "D-bit" of PASA §5, see SPEC.md §9.1 item 4).
    pub const D: u8 = 0x20;
    /// L: capability bit 11, the node is a 6LR.
    pub const L: u8 = 0x10;
    /// B: capability bit 12, the node is a 6LBR.
    pub const B: u8 = 0x08;
    /// P: capability bit 13, Routing Registrar.
    pub const P: u8 = 0x04;
    /// E: capability bit 14, ND Registrar supporting EARO.
    pub const E: u8 = 0x02;
    /// G: capability bit 15, GHC capable (RFC 7400).
    pub const G: u8 = 0x01;
    /// F (in octet 4): capability bit 16.
    pub const F: u8 = 0x80;
}

/// EARO flags octet masks (RFC 8505 §4.1, RFC 9685; SPEC.md §6.1).
pub mod earo_flags {
    /// T: the TID field is valid; MUST be 1 in an EARO (0 means an RFC 6775 ARO).
    pub const T: u8 = 0x01;
    /// R: the registering node asks the 6LR to make the address reachable.
    pub const R: u8 = 0x02;
    /// I: 2-bit field, what the Opaque field carries (0 = a topology index).
    pub const I: u8 = 0x0C;
    /// P: 2-bit field, RFC 9685 address type (0 unicast, 1 multicast, 2 anycast).
    pub const P: u8 = 0x30;
    /// The bits with no meaning here: sent as 0, ignored on receipt.
    pub const RESERVED: u8 = 0xC0;
}

/// GAAO octet 4 masks (GAAO-09 §4; SPEC.md §2.1).
pub mod gaao_flags {
    /// R: explicit registration requested (by the 6LR, in the NA).
    pub const R: u8 = 0x80;
    /// C: the ROVR is a Crypto-ID (RFC 8928 / RFC 9927).
    pub const C: u8 = 0x40;
    /// The 3 reserved bits: sent as 0, ignored on receipt.
    pub const RESERVED: u8 = 0x38;
    /// PfxLen bits 6..4, in the low 3 bits of octet 4.
    pub const PFX_LEN_HIGH: u8 = 0x07;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why an ND option or option list was refused.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NdError {
    /// The buffer ends before the option does: the option needs `needed` octets, the buffer
    /// has `got`.
    Truncated {
        /// Octets the option needs (from its Length field, or the option's minimum size when
        /// the Length field itself is missing).
        needed: usize,
        /// Octets available.
        got: usize,
    },
    /// An option has Length 0 (RFC 4861 §4.6: the message MUST be discarded).
    ZeroLength {
        /// Byte offset of the option in the list (0 for a single option).
        at: usize,
    },
    /// In an option list, the option at `at` runs past the end of the list.
    Overrun {
        /// Byte offset of the option in the list.
        at: usize,
        /// Octets the option claims (at least 8 when its Length field is missing).
        needed: usize,
        /// Octets left in the list from `at`.
        got: usize,
    },
    /// The option has another type than the parser expects.
    WrongType {
        /// The type the parser expects.
        expected: u8,
        /// The type found.
        got: u8,
    },
    /// The option type is neither SLLAO (1) nor TLLAO (2).
    NotLinkLayerAddress {
        /// The type found.
        got: u8,
    },
    /// A Length field value is not legal for this option.
    BadLength {
        /// Which field, and why.
        field: &'static str,
        /// The value found.
        value: u8,
    },
    /// A ROVR is not 64, 128, 192 or 256 bits long (RFC 8505 §4.1; RELIABILITY.md B53).
    BadRovrLen {
        /// The ROVR size in octets.
        octets: usize,
    },
    /// A link-layer address is not 2, 6 or 8 octets long.
    BadLinkAddrLen {
        /// The address size in octets.
        octets: usize,
    },
    /// A value does not fit its narrow field.
    OutOfRange {
        /// Which field.
        field: &'static str,
        /// The value given.
        value: u8,
        /// Smallest legal value.
        min: u8,
        /// Largest legal value.
        max: u8,
    },
}

impl fmt::Display for NdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Truncated { needed, got } => write!(
                f,
                "ND option truncated: needs {needed} octets, buffer has {got}"
            ),
            Self::ZeroLength { at } => {
                write!(f, "ND option at offset {at} has Length 0")
            }
            Self::Overrun { at, needed, got } => write!(
                f,
                "ND option at offset {at} needs {needed} octets but only {got} remain in the list"
            ),
            Self::WrongType { expected, got } => {
                write!(f, "expected ND option type {expected}, got {got}")
            }
            Self::NotLinkLayerAddress { got } => write!(
                f,
                "expected ND option type 1 (SLLAO) or 2 (TLLAO), got {got}"
            ),
            Self::BadLength { field, value } => {
                write!(f, "invalid ND option Length {value}: {field}")
            }
            Self::BadRovrLen { octets } => write!(
                f,
                "ROVR of {octets} octets; it must be 8, 16, 24 or 32 octets (64-256 bits)"
            ),
            Self::BadLinkAddrLen { octets } => write!(
                f,
                "link-layer address of {octets} octets; it must be 2, 6 or 8 octets"
            ),
            Self::OutOfRange {
                field,
                value,
                min,
                max,
            } => write!(f, "{field} = {value} is outside {min}..={max}"),
        }
    }
}

impl core::error::Error for NdError {}

// ---------------------------------------------------------------------------------------------
// Small validated values
// ---------------------------------------------------------------------------------------------

/// A Registration Ownership Verifier (RFC 8505 §4.1, RFC 8928): 64, 128, 192 or 256 bits.
///
/// Invariant: `len` is 8, 16, 24 or 32 and the octets of `bytes` past `len` are zero, so the
/// derived equality and hash only see the ROVR.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rovr {
    bytes: [u8; 32],
    len: u8,
}

impl Rovr {
    /// Largest ROVR, in octets.
    pub const MAX_LEN: usize = 32;

    /// A ROVR from its octets; refuses any size other than 8, 16, 24 or 32 octets.
    pub fn new(octets: &[u8]) -> Result<Self, NdError> {
        let len = octets.len();
        if !Self::is_valid_len(len) {
            return Err(NdError::BadRovrLen { octets: len });
        }
        let mut bytes = [0u8; 32];
        let dst = bytes
            .get_mut(..len)
            .ok_or(NdError::BadRovrLen { octets: len })?;
        dst.copy_from_slice(octets);
        // len <= 32 was checked above, so it fits a u8.
        let len = u8::try_from(len).map_err(|_| NdError::BadRovrLen { octets: len })?;
        Ok(Self { bytes, len })
    }

    /// Whether `octets` is a legal ROVR size (8, 16, 24 or 32).
    pub const fn is_valid_len(octets: usize) -> bool {
        matches!(octets, 8 | 16 | 24 | 32)
    }

    /// The ROVR octets (8, 16, 24 or 32 of them).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The ROVR size in bits: 64, 128, 192 or 256.
    pub const fn len_bits(&self) -> u16 {
        // len <= 32, so len * 8 <= 256 fits a u16.
        (self.len as u16).saturating_mul(8)
    }

    /// The ROVR size in units of 8 octets: 1 to 4.
    const fn units(&self) -> u8 {
        // len is a multiple of 8 in 8..=32; a right shift by 3 (< 8 bits) is exact.
        self.len.wrapping_shr(3)
    }
}

impl fmt::Debug for Rovr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rovr").field(&self.as_bytes()).finish()
    }
}

/// A link-layer address carried in an SLLAO/TLLAO: a 2-octet IEEE 802.15.4 short address, a
/// 6-octet EUI-48 or an 8-octet EUI-64.
///
/// Invariant: `len` is 2, 6 or 8 and the octets of `bytes` past `len` are zero.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkAddr {
    bytes: [u8; 8],
    len: u8,
}

impl LinkAddr {
    /// A link-layer address from its octets; refuses any size other than 2, 6 or 8 octets.
    pub fn new(octets: &[u8]) -> Result<Self, NdError> {
        let len = octets.len();
        if !matches!(len, 2 | 6 | 8) {
            return Err(NdError::BadLinkAddrLen { octets: len });
        }
        let mut bytes = [0u8; 8];
        let dst = bytes
            .get_mut(..len)
            .ok_or(NdError::BadLinkAddrLen { octets: len })?;
        dst.copy_from_slice(octets);
        // len <= 8 was checked above, so it fits a u8.
        let len = u8::try_from(len).map_err(|_| NdError::BadLinkAddrLen { octets: len })?;
        Ok(Self { bytes, len })
    }

    /// The address octets (2, 6 or 8 of them).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl fmt::Debug for LinkAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LinkAddr").field(&self.as_bytes()).finish()
    }
}

/// The 4-bit Address Assignment Function field of the GAAO (GAAO-09 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Aaf(u8);

impl Aaf {
    /// Largest value of the field.
    pub const MAX: u8 = 0xF;
    /// [`AAF_NONE`]: no AAF / no preference.
    pub const NONE: Aaf = Aaf(AAF_NONE);
    /// [`AAF_TAAF_DEFAULT`]: the value standing for TAAF until IANA assigns TBD2.
    pub const TAAF_DEFAULT: Aaf = Aaf(AAF_TAAF_DEFAULT);

    /// The AAF `value`, which must be at most 15.
    pub const fn try_new(value: u8) -> Result<Self, NdError> {
        if value > Self::MAX {
            return Err(NdError::OutOfRange {
                field: "GAAO AAF",
                value,
                min: 0,
                max: Self::MAX,
            });
        }
        Ok(Self(value))
    }

    /// The field value, 0 to 15.
    pub const fn value(self) -> u8 {
        self.0
    }
}

/// The 7-bit PfxLen of a GAAO that carries an Address/Prefix: 1 to 127 bits (GAAO-09 §4).
///
/// PfxLen 0 is not a value of this type: it means "no Address" (see [`GaaoRepr`]). A 7-bit
/// field cannot exceed 127, so the `> 128` attack of RELIABILITY.md B58 cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PfxLen(u8);

impl PfxLen {
    /// Smallest PfxLen that comes with an Address.
    pub const MIN: u8 = 1;
    /// Largest value of the 7-bit field.
    pub const MAX: u8 = 127;
    /// 64: the PfxLen of an NA that assigns an address (GAAO-09 §4, SPEC.md §9.1 item 5).
    pub const ADDRESS: PfxLen = PfxLen(64);

    /// The PfxLen `value`, which must be 1 to 127.
    pub const fn try_new(value: u8) -> Result<Self, NdError> {
        if value < Self::MIN || value > Self::MAX {
            return Err(NdError::OutOfRange {
                field: "GAAO PfxLen with an Address",
                value,
                min: Self::MIN,
                max: Self::MAX,
            });
        }
        Ok(Self(value))
    }

    /// The length in bits, 1 to 127.
    pub const fn value(self) -> u8 {
        self.0
    }
}

/// A 2-bit field: the EARO I and P fields (RFC 8505 §4.1, RFC 9685).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct U2(u8);

impl U2 {
    /// Largest value of the field.
    pub const MAX: u8 = 3;
    /// The value 0.
    pub const ZERO: U2 = U2(0);

    /// The field `value`, which must be at most 3.
    pub const fn try_new(value: u8) -> Result<Self, NdError> {
        if value > Self::MAX {
            return Err(NdError::OutOfRange {
                field: "2-bit field",
                value,
                min: 0,
                max: Self::MAX,
            });
        }
        Ok(Self(value))
    }

    /// The field value, 0 to 3.
    pub const fn value(self) -> u8 {
        self.0
    }
}

// ---------------------------------------------------------------------------------------------
// GAAO
// ---------------------------------------------------------------------------------------------

/// A view of a Generic Address Assignment Option (draft-ietf-6lo-nd-gaao-09 §4).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |    Length     |    Status     |    Opaque     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|C| Rsvd|   PfxLen    |  AAF  |      Assignment Lifetime      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// ...            Registration Ownership Verifier (ROVR)         ...
/// |                  (64, 128, 192 or 256 bits)                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +          Address/Prefix (128 bits, only if PfxLen != 0)       +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Length = 1 + ROVR octets / 8, plus 2 when the Address is present. Assignment Lifetime is in
/// minutes. Rsvd is sent as 0 and ignored on receipt.
///
/// **How the ROVR size is found.** The Length alone does not say whether the octets after
/// octet 8 are a ROVR or a ROVR plus an Address (24 octets could be a 192-bit ROVR, or a 64-bit
/// ROVR and an Address). GAAO-09 §4 requires PfxLen 0 in an NS without Address and the real
/// length (64 for an address) when an Address is carried, so this codec decides by PfxLen:
/// **PfxLen = 0 means no Address** (the ROVR is all of Length × 8 − 8 octets, which must be 8,
/// 16, 24 or 32); **PfxLen ≠ 0 means the last 16 octets are the Address** (the ROVR is
/// Length × 8 − 24 octets, which must be 8, 16, 24 or 32). Any PfxLen 1..=127 is accepted with
/// an Address; what to do with it is the registrar's policy.
#[derive(Debug, Clone)]
pub struct GaaoPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    //! Octet offsets shared by the options.
    pub(super) const TYPE: usize = 0;
    pub(super) const LENGTH: usize = 1;
    pub(super) const STATUS: usize = 2;
    pub(super) const OPAQUE: usize = 3;
    pub(super) const FLAGS: usize = 4;
    /// GAAO: PfxLen[3:0] | AAF. EARO: TID.
    pub(super) const OCTET5: usize = 5;
    pub(super) const LIFETIME_HI: usize = 6;
    pub(super) const LIFETIME_LO: usize = 7;
    pub(super) const ROVR: usize = 8;
    /// 6CIO: capability octet carrying X A D L B P E G.
    pub(super) const CIO_OCTET3: usize = 3;
    /// 6CIO: capability octet carrying F and M.
    pub(super) const CIO_OCTET4: usize = 4;
    /// SLLAO/TLLAO: first octet of the link-layer address.
    pub(super) const LL_ADDR: usize = 2;
}

/// Smallest legal GAAO: 8 octets of header and a 64-bit ROVR.
const GAAO_MIN_LEN: usize = 16;
/// Smallest legal EARO: 8 octets of header and a 64-bit ROVR.
const EARO_MIN_LEN: usize = 16;

fn octet(buf: &[u8], at: usize) -> u8 {
    buf.get(at).copied().unwrap_or(0)
}

fn set_octet(buf: &mut [u8], at: usize, value: u8) {
    if let Some(b) = buf.get_mut(at) {
        *b = value;
    }
}

/// Sets (`on`) or clears the bits of `mask` in octet `at`, keeping the other bits.
fn set_bits(buf: &mut [u8], at: usize, mask: u8, on: bool) {
    if let Some(b) = buf.get_mut(at) {
        *b = if on { *b | mask } else { *b & !mask };
    }
}

/// Writes `value` into the bits of `mask` in octet `at` (value already shifted into place).
fn set_field(buf: &mut [u8], at: usize, mask: u8, value: u8) {
    if let Some(b) = buf.get_mut(at) {
        *b = (*b & !mask) | (value & mask);
    }
}

fn write_at(buf: &mut [u8], at: usize, src: &[u8]) {
    if let Some(end) = at.checked_add(src.len())
        && let Some(dst) = buf.get_mut(at..end)
    {
        dst.copy_from_slice(src);
    }
}

fn fill_zero(buf: &mut [u8], from: usize, to: usize) {
    if let Some(dst) = buf.get_mut(from..to) {
        dst.fill(0);
    }
}

/// Size in octets of an option whose Length field is `length`.
fn length_to_octets(length: u8) -> usize {
    // At most 255 * 8 = 2040: never saturates.
    usize::from(length).saturating_mul(OPTION_UNIT_LEN)
}

/// Checks the Type/Length header of a single option in `buf`: the Length field is present and
/// non-zero and the option fits the buffer. Returns the option size in octets.
fn check_header(buf: &[u8], min_len: usize) -> Result<usize, NdError> {
    let Some(&length) = buf.get(field::LENGTH) else {
        return Err(NdError::Truncated {
            needed: min_len,
            got: buf.len(),
        });
    };
    if length == 0 {
        return Err(NdError::ZeroLength { at: 0 });
    }
    let total = length_to_octets(length);
    if buf.len() < total {
        return Err(NdError::Truncated {
            needed: total,
            got: buf.len(),
        });
    }
    Ok(total)
}

/// Where the parts of a GAAO sit, from its Length and PfxLen (see [`GaaoPacket`]).
#[derive(Debug, Clone, Copy)]
struct GaaoLayout {
    rovr_len: usize,
    has_address: bool,
}

fn gaao_layout(length: u8, pfx_len: u8) -> Result<GaaoLayout, NdError> {
    let body = length_to_octets(length).saturating_sub(GAAO_HEADER_LEN);
    let has_address = pfx_len != 0;
    let rovr_len = if has_address {
        body.checked_sub(GAAO_ADDRESS_LEN)
            .ok_or(NdError::BadLength {
                field: "GAAO with PfxLen != 0 has no room for its 16-octet Address",
                value: length,
            })?
    } else {
        body
    };
    if !Rovr::is_valid_len(rovr_len) {
        return Err(NdError::BadRovrLen { octets: rovr_len });
    }
    Ok(GaaoLayout {
        rovr_len,
        has_address,
    })
}

impl<T: AsRef<[u8]>> GaaoPacket<T> {
    /// Wraps `buffer` without checking it. Getters do not panic on a short buffer, but return
    /// meaningless values until [`check_len`](Self::check_len) passes.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, NdError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the Length field is non-zero and fits the buffer, and that Length and
    /// PfxLen describe a 64/128/192/256-bit ROVR (plus the Address when PfxLen ≠ 0). The
    /// option type is not checked here (see [`GaaoRepr::parse_with_type`]).
    pub fn check_len(&self) -> Result<(), NdError> {
        check_header(self.buffer.as_ref(), GAAO_MIN_LEN)?;
        gaao_layout(self.length(), self.pfx_len()).map(|_| ())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Octet 0: the option type.
    pub fn option_type(&self) -> u8 {
        octet(self.buffer.as_ref(), field::TYPE)
    }

    /// Octet 1: the Length field, in units of 8 octets.
    pub fn length(&self) -> u8 {
        octet(self.buffer.as_ref(), field::LENGTH)
    }

    /// The option size in octets (Length × 8).
    pub fn option_len(&self) -> usize {
        length_to_octets(self.length())
    }

    /// Octet 2: Status (RFC 8505 values; 0 in a request).
    pub fn status(&self) -> u8 {
        octet(self.buffer.as_ref(), field::STATUS)
    }

    /// Octet 3: Opaque, passed through.
    pub fn opaque(&self) -> u8 {
        octet(self.buffer.as_ref(), field::OPAQUE)
    }

    /// R: explicit registration requested.
    pub fn r(&self) -> bool {
        octet(self.buffer.as_ref(), field::FLAGS) & gaao_flags::R != 0
    }

    /// C: the ROVR is a Crypto-ID.
    pub fn c(&self) -> bool {
        octet(self.buffer.as_ref(), field::FLAGS) & gaao_flags::C != 0
    }

    /// The 3 reserved bits of octet 4, right-aligned (ignored by [`GaaoRepr::parse`]).
    pub fn reserved(&self) -> u8 {
        // A shift by 3 (< 8 bits) of a u8 is exact.
        (octet(self.buffer.as_ref(), field::FLAGS) & gaao_flags::RESERVED).wrapping_shr(3)
    }

    /// PfxLen, 7 bits: 0 when no Address is carried, else the Address/Prefix length in bits.
    pub fn pfx_len(&self) -> u8 {
        let buf = self.buffer.as_ref();
        let high = octet(buf, field::FLAGS) & gaao_flags::PFX_LEN_HIGH;
        let low = octet(buf, field::OCTET5);
        // Shifts by 4 (< 8 bits): high <= 7 so high << 4 <= 0x70, exact.
        high.wrapping_shl(4) | low.wrapping_shr(4)
    }

    /// AAF, 4 bits: the Address Assignment Function.
    pub fn aaf(&self) -> u8 {
        octet(self.buffer.as_ref(), field::OCTET5) & 0x0F
    }

    /// Octets 6-7: the Assignment Lifetime, in minutes.
    pub fn assignment_lifetime_min(&self) -> u16 {
        let buf = self.buffer.as_ref();
        u16::from_be_bytes([
            octet(buf, field::LIFETIME_HI),
            octet(buf, field::LIFETIME_LO),
        ])
    }

    /// The ROVR octets (empty if the view does not pass `check_len`).
    pub fn rovr(&self) -> &[u8] {
        let Ok(layout) = gaao_layout(self.length(), self.pfx_len()) else {
            return &[];
        };
        let Some(end) = field::ROVR.checked_add(layout.rovr_len) else {
            return &[];
        };
        self.buffer.as_ref().get(field::ROVR..end).unwrap_or(&[])
    }

    /// The Address/Prefix: the last 16 octets of the option, present when PfxLen ≠ 0.
    pub fn address(&self) -> Option<[u8; 16]> {
        if self.pfx_len() == 0 {
            return None;
        }
        let end = self.option_len();
        let start = end.checked_sub(GAAO_ADDRESS_LEN)?;
        // The Address follows a ROVR of at least 8 octets.
        if start < GAAO_MIN_LEN {
            return None;
        }
        let bytes = self.buffer.as_ref().get(start..end)?;
        <[u8; 16]>::try_from(bytes).ok()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> GaaoPacket<T> {
    /// Sets octet 0, the option type.
    pub fn set_option_type(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::TYPE, value);
    }

    /// Sets octet 1, the Length field (units of 8 octets).
    pub fn set_length(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::LENGTH, value);
    }

    /// Sets octet 2, Status.
    pub fn set_status(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::STATUS, value);
    }

    /// Sets octet 3, Opaque.
    pub fn set_opaque(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::OPAQUE, value);
    }

    /// Sets or clears R.
    pub fn set_r(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::FLAGS, gaao_flags::R, value);
    }

    /// Sets or clears C.
    pub fn set_c(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::FLAGS, gaao_flags::C, value);
    }

    /// Sets the 3 reserved bits of octet 4 (low 3 bits of `value`; normally 0).
    pub fn set_reserved(&mut self, value: u8) {
        // A shift by 3 (< 8 bits); bits shifted out are dropped by the mask anyway.
        let bits = value.wrapping_shl(3);
        set_field(
            self.buffer.as_mut(),
            field::FLAGS,
            gaao_flags::RESERVED,
            bits,
        );
    }

    /// Sets PfxLen (the low 7 bits of `value`) across octets 4 and 5.
    pub fn set_pfx_len(&mut self, value: u8) {
        let buf = self.buffer.as_mut();
        // Shifts by 4 (< 8 bits) are exact; the masks keep the 7 bits that exist.
        set_field(
            buf,
            field::FLAGS,
            gaao_flags::PFX_LEN_HIGH,
            value.wrapping_shr(4),
        );
        set_field(buf, field::OCTET5, 0xF0, value.wrapping_shl(4));
    }

    /// Sets AAF (the low 4 bits of `value`).
    pub fn set_aaf(&mut self, value: u8) {
        set_field(self.buffer.as_mut(), field::OCTET5, 0x0F, value);
    }

    /// Sets the Assignment Lifetime, in minutes.
    pub fn set_assignment_lifetime_min(&mut self, value: u16) {
        write_at(self.buffer.as_mut(), field::LIFETIME_HI, &value.to_be_bytes());
    }

    /// Writes `rovr` from octet 8 on (set Length and PfxLen to match).
    pub fn set_rovr(&mut self, rovr: &[u8]) {
        write_at(self.buffer.as_mut(), field::ROVR, rovr);
    }

    /// Writes the Address into the last 16 octets of the option as given by the current
    /// Length field (set Length first).
    pub fn set_address(&mut self, address: &[u8; 16]) {
        let end = self.option_len();
        if let Some(start) = end.checked_sub(GAAO_ADDRESS_LEN) {
            write_at(self.buffer.as_mut(), start, address);
        }
    }
}

/// The Address/Prefix of a GAAO with its PfxLen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GaaoAddress {
    /// Length in bits of the address or prefix (64 for an assigned address).
    pub pfx_len: PfxLen,
    /// The 128-bit Address/Prefix; a prefix is left-aligned with zero fill.
    pub bytes: [u8; 16],
}

/// A decoded GAAO (draft-ietf-6lo-nd-gaao-09 §4); layout in [`GaaoPacket`].
///
/// PfxLen is not a field of its own: it is 0 when `address` is `None` and
/// `address.pfx_len` otherwise, which is the rule that decides the layout on receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GaaoRepr {
    /// Status (RFC 8505 values; [`STATUS_AAF_NOT_USED`] for "AAF Not Used").
    pub status: u8,
    /// Opaque, passed through.
    pub opaque: u8,
    /// R: explicit registration requested (MUST be false in an NS).
    pub r: bool,
    /// C: the ROVR is a Crypto-ID.
    pub c: bool,
    /// Address Assignment Function.
    pub aaf: Aaf,
    /// Assignment Lifetime in minutes (NS: wish, 0 = none; NA: granted maximum).
    pub assignment_lifetime_min: u16,
    /// Registration Ownership Verifier.
    pub rovr: Rovr,
    /// Address/Prefix with its length; `None` encodes PfxLen 0 and no Address.
    pub address: Option<GaaoAddress>,
}

impl GaaoRepr {
    /// Decodes a GAAO of type [`DEFAULT_GAAO_TYPE`].
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &GaaoPacket<&T>) -> Result<Self, NdError> {
        Self::parse_with_type(packet, DEFAULT_GAAO_TYPE)
    }

    /// Decodes a GAAO whose option type is configured as `option_type`. Reserved bits are
    /// ignored.
    pub fn parse_with_type<T: AsRef<[u8]> + ?Sized>(
        packet: &GaaoPacket<&T>,
        option_type: u8,
    ) -> Result<Self, NdError> {
        packet.check_len()?;
        if packet.option_type() != option_type {
            return Err(NdError::WrongType {
                expected: option_type,
                got: packet.option_type(),
            });
        }
        let address = match packet.address() {
            None => None,
            Some(bytes) => Some(GaaoAddress {
                pfx_len: PfxLen::try_new(packet.pfx_len())?,
                bytes,
            }),
        };
        Ok(Self {
            status: packet.status(),
            opaque: packet.opaque(),
            r: packet.r(),
            c: packet.c(),
            aaf: Aaf::try_new(packet.aaf())?,
            assignment_lifetime_min: packet.assignment_lifetime_min(),
            rovr: Rovr::new(packet.rovr())?,
            address,
        })
    }

    /// The Length field of the encoding: 1 + ROVR/8 (+ 2 with an Address), 2 to 7.
    fn length_field(&self) -> u8 {
        let address_units = if self.address.is_some() { 2 } else { 0 };
        // units() <= 4, so the sum is at most 7.
        1u8.saturating_add(self.rovr.units())
            .saturating_add(address_units)
    }

    /// Size of the encoding in octets: 16 to 56.
    pub fn buffer_len(&self) -> usize {
        length_to_octets(self.length_field())
    }

    /// Writes the option with type [`DEFAULT_GAAO_TYPE`] into the first
    /// [`buffer_len`](Self::buffer_len) octets of `packet`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(&self, packet: &mut GaaoPacket<&mut T>) {
        self.emit_with_type(packet, DEFAULT_GAAO_TYPE);
    }

    /// Writes the option with type `option_type`. Reserved bits are written as 0. A buffer
    /// shorter than [`buffer_len`](Self::buffer_len) gets a partial, invalid option.
    pub fn emit_with_type<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut GaaoPacket<&mut T>,
        option_type: u8,
    ) {
        packet.set_option_type(option_type);
        packet.set_length(self.length_field());
        packet.set_status(self.status);
        packet.set_opaque(self.opaque);
        let buf = packet.buffer.as_mut();
        set_octet(buf, field::FLAGS, 0);
        set_octet(buf, field::OCTET5, 0);
        packet.set_r(self.r);
        packet.set_c(self.c);
        packet.set_pfx_len(self.address.map_or(0, |a| a.pfx_len.value()));
        packet.set_aaf(self.aaf.value());
        packet.set_assignment_lifetime_min(self.assignment_lifetime_min);
        packet.set_rovr(self.rovr.as_bytes());
        if let Some(address) = &self.address {
            packet.set_address(&address.bytes);
        }
    }

    /// Writes the option with type [`DEFAULT_GAAO_TYPE`] at the start of `buf`; returns the
    /// number of octets written, or [`NdError::Truncated`] if `buf` is too short.
    pub fn emit_slice(&self, buf: &mut [u8]) -> Result<usize, NdError> {
        self.emit_slice_with_type(buf, DEFAULT_GAAO_TYPE)
    }

    /// As [`emit_slice`](Self::emit_slice) with the option type `option_type`.
    pub fn emit_slice_with_type(&self, buf: &mut [u8], option_type: u8) -> Result<usize, NdError> {
        let needed = self.buffer_len();
        if buf.len() < needed {
            return Err(NdError::Truncated {
                needed,
                got: buf.len(),
            });
        }
        self.emit_with_type(&mut GaaoPacket::new_unchecked(buf), option_type);
        Ok(needed)
    }
}

// ---------------------------------------------------------------------------------------------
// EARO
// ---------------------------------------------------------------------------------------------

/// A view of an Extended Address Registration Option (RFC 8505 §4.1).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type = 33   |    Length     |    Status     |    Opaque     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Rsv| P | I |R|T|     TID       |     Registration Lifetime     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// ...            Registration Ownership Verifier (ROVR)         ...
/// |                  (64, 128, 192 or 256 bits)                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Length = 1 + ROVR bits / 64, so 2 to 5. Flags: T = 0x01, R = 0x02, I = 0x0C, P = 0x30;
/// the top two bits are reserved (sent as 0, ignored). The Registration Lifetime is in units of
/// 60 seconds; 0 de-registers.
#[derive(Debug, Clone)]
pub struct EaroPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EaroPacket<T> {
    /// Wraps `buffer` without checking it. Getters do not panic on a short buffer, but return
    /// meaningless values until [`check_len`](Self::check_len) passes.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, NdError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the Length field is non-zero, fits the buffer and describes a
    /// 64/128/192/256-bit ROVR (Length 2 to 5). The option type is checked by
    /// [`EaroRepr::parse`].
    pub fn check_len(&self) -> Result<(), NdError> {
        let total = check_header(self.buffer.as_ref(), EARO_MIN_LEN)?;
        let rovr_len = total.saturating_sub(EARO_HEADER_LEN);
        if !Rovr::is_valid_len(rovr_len) {
            return Err(NdError::BadRovrLen { octets: rovr_len });
        }
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Octet 0: the option type (33).
    pub fn option_type(&self) -> u8 {
        octet(self.buffer.as_ref(), field::TYPE)
    }

    /// Octet 1: the Length field, in units of 8 octets.
    pub fn length(&self) -> u8 {
        octet(self.buffer.as_ref(), field::LENGTH)
    }

    /// The option size in octets (Length × 8).
    pub fn option_len(&self) -> usize {
        length_to_octets(self.length())
    }

    /// Octet 2: Status (0 in an NS).
    pub fn status(&self) -> u8 {
        octet(self.buffer.as_ref(), field::STATUS)
    }

    /// Octet 3: Opaque.
    pub fn opaque(&self) -> u8 {
        octet(self.buffer.as_ref(), field::OPAQUE)
    }

    /// Octet 4: all the flag bits, reserved ones included.
    pub fn flags(&self) -> u8 {
        octet(self.buffer.as_ref(), field::FLAGS)
    }

    /// T: the TID is valid (this is an EARO, not an RFC 6775 ARO).
    pub fn t(&self) -> bool {
        self.flags() & earo_flags::T != 0
    }

    /// R: the registering node asks to be made reachable.
    pub fn r(&self) -> bool {
        self.flags() & earo_flags::R != 0
    }

    /// I: 2 bits, what Opaque carries.
    pub fn i(&self) -> u8 {
        // A shift by 2 (< 8 bits) of a u8 is exact.
        (self.flags() & earo_flags::I).wrapping_shr(2)
    }

    /// P: 2 bits, RFC 9685 address type.
    pub fn p(&self) -> u8 {
        // A shift by 4 (< 8 bits) of a u8 is exact.
        (self.flags() & earo_flags::P).wrapping_shr(4)
    }

    /// Octet 5: Transaction ID.
    pub fn tid(&self) -> u8 {
        octet(self.buffer.as_ref(), field::OCTET5)
    }

    /// Octets 6-7: the Registration Lifetime, in units of 60 seconds (0 = de-register).
    pub fn registration_lifetime_60s(&self) -> u16 {
        let buf = self.buffer.as_ref();
        u16::from_be_bytes([
            octet(buf, field::LIFETIME_HI),
            octet(buf, field::LIFETIME_LO),
        ])
    }

    /// The ROVR octets: octet 8 to the end of the option (empty if the view is too short).
    pub fn rovr(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::ROVR..self.option_len())
            .unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EaroPacket<T> {
    /// Sets octet 0, the option type.
    pub fn set_option_type(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::TYPE, value);
    }

    /// Sets octet 1, the Length field (units of 8 octets).
    pub fn set_length(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::LENGTH, value);
    }

    /// Sets octet 2, Status.
    pub fn set_status(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::STATUS, value);
    }

    /// Sets octet 3, Opaque.
    pub fn set_opaque(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::OPAQUE, value);
    }

    /// Sets octet 4, all the flag bits.
    pub fn set_flags(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::FLAGS, value);
    }

    /// Sets or clears T.
    pub fn set_t(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::FLAGS, earo_flags::T, value);
    }

    /// Sets or clears R.
    pub fn set_r(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::FLAGS, earo_flags::R, value);
    }

    /// Sets I (the low 2 bits of `value`).
    pub fn set_i(&mut self, value: u8) {
        // A shift by 2 (< 8 bits); the mask drops what does not fit.
        set_field(
            self.buffer.as_mut(),
            field::FLAGS,
            earo_flags::I,
            value.wrapping_shl(2),
        );
    }

    /// Sets P (the low 2 bits of `value`).
    pub fn set_p(&mut self, value: u8) {
        // A shift by 4 (< 8 bits); the mask drops what does not fit.
        set_field(
            self.buffer.as_mut(),
            field::FLAGS,
            earo_flags::P,
            value.wrapping_shl(4),
        );
    }

    /// Sets octet 5, the TID.
    pub fn set_tid(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::OCTET5, value);
    }

    /// Sets the Registration Lifetime, in units of 60 seconds.
    pub fn set_registration_lifetime_60s(&mut self, value: u16) {
        write_at(self.buffer.as_mut(), field::LIFETIME_HI, &value.to_be_bytes());
    }

    /// Writes `rovr` from octet 8 on (set Length to match).
    pub fn set_rovr(&mut self, rovr: &[u8]) {
        write_at(self.buffer.as_mut(), field::ROVR, rovr);
    }
}

/// A decoded EARO (RFC 8505 §4.1); layout in [`EaroPacket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EaroRepr {
    /// Status (0 in an NS).
    pub status: u8,
    /// Opaque.
    pub opaque: u8,
    /// T: the TID is valid. MUST be true in an EARO; kept so a receiver can tell an RFC 6775
    /// ARO apart.
    pub t: bool,
    /// R: make the address reachable.
    pub r: bool,
    /// I: what Opaque carries.
    pub i: U2,
    /// P: RFC 9685 address type (0 unicast, 1 multicast, 2 anycast).
    pub p: U2,
    /// Transaction ID (RFC 6550 lollipop counter).
    pub tid: u8,
    /// Registration Lifetime in units of 60 seconds; 0 de-registers.
    pub lifetime_60s: u16,
    /// Registration Ownership Verifier.
    pub rovr: Rovr,
}

impl EaroRepr {
    /// Decodes an EARO. The two reserved flag bits are ignored.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &EaroPacket<&T>) -> Result<Self, NdError> {
        packet.check_len()?;
        if packet.option_type() != EARO_TYPE {
            return Err(NdError::WrongType {
                expected: EARO_TYPE,
                got: packet.option_type(),
            });
        }
        Ok(Self {
            status: packet.status(),
            opaque: packet.opaque(),
            t: packet.t(),
            r: packet.r(),
            i: U2::try_new(packet.i())?,
            p: U2::try_new(packet.p())?,
            tid: packet.tid(),
            lifetime_60s: packet.registration_lifetime_60s(),
            rovr: Rovr::new(packet.rovr())?,
        })
    }

    /// The Length field of the encoding: 1 + ROVR/8, 2 to 5.
    fn length_field(&self) -> u8 {
        // units() <= 4, so the sum is at most 5.
        1u8.saturating_add(self.rovr.units())
    }

    /// Size of the encoding in octets: 16 to 40.
    pub fn buffer_len(&self) -> usize {
        length_to_octets(self.length_field())
    }

    /// Writes the option into the first [`buffer_len`](Self::buffer_len) octets of `packet`;
    /// the reserved flag bits are written as 0.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(&self, packet: &mut EaroPacket<&mut T>) {
        packet.set_option_type(EARO_TYPE);
        packet.set_length(self.length_field());
        packet.set_status(self.status);
        packet.set_opaque(self.opaque);
        packet.set_flags(0);
        packet.set_t(self.t);
        packet.set_r(self.r);
        packet.set_i(self.i.value());
        packet.set_p(self.p.value());
        packet.set_tid(self.tid);
        packet.set_registration_lifetime_60s(self.lifetime_60s);
        packet.set_rovr(self.rovr.as_bytes());
    }

    /// Writes the option at the start of `buf`; returns the number of octets written, or
    /// [`NdError::Truncated`] if `buf` is too short.
    pub fn emit_slice(&self, buf: &mut [u8]) -> Result<usize, NdError> {
        let needed = self.buffer_len();
        if buf.len() < needed {
            return Err(NdError::Truncated {
                needed,
                got: buf.len(),
            });
        }
        self.emit(&mut EaroPacket::new_unchecked(buf));
        Ok(needed)
    }
}

// ---------------------------------------------------------------------------------------------
// 6CIO
// ---------------------------------------------------------------------------------------------

/// A view of a 6LoWPAN Capability Indication Option (RFC 7400 §3.3, RFC 8505 §4.3).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type = 36   |  Length = 1   |   Reserved    |X|A|D|L|B|P|E|G|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |F|M|  Rsvd     |                   Reserved                    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Capability bits count from the first bit after Length: G is bit 15, F bit 16. M is GAAO's
/// support bit (TBD; default mask [`DEFAULT_M_MASK`] in octet 4, bit 17). Masks are in
/// [`cio_flags`]. A receiver accepts Length > 1 (capability bits of the future) and ignores
/// the octets past 8, as it ignores the reserved bits.
#[derive(Debug, Clone)]
pub struct CioPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> CioPacket<T> {
    /// Wraps `buffer` without checking it. Getters do not panic on a short buffer, but return
    /// meaningless values until [`check_len`](Self::check_len) passes.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, NdError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the Length field is non-zero and fits the buffer (any Length ≥ 1 is
    /// legal). The option type is checked by [`CioRepr::parse`].
    pub fn check_len(&self) -> Result<(), NdError> {
        check_header(self.buffer.as_ref(), CIO_LEN).map(|_| ())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Octet 0: the option type (36).
    pub fn option_type(&self) -> u8 {
        octet(self.buffer.as_ref(), field::TYPE)
    }

    /// Octet 1: the Length field, in units of 8 octets.
    pub fn length(&self) -> u8 {
        octet(self.buffer.as_ref(), field::LENGTH)
    }

    /// The option size in octets (Length × 8).
    pub fn option_len(&self) -> usize {
        length_to_octets(self.length())
    }

    /// Octet 3: capability bits 8-15, `X A D L B P E G`.
    pub fn octet3(&self) -> u8 {
        octet(self.buffer.as_ref(), field::CIO_OCTET3)
    }

    /// Octet 4: capability bits 16-23, `F M ...`.
    pub fn octet4(&self) -> u8 {
        octet(self.buffer.as_ref(), field::CIO_OCTET4)
    }

    /// L: the node is a 6LR.
    pub fn l(&self) -> bool {
        self.octet3() & cio_flags::L != 0
    }

    /// B: the node is a 6LBR.
    pub fn b(&self) -> bool {
        self.octet3() & cio_flags::B != 0
    }

    /// P: Routing Registrar.
    pub fn p(&self) -> bool {
        self.octet3() & cio_flags::P != 0
    }

    /// E: ND Registrar supporting EARO.
    pub fn e(&self) -> bool {
        self.octet3() & cio_flags::E != 0
    }

    /// G: GHC capable.
    pub fn g(&self) -> bool {
        self.octet3() & cio_flags::G != 0
    }

    /// F: capability bit 16.
    pub fn f(&self) -> bool {
        self.octet4() & cio_flags::F != 0
    }

    /// M: GAAO support, at `mask` in octet 4 ([`DEFAULT_M_MASK`] unless configured).
    pub fn m(&self, mask: u8) -> bool {
        self.octet4() & mask != 0
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> CioPacket<T> {
    /// Sets octet 0, the option type.
    pub fn set_option_type(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::TYPE, value);
    }

    /// Sets octet 1, the Length field (units of 8 octets).
    pub fn set_length(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::LENGTH, value);
    }

    /// Sets octet 3, capability bits 8-15.
    pub fn set_octet3(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::CIO_OCTET3, value);
    }

    /// Sets octet 4, capability bits 16-23.
    pub fn set_octet4(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::CIO_OCTET4, value);
    }

    /// Sets or clears L.
    pub fn set_l(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::CIO_OCTET3, cio_flags::L, value);
    }

    /// Sets or clears B.
    pub fn set_b(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::CIO_OCTET3, cio_flags::B, value);
    }

    /// Sets or clears P.
    pub fn set_p(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::CIO_OCTET3, cio_flags::P, value);
    }

    /// Sets or clears E.
    pub fn set_e(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::CIO_OCTET3, cio_flags::E, value);
    }

    /// Sets or clears G.
    pub fn set_g(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::CIO_OCTET3, cio_flags::G, value);
    }

    /// Sets or clears F.
    pub fn set_f(&mut self, value: bool) {
        set_bits(self.buffer.as_mut(), field::CIO_OCTET4, cio_flags::F, value);
    }

    /// Sets or clears M at `mask` in octet 4.
    pub fn set_m(&mut self, mask: u8, value: bool) {
        set_bits(self.buffer.as_mut(), field::CIO_OCTET4, mask, value);
    }
}

/// A decoded 6CIO: the two capability octets PASA and GAAO use; layout in [`CioPacket`].
///
/// Octet 2 and octets 5-7 (and any octets past 8) have no assigned bits here: they are
/// ignored on receipt and sent as 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CioRepr {
    /// Octet 3: `X A D L B P E G` (masks in [`cio_flags`]).
    pub octet3: u8,
    /// Octet 4: `F M ...` (F = [`cio_flags::F`], M at a configurable mask).
    pub octet4: u8,
}

impl CioRepr {
    /// The 6CIO a node of `role` sends (SPEC.md §1.10): root B, L and E; router L and E
    /// (a PASA router is an ND registrar); host none. Add GAAO's M with [`with_m`](Self::with_m).
    pub const fn for_role(role: Role) -> Self {
        let octet3 = match role {
            Role::Root => cio_flags::B | cio_flags::L | cio_flags::E,
            Role::Router => cio_flags::L | cio_flags::E,
            Role::Host => 0,
        };
        Self { octet3, octet4: 0 }
    }

    /// This 6CIO with the GAAO support bit M set at `mask` (normally [`DEFAULT_M_MASK`]).
    pub const fn with_m(self, mask: u8) -> Self {
        Self {
            octet3: self.octet3,
            octet4: self.octet4 | mask,
        }
    }

    /// The role this 6CIO announces (SPEC.md §1.10, §9.1 item 4): B means the root, else L a
    /// router, else (neither B nor L) a host.
    pub const fn role(&self) -> Role {
        if self.b() {
            Role::Root
        } else if self.l() {
            Role::Router
        } else {
            Role::Host
        }
    }

    /// L: the node is a 6LR.
    pub const fn l(&self) -> bool {
        self.octet3 & cio_flags::L != 0
    }

    /// B: the node is a 6LBR.
    pub const fn b(&self) -> bool {
        self.octet3 & cio_flags::B != 0
    }

    /// P: Routing Registrar.
    pub const fn p(&self) -> bool {
        self.octet3 & cio_flags::P != 0
    }

    /// E: ND Registrar supporting EARO.
    pub const fn e(&self) -> bool {
        self.octet3 & cio_flags::E != 0
    }

    /// G: GHC capable.
    pub const fn g(&self) -> bool {
        self.octet3 & cio_flags::G != 0
    }

    /// F: capability bit 16.
    pub const fn f(&self) -> bool {
        self.octet4 & cio_flags::F != 0
    }

    /// M: GAAO support, at `mask` in octet 4 ([`DEFAULT_M_MASK`] unless configured).
    pub const fn m(&self, mask: u8) -> bool {
        self.octet4 & mask != 0
    }

    /// Decodes a 6CIO of any Length ≥ 1; the octets past octet 4 are ignored.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &CioPacket<&T>) -> Result<Self, NdError> {
        packet.check_len()?;
        if packet.option_type() != CIO_TYPE {
            return Err(NdError::WrongType {
                expected: CIO_TYPE,
                got: packet.option_type(),
            });
        }
        Ok(Self {
            octet3: packet.octet3(),
            octet4: packet.octet4(),
        })
    }

    /// Size of the encoding in octets: always 8 (Length 1).
    pub const fn buffer_len(&self) -> usize {
        CIO_LEN
    }

    /// Writes the option (Length 1, unassigned octets 0) into the first 8 octets of `packet`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(&self, packet: &mut CioPacket<&mut T>) {
        let buf = packet.buffer.as_mut();
        fill_zero(buf, 0, CIO_LEN);
        packet.set_option_type(CIO_TYPE);
        packet.set_length(1);
        packet.set_octet3(self.octet3);
        packet.set_octet4(self.octet4);
    }

    /// Writes the option at the start of `buf`; returns 8, or [`NdError::Truncated`] if `buf`
    /// is shorter.
    pub fn emit_slice(&self, buf: &mut [u8]) -> Result<usize, NdError> {
        if buf.len() < CIO_LEN {
            return Err(NdError::Truncated {
                needed: CIO_LEN,
                got: buf.len(),
            });
        }
        self.emit(&mut CioPacket::new_unchecked(buf));
        Ok(CIO_LEN)
    }
}

// ---------------------------------------------------------------------------------------------
// SLLAO / TLLAO
// ---------------------------------------------------------------------------------------------

/// A view of a Source or Target Link-Layer Address Option (RFC 4861 §4.6.1, with the
/// IEEE 802.15.4 forms of RFC 4944 §8).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Type (1/2)   |    Length     |    Link-Layer Address ...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// | Address | Length | Octets 2.. |
/// |---|---|---|
/// | EUI-48 (6 octets) | 1 | the address |
/// | 802.15.4 short (2 octets) | 1 | the address, 4 zero octets |
/// | EUI-64 (8 octets) | 2 | the address, 6 zero octets |
///
/// A Length-1 option looks the same for an EUI-48 and a padded short address: the link type
/// decides, so [`LlaoRepr::parse`] reads 6 octets and [`LlaoRepr::parse_short`] reads 2.
/// Padding is sent as 0 and ignored on receipt. Other Lengths are refused.
#[derive(Debug, Clone)]
pub struct LlaoPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> LlaoPacket<T> {
    /// Wraps `buffer` without checking it. Getters do not panic on a short buffer, but return
    /// meaningless values until [`check_len`](Self::check_len) passes.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, NdError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the Length field is 1 or 2 and fits the buffer. The option type is checked
    /// by [`LlaoRepr::parse`].
    pub fn check_len(&self) -> Result<(), NdError> {
        check_header(self.buffer.as_ref(), OPTION_UNIT_LEN)?;
        match self.length() {
            1 | 2 => Ok(()),
            value => Err(NdError::BadLength {
                field: "SLLAO/TLLAO must be 1 (EUI-48 or short address) or 2 (EUI-64)",
                value,
            }),
        }
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Octet 0: the option type (1 SLLAO, 2 TLLAO).
    pub fn option_type(&self) -> u8 {
        octet(self.buffer.as_ref(), field::TYPE)
    }

    /// Octet 1: the Length field, in units of 8 octets.
    pub fn length(&self) -> u8 {
        octet(self.buffer.as_ref(), field::LENGTH)
    }

    /// The option size in octets (Length × 8).
    pub fn option_len(&self) -> usize {
        length_to_octets(self.length())
    }

    /// Octets 2 to the end of the option: the link-layer address and its padding (empty if
    /// the view is too short).
    pub fn link_layer_address(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::LL_ADDR..self.option_len())
            .unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> LlaoPacket<T> {
    /// Sets octet 0, the option type.
    pub fn set_option_type(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::TYPE, value);
    }

    /// Sets octet 1, the Length field (units of 8 octets).
    pub fn set_length(&mut self, value: u8) {
        set_octet(self.buffer.as_mut(), field::LENGTH, value);
    }

    /// Writes `address` from octet 2 on and zeroes the rest of the option as given by the
    /// current Length field (set Length first).
    pub fn set_link_layer_address(&mut self, address: &[u8]) {
        let end = self.option_len();
        let buf = self.buffer.as_mut();
        fill_zero(buf, field::LL_ADDR, end);
        write_at(buf, field::LL_ADDR, address);
    }
}

/// Which of the two link-layer address options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LlaoKind {
    /// Source Link-Layer Address Option, type 1.
    Source,
    /// Target Link-Layer Address Option, type 2.
    Target,
}

impl LlaoKind {
    /// The ND option type: [`SLLAO_TYPE`] or [`TLLAO_TYPE`].
    pub const fn option_type(self) -> u8 {
        match self {
            Self::Source => SLLAO_TYPE,
            Self::Target => TLLAO_TYPE,
        }
    }

    /// The kind of option `option_type`, if it is 1 or 2.
    pub const fn from_option_type(option_type: u8) -> Option<Self> {
        match option_type {
            SLLAO_TYPE => Some(Self::Source),
            TLLAO_TYPE => Some(Self::Target),
            _ => None,
        }
    }
}

/// A decoded SLLAO or TLLAO; layout in [`LlaoPacket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LlaoRepr {
    /// Source or Target.
    pub kind: LlaoKind,
    /// The link-layer address: 2, 6 or 8 octets.
    pub addr: LinkAddr,
}

impl LlaoRepr {
    /// Decodes an SLLAO/TLLAO on a link with 6- or 8-octet addresses: Length 1 gives an
    /// EUI-48, Length 2 an EUI-64.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &LlaoPacket<&T>) -> Result<Self, NdError> {
        Self::parse_inner(packet, 6)
    }

    /// Decodes an SLLAO/TLLAO on an IEEE 802.15.4 link using short addresses: Length 1
    /// gives a 2-octet short address, Length 2 an EUI-64 (RFC 4944 §8).
    pub fn parse_short<T: AsRef<[u8]> + ?Sized>(
        packet: &LlaoPacket<&T>,
    ) -> Result<Self, NdError> {
        Self::parse_inner(packet, 2)
    }

    fn parse_inner<T: AsRef<[u8]> + ?Sized>(
        packet: &LlaoPacket<&T>,
        length1_octets: usize,
    ) -> Result<Self, NdError> {
        packet.check_len()?;
        let kind = LlaoKind::from_option_type(packet.option_type()).ok_or(
            NdError::NotLinkLayerAddress {
                got: packet.option_type(),
            },
        )?;
        let octets = if packet.length() == 1 {
            length1_octets
        } else {
            8
        };
        let bytes = packet
            .link_layer_address()
            .get(..octets)
            .ok_or(NdError::Truncated {
                needed: octets,
                got: packet.link_layer_address().len(),
            })?;
        Ok(Self {
            kind,
            addr: LinkAddr::new(bytes)?,
        })
    }

    /// The Length field of the encoding: 1 for 2- and 6-octet addresses, 2 for EUI-64.
    fn length_field(&self) -> u8 {
        if self.addr.len > 6 { 2 } else { 1 }
    }

    /// Size of the encoding in octets: 8 or 16.
    pub fn buffer_len(&self) -> usize {
        length_to_octets(self.length_field())
    }

    /// Writes the option (padding 0) into the first [`buffer_len`](Self::buffer_len) octets
    /// of `packet`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(&self, packet: &mut LlaoPacket<&mut T>) {
        packet.set_option_type(self.kind.option_type());
        packet.set_length(self.length_field());
        packet.set_link_layer_address(self.addr.as_bytes());
    }

    /// Writes the option at the start of `buf`; returns the number of octets written, or
    /// [`NdError::Truncated`] if `buf` is too short.
    pub fn emit_slice(&self, buf: &mut [u8]) -> Result<usize, NdError> {
        let needed = self.buffer_len();
        if buf.len() < needed {
            return Err(NdError::Truncated {
                needed,
                got: buf.len(),
            });
        }
        self.emit(&mut LlaoPacket::new_unchecked(buf));
        Ok(needed)
    }
}

// ---------------------------------------------------------------------------------------------
// Option lists
// ---------------------------------------------------------------------------------------------

/// An iterator over a list of concatenated ND options (RFC 4861 §4.6).
///
/// Yields `Ok((type, option))` with `option` the whole option (Type and Length included) for
/// each option in turn. An option with Length 0 ([`NdError::ZeroLength`]) or running past the
/// end of the list, a trailing fragment of fewer than 8 octets included
/// ([`NdError::Overrun`]), yields one `Err` and ends the walk: RFC 4861 says the whole
/// message is then discarded. Every `Ok` advances by at least 8 octets, so a list of `n`
/// octets yields at most `ceil(n / 8)` items.
#[derive(Debug, Clone)]
pub struct NdOptions<'a> {
    data: &'a [u8],
    offset: usize,
    failed: bool,
}

impl<'a> NdOptions<'a> {
    /// An iterator over the options in `data`.
    pub const fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            offset: 0,
            failed: false,
        }
    }

    /// Byte offset of the next option in the list.
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl<'a> Iterator for NdOptions<'a> {
    type Item = Result<(u8, &'a [u8]), NdError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let rest = self.data.get(self.offset..)?;
        if rest.is_empty() {
            return None;
        }
        let at = self.offset;
        let (Some(&option_type), Some(&length)) = (rest.first(), rest.get(field::LENGTH)) else {
            self.failed = true;
            return Some(Err(NdError::Overrun {
                at,
                needed: OPTION_UNIT_LEN,
                got: rest.len(),
            }));
        };
        if length == 0 {
            self.failed = true;
            return Some(Err(NdError::ZeroLength { at }));
        }
        let len = length_to_octets(length);
        let Some(option) = rest.get(..len) else {
            self.failed = true;
            return Some(Err(NdError::Overrun {
                at,
                needed: len,
                got: rest.len(),
            }));
        };
        // The option lies within `data`, so offset + len <= data.len(): no saturation.
        self.offset = self.offset.saturating_add(len);
        Some(Ok((option_type, option)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.failed {
            return (0, Some(0));
        }
        let remaining = self.data.len().saturating_sub(self.offset);
        (0, Some(remaining.div_ceil(OPTION_UNIT_LEN)))
    }
}

impl FusedIterator for NdOptions<'_> {}

/// Checks the framing of every option in `opts` (no Length 0, nothing running past the end);
/// returns the number of options.
pub fn check_options(opts: &[u8]) -> Result<usize, NdError> {
    let mut count = 0usize;
    for item in NdOptions::new(opts) {
        item?;
        // At most opts.len() / 8 options: no saturation.
        count = count.saturating_add(1);
    }
    Ok(count)
}

/// The first option of type `option_type` in `opts` (the whole option, Type and Length
/// included), after checking the framing of the whole list: a malformed list is an error even
/// when the wanted option comes before the fault (RFC 4861 §4.6 discards the whole message).
pub fn find(opts: &[u8], option_type: u8) -> Result<Option<&[u8]>, NdError> {
    check_options(opts)?;
    for item in NdOptions::new(opts) {
        let (ty, option) = item?;
        if ty == option_type {
            return Ok(Some(option));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
}
