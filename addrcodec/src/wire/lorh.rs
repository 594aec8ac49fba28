//! 6LoWPAN Routing Headers (RFC 8138 §5): the generic header, the PASA-6LoRH (draft-13 §8.1)
//! and the IP-in-IP 6LoRH (RFC 8138 §6.3).
//!
//! ```text
//!  Critical:  |1|0|0|  TSE (5)  |  6LoRH Type (8)  |  body (length known from the Type) ...
//!  Elective:  |1|0|1| Length(5) |  6LoRH Type (8)  |  body (Length octets) ...
//! ```
//!
//! A node that does not know a critical type must drop the packet; it skips an unknown
//! elective one by its Length (RFC 8138 §5.1).

use core::fmt;

use crate::addr::PasaAddr;

/// IP-in-IP 6LoRH type (RFC 8138 §6.3, elective).
pub const TYPE_IP_IN_IP: u8 = 6;

/// Length of the two-octet 6LoRH header (first octet and type).
pub const HEADER_LEN: usize = 2;

/// Errors of the 6LoRH layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The buffer ends before the header does.
    Truncated {
        /// Octets the header needs.
        needed: usize,
        /// Octets present.
        got: usize,
    },
    /// The first octet is not a 6LoRH (`10xxxxxx`).
    NotLorh(u8),
    /// A critical header was expected but an elective one is there, or the reverse.
    WrongClass(LorhClass),
    /// The header is not of the expected type.
    WrongType {
        /// Type the parser was asked for.
        expected: u8,
        /// Type on the wire.
        got: u8,
    },
    /// The PASA-6LoRH carries the all-zero address (SPEC.md §9.1 item 7).
    ZeroAddress,
    /// The IP-in-IP 6LoRH Length is not 1, 2, 3, 5, 9 or 17 (Hop Limit plus an encapsulator of
    /// 0, 1, 2, 4, 8 or 16 octets).
    BadIpInIpLength(u8),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, got } => {
                write!(f, "6LoRH truncated: needs {needed} octets, {got} present")
            }
            Self::NotLorh(b) => write!(f, "octet {b:#04x} is not a 6LoRH dispatch (10xxxxxx)"),
            Self::WrongClass(c) => write!(f, "6LoRH is {c:?}, not the class expected"),
            Self::WrongType { expected, got } => {
                write!(
                    f,
                    "6LoRH type {got:#04x} where {expected:#04x} was expected"
                )
            }
            Self::ZeroAddress => f.write_str("PASA-6LoRH address is zero"),
            Self::BadIpInIpLength(l) => write!(
                f,
                "IP-in-IP 6LoRH Length {l} is not 1, 2, 3, 5, 9 or 17 (hop limit + encapsulator)"
            ),
        }
    }
}

impl core::error::Error for Error {}

/// The two classes of 6LoRH (RFC 8138 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LorhClass {
    /// `100xxxxx`: must be understood, else the packet is dropped.
    Critical,
    /// `101xxxxx`: skipped by its Length when not understood.
    Elective,
}

/// A read-only description of one 6LoRH found by [`Packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lorh {
    /// Critical or elective.
    pub class: LorhClass,
    /// The type octet.
    pub lorh_type: u8,
    /// The 5 type-specific bits of the first octet (TSE, or Length for elective headers).
    pub tse: u8,
}

