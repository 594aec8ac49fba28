//! Board support for QEMU's `mps2-an386` (Cortex-M4F, AN386) and its Cortex-M3 twin
//! `mps2-an385` (AN385): same memory map and peripherals, so the same code runs on both.
//!
//! - links: CMSDK APB UART0..3 (`uart`), SLIP-framed; UART0 goes to the parent, UART1..3 to
//!   children in a router build; UART4 is a status console for the tests;
//! - clock: SysTick at 1 kHz (`time`);
//! - sleep: `wfi` between events (`Board::sleep`); a received byte raises the UART's RX
//!   interrupt, which wakes the core;
//! - state pages: the reserved last 16 KiB of the code region (`flash`);
//! - panics and faults end QEMU with exit code 1 (semihosting).
#![no_std]

pub mod app;
pub mod cmdline;
pub mod flash;
pub mod stack;
pub mod time;
pub mod uart;

use cortex_m::interrupt::InterruptNumber;
use cortex_m::peripheral::NVIC;
use cortex_m_rt::{ExceptionFrame, exception};
use cortex_m_semihosting::debug;
pub use cortex_m_semihosting::hprintln;
use panic_semihosting as _;

use uart::{UART_RX_IRQ, Uart};

/// The UARTs used as links: UART0 (parent) and UART1..3 (children).
pub const MAX_LINKS: usize = 4;
/// Line rate programmed into the UARTs (QEMU does not pace socket backends by it).
pub const BAUD: u32 = 115_200;

/// An NVIC line, by number (there is no PAC for this board).
#[derive(Clone, Copy)]
struct Irq(u16);

// SAFETY: `number` returns a line that exists on AN385/AN386 (the NVIC has 32 lines there).
unsafe impl InterruptNumber for Irq {
    fn number(self) -> u16 {
        self.0
    }
}

/// The UART used as the status console (QEMU's fifth `-serial`): a test writes a byte to it
/// and reads back a status line.
pub const CONSOLE: usize = 4;

/// The board's peripherals, as the firmware uses them.
pub struct Board {
    /// UART0..UART3; `uarts[0]` is the parent link.
    pub uarts: [Uart; MAX_LINKS],
    /// UART4: the status console.
    pub console: Uart,
    /// The state pages.
    pub flash: flash::StateFlash,
    /// "mps2-an386" on a Cortex-M4, "mps2-an385" on a Cortex-M3 (from CPUID).
    pub name: &'static str,
}

impl Board {
    /// Brings up the board: SysTick at 1 kHz, UART0..UART4 at `BAUD`, with RX interrupts
    /// unmasked in the NVIC for the first `links` UARTs and the console (UART4). Returns
    /// `None` if called twice.
    pub fn take(links: usize) -> Option<Self> {
        let cp = cortex_m::Peripherals::take()?;
        let name = match (cp.CPUID.base.read() >> 4) & 0xFFF {
            0xC24 => "mps2-an386",
            0xC23 => "mps2-an385",
            _ => "mps2",
        };
        // SAFETY: `Peripherals::take` succeeded, so this runs once: these are the only handles.
        let uarts = unsafe { [Uart::new(0), Uart::new(1), Uart::new(2), Uart::new(3)] };
        for (i, u) in uarts.iter().enumerate() {
            u.init(BAUD);
            if i < links {
                // SAFETY: the handler (DefaultHandler below) clears the UART's interrupt; no
                // mask-based critical section is in use.
                unsafe { NVIC::unmask(Irq(UART_RX_IRQ[i])) };
            }
        }
        // SAFETY: as above, once.
        let console = unsafe { Uart::new(CONSOLE) };
        console.init(BAUD);
        // SAFETY: as for the links.
        unsafe { NVIC::unmask(Irq(UART_RX_IRQ[CONSOLE])) };
        time::start(cp.SYST);
        // SAFETY: as above, once.
        let flash = unsafe { flash::StateFlash::new() };
        Some(Board {
            uarts,
            console,
            flash,
            name,
        })
    }

    /// Sleeps in `wfi` until an interrupt (a received byte, or the next 1 ms tick), unless a
    /// byte is already waiting on one of the first `links` UARTs or on the console.
    /// Interrupts are masked while checking, so a byte arriving between the check and `wfi`
    /// still wakes the core (a pending interrupt ends `wfi` even with PRIMASK set; its handler
    /// runs once PRIMASK is cleared).
    pub fn sleep(&self, links: usize) {
        Self::sleep_on(&self.uarts[..links], &self.console);
    }

    /// [`Board::sleep`] on the given UARTs.
    pub fn sleep_on(uarts: &[Uart], console: &Uart) {
        cortex_m::interrupt::disable();
        if !uarts.iter().any(Uart::rx_ready) && !console.rx_ready() {
            cortex_m::asm::wfi();
        }
        // SAFETY: not inside a critical section that relies on interrupts staying off.
        unsafe { cortex_m::interrupt::enable() };
    }
}

/// Ends QEMU with exit code 0 (semihosting).
pub fn exit_success() -> ! {
    debug::exit(debug::EXIT_SUCCESS);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Interrupt lines of AN385/AN386 (QEMU's model gives the NVIC 32 lines, `num-irq`).
pub const IRQ_LINES: usize = 32;

unsafe extern "C" {
    // cortex-m-rt's trampoline for `DefaultHandler` below.
    fn DefaultHandler();
}

/// The device part of the vector table: every line goes to `DefaultHandler`.
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
#[used]
pub static __INTERRUPTS: [unsafe extern "C" fn(); IRQ_LINES] = [DefaultHandler; IRQ_LINES];

/// Device interrupts: the UART lines only clear the UART (the main loop polls the RX buffers
/// after each wake); any other line is masked so it cannot storm.
#[exception]
unsafe fn DefaultHandler(irqn: i16) {
    let line = irqn as u16;
    let mut known = false;
    for (i, &rx) in UART_RX_IRQ.iter().enumerate() {
        if line == rx || line == rx + 1 {
            // SAFETY: clearing INTSTATUS is idempotent and touches no state the main loop
            // relies on (it reads STATE and DATA).
            unsafe { Uart::new(i) }.clear_interrupts();
            known = true;
        }
    }
    if !known && irqn >= 0 {
        NVIC::mask(Irq(line));
    }
}

#[exception]
unsafe fn HardFault(ef: &ExceptionFrame) -> ! {
    hprintln!(
        "HardFault at pc {:#010x} (lr {:#010x}, xpsr {:#010x})",
        ef.pc(),
        ef.lr(),
        ef.xpsr()
    );
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}
