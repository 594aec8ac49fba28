//! # pasa-firmware: a PASA node on a microcontroller
//!
//! The board-independent firmware logic, tested on the host with `cargo test`. The board
//! crate (`firmware/boards/mps2-an386`, booted under QEMU in the tests) only moves bytes
//! between its UARTs and [`Firmware`], keeps time, and gives a [`Flash`].
//!
//! ```text
//!  UART n --SLIP--> Ethernet-framed LoWPAN --> Firmware::receive
//!                     |  pasa-router core (same as Linux and the simulator)
//!                     |-- forward ---------> another UART (never reaches the stack)
//!                     |-- deliver (native IPv6) --> PasaDevice --> smoltcp (Medium::Ip):
//!                     |                              ICMPv6 echo, UDP echo :7, sensor reports
//!  smoltcp sends ---> PasaDevice --> core compresses and routes --> UART
//! ```
//!
//! - **Links** carry, inside SLIP, the same frame as the Linux process's serial links:
//!   `dst MAC | src MAC | 0xA0ED | LoWPAN`, so every neighbour has a link-layer address.
//! - **The local stack** is smoltcp on `Medium::Ip`: it answers ICMPv6 echo itself, the
//!   firmware runs a UDP echo service on port 7 and, when configured, a sensor app that sends
//!   a report every period to a fixed address.
//! - **State** (address, children, ROVR, TIDs) is the core's record, on two flash pages
//!   ([`FlashStore`]); after a reset the node registers the same address again.
//! - `no_std`, no allocation, no clock (time comes in as milliseconds), no `unsafe`.

#![no_std]
#![forbid(unsafe_code)]

pub mod device;
pub mod flash;

use heapless::Deque;
use pasa_addrcodec::wire::ethernet;
use pasa_addrcodec::wire::iphc::{Context, Contexts};
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_addrcodec::{PasaAddr, Prefix64};
use pasa_router::control::CONTROL_FRAME_MAX;
use pasa_router::joiner::JoinState;
use pasa_router::{Action, LinkDst, Neighbor, Node, NodeConfig, NodeRole, Rx, Verdict};
use smoltcp::iface::{Config as IfaceConfig, Interface, SocketHandle, SocketSet, SocketStorage};
use smoltcp::socket::udp;
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, IpEndpoint, Ipv6Address};

pub use device::{PACKET_MAX, PasaDevice};
pub use flash::{Flash, FlashStore, RamFlash};

/// Children per role the firmware's table holds.
pub const CAPACITY: usize = 8;
/// Most links (UART0 to the parent, UART1..3 to children in a router build).
pub const LINKS_MAX: u8 = 4;
/// Ethernet header in front of every LoWPAN frame on a link.
pub const ETH_HEADER: usize = ethernet::HEADER_LEN;
/// Largest frame on a link (Ethernet header included): room for every ND message the core
/// writes and for small datagrams; there is no 6LoWPAN fragmentation on these links.
pub const FRAME_MAX: usize = if ETH_HEADER + CONTROL_FRAME_MAX > 320 {
    ETH_HEADER + CONTROL_FRAME_MAX
} else {
    320
};
/// Octets a flash page (a record slot) needs at least: the core's largest state record and
/// its framing. `Firmware::new` refuses a smaller [`Flash::PAGE`].
pub const STATE_PAGE_MIN: usize =
    Node::<FlashStore<RamFlash<0>>, CAPACITY>::STATE_MAX_LEN + pasa_router::store::OVERHEAD;
/// Frames waiting for the board to send them.
pub const OUT_QUEUE: usize = 4;
/// UDP echo port.
pub const ECHO_PORT: u16 = 7;
/// UDP port the sensor app sends from.
pub const SENSOR_PORT: u16 = 5683;

const UDP_META: usize = 2;
const UDP_BUF: usize = 256;

/// Router or host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Forwards and assigns addresses to children on links 1.. .
    Router,
    /// A leaf on link 0.
    Host,
}

/// What the sensor app sends, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sensor {
    /// Destination address.
    pub to: [u8; 16],
    /// Destination port.
    pub port: u16,
    /// Period, milliseconds.
    pub period_ms: u32,
}

