//! Crash-safe state records (issue "The router core", item 7; RELIABILITY.md F2).
//!
//! A node keeps its assignment state (own address, parent, ROVR, the `r`/`h` counters and the
//! children it handed out) in non-volatile memory, and the draft requires the counters to be
//! persisted before an answer leaves (draft-13 §6.1). Power may fail in the middle of any write.
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
//! The storage itself is the caller's, behind [`Store`]: a flash page pair on the firmware, a
//! file (write-temp, fsync, rename) in the Linux process, memory in the simulator.

use core::fmt;

/// Magic octets at the start of every record.
pub const MAGIC: [u8; 2] = *b"PS";

/// Octets a record adds around its payload: magic, sequence, length, CRC.
pub const OVERHEAD: usize = 2 + 4 + 2 + 4;

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Non-volatile storage with two slots of equal size. A write may stop after any prefix of its
/// octets (power loss); reads return what was last written, torn or not.
pub trait Store {
    /// Octets each slot holds.
    fn slot_len(&self) -> usize;
    /// Reads `buf.len()` octets of `slot` (0 or 1) from its start.
    fn read(&self, slot: u8, buf: &mut [u8]) -> Result<(), StoreError>;
    /// Writes `data` at the start of `slot` (0 or 1).
    fn write(&mut self, slot: u8, data: &[u8]) -> Result<(), StoreError>;
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
    /// The storage failed (its own error, reduced to a code by the implementation).
    Io(u16),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { needed, available } => {
                write!(f, "record needs {needed} octets, {available} available")
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
    /// Payload length (the payload is at the start of the caller's buffer).
    pub len: usize,
    /// True when the other slot held a damaged record (a torn write was recovered from); the
    /// caller counts it (`nvm_recovered`).
    pub recovered: bool,
}

/// Two-slot, sequence-numbered, CRC-checked records over a [`Store`].
#[derive(Debug)]
pub struct RecordStore<S: Store> {
    store: S,
    /// Slot and sequence of the newest valid record, once known.
    newest: Option<(u8, u32)>,
}

/// True if sequence `a` is newer than `b` (serial-number arithmetic: half the space ahead).
const fn newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
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

    /// Consumes the record store and returns the underlying store.
    pub fn into_store(self) -> S {
        self.store
    }

    /// Reads and checks one slot into `scratch`; returns (seq, payload length) if valid.
    fn check_slot(&self, slot: u8, scratch: &mut [u8]) -> Result<Option<(u32, usize)>, StoreError> {
        let n = self.store.slot_len().min(scratch.len());
        let buf = scratch.get_mut(..n).unwrap_or(&mut []);
        self.store.read(slot, buf)?;
        let Some(([m0, m1, s0, s1, s2, s3, l0, l1], rest)) = buf.split_first_chunk::<8>() else {
            return Ok(None);
        };
        if [*m0, *m1] != MAGIC {
            return Ok(None);
        }
        let seq = u32::from_be_bytes([*s0, *s1, *s2, *s3]);
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        let Some(crc_bytes) = rest.get(len..len.saturating_add(4)) else {
            return Ok(None);
        };
        let stored = u32::from_be_bytes([
            crc_bytes.first().copied().unwrap_or(0),
            crc_bytes.get(1).copied().unwrap_or(0),
            crc_bytes.get(2).copied().unwrap_or(0),
            crc_bytes.get(3).copied().unwrap_or(0),
        ]);
        let body = buf.get(..8usize.saturating_add(len)).unwrap_or(&[]);
        if CRC.checksum(body) != stored {
            return Ok(None);
        }
        Ok(Some((seq, len)))
    }

    /// Loads the newest valid record into `buf` (which must hold a whole slot). `Ok(None)` when
    /// neither slot holds a valid record (first boot, or both damaged).
    pub fn load(&mut self, buf: &mut [u8]) -> Result<Option<Loaded>, StoreError> {
        if buf.len() < self.store.slot_len() {
            return Err(StoreError::TooLarge {
                needed: self.store.slot_len(),
                available: buf.len(),
            });
        }
        let a = self.check_slot(0, buf)?;
        let b = self.check_slot(1, buf)?;
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
        // Re-read the chosen slot (the scratch holds the last one read) and move the payload to
        // the start of the buffer.
        self.check_slot(slot, buf)?;
        buf.copy_within(8..8usize.saturating_add(len), 0);
        self.newest = Some((slot, seq));
        Ok(Some(Loaded {
            seq,
            len,
            recovered: a.is_none() != b.is_none(),
        }))
    }

