//! Crash-safe state records (issue "The router core", item 7; RELIABILITY.md F2).
//!
//! A node keeps its assignment state (own address, parent, ROVR, the children it handed out)
//! in non-volatile memory, and the draft requires the allocation counters to be persisted
//! before an answer leaves (draft-13 §6.1). Power may fail in the middle of any write.
//! [`RecordStore`] survives that with two slots written alternately, each record carrying a
//! sequence number and a CRC:
//!
//! ```text
//!  slot:  | magic "PS" (2) | seq (4, BE) | len (2, BE) | payload (len) | CRC-32 (4, BE) |
//!                            CRC-32/ISO-HDLC over magic, seq, len and payload
//! ```
//!
//! A commit writes the slot that does not hold the newest valid record, so the newest valid
//! record is never overwritten; a torn write leaves a record whose CRC fails, and loading then
//! falls back to the other slot. Sequence numbers compare with wrap-around (RFC 1982 style), so
//! they never run out.
//!
//! Records are streamed: a commit writes the slot in pieces from offset 0 upward, and loading
//! checks the CRC in small chunks, so neither side needs a RAM copy of the whole record (a
//! node's children table is larger than a frame buffer). The storage itself is the caller's,
//! behind [`Store`]: a flash page pair on the firmware, a file pair (write, fsync) in the Linux
//! process, memory in the simulator ([`MemStore`]).

use core::fmt;

/// Magic octets at the start of every record.
pub const MAGIC: [u8; 2] = *b"PS";

/// Octets a record adds around its payload: magic, sequence, length, CRC.
pub const OVERHEAD: usize = 2 + 4 + 2 + 4;

/// Octets before the payload.
const HEAD_LEN: usize = 8;

/// Octets read at a time while checking a record.
const CHUNK: usize = 64;

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Non-volatile storage with two slots of equal size. A write may stop after any prefix of its
/// octets (power loss); reads return what was last written, torn or not.
///
/// A commit calls [`Store::write`] on one slot with increasing offsets starting at 0 (an
/// implementation may erase the slot when offset 0 is written), then [`Store::sync`].
pub trait Store {
    /// Octets each slot holds.
    fn slot_len(&self) -> usize;
    /// Reads `buf.len()` octets of `slot` (0 or 1) starting at `offset`.
    fn read(&self, slot: u8, offset: usize, buf: &mut [u8]) -> Result<(), StoreError>;
    /// Writes `data` into `slot` (0 or 1) at `offset`.
    fn write(&mut self, slot: u8, offset: usize, data: &[u8]) -> Result<(), StoreError>;
    /// Makes the writes of a commit durable (fsync on a file); the default does nothing.
    fn sync(&mut self, slot: u8) -> Result<(), StoreError> {
        let _ = slot;
        Ok(())
    }
}

/// Where `len` octets at `offset` of `slot` lie in one image that holds the two slots of
/// `slot_len` octets back to back (a state file, two flash pages); [`StoreError::Range`] for a
/// slot other than 0 or 1, or an access past the end of the slot.
pub fn image_range(
    slot_len: usize,
    slot: u8,
    offset: usize,
    len: usize,
) -> Result<core::ops::Range<usize>, StoreError> {
    let end = offset.checked_add(len).filter(|&end| end <= slot_len);
    let base = match slot {
        0 => Some(0),
        1 => Some(slot_len),
        _ => None,
    };
    match (base, end) {
        (Some(base), Some(end)) => Ok(base.saturating_add(offset)..base.saturating_add(end)),
        _ => Err(StoreError::Range { offset, len }),
    }
}

/// Why a store operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The payload does not fit a slot (with the record overhead) or the caller's buffer.
    TooLarge {
        /// Octets needed.
        needed: usize,
        /// Octets available.
        available: usize,
    },
    /// A commit wrote a different number of payload octets than it announced.
    Length {
        /// Octets announced.
        announced: usize,
        /// Octets written.
        written: usize,
    },
    /// An access outside a slot.
    Range {
        /// Offset of the access.
        offset: usize,
        /// Its length.
        len: usize,
    },
    /// The storage failed (its own error, reduced to a code by the implementation).
    Io(u16),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { needed, available } => {
                write!(f, "record needs {needed} octets, {available} available")
            }
            Self::Length { announced, written } => {
                write!(f, "record announced {announced} octets but wrote {written}")
            }
            Self::Range { offset, len } => {
                write!(f, "{len} octets at offset {offset} are outside the slot")
            }
            Self::Io(code) => write!(f, "storage error {code}"),
        }
    }
}

