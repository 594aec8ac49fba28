//! Fuzz bodies of the router core: plain functions called by the cargo-fuzz targets
//! `router_forward`, `router_border` and `router_control` in `fuzz/`, and replayed over the
//! committed corpus (`fuzz/corpus/<target>/`) by `router/tests/fuzz_corpus.rs`.
//!
//! Every body builds small nodes of the SPEC.md §8 tree (root `1`, router `10`, router `1010`
//! with host `101011`), all with 8-octet link-layer addresses `02:00:..:<n>` (link-local
//! `fe80::<n>`), the `2001:db8::/64` prefix and the contexts of
//! [`pasa_addrcodec::fuzz::fuzz_contexts`]. The first input octet picks the node, the sender
//! and the link-layer flags; the rest is the frame or packet. Each verdict is then held to the
//! calling contract of [`Node::emit`]:
//!
//! - a verdict of length 0 (consumed, dropped) emits nothing and returns `Ok(0)`;
//! - into a 0xFF-filled buffer of [`OUT_LEN`] octets, `emit` returns `Ok(verdict.len)` and
//!   writes nothing past `len` (a longer verdict must be refused as `Buffer`, as must a buffer
//!   one octet short);
//! - the output is what the action says: a frame whose header parses for `Forward` (and that
//!   decodes in full when the node built it from a native packet), a native IPv6 packet whose
//!   Payload Length matches for `Deliver` and `Egress`, a decodable ND message with a valid
//!   ICMPv6 checksum for `Send`, an ICMPv6 error with a valid checksum for `Error`;
//! - a frame is never forwarded back to the neighbour it came from (except as the root's
//!   re-route of an IP-in-IP frame into a PASA frame for the same subtree: a hairpin with a new
//!   routing header, not a loop), and an error about a frame goes back to that neighbour.
//!
//! A broken property panics on purpose: that is how a fuzzer reports it. The node itself never
//! panics; neither do these bodies on any input unless a property breaks.
// The module exists to panic on a broken property; the crate denies `clippy::panic` elsewhere.
#![allow(clippy::panic)]

use core::net::Ipv6Addr;

use pasa_addrcodec::frame::{self, CodecConfig};
use pasa_addrcodec::fuzz::fuzz_contexts;
use pasa_addrcodec::wire::icmpv6;
use pasa_addrcodec::wire::iphc::LinkAddrs;
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_addrcodec::{PasaAddr, Prefix64};

use crate::config::{NodeConfig, NodeRole};
use crate::link::{LinkDst, Neighbor, Rx};
use crate::node::{Action, EmitError, Node, Verdict};
use crate::store::{MemStore, Store, StoreError};

/// A fuzz body.
pub type Body = fn(&[u8]);

/// The fuzz targets, by name (the folder names of the corpus).
pub const TARGETS: &[(&str, Body)] = &[
    ("router_forward", forward),
    ("router_border", border),
    ("router_control", control),
];

/// Octets of each store slot: the state head and all 16 child slots with the record overhead
/// (12 + 24 + 16 x 50 = 836) fit.
pub const STORE_LEN: usize = 1024;

/// The nodes the bodies build: a [`MemStore`] and 8 children per role.
pub type FuzzNode = Node<MemStore<STORE_LEN>, 8>;

/// The clock of every body (any origin works; not zero, so that "earlier" exists).
pub const NOW_MS: u64 = 1_000_000;

/// A clock after every registration of the fixtures ran out (65535 minutes later).
pub const LATE_MS: u64 = NOW_MS + 65_536 * 60_000;

/// Size of the output buffer the bodies emit into.
pub const OUT_LEN: usize = 2048;

/// Link-layer addresses of the fixture nodes: EUI-64 `02:00:00:00:00:00:00:<n>`, whose
/// link-local address is `fe80::<n>`.
pub mod ll {
    /// The root `1`.
    pub const ROOT: [u8; 8] = eui64(0x01);
    /// Router `10`, a router child of the root and the parent of `1010`.
    pub const R10: [u8; 8] = eui64(0x02);
    /// Host `11`, a host child of the root.
    pub const H11: [u8; 8] = eui64(0x03);
    /// Router `1010`.
    pub const R1010: [u8; 8] = eui64(0x0A);
    /// Router `10100`, a router child of `1010`.
    pub const R10100: [u8; 8] = eui64(0x14);
    /// Host `101011`, a host child of `1010` (the destination of the SPEC.md §8.4 frame).
    pub const H101011: [u8; 8] = eui64(0x2B);
    /// A node that is not yet in the tree (the joiner).
    pub const JOINER: [u8; 8] = eui64(0x42);
    /// A neighbour nobody registered.
    pub const UNKNOWN: [u8; 8] = eui64(0xFF);
    /// A 16-bit short address (IEEE 802.15.4), link-local `fe80::ff:fe00:7`.
    pub const SHORT: [u8; 2] = [0x00, 0x07];

