//! The children table: which neighbour holds each child address this node handed out
//! (SPEC.md §9.2 item 10, §9.4 item 19).
//!
//! A child of `CA` is `CA ‖ 1^k ‖ t` (TAAF, draft-13 §6.1): router children end in `t = 0`,
//! hosts in `t = 1`, and `k` is the child's index. The table is two arrays indexed by `k`, so
//! finding the neighbour of the child that step 6 chose is one index computation and one load,
//! with no search. Capacity `N` per role is a const generic: the simulator runs millions of
//! nodes with small tables, a gateway uses large ones.

use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_addrcodec::{ChildRole, PasaAddr};

use crate::link::Neighbor;

/// What a slot holds. Times are the node's millisecond clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotState {
    /// Never used, or reusable.
    Free,
    /// Offered in an NA(GAAO), waiting for the NS(EARO) until the deadline.
    Offered {
        /// The offer returns to the pool at this time.
        until: u64,
    },
    /// Registered by NS(EARO): packets for this child go to the slot's neighbour.
    Registered {
        /// The registration expires at this time.
        until: u64,
    },
    /// Freed, and not reusable before the deadline (RELIABILITY.md A1, F9).
    Quarantined {
        /// Reusable from this time.
        until: u64,
    },
}

/// One child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// State and deadline.
    pub state: SlotState,
    /// The neighbour holding the address.
    pub neighbor: Neighbor,
    /// Its ownership verifier.
    pub rovr: Rovr,
    /// The TID of its last applied registration; `None` until one is applied (a new GAAO
    /// request clears it, since the requester may have lost its counter).
    pub tid: Option<u8>,
    /// Its registration lifetime, in minutes.
    pub lifetime_min: u16,
}

impl Slot {
    const FREE: Slot = Slot {
        state: SlotState::Free,
        neighbor: Neighbor {
            iface: 0,
            ll: LinkAddr::ZERO,
        },
        rovr: Rovr::ZERO,
        tid: None,
        lifetime_min: 0,
    };

    /// True if the slot holds an address (offered or registered).
    pub const fn is_held(&self) -> bool {
        matches!(
            self.state,
            SlotState::Offered { .. } | SlotState::Registered { .. }
        )
    }

    /// True if the slot can be handed out at `now`.
    pub const fn is_free_at(&self, now: u64) -> bool {
        match self.state {
            SlotState::Free => true,
            SlotState::Quarantined { until } => now >= until,
            _ => false,
        }
    }
}

/// Where a child address sits in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildKey {
    /// Router or host.
    pub role: ChildRole,
    /// Its index `k`.
    pub index: u8,
}

impl ChildKey {
    /// The key of `child` under a parent of `parent_len` bits; `None` if `child` is not a
    /// direct child shape (callers pass step 6's output, which always is).
    #[inline]
    pub const fn of(child: PasaAddr, parent_len: u8) -> Option<Self> {
        let Some(k) = child.len_bits().checked_sub(parent_len) else {
            return None;
        };
        let Some(index) = k.checked_sub(1) else {
            return None;
        };
        let role = if child.value() & 1 == 0 {
            ChildRole::Router
        } else {
            ChildRole::Host
        };
        Some(Self { role, index })
    }
}

/// The children of one node: `N` router slots and `N` host slots.
#[derive(Debug, Clone)]
pub struct ChildTable<const N: usize> {
    routers: [Slot; N],
    hosts: [Slot; N],
}

impl<const N: usize> Default for ChildTable<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> ChildTable<N> {
    /// All free.
    pub const fn new() -> Self {
        Self {
            routers: [Slot::FREE; N],
            hosts: [Slot::FREE; N],
        }
    }

    fn side(&self, role: ChildRole) -> &[Slot; N] {
        match role {
            ChildRole::Router => &self.routers,
            ChildRole::Host => &self.hosts,
        }
    }

    fn side_mut(&mut self, role: ChildRole) -> &mut [Slot; N] {
        match role {
            ChildRole::Router => &mut self.routers,
            ChildRole::Host => &mut self.hosts,
        }
    }

