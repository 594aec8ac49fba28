//! Host-node image: one link, UART0 to the parent.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use pasa_board_mps2::app::{self, Memory};
use pasa_firmware::Role;

#[entry]
fn main() -> ! {
    // `#[entry]` turns this into a `&'static mut` (taken once, no unsafe).
    static mut MEMORY: Memory<1> = Memory::new();
    app::run(
        "host",
        Role::Host,
        [0x02, 0x00, 0x00, 0x00, 0x00, 0x01],
        MEMORY,
    )
}