    const fn eui64(n: u8) -> [u8; 8] {
        [0x02, 0, 0, 0, 0, 0, 0, n]
    }
}

/// A link-layer address of the fixtures.
pub fn link(octets: &[u8]) -> LinkAddr {
    match LinkAddr::new(octets) {
        Ok(l) => l,
        Err(e) => panic!("fixture link-layer address {octets:02x?}: {e:?}"),
    }
}

/// The neighbour with link-layer address `octets` on interface 0.
pub fn neighbor(octets: &[u8]) -> Neighbor {
    Neighbor {
        iface: 0,
        ll: link(octets),
    }
}

/// The ROVR of a fixture node: "ROVR" and its link-layer address's last octet.
pub fn rovr(octets: &[u8]) -> Rovr {
    let id = octets.last().copied().unwrap_or(0);
    match Rovr::new(&[b'R', b'O', b'V', b'R', 0, 0, 0, id]) {
        Ok(r) => r,
        Err(e) => panic!("fixture ROVR: {e:?}"),
    }
}

fn addr(bits: u64) -> PasaAddr {
    match PasaAddr::new(bits) {
        Some(a) => a,
        None => panic!("fixture address 0"),
    }
}

/// The configuration of a fixture node with link-layer address `ll` and, for routers and
/// hosts with a planned address, `(address, parent's link-layer address)`.
pub fn config(role: NodeRole, ll: &[u8], planned: Option<(u64, &[u8])>) -> NodeConfig {
    let mut cfg = NodeConfig::new(role, Prefix64::DOC, fuzz_contexts(), link(ll), rovr(ll));
    cfg.planned = planned.map(|(a, p)| (addr(a), neighbor(p)));
    cfg
}

/// A node from `cfg` over `store`, with the static children `(address, link-layer address)`
/// registered for 65535 minutes from [`NOW_MS`].
pub fn node_with<S: Store>(cfg: NodeConfig, store: S, children: &[(u64, &[u8])]) -> Node<S, 8> {
    let mut n = match Node::new(cfg, store, NOW_MS) {
        Ok(n) => n,
        Err(e) => panic!("fixture node: {e}"),
    };
    for &(child, l) in children {
        if let Err(e) = n.add_static_child(NOW_MS, addr(child), neighbor(l), rovr(l), u16::MAX) {
            panic!("fixture child {child:#b}: {e:?}");
        }
    }
    n
}

/// The root `1`, with router child `10` and host child `11` registered.
pub fn root() -> FuzzNode {
    root_with(MemStore::new())
}

fn root_with<S: Store>(store: S) -> Node<S, 8> {
    node_with(
        config(NodeRole::Root, &ll::ROOT, None),
        store,
        &[(0b10, &ll::R10), (0b11, &ll::H11)],
    )
}

/// Router `1010` (parent: router `10`), with host child `101011` and router child `10100`
/// registered.
pub fn router_1010() -> FuzzNode {
    router_1010_with(MemStore::new())
}

fn router_1010_with<S: Store>(store: S) -> Node<S, 8> {
    node_with(
        config(NodeRole::Router, &ll::R1010, Some((0b1010, &ll::R10))),
        store,
        &[(0b101011, &ll::H101011), (0b10100, &ll::R10100)],
    )
}

/// Host `101011` (parent: router `1010`).
pub fn host_101011() -> FuzzNode {
    node_with(
        config(NodeRole::Host, &ll::H101011, Some((0b101011, &ll::R1010))),
        MemStore::new(),
        &[],
    )
}

/// A host without an address, soliciting (its RS is due at [`NOW_MS`]).
pub fn joiner() -> FuzzNode {
    joiner_with(MemStore::new())
}

fn joiner_with<S: Store>(store: S) -> Node<S, 8> {
    node_with(config(NodeRole::Host, &ll::JOINER, None), store, &[])
}

