//! A 1 kHz SysTick: the monotonic millisecond clock, and the periodic wake-up that QEMU needs
//! (without a running guest timer, bytes into a CMSDK UART can wait ~1 s in QEMU's main loop).

use core::cell::Cell;
use cortex_m::interrupt::Mutex;
use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;

/// The core clock of the MPS2 FPGA images and of QEMU's model (`SYSCLK_FRQ`), in Hz.
pub const CORE_HZ: u32 = 25_000_000;
/// SysTick rate.
pub const TICK_HZ: u32 = 1_000;

static MILLIS: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

/// Starts SysTick at `TICK_HZ` from the core clock, with its interrupt.
pub fn start(mut syst: SYST) {
    syst.disable_counter();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CORE_HZ / TICK_HZ - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Milliseconds since `start`.
pub fn now_ms() -> u64 {
    cortex_m::interrupt::free(|cs| MILLIS.borrow(cs).get())
}

#[exception]
fn SysTick() {
    cortex_m::interrupt::free(|cs| {
        let m = MILLIS.borrow(cs);
        m.set(m.get() + 1);
    });
}
