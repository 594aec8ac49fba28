//! The links: Ethernet (EtherType 0xA0ED, RFC 7973) through pnet, and serial links carrying
//! the same Ethernet-framed LoWPAN inside SLIP (RFC 1055), on a tty or a Unix socket.
//!
//! Every link has a reader thread that hands whole frames to the event loop through one
//! channel; sending happens on the event loop's thread. Frames are filtered here, before the
//! core sees them: only EtherType 0xA0ED, addressed to this node or to a group, and not sent
//! by this node (an `ETH_P_ALL` socket also sees its own output).
//!
//! Serial links carry `dst MAC | src MAC | 0xA0ED | LoWPAN` (an Ethernet frame without FCS or
//! padding) so that the core's neighbours have link-layer addresses on every link, the
//! registrar can check an SLLAO against its sender, and one pcap format shows every link.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;

use nix::sys::eventfd::EventFd;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use pnet_datalink::{self as datalink, Channel, DataLinkSender};

use crate::afpacket::{BATCH, PacketSocket, RxBatch, RxRing};
use crate::config::{EthIo, LinkConfig, LinkKind, SerialTarget};
use crate::slip;
use pasa_addrcodec::wire::ethernet::{self, ETHERTYPE_LOWPAN, HEADER_LEN};

/// Largest frame a link reads.
pub(crate) const FRAME_MAX: usize = 2048;

/// What the reader threads and the signal thread tell the event loop.
pub(crate) enum Msg {
    /// An Ethernet-framed LoWPAN frame for this node from link `iface`.
    Frame {
        /// The link.
        iface: u8,
        /// The whole frame, Ethernet header included.
        frame: Vec<u8>,
    },
    /// A native IPv6 packet from the kernel (the TUN device).
    Tun(Vec<u8>),
    /// A signal.
    Signal(i32),
    /// Frames a link discarded below the LoWPAN layer (bad SLIP escapes, oversize frames).
    RxErrors {
        /// The link.
        iface: u8,
        /// How many more.
        count: u64,
    },
    /// A link failed or came back; for the log.
    LinkState {
        /// The link.
        iface: u8,
        /// What happened.
        what: String,
    },
}

/// The event loop's inbox: a bounded channel, and an eventfd that wakes the loop's `poll`
/// when something is put in it.
#[derive(Clone)]
pub(crate) struct Events {
    tx: SyncSender<Msg>,
    wake: Arc<EventFd>,
}

impl Events {
    /// An inbox and the eventfd the loop polls.
    pub(crate) fn new(tx: SyncSender<Msg>, wake: Arc<EventFd>) -> Self {
        Self { tx, wake }
    }

    /// Puts `m` in the inbox and wakes the loop; an error means the loop is gone.
    pub(crate) fn send(&self, m: Msg) -> Result<(), ()> {
        self.tx.send(m).map_err(|_| ())?;
        let _ = self.wake.write(1);
        Ok(())
    }
}

/// Per-link counters (exported as metrics).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counters {
    /// Frames for this node handed to the core.
    pub(crate) rx_frames: u64,
    /// Frames sent.
    pub(crate) tx_frames: u64,
    /// Frames that could not be read or were malformed below the LoWPAN layer.
    pub(crate) rx_errors: u64,
    /// Frames that could not be sent.
    pub(crate) tx_errors: u64,
}

/// Where a serial link sends: the current peer of a listening socket, or a fixed stream.
type SerialPeer = Arc<Mutex<Option<Box<dyn Write + Send>>>>;

enum Tx {
    Ethernet(Box<dyn DataLinkSender>),
    Batched,
    Serial(SerialPeer),
}

/// One open link: its configuration, its sending half and its counters.
pub(crate) struct Link {
    /// Configuration.
    pub(crate) cfg: LinkConfig,
    tx: Tx,
    /// Counters (rx counted by the event loop, which sees every accepted frame).
    pub(crate) counters: Counters,
    /// SLIP encoding buffer.
    slip_buf: Vec<u8>,
    /// The batched socket (`io = "batched"` Ethernet links), read by the event loop.
    pub(crate) socket: Option<PacketSocket>,
    /// Its receive buffers (taken out while the loop hands the frames to the core).
    pub(crate) rx_batch: Option<Box<RxBatch>>,
    /// Its `TPACKET_V3` ring, when the kernel gave one (then `rx_batch` is not used).
    pub(crate) rx_ring: Option<RxRing>,
    /// Frames waiting for the next `sendmmsg`, and how many of the buffers are in use.
    tx_queue: Vec<Vec<u8>>,
    tx_used: usize,
}

