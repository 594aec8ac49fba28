//! The node: one PASA root, router or host, sans-IO.
//!
//! See the crate documentation for the calling contract.

use core::net::Ipv6Addr;

use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions, Header};
use pasa_addrcodec::wire::icmpv6::{self, ErrorKind, ErrorRepr};
use pasa_addrcodec::wire::iphc::{self, Env, LinkAddrs};
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_addrcodec::{ChildRole, Decision, OwnAddr, PasaAddr, Role};

use crate::children::{self, ChildKey, ChildTable, Slot, SlotState};
use crate::config::{ConfigError, NodeConfig, NodeRole};
use crate::control::{self, ControlMsg};
use crate::drops::{DropCounters, DropReason};
use crate::joiner::Join;
use crate::link::{LinkDst, Neighbor, Rx};
use crate::ratelimit::TokenBucket;
use crate::stats::Stats;
use crate::store::{RecordStore, Store, StoreError};

/// The page-1 paging dispatch (RFC 8025).
const PAGE1_DISPATCH: u8 = 0xF1;

/// Hop Limit of the ICMPv6 errors and ND-free packets this node originates.
pub const ORIGIN_HOP_LIMIT: u8 = 64;

/// What to do with an input. `len` is the exact number of octets [`Node::emit`] writes for
/// it (0 for [`Action::Consumed`] and [`Action::Drop`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The decision.
    pub action: Action,
    /// Octets [`Node::emit`] will write.
    pub len: usize,
    plan: Plan,
}

/// The decision about one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send the emitted frame to this neighbour.
    Forward(Neighbor),
    /// Give the emitted native IPv6 packet to the local stack.
    Deliver,
    /// Send the emitted native IPv6 packet out of the domain (root only).
    Egress,
    /// Send the emitted control frame (an ND answer).
    Send(LinkDst),
    /// The input was dropped for `reason` (counted) and the emitted output is the ICMPv6 error
    /// about it, to send to `to` (a frame, or native IPv6 when `to` is external).
    Error {
        /// Why the input was dropped.
        reason: DropReason,
        /// Where the error goes.
        to: LinkDst,
    },
    /// Handled; nothing to send.
    Consumed,
    /// Dropped (counted); nothing to send.
    Drop(DropReason),
}

/// How [`Node::emit`] builds the output from the input. Kept small (the verdict is returned
/// for every frame); what a plan needs beyond a few octets waits in the node's
/// [`Pending`] slot, tagged with the sequence number the plan carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    None,
    /// Copy the frame, writing `hl` at `at`; with `insert`, the IPHC at `iphc` had a compressed
    /// hop limit: clear its HLIM bits and insert the octet at `at`.
    Rewrite {
        at: u16,
        hl: u8,
        insert: bool,
        iphc: u16,
    },
    /// Rebuild the native packet decoded in [`Pending`]; `decrement` lowers its Hop
    /// Limit by one (the root forwarding out of the domain).
    Decompress {
        seq: u32,
        decrement: bool,
    },
    /// Compress the header fields and the body parked in [`Pending`] as planned there: a
    /// native packet from the local stack or from outside, or (root) the packet of an
    /// IP-in-IP frame re-routed down with a PASA-6LoRH.
    Compress {
        seq: u32,
    },
    /// Copy the native packet unchanged.
    Copy,
    /// An ICMPv6 error frame from this node to the input frame's source, quoting it.
    ErrorFrame {
        kind: ErrorKind,
        from: LinkAddr,
        header: u16,
        quote: u16,
    },
    /// An ICMPv6 error as native IPv6 to the native input's source, quoting it.
    ErrorNative {
        kind: ErrorKind,
        quote: u16,
    },
    /// The control message in [`Pending`].
    Control {
        seq: u32,
    },
}

/// Work a verdict left for [`Node::emit`], too large to return with every verdict. One field
/// per kind (not an enum), so each is written once, in place: copying a freshly built plan
/// through enum temporaries cost store-forwarding stalls on the border path.
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Sequence number of the verdict that parked work last, and which kind.
    seq: u32,
    kind: PendingKind,
    /// A frame plan for a native input.
    frame: Option<frame::FramePlan>,
    /// A decoded frame: everything but the payload, which is `input[payload_at..]`.
    header: Option<Header>,
    ip: Option<iphc::Repr>,
    udp: Option<pasa_addrcodec::wire::nhc::UdpRepr>,
    payload_at: u16,
    /// For a native input, the body's length (octets after it are link padding).
    body_len: u16,
    /// A control frame, written when decided (ND answers are built once).
    control: [u8; control::CONTROL_FRAME_MAX],
}

/// What the fast path reads from a frame.
struct FastFrame {
    da: PasaAddr,
    src: PasaAddr,
    hl: u8,
    hl_at: usize,
    iphc: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PendingKind {
    None,
    Frame,
    Decoded,
    Control,
}

impl Pending {
    const EMPTY: Pending = Pending {
        seq: 0,
        kind: PendingKind::None,
        frame: None,
        header: None,
        ip: None,
        udp: None,
        payload_at: 0,
        body_len: 0,
        control: [0; control::CONTROL_FRAME_MAX],
    };
}

/// What [`Node::emit`] can refuse: misuse by the caller, never a property of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmitError {
    /// `out` is shorter than the verdict's `len`.
    Buffer {
        /// Octets needed.
        needed: usize,
        /// Octets given.
        got: usize,
    },
    /// The input is not the one the verdict was made for.
    Input,
    /// The verdict is older than the node's last one that left work for `emit`: emit each
    /// verdict before the next `receive`, `send` or `receive_external`.
    Stale,
}

impl core::fmt::Display for EmitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Buffer { needed, got } => {
                write!(f, "output buffer of {got} octets, {needed} needed")
            }
            Self::Input => f.write_str("emit called with another input than the verdict's"),
            Self::Stale => f.write_str("emit called with a verdict older than the last one"),
        }
    }
}

impl core::error::Error for EmitError {}

/// A message the node originates on its own (the joiner's RS and NS), written by
/// [`Node::poll_transmit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it.
    pub to: LinkDst,
    /// Octets written.
    pub len: usize,
}

/// The node's own address and where its parent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Own {
    pub(crate) oa: OwnAddr,
    pub(crate) len: u8,
    pub(crate) ip: Ipv6Addr,
    pub(crate) parent: Option<Neighbor>,
}

impl Own {
    pub(crate) fn new(
        addr: PasaAddr,
        parent: Option<Neighbor>,
        prefix: pasa_addrcodec::Prefix64,
    ) -> Self {
        Self {
            oa: OwnAddr::new(addr),
            len: addr.len_bits(),
            ip: addr.to_ipv6(prefix),
            parent,
        }
    }

    pub(crate) fn addr(&self) -> PasaAddr {
        self.oa.addr()
    }

    /// True if `a` is this node or in its subtree.
    fn covers(&self, a: PasaAddr) -> bool {
        let me = self.addr();
        if me.is_host() {
            a == me
        } else {
            me.is_prefix_of(a)
        }
    }
}

/// Where a source address puts the sender.
enum Source {
    /// Unspecified, multicast or link-local: never forwarded.
    Invalid,
    /// A PASA address of the domain.
    Pasa(PasaAddr),
    /// Outside the domain.
    External,
}

/// One PASA node. `S` keeps its state across reboots; `N` is the children table capacity per
/// role. A clone is a snapshot: the same state and a copy of the store.
#[derive(Debug, Clone)]
// Field order is the memory layout (`repr(C)`), aligned to a cache line: what the forwarding
// fast path reads comes first (the node's address and parent, copies of three configuration
// fields, the counters), so a forwarded frame touches two lines of the node and one slot of
// its children table. At a million simulated nodes that locality is most of a hop's cost.
#[repr(C, align(64))]
pub struct Node<S: Store, const N: usize = 8> {
    pub(crate) own: Option<Own>,
    /// The IPHC context id of the PASA prefix.
    prefix_ctx: u8,
    /// `cfg.role`, `cfg.lorh_type` and `cfg.mtu`, beside `own` for the fast path.
    role: NodeRole,
    lorh_type: u8,
    mtu: u16,
    pub(crate) stats: Stats,
    pub(crate) children: ChildTable<N>,
    pub(crate) cfg: NodeConfig,
    pub(crate) join: Join,
    pub(crate) ll_ip: Ipv6Addr,
    bucket: TokenBucket,
    pub(crate) store: RecordStore<S>,
    pub(crate) drops: DropCounters,
    /// Work the last verdict left for `emit`.
    pending: Pending,
}

