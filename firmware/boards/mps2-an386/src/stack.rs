//! Stack high-water mark: the 64 KiB below the initial stack pointer are painted, and the
//! deepest word that lost its paint tells how much stack the firmware has used since. The
//! firmware images paint at reset and again once booted, so they report the boot peak (in the
//! banner) and the running peak (in the console's status line) apart. The painted area can
//! also be read from outside (QEMU monitor `pmemsave 0x203f0000 65536 FILE`).

use core::ptr::{read_volatile, write_volatile};

/// Paint pattern (one word).
pub const PAINT: u32 = 0x5A5A_5A5A;
/// Size of the painted area below the top of the stack.
pub const WINDOW: usize = 64 * 1024;

unsafe extern "C" {
    // cortex-m-rt: the initial stack pointer (end of RAM by default).
    static _stack_start: u32;
}

/// Top of the stack (its initial value).
pub fn top() -> usize {
    &raw const _stack_start as usize
}

/// Paints the part of the window below the current stack pointer (less a margin).
/// Call it first thing in `main`.
#[inline(never)]
pub fn paint() {
    let sp = cortex_m::register::msp::read() as usize;
    let low = top() - WINDOW;
    let high = (sp - 256) & !3;
    let mut p = low;
    while p < high {
        // SAFETY: RAM between the end of the statics (far below, 4 MiB of RAM) and the live
        // part of the stack (above `high`), word-aligned.
        unsafe { write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// Stack used so far, in octets (from the paint; the firmware may also call it itself).
pub fn peak() -> usize {
    let mut p = top() - WINDOW;
    // SAFETY: reads inside the painted window.
    while p < top() && unsafe { read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    top() - p
}
