//! The firmware logic on the host: firmware nodes wired to a root that runs the router core
//! directly, frames moved by a small harness, time in virtual milliseconds. etherparse builds
//! and checks the native packets, independently of the codec.

use std::net::Ipv6Addr;

use etherparse::{Icmpv6Type, NetSlice, PacketBuilder, SlicedPacket, TransportSlice};
use pasa_addrcodec::Prefix64;
use pasa_addrcodec::wire::iphc::{Context, Contexts};
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_firmware::{
    Config, ECHO_PORT, ETH_HEADER, FRAME_MAX, Firmware, RamFlash, Resources, Role, Sensor,
};
use pasa_router::store::MemStore;
use pasa_router::{Action, LinkDst, Neighbor, Node, NodeConfig, NodeRole, Rx, Verdict};

type Flash = RamFlash<1024>;
const ROOT_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const ROOT_IP: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);

fn mac(n: u8) -> [u8; 6] {
    [2, 0, 0, 0, 0xF0, n]
}

fn eth(dst: [u8; 6], src: [u8; 6], payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(ETH_HEADER + payload.len());
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0xA0, 0xED]);
    f.extend_from_slice(payload);
    f
}

/// A node of the test network.
enum Dev<'a> {
    Root(Box<Node<MemStore<4096>, 8>>),
    Fw(&'a mut Firmware<'a, Flash>),
    /// Powered off: frames to it are lost.
    Off,
}

/// Nodes, wires (node, link) <-> (node, link), and what the root's stack received.
struct Net<'a> {
    devs: Vec<Dev<'a>>,
    wires: Vec<((usize, u8), (usize, u8))>,
    now: u64,
    /// Native packets the root delivered to its own stack.
    at_root: Vec<Vec<u8>>,
    /// Frames in flight: (to node, link, frame).
    air: Vec<(usize, u8, Vec<u8>)>,
}

fn root_node() -> Node<MemStore<4096>, 8> {
    let c = Contexts::new().with(0, Context::new(Prefix64::DOC.network(), 64).unwrap());
    let cfg = NodeConfig::new(
        NodeRole::Root,
        Prefix64::DOC,
        c,
        LinkAddr::new(&ROOT_MAC).unwrap(),
        Rovr::new(&[9; 8]).unwrap(),
    );
    Node::new(cfg, MemStore::new(), 0).unwrap()
}

fn fw_config(role: Role, n: u8, links: u8) -> Config {
    Config {
        role,
        mac: mac(n),
        links,
        prefix: Prefix64::DOC,
        sensor: None,
    }
}

/// A firmware node in leaked memory (a board keeps it in a static).
fn start(cfg: Config, flash: Flash, now: u64) -> &'static mut Firmware<'static, Flash> {
    let res = Box::leak(Box::new(Resources::new()));
    let slot = Box::leak(Box::new(std::mem::MaybeUninit::uninit()));
    Firmware::init(slot, cfg, flash, res, now).unwrap()
}

impl<'a> Net<'a> {
    fn new() -> Self {
        Self {
            devs: vec![Dev::Root(Box::new(root_node()))],
            wires: Vec::new(),
            now: 0,
            at_root: Vec::new(),
            air: Vec::new(),
        }
    }

    fn add(&mut self, fw: &'a mut Firmware<'a, Flash>, parent: (usize, u8)) -> usize {
        self.devs.push(Dev::Fw(fw));
        let i = self.devs.len() - 1;
        self.wires.push((parent, (i, 0)));
        i
    }

    fn peer(&self, node: usize, link: u8) -> Option<(usize, u8)> {
        self.wires.iter().find_map(|&(a, b)| {
            if a == (node, link) {
                Some(b)
            } else if b == (node, link) {
                Some(a)
            } else {
                None
            }
        })
    }

