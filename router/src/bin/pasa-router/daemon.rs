//! The event loop of `pasa-router run`: one thread owns the core and does all the sending;
//! reader threads (one per link, one for the TUN) and the signal thread feed it through one
//! bounded channel.
//!
//! Per input the loop does what the core's sans-IO contract says: hand it in, get a verdict,
//! `emit` the output into a buffer, and put that where the verdict's action names (a link and
//! neighbour, the TUN). After each input it drains the joiner's transmissions, runs due
//! timers, and mirrors the node's address onto the TUN when it changes.

use std::io::{Read, Write};
use std::net::Ipv6Addr;
use std::os::fd::AsFd;
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use pasa_addrcodec::wire::nd::LinkAddr;
use pasa_router::control::CONTROL_FRAME_MAX;
use pasa_router::joiner::JoinState;
use pasa_router::{Action, LinkDst, Neighbor, Node, NodeRole, Rx, Verdict};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use tracing::{debug, error, info, warn};

use crate::config::{self, Config, LinkKind};
use crate::link::{self, Events, FRAME_MAX, Link, Msg};
use crate::metrics::{self, LinkCounters, Snapshot};
use crate::pcap::PcapWriter;
use crate::store::FileStore;
use crate::tundev;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::eventfd::{EfdFlags, EventFd};
use pasa_addrcodec::wire::ethernet::{self, BROADCAST, ETHERTYPE_LOWPAN};

/// Children per role the Linux process holds (the core's table capacity).
pub(crate) const CAPACITY: usize = 32;

type CoreNode = Node<FileStore, CAPACITY>;

/// Milliseconds on `CLOCK_BOOTTIME`: monotonic, counts suspend, and continues across a
/// restart of the process, so deadlines the core stored before a crash stay meaningful.
fn now_ms() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_BOOTTIME)
        .map(|t| {
            u64::try_from(t.tv_sec()).unwrap_or(0) * 1000
                + u64::try_from(t.tv_nsec()).unwrap_or(0) / 1_000_000
        })
        .unwrap_or(0)
}

struct Daemon {
    cfg: Config,
    mac: [u8; 6],
    node: Box<CoreNode>,
    links: Vec<Link>,
    tun_w: ::tun::Writer,
    pcap: Option<PcapWriter>,
    shared: Arc<Mutex<Snapshot>>,
    started: Instant,
    /// The address on the TUN.
    shown: Option<Ipv6Addr>,
    joined: bool,
    out: Vec<u8>,
    eth: Vec<u8>,
    last_snapshot: Instant,
    tun_errors: u64,
    nvm_errors: u64,
    pcap_failed: bool,
}

