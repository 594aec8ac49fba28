//! Why a frame was dropped: a closed set of reasons, one counter each (RELIABILITY.md G2).
//!
//! A drop is a value, not an error: the core returns `Drop(reason)` and counts it here; the
//! Linux process, the firmware and the simulator export the counters under the names of
//! [`DropReason::name`].

use pasa_addrcodec::frame;
use pasa_addrcodec::wire::{iphc, lorh};

/// Every reason a node drops a frame. The names follow RELIABILITY.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// Empty frame, or a frame ending inside its dispatch octets (B08).
    LowpanTruncated,
    /// `00xxxxxx`: not a LoWPAN frame (B08).
    LowpanNalp,
    /// Unsupported page, a page switch after a 6LoRH, or too many page switches (B09).
    LowpanPage,
    /// A dispatch the core does not handle (mesh, fragment before reassembly, reserved).
    LowpanDispatch,
    /// A 6LoRH that ends early or whose length runs past the frame (B10, B11).
    LorhTruncated,
    /// A critical 6LoRH of an unknown type (B11).
    LorhUnknownCritical,
    /// More 6LoRHs than the cap (B11).
    LorhTooMany,
    /// A second PASA-6LoRH, a PASA-6LoRH not followed by IPHC, a zero address, a repeated
    /// IP-in-IP, or an inline destination that contradicts the PASA-6LoRH (B12).
    PasaLorhMalformed,
    /// An IPHC header that ends early (B28).
    IphcTruncated,
    /// A reserved IPHC address mode (B29).
    IphcReserved,
    /// An IPHC context that is not configured (B26, B27).
    IphcContextUnknown,
    /// An address that needs a link-layer address or a PASA-6LoRH that is not there (B26).
    IphcSourceMissing,
    /// An NHC this node does not decode, or a truncated NHC UDP header (B30).
    NhcUnsupported,
    /// A source that is unspecified, multicast, link-local, or not on the side of the link the frame came from: from child c only sources inside c's subtree, from the parent only sources outside ours (B21, B43, B44).
    SrcInvalid,
    /// A packet that would go back over the link it came in on: from the parent but not for our subtree, or from a child and for that child's subtree (B34, B35).
    LoopDetected,
    /// Hop Limit 0 or 1 on a packet to forward (B36, B37); Time Exceeded is sent.
    HopLimit,
    /// The next hop is a child that is not registered (B23); Destination Unreachable code 3 is sent.
    NoSuchChild,
    /// A host received a packet addressed to another node (SPEC.md §9.2 item 11); code 3 is sent.
    HostNotDestination,
    /// The root would have to send a packet up (SPEC.md §9.2 item 11, B24); code 0 is sent.
    NoRoute,
    /// The node has no address yet and the frame is not for the join exchange.
    NotJoined,
    /// A frame for a global destination without a PASA-6LoRH or an IP-in-IP 6LoRH.
    NoRoutingHeader,
    /// A link-local or multicast destination inside a routed frame, or after decapsulation (B25).
    DstScope,
    /// IPv6-in-IPv6 inside an IP-in-IP 6LoRH (B40).
    EncapDepth,
    /// An ICMPv6 message shorter than its type's minimum (B47).
    IcmpLen,
    /// An ICMPv6 message with a bad checksum (B47).
    IcmpChecksum,
    /// An ND message with Hop Limit other than 255, a non-zero code, a non-link-local source, or bad options (B50-B52, B59).
    NdInvalid,
    /// A control message this node does not act on in its role and state (an RA to a joined node, an NA nobody asked for, an NS at a host).
    NdUnexpected,
    /// A packet from outside the domain with a routing header (B33, B65).
    BorderRoutingHeader,
    /// A packet from outside whose destination is not in the PASA prefix (B24).
    BorderNoRoute,
    /// A native packet that is not IPv6, or shorter than its header or its Payload Length (B39, B65).
    NotIpv6,
    /// The packet cannot be encoded for the link, or would exceed the MTU (B61).
    TxEncode,
    /// The local stack sent a link-local or multicast packet: the core answers ND itself and forwards no multicast (SPEC.md §9.5 item 26).
    LocalLinkScope,
    /// The state record could not be committed, so the answer that depended on it was not sent.
    NvmCommit,
    /// A registration whose TID is not newer than the applied one (a replay; B54).
    RegStale,
}

