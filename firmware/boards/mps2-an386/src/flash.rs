//! The node's state pages: the last 16 KiB of the code region (0x003F_C000..0x0040_0000),
//! which memory.x keeps out of the linker's FLASH, so no section of the image lies there.
//!
//! QEMU backs the code region with RAM ("mps.ssram1"): it is writable with plain stores and its
//! contents survive a `system_reset`, which reloads only the ELF's loaded segments (and resets the
//! devices). It does not survive a QEMU restart, as a fresh QEMU starts with zeroed RAM.
//!
//! The region behaves like NOR flash: erase sets a page to 0xFF, program can only clear bits
//! (new = old AND data). Bytes are stored inverted, so QEMU's zero-filled RAM at first power-up
//! reads as erased flash (0xFF) without any formatting step at boot.

use core::ptr::{read_volatile, write_volatile};

/// Page (erase unit) size, in bytes.
pub const PAGE: usize = 4096;
/// Size of the state region, in bytes.
pub const SIZE: usize = 16 * 1024;
/// Number of pages in the state region.
pub const PAGES: usize = SIZE / PAGE;

unsafe extern "C" {
    // Defined in memory.x: the hole after FLASH.
    static mut _pasa_state_start: u8;
}

/// The state region, as flash pages.
pub struct StateFlash {
    base: *mut u8,
}

impl StateFlash {
    /// The state region.
    ///
    /// # Safety
    /// At most one `StateFlash` may exist at a time.
    pub unsafe fn new() -> Self {
        StateFlash {
            base: &raw mut _pasa_state_start,
        }
    }

    /// Address of the first byte of the region (for diagnostics).
    pub fn base_addr(&self) -> usize {
        self.base as usize
    }

    fn check(offset: usize, len: usize) {
        assert!(
            offset <= SIZE && len <= SIZE - offset,
            "flash access out of range"
        );
    }

    /// Reads `buf.len()` bytes at `offset`.
    pub fn read(&self, offset: usize, buf: &mut [u8]) {
        Self::check(offset, buf.len());
        for (i, b) in buf.iter_mut().enumerate() {
            // SAFETY: in range (checked), the region is RAM no section of the image uses.
            *b = !unsafe { read_volatile(self.base.add(offset + i)) };
        }
    }

    /// Erases page `page` to 0xFF.
    pub fn erase(&mut self, page: usize) {
        assert!(page < PAGES, "flash page out of range");
        for i in page * PAGE..(page + 1) * PAGE {
            // SAFETY: as in `read`.
            unsafe { write_volatile(self.base.add(i), 0) };
        }
    }

    /// Programs `data` at `offset`: each byte becomes `old & data`, as on NOR flash.
    pub fn program(&mut self, offset: usize, data: &[u8]) {
        Self::check(offset, data.len());
        for (i, &d) in data.iter().enumerate() {
            // SAFETY: as in `read`.
            unsafe {
                let p = self.base.add(offset + i);
                write_volatile(p, read_volatile(p) | !d);
            }
        }
    }
}

impl pasa_firmware::Flash for StateFlash {
    const PAGE: usize = PAGE;

    fn read(&self, offset: usize, buf: &mut [u8]) {
        StateFlash::read(self, offset, buf);
    }

    fn erase(&mut self, page: usize) {
        StateFlash::erase(self, page);
    }

    fn program(&mut self, offset: usize, data: &[u8]) {
        StateFlash::program(self, offset, data);
    }
}

// The firmware's record must fit a page.
const _: () = assert!(PAGE >= pasa_firmware::STATE_PAGE_MIN);