/// A joiner that sent its RS and took the RA of [`root`]: it is requesting an address from
/// the root.
pub fn joiner_requesting<S: Store>(store: S) -> Node<S, 8> {
    let mut j = joiner_with(store);
    let mut r = root();
    let mut rs = [0u8; OUT_LEN];
    let Some(t) = j.poll_transmit(NOW_MS, &mut rs) else {
        panic!("fixture joiner has no RS due");
    };
    let rs = rs.get(..t.len).unwrap_or(&[]);
    let v = r.receive(NOW_MS, &rx(ll::JOINER.as_slice(), true, rs));
    let mut ra = [0u8; OUT_LEN];
    let ra = match r.emit(&v, rs, &mut ra) {
        Ok(n) if matches!(v.action, Action::Send(_)) => ra.get(..n).unwrap_or(&[]),
        other => panic!(
            "fixture root answers the RS with {:?} / {other:?}",
            v.action
        ),
    };
    let v = j.receive(NOW_MS, &rx(ll::ROOT.as_slice(), false, ra));
    if v.action != Action::Consumed {
        panic!("fixture joiner takes the RA with {:?}", v.action);
    }
    j
}

fn rx<'a>(from: &[u8], multicast: bool, frame: &'a [u8]) -> Rx<'a> {
    Rx {
        from: neighbor(from),
        multicast,
        frame,
    }
}

/// The sender a selector octet names: bits 0-1 pick one of `four`, bit 3 moves it to
/// interface 1 (where nobody is registered).
fn sender(sel: u8, four: [&[u8]; 4]) -> Neighbor {
    let pick = match sel & 3 {
        0 => four[0],
        1 => four[1],
        2 => four[2],
        _ => four[3],
    };
    Neighbor {
        iface: (sel >> 3) & 1,
        ll: link(pick),
    }
}

/// Forwarding at router `1010`. Input: one selector octet, then the frame (dispatch onwards).
///
/// Selector: bits 0-1 the sender (0 the parent `10`, 1 the host child `101011`, 2 the router
/// child `10100`, 3 an unknown neighbour); bit 2 link-layer multicast; bit 3 the sender on
/// interface 1; bit 4 the clock after every registration expired.
pub fn forward(data: &[u8]) {
    let _ = forward_action(data);
}

/// [`forward`], returning the action (`None` for an empty input), so that tests can check that
/// a seed reaches the path it is named for.
pub fn forward_action(data: &[u8]) -> Option<Action> {
    let (&sel, frame) = data.split_first()?;
    let mut node = router_1010();
    let from = sender(sel, [&ll::R10, &ll::H101011, &ll::R10100, &ll::UNKNOWN]);
    let rx = Rx {
        from,
        multicast: sel & 4 != 0,
        frame,
    };
    let now = if sel & 0x10 != 0 { LATE_MS } else { NOW_MS };
    let v = node.receive(now, &rx);
    check_received(&node, &v, &rx);
    Some(v.action)
}

/// The border and a node's own traffic. Input: one selector octet, then a native IPv6 packet.
///
/// Selector: bits 0-1 the call (0 [`Node::receive_external`] at the root, 1 [`Node::send`] at
/// the root, 2 at router `1010`, 3 at host `101011`); bit 4 the clock after every registration
/// expired.
pub fn border(data: &[u8]) {
    let _ = border_action(data);
}

/// [`border`], returning the action.
pub fn border_action(data: &[u8]) -> Option<Action> {
    let (&sel, pkt) = data.split_first()?;
    let now = if sel & 0x10 != 0 { LATE_MS } else { NOW_MS };
    let (node, v) = match sel & 3 {
        0 => {
            let mut n = root();
            let v = n.receive_external(now, pkt);
            (n, v)
        }
        1 => {
            let mut n = root();
            let v = n.send(now, pkt);
            (n, v)
        }
        2 => {
            let mut n = router_1010();
            let v = n.send(now, pkt);
            (n, v)
        }
        _ => {
            let mut n = host_101011();
            let v = n.send(now, pkt);
            (n, v)
        }
    };
    check_emit(&node, &v, pkt, None);
    Some(v.action)
}

/// Control traffic (page-0 ND frames) at a registrar or a joiner. Input: one selector octet,
/// then the frame. The frame is given twice, the second time one second later, as a
/// retransmission would be.
///
/// Selector: bits 0-1 the receiver (0 the root, 1 router `1010`, 2 a soliciting joiner, 3 a
/// joiner requesting from the root); bits 2-3 the sender (0 the joiner's address, 1 the root's,
/// 2 a 16-bit short address, 3 router `10`'s); bit 4 link-layer multicast; bit 5 a
/// [`FailingStore`]: every commit fails, and the answers that depend on one must not leave.
pub fn control(data: &[u8]) {
    let _ = control_action(data);
}

/// A store that reads as erased and refuses every write (worn-out or write-protected flash):
/// every commit fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailingStore;