/// A view of a 6LoRH at the start of a buffer (any type). `check_len` covers the two header
/// octets, and for elective headers the body of `Length` octets.
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

    /// Checks that the header octets are there and are a 6LoRH, and that an elective body fits.
    pub fn check_len(&self) -> Result<(), Error> {
        let b = self.buffer.as_ref();
        let Some(&first) = b.first() else {
            return Err(Error::Truncated {
                needed: HEADER_LEN,
                got: 0,
            });
        };
        if first & 0xC0 != 0x80 {
            return Err(Error::NotLorh(first));
        }
        if b.len() < HEADER_LEN {
            return Err(Error::Truncated {
                needed: HEADER_LEN,
                got: b.len(),
            });
        }
        if first & 0xE0 == 0xA0 {
            let needed = HEADER_LEN.wrapping_add(usize::from(first & 0x1F));
            if b.len() < needed {
                return Err(Error::Truncated {
                    needed,
                    got: b.len(),
                });
            }
        }
        Ok(())
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn octet(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    /// Critical (`100`) or elective (`101`).
    pub fn class(&self) -> LorhClass {
        if self.octet(0) & 0x20 == 0 {
            LorhClass::Critical
        } else {
            LorhClass::Elective
        }
    }

    /// The 5 low bits of the first octet: TSE of a critical header, Length of an elective one.
    pub fn tse(&self) -> u8 {
        self.octet(0) & 0x1F
    }

    /// The 6LoRH type octet.
    pub fn lorh_type(&self) -> u8 {
        self.octet(1)
    }

    /// Summary of the header.
    pub fn header(&self) -> Lorh {
        Lorh {
            class: self.class(),
            lorh_type: self.lorh_type(),
            tse: self.tse(),
        }
    }

    /// The body of an elective header (`Length` octets); `None` for a critical one, whose length
    /// only its type defines.
    pub fn elective_body(&self) -> Option<&[u8]> {
        match self.class() {
            LorhClass::Critical => None,
            LorhClass::Elective => self
                .buffer
                .as_ref()
                .get(HEADER_LEN..HEADER_LEN.wrapping_add(usize::from(self.tse()))),
        }
    }

    /// Total octets of an elective header (2 + Length); `None` for a critical one.
    pub fn elective_len(&self) -> Option<usize> {
        match self.class() {
            LorhClass::Critical => None,
            LorhClass::Elective => Some(HEADER_LEN.wrapping_add(usize::from(self.tse()))),
        }
    }
}

/// A view of a PASA-6LoRH (draft-13 §8.1, Figure 10).
///
/// ```text
///   0                   1                   2
///   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
///  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- ... -+
///  |1|0|0|Rsv| Size|  6LoRH Type   | PASA address, Size+1 octets  |
///  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- ... -+
/// ```
///
/// `Size` = N - 1 for N address octets (1..=8); the address is big-endian and right-aligned.
/// Rsv is sent as 0 and ignored. The type (TBD1) is configurable; see
/// [`crate::DEFAULT_PASA_LORH_TYPE`].
#[derive(Debug, Clone)]
pub struct PasaPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> PasaPacket<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer and checks it with [`PasaPacket::check_len`].
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the first octet is a critical 6LoRH and that the type octet and the
    /// `Size + 1` address octets are present. The type value is checked by
    /// [`PasaLorhRepr::parse`], which knows the configured one.
    #[inline]
    pub fn check_len(&self) -> Result<(), Error> {
        let b = self.buffer.as_ref();
        let Some(&first) = b.first() else {
            return Err(Error::Truncated {
                needed: HEADER_LEN.wrapping_add(1),
                got: 0,
            });
        };
        if first & 0xC0 != 0x80 {
            return Err(Error::NotLorh(first));
        }
        if first & 0xE0 != 0x80 {
            return Err(Error::WrongClass(LorhClass::Elective));
        }
        let needed = self.total_len();
        if b.len() < needed {
            return Err(Error::Truncated {
                needed,
                got: b.len(),
            });
        }
        Ok(())
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn octet(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    /// The two reserved bits (bits 4-3 of the first octet).
    pub fn rsvd(&self) -> u8 {
        (self.octet(0) >> 3) & 0x03
    }

    /// The Size field: address octets minus one (0..=7).
    pub fn size(&self) -> u8 {
        self.octet(0) & 0x07
    }

    /// The 6LoRH type octet.
    pub fn lorh_type(&self) -> u8 {
        self.octet(1)
    }

    /// Address octets on the wire, `Size + 1`.
    pub fn address_len(&self) -> usize {
        usize::from(self.size()).wrapping_add(1)
    }

    /// Total header octets: `2 + Size + 1`.
    pub fn total_len(&self) -> usize {
        HEADER_LEN.wrapping_add(self.address_len())
    }

    /// The address octets as sent (possibly with leading zero octets).
    pub fn address_octets(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(HEADER_LEN..self.total_len())
            .unwrap_or(&[])
    }

    /// The address value, right-aligned (0 if it is all zeros).
    pub fn address(&self) -> u64 {
        // At most 8 octets (Size + 1): a short fold beats a copy for the usual 1 to 3.
        self.address_octets()
            .iter()
            .fold(0u64, |v, &o| v.wrapping_shl(8) | u64::from(o))
    }
}

/// The decoded PASA-6LoRH: the destination address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasaLorhRepr {
    /// The destination PASA address (DA).
    pub dst: PasaAddr,
}

impl PasaLorhRepr {
    /// Decodes a checked PASA-6LoRH whose type must be `lorh_type`. Leading zero octets are
    /// accepted and normalised; the all-zero address is refused.
    #[inline]
    pub fn parse<T: AsRef<[u8]>>(p: &PasaPacket<T>, lorh_type: u8) -> Result<Self, Error> {
        p.check_len()?;
        if p.lorh_type() != lorh_type {
            return Err(Error::WrongType {
                expected: lorh_type,
                got: p.lorh_type(),
            });
        }
        let dst = PasaAddr::new(p.address()).ok_or(Error::ZeroAddress)?;
        Ok(Self { dst })
    }

    /// Octets of the minimal encoding: `2 + ceil(Len/8)`.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN.wrapping_add(self.dst.lorh_octets() as usize)
    }

    /// Writes the minimal encoding into the start of `buf` and returns its length. Fails only if
    /// `buf` is shorter than [`PasaLorhRepr::buffer_len`].
    pub fn emit(&self, buf: &mut [u8], lorh_type: u8) -> Result<usize, Error> {
        let n = usize::from(self.dst.lorh_octets());
        let total = HEADER_LEN.wrapping_add(n);
        let got = buf.len();
        let out = buf
            .get_mut(..total)
            .ok_or(Error::Truncated { needed: total, got })?;
        let iid = self.dst.iid();
        if let ([b0, b1, addr @ ..], Some(src)) = (out, iid.get(8usize.wrapping_sub(n)..)) {
            // n is 1..=8, so Size = n - 1 fits the 3-bit field.
            *b0 = 0x80 | (n as u8).wrapping_sub(1);
            *b1 = lorh_type;
            addr.copy_from_slice(src);
        }
        Ok(total)
    }
}