/// The board's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Router or host.
    pub role: Role,
    /// The node's link-layer address on every link.
    pub mac: [u8; 6],
    /// Links in use (1 for a host, up to [`LINKS_MAX`] for a router); link 0 leads to the
    /// parent.
    pub links: u8,
    /// The domain's /64.
    pub prefix: Prefix64,
    /// The periodic report, if any.
    pub sensor: Option<Sensor>,
}

/// Why the firmware cannot start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The core refused (its configuration or the stored state).
    Node(pasa_router::NewError),
    /// `links` is 0, above [`LINKS_MAX`], or above 1 for a host.
    Links(u8),
}

/// Counters of the firmware (the core keeps its own: [`Firmware::node`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Frames handed to the core.
    pub rx_frames: u32,
    /// Frames ignored below the core: too short, not 0xA0ED, not for this node, unknown link.
    pub rx_ignored: u32,
    /// Frames queued for the board.
    pub tx_frames: u32,
    /// Frames dropped because the board's queue was full or the frame too large.
    pub tx_dropped: u32,
    /// Packets the core delivered to the local stack.
    pub local_rx: u32,
    /// Packets the local stack sent.
    pub local_tx: u32,
    /// Packets for the local stack dropped (queue full, too large).
    pub local_dropped: u32,
    /// UDP datagrams echoed.
    pub udp_echoed: u32,
    /// Sensor reports sent.
    pub reports: u32,
}

/// A frame for the board, Ethernet header included.
pub struct OutFrame {
    link: u8,
    len: usize,
    buf: [u8; FRAME_MAX],
}

/// The memory the firmware borrows: the router core's node, socket storage, UDP buffers
/// and the queues. Put it in a `static` (`Resources<'static, F>`): the node is built in it,
/// never on the stack.
pub struct Resources<'a, F: Flash> {
    node: core::mem::MaybeUninit<Node<FlashStore<F>, CAPACITY>>,
    sockets: [SocketStorage<'a>; 2],
    echo_rx_meta: [udp::PacketMetadata; UDP_META],
    echo_rx: [u8; UDP_BUF],
    echo_tx_meta: [udp::PacketMetadata; UDP_META],
    echo_tx: [u8; UDP_BUF],
    sensor_rx_meta: [udp::PacketMetadata; 1],
    sensor_rx: [u8; 16],
    sensor_tx_meta: [udp::PacketMetadata; 1],
    sensor_tx: [u8; 64],
    out: Deque<OutFrame, OUT_QUEUE>,
    dev: PasaDevice,
}

impl<F: Flash> Resources<'_, F> {
    /// Empty buffers.
    pub const fn new() -> Self {
        Self {
            node: core::mem::MaybeUninit::uninit(),
            sockets: [SocketStorage::EMPTY, SocketStorage::EMPTY],
            echo_rx_meta: [udp::PacketMetadata::EMPTY; UDP_META],
            echo_rx: [0; UDP_BUF],
            echo_tx_meta: [udp::PacketMetadata::EMPTY; UDP_META],
            echo_tx: [0; UDP_BUF],
            sensor_rx_meta: [udp::PacketMetadata::EMPTY; 1],
            sensor_rx: [0; 16],
            sensor_tx_meta: [udp::PacketMetadata::EMPTY; 1],
            sensor_tx: [0; 64],
            out: Deque::new(),
            dev: PasaDevice::new(),
        }
    }
}

impl<F: Flash> Default for Resources<'_, F> {
    fn default() -> Self {
        Self::new()
    }
}

/// One PASA node: the router core, its links and smoltcp as its own stack.
pub struct Firmware<'a, F: Flash> {
    node: &'a mut Node<FlashStore<F>, CAPACITY>,
    iface: Interface,
    sockets: SocketSet<'a>,
    echo: SocketHandle,
    sensor: SocketHandle,
    dev: &'a mut PasaDevice,
    out: &'a mut Deque<OutFrame, OUT_QUEUE>,
    cfg: Config,
    /// The address configured on smoltcp.
    shown: Option<Ipv6Address>,
    next_report: u64,
    counters: Counters,
}

