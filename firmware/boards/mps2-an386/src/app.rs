//! The firmware images: `pasa_firmware::Firmware` between the board's UARTs, clock and state
//! pages. One loop for both images; they differ in role and number of links.

use core::fmt::Write;
use core::mem::MaybeUninit;

use pasa_addrcodec::Prefix64;
use pasa_addrcodec::wire::slip::Decoder;
use pasa_firmware::{Config, FRAME_MAX, Firmware, Resources, Role};

use crate::flash::StateFlash;
use crate::uart::Uart;
use crate::{Board, MAX_LINKS, cmdline, hprintln, stack, time};

/// One SLIP decoder per link, sized for the firmware's largest frame.
pub type Decoders<const LINKS: usize> = [Decoder<FRAME_MAX>; LINKS];

type Fw = Firmware<'static, StateFlash>;

/// The memory an image keeps in statics (so that its size shows as static RAM, not stack):
/// the firmware itself, its buffers and the link decoders. All of it starts zeroed or
/// uninitialised, so it lands in .bss and costs no flash (`Resources::new` is not all zeros,
/// so it is written at boot).
pub struct Memory<const LINKS: usize> {
    res: MaybeUninit<Resources<'static, StateFlash>>,
    fw: MaybeUninit<Fw>,
    dec: Decoders<LINKS>,
    out: [u8; FRAME_MAX],
}

impl<const LINKS: usize> Memory<LINKS> {
    /// Initial (zeroed, so .bss) memory.
    pub const fn new() -> Self {
        Memory {
            res: MaybeUninit::uninit(),
            fw: MaybeUninit::uninit(),
            dec: [const { Decoder::new() }; LINKS],
            out: [0; FRAME_MAX],
        }
    }
}

impl<const LINKS: usize> Default for Memory<LINKS> {
    fn default() -> Self {
        Self::new()
    }
}

/// Boots the node and runs it; never returns. `mem` comes from a `static mut` in `#[entry]`.
pub fn run<const LINKS: usize>(
    image: &str,
    role: Role,
    default_mac: [u8; 6],
    mem: &'static mut Memory<LINKS>,
) -> ! {
    stack::paint();
    let Some(board) = Board::take(LINKS) else {
        panic!("board taken twice")
    };
    let Board {
        uarts,
        mut console,
        flash,
        name,
    } = board;
    let Memory { res, fw, dec, out } = mem;
    let (fw, mac) = start(role, LINKS as u8, default_mac, flash, res, fw);
    let boot_stack = stack::peak();
    hprintln!(
        "pasa-board {} up: image {}, {} link(s), mac {}, boot stack {} B",
        name,
        image,
        LINKS,
        Mac(mac),
        boot_stack
    );
    // From here on the paint measures the running node's stack (in the console's status line).
    stack::paint();
    serve(fw, &uarts[..LINKS], &mut console, dec, out)
}

/// Reads the settings and starts the firmware in its static. Not inlined, so that its large
/// stack frame (the firmware is built on the stack before it moves into the static) is gone
/// once the node runs.
#[inline(never)]
fn start(
    role: Role,
    links: u8,
    default_mac: [u8; 6],
    flash: StateFlash,
    res: &'static mut MaybeUninit<Resources<'static, StateFlash>>,
    fw: &'static mut MaybeUninit<Fw>,
) -> (&'static mut Fw, [u8; 6]) {
    let mut settings = cmdline::Settings {
        mac: default_mac,
        prefix: Prefix64::DOC,
        sensor: None,
    };
    let mut line = [0u8; 256];
    cmdline::apply(cmdline::read(&mut line), &mut settings);
    let cfg = Config {
        role,
        mac: settings.mac,
        links,
        prefix: settings.prefix,
        sensor: settings.sensor,
    };
    let res = res.write(Resources::new());
    match Firmware::init(fw, cfg, flash, res, time::now_ms()) {
        Ok(f) => (f, settings.mac),
        Err(e) => panic!("firmware refused to start: {e:?}"),
    }
}

