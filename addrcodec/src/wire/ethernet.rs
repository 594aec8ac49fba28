//! LoWPAN frames on Ethernet (RFC 7973, EtherType 0xA0ED): `dst MAC | src MAC | 0xA0ED |
//! LoWPAN`, with no FCS and no padding. The same frame is what this project's serial links
//! carry inside SLIP, so that every neighbour on every link has a link-layer address. The
//! Linux process, the firmware, the simulator's captures and the decoder all frame and filter
//! through this module.

/// EtherType of LoWPAN encapsulation (RFC 7973).
pub const ETHERTYPE_LOWPAN: u16 = 0xA0ED;
/// Octets of the header: destination, source, EtherType.
pub const HEADER_LEN: usize = 14;
/// The broadcast address; link-layer multicast of the core (RS, RA) is sent to it.
pub const BROADCAST: [u8; 6] = [0xFF; 6];

/// The parts of an Ethernet-framed LoWPAN frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowpanFrame<'a> {
    /// Destination address.
    pub dst: [u8; 6],
    /// Source address.
    pub src: [u8; 6],
    /// The LoWPAN frame (dispatch onwards), never empty.
    pub payload: &'a [u8],
}

impl LowpanFrame<'_> {
    /// True when the destination is a group (multicast or broadcast) address.
    pub const fn to_group(&self) -> bool {
        self.dst[0] & 1 == 1
    }
}

/// `frame` as a LoWPAN frame for the node whose link-layer address is `mac`: EtherType
/// 0xA0ED, a payload, sent by another node, to `mac` or to a group address. `None` for
/// anything else (another protocol, another node's unicast, this node's own output, a frame
/// cut short).
pub fn for_node<'a>(frame: &'a [u8], mac: &[u8; 6]) -> Option<LowpanFrame<'a>> {
    let (head, payload) = frame.split_first_chunk::<HEADER_LEN>()?;
    let (dst, rest) = head.split_first_chunk::<6>()?;
    let (src, ty) = rest.split_first_chunk::<6>()?;
    let f = LowpanFrame {
        dst: *dst,
        src: *src,
        payload,
    };
    let ours = f.dst == *mac || f.to_group();
    (*ty == ETHERTYPE_LOWPAN.to_be_bytes() && !payload.is_empty() && f.src != *mac && ours)
        .then_some(f)
}

/// Writes the header (`dst`, `src`, `ethertype`) into the first [`HEADER_LEN`] octets of
/// `out`; `None` when `out` is shorter.
pub fn write_header(out: &mut [u8], dst: &[u8; 6], src: &[u8; 6], ethertype: u16) -> Option<()> {
    let (head, _) = out.split_first_chunk_mut::<HEADER_LEN>()?;
    let (d, rest) = head.split_first_chunk_mut::<6>()?;
    let (s, t) = rest.split_first_chunk_mut::<6>()?;
    d.copy_from_slice(dst);
    s.copy_from_slice(src);
    t.copy_from_slice(&ethertype.to_be_bytes());
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: [u8; 6] = [2, 0, 0, 0, 0, 1];
    const OTHER: [u8; 6] = [2, 0, 0, 0, 0, 2];

    fn frame(dst: [u8; 6], src: [u8; 6], ty: u16, payload: &[u8]) -> ([u8; 32], usize) {
        let mut f = [0xAA; 32];
        write_header(&mut f, &dst, &src, ty).unwrap();
        f[HEADER_LEN..HEADER_LEN + payload.len()].copy_from_slice(payload);
        (f, HEADER_LEN + payload.len())
    }

    #[test]
    fn only_lowpan_frames_for_this_node_pass() {
        let (f, n) = frame(ME, OTHER, ETHERTYPE_LOWPAN, &[0x41]);
        let got = for_node(&f[..n], &ME).unwrap();
        assert_eq!(
            (got.dst, got.src, got.payload, got.to_group()),
            (ME, OTHER, &[0x41][..], false)
        );
        let (f, n) = frame(BROADCAST, OTHER, ETHERTYPE_LOWPAN, &[0x41]);
        assert!(for_node(&f[..n], &ME).unwrap().to_group());
        let (f, n) = frame([0x33, 0x33, 0, 0, 0, 1], OTHER, ETHERTYPE_LOWPAN, &[0x41]);
        assert!(for_node(&f[..n], &ME).is_some(), "IPv6 multicast MAC");
        for (dst, src, ty, payload, why) in [
            (OTHER, ME, ETHERTYPE_LOWPAN, &[0x41][..], "own output"),
            (
                [2, 0, 0, 0, 0, 3],
                OTHER,
                ETHERTYPE_LOWPAN,
                &[0x41][..],
                "another node's unicast",
            ),
            (ME, OTHER, ETHERTYPE_LOWPAN, &[][..], "empty payload"),
            (ME, OTHER, 0x86DD, &[0x41][..], "native IPv6"),
        ] {
            let (f, n) = frame(dst, src, ty, payload);
            assert!(for_node(&f[..n], &ME).is_none(), "{why}");
        }
        let (f, _) = frame(ME, OTHER, ETHERTYPE_LOWPAN, &[0x41]);
        for n in 0..=HEADER_LEN {
            assert!(for_node(&f[..n], &ME).is_none());
        }
    }

    #[test]
    fn the_header_needs_fourteen_octets() {
        for n in 0..HEADER_LEN {
            assert!(write_header(&mut [0u8; 32][..n], &ME, &OTHER, ETHERTYPE_LOWPAN).is_none());
        }
        let mut out = [0u8; HEADER_LEN];
        write_header(&mut out, &ME, &OTHER, ETHERTYPE_LOWPAN).unwrap();
        assert_eq!(out, [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0xA0, 0xED]);
    }
}