    /// The slot of a key, if inside the capacity.
    #[inline]
    pub fn get(&self, key: ChildKey) -> Option<&Slot> {
        self.side(key.role).get(usize::from(key.index))
    }

    /// The slot of a key, mutably.
    pub fn get_mut(&mut self, key: ChildKey) -> Option<&mut Slot> {
        self.side_mut(key.role).get_mut(usize::from(key.index))
    }

    /// The neighbour of a registered, unexpired child.
    #[inline]
    pub fn next_hop(&self, key: ChildKey, now: u64) -> Option<Neighbor> {
        match self.get(key) {
            Some(Slot {
                state: SlotState::Registered { until },
                neighbor,
                ..
            }) if now < *until => Some(*neighbor),
            _ => None,
        }
    }

    /// The held slot of `rovr` for `role`, if any.
    pub fn find_rovr(&self, role: ChildRole, rovr: &Rovr) -> Option<u8> {
        self.side(role)
            .iter()
            .position(|s| s.is_held() && s.rovr == *rovr)
            .and_then(|i| u8::try_from(i).ok())
    }

    /// True if a quarantined slot carries `rovr`: a child that lost its address with us (we
    /// were renumbered, or it expired).
    pub fn was_child(&self, rovr: &Rovr) -> bool {
        self.routers
            .iter()
            .chain(self.hosts.iter())
            .any(|s| matches!(s.state, SlotState::Quarantined { .. }) && s.rovr == *rovr)
    }

    /// Moves every held slot to quarantine until `until` (this node lost its address, so
    /// its children's addresses are gone; SPEC.md §9.4 item 22).
    pub fn quarantine_all(&mut self, until: u64) {
        for s in self.routers.iter_mut().chain(self.hosts.iter_mut()) {
            if s.is_held() {
                s.state = SlotState::Quarantined { until };
            }
        }
    }

    /// True if `neighbor` holds or held (quarantine) a slot here: a node below us.
    pub fn knows_neighbor(&self, neighbor: &Neighbor) -> bool {
        self.routers
            .iter()
            .chain(self.hosts.iter())
            .any(|s| s.state != SlotState::Free && s.neighbor == *neighbor)
    }

    /// Slots held by one neighbour (both roles).
    pub fn held_by(&self, neighbor: &Neighbor) -> usize {
        self.routers
            .iter()
            .chain(self.hosts.iter())
            .filter(|s| s.is_held() && s.neighbor == *neighbor)
            .count()
    }

    /// The lowest index of `role` free at `now`, below `limit`.
    pub fn lowest_free(&self, role: ChildRole, limit: usize, now: u64) -> Option<u8> {
        self.side(role)
            .iter()
            .take(limit)
            .position(|s| s.is_free_at(now))
            .and_then(|i| u8::try_from(i).ok())
    }

    /// Moves offers and registrations whose deadline passed to quarantine (ending at
    /// `now + quarantine_ms`), and ended quarantines to free. Returns how many offers and
    /// registrations expired.
    pub fn expire(&mut self, now: u64, quarantine_ms: u32) -> u32 {
        let mut n = 0u32;
        for s in self.routers.iter_mut().chain(self.hosts.iter_mut()) {
            match s.state {
                SlotState::Offered { until } | SlotState::Registered { until } if now >= until => {
                    s.state = SlotState::Quarantined {
                        until: now.saturating_add(u64::from(quarantine_ms)),
                    };
                    n = n.saturating_add(1);
                }
                SlotState::Quarantined { until } if now >= until => s.state = SlotState::Free,
                _ => {}
            }
        }
        n
    }

    /// The earliest deadline in the table.
    pub fn next_deadline(&self) -> Option<u64> {
        self.routers
            .iter()
            .chain(self.hosts.iter())
            .filter_map(|s| match s.state {
                SlotState::Free => None,
                SlotState::Offered { until }
                | SlotState::Registered { until }
                | SlotState::Quarantined { until } => Some(until),
            })
            .min()
    }

