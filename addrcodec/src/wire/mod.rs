//! Wire formats, each as a checked view (`Packet<T: AsRef<[u8]>>`) and a decoded `Repr`, in
//! the shape of smoltcp's `wire` module.
//!
//! Every view has `new_unchecked`, `check_len` (which covers every getter) and `new_checked`;
//! every `Repr` has `parse`, `buffer_len` and `emit`. Layers are listed in the order they appear
//! in a frame: [`dispatch`] (RFC 8025 paging), [`lorh`] (RFC 8138 6LoRH: PASA-6LoRH and
//! IP-in-IP), [`iphc`] (RFC 6282 LOWPAN_IPHC), [`nhc`] (RFC 6282 NHC UDP), and [`nd`] (ND options
//! carried in ICMPv6: GAAO, EARO, 6CIO, SLLAO). [`checksum`] holds the Internet checksum shared by
//! the layers. [`ethernet`] (RFC 7973) frames a LoWPAN frame on Ethernet and on this project's
//! serial links. [`slip`] (RFC 1055) is not a layer of the frame but the framing of serial links
//! around it: a stream encoder and a fixed-buffer decoder instead of a view and a `Repr`.

pub mod checksum;
pub mod dispatch;
pub mod ethernet;
pub mod icmpv6;
pub mod iphc;
pub mod lorh;
pub mod nd;
pub mod nhc;
pub mod slip;

pub use dispatch::Dispatch;
pub use iphc::{Context, Contexts, Packet as IphcPacket, Repr as IphcRepr};
pub use lorh::{IpInIpRepr, Lorh, LorhClass, Packet as LorhPacket, PasaLorhRepr};
pub use nhc::{UdpPacket as UdpNhcPacket, UdpRepr as UdpNhcRepr};