/// The node's loop: bytes from the UARTs into the firmware, its frames out, its timers, and
/// `wfi` in between.
#[inline(never)]
fn serve(
    fw: &mut Fw,
    uarts: &[Uart],
    console: &mut Uart,
    dec: &mut [Decoder<FRAME_MAX>],
    out: &mut [u8],
) -> ! {
    debug_assert!(uarts.len() <= MAX_LINKS && dec.len() == uarts.len());
    let mut shown = None;
    loop {
        let now = time::now_ms();
        for (link, (uart, dec)) in uarts.iter().zip(dec.iter_mut()).enumerate() {
            while let Some(b) = uart.try_read() {
                if let Some(frame) = dec.push(b) {
                    fw.receive(now, link as u8, frame);
                    // The firmware's send queue is short: empty it after every frame.
                    flush(fw, uarts, out);
                }
            }
        }
        if fw.poll_at(now).is_some_and(|t| t <= now) {
            fw.poll(now);
        }
        flush(fw, uarts, out);
        let addr = fw.address();
        if addr != shown {
            shown = addr;
            report_address(now, addr);
        }
        // Any byte on the console asks for a status line there.
        if console.try_read().is_some() {
            let _ = report_status(console, now, fw, dec);
        }
        // Wakes on the next received byte or the next 1 ms tick.
        Board::sleep_on(uarts, console);
    }
}

/// Sends every queued frame on its link, SLIP-encoded.
fn flush(fw: &mut Fw, uarts: &[Uart], out: &mut [u8]) {
    while let Some((link, n)) = fw.transmit(out) {
        if let (Some(u), Some(f)) = (uarts.get(usize::from(link)), out.get(..n)) {
            u.write_slip(f);
        }
    }
}

/// Prints the node's address when it changes (the tests wait for this line).
fn report_address(now: u64, addr: Option<[u8; 16]>) {
    match addr {
        Some(a) => hprintln!("pasa-board: address {} at {} ms", Ip6(a), now),
        None => hprintln!("pasa-board: no address at {} ms", now),
    }
}

/// Writes the firmware's counters, the core's forwarded count, the SLIP decoders' errors (all
/// links), the address, the stack used since boot finished and the core's non-zero drop
/// counters, as one line on the console (UART4), on request.
fn report_status(
    w: &mut impl Write,
    now: u64,
    fw: &Fw,
    dec: &[Decoder<FRAME_MAX>],
) -> core::fmt::Result {
    let c = fw.counters();
    let (bad_escape, oversize) = dec.iter().fold((0, 0), |(b, o), d| {
        let e = d.errors();
        (b + e.bad_escape, o + e.oversize)
    });
    write!(
        w,
        "status at {} ms: stack {} rx_frames {} rx_ignored {} tx_frames {} tx_dropped {} \
         local_rx {} local_tx {} local_dropped {} udp_echoed {} reports {} forwarded {} \
         slip_bad_escape {} slip_oversize {}",
        now,
        stack::peak(),
        c.rx_frames,
        c.rx_ignored,
        c.tx_frames,
        c.tx_dropped,
        c.local_rx,
        c.local_tx,
        c.local_dropped,
        c.udp_echoed,
        c.reports,
        fw.node().stats().forwarded,
        bad_escape,
        oversize
    )?;
    match fw.address() {
        Some(a) => write!(w, " address {}", Ip6(a))?,
        None => w.write_str(" address none")?,
    }
    w.write_str(" drops")?;
    for (reason, n) in fw.node().drops().iter() {
        if n > 0 {
            write!(w, " {}={}", reason.name(), n)?;
        }
    }
    w.write_str("\n")
}

/// A MAC address as xx:xx:xx:xx:xx:xx.
struct Mac([u8; 6]);

impl core::fmt::Display for Mac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// An IPv6 address as eight uncompressed hex groups (cheaper than `core::net`'s Display).
struct Ip6([u8; 16]);

impl core::fmt::Display for Ip6 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, g) in self.0.chunks_exact(2).enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{:x}", u16::from_be_bytes([g[0], g[1]]))?;
        }
        Ok(())
    }
}
