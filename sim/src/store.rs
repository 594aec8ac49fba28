//! The simulator's state store: two slots in memory that grow to what is written, so a
//! million nodes do not each reserve the largest record.

use pasa_router::{Store, StoreError};

/// Two growable memory slots of at most `slot_len` octets each. `cut_after` makes the writes
/// of the next commit stop after that many octets (a power cut; the power-loss scenario).
#[derive(Debug, Clone, Default)]
pub struct SimStore {
    slots: [Vec<u8>; 2],
    slot_len: usize,
    /// Octets still written before the simulated power cut; `None` for no fault.
    pub cut_after: Option<usize>,
}

impl SimStore {
    /// Empty slots of at most `slot_len` octets.
    pub fn new(slot_len: usize) -> Self {
        Self {
            slots: [Vec::new(), Vec::new()],
            slot_len,
            cut_after: None,
        }
    }

    /// Octets held in memory.
    pub fn bytes(&self) -> usize {
        self.slots[0].capacity() + self.slots[1].capacity()
    }
}

impl Store for SimStore {
    fn slot_len(&self) -> usize {
        self.slot_len
    }

    fn read(&self, slot: u8, offset: usize, buf: &mut [u8]) -> Result<(), StoreError> {
        let s = &self.slots[usize::from(slot & 1)];
        let end = offset + buf.len();
        if end > self.slot_len {
            return Err(StoreError::Range {
                offset,
                len: buf.len(),
            });
        }
        // Never-written octets read as erased flash.
        for (i, b) in buf.iter_mut().enumerate() {
            *b = s.get(offset + i).copied().unwrap_or(0xFF);
        }
        Ok(())
    }

    fn write(&mut self, slot: u8, offset: usize, data: &[u8]) -> Result<(), StoreError> {
        let n = match self.cut_after {
            Some(left) => {
                let n = left.min(data.len());
                self.cut_after = Some(left - n);
                n
            }
            None => data.len(),
        };
        let end = offset + n;
        if offset + data.len() > self.slot_len {
            return Err(StoreError::Range {
                offset,
                len: data.len(),
            });
        }
        let s = &mut self.slots[usize::from(slot & 1)];
        if s.len() < end {
            s.resize(end, 0xFF);
        }
        s[offset..end].copy_from_slice(&data[..n]);
        Ok(())
    }
}