impl core::error::Error for StoreError {}

/// What [`RecordStore::load`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// Sequence number of the record.
    pub seq: u32,
    /// Payload length; read it with [`RecordStore::read_payload`].
    pub len: usize,
    /// True when the other slot held a damaged record (a torn write was recovered from); the
    /// caller counts it (`nvm_recovered`).
    pub recovered: bool,
}

/// Two-slot, sequence-numbered, CRC-checked records over a [`Store`].
#[derive(Debug, Clone)]
pub struct RecordStore<S: Store> {
    store: S,
    /// Slot, sequence and payload length of the newest valid record, once known.
    newest: Option<(u8, u32, usize)>,
}

/// True if sequence `a` is newer than `b` (serial-number arithmetic: half the space ahead).
const fn newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

/// Where a commit writes its payload: each [`Sink::put`] goes on at the next offset and feeds
/// the CRC.
pub struct Sink<'a, S: Store> {
    store: &'a mut S,
    slot: u8,
    offset: usize,
    end: usize,
    digest: crc::Digest<'static, u32>,
}

impl<S: Store> Sink<'_, S> {
    /// Appends `data` to the payload.
    pub fn put(&mut self, data: &[u8]) -> Result<(), StoreError> {
        let next = self.offset.saturating_add(data.len());
        if next > self.end {
            return Err(StoreError::Range {
                offset: self.offset,
                len: data.len(),
            });
        }
        self.store.write(self.slot, self.offset, data)?;
        self.digest.update(data);
        self.offset = next;
        Ok(())
    }
}

