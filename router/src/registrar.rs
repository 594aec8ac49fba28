//! The registrar: the parent side of address assignment (SPEC.md §1.11, §2.3, §9.4;
//! RELIABILITY.md A1, A2, A8, B53-B57, B60, F6, F7, F9).
//!
//! NS(GAAO) gets an offer: the lowest free TAAF index of the requested role (6CIO L bit), or
//! the index the same ROVR already holds, so lost answers do no harm. The offer is persisted
//! before the NA(GAAO) leaves and returns to the pool if no NS(EARO) registers it within the
//! offer timeout. NS(EARO) registers, refreshes (TID lollipop order) or de-registers (lifetime
//! 0, matching ROVR only); registration fills the children table that forwarding reads.

use core::net::Ipv6Addr;

use pasa_addrcodec::ChildRole;
use pasa_addrcodec::PasaAddr;
use pasa_addrcodec::wire::nd::{self, EaroRepr, GaaoAddress, GaaoRepr, PfxLen};

use crate::children::{self, ChildKey, Slot, SlotState};
use crate::control::{ControlMsg, Options};
use crate::drops::DropReason;
use crate::link::{LinkDst, Neighbor, Rx};
use crate::node::Node;
use crate::stats::Stats;
use crate::store::Store;

/// RFC 8505 status values the registrar sends (SPEC.md §2.4).
pub mod status {
    /// Success.
    pub const SUCCESS: u8 = 0;
    /// Duplicate Address: the address is bound to another ROVR.
    pub const DUPLICATE: u8 = 1;
    /// Neighbor Cache Full: no index is free.
    pub const CACHE_FULL: u8 = 2;
    /// Registered Address Topologically Incorrect: not a child of this node.
    pub const TOPOLOGY: u8 = 8;
    /// 6LBR Registry Saturated: the neighbour holds its cap of assignments.
    pub const SATURATED: u8 = 9;
    /// Registration Refresh Request (RFC 9010).
    pub const REFRESH: u8 = 11;
    /// Invalid Registration (RFC 9010).
    pub const INVALID: u8 = 12;
}

/// Window of the RFC 6550 §7.2 lollipop comparison.
const SEQUENCE_WINDOW: u8 = 16;

/// True if TID `a` is newer than `b` (RFC 6550 §7.2, as RFC 8505 §5.2 requires): 128-255 is
/// the linear start, 0-127 the circular part; values too far apart to compare count as newer,
/// so a node that lost its TID can register again.
pub fn tid_newer(a: u8, b: u8) -> bool {
    if a == b {
        return false;
    }
    match (a >= 128, b >= 128) {
        (true, false) => b.wrapping_sub(a) > SEQUENCE_WINDOW,
        (false, true) => a.wrapping_sub(b) <= SEQUENCE_WINDOW,
        (true, true) => a.abs_diff(b) > SEQUENCE_WINDOW || a > b,
        // Distance modulo 128; within the window behind b means older.
        (false, false) => (a.wrapping_sub(b) & 0x7F) < 128 - SEQUENCE_WINDOW,
    }
}

impl<S: Store, const N: usize> Node<S, N> {
    /// RS: answer with a unicast RA when this node assigns addresses.
    pub(crate) fn on_rs(
        &mut self,
        now_ms: u64,
        rx: &Rx<'_>,
        opts: &Options,
    ) -> crate::node::Verdict {
        if !self.is_registrar() {
            // Hosts and routers without an address hear RSs on a shared link and ignore them
            // (RFC 4861 §6.1.1).
            Stats::bump(&mut self.stats.nd_ignored);
            return Self::consumed();
        }
        // A registrar with no index left for the asking role stays silent, so joiners pick
        // another parent instead of being refused over and over (F10).
        let role = match opts.cio {
            Some(c) if c.l() || c.b() => ChildRole::Router,
            _ => ChildRole::Host,
        };
        let limit = self.role_limit(role);
        let room = self.children.lowest_free(role, limit, now_ms).is_some()
            && self.children.held_by(&rx.from) < usize::from(self.cfg.registrar.per_link_cap);
        if !room {
            Stats::bump(&mut self.stats.ra_withheld);
            return Self::consumed();
        }
        let peer = rx.from.ll;
        self.send_control(
            LinkDst::Neighbor(rx.from),
            ControlMsg::Ra { peer: Some(peer) },
        )
    }

    /// NS: GAAO request or EARO registration.
    pub(crate) fn on_ns(
        &mut self,
        now_ms: u64,
        rx: &Rx<'_>,
        target: Ipv6Addr,
        opts: &Options,
    ) -> crate::node::Verdict {
        if !self.is_registrar() {
            return self.drop(DropReason::NdUnexpected);
        }
        let neighbor = rx.from;
        match (opts.gaao, opts.earo) {
            (Some(g), _) => self.on_gaao(now_ms, neighbor, target, &g, opts),
            (None, Some(e)) => self.on_earo(now_ms, neighbor, target, &e),
            (None, None) => self.drop(DropReason::NdUnexpected),
        }
    }

