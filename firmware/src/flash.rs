//! The node's state on flash: two erase pages, one per record slot of the core's
//! [`pasa_router::store::RecordStore`].
//!
//! The record layer writes a slot from offset 0 upward (head, payload, CRC) and reads it back
//! whole, so a slot maps onto one page: a write at offset 0 erases the page first, and every
//! later write only programs erased octets, as NOR flash requires. A power cut in the middle
//! leaves a page whose CRC fails, and the other slot still holds the previous record.

use pasa_router::{Store, StoreError};

/// A board's flash: two pages of `PAGE` octets, numbered 0 and 1, addressed from the start
/// of page 0.
pub trait Flash {
    /// Octets per erase page (and per record slot).
    const PAGE: usize;
    /// Reads `buf.len()` octets at `offset`.
    fn read(&self, offset: usize, buf: &mut [u8]);
    /// Erases page `page` (0 or 1) to 0xFF.
    fn erase(&mut self, page: usize);
    /// Programs `data` at `offset` (any alignment and length: a board whose flash programs
    /// whole words buffers them).
    fn program(&mut self, offset: usize, data: &[u8]);
}

/// [`Store`] over a [`Flash`].
#[derive(Debug, Clone)]
pub struct FlashStore<F: Flash> {
    flash: F,
}

impl<F: Flash> FlashStore<F> {
    /// The store over `flash`.
    pub const fn new(flash: F) -> Self {
        Self { flash }
    }

    /// The flash, to keep across a simulated reset.
    pub fn into_flash(self) -> F {
        self.flash
    }

    /// The flash.
    pub fn flash(&self) -> &F {
        &self.flash
    }

    /// Where `len` octets at `offset` of `slot` sit in the flash, if inside the slot.
    fn at(slot: u8, offset: usize, len: usize) -> Result<usize, StoreError> {
        pasa_router::store::image_range(F::PAGE, slot, offset, len).map(|r| r.start)
    }
}

impl<F: Flash> Store for FlashStore<F> {
    fn slot_len(&self) -> usize {
        F::PAGE
    }

    fn read(&self, slot: u8, offset: usize, buf: &mut [u8]) -> Result<(), StoreError> {
        let at = Self::at(slot, offset, buf.len())?;
        self.flash.read(at, buf);
        Ok(())
    }

    fn write(&mut self, slot: u8, offset: usize, data: &[u8]) -> Result<(), StoreError> {
        let at = Self::at(slot, offset, data.len())?;
        if offset == 0 {
            self.flash.erase(usize::from(slot));
        }
        self.flash.program(at, data);
        Ok(())
    }
}

/// Flash in memory with NOR semantics: erase sets 0xFF, programming can only clear bits (a
/// write over unerased octets shows up as corrupt data, as on the real part). For host tests
/// and simulators; `programs` counts program calls.
#[derive(Debug, Clone)]
pub struct RamFlash<const P: usize> {
    pages: [[u8; P]; 2],
    /// Program operations so far.
    pub programs: usize,
}

impl<const P: usize> Default for RamFlash<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const P: usize> RamFlash<P> {
    /// Erased flash.
    pub const fn new() -> Self {
        Self {
            pages: [[0xFF; P]; 2],
            programs: 0,
        }
    }

    fn octet(&mut self, at: usize) -> Option<&mut u8> {
        self.pages.get_mut(at / P).and_then(|p| p.get_mut(at % P))
    }
}

impl<const P: usize> Flash for RamFlash<P> {
    const PAGE: usize = P;

    fn read(&self, offset: usize, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            let at = offset.saturating_add(i);
            *b = self
                .pages
                .get(at / P)
                .and_then(|p| p.get(at % P))
                .copied()
                .unwrap_or(0xFF);
        }
    }

    fn erase(&mut self, page: usize) {
        if let Some(p) = self.pages.get_mut(page) {
            p.fill(0xFF);
        }
    }

    fn program(&mut self, offset: usize, data: &[u8]) {
        self.programs = self.programs.saturating_add(1);
        for (i, d) in data.iter().enumerate() {
            if let Some(o) = self.octet(offset.saturating_add(i)) {
                *o &= *d;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pasa_router::store::RecordStore;

    #[test]
    fn records_survive_on_flash_and_a_torn_write_keeps_the_previous_one() {
        let mut rs = RecordStore::new(FlashStore::new(RamFlash::<256>::new()));
        rs.commit(b"first record").unwrap();
        rs.commit(b"second record").unwrap();
        let flash = rs.into_store().into_flash();
        let mut buf = [0u8; 64];
        let mut rs = RecordStore::new(FlashStore::new(flash.clone()));
        let n = rs.load().unwrap().unwrap().len;
        rs.read_payload(0, &mut buf[..n]).unwrap();
        assert_eq!(&buf[..n], b"second record");
        // Program over the newest slot without erasing: its CRC no longer holds, and the
        // older record is what loads.
        let mut torn = flash;
        let newest = (0..2)
            .find(|&p| {
                let mut b = [0u8; 32];
                torn.read(p * 256, &mut b);
                b.windows(6).any(|w| w == b"second")
            })
            .unwrap();
        torn.program(newest * 256 + 20, &[0x00; 4]);
        let mut rs = RecordStore::new(FlashStore::new(torn));
        let n = rs.load().unwrap().unwrap().len;
        rs.read_payload(0, &mut buf[..n]).unwrap();
        assert_eq!(&buf[..n], b"first record");
    }

    #[test]
    fn out_of_slot_access_is_refused() {
        let mut s = FlashStore::new(RamFlash::<64>::new());
        assert!(s.write(0, 60, &[0; 8]).is_err());
        assert!(s.write(2, 0, &[0; 8]).is_err());
        assert!(s.read(1, usize::MAX, &mut [0; 2]).is_err());
        assert!(s.write(1, 56, &[0; 8]).is_ok());
    }
}
