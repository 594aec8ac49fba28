//! Board bring-up image (run by harness.py): every SLIP frame
//! received on UART0..3 is echoed back on the same UART, and a boot counter kept in the last
//! state page shows that the state pages survive a QEMU `system_reset`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use pasa_addrcodec::wire::slip::Decoder;
use pasa_board_mps2::flash::{PAGE, PAGES};
use pasa_board_mps2::{Board, MAX_LINKS, hprintln};

/// Largest frame echoed.
const FRAME_MAX: usize = 2048;
/// Boot counter record in the last state page (a page the firmware does not use): magic, then
/// a little-endian u32.
const BOOT_MAGIC: [u8; 4] = *b"PBC1";

/// Increments and returns the boot counter (1 on a fresh QEMU).
fn count_boot(board: &mut Board) -> u32 {
    let off = (PAGES - 1) * PAGE;
    let mut rec = [0u8; 8];
    board.flash.read(off, &mut rec);
    let n = if rec[..4] == BOOT_MAGIC {
        u32::from_le_bytes([rec[4], rec[5], rec[6], rec[7]])
    } else {
        0
    }
    .wrapping_add(1);
    board.flash.erase(PAGES - 1);
    rec[..4].copy_from_slice(&BOOT_MAGIC);
    rec[4..].copy_from_slice(&n.to_le_bytes());
    board.flash.program(off, &rec);
    n
}

#[entry]
fn main() -> ! {
    // `#[entry]` turns this into a `&'static mut` (taken once, no unsafe).
    static mut DECODERS: [Decoder<FRAME_MAX>; MAX_LINKS] = [const { Decoder::new() }; MAX_LINKS];
    let Some(mut board) = Board::take(MAX_LINKS) else {
        panic!("board taken twice")
    };
    let boots = count_boot(&mut board);
    hprintln!(
        "pasa-board {} up: image echo, {} link(s), boot {}, state pages at {:#010x}",
        board.name,
        MAX_LINKS,
        boots,
        board.flash.base_addr()
    );
    loop {
        for (uart, dec) in board.uarts.iter().zip(DECODERS.iter_mut()) {
            while let Some(b) = uart.try_read() {
                if let Some(frame) = dec.push(b) {
                    uart.write_slip(frame);
                }
            }
        }
        board.sleep(MAX_LINKS);
    }
}
