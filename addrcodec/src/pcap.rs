//! The headers of a classic pcap capture file (microsecond timestamps, little-endian), for the
//! two writers of this project: the simulator's captures (`pasa-sim`) and the Linux process's
//! `--pcap` (`pasa-router`). Each keeps its own policy (where the octets go, what happens to an
//! oversized record); the format lives here once.
//!
//! ```text
//!  file header (24): magic a1b2c3d4 | version 2.4 | thiszone 0 | sigfigs 0 | snaplen | linktype
//!  record (16):      ts_sec | ts_usec | captured length | original length, then the octets
//! ```

/// LINKTYPE_ETHERNET: Ethernet II frames (LoWPAN ones with EtherType 0xA0ED).
pub const LINKTYPE_ETHERNET: u32 = 1;
/// LINKTYPE_IPV6: raw IPv6 packets, no link-layer header.
pub const LINKTYPE_IPV6: u32 = 229;
/// The snap length written in the file header: the largest record a reader must accept.
pub const SNAPLEN: u32 = 65_535;
/// Octets of the file header.
pub const FILE_HEADER_LEN: usize = 24;
/// Octets of the header in front of each record.
pub const RECORD_HEADER_LEN: usize = 16;

/// The file header of a capture of `linktype`.
pub fn file_header(linktype: u32) -> [u8; FILE_HEADER_LEN] {
    let mut h = [0u8; FILE_HEADER_LEN];
    let fields: [&[u8]; 7] = [
        &0xA1B2_C3D4u32.to_le_bytes(),
        &2u16.to_le_bytes(),
        &4u16.to_le_bytes(),
        &0i32.to_le_bytes(), // thiszone: timestamps are UTC
        &0u32.to_le_bytes(), // sigfigs
        &SNAPLEN.to_le_bytes(),
        &linktype.to_le_bytes(),
    ];
    let mut at = h.iter_mut();
    for b in fields.into_iter().flatten() {
        if let Some(slot) = at.next() {
            *slot = *b;
        }
    }
    h
}

/// The header of a record taken at `ts_sec`.`ts_usec` with `captured` of its `original`
/// octets.
pub fn record_header(
    ts_sec: u32,
    ts_usec: u32,
    captured: u32,
    original: u32,
) -> [u8; RECORD_HEADER_LEN] {
    let mut h = [0u8; RECORD_HEADER_LEN];
    let mut at = h.iter_mut();
    for b in [ts_sec, ts_usec, captured, original]
        .iter()
        .flat_map(|v| v.to_le_bytes())
    {
        if let Some(slot) = at.next() {
            *slot = b;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_little_endian_pcap_2_4() {
        let f = file_header(LINKTYPE_IPV6);
        assert_eq!(f[..8], [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0]);
        assert_eq!(f[8..16], [0; 8]);
        assert_eq!(f[16..20], SNAPLEN.to_le_bytes());
        assert_eq!(f[20..], 229u32.to_le_bytes());
        let r = record_header(1, 2, 3, 4);
        assert_eq!(r, [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]);
    }
}