/// A view of an IP-in-IP 6LoRH (RFC 8138 §6.3, Figure 15).
///
/// ```text
///   0                   1                   2
///   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
///  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- ... -+
///  |1|0|1| Length  | 6LoRH Type 6  |  Hop Limit    | Encapsulator  |
///  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- ... -+
/// ```
///
/// Length counts the Hop Limit and the compressed encapsulator address (0, 1, 2, 4, 8 or 16
/// octets). Length 1 elides the encapsulator; in a PASA domain that means the inner IPHC source
/// (SPEC.md §9.3 item 15), and the outer destination is the root.
#[derive(Debug, Clone)]
pub struct IpInIpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IpInIpPacket<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer and checks it with [`IpInIpPacket::check_len`].
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks class, type, a legal Length and that the body is present.
    pub fn check_len(&self) -> Result<(), Error> {
        let g = Packet::new_checked(self.buffer.as_ref())?;
        if g.class() != LorhClass::Elective {
            return Err(Error::WrongClass(LorhClass::Critical));
        }
        if g.lorh_type() != TYPE_IP_IN_IP {
            return Err(Error::WrongType {
                expected: TYPE_IP_IN_IP,
                got: g.lorh_type(),
            });
        }
        if !matches!(g.tse(), 1 | 2 | 3 | 5 | 9 | 17) {
            return Err(Error::BadIpInIpLength(g.tse()));
        }
        Ok(())
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The Length field.
    pub fn length(&self) -> u8 {
        self.buffer.as_ref().first().copied().unwrap_or(0) & 0x1F
    }

    /// Total header octets, `2 + Length`.
    pub fn total_len(&self) -> usize {
        HEADER_LEN.wrapping_add(usize::from(self.length()))
    }

    /// The Hop Limit octet.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref().get(2).copied().unwrap_or(0)
    }

    /// The compressed encapsulator address (empty when elided).
    pub fn encapsulator(&self) -> &[u8] {
        self.buffer.as_ref().get(3..self.total_len()).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> IpInIpPacket<T> {
    /// Sets the Hop Limit in place (forwarders decrement it, SPEC.md §9.2 item 12).
    pub fn set_hop_limit(&mut self, hl: u8) {
        if let Some(b) = self.buffer.as_mut().get_mut(2) {
            *b = hl;
        }
    }
}

/// The decoded IP-in-IP 6LoRH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpInIpRepr {
    /// The outer Hop Limit.
    pub hop_limit: u8,
    /// The compressed encapsulator address: octets `0..encapsulator_len` of this array.
    pub encapsulator: [u8; 16],
    /// 0 (elided), 1, 2, 4, 8 or 16.
    pub encapsulator_len: u8,
}