/// Why [`Node::add_static_child`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaticChildError {
    /// This node has no address yet.
    NoAddress,
    /// The address is not a direct child of this node (or this node is a host).
    NotAChild,
    /// The child's index is past the table's capacity.
    Capacity,
}

/// Why [`Node::new`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NewError {
    /// The configuration is refused.
    Config(ConfigError),
    /// The state store failed.
    Store(StoreError),
    /// The store's slots are too small for this node's state (head + `2N` slot records).
    StoreTooSmall {
        /// Octets a slot needs.
        needed: usize,
        /// Octets a slot has.
        got: usize,
    },
    /// The stored state is in a format this build does not read (another version); the node
    /// refuses to start rather than hand out indexes live children may hold.
    StateFormat,
    /// The stored state holds a child past this build's table capacity `N`.
    StateCapacity,
}

impl core::fmt::Display for NewError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Config(e) => write!(f, "configuration: {e}"),
            Self::Store(e) => write!(f, "state store: {e}"),
            Self::StoreTooSmall { needed, got } => {
                write!(f, "state store: slots of {got} octets, {needed} needed")
            }
            Self::StateFormat => f.write_str(
                "state store: the stored state has an unknown format; erase it to start afresh",
            ),
            Self::StateCapacity => f.write_str(
                "state store: the stored state has more children than this build's table holds",
            ),
        }
    }
}

impl core::error::Error for NewError {}

impl<S: Store, const N: usize> Node<S, N> {
    /// Builds a node at time `now_ms` (the node's millisecond clock; any origin), loading its
    /// state from `store`: a router or host with a stored address re-registers it instead of
    /// joining again (SPEC.md §1.11, RELIABILITY.md F1), a registrar gets its children back.
    pub fn new(cfg: NodeConfig, store: S, now_ms: u64) -> Result<Self, NewError> {
        let prefix_ctx = Self::check(&cfg, &store)?;
        let mut node = Self::fresh(cfg, store, now_ms, prefix_ctx);
        node.load_state(now_ms)?;
        Ok(node)
    }

    /// [`Node::new`] built in `slot`, for a caller that keeps the node in a static: a
    /// microcontroller then never holds a copy of the node on its stack (several kilobytes).
    /// After an error the slot holds nothing the caller may use (a node half loaded is
    /// abandoned there, not dropped).
    pub fn init(
        slot: &mut core::mem::MaybeUninit<Self>,
        cfg: NodeConfig,
        store: S,
        now_ms: u64,
    ) -> Result<&mut Self, NewError> {
        let prefix_ctx = Self::check(&cfg, &store)?;
        let node = slot.write(Self::fresh(cfg, store, now_ms, prefix_ctx));
        node.load_state(now_ms)?;
        Ok(node)
    }

    /// Checks the configuration and the store's size; the IPHC context id of the prefix.
    fn check(cfg: &NodeConfig, store: &S) -> Result<u8, NewError> {
        let prefix_ctx = cfg.validate().map_err(NewError::Config)?;
        let needed = Self::STATE_MAX_LEN.saturating_add(crate::store::OVERHEAD);
        if store.slot_len() < needed || Self::STATE_MAX_LEN > usize::from(u16::MAX) {
            return Err(NewError::StoreTooSmall {
                needed,
                got: store.slot_len(),
            });
        }
        Ok(prefix_ctx)
    }

    /// A node with nothing loaded yet (the configuration checked by [`Node::check`]). Inlined,
    /// so that [`Node::init`] builds it in its slot.
    #[inline(always)]
    fn fresh(cfg: NodeConfig, store: S, now_ms: u64, prefix_ctx: u8) -> Self {
        let ll_ip = control::link_local(&cfg.link_addr);
        let own = match (cfg.role, cfg.planned) {
            (NodeRole::Root, _) => Some(Own::new(PasaAddr::ROOT, None, cfg.prefix)),
            (_, Some((a, p))) => Some(Own::new(a, Some(p), cfg.prefix)),
            _ => None,
        };
        Self {
            join: Join::initial(&cfg, own.is_some(), now_ms),
            cfg,
            own,
            children: ChildTable::new(),
            ll_ip,
            bucket: TokenBucket::new(cfg.icmp.burst, cfg.icmp.interval_ms, now_ms as u32),
            store: RecordStore::new(store),
            drops: DropCounters::new(),
            stats: Stats::default(),
            prefix_ctx,
            role: cfg.role,
            lorh_type: cfg.lorh_type,
            mtu: cfg.mtu,
            pending: Pending::EMPTY,
        }
    }

    /// Octets of the largest state record: the head and `2N` slot records.
    pub const STATE_MAX_LEN: usize = STATE_HEAD_LEN.saturating_add(
        N.saturating_mul(2)
            .saturating_mul(children::SLOT_RECORD_LEN),
    );

