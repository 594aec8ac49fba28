//! Router image: UART0 to the parent, UART1..3 to children.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use pasa_board_mps2::app::{self, Memory};
use pasa_firmware::Role;

#[entry]
fn main() -> ! {
    // `#[entry]` turns this into a `&'static mut` (taken once, no unsafe).
    static mut MEMORY: Memory<4> = Memory::new();
    app::run(
        "router",
        Role::Router,
        [0x02, 0x00, 0x00, 0x00, 0x00, 0x02],
        MEMORY,
    )
}
