//! The joiner: the child side of address assignment (SPEC.md §1.11, §1.12, §9.4 items 21-22;
//! RELIABILITY.md F1, F3, F6, F10).
//!
//! ```text
//! Soliciting --RA(6CIO B|L, M)--> Requesting --NA(GAAO ok)--> Registering --NA(EARO ok)--> Joined
//!     ^   RS, backoff                NS(GAAO), retries           NS(EARO), retries          |
//!     |                                                                     at 3/4 lifetime v
//!     +---- retries exhausted, refusal, expiry (parent lost) ------------------------ Refreshing
//! ```
//!
//! A node that boots with a stored address starts in Refreshing with the next TID: it
//! re-registers the address it had instead of asking for a new one.

use core::net::Ipv6Addr;

use pasa_addrcodec::PasaAddr;
use pasa_addrcodec::wire::nd;

use crate::config::{NodeConfig, NodeRole};
use crate::control::{ControlMsg, Options};
use crate::drops::DropReason;
use crate::link::{LinkDst, Neighbor, Rx};
use crate::node::{Node, Own, Verdict};
use crate::registrar::status;
use crate::stats::Stats;
use crate::store::Store;

/// First TID of a node without a stored one: the start of RFC 6550's lollipop.
pub const TID_START: u8 = 240;

/// The next TID in lollipop order.
pub const fn next_tid(t: u8) -> u8 {
    if t == 127 || t == 255 {
        0
    } else {
        t.wrapping_add(1)
    }
}

/// Where the joiner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinState {
    /// Nothing to do: the root, or a node with a planned address.
    Idle,
    /// Sending RSs until an RA from a PASA registrar arrives.
    Soliciting {
        /// Next RS.
        next_at: u64,
    },
    /// Asking the chosen parent with NS(GAAO).
    Requesting {
        /// The parent.
        parent: Neighbor,
        /// Transmissions so far.
        tries: u8,
        /// Next transmission.
        next_at: u64,
        /// AAF asked for.
        aaf: u8,
    },
    /// Registering the assigned address with NS(EARO).
    Registering {
        /// The parent.
        parent: Neighbor,
        /// The assigned address.
        addr: PasaAddr,
        /// Transmissions so far.
        tries: u8,
        /// Next transmission.
        next_at: u64,
    },
    /// Registered.
    Joined {
        /// When to refresh (3/4 of the lifetime).
        refresh_at: u64,
        /// When the registration runs out.
        expires_at: u64,
    },
    /// Re-registering (refresh, or after a reboot).
    Refreshing {
        /// Transmissions so far.
        tries: u8,
        /// Next transmission.
        next_at: u64,
        /// When the registration runs out.
        expires_at: u64,
    },
}

/// The joiner's state and the values that outlive a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Join {
    /// The state.
    pub state: JoinState,
    /// Wait before the next attempt after a failure (doubles up to the configured ceiling).
    pub backoff_ms: u32,
    /// TID of the current registration.
    pub tid: u8,
    /// Assignment (then registration) lifetime, minutes.
    pub lifetime_min: u16,
    /// A parent that refused us, ignored until the time given (F10).
    pub avoid: Option<(Neighbor, u64)>,
    /// An RA to all nodes is due: this router has just become a registrar.
    pub announce: bool,
}

impl Join {
    pub(crate) fn initial(cfg: &NodeConfig, has_own: bool, now_ms: u64) -> Self {
        let state = if cfg.role == NodeRole::Root || has_own {
            JoinState::Idle
        } else {
            JoinState::Soliciting { next_at: now_ms }
        };
        Self {
            state,
            backoff_ms: cfg.joiner.retrans_ms,
            tid: TID_START,
            lifetime_min: 0,
            avoid: None,
            announce: false,
        }
    }