    /// The configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.cfg
    }

    /// The node's PASA address, once it has one.
    pub fn address(&self) -> Option<PasaAddr> {
        self.own.map(|o| o.addr())
    }

    /// The parent, once known (None at the root).
    pub fn parent(&self) -> Option<Neighbor> {
        self.own.and_then(|o| o.parent)
    }

    /// The drop counters.
    pub fn drops(&self) -> &DropCounters {
        &self.drops
    }

    /// The event counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The children table.
    pub fn children(&self) -> &ChildTable<N> {
        &self.children
    }

    /// The state store.
    pub fn store(&self) -> &RecordStore<S> {
        &self.store
    }

    /// Consumes the node, returning its store (a reboot in tests and the simulator).
    pub fn into_store(self) -> S {
        self.store.into_store()
    }

    pub(crate) fn codec(&self) -> CodecConfig<'_> {
        CodecConfig {
            lorh_type: self.cfg.lorh_type,
            contexts: &self.cfg.contexts,
        }
    }

    pub(crate) fn compress_opts(&self) -> CompressOptions<'_> {
        CompressOptions::new(self.cfg.prefix)
    }

    fn verdict(action: Action, len: usize, plan: Plan) -> Verdict {
        Verdict { action, len, plan }
    }

    pub(crate) fn drop(&mut self, reason: DropReason) -> Verdict {
        self.drops.count(reason);
        Self::verdict(Action::Drop(reason), 0, Plan::None)
    }

    pub(crate) fn consumed() -> Verdict {
        Self::verdict(Action::Consumed, 0, Plan::None)
    }

    pub(crate) fn send_control(&mut self, to: LinkDst, msg: ControlMsg) -> Verdict {
        let mut buf = [0u8; control::CONTROL_FRAME_MAX];
        let Ok(len) = control::write(self, &msg, &mut buf) else {
            return self.drop(DropReason::TxEncode);
        };
        self.pending.control = buf;
        let seq = self.park(PendingKind::Control);
        Self::verdict(Action::Send(to), len, Plan::Control { seq })
    }

    /// Leaves work for `emit`; returns the sequence number the plan carries.
    fn park(&mut self, kind: PendingKind) -> u32 {
        self.pending.seq = self.pending.seq.wrapping_add(1);
        self.pending.kind = kind;
        self.pending.seq
    }

    /// Where the source of a routed frame sits. The common case (SAC=1 SAM=01 with the PASA
    /// context: the 8-octet IID inline) is read straight from the frame.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn source_class(
        &self,
        f: &[u8],
        at: usize,
        ip: &iphc::Packet<&[u8]>,
        layout: &iphc::Layout,
        pasa_dst: Option<PasaAddr>,
        rx: &Rx<'_>,
    ) -> Result<Source, iphc::Error> {
        let b1 = f.get(at.saturating_add(1)).copied().unwrap_or(0);
        let sci = if b1 & 0x80 != 0 {
            f.get(at.saturating_add(2)).copied().unwrap_or(0) >> 4
        } else {
            0
        };
        if b1 & 0x70 == 0x50 && sci == self.prefix_ctx {
            let (o, _) = layout.src_range();
            let o = at.saturating_add(o);
            let iid = f
                .get(o..o.saturating_add(8))
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_be_bytes);
            return Ok(match PasaAddr::new(iid) {
                Some(a) => Source::Pasa(a),
                None => Source::Invalid,
            });
        }
        let env = Env {
            contexts: Some(&self.cfg.contexts),
            pasa_dst,
            link: LinkAddrs {
                src: Some(rx.from.ll.as_bytes()),
                dst: None,
            },
        };
        iphc::source_at(ip, &env, layout).map(|s| self.classify(s))
    }

    fn classify(&self, src: Ipv6Addr) -> Source {
        if src.is_unspecified() || src.is_multicast() || src.is_unicast_link_local() {
            Source::Invalid
        } else if self.cfg.prefix.contains(src) {
            match PasaAddr::from_ipv6(src, self.cfg.prefix) {
                Ok(a) => Source::Pasa(a),
                Err(_) => Source::Invalid,
            }
        } else {
            Source::External
        }
    }

    /// Handles a frame received from a neighbour at `now_ms`. Call [`Node::emit`] with the
    /// same frame when the verdict's `len` is not zero.
    #[inline]
    pub fn receive(&mut self, now_ms: u64, rx: &Rx<'_>) -> Verdict {
        if let Some(v) = self.fast_forward(now_ms, rx) {
            Stats::bump(&mut self.stats.forwarded);
            return v;
        }
        self.receive_general(now_ms, rx)
    }

    /// The fields of a frame in the fast path's shape (see [`Node::fast_forward`]), or `None`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn fast_parse(&self, f: &[u8]) -> Option<FastFrame> {
        const TF_LEN: [usize; 4] = [4, 3, 1, 0];
        if self.prefix_ctx != 0 || self.role == NodeRole::Host {
            return None;
        }
        let (&[page, lorh, ty], rest) = f.split_first_chunk::<3>()?;
        if page != PAGE1_DISPATCH || lorh & 0xF8 != 0x80 || ty != self.lorh_type {
            return None;
        }
        let n = usize::from(lorh & 0x07).wrapping_add(1);
        let (da, rest) = rest.split_at_checked(n)?;
        let da = PasaAddr::new(da.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)))?;
        let (&[b0, b1], _) = rest.split_first_chunk::<2>()?;
        if b0 & 0xE3 != 0x60 || b1 != 0x57 {
            return None;
        }
        let iphc = 3usize.wrapping_add(n);
        let hl_at = iphc
            .wrapping_add(2)
            .wrapping_add(
                TF_LEN
                    .get(usize::from((b0 >> 3) & 0x03))
                    .copied()
                    .unwrap_or(0),
            )
            .wrapping_add(usize::from(b0 & 0x04 == 0));
        let hl = *f.get(hl_at)?;
        let src = f.get(hl_at.wrapping_add(1)..hl_at.wrapping_add(9))?;
        let src = PasaAddr::new(u64::from_be_bytes(<[u8; 8]>::try_from(src).ok()?))?;
        Some(FastFrame {
            da,
            src,
            hl,
            hl_at,
            iphc,
        })
    }

    /// The children-table entries forwarding `frame` would read: the destination's child
    /// (down the tree) and the source's child (checked on the way up). For a loop that
    /// prefetches them a few frames ahead, as the simulator does at a million nodes, where
    /// these lines are cold. Reads only the frame's first octets and the node's address;
    /// decides nothing and counts nothing.
    pub fn entries_for(&self, frame: &[u8]) -> [Option<&Slot>; 2] {
        let (Some(own), Some(ff)) = (self.own.as_ref(), self.fast_parse(frame)) else {
            return [None, None];
        };
        let entry = |a: PasaAddr| match own.oa.decide(a) {
            Decision::Child(c) => ChildKey::of(c, own.len).and_then(|k| self.children.get(k)),
            _ => None,
        };
        [
            entry(ff.da),
            if own.covers(ff.src) {
                entry(ff.src)
            } else {
                None
            },
        ]
    }

    /// The forwarding fast path: the frame every sender in a PASA domain builds
    /// (`F1 | PASA-6LoRH | IPHC` with the hop limit inline, the source as SAC=1 SAM=01 and the
    /// destination elided, both with the PASA context 0), forwarded with every check passing.
    /// Anything else, and every drop, error or delivery, is left to
    /// [`Node::receive_general`], which decides the same for the frames taken here (a
    /// property tested over mutated frames).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn fast_forward(&self, now_ms: u64, rx: &Rx<'_>) -> Option<Verdict> {
        let own = self.own.as_ref()?;
        let FastFrame {
            da,
            src,
            hl,
            hl_at,
            iphc,
        } = self.fast_parse(rx.frame)?;
        let f = rx.frame;
        let from_parent = own.parent == Some(rx.from);
        if own.covers(src) {
            let Decision::Child(c) = own.oa.decide(src) else {
                return None;
            };
            let via = ChildKey::of(c, own.len).and_then(|k| self.children.next_hop(k, now_ms));
            if from_parent || via != Some(rx.from) {
                return None;
            }
        } else if !from_parent {
            return None;
        }
        let next = match own.oa.decide(da) {
            Decision::Deliver => return None,
            Decision::Parent => own.parent.filter(|_| !from_parent)?,
            Decision::Child(c) => ChildKey::of(c, own.len)
                .and_then(|k| self.children.next_hop(k, now_ms))
                .filter(|n| *n != rx.from)?,
        };
        if hl <= 1 || f.len() > usize::from(self.mtu) {
            return None;
        }
        Some(Self::verdict(
            Action::Forward(next),
            f.len(),
            Plan::Rewrite {
                at: hl_at as u16,
                hl: hl.wrapping_sub(1),
                insert: false,
                iphc: iphc as u16,
            },
        ))
    }

    /// Every frame, every check: the reference for [`Node::fast_forward`].
    pub(crate) fn receive_general(&mut self, now_ms: u64, rx: &Rx<'_>) -> Verdict {
        let f = rx.frame;
        let h = match frame::parse_header(f, &self.codec()) {
            Ok(h) => h,
            Err(e) => return self.drop(DropReason::of_frame_error(&e)),
        };
        if h.electives_skipped > 0 {
            self.stats.lorh_elective_skipped = self
                .stats
                .lorh_elective_skipped
                .saturating_add(u64::from(h.electives_skipped));
        }
        if h.pasa_dst.is_none() && h.ip_in_ip.is_none() {
            return self.control(now_ms, rx);
        }
        let Some(own) = self.own else {
            return self.drop(DropReason::NotJoined);
        };
        let at = h.iphc_offset();
        let ip = iphc::Packet::new_unchecked(f.get(at..).unwrap_or(&[]));
        let ierr = |err| DropReason::of_frame_error(&frame::Error::Iphc { at, err });
        let layout = match ip.layout() {
            Ok(l) => l,
            Err(e) => return self.drop(ierr(e)),
        };
        let class = match self.source_class(f, at, &ip, &layout, h.pasa_dst, rx) {
            Ok(c) => c,
            Err(e) => return self.drop(ierr(e)),
        };
        let from_parent = own.parent == Some(rx.from);
        // Source validation: the tree makes it one comparison (RELIABILITY.md A6, B21, B43, B44).
        match class {
            Source::Invalid => return self.drop(DropReason::SrcInvalid),
            Source::Pasa(s) if own.covers(s) => {
                let ok = s != own.addr()
                    && !from_parent
                    && match own.oa.decide(s) {
                        Decision::Child(c) => {
                            ChildKey::of(c, own.len).and_then(|k| self.children.next_hop(k, now_ms))
                                == Some(rx.from)
                        }
                        _ => false,
                    };
                if !ok {
                    return self.drop(DropReason::SrcInvalid);
                }
            }
            _ => {
                if !from_parent {
                    return self.drop(DropReason::SrcInvalid);
                }
            }
        }
        let Some(da) = h.pasa_dst else {
            return self.upward(now_ms, rx, &h, own, from_parent);
        };
        let next = match own.oa.decide(da) {
            Decision::Deliver => return self.deliver(rx),
            Decision::Parent => {
                if self.cfg.role == NodeRole::Host {
                    return self.error(
                        now_ms,
                        rx,
                        DropReason::HostNotDestination,
                        ErrorKind::DstUnreachable(3),
                    );
                }
                match own.parent {
                    None => {
                        return self.error(
                            now_ms,
                            rx,
                            DropReason::NoRoute,
                            ErrorKind::DstUnreachable(0),
                        );
                    }
                    Some(_) if from_parent => return self.drop(DropReason::LoopDetected),
                    Some(p) => p,
                }
            }
            Decision::Child(c) => {
                match ChildKey::of(c, own.len).and_then(|k| self.children.next_hop(k, now_ms)) {
                    None => {
                        return self.error(
                            now_ms,
                            rx,
                            DropReason::NoSuchChild,
                            ErrorKind::DstUnreachable(3),
                        );
                    }
                    Some(n) if n == rx.from => return self.drop(DropReason::LoopDetected),
                    Some(n) => n,
                }
            }
        };
        // Hop limit (SPEC.md §9.2 item 12): inline and rewritten in place, or re-encoded inline.
        let (hl, insert, hl_at) = match layout.hop_limit_offset() {
            Some(o) => (
                f.get(at.saturating_add(o)).copied().unwrap_or(0),
                false,
                at.saturating_add(o),
            ),
            None => {
                let hl = match f.get(at).map(|b| b & 0x03) {
                    Some(1) => 1,
                    Some(2) => 64,
                    _ => 255,
                };
                (
                    hl,
                    true,
                    at.saturating_add(layout.hop_limit_insert_offset()),
                )
            }
        };
        if hl <= 1 {
            return self.error(now_ms, rx, DropReason::HopLimit, ErrorKind::TimeExceeded(0));
        }
        let len = f.len().saturating_add(usize::from(insert));
        if len > usize::from(self.cfg.mtu) {
            return self.drop(DropReason::TxEncode);
        }
        Stats::bump(&mut self.stats.forwarded);
        if insert {
            Stats::bump(&mut self.stats.hop_limit_reencoded);
        }
        Self::verdict(
            Action::Forward(next),
            len,
            Plan::Rewrite {
                at: hl_at as u16,
                hl: hl.wrapping_sub(1),
                insert,
                iphc: at as u16,
            },
        )
    }

    /// A frame with an IP-in-IP 6LoRH and no PASA-6LoRH: on its way to the root.
    fn upward(
        &mut self,
        now_ms: u64,
        rx: &Rx<'_>,
        h: &Header,
        own: Own,
        from_parent: bool,
    ) -> Verdict {
        let Some(outer) = h.ip_in_ip else {
            return self.drop(DropReason::NoRoutingHeader);
        };
        if from_parent {
            return self.drop(DropReason::LoopDetected);
        }
        if let Some(parent) = own.parent {
            if outer.hop_limit <= 1 {
                return self.error(now_ms, rx, DropReason::HopLimit, ErrorKind::TimeExceeded(0));
            }
            Stats::bump(&mut self.stats.forwarded);
            return Self::verdict(
                Action::Forward(parent),
                rx.frame.len(),
                Plan::Rewrite {
                    at: outer.hop_limit_at() as u16,
                    hl: outer.hop_limit.wrapping_sub(1),
                    insert: false,
                    iphc: h.iphc_at,
                },
            );
        }
        // The root: decapsulate (SPEC.md §1.6, §9.3 item 15).
        let d = match self.decode(rx.frame, &rx.from.ll) {
            Ok(d) => d,
            Err(e) => return self.drop(DropReason::of_frame_error(&e)),
        };
        let dst = d.ip.dst;
        if d.ip.next_header == 41 {
            return self.drop(DropReason::EncapDepth);
        }
        if dst == own.ip {
            return self.deliver(rx);
        }
        if dst.is_multicast() || dst.is_unicast_link_local() || dst.is_unspecified() {
            return self.error(
                now_ms,
                rx,
                DropReason::DstScope,
                ErrorKind::DstUnreachable(2),
            );
        }
        if d.ip.hop_limit <= 1 {
            return self.error(now_ms, rx, DropReason::HopLimit, ErrorKind::TimeExceeded(0));
        }
        if self.cfg.prefix.contains(dst) {
            let Ok(da) = PasaAddr::from_ipv6(dst, self.cfg.prefix) else {
                return self.error(
                    now_ms,
                    rx,
                    DropReason::NoRoute,
                    ErrorKind::DstUnreachable(0),
                );
            };
            let next = match own.oa.decide(da) {
                Decision::Child(c) => {
                    ChildKey::of(c, own.len).and_then(|k| self.children.next_hop(k, now_ms))
                }
                _ => None,
            };
            let Some(next) = next else {
                return self.error(
                    now_ms,
                    rx,
                    DropReason::NoSuchChild,
                    ErrorKind::DstUnreachable(3),
                );
            };
            if next == rx.from {
                // The child that sent it up owns the destination: it should have sent it down
                // itself, and the root never sends a packet back over its incoming link.
                return self.drop(DropReason::LoopDetected);
            }
            let ip = iphc::Repr {
                hop_limit: d.ip.hop_limit.wrapping_sub(1),
                ..d.ip
            };
            let body_at = rx.frame.len().saturating_sub(d.payload.len());
            let Some(v) = self.park_frame(next, ip, d.udp, d.payload, body_at) else {
                return self.drop(DropReason::TxEncode);
            };
            Stats::bump(&mut self.stats.forwarded);
            return v;
        }
        Stats::bump(&mut self.stats.egressed);
        self.decompressed(Action::Egress, &d, rx.frame.len(), true)
    }

    /// Plans the frame of `ip`, `udp` and `body` (which sits at `body_at` in the input),
    /// parks the plan and the header fields for `emit`, and returns the verdict forwarding it
    /// to `next`; `None` when it cannot be encoded within the MTU. The packet is read once,
    /// when deciding: `emit` writes from what was parked.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn park_frame(
        &mut self,
        next: Neighbor,
        ip: iphc::Repr,
        udp: Option<pasa_addrcodec::wire::nhc::UdpRepr>,
        body: &[u8],
        body_at: usize,
    ) -> Option<Verdict> {
        let total =
            match frame::plan_parts(&ip, udp, body.len(), &self.codec(), &self.compress_opts()) {
                // Written straight into its field: moving a fresh plan through temporaries stalled
                // on store forwarding (docs/performance.md).
                Ok(p) if p.total <= usize::from(self.mtu) => {
                    self.pending.frame = Some(p);
                    p.total
                }
                _ => return None,
            };
        self.pending.ip = Some(ip);
        self.pending.udp = udp;
        self.pending.payload_at = u16::try_from(body_at).unwrap_or(u16::MAX);
        self.pending.body_len = u16::try_from(body.len()).unwrap_or(u16::MAX);
        let seq = self.park(PendingKind::Frame);
        Some(Self::verdict(
            Action::Forward(next),
            total,
            Plan::Compress { seq },
        ))
    }

    /// Where the body of a native packet starts: after the IPv6 header, and the UDP header
    /// when `compress` carries it as NHC.
    fn native_body_at(n: &frame::Native<'_>) -> usize {
        let udp = if n.udp.is_some() {
            pasa_addrcodec::wire::nhc::UDP_HEADER_LEN
        } else {
            0
        };
        frame::IPV6_HEADER_LEN.saturating_add(udp)
    }

    /// Decodes a frame from `from` (whose link-layer address some IPHC modes read).
    fn decode<'a>(
        &self,
        frame: &'a [u8],
        from: &LinkAddr,
    ) -> Result<frame::Decoded<'a>, frame::Error> {
        let link = LinkAddrs {
            src: Some(from.as_bytes()),
            dst: None,
        };
        frame::decode(frame, &self.codec(), link)
    }

    /// Parks a decoded frame of `frame_len` octets for `emit` and returns the verdict that
    /// writes its native packet (`decrement`: the Hop Limit lowered by one on the way out).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn decompressed(
        &mut self,
        action: Action,
        d: &frame::Decoded<'_>,
        frame_len: usize,
        decrement: bool,
    ) -> Verdict {
        let payload_at = frame_len.saturating_sub(d.payload.len());
        self.pending.header = Some(d.header);
        self.pending.ip = Some(d.ip);
        self.pending.udp = d.udp;
        self.pending.payload_at = u16::try_from(payload_at).unwrap_or(u16::MAX);
        let seq = self.park(PendingKind::Decoded);
        let len = frame::IPV6_HEADER_LEN.saturating_add(d.ipv6_payload_len());
        Self::verdict(action, len, Plan::Decompress { seq, decrement })
    }

    fn deliver(&mut self, rx: &Rx<'_>) -> Verdict {
        match self.decode(rx.frame, &rx.from.ll) {
            Ok(d) => {
                Stats::bump(&mut self.stats.delivered);
                self.decompressed(Action::Deliver, &d, rx.frame.len(), false)
            }
            Err(e) => self.drop(DropReason::of_frame_error(&e)),
        }
    }

    /// True if RFC 4443 §2.4(e) forbids an error about a packet with this next header and
    /// payload: an ICMPv6 error or a Redirect, found through the extension headers; a chain
    /// that cannot be followed counts as one (no error is safer than an error about an error).
    fn about_error(next_header: u8, payload: &[u8]) -> bool {
        match walk_ext(next_header, payload, false) {
            Some((icmpv6::NEXT_HEADER_ICMPV6, at)) => payload
                .get(at)
                .is_none_or(|&t| icmpv6::suppresses_errors(t)),
            Some(_) => false,
            None => true,
        }
    }

    /// Takes a token for an error, counting suppressions.
    fn may_send_error(
        &mut self,
        now_ms: u64,
        l2_multicast: bool,
        dst: Ipv6Addr,
        src: Ipv6Addr,
        about_error: bool,
    ) -> bool {
        if l2_multicast
            || dst.is_multicast()
            || src.is_unspecified()
            || src.is_multicast()
            || about_error
        {
            Stats::bump(&mut self.stats.icmp_suppressed);
            return false;
        }
        if !self.bucket.try_take(now_ms as u32) {
            Stats::bump(&mut self.stats.icmp_ratelimited);
            return false;
        }
        true
    }

    /// Drops a frame for `reason` and, where RFC 4443 allows and the bucket has a token,
    /// answers with an ICMPv6 error to its source, sent back over the link it came in on:
    /// source validation has already placed the source on that side (SPEC.md §9.2 item 13).
    fn error(&mut self, now_ms: u64, rx: &Rx<'_>, reason: DropReason, kind: ErrorKind) -> Verdict {
        self.drops.count(reason);
        let quiet = Self::verdict(Action::Drop(reason), 0, Plan::None);
        let Some(own) = self.own else { return quiet };
        let Ok(d) = self.decode(rx.frame, &rx.from.ll) else {
            return quiet;
        };
        let about = Self::about_error(d.ip.next_header, d.payload);
        let (src, dst) = (d.ip.src, d.ip.dst);
        if !self.may_send_error(now_ms, rx.multicast, dst, src, about) {
            return quiet;
        }
        let ip = error_ip(own.ip, src);
        let Ok(header) =
            frame::compressed_len(&ip, None, &[], &self.codec(), &self.compress_opts())
        else {
            return quiet;
        };
        let total = frame::IPV6_HEADER_LEN.saturating_add(d.ipv6_payload_len());
        let room = usize::from(self.cfg.mtu)
            .saturating_sub(header)
            .saturating_sub(icmpv6::ERROR_HEADER_LEN);
        let quote = total.min(usize::from(self.cfg.icmp.quote_len)).min(room);
        let len = header
            .saturating_add(icmpv6::ERROR_HEADER_LEN)
            .saturating_add(quote);
        Stats::bump(&mut self.stats.icmp_sent);
        Self::verdict(
            Action::Error {
                reason,
                to: LinkDst::Neighbor(rx.from),
            },
            len,
            Plan::ErrorFrame {
                kind,
                from: rx.from.ll,
                header: header as u16,
                quote: quote as u16,
            },
        )
    }

    /// An error about a native packet from outside, sent back out as native IPv6.
    fn error_native(
        &mut self,
        now_ms: u64,
        ipv6: &[u8],
        n: &frame::Native<'_>,
        reason: DropReason,
        kind: ErrorKind,
    ) -> Verdict {
        self.drops.count(reason);
        let quiet = Self::verdict(Action::Drop(reason), 0, Plan::None);
        if self.own.is_none() {
            return quiet;
        }
        let payload = ipv6.get(frame::IPV6_HEADER_LEN..).unwrap_or(&[]);
        let about = Self::about_error(n.ip.next_header, payload);
        if !self.may_send_error(now_ms, false, n.ip.dst, n.ip.src, about) {
            return quiet;
        }
        let quote = ipv6.len().min(usize::from(self.cfg.icmp.quote_len));
        let len = frame::IPV6_HEADER_LEN
            .saturating_add(icmpv6::ERROR_HEADER_LEN)
            .saturating_add(quote);
        Stats::bump(&mut self.stats.icmp_sent);
        Self::verdict(
            Action::Error {
                reason,
                to: LinkDst::External,
            },
            len,
            Plan::ErrorNative {
                kind,
                quote: quote as u16,
            },
        )
    }

    /// Handles a native IPv6 packet from the local stack (TUN, smoltcp, the simulated
    /// application): destinations in the PASA prefix get a PASA-6LoRH, others go up to the root
    /// in an IP-in-IP 6LoRH (SPEC.md §1.6); the root sends external ones out.
    pub fn send(&mut self, now_ms: u64, ipv6: &[u8]) -> Verdict {
        let _ = now_ms;
        let n = match frame::parse_native(ipv6) {
            Ok(n) => n,
            Err(_) => return self.drop(DropReason::NotIpv6),
        };
        let dst = n.ip.dst;
        if dst.is_multicast() || dst.is_unicast_link_local() || dst.is_unspecified() {
            return self.drop(DropReason::LocalLinkScope);
        }
        let Some(own) = self.own else {
            return self.drop(DropReason::NotJoined);
        };
        if n.ip.src != own.ip {
            return self.drop(DropReason::SrcInvalid);
        }
        let len =
            ipv6.len().min(
                frame::IPV6_HEADER_LEN.saturating_add(usize::from(u16::from_be_bytes([
                    ipv6.get(4).copied().unwrap_or(0),
                    ipv6.get(5).copied().unwrap_or(0),
                ]))),
            );
        let next = if self.cfg.prefix.contains(dst) {
            let Ok(da) = PasaAddr::from_ipv6(dst, self.cfg.prefix) else {
                return self.drop(DropReason::NoRoute);
            };
            match own.oa.decide(da) {
                Decision::Deliver => {
                    Stats::bump(&mut self.stats.delivered);
                    return Self::verdict(Action::Deliver, len, Plan::Copy);
                }
                Decision::Parent => match own.parent {
                    Some(p) => p,
                    None => return self.drop(DropReason::NoRoute),
                },
                Decision::Child(c) => {
                    match ChildKey::of(c, own.len).and_then(|k| self.children.next_hop(k, now_ms)) {
                        Some(nb) => nb,
                        None => return self.drop(DropReason::NoSuchChild),
                    }
                }
            }
        } else {
            match own.parent {
                Some(p) => p,
                None => {
                    Stats::bump(&mut self.stats.egressed);
                    return Self::verdict(Action::Egress, len, Plan::Copy);
                }
            }
        };
        let Some(v) = self.park_frame(next, n.ip, n.udp, n.body, Self::native_body_at(&n)) else {
            return self.drop(DropReason::TxEncode);
        };
        Stats::bump(&mut self.stats.originated);
        v
    }

    /// Root only: handles a native IPv6 packet from outside the domain (SPEC.md §1.6). Nothing
    /// from outside brings a routing header in (RELIABILITY.md B33, B65).
    pub fn receive_external(&mut self, now_ms: u64, ipv6: &[u8]) -> Verdict {
        let n = match frame::parse_native(ipv6) {
            Ok(n) => n,
            Err(_) => return self.drop(DropReason::NotIpv6),
        };
        let Some(own) = self.own.filter(|_| self.cfg.role == NodeRole::Root) else {
            return self.drop(DropReason::BorderNoRoute);
        };
        if has_routing_header(ipv6) {
            return self.drop(DropReason::BorderRoutingHeader);
        }
        match self.classify(n.ip.src) {
            Source::External => {}
            _ => return self.drop(DropReason::SrcInvalid),
        }
        let dst = n.ip.dst;
        if !self.cfg.prefix.contains(dst) {
            return self.error_native(
                now_ms,
                ipv6,
                &n,
                DropReason::BorderNoRoute,
                ErrorKind::DstUnreachable(0),
            );
        }
        let Ok(da) = PasaAddr::from_ipv6(dst, self.cfg.prefix) else {
            // prefix::0 is no PASA address: a malformed destination (SPEC.md §9.2 item 11).
            return self.error_native(
                now_ms,
                ipv6,
                &n,
                DropReason::NoRoute,
                ErrorKind::DstUnreachable(0),
            );
        };
        let len = ipv6.len().min(
            frame::IPV6_HEADER_LEN
                .saturating_add(n.body.len())
                .saturating_add(if n.udp.is_some() { 8 } else { 0 }),
        );
        let next = match own.oa.decide(da) {
            Decision::Deliver => {
                Stats::bump(&mut self.stats.ingressed);
                Stats::bump(&mut self.stats.delivered);
                return Self::verdict(Action::Deliver, len, Plan::Copy);
            }
            Decision::Parent => None,
            Decision::Child(c) => {
                ChildKey::of(c, own.len).and_then(|k| self.children.next_hop(k, now_ms))
            }
        };
        let Some(next) = next else {
            return self.error_native(
                now_ms,
                ipv6,
                &n,
                DropReason::NoSuchChild,
                ErrorKind::DstUnreachable(3),
            );
        };
        if n.ip.hop_limit <= 1 {
            return self.error_native(
                now_ms,
                ipv6,
                &n,
                DropReason::HopLimit,
                ErrorKind::TimeExceeded(0),
            );
        }
        let ip = iphc::Repr {
            hop_limit: n.ip.hop_limit.wrapping_sub(1),
            ..n.ip
        };
        let Some(v) = self.park_frame(next, ip, n.udp, n.body, Self::native_body_at(&n)) else {
            return self.drop(DropReason::TxEncode);
        };
        Stats::bump(&mut self.stats.ingressed);
        Stats::bump(&mut self.stats.forwarded);
        v
    }

    /// Writes the output of `v` into `out[..v.len]`, reading `input`: the frame given to
    /// [`Node::receive`], or the packet given to [`Node::send`] or [`Node::receive_external`].
    #[inline]
    pub fn emit(&self, v: &Verdict, input: &[u8], out: &mut [u8]) -> Result<usize, EmitError> {
        // The forwarding case inline: one copy and one octet.
        if let Plan::Rewrite {
            at,
            hl,
            insert: false,
            ..
        } = v.plan
            && let (Some(o), true) = (out.get_mut(..v.len), input.len() == v.len)
        {
            o.copy_from_slice(input);
            if let Some(b) = o.get_mut(usize::from(at)) {
                *b = hl;
                return Ok(v.len);
            }
        }
        self.emit_general(v, input, out)
    }

    fn emit_general(&self, v: &Verdict, input: &[u8], out: &mut [u8]) -> Result<usize, EmitError> {
        let got = out.len();
        let out = out
            .get_mut(..v.len)
            .ok_or(EmitError::Buffer { needed: v.len, got })?;
        match v.plan {
            Plan::None => Ok(0),
            Plan::Rewrite {
                at,
                hl,
                insert,
                iphc,
            } => {
                let (at, iphc) = (usize::from(at), usize::from(iphc));
                if !insert {
                    if input.len() != out.len() {
                        return Err(EmitError::Input);
                    }
                    out.copy_from_slice(input);
                    *out.get_mut(at).ok_or(EmitError::Input)? = hl;
                    return Ok(v.len);
                }
                let (head, tail) = input.split_at_checked(at).ok_or(EmitError::Input)?;
                let (ohead, orest) = out.split_at_mut(at);
                let (ohl, otail) = orest.split_first_mut().ok_or(EmitError::Input)?;
                if ohead.len() != head.len() || otail.len() != tail.len() {
                    return Err(EmitError::Input);
                }
                ohead.copy_from_slice(head);
                *ohl = hl;
                otail.copy_from_slice(tail);
                // HLIM=00: the hop limit is now inline.
                *ohead.get_mut(iphc).ok_or(EmitError::Input)? &= !0x03;
                Ok(v.len)
            }
            Plan::Decompress { seq, decrement } => {
                let p = self.pending_for(seq, PendingKind::Decoded)?;
                let (Some(header), Some(ip), udp, payload_at) =
                    (p.header, p.ip, p.udp, p.payload_at)
                else {
                    return Err(EmitError::Stale);
                };
                let d = frame::Decoded {
                    header,
                    ip,
                    hop_limit_at: None,
                    udp,
                    payload: input
                        .get(usize::from(payload_at)..)
                        .ok_or(EmitError::Input)?,
                };
                let n = frame::write_ipv6(&d, out).map_err(|_| EmitError::Input)?;
                if decrement && let Some(h) = out.get_mut(7) {
                    *h = h.saturating_sub(1);
                }
                Ok(n)
            }
            Plan::Compress { seq } => {
                // The header fields were read (and the hop limit lowered) when deciding; the
                // body is the input from `payload_at` (its length was checked then too).
                let p = self.pending_for(seq, PendingKind::Frame)?;
                let (Some(plan), Some(ip)) = (p.frame.as_ref(), p.ip.as_ref()) else {
                    return Err(EmitError::Stale);
                };
                let at = usize::from(p.payload_at);
                let body = input
                    .get(at..at.saturating_add(usize::from(p.body_len)))
                    .ok_or(EmitError::Input)?;
                frame::emit_parts(plan, ip, p.udp, body, &self.codec(), out)
                    .map_err(|_| EmitError::Input)
            }
            Plan::Copy => {
                let src = input.get(..out.len()).ok_or(EmitError::Input)?;
                out.copy_from_slice(src);
                Ok(v.len)
            }
            Plan::ErrorFrame {
                kind,
                from,
                header,
                quote,
            } => {
                let d = self.decode(input, &from).map_err(|_| EmitError::Input)?;
                let cfg = self.codec();
                let (src, dst) = (self.own.ok_or(EmitError::Stale)?.ip, d.ip.src);
                let (hbuf, msg) = out.split_at_mut(usize::from(header));
                let ip = error_ip(src, dst);
                frame::compress_parts(&ip, None, &[], &cfg, &self.compress_opts(), hbuf)
                    .map_err(|_| EmitError::Input)?;
                let (fixed, q) = msg.split_at_mut(icmpv6::ERROR_HEADER_LEN.min(msg.len()));
                if q.len() != usize::from(quote) {
                    return Err(EmitError::Input);
                }
                ErrorRepr { kind }
                    .emit(&src, &dst, &[], icmpv6::ERROR_HEADER_LEN, fixed)
                    .map_err(|_| EmitError::Input)?;
                frame::write_ipv6_prefix(&d, q);
                fill_checksum(&src, &dst, msg);
                Ok(v.len)
            }
            Plan::ErrorNative { kind, quote } => {
                let src = self.own.ok_or(EmitError::Stale)?.ip;
                let dst = frame::parse_native(input)
                    .map_err(|_| EmitError::Input)?
                    .ip
                    .src;
                let quoted = input.get(..usize::from(quote)).ok_or(EmitError::Input)?;
                let (hdr, msg) = out.split_at_mut(frame::IPV6_HEADER_LEN.min(out.len()));
                write_ipv6_header(hdr, &src, &dst, msg.len());
                ErrorRepr { kind }
                    .emit(&src, &dst, quoted, icmpv6::MIN_MTU, msg)
                    .map_err(|_| EmitError::Input)?;
                Ok(v.len)
            }
            Plan::Control { seq } => {
                let p = self.pending_for(seq, PendingKind::Control)?;
                let frame = p.control.get(..out.len()).ok_or(EmitError::Stale)?;
                out.copy_from_slice(frame);
                Ok(out.len())
            }
        }
    }

    /// The parked work of the verdict numbered `seq`.
    fn pending_for(&self, seq: u32, kind: PendingKind) -> Result<&Pending, EmitError> {
        if seq == self.pending.seq && kind == self.pending.kind {
            Ok(&self.pending)
        } else {
            Err(EmitError::Stale)
        }
    }

    /// The earliest time [`Node::handle_timeout`] or [`Node::poll_transmit`] has work.
    pub fn poll_timeout(&self) -> Option<u64> {
        let j = self.join.deadline();
        let c = self.children.next_deadline();
        match (j, c) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Advances timers to `now_ms`: expires offers, registrations and quarantines, and moves
    /// the joiner on (refresh, retries, parent loss).
    pub fn handle_timeout(&mut self, now_ms: u64) {
        let n = self
            .children
            .expire(now_ms, self.cfg.registrar.quarantine_ms);
        if n > 0 {
            self.stats.reg_expired = self.stats.reg_expired.saturating_add(u64::from(n));
            // Expiry is stored, so a reboot does not bring dead children back.
            self.persist();
        }
        self.join_timeout(now_ms);
    }

    /// Writes the next message the joiner has due at `now_ms` into `out` (at least
    /// [`control::CONTROL_FRAME_MAX`] octets), if any. Call until it returns `None`.
    pub fn poll_transmit(&mut self, now_ms: u64, out: &mut [u8]) -> Option<Transmit> {
        let (to, msg) = self.join_due(now_ms)?;
        let n = control::write(self, &msg, out).ok()?;
        Stats::bump(&mut self.stats.join_tx);
        Some(Transmit { to, len: n })
    }

    /// Persists the node's state before an answer that depends on it leaves. On failure the
    /// change is not acknowledged (the caller reverts it) and `nvm_errors` counts it.
    pub(crate) fn persist(&mut self) -> bool {
        let own = self.own.filter(|_| self.cfg.role != NodeRole::Root);
        let join_tid = self.join.tid();
        let join_life = self.join.lifetime_min();
        let slots = self.children.iter().count();
        let len = STATE_HEAD_LEN.saturating_add(slots.saturating_mul(children::SLOT_RECORD_LEN));
        let children = &self.children;
        let r = self.store.commit_with(len, |sink| {
            let mut head = [0u8; STATE_HEAD_LEN];
            encode_head(&mut head, own, join_tid, join_life, slots);
            sink.put(&head)?;
            for (k, s) in children.iter() {
                sink.put(&children::encode_slot(k, s))?;
            }
            Ok(())
        });
        match r {
            Ok(_) => {
                Stats::bump(&mut self.stats.nvm_commits);
                true
            }
            Err(_) => {
                Stats::bump(&mut self.stats.nvm_errors);
                false
            }
        }
    }

    fn load_state(&mut self, now_ms: u64) -> Result<(), NewError> {
        let Some(l) = self.store.load().map_err(NewError::Store)? else {
            return Ok(());
        };
        if l.recovered {
            Stats::bump(&mut self.stats.nvm_recovered);
        }
        let mut head = [0u8; STATE_HEAD_LEN];
        if l.len < STATE_HEAD_LEN {
            return Err(NewError::StateFormat);
        }
        self.store
            .read_payload(0, &mut head)
            .map_err(NewError::Store)?;
        let (own, tid, life, slots) = decode_head(&head).ok_or(NewError::StateFormat)?;
        let want = STATE_HEAD_LEN
            .saturating_add(usize::from(slots).saturating_mul(children::SLOT_RECORD_LEN));
        if want != l.len {
            return Err(NewError::StateFormat);
        }
        if let Some((addr, parent)) = own
            && self.cfg.role != NodeRole::Root
            && self.own.is_none()
            && (addr.is_host() == (self.cfg.role == NodeRole::Host))
        {
            self.own = Some(Own::new(addr, Some(parent), self.cfg.prefix));
            self.join = Join::rejoin(tid, life, now_ms, self.cfg.joiner.retrans_ms);
        }
        let r = self.cfg.registrar;
        for i in 0..slots {
            let mut rec = [0u8; children::SLOT_RECORD_LEN];
            let off = STATE_HEAD_LEN
                .saturating_add(usize::from(i).saturating_mul(children::SLOT_RECORD_LEN));
            self.store
                .read_payload(off, &mut rec)
                .map_err(NewError::Store)?;
            let (k, s) = children::decode_slot(&rec, now_ms, r.offer_timeout_ms, r.quarantine_ms)
                .ok_or(NewError::StateFormat)?;
            *self.children.get_mut(k).ok_or(NewError::StateCapacity)? = s;
        }
        Ok(())
    }

    /// Binds `child` to `neighbor` without the ND exchange, registered for `lifetime_min`
    /// minutes: for planned networks, the simulator's fast start, and tests. Refuses an address
    /// that is not a direct child of this node or lies past the table's capacity. Not persisted
    /// until the next state change.
    pub fn add_static_child(
        &mut self,
        now_ms: u64,
        child: PasaAddr,
        neighbor: Neighbor,
        rovr: Rovr,
        lifetime_min: u16,
    ) -> Result<(), StaticChildError> {
        let own = self.own.ok_or(StaticChildError::NoAddress)?;
        if self.cfg.role == NodeRole::Host || child.parent() != Some(own.addr()) {
            return Err(StaticChildError::NotAChild);
        }
        let key = ChildKey::of(child, own.len).ok_or(StaticChildError::NotAChild)?;
        let slot = self
            .children
            .get_mut(key)
            .ok_or(StaticChildError::Capacity)?;
        *slot = children::Slot {
            state: Self::registered_until(now_ms, lifetime_min),
            neighbor,
            rovr,
            tid: None,
            lifetime_min,
        };
        Ok(())
    }

    /// The TAAF child address of `key` under this node.
    pub(crate) fn child_addr(&self, key: ChildKey) -> Option<PasaAddr> {
        self.own?.addr().child(key.role, key.index).ok()
    }

    /// The capacity limit of a role.
    pub(crate) fn role_limit(&self, role: ChildRole) -> usize {
        let cfg = match role {
            ChildRole::Router => self.cfg.registrar.max_routers,
            ChildRole::Host => self.cfg.registrar.max_hosts,
        };
        usize::from(cfg).min(N)
    }

    /// The role in the tree as the codec names it.
    pub(crate) fn tree_role(&self) -> Role {
        match self.cfg.role {
            NodeRole::Root => Role::Root,
            NodeRole::Router => Role::Router,
            NodeRole::Host => Role::Host,
        }
    }

    /// True for a node that hands out addresses now.
    pub(crate) fn is_registrar(&self) -> bool {
        self.cfg.role != NodeRole::Host && self.own.is_some()
    }

    /// Marks a slot registered until `now + minutes`.
    pub(crate) fn registered_until(now_ms: u64, minutes: u16) -> SlotState {
        SlotState::Registered {
            until: now_ms.saturating_add(u64::from(minutes).saturating_mul(60_000)),
        }
    }

    /// The ROVR of this node.
    pub(crate) fn rovr(&self) -> Rovr {
        self.cfg.joiner.rovr
    }
}

