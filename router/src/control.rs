//! ND messages on the link (SPEC.md §1.11, §9.4 item 23, §9.5 item 26): page-0 IPHC between
//! link-local addresses, Hop Limit 255, no 6LoRH. Receiving them is dispatched here to the
//! registrar and the joiner; building them is shared by both.

use core::net::Ipv6Addr;

use pasa_addrcodec::frame::{self, CompressOptions};
use pasa_addrcodec::wire::icmpv6::{self, NdKind, NdRepr};
use pasa_addrcodec::wire::iphc::{self, LinkAddrs};
use pasa_addrcodec::wire::nd::{self, CioRepr, EaroRepr, GaaoRepr, LinkAddr, LlaoKind, LlaoRepr};

use crate::drops::DropReason;
use crate::link::Rx;
use crate::node::{Node, Verdict};
use crate::store::Store;

/// The all-nodes link-local multicast group.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// The all-routers link-local multicast group, where the RS goes.
pub const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);

/// Router Lifetime announced in RAs, seconds (RFC 4861 allows up to 9000).
pub const RA_ROUTER_LIFETIME_S: u16 = 1800;

/// Most octets of ND options this node puts in one message.
const OPTIONS_MAX: usize = 128;
/// Most octets of one ND message this node builds.
const MESSAGE_MAX: usize = 24 + OPTIONS_MAX;

/// The link-local address of a link-layer address (RFC 4944 §6, RFC 2464 §5).
pub fn link_local(ll: &LinkAddr) -> Ipv6Addr {
    let iid = iphc::iid_from_link(ll.as_bytes()).unwrap_or([0; 8]);
    let mut o = [0u8; 16];
    o[0] = 0xfe;
    o[1] = 0x80;
    if let Some(d) = o.get_mut(8..) {
        d.copy_from_slice(&iid);
    }
    Ipv6Addr::from(o)
}

/// A control message the node sends, described by what it needs from the node's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlMsg {
    /// RS to all routers (joiner).
    Rs,
    /// RA answering an RS, or (`peer` = `None`) announced to all nodes when the node becomes
    /// a registrar, so that children waiting out an RS back-off start at once (registrar).
    Ra {
        /// The soliciting neighbour; `None` for all nodes (ff02::1).
        peer: Option<LinkAddr>,
    },
    /// NS(GAAO) asking the chosen parent for an address (joiner).
    NsGaao {
        /// The parent.
        peer: LinkAddr,
        /// AAF to ask for (0 after an "AAF Not Used").
        aaf: nd::Aaf,
    },
    /// NS(EARO) registering the assigned address (joiner).
    NsEaro {
        /// The parent.
        peer: LinkAddr,
        /// The address registered (`prefix::PASA`).
        target: Ipv6Addr,
        /// Transaction ID.
        tid: u8,
        /// Registration lifetime, minutes (0 de-registers).
        lifetime_min: u16,
    },
    /// NA(GAAO) answering an NS(GAAO) (registrar).
    NaGaao {
        /// The requester.
        peer: LinkAddr,
        /// The NS target.
        target: Ipv6Addr,
        /// The answer.
        gaao: GaaoRepr,
    },
    /// NA(EARO) answering an NS(EARO) (registrar).
    NaEaro {
        /// The registering neighbour.
        peer: LinkAddr,
        /// The NS target.
        target: Ipv6Addr,
        /// The answer.
        earo: EaroRepr,
    },
}

/// Appends an option written by `f` to `opts` at `*at`.
fn put<E>(opts: &mut [u8], at: &mut usize, f: impl FnOnce(&mut [u8]) -> Result<usize, E>) {
    if let Some(rest) = opts.get_mut(*at..)
        && let Ok(n) = f(rest)
    {
        *at = at.saturating_add(n);
    }
}