    pub(crate) fn rejoin(tid: u8, lifetime_min: u16, now_ms: u64, retrans_ms: u32) -> Self {
        Self {
            state: JoinState::Refreshing {
                tries: 0,
                next_at: now_ms,
                expires_at: now_ms.saturating_add(u64::from(lifetime_min).saturating_mul(60_000)),
            },
            backoff_ms: retrans_ms,
            tid: next_tid(tid),
            lifetime_min,
            avoid: None,
            announce: false,
        }
    }

    pub(crate) fn tid(&self) -> u8 {
        self.tid
    }

    pub(crate) fn lifetime_min(&self) -> u16 {
        self.lifetime_min
    }

    pub(crate) fn deadline(&self) -> Option<u64> {
        match self.state {
            JoinState::Idle => None,
            JoinState::Soliciting { next_at }
            | JoinState::Requesting { next_at, .. }
            | JoinState::Registering { next_at, .. } => Some(next_at),
            JoinState::Joined { refresh_at, .. } => Some(refresh_at),
            JoinState::Refreshing { next_at, .. } => Some(next_at),
        }
    }
}

impl<S: Store, const N: usize> Node<S, N> {
    /// The joiner's state.
    pub fn join_state(&self) -> JoinState {
        self.join.state
    }

    /// A join step failed: wait (exponential back-off) and start again from the RS.
    fn join_fail(&mut self, now_ms: u64) {
        Stats::bump(&mut self.stats.join_failures);
        let wait = self.join.backoff_ms;
        self.join.backoff_ms = wait.saturating_mul(2).min(self.cfg.joiner.max_backoff_ms);
        self.join.state = JoinState::Soliciting {
            next_at: now_ms.saturating_add(u64::from(wait)),
        };
    }

    /// The address (and so the subtree) is gone: parent lost or registration refused.
    fn lose_address(&mut self, now_ms: u64) {
        self.own = None;
        // Our children's addresses extended ours: they are gone too. Their slots wait in
        // quarantine, and their next registration is answered with status 12.
        let until = now_ms.saturating_add(u64::from(self.cfg.registrar.quarantine_ms));
        self.children.quarantine_all(until);
        self.join_fail(now_ms);
        // Forget the stored address too, so a reboot does not try to re-register it.
        self.persist();
    }

    fn registration_min(&self) -> u16 {
        self.cfg
            .joiner
            .registration_min
            .min(self.join.lifetime_min)
            .max(1)
    }

    pub(crate) fn join_timeout(&mut self, now_ms: u64) {
        if let JoinState::Joined {
            refresh_at,
            expires_at,
        } = self.join.state
        {
            if now_ms >= expires_at {
                self.lose_address(now_ms);
            } else if now_ms >= refresh_at {
                self.join.tid = next_tid(self.join.tid);
                self.join.state = JoinState::Refreshing {
                    tries: 0,
                    next_at: now_ms,
                    expires_at,
                };
            }
        }
    }

