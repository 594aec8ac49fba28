//! The applications: what runs on each node's local stack and on the host outside the domain.
//! They send UDP datagrams and ICMPv6 echo requests, answer echo requests, and count what
//! arrives, with its hop count and delay.

use std::net::Ipv6Addr;

use pasa_addrcodec::wire::checksum;
use pasa_addrcodec::wire::icmpv6::{self, EchoRepr};
use pasa_addrcodec::{PasaAddr, Prefix64};

/// The host outside the domain, behind the root.
pub const OUTSIDE: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb9, 0, 0, 0, 0, 0, 1);

/// Hop Limit every application packet starts with.
pub const START_HOP_LIMIT: u8 = 64;

/// Octets of the payload tag: flow id (8) and send time (8).
const TAG_LEN: usize = 16;

/// Counters of the applications.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Traffic {
    /// Datagrams and echo requests sent by node applications and the outside host.
    pub sent: u64,
    /// UDP datagrams that arrived at the node (or host) they were addressed to.
    pub delivered: u64,
    /// Echo requests answered by a node or the outside host.
    pub echo_replied: u64,
    /// Echo replies back at the sender.
    pub echo_completed: u64,
    /// Packets delivered to a node they were not addressed to (must stay 0).
    pub misdelivered: u64,
    /// Node-to-node datagrams whose Hop Limit does not show one decrement per forwarder on
    /// the tree path (must stay 0: a longer path would mean a detour or a loop).
    pub hop_limit_mismatch: u64,
    /// Sum of the link hops of delivered datagrams inside the domain (the tree path; to or
    /// from the outside, the path to the root).
    pub hops_sum: u64,
    /// Largest hop count.
    pub hops_max: u64,
    /// Sum and largest one-way delay of delivered datagrams, milliseconds.
    pub delay_sum_ms: u64,
    /// Largest delay.
    pub delay_max_ms: u64,
}

/// The applications of every node and of the outside host.
#[derive(Debug, Clone)]
pub struct App {
    /// The domain prefix (to read PASA addresses).
    pub prefix: Prefix64,
    /// Counters.
    pub traffic: Traffic,
    /// Datagrams delivered to the outside host.
    pub delivered_outside: u64,
}

impl Traffic {
    /// Adds `o`'s counts to these (sums, and the larger of the maxima): the counters of the
    /// engine's lanes make the run's.
    pub fn add(&mut self, o: &Traffic) {
        self.sent += o.sent;
        self.delivered += o.delivered;
        self.echo_replied += o.echo_replied;
        self.echo_completed += o.echo_completed;
        self.misdelivered += o.misdelivered;
        self.hop_limit_mismatch += o.hop_limit_mismatch;
        self.hops_sum += o.hops_sum;
        self.hops_max = self.hops_max.max(o.hops_max);
        self.delay_sum_ms += o.delay_sum_ms;
        self.delay_max_ms = self.delay_max_ms.max(o.delay_max_ms);
    }
}

impl App {
    /// Applications of the nodes of the domain `prefix`.
    pub fn new(prefix: Prefix64) -> Self {
        Self {
            prefix,
            traffic: Traffic::default(),
            delivered_outside: 0,
        }
    }

    /// A packet was handed to a node's stack (or the outside host) to send.
    pub fn sent(&mut self, _node: u32, _packet: &[u8]) {
        self.traffic.sent += 1;
    }

    fn arrived(&mut self, now: u64, p: &Parsed<'_>) {
        self.traffic.delivered += 1;
        let pasa = |a: Ipv6Addr| PasaAddr::from_ipv6(a, self.prefix).ok();
        let hops = match (pasa(p.src), pasa(p.dst)) {
            (Some(a), Some(b)) => {
                let d = u64::from(tree_distance(a, b));
                // Each forwarder (all but the sender) lowers the Hop Limit once.
                let by_hl = u64::from(START_HOP_LIMIT.saturating_sub(p.hop_limit)) + 1;
                if d != by_hl {
                    self.traffic.hop_limit_mismatch += 1;
                }
                d
            }
            (Some(a), None) | (None, Some(a)) => u64::from(a.depth()),
            (None, None) => 0,
        };
        self.traffic.hops_sum += hops;
        self.traffic.hops_max = self.traffic.hops_max.max(hops);
        if let Some(sent) = p.tag_time() {
            let d = now.saturating_sub(sent);
            self.traffic.delay_sum_ms += d;
            self.traffic.delay_max_ms = self.traffic.delay_max_ms.max(d);
        }
    }

    /// Node `i` (address `own`) received `packet`; returns the reply its stack sends, if any.
    pub fn deliver(&mut self, now: u64, own: Option<Ipv6Addr>, packet: &[u8]) -> Option<Vec<u8>> {
        let p = parse(packet)?;
        if Some(p.dst) != own {
            self.traffic.misdelivered += 1;
            return None;
        }
        self.answer(now, &p, |_| {})
    }