/// The IPv6 header of an error this node originates.
fn error_ip(src: Ipv6Addr, dst: Ipv6Addr) -> iphc::Repr {
    iphc::Repr {
        src,
        dst,
        next_header: icmpv6::NEXT_HEADER_ICMPV6,
        nhc: false,
        hop_limit: ORIGIN_HOP_LIMIT,
        traffic_class: 0,
        flow_label: 0,
    }
}

/// Fills the checksum of the ICMPv6 message `msg`.
pub(crate) fn fill_checksum(src: &Ipv6Addr, dst: &Ipv6Addr, msg: &mut [u8]) {
    let c = icmpv6::checksum(src, dst, msg);
    if let Some(f) = msg.get_mut(2..4) {
        f.copy_from_slice(&c.to_be_bytes());
    }
}

/// Writes a fixed IPv6 header for an ICMPv6 payload of `payload_len` octets.
fn write_ipv6_header(hdr: &mut [u8], src: &Ipv6Addr, dst: &Ipv6Addr, payload_len: usize) {
    let [p1, p0] = u16::try_from(payload_len).unwrap_or(u16::MAX).to_be_bytes();
    let mut fixed = [0u8; frame::IPV6_HEADER_LEN];
    let (a, rest) = fixed.split_at_mut(8);
    a.copy_from_slice(&[
        0x60,
        0,
        0,
        0,
        p1,
        p0,
        icmpv6::NEXT_HEADER_ICMPV6,
        ORIGIN_HOP_LIMIT,
    ]);
    let (s, d) = rest.split_at_mut(16);
    s.copy_from_slice(&src.octets());
    d.copy_from_slice(&dst.octets());
    if let Some(h) = hdr.get_mut(..frame::IPV6_HEADER_LEN) {
        h.copy_from_slice(&fixed);
    }
}

