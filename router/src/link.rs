//! Who a frame came from and where one goes: the core names neighbours by interface and
//! link-layer address and leaves the sending to the wrapper.

use pasa_addrcodec::wire::nd::LinkAddr;

/// A neighbour: an interface of this node and a link-layer address on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Neighbor {
    /// The wrapper's interface number (0 when the node has one link).
    pub iface: u8,
    /// The neighbour's link-layer address.
    pub ll: LinkAddr,
}

/// Where an output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkDst {
    /// Unicast to a neighbour.
    Neighbor(Neighbor),
    /// Link-layer multicast (the all-routers group, or broadcast) on an interface.
    Multicast {
        /// The interface.
        iface: u8,
    },
    /// Out of the domain, as native IPv6 (root only).
    External,
}

/// A received frame and what the link layer knows about it.
#[derive(Debug, Clone, Copy)]
pub struct Rx<'a> {
    /// The sender.
    pub from: Neighbor,
    /// True when the link-layer destination was multicast or broadcast (no ICMPv6 errors are
    /// sent about such frames, RFC 4443 §2.4(e.3)).
    pub multicast: bool,
    /// The LoWPAN frame (dispatch onwards), already reassembled if it was fragmented.
    pub frame: &'a [u8],
}