    /// The joiner's message due at `now_ms`, if any.
    pub(crate) fn join_due(&mut self, now_ms: u64) -> Option<(LinkDst, ControlMsg)> {
        self.join_timeout(now_ms);
        if self.join.announce {
            self.join.announce = false;
            return Some((
                LinkDst::Multicast {
                    iface: self.cfg.uplink,
                },
                ControlMsg::Ra { peer: None },
            ));
        }
        let retrans = u64::from(self.cfg.joiner.retrans_ms);
        let max = self.cfg.joiner.max_retries;
        match self.join.state {
            JoinState::Soliciting { next_at } if now_ms >= next_at => {
                let wait = self.join.backoff_ms;
                self.join.backoff_ms = wait.saturating_mul(2).min(self.cfg.joiner.max_backoff_ms);
                self.join.state = JoinState::Soliciting {
                    next_at: now_ms.saturating_add(u64::from(wait)),
                };
                Some((
                    LinkDst::Multicast {
                        iface: self.cfg.uplink,
                    },
                    ControlMsg::Rs,
                ))
            }
            JoinState::Requesting {
                parent,
                tries,
                next_at,
                aaf,
            } if now_ms >= next_at => {
                if tries >= max {
                    self.join_fail(now_ms);
                    return None;
                }
                self.join.state = JoinState::Requesting {
                    parent,
                    tries: tries.saturating_add(1),
                    next_at: now_ms.saturating_add(retrans),
                    aaf,
                };
                let aaf = nd::Aaf::try_new(aaf).ok()?;
                Some((
                    LinkDst::Neighbor(parent),
                    ControlMsg::NsGaao {
                        peer: parent.ll,
                        aaf,
                    },
                ))
            }
            JoinState::Registering {
                parent,
                addr,
                tries,
                next_at,
            } if now_ms >= next_at => {
                if tries >= max {
                    self.join_fail(now_ms);
                    return None;
                }
                self.join.state = JoinState::Registering {
                    parent,
                    addr,
                    tries: tries.saturating_add(1),
                    next_at: now_ms.saturating_add(retrans),
                };
                Some((LinkDst::Neighbor(parent), self.ns_earo(parent, addr)))
            }
            JoinState::Refreshing {
                tries,
                next_at,
                expires_at,
            } if now_ms >= next_at => {
                let own = self.own?;
                let parent = own.parent?;
                if tries >= max {
                    // The parent does not answer: it is lost (F3).
                    self.lose_address(now_ms);
                    return None;
                }
                self.join.state = JoinState::Refreshing {
                    tries: tries.saturating_add(1),
                    next_at: now_ms.saturating_add(retrans),
                    expires_at,
                };
                Some((LinkDst::Neighbor(parent), self.ns_earo(parent, own.addr())))
            }
            _ => None,
        }
    }

    fn ns_earo(&self, parent: Neighbor, addr: PasaAddr) -> ControlMsg {
        ControlMsg::NsEaro {
            peer: parent.ll,
            target: addr.to_ipv6(self.cfg.prefix),
            tid: self.join.tid,
            lifetime_min: self.registration_min(),
        }
    }

    /// RA: a soliciting node takes the first PASA registrar that answers (SPEC.md §1.11).
    pub(crate) fn on_ra(&mut self, now_ms: u64, rx: &Rx<'_>, opts: &Options) -> Verdict {
        let JoinState::Soliciting { .. } = self.join.state else {
            // Once assigned, the parent is the default router; other RAs are ignored
            // (SPEC.md §1.11). Routers announce themselves, so this is normal traffic.
            Stats::bump(&mut self.stats.nd_ignored);
            return Self::consumed();
        };
        if let Some((n, until)) = self.join.avoid
            && n == rx.from
            && now_ms < until
        {
            return self.drop(DropReason::NdUnexpected);
        }
        // Never a parent from our own (former) subtree: after losing our address, a child
        // that still holds its old one would otherwise become our parent, a loop in the tree.
        if self.children.knows_neighbor(&rx.from) {
            return self.drop(DropReason::NdUnexpected);
        }
        let Some(cio) = opts
            .cio
            .filter(|c| (c.b() || c.l()) && c.m(self.cfg.registrar.m_mask))
        else {
            return self.drop(DropReason::NdUnexpected);
        };
        let _ = cio;
        let parent = Neighbor {
            iface: rx.from.iface,
            ll: opts.sllao.unwrap_or(rx.from.ll),
        };
        self.join.state = JoinState::Requesting {
            parent,
            tries: 0,
            next_at: now_ms,
            aaf: self.cfg.registrar.aaf,
        };
        Self::consumed()
    }