impl Link {
    /// Sends an Ethernet-framed frame (queued until [`Link::flush`] on batched links).
    pub(crate) fn send(&mut self, frame: &[u8]) {
        let ok = match &mut self.tx {
            Tx::Batched => {
                if self.tx_used == self.tx_queue.len() {
                    self.tx_queue.push(Vec::with_capacity(FRAME_MAX));
                }
                if let Some(b) = self.tx_queue.get_mut(self.tx_used) {
                    b.clear();
                    b.extend_from_slice(frame);
                    self.tx_used += 1;
                }
                if self.tx_used >= BATCH {
                    self.flush();
                }
                return;
            }
            Tx::Ethernet(tx) => matches!(tx.send_to(frame, None), Some(Ok(()))),
            Tx::Serial(peer) => {
                self.slip_buf.clear();
                slip::encode(frame, &mut self.slip_buf);
                match peer.lock() {
                    Ok(mut p) => match p.as_mut() {
                        Some(w) => w.write_all(&self.slip_buf).is_ok(),
                        None => false,
                    },
                    Err(_) => false,
                }
            }
        };
        if ok {
            self.counters.tx_frames += 1;
        } else {
            self.counters.tx_errors += 1;
        }
    }
}

impl Link {
    /// Sends the queued frames of a batched link.
    pub(crate) fn flush(&mut self) {
        let Some(sock) = self.socket.as_ref() else {
            return;
        };
        if self.tx_used == 0 {
            return;
        }
        let frames: Vec<&[u8]> = self
            .tx_queue
            .iter()
            .take(self.tx_used)
            .map(Vec::as_slice)
            .collect();
        let sent = sock.send_batch(&frames).unwrap_or(0);
        self.counters.tx_frames += sent as u64;
        self.counters.tx_errors += (self.tx_used - sent.min(self.tx_used)) as u64;
        self.tx_used = 0;
    }
}

/// The MAC address of Ethernet interface `name`.
pub(crate) fn mac_of(name: &str) -> Result<[u8; 6]> {
    let ifc = find(name)?;
    let mac = ifc
        .mac
        .ok_or_else(|| anyhow!("interface {name} has no MAC address"))?;
    Ok(mac.octets())
}

fn find(name: &str) -> Result<datalink::NetworkInterface> {
    datalink::interfaces()
        .into_iter()
        .find(|i| i.name == name)
        .ok_or_else(|| {
            let have: Vec<String> = datalink::interfaces().into_iter().map(|i| i.name).collect();
            anyhow!(
                "no interface \"{name}\" (this namespace has: {})",
                have.join(", ")
            )
        })
}

/// Builds `dst | src | ethertype | payload` into `out`.
pub(crate) fn frame(
    out: &mut Vec<u8>,
    dst: &[u8; 6],
    src: &[u8; 6],
    ethertype: u16,
    payload: &[u8],
) {
    out.clear();
    out.resize(HEADER_LEN, 0);
    let _ = ethernet::write_header(out, dst, src, ethertype);
    out.extend_from_slice(payload);
}

/// True when `f` is a LoWPAN frame for this node (`mac`), what the reader threads queue.
fn for_us(f: &[u8], mac: &[u8; 6]) -> bool {
    ethernet::for_node(f, mac).is_some()
}

/// Opens every link of the configuration and starts its reader thread.
pub(crate) fn open_all(links: &[LinkConfig], mac: [u8; 6], events: &Events) -> Result<Vec<Link>> {
    links
        .iter()
        .enumerate()
        .map(|(i, cfg)| {
            let iface = u8::try_from(i).map_err(|_| anyhow!("more than 255 links"))?;
            open(iface, cfg, mac, events.clone())
                .with_context(|| format!("link {} ({})", i + 1, cfg.name))
        })
        .collect()
}

