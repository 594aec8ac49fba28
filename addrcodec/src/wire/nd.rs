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
    /// An all-zero 64-bit ROVR: a placeholder for empty table slots, never sent.
    pub const ZERO: Rovr = Rovr {
        bytes: [0; 32],
        len: 8,
    };

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
    /// The 16-bit short address 0: a placeholder for empty table slots.
    pub const ZERO: LinkAddr = LinkAddr {
        bytes: [0; 8],
        len: 2,
    };

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
// Private helpers: every read and write goes through `get`/`get_mut`
// ---------------------------------------------------------------------------------------------

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

/// The ROVR size in octets of a GAAO with this Length and PfxLen (see [`GaaoPacket`]): the
/// octets after the 8-octet header, less the 16-octet Address when PfxLen is not 0.
fn gaao_rovr_len(length: u8, pfx_len: u8) -> Result<usize, NdError> {
    let body = length_to_octets(length).saturating_sub(GAAO_HEADER_LEN);
    let rovr_len = if pfx_len != 0 {
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
    Ok(rovr_len)
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
        gaao_rovr_len(self.length(), self.pfx_len()).map(|_| ())
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
        let Ok(rovr_len) = gaao_rovr_len(self.length(), self.pfx_len()) else {
            return &[];
        };
        let Some(end) = field::ROVR.checked_add(rovr_len) else {
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
        write_at(
            self.buffer.as_mut(),
            field::LIFETIME_HI,
            &value.to_be_bytes(),
        );
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
        // Framing first, then the type, then the type-specific layout: an EARO handed to the
        // GAAO parser is reported as the wrong type, not as a bad GAAO.
        check_header(packet.buffer.as_ref(), GAAO_MIN_LEN)?;
        if packet.option_type() != option_type {
            return Err(NdError::WrongType {
                expected: option_type,
                got: packet.option_type(),
            });
        }
        packet.check_len()?;
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
        write_at(
            self.buffer.as_mut(),
            field::LIFETIME_HI,
            &value.to_be_bytes(),
        );
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
        // Framing first, then the type, then the ROVR size.
        check_header(packet.buffer.as_ref(), EARO_MIN_LEN)?;
        if packet.option_type() != EARO_TYPE {
            return Err(NdError::WrongType {
                expected: EARO_TYPE,
                got: packet.option_type(),
            });
        }
        packet.check_len()?;
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
    pub fn parse_short<T: AsRef<[u8]> + ?Sized>(packet: &LlaoPacket<&T>) -> Result<Self, NdError> {
        Self::parse_inner(packet, 2)
    }

    fn parse_inner<T: AsRef<[u8]> + ?Sized>(
        packet: &LlaoPacket<&T>,
        length1_octets: usize,
    ) -> Result<Self, NdError> {
        // Framing first, then the type, then the Length.
        check_header(packet.buffer.as_ref(), OPTION_UNIT_LEN)?;
        let kind = LlaoKind::from_option_type(packet.option_type()).ok_or(
            NdError::NotLinkLayerAddress {
                got: packet.option_type(),
            },
        )?;
        packet.check_len()?;
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
    extern crate std;

    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

    /// SPEC.md §8.6: the ROVR placeholder used by all three vectors.
    const ROVR_8_6: [u8; 8] = [0x02, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x00, 0x0B];

    /// SPEC.md §8.6 (vectors.json `gaao_ns`): NS(GAAO) request, R=0, PfxLen 0, AAF 0,
    /// lifetime 0.
    static BYTES_GAAO_NS: [u8; 16] = [
        0xFD, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x02, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x00, 0x0B,
    ];

    /// SPEC.md §8.6 (vectors.json `gaao_na`): NA(GAAO) from node 10 assigning 1010, R=1,
    /// PfxLen 64, AAF F, 1440 minutes.
    static BYTES_GAAO_NA: [u8; 32] = [
        0xFD, 0x04, 0x00, 0x00, 0x84, 0x0F, 0x05, 0xA0, //
        0x02, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x00, 0x0B, //
        0x20, 0x01, 0x0D, 0xB8, 0x00, 0x00, 0x00, 0x00, //
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A,
    ];

    /// SPEC.md §8.6 (vectors.json `earo_ns`): follow-up NS(EARO), T=1, R=1, TID 1,
    /// 1440 × 60 s.
    static BYTES_EARO_NS: [u8; 16] = [
        0x21, 0x02, 0x00, 0x00, 0x03, 0x01, 0x05, 0xA0, //
        0x02, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x00, 0x0B,
    ];

    /// 2001:db8::a, the address of node 1010 in SPEC.md §8.6.
    const ADDR_1010: [u8; 16] = [
        0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0A,
    ];

    fn rovr_8_6() -> Rovr {
        Rovr::new(&ROVR_8_6).unwrap()
    }

    /// A ROVR of `n` octets 0xA0, 0xA1, ...
    fn rovr_of(n: usize) -> Rovr {
        let bytes: Vec<u8> = (0..n).map(|k| 0xA0u8.wrapping_add(k as u8)).collect();
        Rovr::new(&bytes).unwrap()
    }

    fn repr_gaao_ns() -> GaaoRepr {
        GaaoRepr {
            status: 0,
            opaque: 0,
            r: false,
            c: false,
            aaf: Aaf::NONE,
            assignment_lifetime_min: 0,
            rovr: rovr_8_6(),
            address: None,
        }
    }

    fn repr_gaao_na() -> GaaoRepr {
        GaaoRepr {
            status: 0,
            opaque: 0,
            r: true,
            c: false,
            aaf: Aaf::TAAF_DEFAULT,
            assignment_lifetime_min: 1440,
            rovr: rovr_8_6(),
            address: Some(GaaoAddress {
                pfx_len: PfxLen::ADDRESS,
                bytes: ADDR_1010,
            }),
        }
    }

    fn repr_earo_ns() -> EaroRepr {
        EaroRepr {
            status: 0,
            opaque: 0,
            t: true,
            r: true,
            i: U2::ZERO,
            p: U2::ZERO,
            tid: 1,
            lifetime_60s: 1440,
            rovr: rovr_8_6(),
        }
    }

    /// Any option of this file, so the per-type properties run over one list of samples.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Any {
        Gaao(GaaoRepr),
        Earo(EaroRepr),
        Cio(CioRepr),
        /// The bool says "parse as a short-address link".
        Llao(LlaoRepr, bool),
    }

    impl Any {
        fn buffer_len(&self) -> usize {
            match self {
                Any::Gaao(r) => r.buffer_len(),
                Any::Earo(r) => r.buffer_len(),
                Any::Cio(r) => r.buffer_len(),
                Any::Llao(r, _) => r.buffer_len(),
            }
        }

        /// Emits through the packet view (the smoltcp path).
        fn emit(&self, buf: &mut [u8]) {
            match self {
                Any::Gaao(r) => r.emit(&mut GaaoPacket::new_unchecked(buf)),
                Any::Earo(r) => r.emit(&mut EaroPacket::new_unchecked(buf)),
                Any::Cio(r) => r.emit(&mut CioPacket::new_unchecked(buf)),
                Any::Llao(r, _) => r.emit(&mut LlaoPacket::new_unchecked(buf)),
            }
        }

        fn emit_slice(&self, buf: &mut [u8]) -> Result<usize, NdError> {
            match self {
                Any::Gaao(r) => r.emit_slice(buf),
                Any::Earo(r) => r.emit_slice(buf),
                Any::Cio(r) => r.emit_slice(buf),
                Any::Llao(r, _) => r.emit_slice(buf),
            }
        }

        fn encode(&self) -> Vec<u8> {
            let mut buf = vec![0u8; self.buffer_len()];
            self.emit(&mut buf);
            buf
        }

        /// `new_checked` of the matching view.
        fn check(&self, bytes: &[u8]) -> Result<(), NdError> {
            match self {
                Any::Gaao(_) => GaaoPacket::new_checked(bytes).map(|_| ()),
                Any::Earo(_) => EaroPacket::new_checked(bytes).map(|_| ()),
                Any::Cio(_) => CioPacket::new_checked(bytes).map(|_| ()),
                Any::Llao(..) => LlaoPacket::new_checked(bytes).map(|_| ()),
            }
        }

        /// `Repr::parse` of the matching type, on an unchecked view.
        fn parse_like(&self, bytes: &[u8]) -> Result<Any, NdError> {
            Ok(match self {
                Any::Gaao(_) => Any::Gaao(GaaoRepr::parse(&GaaoPacket::new_unchecked(bytes))?),
                Any::Earo(_) => Any::Earo(EaroRepr::parse(&EaroPacket::new_unchecked(bytes))?),
                Any::Cio(_) => Any::Cio(CioRepr::parse(&CioPacket::new_unchecked(bytes))?),
                Any::Llao(_, short) => {
                    let p = LlaoPacket::new_unchecked(bytes);
                    let r = if *short {
                        LlaoRepr::parse_short(&p)?
                    } else {
                        LlaoRepr::parse(&p)?
                    };
                    Any::Llao(r, *short)
                }
            })
        }

        /// The smallest legal size of this kind of option.
        fn min_len(&self) -> usize {
            match self {
                Any::Gaao(_) | Any::Earo(_) => 16,
                Any::Cio(_) | Any::Llao(..) => 8,
            }
        }
    }

    fn llao(kind: LlaoKind, addr: &[u8]) -> LlaoRepr {
        LlaoRepr {
            kind,
            addr: LinkAddr::new(addr).unwrap(),
        }
    }

    /// One sample of every shape of every option.
    fn samples() -> Vec<Any> {
        let mut v = vec![Any::Gaao(repr_gaao_ns()), Any::Gaao(repr_gaao_na())];
        for n in [8, 16, 24, 32] {
            v.push(Any::Gaao(GaaoRepr {
                status: STATUS_AAF_NOT_USED,
                opaque: 0x5A,
                r: false,
                c: true,
                aaf: Aaf::try_new(7).unwrap(),
                assignment_lifetime_min: 0xBEEF,
                rovr: rovr_of(n),
                address: None,
            }));
            v.push(Any::Gaao(GaaoRepr {
                status: 0,
                opaque: 0xFF,
                r: true,
                c: true,
                aaf: Aaf::TAAF_DEFAULT,
                assignment_lifetime_min: u16::MAX,
                rovr: rovr_of(n),
                address: Some(GaaoAddress {
                    pfx_len: PfxLen::try_new(PfxLen::MAX).unwrap(),
                    bytes: [0xEE; 16],
                }),
            }));
            v.push(Any::Earo(EaroRepr {
                status: 1,
                opaque: 0x33,
                t: true,
                r: false,
                i: U2::try_new(3).unwrap(),
                p: U2::try_new(2).unwrap(),
                tid: 0xFE,
                lifetime_60s: 0,
                rovr: rovr_of(n),
            }));
        }
        v.push(Any::Earo(repr_earo_ns()));
        v.push(Any::Earo(EaroRepr {
            t: false,
            ..repr_earo_ns()
        }));
        for role in [Role::Root, Role::Router, Role::Host] {
            v.push(Any::Cio(CioRepr::for_role(role)));
            v.push(Any::Cio(CioRepr::for_role(role).with_m(DEFAULT_M_MASK)));
        }
        v.push(Any::Cio(CioRepr {
            octet3: 0xFF,
            octet4: 0xFF,
        }));
        v.push(Any::Llao(
            llao(LlaoKind::Source, &[0x02, 0x11, 0x22, 0x33, 0x44, 0x55]),
            false,
        ));
        v.push(Any::Llao(
            llao(LlaoKind::Target, &[1, 2, 3, 4, 5, 6, 7, 8]),
            false,
        ));
        v.push(Any::Llao(
            llao(LlaoKind::Target, &[1, 2, 3, 4, 5, 6, 7, 8]),
            true,
        ));
        v.push(Any::Llao(llao(LlaoKind::Source, &[0xAB, 0xCD]), true));
        v
    }

    // --- SPEC.md §8.6 vectors -----------------------------------------------------------------

    #[test]
    fn gaao_ns_vector_parses_every_field() {
        let p = GaaoPacket::new_checked(&BYTES_GAAO_NS[..]).unwrap();
        assert_eq!(p.option_type(), DEFAULT_GAAO_TYPE);
        assert_eq!(p.length(), 2);
        assert_eq!(p.option_len(), 16);
        assert_eq!(p.status(), 0);
        assert_eq!(p.opaque(), 0);
        assert!(!p.r());
        assert!(!p.c());
        assert_eq!(p.reserved(), 0);
        assert_eq!(p.pfx_len(), 0);
        assert_eq!(p.aaf(), AAF_NONE);
        assert_eq!(p.assignment_lifetime_min(), 0);
        assert_eq!(p.rovr(), &ROVR_8_6[..]);
        assert_eq!(p.address(), None);
        assert_eq!(GaaoRepr::parse(&p).unwrap(), repr_gaao_ns());
    }

    #[test]
    fn gaao_na_vector_parses_every_field() {
        let p = GaaoPacket::new_checked(&BYTES_GAAO_NA[..]).unwrap();
        assert_eq!(p.option_type(), 253);
        assert_eq!(p.length(), 4);
        assert_eq!(p.option_len(), 32);
        assert_eq!(p.status(), 0);
        assert_eq!(p.opaque(), 0);
        assert!(p.r());
        assert!(!p.c());
        assert_eq!(p.reserved(), 0);
        assert_eq!(p.pfx_len(), 64);
        assert_eq!(p.aaf(), AAF_TAAF_DEFAULT);
        assert_eq!(p.assignment_lifetime_min(), 1440);
        assert_eq!(p.rovr(), &ROVR_8_6[..]);
        assert_eq!(p.address(), Some(ADDR_1010));
        assert_eq!(GaaoRepr::parse(&p).unwrap(), repr_gaao_na());
    }

    #[test]
    fn earo_ns_vector_parses_every_field() {
        let p = EaroPacket::new_checked(&BYTES_EARO_NS[..]).unwrap();
        assert_eq!(p.option_type(), EARO_TYPE);
        assert_eq!(p.length(), 2);
        assert_eq!(p.option_len(), 16);
        assert_eq!(p.status(), 0);
        assert_eq!(p.opaque(), 0);
        assert_eq!(p.flags(), 0x03);
        assert!(p.t());
        assert!(p.r());
        assert_eq!(p.i(), 0);
        assert_eq!(p.p(), 0);
        assert_eq!(p.tid(), 1);
        assert_eq!(p.registration_lifetime_60s(), 1440);
        assert_eq!(p.rovr(), &ROVR_8_6[..]);
        assert_eq!(EaroRepr::parse(&p).unwrap(), repr_earo_ns());
    }

    #[test]
    fn spec_vectors_emit_byte_for_byte() {
        let mut buf = [0u8; 64];
        let n = repr_gaao_ns().emit_slice(&mut buf).unwrap();
        assert_eq!(&buf[..n], &BYTES_GAAO_NS[..]);
        let n = repr_gaao_na().emit_slice(&mut buf).unwrap();
        assert_eq!(&buf[..n], &BYTES_GAAO_NA[..]);
        let n = repr_earo_ns().emit_slice(&mut buf).unwrap();
        assert_eq!(&buf[..n], &BYTES_EARO_NS[..]);
    }

    #[test]
    fn gaao_type_is_configurable() {
        let mut bytes = BYTES_GAAO_NA;
        bytes[0] = 200;
        let p = GaaoPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(GaaoRepr::parse_with_type(&p, 200).unwrap(), repr_gaao_na());
        assert_eq!(
            GaaoRepr::parse(&p),
            Err(NdError::WrongType {
                expected: DEFAULT_GAAO_TYPE,
                got: 200
            })
        );
        let mut out = [0u8; 32];
        assert_eq!(repr_gaao_na().emit_slice_with_type(&mut out, 200), Ok(32));
        assert_eq!(out, bytes);
        let mut out = [0u8; 32];
        repr_gaao_na().emit_with_type(&mut GaaoPacket::new_unchecked(&mut out[..]), 200);
        assert_eq!(out, bytes);
    }

    // --- Every option: truncation, emit, round trip, buffer_len ------------------------------

    #[test]
    fn every_prefix_of_a_valid_option_is_truncated() {
        for s in samples() {
            let bytes = s.encode();
            for n in 0..bytes.len() {
                let prefix = &bytes[..n];
                let needed = if n < 2 { s.min_len() } else { bytes.len() };
                let want = NdError::Truncated { needed, got: n };
                assert_eq!(s.check(prefix), Err(want), "{s:?} cut at {n}");
                assert_eq!(s.parse_like(prefix), Err(want), "{s:?} cut at {n}");
            }
            assert_eq!(s.check(&bytes), Ok(()));
        }
    }

    #[test]
    fn emit_into_ff_buffer_writes_exactly_buffer_len_octets() {
        for s in samples() {
            let expected = s.encode();
            let mut buf = vec![0xFFu8; s.buffer_len() + 9];
            s.emit(&mut buf);
            assert_eq!(&buf[..s.buffer_len()], &expected[..], "{s:?}");
            assert!(buf[s.buffer_len()..].iter().all(|&b| b == 0xFF), "{s:?}");

            let mut buf = vec![0xFFu8; s.buffer_len() + 9];
            assert_eq!(s.emit_slice(&mut buf), Ok(s.buffer_len()));
            assert_eq!(&buf[..s.buffer_len()], &expected[..], "{s:?}");
            assert!(buf[s.buffer_len()..].iter().all(|&b| b == 0xFF), "{s:?}");

            // Exactly buffer_len octets is enough.
            let mut exact = vec![0xFFu8; s.buffer_len()];
            s.emit(&mut exact);
            assert_eq!(exact, expected, "{s:?}");
        }
    }

    #[test]
    fn emit_slice_refuses_a_short_buffer_and_emit_does_not_panic() {
        for s in samples() {
            for n in 0..s.buffer_len() {
                let mut buf = vec![0xFFu8; n];
                assert_eq!(
                    s.emit_slice(&mut buf),
                    Err(NdError::Truncated {
                        needed: s.buffer_len(),
                        got: n
                    })
                );
                assert!(buf.iter().all(|&b| b == 0xFF), "emit_slice wrote on error");
                // The packet path writes what fits and never panics.
                s.emit(&mut buf);
            }
        }
    }

    #[test]
    fn parse_of_emit_round_trips() {
        for s in samples() {
            let bytes = s.encode();
            assert_eq!(s.parse_like(&bytes), Ok(s), "{bytes:02X?}");
            // Trailing octets after the option are not part of it.
            let mut longer = bytes.clone();
            longer.extend_from_slice(&[0x77; 8]);
            assert_eq!(s.parse_like(&longer), Ok(s));
        }
    }

    #[test]
    fn buffer_len_is_length_times_8() {
        assert_eq!(repr_gaao_ns().buffer_len(), 16);
        assert_eq!(repr_gaao_na().buffer_len(), 32);
        assert_eq!(repr_earo_ns().buffer_len(), 16);
        for n in [8usize, 16, 24, 32] {
            let earo = EaroRepr {
                rovr: rovr_of(n),
                ..repr_earo_ns()
            };
            assert_eq!(earo.buffer_len(), 8 + n);
            let gaao = GaaoRepr {
                rovr: rovr_of(n),
                ..repr_gaao_na()
            };
            assert_eq!(gaao.buffer_len(), 8 + n + 16);
            let gaao = GaaoRepr {
                rovr: rovr_of(n),
                ..repr_gaao_ns()
            };
            assert_eq!(gaao.buffer_len(), 8 + n);
        }
        assert_eq!(CioRepr::default().buffer_len(), 8);
        assert_eq!(llao(LlaoKind::Source, &[1, 2]).buffer_len(), 8);
        assert_eq!(llao(LlaoKind::Source, &[1, 2, 3, 4, 5, 6]).buffer_len(), 8);
        assert_eq!(llao(LlaoKind::Source, &[1; 8]).buffer_len(), 16);
        for s in samples() {
            let bytes = s.encode();
            assert_eq!(bytes.len(), s.buffer_len());
            assert_eq!(usize::from(bytes[1]) * 8, s.buffer_len());
        }
    }

    // --- Bad input ---------------------------------------------------------------------------

    #[test]
    fn length_zero_is_refused_by_every_option() {
        for s in samples() {
            let mut bytes = s.encode();
            bytes[1] = 0;
            assert_eq!(s.check(&bytes), Err(NdError::ZeroLength { at: 0 }), "{s:?}");
            assert_eq!(s.parse_like(&bytes), Err(NdError::ZeroLength { at: 0 }));
        }
    }

    #[test]
    fn length_overrunning_the_buffer_is_truncated() {
        for s in samples() {
            let mut bytes = s.encode();
            bytes[1] += 1;
            let want = NdError::Truncated {
                needed: usize::from(bytes[1]) * 8,
                got: bytes.len(),
            };
            assert_eq!(s.check(&bytes), Err(want), "{s:?}");
            assert_eq!(s.parse_like(&bytes), Err(want), "{s:?}");
            bytes[1] = 255;
            assert_eq!(
                s.check(&bytes),
                Err(NdError::Truncated {
                    needed: 2040,
                    got: bytes.len()
                })
            );
        }
    }

    #[test]
    fn earo_rovr_must_be_64_128_192_or_256_bits() {
        for length in 1u8..=12 {
            let mut bytes = vec![0u8; usize::from(length) * 8];
            bytes[0] = EARO_TYPE;
            bytes[1] = length;
            bytes[4] = earo_flags::T;
            let rovr_len = usize::from(length) * 8 - 8;
            let got = EaroRepr::parse(&EaroPacket::new_unchecked(&bytes[..]));
            if (2..=5).contains(&length) {
                assert_eq!(got.unwrap().rovr.as_bytes().len(), rovr_len);
            } else {
                assert_eq!(got, Err(NdError::BadRovrLen { octets: rovr_len }));
            }
        }
    }

    #[test]
    fn gaao_rovr_must_be_64_128_192_or_256_bits() {
        for length in 1u8..=12 {
            for pfx_len in [0u8, 64] {
                let mut bytes = vec![0u8; usize::from(length) * 8];
                let mut p = GaaoPacket::new_unchecked(&mut bytes[..]);
                p.set_option_type(DEFAULT_GAAO_TYPE);
                p.set_length(length);
                p.set_pfx_len(pfx_len);
                let got = GaaoRepr::parse(&GaaoPacket::new_unchecked(&bytes[..]));
                let body = usize::from(length) * 8 - 8;
                match (pfx_len, length) {
                    (0, 2..=5) => {
                        let r = got.unwrap();
                        assert_eq!(r.rovr.as_bytes().len(), body);
                        assert_eq!(r.address, None);
                    }
                    (0, _) => assert_eq!(got, Err(NdError::BadRovrLen { octets: body })),
                    (_, 4..=7) => {
                        let r = got.unwrap();
                        assert_eq!(r.rovr.as_bytes().len(), body - 16);
                        assert_eq!(r.address.unwrap().pfx_len, PfxLen::ADDRESS);
                    }
                    (_, 1 | 2) => assert_eq!(
                        got,
                        Err(NdError::BadLength {
                            field: "GAAO with PfxLen != 0 has no room for its 16-octet Address",
                            value: length
                        })
                    ),
                    (_, _) => assert_eq!(got, Err(NdError::BadRovrLen { octets: body - 16 })),
                }
            }
        }
    }

    #[test]
    fn gaao_pfx_len_decides_whether_24_octets_are_rovr_or_rovr_and_address() {
        // Length 4: 24 octets after the header.
        let mut bytes = [0u8; 32];
        for (k, b) in bytes.iter_mut().enumerate().skip(8) {
            *b = k as u8;
        }
        bytes[0] = DEFAULT_GAAO_TYPE;
        bytes[1] = 4;
        let no_addr = GaaoRepr::parse(&GaaoPacket::new_unchecked(&bytes[..])).unwrap();
        assert_eq!(no_addr.rovr.as_bytes(), &bytes[8..32]);
        assert_eq!(no_addr.address, None);

        GaaoPacket::new_unchecked(&mut bytes[..]).set_pfx_len(64);
        let with_addr = GaaoRepr::parse(&GaaoPacket::new_unchecked(&bytes[..])).unwrap();
        assert_eq!(with_addr.rovr.as_bytes(), &bytes[8..16]);
        let addr = with_addr.address.unwrap();
        assert_eq!(addr.pfx_len.value(), 64);
        assert_eq!(&addr.bytes[..], &bytes[16..32]);
    }

    #[test]
    fn gaao_accepts_every_nonzero_pfx_len_with_an_address() {
        for pfx_len in 1..=127u8 {
            let mut bytes = BYTES_GAAO_NA;
            GaaoPacket::new_unchecked(&mut bytes[..]).set_pfx_len(pfx_len);
            let r = GaaoRepr::parse(&GaaoPacket::new_unchecked(&bytes[..])).unwrap();
            assert_eq!(r.address.unwrap().pfx_len.value(), pfx_len);
            assert_eq!(r.aaf, Aaf::TAAF_DEFAULT);
            assert!(r.r);
            let mut out = [0u8; 32];
            r.emit_slice(&mut out).unwrap();
            assert_eq!(out, bytes);
        }
    }

    #[test]
    fn gaao_pfx_len_straddles_octets_4_and_5_without_touching_neighbours() {
        let mut bytes = BYTES_GAAO_NA;
        bytes[4] = 0xF8; // R, C and the reserved bits set, PfxLen high bits clear
        bytes[5] = 0x0F;
        let mut p = GaaoPacket::new_unchecked(&mut bytes[..]);
        p.set_pfx_len(0x7F);
        assert_eq!(p.pfx_len(), 0x7F);
        assert_eq!(bytes[4], 0xFF);
        assert_eq!(bytes[5], 0xFF);
        let mut p = GaaoPacket::new_unchecked(&mut bytes[..]);
        p.set_pfx_len(0);
        p.set_aaf(0x5);
        assert_eq!(bytes[4], 0xF8);
        assert_eq!(bytes[5], 0x05);
        let mut p = GaaoPacket::new_unchecked(&mut bytes[..]);
        p.set_pfx_len(0x80 | 0x15); // the 8th bit does not exist
        assert_eq!(p.pfx_len(), 0x15);
        p.set_aaf(0xF3); // only the low nibble exists
        assert_eq!(p.aaf(), 0x3);
    }

    #[test]
    fn rovr_accepts_only_64_128_192_256_bits() {
        for n in 0..=40usize {
            let bytes = vec![0xABu8; n];
            match Rovr::new(&bytes) {
                Ok(r) => {
                    assert!(matches!(n, 8 | 16 | 24 | 32), "{n}");
                    assert_eq!(r.as_bytes(), &bytes[..]);
                    assert_eq!(usize::from(r.len_bits()), n * 8);
                }
                Err(e) => {
                    assert!(!matches!(n, 8 | 16 | 24 | 32), "{n}");
                    assert_eq!(e, NdError::BadRovrLen { octets: n });
                }
            }
        }
    }

    #[test]
    fn link_addr_accepts_only_2_6_8_octets() {
        for n in 0..=12usize {
            let bytes = vec![0x5Au8; n];
            match LinkAddr::new(&bytes) {
                Ok(a) => {
                    assert!(matches!(n, 2 | 6 | 8), "{n}");
                    assert_eq!(a.as_bytes(), &bytes[..]);
                }
                Err(e) => {
                    assert!(!matches!(n, 2 | 6 | 8), "{n}");
                    assert_eq!(e, NdError::BadLinkAddrLen { octets: n });
                }
            }
        }
    }

    #[test]
    fn narrow_fields_refuse_values_that_do_not_fit() {
        assert_eq!(Aaf::try_new(15).unwrap().value(), 15);
        assert_eq!(
            Aaf::try_new(16),
            Err(NdError::OutOfRange {
                field: "GAAO AAF",
                value: 16,
                min: 0,
                max: 15
            })
        );
        assert_eq!(PfxLen::try_new(1).unwrap().value(), 1);
        assert_eq!(PfxLen::try_new(127).unwrap().value(), 127);
        assert!(matches!(
            PfxLen::try_new(0),
            Err(NdError::OutOfRange { value: 0, .. })
        ));
        assert!(matches!(
            PfxLen::try_new(128),
            Err(NdError::OutOfRange {
                value: 128,
                min: 1,
                max: 127,
                ..
            })
        ));
        assert_eq!(U2::try_new(3).unwrap().value(), 3);
        assert!(matches!(
            U2::try_new(4),
            Err(NdError::OutOfRange {
                value: 4,
                max: 3,
                ..
            })
        ));
    }

    #[test]
    fn wrong_option_type_is_refused() {
        let mut earo = BYTES_EARO_NS;
        earo[0] = 34;
        assert_eq!(
            EaroRepr::parse(&EaroPacket::new_unchecked(&earo[..])),
            Err(NdError::WrongType {
                expected: EARO_TYPE,
                got: 34
            })
        );
        // An EARO is not a GAAO, even though the lengths fit.
        assert_eq!(
            GaaoRepr::parse(&GaaoPacket::new_unchecked(&BYTES_EARO_NS[..])),
            Err(NdError::WrongType {
                expected: DEFAULT_GAAO_TYPE,
                got: EARO_TYPE
            })
        );
        assert_eq!(
            GaaoRepr::parse_with_type(&GaaoPacket::new_unchecked(&BYTES_GAAO_NS[..]), 200),
            Err(NdError::WrongType {
                expected: 200,
                got: DEFAULT_GAAO_TYPE
            })
        );
        // The type is judged before the type-specific layout.
        let mut gaao6 = [0u8; 48];
        gaao6[0] = DEFAULT_GAAO_TYPE;
        gaao6[1] = 6;
        assert_eq!(
            EaroRepr::parse(&EaroPacket::new_unchecked(&gaao6[..])),
            Err(NdError::WrongType {
                expected: EARO_TYPE,
                got: DEFAULT_GAAO_TYPE
            })
        );
        gaao6[0] = 9;
        assert_eq!(
            LlaoRepr::parse(&LlaoPacket::new_unchecked(&gaao6[..])),
            Err(NdError::NotLinkLayerAddress { got: 9 })
        );
        let mut cio = [0u8; 8];
        CioRepr::for_role(Role::Router)
            .emit_slice(&mut cio)
            .unwrap();
        cio[0] = 35;
        assert_eq!(
            CioRepr::parse(&CioPacket::new_unchecked(&cio[..])),
            Err(NdError::WrongType {
                expected: CIO_TYPE,
                got: 35
            })
        );
        let mut ll = [3u8, 1, 1, 2, 3, 4, 5, 6];
        assert_eq!(
            LlaoRepr::parse(&LlaoPacket::new_unchecked(&ll[..])),
            Err(NdError::NotLinkLayerAddress { got: 3 })
        );
        ll[0] = 0;
        assert_eq!(
            LlaoRepr::parse_short(&LlaoPacket::new_unchecked(&ll[..])),
            Err(NdError::NotLinkLayerAddress { got: 0 })
        );
    }

    #[test]
    fn reserved_bits_are_ignored_on_receipt_and_sent_as_zero() {
        // GAAO: the 3 Rsvd bits of octet 4.
        let mut gaao = BYTES_GAAO_NA;
        gaao[4] |= gaao_flags::RESERVED;
        let p = GaaoPacket::new_checked(&gaao[..]).unwrap();
        assert_eq!(p.reserved(), 7);
        assert_eq!(p.pfx_len(), 64);
        let r = GaaoRepr::parse(&p).unwrap();
        assert_eq!(r, repr_gaao_na());
        let mut out = [0xFFu8; 32];
        r.emit_slice(&mut out).unwrap();
        assert_eq!(out, BYTES_GAAO_NA);

        // EARO: the two top flag bits.
        let mut earo = BYTES_EARO_NS;
        earo[4] |= earo_flags::RESERVED;
        let r = EaroRepr::parse(&EaroPacket::new_checked(&earo[..]).unwrap()).unwrap();
        assert_eq!(r, repr_earo_ns());
        let mut out = [0xFFu8; 16];
        r.emit_slice(&mut out).unwrap();
        assert_eq!(out, BYTES_EARO_NS);

        // 6CIO: octet 2 and octets 5-7 carry no bits PASA knows.
        let cio = [CIO_TYPE, 1, 0xFF, 0x12, 0x40, 0xFF, 0xFF, 0xFF];
        let r = CioRepr::parse(&CioPacket::new_checked(&cio[..]).unwrap()).unwrap();
        assert_eq!(
            r,
            CioRepr {
                octet3: 0x12,
                octet4: 0x40
            }
        );
        let mut out = [0xFFu8; 8];
        r.emit_slice(&mut out).unwrap();
        assert_eq!(out, [CIO_TYPE, 1, 0, 0x12, 0x40, 0, 0, 0]);

        // SLLAO: padding after a short address and an EUI-64.
        let short = [SLLAO_TYPE, 1, 0xAB, 0xCD, 9, 9, 9, 9];
        let r = LlaoRepr::parse_short(&LlaoPacket::new_unchecked(&short[..])).unwrap();
        assert_eq!(r, llao(LlaoKind::Source, &[0xAB, 0xCD]));
        let mut out = [0xFFu8; 8];
        r.emit_slice(&mut out).unwrap();
        assert_eq!(out, [SLLAO_TYPE, 1, 0xAB, 0xCD, 0, 0, 0, 0]);
        let mut eui64 = [0x77u8; 16];
        eui64[0] = TLLAO_TYPE;
        eui64[1] = 2;
        let r = LlaoRepr::parse(&LlaoPacket::new_unchecked(&eui64[..])).unwrap();
        assert_eq!(r, llao(LlaoKind::Target, &[0x77; 8]));
    }

    #[test]
    fn cio_with_length_2_is_accepted_and_extra_octets_ignored() {
        let mut cio = [0xFFu8; 16];
        cio[0] = CIO_TYPE;
        cio[1] = 2;
        cio[3] = cio_flags::L | cio_flags::E;
        cio[4] = DEFAULT_M_MASK;
        let p = CioPacket::new_checked(&cio[..]).unwrap();
        assert_eq!(p.option_len(), 16);
        let r = CioRepr::parse(&p).unwrap();
        assert_eq!(r, CioRepr::for_role(Role::Router).with_m(DEFAULT_M_MASK));
        // Re-emitted in the canonical 8-octet form.
        let mut out = [0xFFu8; 8];
        assert_eq!(r.emit_slice(&mut out), Ok(8));
        assert_eq!(out, [CIO_TYPE, 1, 0, 0x12, 0x40, 0, 0, 0]);
        // Length 3 with 24 octets is fine too; Length 3 with 16 octets is truncated.
        let mut cio3 = [0u8; 24];
        cio3[0] = CIO_TYPE;
        cio3[1] = 3;
        assert_eq!(
            CioRepr::parse(&CioPacket::new_unchecked(&cio3[..])),
            Ok(CioRepr::default())
        );
        assert_eq!(
            CioRepr::parse(&CioPacket::new_unchecked(&cio3[..16])),
            Err(NdError::Truncated {
                needed: 24,
                got: 16
            })
        );
    }

    #[test]
    fn llao_length_other_than_1_or_2_is_refused() {
        for length in [3u8, 4, 8] {
            let mut bytes = vec![0u8; usize::from(length) * 8];
            bytes[0] = SLLAO_TYPE;
            bytes[1] = length;
            assert_eq!(
                LlaoRepr::parse(&LlaoPacket::new_unchecked(&bytes[..])),
                Err(NdError::BadLength {
                    field: "SLLAO/TLLAO must be 1 (EUI-48 or short address) or 2 (EUI-64)",
                    value: length
                })
            );
        }
    }

    // --- SLLAO / TLLAO forms --------------------------------------------------------------

    #[test]
    fn llao_encodes_eui48_short_and_eui64_per_rfc4944() {
        let eui48 = llao(LlaoKind::Source, &[0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
        let mut out = [0xFFu8; 16];
        assert_eq!(eui48.emit_slice(&mut out), Ok(8));
        assert_eq!(&out[..8], &[1, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);

        let short = llao(LlaoKind::Target, &[0xAB, 0xCD]);
        assert_eq!(short.emit_slice(&mut out), Ok(8));
        assert_eq!(&out[..8], &[2, 1, 0xAB, 0xCD, 0, 0, 0, 0]);
        // The same octets read on an EUI-48 link are a 6-octet address.
        let p = LlaoPacket::new_checked(&out[..8]).unwrap();
        assert_eq!(p.link_layer_address(), &[0xAB, 0xCD, 0, 0, 0, 0]);
        assert_eq!(
            LlaoRepr::parse(&p).unwrap().addr.as_bytes(),
            &[0xAB, 0xCD, 0, 0, 0, 0]
        );
        assert_eq!(LlaoRepr::parse_short(&p).unwrap(), short);

        let eui64 = llao(LlaoKind::Source, &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(eui64.emit_slice(&mut out), Ok(16));
        assert_eq!(out, [1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0]);
        let p = LlaoPacket::new_checked(&out[..]).unwrap();
        assert_eq!(LlaoRepr::parse(&p).unwrap(), eui64);
        assert_eq!(LlaoRepr::parse_short(&p).unwrap(), eui64);
        assert_eq!(LlaoKind::from_option_type(1), Some(LlaoKind::Source));
        assert_eq!(LlaoKind::from_option_type(2), Some(LlaoKind::Target));
        assert_eq!(LlaoKind::from_option_type(33), None);
    }

    // --- 6CIO roles and flags -----------------------------------------------------------------

    #[test]
    fn cio_for_role_follows_spec_1_10() {
        let root = CioRepr::for_role(Role::Root);
        assert_eq!((root.octet3, root.octet4), (0x1A, 0));
        assert!(root.b() && root.l() && root.e());
        let router = CioRepr::for_role(Role::Router);
        assert_eq!((router.octet3, router.octet4), (0x12, 0));
        assert!(!router.b() && router.l() && router.e());
        let host = CioRepr::for_role(Role::Host);
        assert_eq!((host.octet3, host.octet4), (0, 0));
        for role in [Role::Root, Role::Router, Role::Host] {
            assert_eq!(CioRepr::for_role(role).role(), role);
            assert_eq!(CioRepr::for_role(role).with_m(DEFAULT_M_MASK).role(), role);
        }
        // B alone (a 6LBR that is not a 6LR) is still the root; E alone is a host.
        let b_only = CioRepr {
            octet3: cio_flags::B,
            octet4: 0,
        };
        assert_eq!(b_only.role(), Role::Root);
        let e_only = CioRepr {
            octet3: cio_flags::E,
            octet4: 0,
        };
        assert_eq!(e_only.role(), Role::Host);
    }

    #[test]
    fn cio_named_flags_read_one_bit_each() {
        type Getter = fn(&CioRepr) -> bool;
        let named: [(u8, u8, Getter); 7] = [
            (cio_flags::L, 0, CioRepr::l),
            (cio_flags::B, 0, CioRepr::b),
            (cio_flags::P, 0, CioRepr::p),
            (cio_flags::E, 0, CioRepr::e),
            (cio_flags::G, 0, CioRepr::g),
            (0, cio_flags::F, CioRepr::f),
            (0, DEFAULT_M_MASK, |r| r.m(DEFAULT_M_MASK)),
        ];
        for (k, &(o3, o4, _)) in named.iter().enumerate() {
            let r = CioRepr {
                octet3: o3,
                octet4: o4,
            };
            for (j, &(_, _, get)) in named.iter().enumerate() {
                assert_eq!(get(&r), j == k, "bit {k} read by accessor {j}");
            }
            // The view agrees with the value.
            let mut buf = [0u8; 8];
            r.emit_slice(&mut buf).unwrap();
            let p = CioPacket::new_checked(&buf[..]).unwrap();
            assert_eq!(
                [
                    p.l(),
                    p.b(),
                    p.p(),
                    p.e(),
                    p.g(),
                    p.f(),
                    p.m(DEFAULT_M_MASK)
                ],
                [
                    r.l(),
                    r.b(),
                    r.p(),
                    r.e(),
                    r.g(),
                    r.f(),
                    r.m(DEFAULT_M_MASK)
                ]
            );
        }
        // A configured M mask reads another bit.
        let r = CioRepr::default().with_m(0x20);
        assert!(r.m(0x20));
        assert!(!r.m(DEFAULT_M_MASK));
        assert_eq!(r.octet4, 0x20);
    }

    #[test]
    fn cio_setters_write_the_named_bits() {
        let mut buf = [0u8; 8];
        let mut p = CioPacket::new_unchecked(&mut buf[..]);
        p.set_option_type(CIO_TYPE);
        p.set_length(1);
        p.set_l(true);
        p.set_b(true);
        p.set_p(true);
        p.set_e(true);
        p.set_g(true);
        p.set_f(true);
        p.set_m(DEFAULT_M_MASK, true);
        assert_eq!(buf, [CIO_TYPE, 1, 0, 0x1F, 0xC0, 0, 0, 0]);
        let mut p = CioPacket::new_unchecked(&mut buf[..]);
        p.set_b(false);
        p.set_m(DEFAULT_M_MASK, false);
        assert_eq!(buf, [CIO_TYPE, 1, 0, 0x17, 0x80, 0, 0, 0]);
    }

    #[test]
    fn earo_flag_setters_keep_other_bits() {
        let mut buf = BYTES_EARO_NS;
        let mut p = EaroPacket::new_unchecked(&mut buf[..]);
        p.set_i(3);
        p.set_p(2);
        assert_eq!(p.flags(), 0x03 | 0x0C | 0x20);
        p.set_t(false);
        p.set_r(false);
        assert_eq!(p.flags(), 0x2C);
        p.set_i(0xFD); // only 2 bits exist
        assert_eq!(p.i(), 1);
        assert_eq!(p.p(), 2);
    }

    // --- Views never panic ------------------------------------------------------------------

    #[test]
    fn getters_and_setters_on_short_buffers_never_panic() {
        for n in 0..=64usize {
            let mut buf = vec![0xFFu8; n];
            {
                let mut p = GaaoPacket::new_unchecked(&mut buf[..]);
                p.set_option_type(1);
                p.set_length(7);
                p.set_status(2);
                p.set_opaque(3);
                p.set_r(true);
                p.set_c(true);
                p.set_reserved(7);
                p.set_pfx_len(64);
                p.set_aaf(0xF);
                p.set_assignment_lifetime_min(9);
                p.set_rovr(&[1; 32]);
                p.set_address(&[2; 16]);
                let _ = (
                    p.option_type(),
                    p.length(),
                    p.status(),
                    p.opaque(),
                    p.r(),
                    p.c(),
                );
                let _ = (
                    p.reserved(),
                    p.pfx_len(),
                    p.aaf(),
                    p.assignment_lifetime_min(),
                );
                let _ = (p.rovr().len(), p.address(), p.check_len(), p.option_len());
            }
            {
                let mut p = EaroPacket::new_unchecked(&mut buf[..]);
                p.set_option_type(1);
                p.set_length(9);
                p.set_status(2);
                p.set_opaque(3);
                p.set_flags(0xFF);
                p.set_t(true);
                p.set_r(true);
                p.set_i(3);
                p.set_p(3);
                p.set_tid(4);
                p.set_registration_lifetime_60s(5);
                p.set_rovr(&[1; 32]);
                let _ = (
                    p.option_type(),
                    p.length(),
                    p.status(),
                    p.opaque(),
                    p.flags(),
                );
                let _ = (
                    p.t(),
                    p.r(),
                    p.i(),
                    p.p(),
                    p.tid(),
                    p.registration_lifetime_60s(),
                );
                let _ = (p.rovr().len(), p.check_len(), p.option_len());
            }
            {
                let mut p = CioPacket::new_unchecked(&mut buf[..]);
                p.set_option_type(1);
                p.set_length(200);
                p.set_octet3(0xFF);
                p.set_octet4(0xFF);
                p.set_l(true);
                p.set_f(false);
                p.set_m(0x40, true);
                let _ = (
                    p.option_type(),
                    p.length(),
                    p.octet3(),
                    p.octet4(),
                    p.l(),
                    p.b(),
                );
                let _ = (p.p(), p.e(), p.g(), p.f(), p.m(0x40), p.check_len());
            }
            {
                let mut p = LlaoPacket::new_unchecked(&mut buf[..]);
                p.set_option_type(1);
                p.set_length(255);
                p.set_link_layer_address(&[1, 2, 3, 4, 5, 6, 7, 8]);
                let _ = (p.option_type(), p.length(), p.link_layer_address().len());
                let _ = p.check_len();
            }
            let p = GaaoPacket::new_unchecked(&buf[..]);
            let _ = GaaoRepr::parse(&p);
            let _ = EaroRepr::parse(&EaroPacket::new_unchecked(&buf[..]));
            let _ = CioRepr::parse(&CioPacket::new_unchecked(&buf[..]));
            let _ = LlaoRepr::parse(&LlaoPacket::new_unchecked(&buf[..]));
        }
    }

    #[test]
    fn into_inner_returns_the_buffer() {
        let bytes = BYTES_GAAO_NA;
        assert_eq!(
            GaaoPacket::new_checked(&bytes[..]).unwrap().into_inner(),
            &bytes[..]
        );
        assert_eq!(
            EaroPacket::new_checked(&BYTES_EARO_NS[..])
                .unwrap()
                .into_inner(),
            &BYTES_EARO_NS[..]
        );
        let cio = [CIO_TYPE, 1, 0, 0, 0, 0, 0, 0];
        assert_eq!(CioPacket::new_checked(cio).unwrap().into_inner(), cio);
        let ll = [1u8, 1, 1, 2, 3, 4, 5, 6];
        assert_eq!(LlaoPacket::new_checked(ll).unwrap().into_inner(), ll);
    }

    // --- Errors ---------------------------------------------------------------------------------

    #[test]
    fn errors_say_what_and_where() {
        let cases: [(NdError, &str); 9] = [
            (
                NdError::Truncated { needed: 16, got: 5 },
                "ND option truncated: needs 16 octets, buffer has 5",
            ),
            (
                NdError::ZeroLength { at: 24 },
                "ND option at offset 24 has Length 0",
            ),
            (
                NdError::Overrun {
                    at: 8,
                    needed: 40,
                    got: 32,
                },
                "ND option at offset 8 needs 40 octets but only 32 remain in the list",
            ),
            (
                NdError::WrongType {
                    expected: 33,
                    got: 34,
                },
                "expected ND option type 33, got 34",
            ),
            (
                NdError::NotLinkLayerAddress { got: 3 },
                "expected ND option type 1 (SLLAO) or 2 (TLLAO), got 3",
            ),
            (
                NdError::BadLength {
                    field: "SLLAO/TLLAO must be 1 or 2",
                    value: 3,
                },
                "invalid ND option Length 3: SLLAO/TLLAO must be 1 or 2",
            ),
            (
                NdError::BadRovrLen { octets: 40 },
                "ROVR of 40 octets; it must be 8, 16, 24 or 32 octets (64-256 bits)",
            ),
            (
                NdError::BadLinkAddrLen { octets: 3 },
                "link-layer address of 3 octets; it must be 2, 6 or 8 octets",
            ),
            (
                NdError::OutOfRange {
                    field: "GAAO AAF",
                    value: 16,
                    min: 0,
                    max: 15,
                },
                "GAAO AAF = 16 is outside 0..=15",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
            let as_error: &dyn core::error::Error = &err;
            assert!(as_error.source().is_none());
        }
    }

    // --- Option lists -------------------------------------------------------------------------

    fn sllao_bytes() -> [u8; 8] {
        [SLLAO_TYPE, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55]
    }

    fn cio_bytes() -> [u8; 8] {
        let mut b = [0u8; 8];
        CioRepr::for_role(Role::Router)
            .with_m(DEFAULT_M_MASK)
            .emit_slice(&mut b)
            .unwrap();
        b
    }

    /// SLLAO + GAAO(NA) + 6CIO, 48 octets.
    fn good_list() -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&sllao_bytes());
        v.extend_from_slice(&BYTES_GAAO_NA);
        v.extend_from_slice(&cio_bytes());
        v
    }

    #[test]
    fn option_list_yields_sllao_gaao_cio_in_order() {
        let list = good_list();
        let mut it = NdOptions::new(&list);
        assert_eq!(it.next(), Some(Ok((SLLAO_TYPE, &sllao_bytes()[..]))));
        assert_eq!(it.offset(), 8);
        assert_eq!(it.next(), Some(Ok((DEFAULT_GAAO_TYPE, &BYTES_GAAO_NA[..]))));
        assert_eq!(it.offset(), 40);
        assert_eq!(it.next(), Some(Ok((CIO_TYPE, &cio_bytes()[..]))));
        assert_eq!(it.offset(), 48);
        assert_eq!(it.next(), None);
        assert_eq!(it.next(), None);
        assert_eq!(check_options(&list), Ok(3));

        let gaao = find(&list, DEFAULT_GAAO_TYPE).unwrap().unwrap();
        assert_eq!(
            GaaoRepr::parse(&GaaoPacket::new_checked(gaao).unwrap()),
            Ok(repr_gaao_na())
        );
        let cio = find(&list, CIO_TYPE).unwrap().unwrap();
        assert_eq!(
            CioRepr::parse(&CioPacket::new_checked(cio).unwrap())
                .unwrap()
                .role(),
            Role::Router
        );
        let sllao = find(&list, SLLAO_TYPE).unwrap().unwrap();
        assert_eq!(
            LlaoRepr::parse(&LlaoPacket::new_checked(sllao).unwrap()),
            Ok(llao(LlaoKind::Source, &sllao_bytes()[2..]))
        );
        assert_eq!(find(&list, EARO_TYPE), Ok(None));
    }

    #[test]
    fn empty_option_list_is_valid_and_empty() {
        assert_eq!(NdOptions::new(&[]).next(), None);
        assert_eq!(check_options(&[]), Ok(0));
        assert_eq!(find(&[], SLLAO_TYPE), Ok(None));
    }

    #[test]
    fn zero_length_option_stops_the_walk_with_an_error() {
        let mut list = Vec::new();
        list.extend_from_slice(&sllao_bytes());
        list.extend_from_slice(&[0x05, 0x00, 1, 2, 3, 4, 5, 6]);
        list.extend_from_slice(&cio_bytes());
        let mut it = NdOptions::new(&list);
        assert!(matches!(it.next(), Some(Ok((SLLAO_TYPE, _)))));
        assert_eq!(it.next(), Some(Err(NdError::ZeroLength { at: 8 })));
        assert_eq!(it.next(), None);
        assert_eq!(it.next(), None);
        assert_eq!(it.size_hint(), (0, Some(0)));
        assert_eq!(check_options(&list), Err(NdError::ZeroLength { at: 8 }));
        // The SLLAO before the fault is not handed out: the whole message is bad.
        assert_eq!(find(&list, SLLAO_TYPE), Err(NdError::ZeroLength { at: 8 }));
    }

    #[test]
    fn overrunning_option_stops_the_walk_with_an_error() {
        let mut list = Vec::new();
        list.extend_from_slice(&sllao_bytes());
        let mut gaao = BYTES_GAAO_NA;
        gaao[1] = 5; // claims 40 octets, 32 follow
        list.extend_from_slice(&gaao);
        let mut it = NdOptions::new(&list);
        assert!(matches!(it.next(), Some(Ok((SLLAO_TYPE, _)))));
        assert_eq!(
            it.next(),
            Some(Err(NdError::Overrun {
                at: 8,
                needed: 40,
                got: 32
            }))
        );
        assert_eq!(it.next(), None);
        assert_eq!(
            find(&list, SLLAO_TYPE),
            Err(NdError::Overrun {
                at: 8,
                needed: 40,
                got: 32
            })
        );
    }

    #[test]
    fn trailing_fragment_shorter_than_8_octets_is_an_overrun() {
        for tail in 1..8usize {
            let mut list = good_list();
            list.extend(core::iter::repeat_n(0x01, tail));
            let items: Vec<_> = NdOptions::new(&list).collect();
            assert_eq!(items.len(), 4);
            assert_eq!(
                items[3],
                Err(NdError::Overrun {
                    at: 48,
                    needed: 8,
                    got: tail
                })
            );
            assert!(check_options(&list).is_err());
        }
    }

    #[test]
    fn garbage_never_loops_more_than_len_over_8_times() {
        // xorshift: deterministic garbage.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        };
        for round in 0..500 {
            let mut bytes = vec![0u8; 1000];
            bytes.iter_mut().for_each(|b| *b = next());
            // Bias some rounds towards tiny lengths, the worst case for the loop count.
            if round % 2 == 0 {
                for k in (1..1000).step_by(8) {
                    bytes[k] %= 3;
                }
            }
            let it = NdOptions::new(&bytes);
            let (_, Some(max)) = it.size_hint() else {
                panic!("no upper bound");
            };
            assert_eq!(max, 125);
            let mut count = 0;
            let mut covered = 0;
            for item in it {
                count += 1;
                assert!(count <= 125, "looped {count} times over 1000 octets");
                if let Ok((_, opt)) = item {
                    assert!(opt.len() >= 8);
                    covered += opt.len();
                }
            }
            assert!(covered <= 1000);
        }
        // All Length 1: exactly 125 options, then the end.
        assert_eq!(NdOptions::new(&[0x01; 1000]).count(), 125);
        assert_eq!(check_options(&[0x01; 1000]), Ok(125));
        // Length 255 overruns at once.
        assert_eq!(
            NdOptions::new(&[0xFF; 1000]).collect::<Vec<_>>(),
            vec![Err(NdError::Overrun {
                at: 0,
                needed: 2040,
                got: 1000
            })]
        );
    }

    // --- Property tests -----------------------------------------------------------------------

    fn arb_rovr() -> impl Strategy<Value = Rovr> {
        prop::sample::select(vec![8usize, 16, 24, 32])
            .prop_flat_map(|n| prop::collection::vec(any::<u8>(), n))
            .prop_map(|v| Rovr::new(&v).unwrap())
    }

    fn arb_gaao() -> impl Strategy<Value = GaaoRepr> {
        (
            any::<(u8, u8, bool, bool, u16)>(),
            0u8..=15,
            arb_rovr(),
            prop::option::of((1u8..=127, any::<[u8; 16]>())),
        )
            .prop_map(|((status, opaque, r, c, life), aaf, rovr, addr)| GaaoRepr {
                status,
                opaque,
                r,
                c,
                aaf: Aaf::try_new(aaf).unwrap(),
                assignment_lifetime_min: life,
                rovr,
                address: addr.map(|(pfx, bytes)| GaaoAddress {
                    pfx_len: PfxLen::try_new(pfx).unwrap(),
                    bytes,
                }),
            })
    }

    fn arb_earo() -> impl Strategy<Value = EaroRepr> {
        (
            any::<(u8, u8, bool, bool, u8, u16)>(),
            0u8..=3,
            0u8..=3,
            arb_rovr(),
        )
            .prop_map(|((status, opaque, t, r, tid, life), i, p, rovr)| EaroRepr {
                status,
                opaque,
                t,
                r,
                i: U2::try_new(i).unwrap(),
                p: U2::try_new(p).unwrap(),
                tid,
                lifetime_60s: life,
                rovr,
            })
    }

    fn arb_any() -> impl Strategy<Value = Any> {
        prop_oneof![
            arb_gaao().prop_map(Any::Gaao),
            arb_earo().prop_map(Any::Earo),
            any::<(u8, u8)>().prop_map(|(octet3, octet4)| Any::Cio(CioRepr { octet3, octet4 })),
            (
                any::<bool>(),
                prop::sample::select(vec![2usize, 6, 8]),
                any::<[u8; 8]>()
            )
                .prop_map(|(target, n, bytes)| {
                    let kind = if target {
                        LlaoKind::Target
                    } else {
                        LlaoKind::Source
                    };
                    Any::Llao(llao(kind, &bytes[..n]), n == 2)
                }),
        ]
    }

    proptest! {
        #[test]
        fn prop_parse_of_emit_round_trips(s in arb_any(), tail in 0usize..16) {
            let mut buf = vec![0xFFu8; s.buffer_len() + tail];
            s.emit(&mut buf);
            prop_assert!(buf[s.buffer_len()..].iter().all(|&b| b == 0xFF));
            prop_assert_eq!(s.check(&buf), Ok(()));
            prop_assert_eq!(s.parse_like(&buf), Ok(s));
            // Every list holding just this option walks to exactly it.
            let bytes = &buf[..s.buffer_len()];
            let items: Vec<_> = NdOptions::new(bytes).collect();
            prop_assert_eq!(items, vec![Ok((bytes[0], bytes))]);
        }

        #[test]
        fn prop_arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            let _ = GaaoRepr::parse(&GaaoPacket::new_unchecked(&bytes[..]));
            let _ = EaroRepr::parse(&EaroPacket::new_unchecked(&bytes[..]));
            let _ = CioRepr::parse(&CioPacket::new_unchecked(&bytes[..]));
            let _ = LlaoRepr::parse(&LlaoPacket::new_unchecked(&bytes[..]));
            let _ = LlaoRepr::parse_short(&LlaoPacket::new_unchecked(&bytes[..]));
            let g = GaaoPacket::new_unchecked(&bytes[..]);
            let _ = (g.rovr().len(), g.address(), g.pfx_len());
            // Anything GaaoRepr accepts, it re-emits to the same option bar reserved bits.
            if let Ok(r) = GaaoRepr::parse(&g) {
                let mut out = vec![0u8; r.buffer_len()];
                r.emit_slice(&mut out).unwrap();
                let mut expected = bytes[..r.buffer_len()].to_vec();
                expected[4] &= !gaao_flags::RESERVED;
                prop_assert_eq!(out, expected);
            }
            if let Ok(r) = EaroRepr::parse(&EaroPacket::new_unchecked(&bytes[..])) {
                let mut out = vec![0u8; r.buffer_len()];
                r.emit_slice(&mut out).unwrap();
                let mut expected = bytes[..r.buffer_len()].to_vec();
                expected[4] &= !earo_flags::RESERVED;
                prop_assert_eq!(out, expected);
            }
        }

        #[test]
        fn prop_option_walk_is_bounded_and_exact(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let mut covered = 0usize;
            let mut count = 0usize;
            let mut failed = false;
            for item in NdOptions::new(&bytes) {
                prop_assert!(!failed, "item after an error");
                count += 1;
                match item {
                    Ok((ty, opt)) => {
                        prop_assert_eq!(opt.as_ptr(), bytes[covered..].as_ptr());
                        prop_assert_eq!(ty, opt[0]);
                        prop_assert_eq!(opt.len(), usize::from(opt[1]) * 8);
                        covered += opt.len();
                    }
                    Err(_) => failed = true,
                }
            }
            prop_assert!(count <= bytes.len().div_ceil(8));
            prop_assert_eq!(failed, covered != bytes.len());
            prop_assert_eq!(check_options(&bytes).is_ok(), !failed);
        }
    }
}