/// Follows an IPv6 extension-header chain from `next_header` over `payload` (at most eight
/// headers): Hop-by-Hop, Destination Options, Routing (unless `stop_at_routing`), Fragment
/// (first fragments only) and AH. Returns the first other next header and its offset, or
/// `None` when the chain cannot be followed (truncated, too long, a later fragment).
fn walk_ext(next_header: u8, payload: &[u8], stop_at_routing: bool) -> Option<(u8, usize)> {
    const HOP_BY_HOP: u8 = 0;
    const ROUTING: u8 = 43;
    const FRAGMENT: u8 = 44;
    const AH: u8 = 51;
    const DEST_OPTS: u8 = 60;
    let mut nh = next_header;
    let mut at = 0usize;
    for _ in 0..8 {
        let next = *payload.get(at)?;
        let len = usize::from(*payload.get(at.saturating_add(1))?);
        let size = match nh {
            ROUTING if stop_at_routing => return Some((nh, at)),
            HOP_BY_HOP | DEST_OPTS | ROUTING => len.saturating_add(1).saturating_mul(8),
            AH => len.saturating_add(2).saturating_mul(4),
            FRAGMENT => {
                let off = u16::from_be_bytes([
                    *payload.get(at.saturating_add(2))?,
                    *payload.get(at.saturating_add(3))?,
                ]);
                if off >> 3 != 0 {
                    return None;
                }
                8
            }
            _ => return Some((nh, at)),
        };
        nh = next;
        at = at.saturating_add(size);
    }
    None
}

