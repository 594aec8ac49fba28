//! Board self-test, run by harness.py: the state pages behave as NOR flash (and read erased on a
//! fresh QEMU), SysTick keeps time (the harness times the two "clock" lines against the host's
//! clock), `wfi` sleeps and wakes on the tick, and a panic ends QEMU with exit code 1.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use pasa_board_mps2::{Board, flash, hprintln, time};

#[entry]
fn main() -> ! {
    let mut board = Board::take(1).expect("board");
    let f = &mut board.flash;
    let mut buf = [0u8; 4];
    for page in 0..flash::PAGES {
        f.read(page * flash::PAGE, &mut buf);
        assert_eq!(
            buf, [0xFF; 4],
            "fresh state page {page} does not read erased"
        );
    }
    f.program(16, &[0xF0, 0x0F, 0x00, 0xAA]);
    f.program(16, &[0x3C, 0xFF, 0xFF, 0x0F]);
    f.read(16, &mut buf);
    assert_eq!(buf, [0x30, 0x0F, 0x00, 0x0A], "program is not old AND data");
    f.erase(0);
    f.read(16, &mut buf);
    assert_eq!(buf, [0xFF; 4], "erase does not give 0xFF");
    hprintln!(
        "selftest: flash ok ({} pages of {} B)",
        flash::PAGES,
        flash::PAGE
    );

    let t0 = time::now_ms();
    hprintln!("selftest: clock start");
    let mut wakes = 0u32;
    while time::now_ms() < t0 + 1000 {
        board.sleep(1);
        wakes += 1;
    }
    hprintln!(
        "selftest: clock {} ms, {} wakes",
        time::now_ms() - t0,
        wakes
    );
    panic!("selftest done: panicking on purpose");
}
