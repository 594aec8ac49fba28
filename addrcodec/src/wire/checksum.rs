//! The Internet checksum (RFC 1071) with the IPv6 pseudo-header (RFC 8200 §8.1).

use core::net::Ipv6Addr;

/// One's-complement sum of `data` as big-endian 16-bit words (odd length padded with zero),
/// added to `acc`, not yet folded.
pub fn sum(mut acc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        if let [a, b] = c {
            acc = acc.wrapping_add(u64::from(u16::from_be_bytes([*a, *b])));
        }
    }
    if let [last] = chunks.remainder() {
        acc = acc.wrapping_add(u64::from(*last) << 8);
    }
    acc
}

/// Folds a running sum to 16 bits and complements it. A result of 0 is returned as 0xFFFF, the
/// form UDP requires (RFC 8200 §8.1: a computed zero is sent as all ones).
pub fn finish(mut acc: u64) -> u16 {
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF).wrapping_add(acc >> 16);
    }
    // acc <= 0xFFFF here.
    let c = !(acc as u16);
    if c == 0 { 0xFFFF } else { c }
}

/// Sum of the IPv6 pseudo-header: source, destination, upper-layer length, next header.
pub fn pseudo_header(src: &Ipv6Addr, dst: &Ipv6Addr, len: u32, next_header: u8) -> u64 {
    let mut acc = sum(0, &src.octets());
    acc = sum(acc, &dst.octets());
    acc = sum(acc, &len.to_be_bytes());
    sum(acc, &[0, 0, 0, next_header])
}

/// The UDP checksum of `header` (8 octets, its checksum field zero or ignored) and `payload`.
pub fn udp(src: &Ipv6Addr, dst: &Ipv6Addr, header: &[u8; 8], payload: &[u8]) -> u16 {
    let len = 8u32.saturating_add(u32::try_from(payload.len()).unwrap_or(u32::MAX));
    let mut acc = pseudo_header(src, dst, len, 17);
    if let Some(h) = header.get(..6) {
        acc = sum(acc, h);
    }
    finish(sum(acc, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_checksum_of_spec_example_frame() {
        // SPEC.md §8.4: 2001:db8::b -> 2001:db8::2b, ports F0B1 -> F0B2, "PASA": 0x1F47.
        let s: Ipv6Addr = "2001:db8::b".parse().unwrap();
        let d: Ipv6Addr = "2001:db8::2b".parse().unwrap();
        let h = [0xF0, 0xB1, 0xF0, 0xB2, 0, 12, 0, 0];
        assert_eq!(udp(&s, &d, &h, b"PASA"), 0x1F47);
    }

    #[test]
    fn odd_length_is_zero_padded() {
        assert_eq!(sum(0, &[0x12]), 0x1200);
        assert_eq!(finish(0xFFFF), 0xFFFF);
        assert_eq!(finish(0x1_0000), 0xFFFE);
    }
}
