//! LOWPAN_NHC for UDP (RFC 6282 §4.3.3).
//!
//! ```text
//!    0   1   2   3   4   5   6   7
//!  +---+---+---+---+---+---+---+---+
//!  | 1 | 1 | 1 | 1 | 0 | C |   P   |   then ports, then checksum (absent if C = 1)
//!  +---+---+---+---+---+---+---+---+
//!  P = 00: source 16 bits, destination 16 bits inline             (4 octets)
//!  P = 01: source 16 bits, destination 0xF0xx, 8 bits inline      (3 octets)
//!  P = 10: source 0xF0xx, 8 bits inline, destination 16 bits      (3 octets)
//!  P = 11: source 0xF0Bx, destination 0xF0Bx, 4 bits each         (1 octet, source high)
//! ```
//!
//! The UDP Length is always elided: it is the rest of the datagram.

use core::fmt;

/// Octets of the uncompressed UDP header.
pub const UDP_HEADER_LEN: usize = 8;

/// Errors of the NHC layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The buffer ends inside the NHC header.
    Truncated {
        /// Octets the header needs.
        needed: usize,
        /// Octets present.
        got: usize,
    },
    /// The NHC octet is not UDP (`11110xxx`): the value found.
    NotUdp(u8),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, got } => {
                write!(f, "NHC UDP truncated: needs {needed} octets, {got} present")
            }
            Self::NotUdp(b) => write!(f, "NHC octet {b:#04x} is not UDP (11110CPP)"),
        }
    }
}

impl core::error::Error for Error {}

/// A view of an NHC-compressed UDP header at the start of a buffer.
#[derive(Debug, Clone)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer and checks it with [`UdpPacket::check_len`].
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the NHC octet and that ports and checksum are present.
    pub fn check_len(&self) -> Result<(), Error> {
        let b = self.buffer.as_ref();
        let Some(&id) = b.first() else {
            return Err(Error::Truncated { needed: 1, got: 0 });
        };
        if id & 0xF8 != 0xF0 {
            return Err(Error::NotUdp(id));
        }
        let needed = self.header_len();
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

    fn be16(&self, i: usize) -> u16 {
        u16::from_be_bytes([self.octet(i), self.octet(i.wrapping_add(1))])
    }

    /// The C bit: checksum elided.
    pub fn checksum_elided(&self) -> bool {
        self.octet(0) & 0x04 != 0
    }

    /// The P field (port compression mode, 0..=3).
    pub fn ports_mode(&self) -> u8 {
        self.octet(0) & 0x03
    }

    fn ports_len(&self) -> usize {
        match self.ports_mode() {
            0 => 4,
            1 | 2 => 3,
            _ => 1,
        }
    }

    /// Octets of the compressed header (NHC octet, ports, checksum).
    pub fn header_len(&self) -> usize {
        let c = if self.checksum_elided() { 0 } else { 2 };
        1usize.wrapping_add(self.ports_len()).wrapping_add(c)
    }

    /// The source port.
    pub fn src_port(&self) -> u16 {
        match self.ports_mode() {
            0 | 1 => self.be16(1),
            2 => 0xF000 | u16::from(self.octet(1)),
            _ => 0xF0B0 | u16::from(self.octet(1) >> 4),
        }
    }

    /// The destination port.
    pub fn dst_port(&self) -> u16 {
        match self.ports_mode() {
            0 => self.be16(3),
            1 => 0xF000 | u16::from(self.octet(3)),
            2 => self.be16(2),
            _ => 0xF0B0 | u16::from(self.octet(1) & 0x0F),
        }
    }

    /// The carried checksum; `None` when elided.
    pub fn checksum(&self) -> Option<u16> {
        if self.checksum_elided() {
            None
        } else {
            Some(self.be16(1usize.wrapping_add(self.ports_len())))
        }
    }

    /// The octets after the compressed header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(self.header_len()..).unwrap_or(&[])
    }
}

/// A decoded NHC UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The checksum, or `None` when elided (C = 1; SPEC.md §4.3 recommends never eliding it).
    pub checksum: Option<u16>,
}

impl UdpRepr {
    /// Decodes a checked header.
    pub fn parse<T: AsRef<[u8]>>(p: &UdpPacket<T>) -> Result<Self, Error> {
        p.check_len()?;
        Ok(Self {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            checksum: p.checksum(),
        })
    }

    /// The smallest port mode that can carry these ports.
    pub const fn ports_mode(&self) -> u8 {
        let s = self.src_port;
        let d = self.dst_port;
        if s & 0xFFF0 == 0xF0B0 && d & 0xFFF0 == 0xF0B0 {
            3
        } else if d & 0xFF00 == 0xF000 {
            1
        } else if s & 0xFF00 == 0xF000 {
            2
        } else {
            0
        }
    }

    /// Octets of the minimal encoding.
    pub const fn buffer_len(&self) -> usize {
        let ports = match self.ports_mode() {
            0 => 4,
            1 | 2 => 3,
            _ => 1,
        };
        let c = if self.checksum.is_some() { 2 } else { 0 };
        1usize.wrapping_add(ports).wrapping_add(c)
    }