impl<S: Store> RecordStore<S> {
    /// Wraps a store; call [`RecordStore::load`] before the first commit.
    pub const fn new(store: S) -> Self {
        Self {
            store,
            newest: None,
        }
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The underlying store, mutably (tests inject faults through it).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Consumes the record store and returns the underlying store.
    pub fn into_store(self) -> S {
        self.store
    }

    /// Checks one slot; returns (seq, payload length) if it holds a valid record.
    fn check_slot(&self, slot: u8) -> Result<Option<(u32, usize)>, StoreError> {
        let mut head = [0u8; HEAD_LEN];
        if self.store.slot_len() < OVERHEAD {
            return Ok(None);
        }
        self.store.read(slot, 0, &mut head)?;
        let [m0, m1, s0, s1, s2, s3, l0, l1] = head;
        if [m0, m1] != MAGIC {
            return Ok(None);
        }
        let seq = u32::from_be_bytes([s0, s1, s2, s3]);
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        if len.saturating_add(OVERHEAD) > self.store.slot_len() {
            return Ok(None);
        }
        let mut digest = CRC.digest();
        digest.update(&head);
        let mut chunk = [0u8; CHUNK];
        let mut at = 0usize;
        while at < len {
            let n = (len.saturating_sub(at)).min(CHUNK);
            let buf = chunk.get_mut(..n).unwrap_or(&mut []);
            self.store.read(slot, HEAD_LEN.saturating_add(at), buf)?;
            digest.update(buf);
            at = at.saturating_add(n);
        }
        let mut stored = [0u8; 4];
        self.store
            .read(slot, HEAD_LEN.saturating_add(len), &mut stored)?;
        if digest.finalize() != u32::from_be_bytes(stored) {
            return Ok(None);
        }
        Ok(Some((seq, len)))
    }

    /// Finds the newest valid record. `Ok(None)` when neither slot holds one (first boot, or
    /// both damaged). Read its payload with [`RecordStore::read_payload`].
    pub fn load(&mut self) -> Result<Option<Loaded>, StoreError> {
        let a = self.check_slot(0)?;
        let b = self.check_slot(1)?;
        let pick = match (a, b) {
            (Some(x), Some(y)) => Some(if newer(y.0, x.0) { (1, y) } else { (0, x) }),
            (Some(x), None) => Some((0, x)),
            (None, Some(y)) => Some((1, y)),
            (None, None) => None,
        };
        let Some((slot, (seq, len))) = pick else {
            self.newest = None;
            return Ok(None);
        };
        self.newest = Some((slot, seq, len));
        Ok(Some(Loaded {
            seq,
            len,
            recovered: a.is_none() != b.is_none(),
        }))
    }

    /// Reads `buf.len()` octets of the newest record's payload from `offset`.
    pub fn read_payload(&self, offset: usize, buf: &mut [u8]) -> Result<(), StoreError> {
        let Some((slot, _, len)) = self.newest else {
            return Err(StoreError::Range {
                offset,
                len: buf.len(),
            });
        };
        if offset.saturating_add(buf.len()) > len {
            return Err(StoreError::Range {
                offset,
                len: buf.len(),
            });
        }
        self.store.read(slot, HEAD_LEN.saturating_add(offset), buf)
    }

    /// Commits a record of `len` payload octets that `fill` writes through the [`Sink`].
    /// Returns its sequence number. The newest valid record is never overwritten, so a power
    /// loss during this call leaves either the old or the new record readable.
    pub fn commit_with<F>(&mut self, len: usize, fill: F) -> Result<u32, StoreError>
    where
        F: FnOnce(&mut Sink<'_, S>) -> Result<(), StoreError>,
    {
        let total = len.saturating_add(OVERHEAD);
        let available = self.store.slot_len();
        let len16 = u16::try_from(len).ok();
        let (Some(len16), true) = (len16, total <= available) else {
            return Err(StoreError::TooLarge {
                needed: total,
                available,
            });
        };
        let (slot, seq) = match self.newest {
            Some((s, q, _)) => (s ^ 1, q.wrapping_add(1)),
            None => (0, 1),
        };
        let [s0, s1, s2, s3] = seq.to_be_bytes();
        let [l0, l1] = len16.to_be_bytes();
        let head = [MAGIC[0], MAGIC[1], s0, s1, s2, s3, l0, l1];
        let mut digest = CRC.digest();
        digest.update(&head);
        self.store.write(slot, 0, &head)?;
        let end = HEAD_LEN.saturating_add(len);
        let mut sink = Sink {
            store: &mut self.store,
            slot,
            offset: HEAD_LEN,
            end,
            digest,
        };
        fill(&mut sink)?;
        let written = sink.offset.saturating_sub(HEAD_LEN);
        if written != len {
            return Err(StoreError::Length {
                announced: len,
                written,
            });
        }
        let crc = sink.digest.finalize();
        self.store.write(slot, end, &crc.to_be_bytes())?;
        self.store.sync(slot)?;
        self.newest = Some((slot, seq, len));
        Ok(seq)
    }

    /// Commits `payload` as the newest record; see [`RecordStore::commit_with`].
    pub fn commit(&mut self, payload: &[u8]) -> Result<u32, StoreError> {
        self.commit_with(payload.len(), |s| s.put(payload))
    }
}

/// Two slots of `L` octets in memory: the simulator's store, and the base of the test mocks.
/// `cut_after` makes the writes of the next commit stop after that many octets in total (a
/// power loss), after which every write of that commit is lost.
#[derive(Debug, Clone)]
pub struct MemStore<const L: usize> {
    /// The two slots.
    pub slots: [[u8; L]; 2],
    /// Octets still written before the simulated power loss; `None` for no fault.
    pub cut_after: Option<usize>,
}

impl<const L: usize> MemStore<L> {
    /// Both slots erased (0xFF, as flash).
    pub const fn new() -> Self {
        Self {
            slots: [[0xFF; L]; 2],
            cut_after: None,
        }
    }
}

impl<const L: usize> Default for MemStore<L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const L: usize> Store for MemStore<L> {
    fn slot_len(&self) -> usize {
        L
    }

    fn read(&self, slot: u8, offset: usize, buf: &mut [u8]) -> Result<(), StoreError> {
        let range = offset..offset.saturating_add(buf.len());
        let src = self
            .slots
            .get(usize::from(slot & 1))
            .and_then(|s| s.get(range))
            .ok_or(StoreError::Range {
                offset,
                len: buf.len(),
            })?;
        buf.copy_from_slice(src);
        Ok(())
    }

    fn write(&mut self, slot: u8, offset: usize, data: &[u8]) -> Result<(), StoreError> {
        let n = match self.cut_after {
            Some(left) => {
                let n = left.min(data.len());
                self.cut_after = Some(left.saturating_sub(n));
                n
            }
            None => data.len(),
        };
        let range = offset..offset.saturating_add(n);
        let dst = self
            .slots
            .get_mut(usize::from(slot & 1))
            .and_then(|s| s.get_mut(range))
            .ok_or(StoreError::Range {
                offset,
                len: data.len(),
            })?;
        dst.copy_from_slice(data.get(..n).unwrap_or(&[]));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::*;

    #[test]
    fn image_range_places_both_slots_back_to_back_and_refuses_the_rest() {
        assert_eq!(image_range(100, 0, 10, 5), Ok(10..15));
        assert_eq!(image_range(100, 1, 10, 5), Ok(110..115));
        assert_eq!(image_range(100, 1, 95, 5), Ok(195..200));
        for (slot, offset, len) in [(2, 0, 1), (1, 96, 5), (0, usize::MAX, 2), (0, 100, 1)] {
            assert_eq!(
                image_range(100, slot, offset, len),
                Err(StoreError::Range { offset, len })
            );
        }
    }

    type Flash = MemStore<64>;

    fn load<S: Store>(rs: &mut RecordStore<S>) -> Option<(u32, Vec<u8>, bool)> {
        let l = rs.load().unwrap()?;
        let mut buf = vec![0u8; l.len];
        rs.read_payload(0, &mut buf).unwrap();
        Some((l.seq, buf, l.recovered))
    }

    /// Reboot: a fresh record store over the same memory, with the fault cleared.
    fn reboot(rs: RecordStore<Flash>) -> RecordStore<Flash> {
        let mut flash = rs.into_store();
        flash.cut_after = None;
        RecordStore::new(flash)
    }

    #[test]
    fn first_boot_has_no_record_and_commits_round_trip() {
        let mut rs = RecordStore::new(Flash::new());
        assert_eq!(load(&mut rs), None);
        assert_eq!(rs.commit(b"addr=101011"), Ok(1));
        assert_eq!(rs.commit(b"addr=101011 r=1"), Ok(2));
        let mut rs = reboot(rs);
        assert_eq!(load(&mut rs), Some((2, b"addr=101011 r=1".to_vec(), false)));
        let mut part = [0u8; 4];
        rs.read_payload(5, &mut part).unwrap();
        assert_eq!(&part, b"1010");
        assert!(matches!(
            rs.read_payload(14, &mut part),
            Err(StoreError::Range { offset: 14, len: 4 })
        ));
    }

    #[test]
    fn streamed_commit_equals_one_piece_commit() {
        let mut a = RecordStore::new(Flash::new());
        a.commit(b"router r=3 h=7").unwrap();
        let mut b = RecordStore::new(Flash::new());
        b.commit_with(14, |s| {
            s.put(b"router")?;
            s.put(b"")?;
            s.put(b" r=3 h=7")
        })
        .unwrap();
        assert_eq!(a.store().slots, b.store().slots);
        // Announcing one length and writing another is refused and leaves the old record.
        assert_eq!(
            b.commit_with(5, |s| s.put(b"abc")),
            Err(StoreError::Length {
                announced: 5,
                written: 3
            })
        );
        assert!(matches!(
            b.commit_with(2, |s| s.put(b"abc")),
            Err(StoreError::Range { .. })
        ));
        let mut b = reboot(b);
        assert_eq!(load(&mut b).unwrap().1, b"router r=3 h=7");
    }

    #[test]
    fn power_loss_at_every_offset_keeps_the_old_or_the_new_record() {
        let old = b"counters r=3 h=7".as_slice();
        let new = b"counters r=4 h=7 child 1011".as_slice();
        let total = new.len() + OVERHEAD;
        let mut seen_old = 0;
        let mut seen_new = 0;
        for history in 0..3 {
            // Histories with 1, 2 or 3 earlier commits, so both slots get torn.
            for cut in 0..=total {
                let mut rs = RecordStore::new(Flash::new());
                assert_eq!(load(&mut rs), None);
                for i in 0..=history {
                    let mut p = old.to_vec();
                    p.push(b'0' + i as u8);
                    rs.commit(&p).unwrap();
                }
                let mut want_old = old.to_vec();
                want_old.push(b'0' + history as u8);
                let mut rs = reboot(rs);
                load(&mut rs).unwrap();
                rs.store_mut().cut_after = Some(cut);
                // Streamed in three pieces, so cuts fall inside and between writes.
                rs.commit_with(new.len(), |s| {
                    s.put(&new[..4])?;
                    s.put(&new[4..20])?;
                    s.put(&new[20..])
                })
                .unwrap();
                let mut rs = reboot(rs);
                let (seq, payload, _) = load(&mut rs).expect("a record always survives");
                if cut == total {
                    assert_eq!((seq, payload.as_slice()), (history as u32 + 2, new));
                    seen_new += 1;
                } else {
                    assert_eq!(payload, want_old, "cut at {cut} after {history} commits");
                    assert_eq!(seq, history as u32 + 1);
                    seen_old += 1;
                }
                // And the next commit after recovery goes on from there.
                let s = rs.commit(b"after").unwrap();
                assert_eq!(s, seq + 1);
                let mut rs = reboot(rs);
                assert_eq!(load(&mut rs).unwrap().1, b"after");
            }
        }
        assert_eq!(seen_new, 3);
        assert_eq!(seen_old, 3 * total);
    }

    #[test]
    fn a_damaged_slot_is_reported_as_recovered() {
        let mut rs = RecordStore::new(Flash::new());
        rs.commit(b"one").unwrap();
        rs.commit(b"two").unwrap();
        let mut flash = rs.into_store();
        flash.slots[1][9] ^= 0x01; // flip a payload bit of the newest record
        let mut rs = RecordStore::new(flash);
        assert_eq!(load(&mut rs), Some((1, b"one".to_vec(), true)));
    }

    #[test]
    fn sequence_numbers_wrap_around() {
        assert!(newer(0, u32::MAX));
        assert!(newer(5, 3));
        assert!(!newer(3, 5));
        assert!(!newer(7, 7));
        // Two records straddling the wrap: the one after the wrap wins.
        let mut rs = RecordStore::new(Flash::new());
        rs.newest = Some((1, u32::MAX - 1, 0));
        assert_eq!(rs.commit(b"max"), Ok(u32::MAX));
        assert_eq!(rs.commit(b"zero"), Ok(0));
        let mut rs = reboot(rs);
        assert_eq!(load(&mut rs), Some((0, b"zero".to_vec(), false)));
    }

    #[test]
    fn oversized_payloads_and_garbage_are_refused() {
        let mut rs = RecordStore::new(MemStore::<16>::new());
        assert_eq!(
            rs.commit(&[0u8; 5]),
            Err(StoreError::TooLarge {
                needed: 17,
                available: 16
            })
        );
        assert_eq!(rs.commit(&[7u8; 4]), Ok(1));
        // Garbage in both slots (a length past the slot, zeros) is "no record", never a panic.
        let mut flash = MemStore::<16>::new();
        flash.slots = [
            [b'P', b'S', 0, 0, 0, 1, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0],
            [0; 16],
        ];
        let mut rs = RecordStore::new(flash);
        assert_eq!(load(&mut rs), None);
        // A store too small for any record holds none.
        let mut rs = RecordStore::new(MemStore::<4>::new());
        assert_eq!(load(&mut rs), None);
    }
}