/// True if a native packet from outside carries a Routing header anywhere in its chain, or
/// a chain the border cannot follow (RELIABILITY.md B33, B65).
fn has_routing_header(ipv6: &[u8]) -> bool {
    let nh = ipv6.get(6).copied().unwrap_or(0);
    let payload = ipv6.get(frame::IPV6_HEADER_LEN..).unwrap_or(&[]);
    !matches!(walk_ext(nh, payload, true), Some((n, _)) if n != 43)
}

/// Octets of the state record head: version, flags, own address (8), parent iface, parent
/// link-layer address (length + 8), joiner TID, lifetime (2), slot count (2).
const STATE_HEAD_LEN: usize = 1 + 1 + 8 + 1 + 9 + 1 + 2 + 2;
const STATE_VERSION: u8 = 1;

fn encode_head(h: &mut [u8; STATE_HEAD_LEN], own: Option<Own>, tid: u8, life: u16, slots: usize) {
    let mut w = [0u8; STATE_HEAD_LEN];
    let (addr, parent) = match own {
        Some(o) => (o.addr().value(), o.parent),
        None => (0, None),
    };
    let mut at = 0usize;
    let mut put = |b: &[u8]| {
        if let Some(d) = w.get_mut(at..at.saturating_add(b.len())) {
            d.copy_from_slice(b);
        }
        at = at.saturating_add(b.len());
    };
    put(&[STATE_VERSION, u8::from(own.is_some() && parent.is_some())]);
    put(&addr.to_be_bytes());
    let mut ll = [0u8; 9];
    if let Some(p) = parent {
        let b = p.ll.as_bytes();
        ll[0] = b.len() as u8;
        if let Some(d) = ll.get_mut(1..1usize.saturating_add(b.len())) {
            d.copy_from_slice(b);
        }
        put(&[p.iface]);
    } else {
        put(&[0]);
    }
    put(&ll);
    put(&[tid]);
    put(&life.to_be_bytes());
    put(&u16::try_from(slots).unwrap_or(u16::MAX).to_be_bytes());
    *h = w;
}

