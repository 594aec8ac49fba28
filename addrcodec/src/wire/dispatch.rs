//! 6LoWPAN dispatch octets (RFC 4944 §5.1, RFC 6282 §3.1, RFC 8025 §3, RFC 8138 §5).
//!
//! ```text
//!  00xxxxxx  NALP: not a LoWPAN frame
//!  01000001  uncompressed IPv6 (page 0)
//!  011xxxxx  LOWPAN_IPHC (pages 0 and 1)
//!  10xxxxxx  page 0: Mesh header; page 1: 6LoRH (100 critical, 101 elective)
//!  11000xxx  FRAG1 (page 0)
//!  11100xxx  FRAGN (page 0)
//!  1111xxxx  paging dispatch: switch to page xxxx (RFC 8025); page 1 = 0xF1
//! ```

/// The page-1 paging dispatch octet (RFC 8025).
pub const PAGE1: u8 = 0xF1;

/// What one dispatch octet means in the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// `00xxxxxx`: not a LoWPAN frame.
    Nalp,
    /// `01000001`: an uncompressed IPv6 header follows.
    Ipv6,
    /// `011xxxxx`: LOWPAN_IPHC.
    Iphc,
    /// Page 1 `10xxxxxx`: a 6LoRH (RFC 8138).
    Lorh,
    /// Page 0 `10xxxxxx`: an RFC 4944 Mesh header.
    Mesh,
    /// Page 0 `11000xxx`: first fragment header.
    Frag1,
    /// Page 0 `11100xxx`: subsequent fragment header.
    FragN,
    /// `1111xxxx`: switch to this page (0..=15).
    Page(u8),
    /// Any other value: reserved in this page.
    Reserved(u8),
}

impl Dispatch {
    /// Classifies `octet` in `page` (a packet starts in page 0).
    pub const fn classify(octet: u8, page: u8) -> Dispatch {
        if octet & 0xF0 == 0xF0 {
            return Dispatch::Page(octet & 0x0F);
        }
        if octet & 0xC0 == 0x00 {
            return Dispatch::Nalp;
        }
        if octet & 0xE0 == 0x60 {
            return Dispatch::Iphc;
        }
        if octet & 0xC0 == 0x80 {
            return if page == 1 {
                Dispatch::Lorh
            } else {
                Dispatch::Mesh
            };
        }
        if page == 0 {
            if octet == 0x41 {
                return Dispatch::Ipv6;
            }
            if octet & 0xF8 == 0xC0 {
                return Dispatch::Frag1;
            }
            if octet & 0xF8 == 0xE0 {
                return Dispatch::FragN;
            }
        }
        Dispatch::Reserved(octet)
    }

    /// The paging dispatch octet for `page` (0..=15); `None` for a larger page.
    pub const fn page_octet(page: u8) -> Option<u8> {
        if page > 15 { None } else { Some(0xF0 | page) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_octet_in_pages_0_and_1() {
        for o in 0..=255u8 {
            let d0 = Dispatch::classify(o, 0);
            let d1 = Dispatch::classify(o, 1);
            match o {
                0x00..=0x3F => assert_eq!((d0, d1), (Dispatch::Nalp, Dispatch::Nalp)),
                0x41 => assert_eq!((d0, d1), (Dispatch::Ipv6, Dispatch::Reserved(0x41))),
                0x60..=0x7F => assert_eq!((d0, d1), (Dispatch::Iphc, Dispatch::Iphc)),
                0x80..=0xBF => assert_eq!((d0, d1), (Dispatch::Mesh, Dispatch::Lorh)),
                0xC0..=0xC7 => assert_eq!((d0, d1), (Dispatch::Frag1, Dispatch::Reserved(o))),
                0xE0..=0xE7 => assert_eq!((d0, d1), (Dispatch::FragN, Dispatch::Reserved(o))),
                0xF0..=0xFF => {
                    assert_eq!((d0, d1), (Dispatch::Page(o & 15), Dispatch::Page(o & 15)))
                }
                _ => assert_eq!((d0, d1), (Dispatch::Reserved(o), Dispatch::Reserved(o))),
            }
        }
    }

    #[test]
    fn page_octets() {
        assert_eq!(Dispatch::page_octet(1), Some(PAGE1));
        assert_eq!(Dispatch::page_octet(16), None);
    }
}