    fn na_gaao(
        &mut self,
        to: Neighbor,
        target: Ipv6Addr,
        req: &GaaoRepr,
        status: u8,
        answer: Option<(PasaAddr, u16)>,
    ) -> crate::node::Verdict {
        let aaf = nd::Aaf::try_new(self.cfg.registrar.aaf).unwrap_or(req.aaf);
        let gaao = GaaoRepr {
            status,
            opaque: req.opaque,
            r: answer.is_some(),
            c: req.c,
            aaf,
            assignment_lifetime_min: answer.map_or(0, |(_, l)| l),
            rovr: req.rovr,
            address: answer.and_then(|(a, _)| {
                Some(GaaoAddress {
                    pfx_len: PfxLen::try_new(64).ok()?,
                    bytes: a.to_ipv6(self.cfg.prefix).octets(),
                })
            }),
        };
        self.send_control(
            LinkDst::Neighbor(to),
            ControlMsg::NaGaao {
                peer: to.ll,
                target,
                gaao,
            },
        )
    }

    fn on_gaao(
        &mut self,
        now_ms: u64,
        from: Neighbor,
        target: Ipv6Addr,
        req: &GaaoRepr,
        opts: &Options,
    ) -> crate::node::Verdict {
        let r = self.cfg.registrar;
        // AAF: 0 (no preference) or ours; anything else is "AAF Not Used" (GAAO §5.3).
        if req.aaf.value() != 0 && req.aaf.value() != r.aaf {
            return self.na_gaao(from, target, req, nd::STATUS_AAF_NOT_USED, None);
        }
        // An NS naming a prefix must name ours (B57).
        if let Some(a) = req.address
            && a.bytes.get(..8) != Some(&self.cfg.prefix.network().octets()[..8])
        {
            Stats::bump(&mut self.stats.reg_topology);
            return self.na_gaao(from, target, req, status::TOPOLOGY, None);
        }
        let role = match opts.cio {
            Some(c) if c.l() || c.b() => ChildRole::Router,
            _ => ChildRole::Host,
        };
        let lifetime = match req.assignment_lifetime_min {
            0 => r.lifetime_min,
            w => w.min(r.lifetime_min),
        };
        // The same ROVR gets the same index (SPEC.md §9.4 item 19).
        let existing = self.children.find_rovr(role, &req.rovr);
        let index = match existing {
            Some(i) => i,
            None => {
                if self.children.held_by(&from) >= usize::from(r.per_link_cap) {
                    Stats::bump(&mut self.stats.reg_refused_cap);
                    return self.na_gaao(from, target, req, status::SATURATED, None);
                }
                let limit = self.role_limit(role);
                match self.children.lowest_free(role, limit, now_ms) {
                    Some(i) => i,
                    None => {
                        Stats::bump(&mut self.stats.reg_refused_full);
                        return self.na_gaao(from, target, req, status::CACHE_FULL, None);
                    }
                }
            }
        };
        let key = ChildKey { role, index };
        // The 64-bit limit (SPEC.md §9.1 item 8): a child that would not fit is "full".
        let Some(addr) = self.child_addr(key) else {
            Stats::bump(&mut self.stats.reg_refused_full);
            return self.na_gaao(from, target, req, status::CACHE_FULL, None);
        };
        let Some(slot) = self.children.get_mut(key) else {
            return self.drop(DropReason::NdUnexpected);
        };
        let before = *slot;
        let state = match before.state {
            // Already registered (a repeated request after a lost NA): keep it.
            SlotState::Registered { until } if existing.is_some() => {
                SlotState::Registered { until }
            }
            _ => SlotState::Offered {
                until: now_ms.saturating_add(u64::from(r.offer_timeout_ms)),
            },
        };
        *slot = if existing.is_some() && before.neighbor != from {
            // The ROVR is known but asks from another neighbour: answer with its address, but
            // only a TID-checked NS(EARO) may move the binding (RELIABILITY.md A2).
            Slot { state, ..before }
        } else {
            Slot {
                state,
                neighbor: from,
                rovr: req.rovr,
                // A new request from the holder restarts the TID order: it may have rebooted
                // without its counter (F6).
                tid: None,
                lifetime_min: lifetime,
            }
        };
        // Persist before the answer leaves (draft-13 §6.1); without it, no answer.
        // Deadlines are not stored, so only a change of what is stored needs a commit.
        let changed = children::encode_slot(key, &before) != children::encode_slot(key, slot);
        if changed && !self.persist() {
            if let Some(s) = self.children.get_mut(key) {
                *s = before;
            }
            return self.drop(DropReason::NvmCommit);
        }
        Stats::bump(&mut self.stats.reg_offered);
        self.na_gaao(from, target, req, status::SUCCESS, Some((addr, lifetime)))
    }