type Head = (Option<(PasaAddr, Neighbor)>, u8, u16, u16);

fn decode_head(h: &[u8; STATE_HEAD_LEN]) -> Option<Head> {
    let (&[version, flags], rest) = h.split_first_chunk::<2>()?;
    if version != STATE_VERSION {
        return None;
    }
    let (addr, rest) = rest.split_first_chunk::<8>()?;
    let (&iface, rest) = rest.split_first()?;
    let (ll, rest) = rest.split_first_chunk::<9>()?;
    let &[tid, l1, l0, s1, s0] = rest.first_chunk::<5>()?;
    let own = if flags & 1 != 0 {
        let a = PasaAddr::new(u64::from_be_bytes(*addr))?;
        let (&n, bytes) = ll.split_first()?;
        let ll = LinkAddr::new(bytes.get(..usize::from(n))?).ok()?;
        Some((a, Neighbor { iface, ll }))
    } else {
        None
    };
    Some((
        own,
        tid,
        u16::from_be_bytes([l1, l0]),
        u16::from_be_bytes([s1, s0]),
    ))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;
    use crate::store::MemStore;
    use pasa_addrcodec::Prefix64;
    use pasa_addrcodec::wire::iphc::{Context, Contexts};

    fn ll(n: u8) -> LinkAddr {
        LinkAddr::new(&[2, 0, 0, 0, 0, n]).unwrap()
    }

    fn nb(n: u8) -> Neighbor {
        Neighbor {
            iface: 0,
            ll: ll(n),
        }
    }

    /// Router 1010 under router 10, with children 10100 (router), 101011 and 10101 (hosts).
    fn router() -> Node<MemStore<2048>, 8> {
        let c = Contexts::new().with(0, Context::new(Prefix64::DOC.network(), 64).unwrap());
        let mut cfg = NodeConfig::new(
            NodeRole::Router,
            Prefix64::DOC,
            c,
            ll(0x0A),
            Rovr::new(&[1; 8]).unwrap(),
        );
        cfg.planned = Some((PasaAddr::new(0b1010).unwrap(), nb(0x02)));
        let mut n = Node::new(cfg, MemStore::new(), 0).unwrap();
        for (a, m) in [(0b10100, 0x14), (0b10101, 0x15), (0b101011, 0x2B)] {
            n.add_static_child(
                0,
                PasaAddr::new(a).unwrap(),
                nb(m),
                Rovr::new(&[m; 8]).unwrap(),
                60,
            )
            .unwrap();
        }
        n
    }

    /// `F1 | PASA-6LoRH(dst) | IPHC(src inline 8, dst elided, HL inline) | NHC UDP | "PASA"`.
    fn frame(src: u64, dst: u64, hl: u8) -> Vec<u8> {
        let mut f = std::vec![0xF1, 0x80, 0x50];
        let d = dst.to_be_bytes();
        let n = d.iter().take_while(|&&b| b == 0).count().min(7);
        f[1] |= (7 - n) as u8;
        f.extend_from_slice(&d[n..]);
        f.extend_from_slice(&[0x7C, 0x57, hl]);
        f.extend_from_slice(&src.to_be_bytes());
        f.extend_from_slice(&[0xF3, 0x12, 0x1F, 0x47, b'P', b'A', b'S', b'A']);
        f
    }

    #[test]
    fn fast_path_agrees_with_the_general_path_on_mutated_frames() {
        let mut node = router();
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let bases = [
            frame(0b1011, 0b101011, 64),
            frame(0b101011, 0b11, 64),
            frame(0b10100, 0b10101, 2),
            frame(0b1, 0b10100, 1),
        ];
        let senders = [nb(0x02), nb(0x2B), nb(0x14), nb(0x15), nb(0x77)];
        let (mut fast, mut agree) = (0, 0);
        for i in 0..200_000u32 {
            let mut f = bases[(i % 4) as usize].clone();
            // Up to three random octet changes, sometimes a truncation.
            for _ in 0..(next() % 4) {
                let at = (next() as usize) % f.len();
                f[at] = next() as u8;
            }
            if next() % 8 == 0 {
                let cut = (next() as usize) % (f.len() + 1);
                f.truncate(cut);
            }
            let rx = Rx {
                from: senders[(next() % 5) as usize],
                multicast: false,
                frame: &f,
            };
            if let Some(v) = node.fast_forward(100, &rx) {
                fast += 1;
                if node.receive_general(100, &rx) == v {
                    agree += 1;
                }
            }
        }
        assert!(fast > 10_000, "the fast path is taken ({fast})");
        assert_eq!(agree, fast);
    }

    #[test]
    fn entries_for_names_the_slots_forwarding_reads() {
        let node = router();
        let via = |f: &[u8]| node.entries_for(f).map(|e| e.map(|e| e.neighbor));
        // Down from outside the subtree: the destination's entry only.
        assert_eq!(via(&frame(0b1011, 0b101011, 64)), [Some(nb(0x2B)), None]);
        // Up from a child: the source's entry only.
        assert_eq!(via(&frame(0b101011, 0b11, 64)), [None, Some(nb(0x2B))]);
        // Between two children: both.
        assert_eq!(
            via(&frame(0b10101, 0b10100, 64)),
            [Some(nb(0x14)), Some(nb(0x15))]
        );
        // For this node itself: no entry.
        assert_eq!(via(&frame(0b1011, 0b1010, 64)), [None, None]);
        // Not the fast path's shape, or cut short: nothing.
        assert_eq!(via(&[0x41, 0x60]), [None, None]);
        assert_eq!(via(&[]), [None, None]);
        let f = frame(0b1011, 0b101011, 64);
        for cut in 0..f.len() {
            let _ = node.entries_for(&f[..cut]);
        }
    }
}