    /// Writes the minimal encoding at the start of `buf`; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let total = self.buffer_len();
        let got = buf.len();
        let out = buf
            .get_mut(..total)
            .ok_or(Error::Truncated { needed: total, got })?;
        let mode = self.ports_mode();
        let [s1, s0] = self.src_port.to_be_bytes();
        let [d1, d0] = self.dst_port.to_be_bytes();
        let c = if self.checksum.is_some() { 0 } else { 0x04 };
        let mut w = Writer { out, at: 0 };
        w.put(&[0xF0 | c | mode]);
        match mode {
            0 => w.put(&[s1, s0, d1, d0]),
            1 => w.put(&[s1, s0, d0]),
            2 => w.put(&[s0, d1, d0]),
            _ => w.put(&[(s0 << 4) | (d0 & 0x0F)]),
        }
        if let Some(ck) = self.checksum {
            w.put(&ck.to_be_bytes());
        }
        Ok(total)
    }

    /// The 8-octet uncompressed UDP header for a payload of `payload_len` octets; an elided
    /// checksum is written as `computed`.
    pub fn to_header(&self, payload_len: usize, computed: u16) -> [u8; UDP_HEADER_LEN] {
        let len = u16::try_from(payload_len.saturating_add(UDP_HEADER_LEN)).unwrap_or(0);
        let [s1, s0] = self.src_port.to_be_bytes();
        let [d1, d0] = self.dst_port.to_be_bytes();
        let [l1, l0] = len.to_be_bytes();
        let [c1, c0] = self.checksum.unwrap_or(computed).to_be_bytes();
        [s1, s0, d1, d0, l1, l0, c1, c0]
    }
}

/// Sequential writer into a buffer whose size was checked beforehand; writes that would not fit
/// are dropped instead of panicking.
pub(crate) struct Writer<'a> {
    pub(crate) out: &'a mut [u8],
    pub(crate) at: usize,
}

impl Writer<'_> {
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let end = self.at.saturating_add(bytes.len());
        if let Some(dst) = self.out.get_mut(self.at..end) {
            dst.copy_from_slice(bytes);
        }
        self.at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // SPEC.md §8.4: `F3 12 1F 47`, ports F0B1 -> F0B2, checksum 0x1F47.
    static BYTES_SPEC: [u8; 4] = [0xF3, 0x12, 0x1F, 0x47];

    #[test]
    fn parses_spec_example() {
        let p = UdpPacket::new_checked(&BYTES_SPEC[..]).unwrap();
        let r = UdpRepr::parse(&p).unwrap();
        assert_eq!(
            r,
            UdpRepr {
                src_port: 0xF0B1,
                dst_port: 0xF0B2,
                checksum: Some(0x1F47)
            }
        );
        let mut buf = [0xFF; 6];
        assert_eq!(r.emit(&mut buf).unwrap(), 4);
        assert_eq!(buf, [0xF3, 0x12, 0x1F, 0x47, 0xFF, 0xFF]);
    }

    #[test]
    fn every_port_mode_round_trips_and_truncates() {
        for (s, d, mode, len) in [
            (1000u16, 2000u16, 0u8, 7usize),
            (1000, 0xF012, 1, 6),
            (0xF012, 2000, 2, 6),
            (0xF0B3, 0xF0BC, 3, 4),
            (0xF0B3, 0xF0C0, 1, 6),
        ] {
            for ck in [Some(0xABCD), None] {
                let r = UdpRepr {
                    src_port: s,
                    dst_port: d,
                    checksum: ck,
                };
                assert_eq!(r.ports_mode(), mode);
                let want = if ck.is_some() { len } else { len - 2 };
                assert_eq!(r.buffer_len(), want);
                let mut buf = [0xFF; 10];
                assert_eq!(r.emit(&mut buf).unwrap(), want);
                assert!(buf[want..].iter().all(|&b| b == 0xFF));
                let p = UdpPacket::new_checked(&buf[..want]).unwrap();
                assert_eq!(UdpRepr::parse(&p).unwrap(), r);
                for cut in 0..want {
                    assert!(matches!(
                        UdpPacket::new_checked(&buf[..cut]),
                        Err(Error::Truncated { .. })
                    ));
                }
                assert!(r.emit(&mut buf[..want - 1]).is_err());
            }
        }
    }

    #[test]
    fn refuses_non_udp_nhc() {
        assert_eq!(
            UdpPacket::new_checked(&[0xE1, 0, 0][..]).err(),
            Some(Error::NotUdp(0xE1))
        );
    }

    #[test]
    fn rebuilds_uncompressed_header() {
        let r = UdpRepr {
            src_port: 0xF0B1,
            dst_port: 0xF0B2,
            checksum: None,
        };
        assert_eq!(
            r.to_header(4, 0x1F47),
            [0xF0, 0xB1, 0xF0, 0xB2, 0, 12, 0x1F, 0x47]
        );
    }
}