    fn fw(&mut self, i: usize) -> &mut Firmware<'a, Flash> {
        match &mut self.devs[i] {
            Dev::Fw(f) => f,
            Dev::Root(_) | Dev::Off => panic!("node {i} is not a firmware node that is up"),
        }
    }

    fn root(&mut self) -> &mut Node<MemStore<4096>, 8> {
        match &mut self.devs[0] {
            Dev::Root(r) => r,
            Dev::Fw(_) | Dev::Off => unreachable!(),
        }
    }

    /// Puts a LoWPAN frame from the root on its link.
    fn root_out(&mut self, to: LinkDst, frame: &[u8]) {
        let (link, dst) = match to {
            LinkDst::Neighbor(n) => (n.iface, <[u8; 6]>::try_from(n.ll.as_bytes()).unwrap()),
            LinkDst::Multicast { iface } => (iface, [0xFF; 6]),
            LinkDst::External => return,
        };
        if let Some((j, l)) = self.peer(0, link) {
            self.air.push((j, l, eth(dst, ROOT_MAC, frame)));
        }
    }

    fn root_act(&mut self, v: Verdict, input: &[u8]) {
        if v.len == 0 {
            return;
        }
        let mut out = vec![0u8; v.len];
        self.root().emit(&v, input, &mut out).unwrap();
        match v.action {
            Action::Forward(n) => self.root_out(LinkDst::Neighbor(n), &out),
            Action::Send(d) | Action::Error { to: d, .. } => self.root_out(d, &out),
            Action::Deliver | Action::Egress => self.at_root.push(out),
            Action::Consumed | Action::Drop(_) => {}
        }
    }

    /// The root's own stack sends a native packet.
    fn root_send(&mut self, packet: &[u8]) {
        let now = self.now;
        let v = self.root().send(now, packet);
        self.root_act(v, packet);
    }

    /// Runs `ms` milliseconds in 1 ms steps.
    fn run(&mut self, ms: u64) {
        for _ in 0..ms {
            self.now += 1;
            let now = self.now;
            // Deliver what is in flight.
            for (j, l, f) in std::mem::take(&mut self.air) {
                match &mut self.devs[j] {
                    Dev::Fw(fw) => fw.receive(now, l, &f),
                    Dev::Off => {}
                    Dev::Root(_) => {
                        let rx_from = Neighbor {
                            iface: l,
                            ll: LinkAddr::new(&f[6..12]).unwrap(),
                        };
                        let rx = Rx {
                            from: rx_from,
                            multicast: f[0] & 1 == 1,
                            frame: &f[ETH_HEADER..],
                        };
                        let v = self.root().receive(now, &rx);
                        self.root_act(v, &f[ETH_HEADER..]);
                    }
                }
            }
            // The root's timers and joiner frames.
            if self.root().poll_timeout().is_some_and(|t| t <= now) {
                self.root().handle_timeout(now);
            }
            let mut buf = [0u8; 512];
            while let Some(t) = self.root().poll_transmit(now, &mut buf) {
                let f = buf[..t.len].to_vec();
                self.root_out(t.to, &f);
            }
            // The firmware nodes.
            for i in 1..self.devs.len() {
                if matches!(self.devs[i], Dev::Off) {
                    continue;
                }
                let fw = self.fw(i);
                // As a board does: poll only when the firmware asks for it (receive polls
                // by itself), so a reply that waits for a later poll is caught.
                if fw.poll_at(now).is_some_and(|t| t <= now) {
                    fw.poll(now);
                }
                let mut out = [0u8; FRAME_MAX];
                let mut sent = Vec::new();
                while let Some((link, n)) = fw.transmit(&mut out) {
                    sent.push((link, out[..n].to_vec()));
                }
                for (link, f) in sent {
                    if let Some((j, l)) = self.peer(i, link) {
                        self.air.push((j, l, f));
                    }
                }
            }
        }
    }

    fn ip(&mut self, i: usize) -> Option<Ipv6Addr> {
        self.fw(i).address().map(Ipv6Addr::from)
    }

    /// Runs until node `i` holds an address, at most `limit` ms; the time it took.
    fn join(&mut self, i: usize, limit: u64) -> u64 {
        let start = self.now;
        while self.ip(i).is_none() && self.now - start < limit {
            self.run(10);
        }
        assert!(
            self.ip(i).is_some(),
            "node {i} did not join within {limit} ms"
        );
        self.now - start
    }

    /// Pings `dst` from the root; true when the reply came back.
    fn ping(&mut self, dst: Ipv6Addr, seq: u16) -> bool {
        let b = PacketBuilder::ipv6(ROOT_IP.octets(), dst.octets(), 64)
            .icmpv6_echo_request(0x4242, seq);
        let mut p = Vec::new();
        b.write(&mut p, b"firmware ping").unwrap();
        self.root_send(&p);
        self.run(50);
        let got = self.at_root.iter().any(|r| {
            let s = SlicedPacket::from_ip(r).unwrap();
            matches!(s.transport, Some(TransportSlice::Icmpv6(ref i))
                if matches!(i.icmp_type(), Icmpv6Type::EchoReply(e) if e.id == 0x4242 && e.seq == seq))
        });
        self.at_root.clear();
        got
    }

    /// A UDP datagram from the root to `dst`:`port`; the replies' payloads.
    fn udp(&mut self, dst: Ipv6Addr, port: u16, payload: &[u8]) -> Vec<Vec<u8>> {
        let b = PacketBuilder::ipv6(ROOT_IP.octets(), dst.octets(), 64).udp(40000, port);
        let mut p = Vec::new();
        b.write(&mut p, payload).unwrap();
        self.root_send(&p);
        self.run(50);
        let r = udp_payloads(&self.at_root, 40000);
        self.at_root.clear();
        r
    }
}