    /// The outside host received `packet` from the root; returns its reply, if any.
    pub fn outside_receives(&mut self, now: u64, packet: &[u8]) -> Option<Vec<u8>> {
        let p = parse(packet)?;
        if p.dst != OUTSIDE {
            self.traffic.misdelivered += 1;
            return None;
        }
        self.answer(now, &p, |app| app.delivered_outside += 1)
    }

    fn answer(
        &mut self,
        now: u64,
        p: &Parsed<'_>,
        count: impl FnOnce(&mut Self),
    ) -> Option<Vec<u8>> {
        match p.kind {
            Kind::Udp(_) => {
                count(self);
                self.arrived(now, p);
                None
            }
            Kind::EchoRequest(e) => {
                self.traffic.echo_replied += 1;
                Some(echo(p.dst, p.src, true, e.ident, e.seq, e.data))
            }
            Kind::EchoReply => {
                self.traffic.echo_completed += 1;
                None
            }
            Kind::Other => None,
        }
    }
}

enum Kind<'a> {
    Udp(&'a [u8]),
    EchoRequest(EchoRepr<'a>),
    EchoReply,
    Other,
}

struct Parsed<'a> {
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    kind: Kind<'a>,
}

impl Parsed<'_> {
    /// The send time carried in the payload tag.
    fn tag_time(&self) -> Option<u64> {
        let data = match &self.kind {
            Kind::Udp(d) => *d,
            _ => return None,
        };
        let t = data.get(8..TAG_LEN)?;
        Some(u64::from_be_bytes(t.try_into().ok()?))
    }
}

fn parse(packet: &[u8]) -> Option<Parsed<'_>> {
    let (hdr, rest) = packet.split_first_chunk::<40>()?;
    if hdr[0] >> 4 != 6 {
        return None;
    }
    let plen = usize::from(u16::from_be_bytes([hdr[4], hdr[5]]));
    let payload = rest.get(..plen)?;
    let src = Ipv6Addr::from(<[u8; 16]>::try_from(&hdr[8..24]).ok()?);
    let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&hdr[24..40]).ok()?);
    let kind = match hdr[6] {
        17 => Kind::Udp(payload.get(8..)?),
        icmpv6::NEXT_HEADER_ICMPV6 => match EchoRepr::parse(payload) {
            Ok(e) if e.reply => Kind::EchoReply,
            Ok(e) => Kind::EchoRequest(e),
            Err(_) => Kind::Other,
        },
        _ => Kind::Other,
    };
    Some(Parsed {
        src,
        dst,
        hop_limit: hdr[7],
        kind,
    })
}

/// The fixed IPv6 header of a packet with `len` octets of payload (room reserved for it).
pub(crate) fn ipv6_header(src: Ipv6Addr, dst: Ipv6Addr, next: u8, hl: u8, len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(40 + len);
    let [l1, l0] = (len as u16).to_be_bytes();
    v.extend_from_slice(&[0x60, 0, 0, 0, l1, l0, next, hl]);
    v.extend_from_slice(&src.octets());
    v.extend_from_slice(&dst.octets());
    v
}

/// A native IPv6/UDP packet with a correct checksum (ports 0xF0B1 -> 0xF0B2).
pub fn udp_packet(src: Ipv6Addr, dst: Ipv6Addr, hop_limit: u8, payload: &[u8]) -> Vec<u8> {
    let len = 8 + payload.len();
    let mut v = ipv6_header(src, dst, 17, hop_limit, len);
    let [l1, l0] = (len as u16).to_be_bytes();
    let mut h = [0xF0, 0xB1, 0xF0, 0xB2, l1, l0, 0, 0];
    let c = checksum::udp(&src, &dst, &h, payload);
    h[6..8].copy_from_slice(&c.to_be_bytes());
    v.extend_from_slice(&h);
    v.extend_from_slice(payload);
    v
}

/// The payload of flow `id` sent at `now`: the tag and filler up to `len` octets.
pub fn payload(id: u64, now: u64, len: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(len.max(TAG_LEN));
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&now.to_be_bytes());
    p.resize(len.max(TAG_LEN), 0x5A);
    p
}

/// An ICMPv6 echo request or reply.
pub fn echo(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    reply: bool,
    ident: u16,
    seq: u16,
    data: &[u8],
) -> Vec<u8> {
    let e = EchoRepr {
        reply,
        ident,
        seq,
        data,
    };
    let mut msg = vec![0u8; e.buffer_len()];
    // The buffer has exactly the length the message needs.
    let _ = e.emit(&src, &dst, &mut msg);
    let mut v = ipv6_header(
        src,
        dst,
        icmpv6::NEXT_HEADER_ICMPV6,
        START_HOP_LIMIT,
        msg.len(),
    );
    v.extend_from_slice(&msg);
    v
}

/// Link hops between two nodes along the tree (through their lowest common ancestor).
pub fn tree_distance(a: PasaAddr, b: PasaAddr) -> u32 {
    let (pa, pb): (Vec<PasaAddr>, Vec<PasaAddr>) = (a.path().collect(), b.path().collect());
    let common = pa.iter().zip(&pb).take_while(|(x, y)| x == y).count();
    (pa.len() - common + pb.len() - common) as u32
}