    fn na_earo(
        &mut self,
        to: Neighbor,
        target: Ipv6Addr,
        req: &EaroRepr,
        status: u8,
        lifetime_min: u16,
    ) -> crate::node::Verdict {
        let earo = EaroRepr {
            status,
            lifetime_60s: lifetime_min,
            ..*req
        };
        self.send_control(
            LinkDst::Neighbor(to),
            ControlMsg::NaEaro {
                peer: to.ll,
                target,
                earo,
            },
        )
    }

    fn on_earo(
        &mut self,
        now_ms: u64,
        from: Neighbor,
        target: Ipv6Addr,
        req: &EaroRepr,
    ) -> crate::node::Verdict {
        let r = self.cfg.registrar;
        // Only a direct child of this node can register here (B57, A8).
        let key = PasaAddr::from_ipv6(target, self.cfg.prefix)
            .ok()
            .and_then(|a| {
                let own = self.own?;
                (a.parent() == Some(own.addr()))
                    .then(|| ChildKey::of(a, own.len))
                    .flatten()
            });
        let Some(key) = key.filter(|k| usize::from(k.index) < self.role_limit(k.role)) else {
            // A former child still registering an address of our old place in the tree (we
            // were renumbered): status 12 makes it ask for a new one (SPEC.md §9.4 item 22).
            if self.children.was_child(&req.rovr) {
                return self.na_earo(from, target, req, status::INVALID, 0);
            }
            Stats::bump(&mut self.stats.reg_topology);
            return self.na_earo(from, target, req, status::TOPOLOGY, 0);
        };
        let Some(slot) = self.children.get(key).copied() else {
            return self.na_earo(from, target, req, status::TOPOLOGY, 0);
        };
        let same = slot.rovr == req.rovr;
        // De-registration (B56): only by the owner; anything else is ignored.
        if req.lifetime_60s == 0 {
            if slot.is_held() && same {
                let q = SlotState::Quarantined {
                    until: now_ms.saturating_add(u64::from(r.quarantine_ms)),
                };
                if let Some(s) = self.children.get_mut(key) {
                    s.state = q;
                }
                if !self.persist() {
                    if let Some(s) = self.children.get_mut(key) {
                        *s = slot;
                    }
                    return self.drop(DropReason::NvmCommit);
                }
                Stats::bump(&mut self.stats.reg_deregistered);
                return self.na_earo(from, target, req, status::SUCCESS, 0);
            }
            return Self::consumed();
        }
        let usable = match slot.state {
            SlotState::Free => true,
            SlotState::Quarantined { .. } => same,
            SlotState::Offered { .. } | SlotState::Registered { .. } => same,
        };
        if !usable {
            // Another ROVR holds it (or just held it): the binding is untouched (B55, F7).
            Stats::bump(&mut self.stats.reg_duplicate);
            return self.na_earo(from, target, req, status::DUPLICATE, 0);
        }
        // Replay protection (B54, A2). The same TID again from the same neighbour is a
        // retransmission whose answer was lost: answer again, change nothing.
        if let (SlotState::Registered { .. }, Some(old)) = (slot.state, slot.tid) {
            if old == req.tid && slot.neighbor == from {
                return self.na_earo(from, target, req, status::SUCCESS, slot.lifetime_min);
            }
            if !tid_newer(req.tid, old) {
                return self.drop(DropReason::RegStale);
            }
        }
        // A new binding (not a refresh) counts against the neighbour's cap (B60).
        if slot.state == SlotState::Free
            && self.children.held_by(&from) >= usize::from(r.per_link_cap)
        {
            Stats::bump(&mut self.stats.reg_refused_cap);
            return self.na_earo(from, target, req, status::SATURATED, 0);
        }
        let granted = req
            .lifetime_60s
            .min(if slot.is_held() && slot.lifetime_min > 0 {
                slot.lifetime_min
            } else {
                r.lifetime_min
            });
        let new = Slot {
            state: Self::registered_until(now_ms, granted),
            neighbor: from,
            rovr: req.rovr,
            tid: Some(req.tid),
            lifetime_min: granted,
        };
        // Deadlines are not stored; state, neighbour, TID and lifetime are.
        let needs_commit = children::encode_slot(key, &slot) != children::encode_slot(key, &new);
        if let Some(s) = self.children.get_mut(key) {
            *s = new;
        }
        if needs_commit && !self.persist() {
            if let Some(s) = self.children.get_mut(key) {
                *s = slot;
            }
            return self.drop(DropReason::NvmCommit);
        }
        Stats::bump(&mut self.stats.reg_registered);
        self.na_earo(from, target, req, status::SUCCESS, granted)
    }
}