impl IpInIpRepr {
    /// An IP-in-IP 6LoRH with an elided encapsulator (Length 1), the PASA upstream form.
    pub const fn elided(hop_limit: u8) -> Self {
        Self {
            hop_limit,
            encapsulator: [0; 16],
            encapsulator_len: 0,
        }
    }

    /// Decodes a checked header.
    pub fn parse<T: AsRef<[u8]>>(p: &IpInIpPacket<T>) -> Result<Self, Error> {
        p.check_len()?;
        let e = p.encapsulator();
        let mut encapsulator = [0u8; 16];
        if let Some(dst) = encapsulator.get_mut(..e.len()) {
            dst.copy_from_slice(e);
        }
        Ok(Self {
            hop_limit: p.hop_limit(),
            encapsulator,
            // check_len allows at most 16 encapsulator octets.
            encapsulator_len: e.len() as u8,
        })
    }

    /// The compressed encapsulator octets.
    pub fn encapsulator(&self) -> &[u8] {
        self.encapsulator
            .get(..usize::from(self.encapsulator_len))
            .unwrap_or(&[])
    }

    /// Octets of the encoding: 3 + encapsulator.
    pub const fn buffer_len(&self) -> usize {
        3usize.wrapping_add(self.encapsulator_len as usize)
    }