    /// Commits `payload` as the newest record, using `scratch` (at least `payload.len()` +
    /// [`OVERHEAD`] octets) to build it. Returns its sequence number. The newest valid record
    /// is never overwritten, so a power loss during this call leaves either the old or the new
    /// record readable.
    pub fn commit(&mut self, payload: &[u8], scratch: &mut [u8]) -> Result<u32, StoreError> {
        let total = payload.len().saturating_add(OVERHEAD);
        let available = self.store.slot_len().min(scratch.len());
        let len16 = u16::try_from(payload.len()).ok();
        let (Some(len16), true) = (len16, total <= available) else {
            return Err(StoreError::TooLarge {
                needed: total,
                available,
            });
        };
        let (slot, seq) = match self.newest {
            Some((s, q)) => (s ^ 1, q.wrapping_add(1)),
            None => (0, 1),
        };
        let rec = scratch.get_mut(..total).unwrap_or(&mut []);
        let (head, tail) = rec.split_at_mut(8usize.min(rec.len()));
        let [s0, s1, s2, s3] = seq.to_be_bytes();
        let [l0, l1] = len16.to_be_bytes();
        head.copy_from_slice(&[MAGIC[0], MAGIC[1], s0, s1, s2, s3, l0, l1]);
        let (body, crc_out) = tail.split_at_mut(payload.len().min(tail.len()));
        body.copy_from_slice(payload);
        let mut digest = CRC.digest();
        digest.update(head);
        digest.update(body);
        crc_out.copy_from_slice(&digest.finalize().to_be_bytes());
        self.store.write(slot, rec)?;
        self.newest = Some((slot, seq));
        Ok(seq)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::*;

    /// Memory slots; `cut_after` makes the next write stop after that many octets (power loss).
    #[derive(Debug, Clone)]
    struct FlashMock {
        slots: [Vec<u8>; 2],
        cut_after: Option<usize>,
    }

    impl FlashMock {
        fn new(len: usize) -> Self {
            Self {
                slots: [vec![0xFF; len], vec![0xFF; len]],
                cut_after: None,
            }
        }
    }

    impl Store for FlashMock {
        fn slot_len(&self) -> usize {
            self.slots[0].len()
        }
        fn read(&self, slot: u8, buf: &mut [u8]) -> Result<(), StoreError> {
            let s = &self.slots[usize::from(slot & 1)];
            let n = buf.len().min(s.len());
            buf[..n].copy_from_slice(&s[..n]);
            Ok(())
        }
        fn write(&mut self, slot: u8, data: &[u8]) -> Result<(), StoreError> {
            let n = self
                .cut_after
                .take()
                .map_or(data.len(), |c| c.min(data.len()));
            self.slots[usize::from(slot & 1)][..n].copy_from_slice(&data[..n]);
            Ok(())
        }
    }

    fn load(rs: &mut RecordStore<FlashMock>) -> Option<(u32, Vec<u8>, bool)> {
        let mut buf = vec![0u8; 64];
        rs.load(&mut buf)
            .unwrap()
            .map(|l| (l.seq, buf[..l.len].to_vec(), l.recovered))
    }

    #[test]
    fn first_boot_has_no_record_and_commits_round_trip() {
        let mut rs = RecordStore::new(FlashMock::new(64));
        assert_eq!(load(&mut rs), None);
        let mut scratch = [0u8; 64];
        assert_eq!(rs.commit(b"addr=101011", &mut scratch), Ok(1));
        assert_eq!(rs.commit(b"addr=101011 r=1", &mut scratch), Ok(2));
        let mut rs = RecordStore::new(rs.into_store());
        assert_eq!(load(&mut rs), Some((2, b"addr=101011 r=1".to_vec(), false)));
    }

    #[test]
    fn power_loss_at_every_offset_keeps_the_old_or_the_new_record() {
        let old = b"counters r=3 h=7".as_slice();
        let new = b"counters r=4 h=7 child 1011".as_slice();
        let total = new.len() + OVERHEAD;
        let mut scratch = [0u8; 64];
        let mut seen_old = 0;
        let mut seen_new = 0;
        for history in 0..3 {
            // Histories with 1, 2 or 3 earlier commits, so both slots get torn.
            for cut in 0..=total {
                let mut rs = RecordStore::new(FlashMock::new(64));
                assert_eq!(load(&mut rs), None);
                for i in 0..=history {
                    let mut p = old.to_vec();
                    p.push(b'0' + i as u8);
                    rs.commit(&p, &mut scratch).unwrap();
                }
                let mut want_old = old.to_vec();
                want_old.push(b'0' + history as u8);
                let mut flash = rs.into_store();
                flash.cut_after = Some(cut);
                let mut rs = RecordStore::new(flash);
                load(&mut rs).unwrap();
                rs.commit(new, &mut scratch).unwrap();
                // Reboot.
                let mut rs = RecordStore::new(rs.into_store());
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
                let s = rs.commit(b"after", &mut scratch).unwrap();
                assert_eq!(s, seq + 1);
                let mut rs = RecordStore::new(rs.into_store());
                assert_eq!(load(&mut rs).unwrap().1, b"after");
            }
        }
        assert_eq!(seen_new, 3);
        assert_eq!(seen_old, 3 * total);
    }

    #[test]
    fn a_damaged_slot_is_reported_as_recovered() {
        let mut rs = RecordStore::new(FlashMock::new(64));
        let mut scratch = [0u8; 64];
        rs.commit(b"one", &mut scratch).unwrap();
        rs.commit(b"two", &mut scratch).unwrap();
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
        let mut rs = RecordStore::new(FlashMock::new(64));
        rs.newest = Some((1, u32::MAX - 1));
        let mut scratch = [0u8; 64];
        assert_eq!(rs.commit(b"max", &mut scratch), Ok(u32::MAX));
        assert_eq!(rs.commit(b"zero", &mut scratch), Ok(0));
        let mut rs = RecordStore::new(rs.into_store());
        assert_eq!(load(&mut rs), Some((0, b"zero".to_vec(), false)));
    }

    #[test]
    fn oversized_payloads_and_buffers_are_refused() {
        let mut rs = RecordStore::new(FlashMock::new(16));
        let mut scratch = [0u8; 64];
        assert_eq!(
            rs.commit(&[0u8; 5], &mut scratch),
            Err(StoreError::TooLarge {
                needed: 17,
                available: 16
            })
        );
        assert_eq!(rs.commit(&[7u8; 4], &mut scratch), Ok(1));
        let mut small = [0u8; 8];
        assert!(matches!(
            rs.load(&mut small),
            Err(StoreError::TooLarge { .. })
        ));
        // Garbage in both slots is "no record", never a panic.
        let mut flash = FlashMock::new(16);
        flash.slots = [
            vec![b'P', b'S', 0, 0, 0, 1, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0],
            vec![0; 16],
        ];
        let mut rs = RecordStore::new(flash);
        assert_eq!(load(&mut rs), None);
    }
}