/// Payloads of the UDP datagrams in `packets` to `port`.
fn udp_payloads(packets: &[Vec<u8>], port: u16) -> Vec<Vec<u8>> {
    packets
        .iter()
        .filter_map(|r| {
            let s = SlicedPacket::from_ip(r).ok()?;
            assert!(matches!(s.net, Some(NetSlice::Ipv6(_))));
            match s.transport {
                Some(TransportSlice::Udp(u)) if u.destination_port() == port => {
                    Some(u.payload().to_vec())
                }
                _ => None,
            }
        })
        .collect()
}

#[test]
fn a_host_joins_by_gaao_answers_ping_and_udp_echo() {
    let mut net = Net::new();
    let fw = start(fw_config(Role::Host, 2, 1), Flash::new(), 0);
    let h = net.add(fw, (0, 0));
    let took = net.join(h, 2000);
    let a = net.ip(h).unwrap();
    assert_eq!(a.segments()[..4], [0x2001, 0xdb8, 0, 0]);
    assert!(took < 2000, "joined in {took} ms");
    let ok = net.ping(a, 1);
    assert!(ok, "no echo reply from {a}");
    assert_eq!(
        net.udp(a, ECHO_PORT, b"hello firmware"),
        vec![b"hello firmware".to_vec()]
    );
    let c = net.fw(h).counters();
    assert!(
        c.local_rx >= 2 && c.local_tx >= 2 && c.udp_echoed == 1,
        "{c:?}"
    );
}

#[test]
fn the_sensor_app_reports_periodically_once_joined() {
    let mut net = Net::new();
    let mut cfg = fw_config(Role::Host, 3, 1);
    cfg.sensor = Some(Sensor {
        to: ROOT_IP.octets(),
        port: 6000,
        period_ms: 500,
    });
    let fw = start(cfg, Flash::new(), 0);
    let h = net.add(fw, (0, 0));
    net.join(h, 2000);
    net.run(2100);
    let reports = udp_payloads(&net.at_root, 6000);
    assert!(
        (4..=6).contains(&reports.len()),
        "{} reports",
        reports.len()
    );
    assert!(reports.iter().all(|r| r.starts_with(b"pasa-report ")));
}