    /// Writes the header into the start of `buf` and returns its length. An encapsulator length
    /// other than 0, 1, 2, 4, 8 or 16 is refused.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let len = self.encapsulator_len;
        if !matches!(len, 0 | 1 | 2 | 4 | 8 | 16) {
            return Err(Error::BadIpInIpLength(len.saturating_add(1)));
        }
        let total = self.buffer_len();
        let got = buf.len();
        let out = buf
            .get_mut(..total)
            .ok_or(Error::Truncated { needed: total, got })?;
        if let [b0, b1, hl, enc @ ..] = out {
            // len <= 16, so Length = len + 1 <= 17 fits 5 bits.
            *b0 = 0xA0 | len.wrapping_add(1);
            *b1 = TYPE_IP_IN_IP;
            *hl = self.hop_limit;
            enc.copy_from_slice(self.encapsulator());
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_PASA_LORH_TYPE as TT;

    fn a(s: &str) -> PasaAddr {
        s.parse().unwrap()
    }

    // SPEC.md §8.3: `80 TT 2B` for host 101011.
    static BYTES_PASA_2B: [u8; 3] = [0x80, TT, 0x2B];
    // SPEC.md §8.4 upstream frame: `A1 06 40`.
    static BYTES_IPINIP_ELIDED: [u8; 3] = [0xA1, 0x06, 0x40];

    #[test]
    fn parses_pasa_lorh_of_draft_example() {
        let p = PasaPacket::new_checked(&BYTES_PASA_2B[..]).unwrap();
        assert_eq!(p.size(), 0);
        assert_eq!(p.rsvd(), 0);
        assert_eq!(p.total_len(), 3);
        assert_eq!(PasaLorhRepr::parse(&p, TT).unwrap().dst, a("101011"));
    }

    #[test]
    fn pasa_lorh_truncated_at_every_length() {
        let full = [0x87, TT, 0x80, 0, 0, 0, 0, 0, 0, 1];
        for n in 0..full.len() {
            let r = PasaPacket::new_checked(&full[..n]);
            assert!(
                matches!(r, Err(Error::Truncated { got, .. }) if got == n),
                "{n}: {r:?}"
            );
        }
        assert!(PasaPacket::new_checked(&full[..]).is_ok());
    }

    #[test]
    fn pasa_lorh_emit_into_ff_buffer_is_minimal_and_round_trips() {
        for s in ["1", "101011", "100000000", "1".repeat(64).as_str()] {
            let r = PasaLorhRepr { dst: a(s) };
            let mut buf = [0xFFu8; 12];
            let n = r.emit(&mut buf, TT).unwrap();
            assert_eq!(n, r.buffer_len());
            assert_eq!(n, 2 + usize::from(a(s).len_bits()).div_ceil(8));
            assert_eq!(buf[n..], [0xFF; 12][n..]);
            let p = PasaPacket::new_checked(&buf[..n]).unwrap();
            assert_eq!(PasaLorhRepr::parse(&p, TT).unwrap(), r);
        }
        let r = PasaLorhRepr { dst: a("101011") };
        assert_eq!(
            r.emit(&mut [0u8; 2], TT),
            Err(Error::Truncated { needed: 3, got: 2 })
        );
    }

    #[test]
    fn pasa_lorh_accepts_leading_zero_octets_and_ignores_rsvd() {
        let p = PasaPacket::new_checked(&[0x9A, TT, 0, 0, 0x2B][..]).unwrap();
        assert_eq!(p.rsvd(), 3);
        assert_eq!(PasaLorhRepr::parse(&p, TT).unwrap().dst, a("101011"));
    }

    #[test]
    fn pasa_lorh_refuses_zero_wrong_type_and_elective() {
        let p = PasaPacket::new_checked(&[0x81, TT, 0, 0][..]).unwrap();
        assert_eq!(PasaLorhRepr::parse(&p, TT), Err(Error::ZeroAddress));
        let p = PasaPacket::new_checked(&[0x80, 0x51, 1][..]).unwrap();
        assert_eq!(
            PasaLorhRepr::parse(&p, TT),
            Err(Error::WrongType {
                expected: TT,
                got: 0x51
            })
        );
        assert_eq!(
            PasaPacket::new_checked(&[0xA1, TT, 1][..]).err(),
            Some(Error::WrongClass(LorhClass::Elective))
        );
        assert_eq!(
            PasaPacket::new_checked(&[0x7C][..]).err(),
            Some(Error::NotLorh(0x7C))
        );
    }

    #[test]
    fn ip_in_ip_elided_matches_upstream_vector() {
        let p = IpInIpPacket::new_checked(&BYTES_IPINIP_ELIDED[..]).unwrap();
        let r = IpInIpRepr::parse(&p).unwrap();
        assert_eq!(r, IpInIpRepr::elided(64));
        let mut buf = [0xFFu8; 4];
        assert_eq!(r.emit(&mut buf).unwrap(), 3);
        assert_eq!(buf, [0xA1, 0x06, 0x40, 0xFF]);
    }

    #[test]
    fn ip_in_ip_with_encapsulator_round_trips_and_truncates() {
        for len in [1u8, 2, 4, 8, 16] {
            let mut r = IpInIpRepr::elided(7);
            r.encapsulator_len = len;
            for (i, b) in r.encapsulator.iter_mut().take(len.into()).enumerate() {
                *b = i as u8 + 1;
            }
            let mut buf = [0xFFu8; 20];
            let n = r.emit(&mut buf).unwrap();
            assert_eq!(n, r.buffer_len());
            let p = IpInIpPacket::new_checked(&buf[..n]).unwrap();
            assert_eq!(IpInIpRepr::parse(&p).unwrap(), r);
            for cut in 0..n {
                assert!(
                    IpInIpPacket::new_checked(&buf[..cut]).is_err(),
                    "{len}/{cut}"
                );
            }
        }
        let mut bad = IpInIpRepr::elided(1);
        bad.encapsulator_len = 3;
        assert_eq!(bad.emit(&mut [0; 20]), Err(Error::BadIpInIpLength(4)));
        assert_eq!(
            IpInIpPacket::new_checked(&[0xA4, 6, 1, 2, 3, 4][..]).err(),
            Some(Error::BadIpInIpLength(4))
        );
        assert_eq!(
            IpInIpPacket::new_checked(&[0xA0, 6][..]).err(),
            Some(Error::BadIpInIpLength(0))
        );
    }

    #[test]
    fn generic_view_bounds_elective_body() {
        let p = Packet::new_checked(&[0xA2, 0x07, 1, 2, 9][..]).unwrap();
        assert_eq!(p.class(), LorhClass::Elective);
        assert_eq!(p.elective_body(), Some(&[1u8, 2][..]));
        assert_eq!(p.elective_len(), Some(4));
        assert_eq!(
            Packet::new_checked(&[0xA3, 0x07, 1][..]).err(),
            Some(Error::Truncated { needed: 5, got: 3 })
        );
        let c = Packet::new_checked(&[0x85, 0x05][..]).unwrap();
        assert_eq!(c.class(), LorhClass::Critical);
        assert_eq!(c.elective_body(), None);
    }
}