impl Store for FailingStore {
    fn slot_len(&self) -> usize {
        STORE_LEN
    }

    fn read(&self, _slot: u8, offset: usize, buf: &mut [u8]) -> Result<(), StoreError> {
        if offset.saturating_add(buf.len()) > STORE_LEN {
            return Err(StoreError::Range {
                offset,
                len: buf.len(),
            });
        }
        buf.fill(0xFF);
        Ok(())
    }

    fn write(&mut self, _slot: u8, _offset: usize, _data: &[u8]) -> Result<(), StoreError> {
        Err(StoreError::Io(1))
    }
}

/// [`control`], returning the action of the first delivery.
pub fn control_action(data: &[u8]) -> Option<Action> {
    let (&sel, frame) = data.split_first()?;
    if sel & 0x20 != 0 {
        control_on(sel, frame, FailingStore)
    } else {
        control_on(sel, frame, MemStore::<STORE_LEN>::new())
    }
}

fn control_on<S: Store>(sel: u8, frame: &[u8], store: S) -> Option<Action> {
    let mut node = match sel & 3 {
        0 => root_with(store),
        1 => router_1010_with(store),
        2 => joiner_with(store),
        _ => joiner_requesting(store),
    };
    let from: &[u8] = match (sel >> 2) & 3 {
        0 => &ll::JOINER,
        1 => &ll::ROOT,
        2 => &ll::SHORT,
        _ => &ll::R10,
    };
    let rx = rx(from, sel & 0x10 != 0, frame);
    let v = node.receive(NOW_MS, &rx);
    check_received(&node, &v, &rx);
    let again = node.receive(NOW_MS.saturating_add(1000), &rx);
    check_received(&node, &again, &rx);
    Some(v.action)
}

/// The checks of a verdict about a received frame.
fn check_received<S: Store>(node: &Node<S, 8>, v: &Verdict, rx: &Rx<'_>) {
    match v.action {
        Action::Error { to, reason } if to != LinkDst::Neighbor(rx.from) => {
            panic!(
                "error ({reason:?}) about a frame from {:?} sent to {to:?}",
                rx.from
            )
        }
        _ => {}
    }
    check_emit(node, v, rx.frame, Some(rx.from));
}

/// The emit contract (see the module documentation). `from`: the sender of a received frame;
/// `None` when the input was a native packet (then a frame the node forwards was built by it).
fn check_emit<S: Store>(node: &Node<S, 8>, v: &Verdict, input: &[u8], from: Option<Neighbor>) {
    if v.len == 0 {
        if !matches!(v.action, Action::Consumed | Action::Drop(_)) {
            panic!("{:?} with nothing to emit", v.action);
        }
        let r = node.emit(v, input, &mut []);
        if r != Ok(0) {
            panic!("emit of {:?} (len 0) returned {r:?}", v.action);
        }
        return;
    }
    if matches!(v.action, Action::Consumed | Action::Drop(_)) {
        panic!("{:?} with {} octets to emit", v.action, v.len);
    }
    let mut out = [0xFFu8; OUT_LEN];
    if v.len > OUT_LEN {
        let r = node.emit(v, input, &mut out);
        if r != Err(EmitError::Buffer {
            needed: v.len,
            got: OUT_LEN,
        }) {
            panic!("emit of {} octets into {OUT_LEN} returned {r:?}", v.len);
        }
        return;
    }
    let short = v.len.saturating_sub(1);
    if let Some(buf) = out.get_mut(..short) {
        let r = node.emit(v, input, buf);
        if r != Err(EmitError::Buffer {
            needed: v.len,
            got: short,
        }) {
            panic!("emit of {} octets into {short} returned {r:?}", v.len);
        }
        if buf.iter().any(|&b| b != 0xFF) {
            panic!("emit refused a short buffer but wrote into it");
        }
    }
    let r = node.emit(v, input, &mut out);
    if r != Ok(v.len) {
        panic!(
            "emit of {:?} returned {r:?}, the verdict said {} octets",
            v.action, v.len
        );
    }
    let (written, rest) = out.split_at(v.len);
    if let Some(i) = rest.iter().position(|&b| b != 0xFF) {
        panic!(
            "emit of {:?} ({} octets) wrote past its length, at {}",
            v.action,
            v.len,
            v.len.saturating_add(i)
        );
    }
    check_output(node, v.action, input, written, from);
}