impl<'a, F: Flash> Firmware<'a, F> {
    /// Starts the node in `slot`: reads its state from `flash` (a node that held an address
    /// registers it again) and starts joining. Built in place, so a board keeps the node in a
    /// static without a copy of it on the stack.
    pub fn init(
        slot: &'a mut core::mem::MaybeUninit<Self>,
        cfg: Config,
        flash: F,
        res: &'a mut Resources<'a, F>,
        now_ms: u64,
    ) -> Result<&'a mut Self, Error> {
        let max_links = match cfg.role {
            Role::Router => LINKS_MAX,
            Role::Host => 1,
        };
        if cfg.links == 0 || cfg.links > max_links {
            return Err(Error::Links(cfg.links));
        }
        let Resources {
            node,
            sockets,
            echo_rx_meta,
            echo_rx,
            echo_tx_meta,
            echo_tx,
            sensor_rx_meta,
            sensor_rx,
            sensor_tx_meta,
            sensor_tx,
            out,
            dev,
        } = res;
        let node = Node::init(node, node_config(&cfg), FlashStore::new(flash), now_ms)
            .map_err(Error::Node)?;
        let iface = Interface::new(
            IfaceConfig::new(HardwareAddress::Ip),
            dev,
            Instant::from_millis(now_ms as i64),
        );
        let mut set = SocketSet::new(&mut sockets[..]);
        let mut echo = udp::Socket::new(
            udp::PacketBuffer::new(&mut echo_rx_meta[..], &mut echo_rx[..]),
            udp::PacketBuffer::new(&mut echo_tx_meta[..], &mut echo_tx[..]),
        );
        let _ = echo.bind(ECHO_PORT);
        let mut sensor = udp::Socket::new(
            udp::PacketBuffer::new(&mut sensor_rx_meta[..], &mut sensor_rx[..]),
            udp::PacketBuffer::new(&mut sensor_tx_meta[..], &mut sensor_tx[..]),
        );
        let _ = sensor.bind(SENSOR_PORT);
        let echo = set.add(echo);
        let sensor = set.add(sensor);
        let fw = slot.write(Self {
            node,
            iface,
            sockets: set,
            echo,
            sensor,
            dev,
            out,
            cfg,
            shown: None,
            next_report: 0,
            counters: Counters::default(),
        });
        fw.poll(now_ms);
        Ok(fw)
    }

    /// The router core (its address, counters, drops, children).
    pub fn node(&self) -> &Node<FlashStore<F>, CAPACITY> {
        self.node
    }

    /// The firmware's counters.
    pub fn counters(&self) -> Counters {
        Counters {
            local_dropped: self
                .counters
                .local_dropped
                .saturating_add(self.dev.tx_dropped),
            ..self.counters
        }
    }

    /// The node's registered IPv6 address, once it holds one.
    pub fn address(&self) -> Option<[u8; 16]> {
        self.shown.map(|a| a.octets())
    }

    /// The flash (what survives a reset).
    pub fn flash(&self) -> &F {
        self.node.store().store().flash()
    }

    /// One SLIP-decoded frame from link `link`.
    pub fn receive(&mut self, now_ms: u64, link: u8, frame: &[u8]) {
        let parsed = ethernet::for_node(frame, &self.cfg.mac)
            .filter(|_| link < self.cfg.links)
            .and_then(|f| Some((f, LinkAddr::new(&f.src).ok()?)));
        let Some((f, ll)) = parsed else {
            self.counters.rx_ignored = self.counters.rx_ignored.saturating_add(1);
            return;
        };
        self.counters.rx_frames = self.counters.rx_frames.saturating_add(1);
        let rx = Rx {
            from: Neighbor { iface: link, ll },
            multicast: f.to_group(),
            frame: f.payload,
        };
        let v = self.node.receive(now_ms, &rx);
        self.act(v, f.payload);
        self.poll(now_ms);
    }

    /// Runs timers, the joiner, the local stack and the apps. Call it when
    /// [`Firmware::poll_at`] is due, and after the board moved frames.
    pub fn poll(&mut self, now_ms: u64) {
        for _ in 0..4 {
            if self.node.poll_timeout().is_some_and(|t| t <= now_ms) {
                self.node.handle_timeout(now_ms);
            }
            self.joiner_frames(now_ms);
            self.sync_address();
            let ts = Instant::from_millis(now_ms as i64);
            self.iface.poll(ts, &mut *self.dev, &mut self.sockets);
            // After the stack took in what the core delivered: an echo or a report queued
            // now goes out on the next round of this loop, not at some later poll.
            let queued = self.apps(now_ms);
            let mut sent = false;
            while let Some(p) = self.dev.tx.pop_front() {
                sent = true;
                self.counters.local_tx = self.counters.local_tx.saturating_add(1);
                let v = self.node.send(now_ms, p.bytes());
                self.act(v, p.bytes());
            }
            if !sent && !queued && self.dev.rx.is_empty() {
                break;
            }
        }
    }

    /// The next frame to send: (link, length written into `out`). `out` needs
    /// [`FRAME_MAX`] octets; a shorter buffer leaves the frame queued and returns `None`.
    pub fn transmit(&mut self, out: &mut [u8]) -> Option<(u8, usize)> {
        let f = self.out.front()?;
        let dst = out.get_mut(..f.len)?;
        dst.copy_from_slice(f.buf.get(..f.len)?);
        let r = (f.link, f.len);
        let _ = self.out.pop_front();
        Some(r)
    }

    /// When [`Firmware::poll`] must run next (milliseconds), if anything is scheduled.
    pub fn poll_at(&mut self, now_ms: u64) -> Option<u64> {
        let ts = Instant::from_millis(now_ms as i64);
        let stack = self
            .iface
            .poll_at(ts, &self.sockets)
            .map(|t| t.total_millis().max(0) as u64);
        let report = match (self.cfg.sensor, self.shown) {
            (Some(_), Some(_)) => Some(self.next_report),
            _ => None,
        };
        [self.node.poll_timeout(), stack, report]
            .into_iter()
            .flatten()
            .min()
    }

    /// Sends the joiner's ND frames.
    fn joiner_frames(&mut self, now_ms: u64) {
        let mut buf = [0u8; CONTROL_FRAME_MAX];
        for _ in 0..8 {
            let Some(t) = self.node.poll_transmit(now_ms, &mut buf) else {
                break;
            };
            let frame = buf.get(..t.len).unwrap_or(&[]);
            self.queue_frame(t.to, |out| {
                let dst = out.get_mut(..frame.len())?;
                dst.copy_from_slice(frame);
                Some(frame.len())
            });
        }
    }

    /// Puts the node's registered address on smoltcp (a /64, so the whole domain is on-link
    /// for it: the core routes) with a default route, or takes it away.
    fn sync_address(&mut self) {
        let joined = matches!(
            self.node.join_state(),
            JoinState::Joined { .. } | JoinState::Idle
        );
        let want = if joined {
            self.node
                .address()
                .map(|a: PasaAddr| a.to_ipv6(self.cfg.prefix))
        } else {
            None
        };
        if want == self.shown {
            return;
        }
        self.shown = want;
        self.iface.update_ip_addrs(|addrs| {
            addrs.clear();
            if let Some(a) = want {
                let _ = addrs.push(IpCidr::new(IpAddress::Ipv6(a), 64));
            }
        });
        self.iface.routes_mut().remove_default_ipv6_route();
        if let Some(a) = want {
            let _ = self.iface.routes_mut().add_default_ipv6_route(a);
        }
    }

    /// UDP echo, and the sensor report when due; true when something was queued to send.
    fn apps(&mut self, now_ms: u64) -> bool {
        let mut queued = false;
        let mut buf = [0u8; UDP_BUF];
        let echo = self.sockets.get_mut::<udp::Socket>(self.echo);
        while let Ok((n, meta)) = echo.recv_slice(&mut buf) {
            if echo
                .send_slice(buf.get(..n).unwrap_or(&[]), meta.endpoint)
                .is_ok()
            {
                self.counters.udp_echoed = self.counters.udp_echoed.saturating_add(1);
                queued = true;
            }
        }
        if let (Some(s), Some(_)) = (self.cfg.sensor, self.shown)
            && now_ms >= self.next_report
        {
            self.next_report = now_ms.saturating_add(u64::from(s.period_ms.max(1)));
            let seq = self.counters.reports;
            let mut msg = [0u8; 24];
            let text = b"pasa-report ";
            if let Some(d) = msg.get_mut(..text.len()) {
                d.copy_from_slice(text);
            }
            if let Some(d) = msg.get_mut(12..16) {
                d.copy_from_slice(&seq.to_be_bytes());
            }
            if let Some(d) = msg.get_mut(16..24) {
                d.copy_from_slice(&now_ms.to_be_bytes());
            }
            let to = IpEndpoint::new(IpAddress::Ipv6(Ipv6Address::from(s.to)), s.port);
            let sensor = self.sockets.get_mut::<udp::Socket>(self.sensor);
            if sensor.send_slice(&msg, to).is_ok() {
                self.counters.reports = self.counters.reports.saturating_add(1);
                queued = true;
            }
        }
        queued
    }

    /// Acts on a verdict of the core about `input`.
    fn act(&mut self, v: Verdict, input: &[u8]) {
        if v.len == 0 {
            return;
        }
        let to = match v.action {
            Action::Forward(n) => LinkDst::Neighbor(n),
            Action::Send(d) | Action::Error { to: d, .. } => d,
            Action::Deliver => {
                let delivered = device::Packet::zeroed(v.len).is_some_and(|mut p| {
                    self.node.emit(&v, input, p.bytes_mut()).is_ok()
                        && self.dev.rx.push_back(p).is_ok()
                });
                if delivered {
                    self.counters.local_rx = self.counters.local_rx.saturating_add(1);
                } else {
                    self.counters.local_dropped = self.counters.local_dropped.saturating_add(1);
                }
                return;
            }
            // A firmware node is never the root: nothing leaves the domain from here.
            Action::Egress | Action::Consumed | Action::Drop(_) => return,
        };
        let node = &self.node;
        let len = v.len;
        push_frame(self.out, &mut self.counters, &self.cfg, to, |buf| {
            let b = buf.get_mut(..len)?;
            node.emit(&v, input, b).ok()
        });
    }

    /// Queues a frame for `to`, the LoWPAN part written by `write` (returns its length).
    fn queue_frame(&mut self, to: LinkDst, write: impl FnOnce(&mut [u8]) -> Option<usize>) {
        push_frame(self.out, &mut self.counters, &self.cfg, to, write);
    }
}