/// Runs the process until SIGTERM or SIGINT.
pub(crate) fn run(cfg: Config, pcap: Option<&std::path::Path>) -> Result<()> {
    let mac = match cfg.link_addr {
        Some(m) => m,
        None => {
            let first = cfg
                .links
                .iter()
                .find_map(|l| match &l.kind {
                    LinkKind::Ethernet { interface, .. } => Some(interface.clone()),
                    LinkKind::Serial(_) => None,
                })
                .ok_or_else(|| anyhow!("no link_addr and no Ethernet link"))?;
            link::mac_of(&first)?
        }
    };
    let store_len = CoreNode::STATE_MAX_LEN + pasa_router::store::OVERHEAD;
    let store = FileStore::open(&cfg.state_file, store_len)
        .with_context(|| format!("state file {}", cfg.state_file.display()))?;
    if let Some(n) = store.found_len().filter(|&n| n != 2 * store_len as u64) {
        warn!(
            "state file {} has {n} octets, {} expected (another build or a damaged file); \
             the records that check out are used",
            cfg.state_file.display(),
            2 * store_len
        );
    }
    let node = Box::new(
        Node::new(cfg.node_config(mac), store, now_ms())
            .map_err(|e| anyhow!("cannot start the node: {e}"))?,
    );
    let (tx, rx) = mpsc::sync_channel::<Msg>(4096);
    let wake = Arc::new(
        EventFd::from_flags(EfdFlags::EFD_NONBLOCK | EfdFlags::EFD_CLOEXEC)
            .context("cannot create an eventfd")?,
    );
    let events = Events::new(tx, Arc::clone(&wake));
    let links = link::open_all(&cfg.links, mac, &events)?;
    let (tun_r, tun_w) = tundev::open(&cfg.tun)?;
    tundev::add_routes(&cfg.tun, cfg.prefix, cfg.role)?;
    start_tun_reader(tun_r, events.clone())?;
    start_signals(events.clone())?;
    drop(events);
    let pcap = match pcap {
        Some(p) => {
            let w =
                PcapWriter::create(p).with_context(|| format!("cannot create {}", p.display()))?;
            info!(
                "capturing every frame and TUN packet to {}",
                w.path().display()
            );
            Some(w)
        }
        None => None,
    };
    let shared = Arc::new(Mutex::new(Snapshot::default()));
    let restored = node.address();
    info!(
        role = ?cfg.role,
        prefix = %cfg.prefix,
        mac = %fmt_mac(&mac),
        links = cfg.links.len(),
        tun = %cfg.tun.name,
        state = %cfg.state_file.display(),
        "started{}",
        match restored {
            Some(a) if cfg.role != NodeRole::Root => format!(
                "; address {} from the state file, re-registering",
                a.to_ipv6(cfg.prefix)
            ),
            _ => String::new(),
        }
    );
    let mut d = Daemon {
        cfg,
        mac,
        node,
        links,
        tun_w,
        pcap,
        shared,
        started: Instant::now(),
        shown: None,
        joined: false,
        out: vec![0; FRAME_MAX],
        eth: Vec::with_capacity(FRAME_MAX),
        last_snapshot: Instant::now(),
        tun_errors: 0,
        nvm_errors: 0,
        pcap_failed: false,
    };
    d.after_event();
    d.snapshot();
    // The endpoints open only now, so that the first answer already shows the node as it
    // is (a root holds its address from the start): a caller polling for `pasa_joined` never
    // reads the empty snapshot of a process still starting.
    let _ = std::fs::remove_file(&d.cfg.control_socket);
    metrics::serve_control(&d.cfg.control_socket, Arc::clone(&d.shared))
        .with_context(|| format!("control socket {}", d.cfg.control_socket.display()))?;
    if let Some(addr) = d.cfg.metrics {
        metrics::serve_http(addr, Arc::clone(&d.shared))
            .with_context(|| format!("metrics endpoint {addr}"))?;
        info!(%addr, "Prometheus metrics at http://{addr}/metrics");
    }
    let mut stop = false;
    loop {
        let now = now_ms();
        let wait = d
            .node
            .poll_timeout()
            .map_or(1000, |t| t.saturating_sub(now))
            .clamp(1, 250);
        // Wait on the batched links' sockets and on the inbox's eventfd at once.
        let ready: Vec<bool> = {
            let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(d.links.len() + 1);
            fds.push(PollFd::new(wake.as_fd(), PollFlags::POLLIN));
            for l in &d.links {
                if let Some(s) = l.socket.as_ref() {
                    fds.push(PollFd::new(s.as_fd(), PollFlags::POLLIN));
                }
            }
            let t = PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX);
            match poll(&mut fds, t) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(anyhow!("poll failed: {e}")),
            }
            fds.iter()
                .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                .collect()
        };
        let mut k = 1;
        for i in 0..d.links.len() {
            if d.links.get(i).is_some_and(|l| l.socket.is_some()) {
                if ready.get(k).copied().unwrap_or(false) {
                    d.drain_link(i);
                }
                k += 1;
            }
        }
        if ready.first().copied().unwrap_or(false) {
            let _ = wake.read();
        }
        loop {
            match rx.try_recv() {
                Ok(Msg::Frame { iface, frame }) => d.on_frame(iface, &frame),
                Ok(Msg::Tun(p)) => d.on_tun(&p),
                Ok(Msg::Signal(SIGHUP)) => d.reload(),
                Ok(Msg::Signal(s)) => {
                    info!(signal = s, "stopping");
                    stop = true;
                }
                Ok(Msg::RxErrors { iface, count }) => {
                    if let Some(l) = d.links.get_mut(usize::from(iface)) {
                        l.counters.rx_errors += count;
                    }
                }
                Ok(Msg::LinkState { iface, what }) => {
                    let name = d
                        .links
                        .get(usize::from(iface))
                        .map_or("?", |l| l.cfg.name.as_str());
                    warn!(link = name, "{what}");
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    return Err(anyhow!("every input thread stopped"));
                }
            }
        }
        d.after_event();
        d.flush();
        if stop {
            break;
        }
    }
    d.snapshot();
    let _ = std::fs::remove_file(&d.cfg.control_socket);
    info!("stopped; state is in {}", d.cfg.state_file.display());
    Ok(())
}