fn open(iface: u8, cfg: &LinkConfig, mac: [u8; 6], events: Events) -> Result<Link> {
    let tx = match &cfg.kind {
        LinkKind::Ethernet { interface, io } => {
            let mut ifc = find(interface)?;
            if !ifc.is_up() {
                // A packet socket bound to a down interface reports an error on every poll
                // until it is reopened: bring the link up first, as the operator asked for it.
                crate::tundev::ip(&["link", "set", "dev", interface, "up"])
                    .with_context(|| format!("{interface} is down and cannot be set up"))?;
                tracing::info!(link = %interface, "interface was down; set it up");
                ifc = find(interface)?;
            }
            if *io == EthIo::Batched {
                let sock = PacketSocket::open(interface, ETHERTYPE_LOWPAN).with_context(|| {
                    format!("{interface}: cannot open a packet socket (needs root or CAP_NET_RAW)")
                })?;
                let rx_ring = match RxRing::new(&sock) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        tracing::warn!(link = %interface, "no TPACKET_V3 ring ({e}); receiving with recvmmsg");
                        None
                    }
                };
                return Ok(Link {
                    cfg: cfg.clone(),
                    tx: Tx::Batched,
                    counters: Counters::default(),
                    slip_buf: Vec::new(),
                    socket: Some(sock),
                    rx_batch: Some(Box::new(RxBatch::new())),
                    rx_ring,
                    tx_queue: Vec::new(),
                    tx_used: 0,
                });
            }
            let config = datalink::Config {
                read_timeout: Some(Duration::from_millis(500)),
                read_buffer_size: 65536,
                write_buffer_size: 65536,
                ..Default::default()
            };
            let (tx, mut rx) = match datalink::channel(&ifc, config) {
                Ok(Channel::Ethernet(tx, rx)) => (tx, rx),
                Ok(_) => bail!("{interface}: not an Ethernet channel"),
                Err(e) => bail!(
                    "{interface}: cannot open a packet socket: {e} (needs root or CAP_NET_RAW)"
                ),
            };
            let name = interface.clone();
            thread::Builder::new()
                .name(format!("rx-{name}"))
                .spawn(move || {
                    loop {
                        match rx.next() {
                            Ok(f) => {
                                if for_us(f, &mac)
                                    && events
                                        .send(Msg::Frame {
                                            iface,
                                            frame: f.to_vec(),
                                        })
                                        .is_err()
                                {
                                    return;
                                }
                            }
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    std::io::ErrorKind::TimedOut
                                        | std::io::ErrorKind::WouldBlock
                                        | std::io::ErrorKind::Interrupted
                                ) => {}
                            Err(e) => {
                                let _ = events.send(Msg::LinkState {
                                    iface,
                                    what: format!("read failed: {e}; retrying in 1 s"),
                                });
                                thread::sleep(Duration::from_secs(1));
                            }
                        }
                    }
                })?;
            Tx::Ethernet(tx)
        }
        LinkKind::Serial(target) => {
            let peer: SerialPeer = Arc::new(Mutex::new(None));
            start_serial(iface, target.clone(), mac, Arc::clone(&peer), events)?;
            Tx::Serial(peer)
        }
    };
    Ok(Link {
        cfg: cfg.clone(),
        tx,
        counters: Counters::default(),
        slip_buf: Vec::with_capacity(2 * FRAME_MAX),
        socket: None,
        rx_batch: None,
        rx_ring: None,
        tx_queue: Vec::new(),
        tx_used: 0,
    })
}

/// Reads SLIP from `r` until it ends, handing accepted frames to the event loop. Returns false
/// when the event loop is gone.
fn pump(iface: u8, mut r: impl Read, mac: &[u8; 6], events: &Events) -> bool {
    let mut dec = slip::Decoder::new(FRAME_MAX);
    let mut buf = [0u8; 4096];
    let mut alive = true;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return alive,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return alive,
        };
        let before = dec.errors();
        dec.push(buf.get(..n).unwrap_or(&[]), |f| {
            if for_us(f, mac)
                && events
                    .send(Msg::Frame {
                        iface,
                        frame: f.to_vec(),
                    })
                    .is_err()
            {
                alive = false;
            }
        });
        let after = dec.errors();
        let count = (after.bad_escape + after.oversize) - (before.bad_escape + before.oversize);
        if count > 0 && events.send(Msg::RxErrors { iface, count }).is_err() {
            alive = false;
        }
        if !alive {
            return false;
        }
    }
}