/// Queues an Ethernet-framed frame for `to`; `write` fills the LoWPAN part and returns its
/// length.
fn push_frame(
    out: &mut Deque<OutFrame, OUT_QUEUE>,
    counters: &mut Counters,
    cfg: &Config,
    to: LinkDst,
    write: impl FnOnce(&mut [u8]) -> Option<usize>,
) {
    let (link, dst) = match to {
        LinkDst::Neighbor(n) => match <[u8; 6]>::try_from(n.ll.as_bytes()) {
            Ok(m) => (n.iface, m),
            Err(_) => {
                counters.tx_dropped = counters.tx_dropped.saturating_add(1);
                return;
            }
        },
        LinkDst::Multicast { iface } => (iface, ethernet::BROADCAST),
        LinkDst::External => {
            counters.tx_dropped = counters.tx_dropped.saturating_add(1);
            return;
        }
    };
    if link >= cfg.links || out.is_full() {
        counters.tx_dropped = counters.tx_dropped.saturating_add(1);
        return;
    }
    let mut f = OutFrame {
        link,
        len: 0,
        buf: [0; FRAME_MAX],
    };
    let Some(n) = f.buf.get_mut(ETH_HEADER..).and_then(write) else {
        counters.tx_dropped = counters.tx_dropped.saturating_add(1);
        return;
    };
    let _ = ethernet::write_header(&mut f.buf, &dst, &cfg.mac, ethernet::ETHERTYPE_LOWPAN);
    f.len = ETH_HEADER + n;
    if out.push_back(f).is_ok() {
        counters.tx_frames = counters.tx_frames.saturating_add(1);
    }
}

/// The core's configuration for a firmware node.
fn node_config(cfg: &Config) -> NodeConfig {
    let contexts = Contexts::new().with(
        0,
        Context::new(cfg.prefix.network(), 64).unwrap_or_else(|_| unreachable!("a /64 is valid")),
    );
    let ll = LinkAddr::new(&cfg.mac).unwrap_or(LinkAddr::ZERO);
    let mut r = [0u8; 8];
    r[..6].copy_from_slice(&cfg.mac);
    r[6..].copy_from_slice(b"FW");
    let rovr = Rovr::new(&r).unwrap_or(Rovr::ZERO);
    let role = match cfg.role {
        Role::Router => NodeRole::Router,
        Role::Host => NodeRole::Host,
    };
    let mut c = NodeConfig::new(role, cfg.prefix, contexts, ll, rovr);
    c.mtu = (FRAME_MAX - ETH_HEADER) as u16;
    c.uplink = 0;
    c
}