impl DropReason {
    /// Every reason, in declaration order (the counter index).
    pub const ALL: [DropReason; 34] = [
        Self::LowpanTruncated,
        Self::LowpanNalp,
        Self::LowpanPage,
        Self::LowpanDispatch,
        Self::LorhTruncated,
        Self::LorhUnknownCritical,
        Self::LorhTooMany,
        Self::PasaLorhMalformed,
        Self::IphcTruncated,
        Self::IphcReserved,
        Self::IphcContextUnknown,
        Self::IphcSourceMissing,
        Self::NhcUnsupported,
        Self::SrcInvalid,
        Self::LoopDetected,
        Self::HopLimit,
        Self::NoSuchChild,
        Self::HostNotDestination,
        Self::NoRoute,
        Self::NotJoined,
        Self::NoRoutingHeader,
        Self::DstScope,
        Self::EncapDepth,
        Self::IcmpLen,
        Self::IcmpChecksum,
        Self::NdInvalid,
        Self::NdUnexpected,
        Self::BorderRoutingHeader,
        Self::BorderNoRoute,
        Self::NotIpv6,
        Self::TxEncode,
        Self::LocalLinkScope,
        Self::NvmCommit,
        Self::RegStale,
    ];

    /// The counter name, as exported.
    pub const fn name(self) -> &'static str {
        match self {
            Self::LowpanTruncated => "lowpan_truncated",
            Self::LowpanNalp => "lowpan_nalp",
            Self::LowpanPage => "lowpan_page",
            Self::LowpanDispatch => "lowpan_dispatch",
            Self::LorhTruncated => "pasa6lorh_truncated",
            Self::LorhUnknownCritical => "6lorh_unknown_critical",
            Self::LorhTooMany => "6lorh_too_many",
            Self::PasaLorhMalformed => "pasa6lorh_malformed",
            Self::IphcTruncated => "iphc_truncated",
            Self::IphcReserved => "iphc_reserved",
            Self::IphcContextUnknown => "iphc_ctx_unknown",
            Self::IphcSourceMissing => "iphc_l2_missing",
            Self::NhcUnsupported => "nhc_unsupported",
            Self::SrcInvalid => "src_invalid",
            Self::LoopDetected => "loop_detected",
            Self::HopLimit => "hop_limit_exceeded",
            Self::NoSuchChild => "no_such_child",
            Self::HostNotDestination => "host_not_destination",
            Self::NoRoute => "no_route",
            Self::NotJoined => "not_joined",
            Self::NoRoutingHeader => "no_routing_header",
            Self::DstScope => "dst_scope",
            Self::EncapDepth => "encap_depth",
            Self::IcmpLen => "icmp_len",
            Self::IcmpChecksum => "icmp_csum",
            Self::NdInvalid => "nd_invalid",
            Self::NdUnexpected => "nd_unexpected",
            Self::BorderRoutingHeader => "border_routing_header",
            Self::BorderNoRoute => "border_no_route",
            Self::NotIpv6 => "not_ipv6",
            Self::TxEncode => "tx_encode",
            Self::LocalLinkScope => "local_link_scope",
            Self::NvmCommit => "nvm_commit",
            Self::RegStale => "reg_stale",
        }
    }

    /// The counter index of this reason.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The reason a frame the codec refused is dropped for. No ICMPv6 error is sent for any of
    /// these: a pointer into compressed octets would mean nothing (SPEC.md §9.2 item 14).
    pub const fn of_frame_error(e: &frame::Error) -> Self {
        match e {
            frame::Error::Empty => Self::LowpanTruncated,
            // The frame ends, or something else follows, where the IPHC should be (B12).
            frame::Error::NoIphc { .. } => Self::PasaLorhMalformed,
            frame::Error::Nalp { .. } => Self::LowpanNalp,
            frame::Error::Page { .. } => Self::LowpanPage,
            frame::Error::Dispatch { .. } => Self::LowpanDispatch,
            frame::Error::UnknownCritical { .. } => Self::LorhUnknownCritical,
            frame::Error::TooManyLorh { .. } => Self::LorhTooMany,
            frame::Error::Duplicate { .. } | frame::Error::DestinationMismatch { .. } => {
                Self::PasaLorhMalformed
            }
            frame::Error::Lorh { err, .. } => match err {
                lorh::Error::Truncated { .. } => Self::LorhTruncated,
                _ => Self::PasaLorhMalformed,
            },
            frame::Error::Iphc { err, .. } => match err {
                iphc::Error::Truncated { .. } | iphc::Error::NotIphc(_) => Self::IphcTruncated,
                iphc::Error::Reserved(_) => Self::IphcReserved,
                iphc::Error::UnknownContext(_) => Self::IphcContextUnknown,
                iphc::Error::NoDestinationSource | iphc::Error::LinkAddress(_) => {
                    Self::IphcSourceMissing
                }
                iphc::Error::UnsupportedNhc(_) | iphc::Error::MissingNhc => Self::NhcUnsupported,
                _ => Self::IphcReserved,
            },
            frame::Error::Nhc { .. } => Self::NhcUnsupported,
            _ => Self::LowpanDispatch,
        }
    }
}