fn start_serial(
    iface: u8,
    target: SerialTarget,
    mac: [u8; 6],
    peer: SerialPeer,
    events: Events,
) -> Result<()> {
    let set_peer = |peer: &SerialPeer, w: Option<Box<dyn Write + Send>>| {
        if let Ok(mut p) = peer.lock() {
            *p = w;
        }
    };
    match target {
        SerialTarget::Listen(path) => {
            let _ = std::fs::remove_file(&path);
            let listener = UnixListener::bind(&path)
                .with_context(|| format!("cannot listen on {}", path.display()))?;
            thread::Builder::new()
                .name(format!("serial-{iface}"))
                .spawn(move || {
                    for conn in listener.incoming() {
                        let Ok(s) = conn else { continue };
                        let Ok(w) = s.try_clone() else { continue };
                        set_peer(&peer, Some(Box::new(w)));
                        let _ = events.send(Msg::LinkState {
                            iface,
                            what: format!("peer connected on {}", path.display()),
                        });
                        if !pump(iface, s, &mac, &events) {
                            return;
                        }
                        set_peer(&peer, None);
                        let _ = events.send(Msg::LinkState {
                            iface,
                            what: format!("peer left {}", path.display()),
                        });
                    }
                })?;
        }
        SerialTarget::Connect(path) => {
            thread::Builder::new()
                .name(format!("serial-{iface}"))
                .spawn(move || {
                    let mut told = false;
                    loop {
                        match UnixStream::connect(&path) {
                            Ok(s) => {
                                told = false;
                                if let Ok(w) = s.try_clone() {
                                    set_peer(&peer, Some(Box::new(w)));
                                }
                                let _ = events.send(Msg::LinkState {
                                    iface,
                                    what: format!("connected to {}", path.display()),
                                });
                                if !pump(iface, s, &mac, &events) {
                                    return;
                                }
                                set_peer(&peer, None);
                            }
                            Err(e) if !told => {
                                told = true;
                                let _ = events.send(Msg::LinkState {
                                    iface,
                                    what: format!(
                                        "cannot connect to {}: {e}; retrying every second",
                                        path.display()
                                    ),
                                });
                            }
                            Err(_) => {}
                        }
                        thread::sleep(Duration::from_secs(1));
                    }
                })?;
        }
        SerialTarget::Tty { path, baud } => {
            let file = open_tty(&path, baud)?;
            let w = file
                .try_clone()
                .with_context(|| format!("{}: cannot duplicate", path.display()))?;
            set_peer(&peer, Some(Box::new(w)));
            thread::Builder::new()
                .name(format!("serial-{iface}"))
                .spawn(move || {
                    if pump(iface, file, &mac, &events) {
                        let _ = events.send(Msg::LinkState {
                            iface,
                            what: format!("{} closed", path.display()),
                        });
                    }
                })?;
        }
    }
    Ok(())
}

/// Opens a tty raw (8N1, no flow control) at `baud`.
fn open_tty(path: &PathBuf, baud: u32) -> Result<std::fs::File> {
    use nix::sys::termios::{self, BaudRate, SetArg};
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let rate = match baud {
        9600 => BaudRate::B9600,
        19200 => BaudRate::B19200,
        38400 => BaudRate::B38400,
        57600 => BaudRate::B57600,
        115_200 => BaudRate::B115200,
        230_400 => BaudRate::B230400,
        460_800 => BaudRate::B460800,
        921_600 => BaudRate::B921600,
        other => bail!(
            "{}: baud {other} is not one of 9600 ... 921600",
            path.display()
        ),
    };
    let mut t =
        termios::tcgetattr(&file).with_context(|| format!("{} is not a tty", path.display()))?;
    termios::cfmakeraw(&mut t);
    termios::cfsetspeed(&mut t, rate)?;
    termios::tcsetattr(&file, SetArg::TCSANOW, &t)?;
    Ok(file)
}

/// Sends `count` copies of `payload` from interface `name`, framed as Ethernet to `dst`
/// with `ethertype` (`pasa-router inject`, for tests, bring-up and the throughput bench),
/// in batches of 64 per system call. Returns how many were sent.
pub(crate) fn inject(
    name: &str,
    dst: [u8; 6],
    ethertype: u16,
    payload: &[u8],
    count: u64,
    rate: Option<u64>,
) -> Result<u64> {
    let src = mac_of(name).unwrap_or([2, 0, 0, 0, 0, 0xEE]);
    let sock = PacketSocket::open(name, ethertype)
        .with_context(|| format!("{name}: cannot open a packet socket"))?;
    let mut f = Vec::new();
    frame(&mut f, &dst, &src, ethertype, payload);
    let batch: Vec<&[u8]> = vec![f.as_slice(); BATCH];
    let mut sent = 0u64;
    let mut stalls = 0u32;
    let start = std::time::Instant::now();
    while sent < count {
        if let Some(pps) = rate.filter(|&r| r > 0) {
            // Paced: batch k leaves at k * BATCH / pps seconds.
            let due = std::time::Duration::from_secs_f64(sent as f64 / pps as f64);
            while start.elapsed() < due {
                std::hint::spin_loop();
            }
        }
        let want = usize::try_from(count - sent).unwrap_or(BATCH).min(BATCH);
        let n = sock
            .send_batch(batch.get(..want).unwrap_or(&[]))
            .with_context(|| format!("{name}: send failed"))?;
        if n == 0 {
            // The interface queue is full: wait for it to drain, but not forever.
            stalls += 1;
            if stalls > 100_000 {
                bail!("{name}: the interface accepts no frames");
            }
            std::thread::yield_now();
        } else {
            stalls = 0;
        }
        sent += n as u64;
    }
    Ok(sent)
}