/// Builds the ICMPv6 message of `m` into `buf`; returns the IPv6 header fields, the link-layer
/// destination (for address elision) and the message length.
fn build<S: Store, const N: usize>(
    node: &Node<S, N>,
    m: &ControlMsg,
    buf: &mut [u8; MESSAGE_MAX],
) -> (iphc::Repr, Option<LinkAddr>, usize) {
    let own_ll = node.cfg.link_addr;
    let sllao = LlaoRepr {
        kind: LlaoKind::Source,
        addr: own_ll,
    };
    let m_mask = node.cfg.registrar.m_mask;
    let cio = CioRepr::for_role(node.tree_role()).with_m(m_mask);
    let gaao_type = node.cfg.registrar.gaao_type;
    let mut opts = [0u8; OPTIONS_MAX];
    let mut at = 0usize;
    // A registrar's NA: solicited, from a router, to the asking neighbour.
    let answer = |peer: LinkAddr, target| {
        (
            NdKind::NeighborAdvert {
                router: true,
                solicited: true,
                override_: false,
                target,
            },
            link_local(&peer),
            Some(peer),
        )
    };
    let (kind, dst, peer) = match *m {
        ControlMsg::Rs => {
            put(&mut opts, &mut at, |b| sllao.emit_slice(b));
            put(&mut opts, &mut at, |b| cio.emit_slice(b));
            (NdKind::RouterSolicit, ALL_ROUTERS, None)
        }
        ControlMsg::Ra { peer } => {
            put(&mut opts, &mut at, |b| sllao.emit_slice(b));
            put(&mut opts, &mut at, |b| cio.emit_slice(b));
            (
                NdKind::RouterAdvert {
                    cur_hop_limit: crate::node::ORIGIN_HOP_LIMIT,
                    managed: false,
                    other: false,
                    router_lifetime_s: RA_ROUTER_LIFETIME_S,
                    reachable_ms: 0,
                    retrans_ms: 0,
                },
                peer.as_ref().map_or(ALL_NODES, link_local),
                peer,
            )
        }
        ControlMsg::NsGaao { peer, aaf } => {
            let g = GaaoRepr {
                status: 0,
                opaque: 0,
                r: false,
                c: false,
                aaf,
                assignment_lifetime_min: 0,
                rovr: node.rovr(),
                address: None,
            };
            put(&mut opts, &mut at, |b| sllao.emit_slice(b));
            put(&mut opts, &mut at, |b| g.emit_slice_with_type(b, gaao_type));
            put(&mut opts, &mut at, |b| cio.emit_slice(b));
            (
                NdKind::NeighborSolicit { target: node.ll_ip },
                link_local(&peer),
                Some(peer),
            )
        }
        ControlMsg::NsEaro {
            peer,
            target,
            tid,
            lifetime_min,
        } => {
            let e = EaroRepr {
                status: 0,
                opaque: 0,
                t: true,
                r: true,
                i: nd::U2::default(),
                p: nd::U2::default(),
                tid,
                lifetime_60s: lifetime_min,
                rovr: node.rovr(),
            };
            put(&mut opts, &mut at, |b| sllao.emit_slice(b));
            put(&mut opts, &mut at, |b| e.emit_slice(b));
            (
                NdKind::NeighborSolicit { target },
                link_local(&peer),
                Some(peer),
            )
        }
        ControlMsg::NaGaao { peer, target, gaao } => {
            put(&mut opts, &mut at, |b| {
                gaao.emit_slice_with_type(b, gaao_type)
            });
            answer(peer, target)
        }
        ControlMsg::NaEaro { peer, target, earo } => {
            put(&mut opts, &mut at, |b| earo.emit_slice(b));
            answer(peer, target)
        }
    };
    let src = node.ll_ip;
    let nd = NdRepr {
        kind,
        options: opts.get(..at).unwrap_or(&[]),
    };
    let n = nd.emit(&src, &dst, buf).unwrap_or(0);
    let ip = iphc::Repr {
        src,
        dst,
        next_header: icmpv6::NEXT_HEADER_ICMPV6,
        nhc: false,
        hop_limit: icmpv6::ND_HOP_LIMIT,
        traffic_class: 0,
        flow_label: 0,
    };
    (ip, peer, n)
}

fn opts_for<'a>(
    own: &'a [u8],
    peer: Option<&'a LinkAddr>,
    prefix: pasa_addrcodec::Prefix64,
) -> CompressOptions<'a> {
    CompressOptions {
        link: LinkAddrs {
            src: Some(own),
            dst: peer.map(|p| p.as_bytes()),
        },
        ..CompressOptions::new(prefix)
    }
}

/// Largest control frame this node writes: the largest ND message plus the largest IPHC
/// header. [`crate::Node::poll_transmit`] needs a buffer of at least this size.
pub const CONTROL_FRAME_MAX: usize = MESSAGE_MAX + 41;

/// Builds the frame of `m` once and writes it into `out`; returns its length.
pub(crate) fn write<S: Store, const N: usize>(
    node: &Node<S, N>,
    m: &ControlMsg,
    out: &mut [u8],
) -> Result<usize, frame::Error> {
    let mut buf = [0u8; MESSAGE_MAX];
    let (ip, peer, n) = build(node, m, &mut buf);
    let own = node.cfg.link_addr;
    let opts = opts_for(own.as_bytes(), peer.as_ref(), node.cfg.prefix);
    frame::compress_parts(
        &ip,
        None,
        buf.get(..n).unwrap_or(&[]),
        &node.codec(),
        &opts,
        out,
    )
}

/// The ND options of a received message, decoded as far as this node uses them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    pub(crate) sllao: Option<LinkAddr>,
    pub(crate) cio: Option<CioRepr>,
    pub(crate) gaao: Option<GaaoRepr>,
    pub(crate) earo: Option<EaroRepr>,
}