#[test]
fn a_router_forwards_between_its_links_without_its_stack() {
    let mut net = Net::new();
    let r = start(fw_config(Role::Router, 4, 3), Flash::new(), 0);
    let r = net.add(r, (0, 0));
    let h = start(fw_config(Role::Host, 5, 1), Flash::new(), 0);
    let h = net.add(h, (r, 2));
    net.join(r, 2000);
    net.join(h, 2000);
    let (ra, ha) = (net.ip(r).unwrap(), net.ip(h).unwrap());
    let rp = pasa_addrcodec::PasaAddr::from_ipv6(ra, Prefix64::DOC).unwrap();
    let hp = pasa_addrcodec::PasaAddr::from_ipv6(ha, Prefix64::DOC).unwrap();
    assert_eq!(hp.parent(), Some(rp), "{ha} is a child of {ra}");
    let local_before = net.fw(r).counters().local_rx;
    for seq in 0..20 {
        assert!(net.ping(ha, seq), "ping {seq} through the router");
    }
    assert_eq!(
        net.udp(ha, ECHO_PORT, b"through"),
        vec![b"through".to_vec()]
    );
    let rc = net.fw(r).counters();
    assert_eq!(
        rc.local_rx, local_before,
        "forwarded frames reached the router's stack"
    );
    assert!(
        net.fw(r).node().stats().forwarded >= 42,
        "{:?}",
        net.fw(r).node().stats()
    );
    // The router's own stack answers too.
    assert!(net.ping(ra, 99));
}

#[test]
fn after_a_reset_with_flash_kept_the_same_address_is_registered_again() {
    let mut net = Net::new();
    let fw = start(fw_config(Role::Host, 6, 1), Flash::new(), 0);
    let h = net.add(fw, (0, 0));
    net.join(h, 2000);
    let before = net.ip(h).unwrap();
    // Reset: the node stops; its flash is all that survives.
    let Dev::Fw(old) = std::mem::replace(&mut net.devs[h], Dev::Off) else {
        unreachable!()
    };
    let flash = old.flash().clone();
    net.run(100);
    let now = net.now;
    let fw = start(fw_config(Role::Host, 6, 1), flash, now);
    net.devs[h] = Dev::Fw(fw);
    net.join(h, 2000);
    assert_eq!(net.ip(h), Some(before));
    assert!(net.ping(before, 7));
}

#[test]
fn a_burst_of_malformed_frames_is_counted_and_the_node_keeps_working() {
    let mut net = Net::new();
    let fw = start(fw_config(Role::Host, 7, 1), Flash::new(), 0);
    let h = net.add(fw, (0, 0));
    net.join(h, 2000);
    let a = net.ip(h).unwrap();
    let mut rng = 0x1234_5678_9ABC_DEF1u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let now = net.now;
    let base = eth(
        mac(7),
        ROOT_MAC,
        &[
            0xF1, 0x80, 0x50, 0x02, 0x7C, 0x57, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 0xF3, 0x12, 0, 0, 1,
            2, 3,
        ],
    );
    for i in 0..5000 {
        let mut f = if i % 3 == 0 {
            (0..(next() % 80) as usize)
                .map(|_| next() as u8)
                .collect::<Vec<_>>()
        } else {
            base.clone()
        };
        for _ in 0..(next() % 4) {
            if !f.is_empty() {
                let at = next() as usize % f.len();
                f[at] = next() as u8;
            }
        }
        if i % 2 == 0 && f.len() > 14 {
            f[..6].copy_from_slice(&mac(7));
            f[6..12].copy_from_slice(&ROOT_MAC);
            f[12..14].copy_from_slice(&[0xA0, 0xED]);
        }
        net.fw(h).receive(now, 0, &f);
    }
    let c = net.fw(h).counters();
    let drops: u64 = net.fw(h).node().drops().iter().map(|(_, n)| n).sum();
    assert!(c.rx_ignored > 100 && drops > 100, "{c:?}, {drops} drops");
    assert!(net.ping(a, 3), "the node still answers");
}

#[test]
fn firmware_memory_is_fixed_whatever_the_network_size() {
    // The forwarding state is the core's node and the firmware's queues: fixed at build time.
    // (The footprint of the board images is measured by the board's harness.)
    let node =
        std::mem::size_of::<Node<pasa_firmware::FlashStore<Flash>, { pasa_firmware::CAPACITY }>>();
    let fw = std::mem::size_of::<Firmware<'static, Flash>>();
    let res = std::mem::size_of::<Resources<'static, Flash>>();
    println!("router core node {node} B; firmware {fw} B; resources {res} B (the node included)");
    assert!(fw + res < 12 * 1024, "{fw} + {res}");
}