    /// Every slot that is not free, with its key.
    pub fn iter(&self) -> impl Iterator<Item = (ChildKey, &Slot)> {
        fn tag(role: ChildRole) -> impl Fn((usize, &Slot)) -> Option<(ChildKey, &Slot)> {
            move |(i, s)| {
                let index = u8::try_from(i).ok()?;
                (s.state != SlotState::Free).then_some((ChildKey { role, index }, s))
            }
        }
        self.routers
            .iter()
            .enumerate()
            .filter_map(tag(ChildRole::Router))
            .chain(
                self.hosts
                    .iter()
                    .enumerate()
                    .filter_map(tag(ChildRole::Host)),
            )
    }
}

/// Octets of one slot in the state record.
pub const SLOT_RECORD_LEN: usize = 1 + 1 + 1 + 1 + 1 + 8 + 1 + 32 + 1 + 2;

/// Slot states as stored (deadlines are not: a reboot restarts them from the boot time).
const ST_OFFERED: u8 = 1;
const ST_REGISTERED: u8 = 2;
const ST_QUARANTINED: u8 = 3;

/// The record of one slot: role (bit 0 host, bit 1 TID valid), index, state, iface, link-layer address (length + 8),
/// ROVR (length + 32), TID, lifetime (minutes, BE).
pub fn encode_slot(key: ChildKey, s: &Slot) -> [u8; SLOT_RECORD_LEN] {
    let mut r = [0u8; SLOT_RECORD_LEN];
    let state = match s.state {
        SlotState::Free => 0,
        SlotState::Offered { .. } => ST_OFFERED,
        SlotState::Registered { .. } => ST_REGISTERED,
        SlotState::Quarantined { .. } => ST_QUARANTINED,
    };
    let ll = s.neighbor.ll.as_bytes();
    let rovr = s.rovr.as_bytes();
    let [l1, l0] = s.lifetime_min.to_be_bytes();
    let (head, rest) = r.split_at_mut(5);
    head.copy_from_slice(&[
        u8::from(key.role == ChildRole::Host) | if s.tid.is_some() { 2 } else { 0 },
        key.index,
        state,
        s.neighbor.iface,
        u8::try_from(ll.len()).unwrap_or(0),
    ]);
    let (lla, rest) = rest.split_at_mut(8);
    if let Some(d) = lla.get_mut(..ll.len()) {
        d.copy_from_slice(ll);
    }
    let (rl, rest) = rest.split_at_mut(1);
    rl.fill(u8::try_from(rovr.len()).unwrap_or(0));
    let (rv, rest) = rest.split_at_mut(32);
    if let Some(d) = rv.get_mut(..rovr.len()) {
        d.copy_from_slice(rovr);
    }
    rest.copy_from_slice(&[s.tid.unwrap_or(0), l1, l0]);
    r
}