impl Options {
    /// Reads the options; any option this node uses that fails to parse refuses the message
    /// (RELIABILITY.md B50, B53).
    fn parse(opts: &[u8], gaao_type: u8, short_ll: bool) -> Option<Self> {
        let mut o = Self::default();
        if let Some(b) = nd::find(opts, nd::SLLAO_TYPE).ok()? {
            let p = nd::LlaoPacket::new_unchecked(b);
            let r = if short_ll {
                LlaoRepr::parse_short(&p)
            } else {
                LlaoRepr::parse(&p)
            };
            o.sllao = Some(r.ok()?.addr);
        }
        if let Some(b) = nd::find(opts, nd::CIO_TYPE).ok()? {
            o.cio = Some(CioRepr::parse(&nd::CioPacket::new_unchecked(b)).ok()?);
        }
        if let Some(b) = nd::find(opts, gaao_type).ok()? {
            o.gaao =
                Some(GaaoRepr::parse_with_type(&nd::GaaoPacket::new_unchecked(b), gaao_type).ok()?);
        }
        if let Some(b) = nd::find(opts, nd::EARO_TYPE).ok()? {
            o.earo = Some(EaroRepr::parse(&nd::EaroPacket::new_unchecked(b)).ok()?);
        }
        Some(o)
    }
}

impl<S: Store, const N: usize> Node<S, N> {
    /// A page-0 frame without routing header: link-scope control traffic.
    pub(crate) fn control(&mut self, now_ms: u64, rx: &Rx<'_>) -> Verdict {
        let cfg = self.codec();
        let own_ll = self.cfg.link_addr;
        let link = LinkAddrs {
            src: Some(rx.from.ll.as_bytes()),
            dst: Some(own_ll.as_bytes()),
        };
        let d = match frame::decode(rx.frame, &cfg, link) {
            Ok(d) => d,
            Err(e) => return self.drop(DropReason::of_frame_error(&e)),
        };
        let (src, dst) = (d.ip.src, d.ip.dst);
        if !(dst.is_multicast() || dst.is_unicast_link_local()) {
            return self.drop(DropReason::NoRoutingHeader);
        }
        // Only what is addressed to this node: its link-local address, all-nodes, all-routers
        // (a router's), or its solicited-node group.
        let solicited = {
            let o = self.ll_ip.octets();
            Ipv6Addr::new(
                0xff02,
                0,
                0,
                0,
                0,
                1,
                0xff00 | u16::from(o[13]),
                u16::from_be_bytes([o[14], o[15]]),
            )
        };
        let mine = dst == self.ll_ip
            || dst == ALL_NODES
            || dst == solicited
            || (dst == ALL_ROUTERS && self.cfg.role != crate::config::NodeRole::Host);
        if !mine {
            // A group this node is not in (a host hears RSs to all routers on a shared link):
            // normal, ignored. A unicast address of another node: not for us.
            if dst.is_multicast() {
                crate::stats::Stats::bump(&mut self.stats.nd_ignored);
                return Self::consumed();
            }
            return self.drop(DropReason::NdUnexpected);
        }
        if d.ip.next_header != icmpv6::NEXT_HEADER_ICMPV6 {
            return self.drop(DropReason::NdUnexpected);
        }
        let msg = d.payload;
        match icmpv6::verify(&src, &dst, msg) {
            Ok(()) => {}
            Err(icmpv6::Error::Checksum { .. }) => return self.drop(DropReason::IcmpChecksum),
            Err(_) => return self.drop(DropReason::IcmpLen),
        }
        let t = msg.first().copied().unwrap_or(0);
        if !(icmpv6::msg_type::ROUTER_SOLICIT..=icmpv6::msg_type::NEIGHBOR_ADVERT).contains(&t) {
            return self.drop(DropReason::NdUnexpected);
        }
        // RFC 4861 §6.1, §7.1: Hop Limit 255 and a valid message, else silently discarded; our
        // ND always runs between link-local addresses (SPEC.md §9.4 item 23, B59).
        if icmpv6::check_nd_hop_limit(d.ip.hop_limit).is_err() || !src.is_unicast_link_local() {
            return self.drop(DropReason::NdInvalid);
        }
        let Ok(nd) = NdRepr::parse(msg) else {
            return self.drop(DropReason::NdInvalid);
        };
        let short = own_ll.as_bytes().len() == 2;
        let Some(opts) = Options::parse(nd.options, self.cfg.registrar.gaao_type, short) else {
            return self.drop(DropReason::NdInvalid);
        };
        // The neighbour is who sent the frame: an SLLAO naming someone else would let one
        // sender pose as many (the per-neighbour cap, RELIABILITY.md A1).
        if opts.sllao.is_some_and(|l| l != rx.from.ll) {
            return self.drop(DropReason::NdInvalid);
        }
        match nd.kind {
            NdKind::RouterSolicit => self.on_rs(now_ms, rx, &opts),
            NdKind::NeighborSolicit { target } => self.on_ns(now_ms, rx, target, &opts),
            NdKind::RouterAdvert { .. } => self.on_ra(now_ms, rx, &opts),
            NdKind::NeighborAdvert { .. } => self.on_na(now_ms, rx, &opts),
        }
    }
}