fn start_tun_reader(mut r: ::tun::Reader, events: Events) -> Result<()> {
    thread::Builder::new()
        .name("rx-tun".into())
        .spawn(move || {
            let mut buf = vec![0u8; 65536];
            loop {
                match r.read(&mut buf) {
                    Ok(0) => {}
                    Ok(n) => {
                        if events
                            .send(Msg::Tun(buf.get(..n).unwrap_or(&[]).to_vec()))
                            .is_err()
                        {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        error!("TUN read failed: {e}");
                        thread::sleep(Duration::from_secs(1));
                    }
                }
            }
        })?;
    Ok(())
}

fn start_signals(events: Events) -> Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])
        .context("cannot install signal handlers")?;
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for s in signals.forever() {
                if events.send(Msg::Signal(s)).is_err() {
                    return;
                }
            }
        })?;
    Ok(())
}

fn fmt_mac(m: &[u8]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl Daemon {
    /// Hands every frame waiting on batched link `i` to the core, a batch at a time.
    fn drain_link(&mut self, i: usize) {
        let iface = u8::try_from(i).unwrap_or(u8::MAX);
        if let Some(mut ring) = self.links.get_mut(i).and_then(|l| l.rx_ring.take()) {
            // Bounded: at most 16 blocks before the other links and the inbox get a turn.
            for _ in 0..16 {
                let n = ring.next_block(|f| self.on_frame(iface, f));
                self.flush();
                if n == 0 {
                    break;
                }
            }
            if let Some(l) = self.links.get_mut(i) {
                l.rx_ring = Some(ring);
            }
            return;
        }
        let Some(mut batch) = self.links.get_mut(i).and_then(|l| l.rx_batch.take()) else {
            return;
        };
        // Bounded: at most 16 batches before the other links and the inbox get a turn.
        for _ in 0..16 {
            let n = match self.links.get(i).and_then(|l| l.socket.as_ref()) {
                Some(s) => match s.recv_batch(&mut batch) {
                    Ok(n) => n,
                    Err(e) => {
                        warn!(link = i, "receive failed: {e}");
                        0
                    }
                },
                None => 0,
            };
            for f in batch.frames() {
                self.on_frame(iface, f);
            }
            if n < crate::afpacket::BATCH {
                break;
            }
            self.flush();
        }
        if let Some(l) = self.links.get_mut(i) {
            l.rx_batch = Some(batch);
        }
    }

    /// Sends what the batched links queued.
    fn flush(&mut self) {
        for l in &mut self.links {
            l.flush();
        }
    }

    /// Records a frame (or a TUN packet) in the capture; the first failure is logged.
    fn capture(&mut self, bytes: &[u8], ipv6: bool) {
        let Some(p) = self.pcap.as_mut() else { return };
        let r = if ipv6 {
            p.write_ipv6(bytes)
        } else {
            p.write_eth(bytes)
        };
        if let Err(e) = r
            && !self.pcap_failed
        {
            self.pcap_failed = true;
            error!("capture: {e}; later records may be lost too");
        }
    }

    /// A frame from link `iface`: handed to the core when it is a LoWPAN frame for this node
    /// (the one place a received frame is parsed and filtered), ignored otherwise.
    fn on_frame(&mut self, iface: u8, frame: &[u8]) {
        let Some(f) = ethernet::for_node(frame, &self.mac) else {
            return;
        };
        self.capture(frame, false);
        let Some(link) = self.links.get_mut(usize::from(iface)) else {
            return;
        };
        link.counters.rx_frames += 1;
        let rx = Rx {
            from: Neighbor {
                iface,
                ll: LinkAddr::new(&f.src).unwrap_or(LinkAddr::ZERO),
            },
            multicast: f.to_group(),
            frame: f.payload,
        };
        let now = now_ms();
        let v = self.node.receive(now, &rx);
        self.act(v, f.payload);
    }

    fn on_tun(&mut self, packet: &[u8]) {
        self.capture(packet, true);
        let now = now_ms();
        // On the root, what the kernel routes into the TUN from elsewhere enters the domain
        // (compressed, its hop limit lowered); what the root itself sends is its own.
        let own = self.node.address().map(|a| a.to_ipv6(self.cfg.prefix));
        let src = packet
            .get(8..24)
            .and_then(|s| <[u8; 16]>::try_from(s).ok())
            .map(Ipv6Addr::from);
        let v = if self.cfg.role == NodeRole::Root && src.is_some() && src != own {
            self.node.receive_external(now, packet)
        } else {
            self.node.send(now, packet)
        };
        self.act(v, packet);
    }

    fn act(&mut self, v: Verdict, input: &[u8]) {
        if v.len == 0 {
            if let Action::Drop(r) = v.action {
                debug!(reason = r.name(), "dropped");
            }
            return;
        }
        if self.out.len() < v.len {
            self.out.resize(v.len, 0);
        }
        let Some(out) = self.out.get_mut(..v.len) else {
            return;
        };
        if let Err(e) = self.node.emit(&v, input, out) {
            warn!("emit failed: {e:?}");
            return;
        }
        let out = std::mem::take(&mut self.out);
        let bytes = out.get(..v.len).unwrap_or(&[]);
        match v.action {
            Action::Forward(n) => self.send_link(LinkDst::Neighbor(n), bytes),
            Action::Send(to) | Action::Error { to, .. } => self.send_link(to, bytes),
            Action::Deliver | Action::Egress => self.send_tun(bytes),
            Action::Consumed | Action::Drop(_) => {}
        }
        self.out = out;
    }

    fn send_tun(&mut self, packet: &[u8]) {
        self.capture(packet, true);
        if self.tun_w.write_all(packet).is_err() {
            self.tun_errors += 1;
        }
    }

    fn send_link(&mut self, to: LinkDst, frame: &[u8]) {
        let (iface, dst) = match to {
            LinkDst::Neighbor(n) => match <[u8; 6]>::try_from(n.ll.as_bytes()) {
                Ok(m) => (n.iface, m),
                Err(_) => {
                    warn!("neighbour {:?} has no 6-octet link-layer address", n.ll);
                    return;
                }
            },
            LinkDst::Multicast { iface } => (iface, BROADCAST),
            LinkDst::External => return self.send_tun(frame),
        };
        let mut eth = std::mem::take(&mut self.eth);
        link::frame(&mut eth, &dst, &self.mac, ETHERTYPE_LOWPAN, frame);
        self.capture(&eth, false);
        if let Some(l) = self.links.get_mut(usize::from(iface)) {
            l.send(&eth);
        }
        self.eth = eth;
    }

    /// After every input: the joiner's frames, due timers, the address on the TUN, metrics.
    fn after_event(&mut self) {
        let mut buf = [0u8; CONTROL_FRAME_MAX];
        for _ in 0..3 {
            let now = now_ms();
            if self.node.poll_timeout().is_some_and(|t| t <= now) {
                self.node.handle_timeout(now);
            }
            let mut sent = 0;
            while let Some(t) = self.node.poll_transmit(now, &mut buf) {
                let f = buf.get(..t.len).unwrap_or(&[]).to_vec();
                self.send_link(t.to, &f);
                sent += 1;
                if sent > 16 {
                    break;
                }
            }
            if sent == 0 {
                break;
            }
        }
        let nvm = self.node.stats().nvm_errors;
        if nvm > self.nvm_errors {
            self.nvm_errors = nvm;
            error!(
                "state file {}: a commit failed ({}); the answer that needed it was not sent",
                self.cfg.state_file.display(),
                self.node
                    .store()
                    .store()
                    .last_error()
                    .map_or("unknown error".to_string(), |e| e.to_string())
            );
        }
        let joined = self.node.address().is_some()
            && matches!(
                self.node.join_state(),
                JoinState::Joined { .. } | JoinState::Idle
            );
        let addr = if joined {
            self.node.address().map(|a| a.to_ipv6(self.cfg.prefix))
        } else {
            None
        };
        if addr != self.shown {
            match tundev::set_address(&self.cfg.tun, self.shown, addr) {
                Ok(()) => {
                    match addr {
                        Some(a) => {
                            info!(address = %a, parent = ?self.node.parent().map(|p| fmt_mac(p.ll.as_bytes())), "joined: address on {}", self.cfg.tun.name)
                        }
                        None => warn!(old = ?self.shown, "lost the address; joining again"),
                    }
                    self.shown = addr;
                    // The routes go with the interface's addresses on some kernels: put
                    // them back.
                    if let Err(e) =
                        tundev::add_routes(&self.cfg.tun, self.cfg.prefix, self.cfg.role)
                    {
                        error!("{e:#}");
                    }
                }
                Err(e) => error!("{e:#}"),
            }
        }
        if joined != self.joined || self.last_snapshot.elapsed() >= Duration::from_millis(250) {
            self.joined = joined;
            self.snapshot();
        }
    }

    fn snapshot(&mut self) {
        self.last_snapshot = Instant::now();
        let s = Snapshot {
            role: match self.cfg.role {
                NodeRole::Root => "root",
                NodeRole::Router => "router",
                NodeRole::Host => "host",
            }
            .into(),
            address: self.shown,
            joined: self.joined,
            parent: self.node.parent().map(|p| fmt_mac(p.ll.as_bytes())),
            uptime_seconds: self.started.elapsed().as_secs(),
            stats: self.node.stats().iter().collect(),
            drops: self
                .node
                .drops()
                .iter()
                .map(|(r, c)| (r.name(), c))
                .collect(),
            links: self
                .links
                .iter()
                .map(|l| LinkCounters {
                    name: l.cfg.name.clone(),
                    kind: match l.cfg.kind {
                        LinkKind::Ethernet { .. } => "ethernet",
                        LinkKind::Serial(_) => "serial",
                    },
                    rx_frames: l.counters.rx_frames,
                    tx_frames: l.counters.tx_frames,
                    rx_errors: l.counters.rx_errors,
                    tx_errors: l.counters.tx_errors,
                })
                .collect(),
        };
        if let Ok(mut g) = self.shared.lock() {
            *g = s;
        }
    }

    /// SIGHUP: reads the file again. The log filter changes at once; anything else needs a
    /// restart (the core is built from its configuration once), and the log says which field.
    fn reload(&mut self) {
        match config::load(&self.cfg.path) {
            Err(e) => error!("reload refused, keeping the running configuration: {e}"),
            Ok(new) => {
                if new.log != self.cfg.log {
                    match crate::set_log_filter(&new.log) {
                        Ok(()) => info!(log = %new.log, "reload: log filter changed"),
                        Err(e) => error!("reload: log filter: {e}"),
                    }
                }
                let mut later = Vec::new();
                let mut a = new.clone();
                a.log = self.cfg.log.clone();
                if a != self.cfg {
                    for (name, differs) in [
                        ("role", a.role != self.cfg.role),
                        ("prefix", a.prefix != self.cfg.prefix),
                        ("state_file", a.state_file != self.cfg.state_file),
                        ("link", a.links != self.cfg.links),
                        ("tun", a.tun != self.cfg.tun),
                        ("limits", a.limits != self.cfg.limits),
                        ("metrics", a.metrics != self.cfg.metrics),
                        ("link_addr", a.link_addr != self.cfg.link_addr),
                    ] {
                        if differs {
                            later.push(name);
                        }
                    }
                    warn!(
                        "reload: {} changed; kept the running values until a restart",
                        if later.is_empty() {
                            "a field".to_string()
                        } else {
                            later.join(", ")
                        }
                    );
                }
                self.cfg.log = new.log;
            }
        }
    }
}