/// One counter per [`DropReason`]; saturating, so a flood never wraps a counter to zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DropCounters {
    counts: [u64; DropReason::ALL.len()],
}

impl Default for DropCounters {
    fn default() -> Self {
        Self::new()
    }
}

impl DropCounters {
    /// All zero.
    pub const fn new() -> Self {
        Self {
            counts: [0; DropReason::ALL.len()],
        }
    }

    /// Counts one drop.
    pub fn count(&mut self, reason: DropReason) {
        if let Some(c) = self.counts.get_mut(reason.index()) {
            *c = c.saturating_add(1);
        }
    }

    /// The count of one reason.
    pub fn get(&self, reason: DropReason) -> u64 {
        self.counts.get(reason.index()).copied().unwrap_or(0)
    }

    /// Every reason with its count, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (DropReason, u64)> + '_ {
        DropReason::ALL.iter().map(|&r| (r, self.get(r)))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::collections::HashSet;

    use super::*;
    use pasa_addrcodec::Prefix64;
    use pasa_addrcodec::wire::iphc::{Context, Contexts, LinkAddrs};

    #[test]
    fn names_are_unique_and_indexes_dense() {
        let names: HashSet<_> = DropReason::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), DropReason::ALL.len());
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
    }

    #[test]
    fn codec_refusals_map_to_the_catalogue_reasons() {
        let c = Contexts::new().with(0, Context::new(Prefix64::DOC.network(), 64).unwrap());
        let cfg = frame::CodecConfig::new(&c);
        let cases: &[(&[u8], DropReason)] = &[
            (&[], DropReason::LowpanTruncated),
            (&[0x00], DropReason::LowpanNalp),
            (&[0xF2, 0x7C], DropReason::LowpanPage),
            (&[0xC0, 0, 0, 0], DropReason::LowpanDispatch),
            (&[0xF1, 0x81, 0x50, 0x2B], DropReason::LorhTruncated),
            (&[0xF1, 0x85, 0x11, 0x7C], DropReason::LorhUnknownCritical),
            (&[0xF1, 0x80, 0x50, 0x2B], DropReason::PasaLorhMalformed),
            (
                &[0xF1, 0x80, 0x50, 0x00, 0x7C],
                DropReason::PasaLorhMalformed,
            ),
            (
                &[0xF1, 0x80, 0x50, 0x2B, 0x7C, 0x57, 0x40],
                DropReason::IphcTruncated,
            ),
            (
                &[0xF1, 0x80, 0x50, 0x2B, 0x7B, 0x54],
                DropReason::IphcReserved,
            ),
            (
                &[0xF1, 0x80, 0x50, 0x2B, 0x7B, 0xE7, 0x30, 58, 0, 0],
                DropReason::IphcContextUnknown,
            ),
            (&[0x7B, 0x47, 58], DropReason::IphcSourceMissing),
            (
                &[
                    0xF1, 0x80, 0x50, 0x2B, 0x7F, 0x57, 0, 0, 0, 0, 0, 0, 0, 0x0B, 0xE0,
                ],
                DropReason::NhcUnsupported,
            ),
        ];
        let mut counters = DropCounters::new();
        for (bytes, want) in cases {
            let err = frame::decode(bytes, &cfg, LinkAddrs::default()).unwrap_err();
            let got = DropReason::of_frame_error(&err);
            assert_eq!(got, *want, "{bytes:02x?}: {err}");
            counters.count(got);
        }
        assert_eq!(counters.get(DropReason::PasaLorhMalformed), 2);
        assert_eq!(
            counters.iter().map(|(_, n)| n).sum::<u64>(),
            cases.len() as u64
        );
    }

    #[test]
    fn counters_saturate() {
        let mut c = DropCounters::new();
        c.counts[0] = u64::MAX;
        c.count(DropReason::LowpanTruncated);
        assert_eq!(c.get(DropReason::LowpanTruncated), u64::MAX);
    }
}