    /// NA: the answer to our NS(GAAO) or NS(EARO).
    pub(crate) fn on_na(&mut self, now_ms: u64, rx: &Rx<'_>, opts: &Options) -> Verdict {
        let rovr = self.rovr();
        match self.join.state {
            JoinState::Requesting { parent, aaf, .. }
                if parent.iface == rx.from.iface && parent.ll == rx.from.ll =>
            {
                let Some(g) = opts.gaao.filter(|g| g.rovr == rovr) else {
                    return self.drop(DropReason::NdUnexpected);
                };
                match g.status {
                    status::SUCCESS => {
                        let ok = g.address.and_then(|a| {
                            let addr =
                                PasaAddr::from_ipv6(Ipv6Addr::from(a.bytes), self.cfg.prefix)
                                    .ok()?;
                            let role_ok = match self.cfg.role {
                                NodeRole::Router => !addr.is_host() && !addr.is_root(),
                                _ => addr.is_host(),
                            };
                            (a.pfx_len.value() == 64 && role_ok).then_some(addr)
                        });
                        let Some(addr) = ok else {
                            // An assignment we cannot use (A8): start again.
                            self.join_fail(now_ms);
                            return Self::consumed();
                        };
                        self.join.lifetime_min = g.assignment_lifetime_min;
                        self.join.state = JoinState::Registering {
                            parent,
                            addr,
                            tries: 0,
                            next_at: now_ms,
                        };
                    }
                    nd::STATUS_AAF_NOT_USED if aaf != 0 => {
                        self.join.state = JoinState::Requesting {
                            parent,
                            tries: 0,
                            next_at: now_ms,
                            aaf: 0,
                        };
                    }
                    _ => {
                        // Refused (full, saturated, topology): try someone else for a while.
                        let hold = u64::from(self.cfg.joiner.max_backoff_ms);
                        self.join.avoid = Some((parent, now_ms.saturating_add(hold)));
                        self.join_fail(now_ms);
                    }
                }
                Self::consumed()
            }
            JoinState::Registering { parent, addr, .. }
                if parent.iface == rx.from.iface && parent.ll == rx.from.ll =>
            {
                let Some(e) = opts.earo.filter(|e| e.rovr == rovr) else {
                    return self.drop(DropReason::NdUnexpected);
                };
                if e.status != status::SUCCESS || e.lifetime_60s == 0 {
                    self.join_fail(now_ms);
                    return Self::consumed();
                }
                self.own = Some(Own::new(addr, Some(parent), self.cfg.prefix));
                self.joined(now_ms, e.lifetime_60s);
                Self::consumed()
            }
            JoinState::Refreshing { .. } if self.own.and_then(|o| o.parent) == Some(rx.from) => {
                let Some(e) = opts.earo.filter(|e| e.rovr == rovr) else {
                    return self.drop(DropReason::NdUnexpected);
                };
                match e.status {
                    status::SUCCESS if e.lifetime_60s > 0 => self.joined(now_ms, e.lifetime_60s),
                    // Ask again for an address at the same parent (GAAO §5.2).
                    status::REFRESH | status::INVALID => {
                        let parent = rx.from;
                        self.own = None;
                        self.join.state = JoinState::Requesting {
                            parent,
                            tries: 0,
                            next_at: now_ms,
                            aaf: self.cfg.registrar.aaf,
                        };
                    }
                    _ => self.lose_address(now_ms),
                }
                Self::consumed()
            }
            _ => self.drop(DropReason::NdUnexpected),
        }
    }

    /// Registration confirmed for `minutes`: refresh at 3/4 of it, persist.
    fn joined(&mut self, now_ms: u64, minutes: u16) {
        let life = u64::from(minutes).saturating_mul(60_000);
        // A router that has just got (or got back) its address tells its link, so children
        // waiting out an RS back-off start now (RFC 4861 §6.2.4 initial advertisements).
        if self.cfg.role != NodeRole::Host
            && !matches!(
                self.join.state,
                JoinState::Joined { .. } | JoinState::Refreshing { .. }
            )
        {
            self.join.announce = true;
        }
        self.join.lifetime_min = self.join.lifetime_min.max(minutes);
        self.join.backoff_ms = self.cfg.joiner.retrans_ms;
        self.join.state = JoinState::Joined {
            refresh_at: now_ms.saturating_add((life >> 2).saturating_mul(3)),
            expires_at: now_ms.saturating_add(life),
        };
        Stats::bump(&mut self.stats.joined);
        self.persist();
    }
}