/// The output is what the action says it is.
fn check_output<S: Store>(
    node: &Node<S, 8>,
    action: Action,
    input: &[u8],
    out: &[u8],
    from: Option<Neighbor>,
) {
    let cfg = node.config();
    let codec = CodecConfig {
        lorh_type: cfg.lorh_type,
        contexts: &cfg.contexts,
    };
    let own = cfg.link_addr;
    let decode = |peer: Option<LinkAddr>| {
        let link = LinkAddrs {
            src: Some(own.as_bytes()),
            dst: peer.as_ref().map(LinkAddr::as_bytes),
        };
        match frame::decode(out, &codec, link) {
            Ok(d) => (
                d.ip.src,
                d.ip.dst,
                d.ip.next_header,
                d.ip.hop_limit,
                d.payload,
            ),
            Err(e) => panic!("{action:?} emitted a frame that does not decode ({e:?}): {out:02x?}"),
        }
    };
    match action {
        Action::Forward(n) => {
            // Forwarded frames are copies with the hop limit rewritten (only their header was
            // read); frames built from a native packet decode in full.
            let h = match frame::parse_header(out, &codec) {
                Ok(h) => h,
                Err(e) => panic!("forwarded frame does not parse ({e:?}): {out:02x?}"),
            };
            match from {
                None => {
                    let _ = decode(Some(n.ll));
                }
                // Back to the sender only as the root's re-route: an IP-in-IP frame from
                // below whose packet is for the same subtree leaves as a new frame with a
                // PASA-6LoRH (a hairpin, not a loop). A frame that already had a PASA-6LoRH
                // is never sent back where it came from.
                Some(f) if f == n => {
                    let had_pasa =
                        frame::parse_header(input, &codec).map_or(true, |i| i.pasa_dst.is_some());
                    if had_pasa || h.pasa_dst.is_none() {
                        panic!("frame forwarded back to its sender {n:?}: {out:02x?}");
                    }
                }
                Some(_) => {}
            }
        }
        Action::Deliver | Action::Egress => {
            let _ = native(action, out);
        }
        Action::Send(to) => {
            let peer = match to {
                LinkDst::Neighbor(n) => Some(n.ll),
                _ => None,
            };
            let (src, dst, nh, hl, msg) = decode(peer);
            if hl != icmpv6::ND_HOP_LIMIT || !src.is_unicast_link_local() {
                panic!("ND message from {src} with hop limit {hl}");
            }
            icmp(action, nh, &src, &dst, msg);
        }
        Action::Error {
            to: LinkDst::External,
            ..
        } => {
            let (src, dst, nh) = native(action, out);
            icmp(
                action,
                nh,
                &src,
                &dst,
                out.get(frame::IPV6_HEADER_LEN..).unwrap_or(&[]),
            );
        }
        Action::Error { to, .. } => {
            let peer = match to {
                LinkDst::Neighbor(n) => Some(n.ll),
                _ => None,
            };
            let (src, dst, nh, _, msg) = decode(peer);
            icmp(action, nh, &src, &dst, msg);
        }
        Action::Consumed | Action::Drop(_) => {}
    }
}

/// Checks the fixed IPv6 header of a native output; returns source, destination, next header.
fn native(action: Action, out: &[u8]) -> (Ipv6Addr, Ipv6Addr, u8) {
    let Some((hdr, payload)) = out.split_first_chunk::<40>() else {
        panic!("{action:?} emitted {} octets, no IPv6 header", out.len());
    };
    let [v, _, _, _, p1, p0, nh, _, addrs @ ..] = *hdr;
    let plen = usize::from(u16::from_be_bytes([p1, p0]));
    if v >> 4 != 6 || plen != payload.len() {
        panic!(
            "{action:?} emitted IPv6 version {} with Payload Length {plen} for {} octets",
            v >> 4,
            payload.len()
        );
    }
    let (s, d) = addrs.split_at(16);
    let s: [u8; 16] = s.try_into().unwrap_or([0; 16]);
    let d: [u8; 16] = d.try_into().unwrap_or([0; 16]);
    (Ipv6Addr::from(s), Ipv6Addr::from(d), nh)
}

/// An ICMPv6 message the node built: right next header, valid checksum.
fn icmp(action: Action, nh: u8, src: &Ipv6Addr, dst: &Ipv6Addr, msg: &[u8]) {
    if nh != icmpv6::NEXT_HEADER_ICMPV6 {
        panic!("{action:?} emitted next header {nh}, not ICMPv6");
    }
    if let Err(e) = icmpv6::verify(src, dst, msg) {
        panic!("{action:?} emitted an ICMPv6 message that does not verify ({e:?}): {msg:02x?}");
    }
}