/// Decodes a slot record; `None` for a malformed one (a record that passed its CRC but was
/// written by a different format is skipped, never trusted). Deadlines start at `now`.
pub fn decode_slot(
    r: &[u8; SLOT_RECORD_LEN],
    now: u64,
    offer_ms: u32,
    quarantine_ms: u32,
) -> Option<(ChildKey, Slot)> {
    let (head, rest) = r.split_first_chunk::<5>()?;
    let [role, index, state, iface, ll_len] = *head;
    let (lla, rest) = rest.split_first_chunk::<8>()?;
    let (&rl, rest) = rest.split_first()?;
    let (rv, rest) = rest.split_first_chunk::<32>()?;
    let [tid, l1, l0] = *rest.first_chunk::<3>()?;
    let ll = LinkAddr::new(lla.get(..usize::from(ll_len))?).ok()?;
    let rovr = Rovr::new(rv.get(..usize::from(rl))?).ok()?;
    let lifetime_min = u16::from_be_bytes([l1, l0]);
    let tid = (role & 2 != 0).then_some(tid);
    let role = match role & !2 {
        0 => ChildRole::Router,
        1 => ChildRole::Host,
        _ => return None,
    };
    let state = match state {
        ST_OFFERED => SlotState::Offered {
            until: now.saturating_add(u64::from(offer_ms)),
        },
        ST_REGISTERED => SlotState::Registered {
            until: now.saturating_add(u64::from(lifetime_min).saturating_mul(60_000)),
        },
        ST_QUARANTINED => SlotState::Quarantined {
            until: now.saturating_add(u64::from(quarantine_ms)),
        },
        _ => return None,
    };
    Some((
        ChildKey { role, index },
        Slot {
            state,
            neighbor: Neighbor { iface, ll },
            rovr,
            tid,
            lifetime_min,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(state: SlotState, tid: Option<u8>) -> Slot {
        Slot {
            state,
            neighbor: Neighbor {
                iface: 3,
                ll: LinkAddr::new(&[2, 0, 0, 0, 0, 7]).unwrap(),
            },
            rovr: Rovr::new(&[9; 16]).unwrap(),
            tid,
            lifetime_min: 90,
        }
    }

    #[test]
    fn keys_follow_taaf() {
        let parent = PasaAddr::new(0b10).unwrap();
        let k = |c: u64| ChildKey::of(PasaAddr::new(c).unwrap(), parent.len_bits());
        assert_eq!(
            k(0b100),
            Some(ChildKey {
                role: ChildRole::Router,
                index: 0
            })
        );
        assert_eq!(
            k(0b101),
            Some(ChildKey {
                role: ChildRole::Host,
                index: 0
            })
        );
        assert_eq!(
            k(0b1010),
            Some(ChildKey {
                role: ChildRole::Router,
                index: 1
            })
        );
        assert_eq!(
            k(0b10111),
            Some(ChildKey {
                role: ChildRole::Host,
                index: 2
            })
        );
        assert_eq!(k(0b1), None);
        assert_eq!(k(0b10), None);
    }

    #[test]
    fn slot_records_round_trip_with_fresh_deadlines() {
        let key = ChildKey {
            role: ChildRole::Host,
            index: 5,
        };
        for (st, want) in [
            (
                SlotState::Offered { until: 1 },
                SlotState::Offered { until: 1_003_000 },
            ),
            (
                SlotState::Registered { until: 1 },
                SlotState::Registered {
                    until: 1_000_000 + 90 * 60_000,
                },
            ),
            (
                SlotState::Quarantined { until: 1 },
                SlotState::Quarantined { until: 1_060_000 },
            ),
        ] {
            for tid in [None, Some(0), Some(241)] {
                let r = encode_slot(key, &slot(st, tid));
                let (k, s) = decode_slot(&r, 1_000_000, 3000, 60_000).unwrap();
                assert_eq!(k, key);
                assert_eq!(
                    s,
                    Slot {
                        state: want,
                        ..slot(st, tid)
                    }
                );
            }
        }
        // Garbage is skipped, never trusted.
        let mut r = encode_slot(key, &slot(SlotState::Offered { until: 0 }, None));
        r[2] = 9;
        assert_eq!(decode_slot(&r, 0, 0, 0), None);
        let mut r = encode_slot(key, &slot(SlotState::Offered { until: 0 }, None));
        r[4] = 5; // link-layer length
        assert_eq!(decode_slot(&r, 0, 0, 0), None);
    }

    #[test]
    fn lowest_free_skips_held_and_quarantined_slots() {
        let mut t: ChildTable<4> = ChildTable::new();
        let k = |i| ChildKey {
            role: ChildRole::Router,
            index: i,
        };
        *t.get_mut(k(0)).unwrap() = slot(SlotState::Registered { until: 100 }, None);
        *t.get_mut(k(1)).unwrap() = slot(SlotState::Quarantined { until: 50 }, None);
        assert_eq!(t.lowest_free(ChildRole::Router, 4, 10), Some(2));
        assert_eq!(t.lowest_free(ChildRole::Router, 4, 50), Some(1));
        assert_eq!(t.lowest_free(ChildRole::Router, 1, 10), None);
        assert_eq!(
            t.next_hop(k(0), 99),
            Some(slot(SlotState::Free, None).neighbor)
        );
        assert_eq!(t.next_hop(k(0), 100), None);
        assert_eq!(t.expire(100, 10), 1);
        assert_eq!(
            t.get(k(0)).unwrap().state,
            SlotState::Quarantined { until: 110 }
        );
        assert_eq!(t.get(k(1)).unwrap().state, SlotState::Free);
        assert_eq!(t.next_deadline(), Some(110));
        assert_eq!(t.held_by(&slot(SlotState::Free, None).neighbor), 0);
    }
}
