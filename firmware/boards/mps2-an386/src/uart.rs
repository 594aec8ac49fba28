//! CMSDK APB UART (ARM DDI 0479C §4.3), as on the MPS2 AN385/AN386 FPGA images and in QEMU's
//! `cmsdk-apb-uart` model.
//!
//! The receive side holds one byte (no FIFO): STATE.RXFULL is set until DATA is read, and QEMU
//! does not take the next byte from the host socket before that, so nothing is lost while the
//! core sleeps; it only waits. Writes wait for STATE.TXFULL to clear.

use core::ptr::{read_volatile, write_volatile};

/// Base addresses of UART0..UART4 on AN385/AN386 (AN386 §3.3 memory map; QEMU `hw/arm/mps2.c`,
/// `uartbase[] = {0x40004000, 0x40005000, 0x40006000, 0x40007000, 0x40009000}`).
pub const UART_BASE: [usize; 5] = [
    0x4000_4000,
    0x4000_5000,
    0x4000_6000,
    0x4000_7000,
    0x4000_9000,
];

/// NVIC line of each UART's RX interrupt; its TX interrupt is the next line (QEMU
/// `hw/arm/mps2.c`, AN385/AN386 case: `uartirq[] = {0, 2, 4, 18, 20}`, "RX irq number; TX irq is
/// always one greater"). The overflow interrupts of UART0..2 are ORed onto line 12.
pub const UART_RX_IRQ: [u16; 5] = [0, 2, 4, 18, 20];

const DATA: usize = 0x00;
const STATE: usize = 0x04;
const CTRL: usize = 0x08;
const INTCLEAR: usize = 0x0C;
const BAUDDIV: usize = 0x10;

const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const STATE_OVERRUNS: u32 = 0b1100;
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;
const CTRL_RX_INT_EN: u32 = 1 << 3;
/// INTSTATUS/INTCLEAR bits: TX, RX, TX overrun, RX overrun.
const INT_ALL: u32 = 0b1111;

/// The peripheral clock of the MPS2 FPGA images (and QEMU's `SYSCLK_FRQ`), in Hz.
pub const PCLK_HZ: u32 = 25_000_000;

/// One CMSDK APB UART.
pub struct Uart {
    base: usize,
}

impl Uart {
    /// UART `index` (0..=4).
    ///
    /// # Safety
    /// The caller owns the peripheral: no other `Uart` with the same index is in use.
    pub const unsafe fn new(index: usize) -> Self {
        Uart {
            base: UART_BASE[index],
        }
    }

    fn reg(&self, off: usize) -> *mut u32 {
        (self.base + off) as *mut u32
    }

    fn read(&self, off: usize) -> u32 {
        // SAFETY: an MMIO register of this UART (base from the board's memory map).
        unsafe { read_volatile(self.reg(off)) }
    }

    fn write(&self, off: usize, v: u32) {
        // SAFETY: as in `read`.
        unsafe { write_volatile(self.reg(off), v) }
    }

    /// Enables TX and RX at `baud` (8N1), with the RX interrupt on (so a received byte wakes a
    /// core sleeping in `wfi` once the NVIC line is unmasked), and clears stale state.
    pub fn init(&self, baud: u32) {
        self.write(CTRL, 0);
        // The CMSDK UART requires BAUDDIV >= 16 (QEMU ignores smaller values and then refuses to
        // pass characters). QEMU does not pace a socket backend by the baud rate.
        self.write(BAUDDIV, (PCLK_HZ / baud).max(16));
        self.write(STATE, STATE_OVERRUNS);
        self.write(INTCLEAR, INT_ALL);
        self.write(CTRL, CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_INT_EN);
    }

    /// A received byte, if one is waiting (non-blocking).
    #[inline]
    pub fn try_read(&self) -> Option<u8> {
        if self.rx_ready() {
            Some(self.read(DATA) as u8)
        } else {
            None
        }
    }

    /// Whether a received byte is waiting.
    #[inline]
    pub fn rx_ready(&self) -> bool {
        self.read(STATE) & STATE_RX_FULL != 0
    }

    /// Sends one byte, waiting for room in the (one-byte) transmit buffer first.
    #[inline]
    pub fn write_byte(&self, b: u8) {
        while self.read(STATE) & STATE_TX_FULL != 0 {
            core::hint::spin_loop();
        }
        self.write(DATA, u32::from(b));
    }

    /// Sends `bytes` in order.
    pub fn write_all(&self, bytes: &[u8]) {
        for &b in bytes {
            self.write_byte(b);
        }
    }

    /// Sends `frame` SLIP-encoded (RFC 1055: END, the escaped frame, END) as it goes, with no
    /// encode buffer.
    pub fn write_slip(&self, frame: &[u8]) {
        pasa_addrcodec::wire::slip::encode_each(frame, |b| self.write_byte(b));
    }

    /// Acknowledges all of this UART's interrupts (the line is level-triggered: the handler must
    /// clear it or it fires again at once). The received byte stays in DATA for the main loop.
    #[inline]
    pub fn clear_interrupts(&self) {
        self.write(INTCLEAR, INT_ALL);
    }
}

impl core::fmt::Write for Uart {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.write_all(s.as_bytes());
        Ok(())
    }
}
