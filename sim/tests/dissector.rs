//! The Wireshark dissector `sim/wireshark/pasa.lua` against real frames: a pcap written by
//! [`pasa_sim::pcap`] with the SPEC.md §8.4 frame, frames from `pasa_addrcodec::frame::compress`
//! and the ND exchange of a real root and a real joining host, read back with
//! `tshark -X lua_script:... -V`.
//!
//! Needs `tshark` on PATH. Without it the test prints a skip note and passes, unless
//! `PASA_REQUIRE_TSHARK=1` (set by `scripts/test.sh`), which turns the skip into a failure.

use std::collections::VecDeque;
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use pasa_addrcodec::Prefix64;
use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions};
use pasa_addrcodec::wire::checksum;
use pasa_addrcodec::wire::iphc::{Context, Contexts};
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_router::control::link_local;
use pasa_router::joiner::JoinState;
use pasa_router::{LinkDst, MemStore, Neighbor, Node, NodeConfig, NodeRole, Rx};
use pasa_sim::pcap::PcapWriter;

type TestNode = Node<MemStore<2048>, 8>;

/// SPEC.md §8.4: host 1011 -> host 101011, UDP 0xF0B1 -> 0xF0B2, "PASA" (PASA-6LoRH type 0x50).
const BYTES_FRAME_8_4: [u8; 23] = [
    0xF1, 0x80, 0x50, 0x2B, 0x7C, 0x57, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0B, 0xF3,
    0x12, 0x1F, 0x47, 0x50, 0x41, 0x53, 0x41,
];

/// Ethernet multicast for ff02::2 (all routers, RFC 2464 §7): where an RS goes.
const MAC_ALL_ROUTERS: [u8; 6] = [0x33, 0x33, 0, 0, 0, 0x02];

/// One frame of the capture and what tshark must show for it.
struct Expect {
    what: &'static str,
    /// Strings that must all appear in this frame's `-V` block.
    shows: Vec<String>,
}

#[test]
fn tshark_decodes_pasa_frames_cleanly() {
    let Some(tshark) = tshark() else {
        return;
    };
    let dir = TempDir::new("pasa-dissector");
    let pcap = dir.path().join("pasa.pcap");
    let capture = write_capture(&pcap);

    let lua = Path::new(env!("CARGO_MANIFEST_DIR")).join("wireshark/pasa.lua");
    let lua = lua.canonicalize().expect("sim/wireshark/pasa.lua exists");
    // The PASA prefix is 6LoWPAN context 0 (the dissector uses Wireshark's contexts); UDP
    // checksums are only checked on request.
    let base: Vec<String> = [
        "-X",
        &format!("lua_script:{}", lua.display()),
        "-o",
        "6lowpan.context0:2001:db8::/64",
        "-o",
        "udp.check_checksum:TRUE",
        "-r",
        &pcap.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();

    let verbose = run(&tshark, &[&base[..], &["-V".to_string()]].concat());
    // Every frame decoded, nothing malformed, no warning or error from any dissector (the
    // ICMPv6 dissector's note that it has no decoder for option 253 is a note).
    for bad in [
        "Malformed",
        "Expert Info (Error",
        "Expert Info (Warning",
        "Bad checksum",
        "Lua Error",
        "Bogus IPv6",
        "[Checksum Status: Bad]",
        "[Checksum Status: Unverified]",
    ] {
        assert!(
            !verbose.contains(bad),
            "tshark -V shows {bad:?}:\n{verbose}"
        );
    }
    let frames = split_frames(&verbose);
    assert_eq!(
        frames.len(),
        capture.expects.len(),
        "frames in the -V output:\n{verbose}"
    );
    for (i, (block, want)) in frames.iter().zip(&capture.expects).enumerate() {
        for s in &want.shows {
            assert!(
                block.contains(s.as_str()),
                "frame {} ({}): {s:?} not in\n{block}",
                i + 1,
                want.what
            );
        }
    }

    // The same in fields, row by row: PASA address, IPv6 addresses as tshark rebuilt them,
    // UDP and ICMPv6 checksum status (1 = Good), ICMPv6 type, GAAO address, 6CIO role.
    let mut args = base.clone();
    for a in [
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "pasa.lorh.addr_bits",
        "-e",
        "ipv6.src",
        "-e",
        "ipv6.dst",
        "-e",
        "udp.checksum.status",
        "-e",
        "icmpv6.checksum.status",
        "-e",
        "icmpv6.type",
        "-e",
        "pasa.gaao.addr",
        "-e",
        "pasa.cio.role",
    ] {
        args.push(a.to_string());
    }
    let fields = run(&tshark, &args);
    let rows: Vec<&str> = fields.lines().collect();
    let want: Vec<&str> = capture.fields.iter().map(String::as_str).collect();
    assert_eq!(rows, want, "tshark -T fields:\n{fields}");
    dir.remove();
}

/// The capture's frames: what each `-V` block must show, and each `-T fields` row.
struct Capture {
    expects: Vec<Expect>,
    fields: Vec<String>,
}

/// Writes the capture.
fn write_capture(path: &Path) -> Capture {
    let file = std::fs::File::create(path).unwrap();
    let mut w = PcapWriter::ethernet(std::io::BufWriter::new(file)).unwrap();
    let mut cap = Capture {
        expects: Vec::new(),
        fields: Vec::new(),
    };
    let mut ts_us = 1_700_000_000_000_000u64;
    let mut put =
        |w: &mut PcapWriter<_>, (dst, src): ([u8; 6], [u8; 6]), f: &[u8], row: String, e| {
            w.write_lowpan(ts_us, &dst, &src, f).unwrap();
            ts_us += 1_000;
            cap.fields.push(row);
            cap.expects.push(e);
        };

    // (a) SPEC.md §8.4, byte for byte; tshark checks its UDP checksum 0x1F47.
    put(
        &mut w,
        ([2, 0, 0, 0, 0, 0x0A], [2, 0, 0, 0, 0, 0x0B]),
        &BYTES_FRAME_8_4,
        "101011|2001:db8::b|2001:db8::2b|1||||".into(),
        Expect {
            what: "SPEC 8.4 frame",
            shows: strings(&[
                "PASA, destination 101011",
                "PASA-6LoRH: 101011 -> 2001:db8::2b",
                ".... .000 = Size: 0 (N = 1 address octet)",
                "6LoRH Type: 0x50 (PASA-6LoRH, TBD1)",
                "PASA address: 101011 (0x2b, 6 bits)",
                "[IPv6 destination: 2001:db8::2b (prefix of 6LoWPAN context 0 :: PASA address)]",
                "Coalescence: IPHC DAC=1 DAM=11 destination rebuilt from the PASA-6LoRH",
                "Source Address: 2001:db8::b",
                "Destination Address: 2001:db8::2b",
                "Checksum: 0x1f47 [correct]",
                "[Checksum Status: Good]",
                "Data: 50415341",
            ]),
        },
    );

    // (b) the codec's own frames: a PASA frame with a 2-octet PASA-6LoRH, and an IP-in-IP
    // frame towards the root for a destination outside 2001:db8::/64.
    let c = contexts();
    let cfg = CodecConfig::new(&c);
    let opts = CompressOptions::new(Prefix64::DOC);
    let compress = |pkt: &[u8]| {
        let mut out = vec![0u8; pkt.len() + 16];
        let n = frame::compress(pkt, &cfg, &opts, &mut out).unwrap();
        out.truncate(n);
        out
    };
    let pasa = compress(&udp_packet(
        "2001:db8::a".parse().unwrap(),
        "2001:db8::12c".parse().unwrap(),
        64,
        b"sim",
    ));
    assert_eq!(
        pasa[..5],
        [0xF1, 0x81, 0x50, 0x01, 0x2C],
        "a 2-octet PASA-6LoRH"
    );
    put(
        &mut w,
        ([2, 0, 0, 0, 0, 0x0B], [2, 0, 0, 0, 0, 0x0A]),
        &pasa,
        "100101100|2001:db8::a|2001:db8::12c|1||||".into(),
        Expect {
            what: "codec PASA frame",
            shows: strings(&[
                ".... .001 = Size: 1 (N = 2 address octets)",
                "PASA address: 100101100 (0x012c, 9 bits)",
                "[IPv6 destination: 2001:db8::12c",
                "Destination Address: 2001:db8::12c",
                "Source Address: 2001:db8::a",
                "[Checksum Status: Good]",
            ]),
        },
    );
    let up = compress(&udp_packet(
        "2001:db8::b".parse().unwrap(),
        "2001:db8:ffff::1".parse().unwrap(),
        64,
        b"PASA",
    ));
    assert_eq!(up[..4], [0xF1, 0xA1, 0x06, 0x40], "an IP-in-IP 6LoRH");
    put(
        &mut w,
        ([2, 0, 0, 0, 0, 0x01], [2, 0, 0, 0, 0, 0x0B]),
        &up,
        "|2001:db8::b|2001:db8:ffff::1|1||||".into(),
        Expect {
            what: "codec IP-in-IP frame",
            shows: strings(&[
                "PASA, IP-in-IP towards the root, Hop Limit 64",
                "IP-in-IP 6LoRH: Hop Limit 64, encapsulator elided",
                "6LoRH Type: 0x06 (IP-in-IP)",
                "Encapsulator: elided (the IPHC source; outer destination the root)",
                "Destination Address: 2001:db8:ffff::1",
                "Checksum: 0x1f71 [correct]",
            ]),
        },
    );

    // The ND exchange of a root and a joining host, both real nodes: page 0, no 6LoRH.
    let (nd, assigned) = nd_exchange();
    // Figure 6: the first host child of root 1 gets 11 (SPEC.md §8.1).
    assert_eq!(assigned, "2001:db8::3".parse::<Ipv6Addr>().unwrap());
    let (root_ll, host_ll) = (link_local(&mac(0)), link_local(&mac(1)));
    let kinds: [(&str, String, Vec<String>); 6] = [
        (
            "RS",
            format!("|{host_ll}|ff02::2||1|133||host"),
            strings(&["Router Solicitation", "PASA 6CIO: role host"]),
        ),
        (
            "RA",
            format!("|{root_ll}|{host_ll}||1|134||root"),
            strings(&[
                "Router Advertisement",
                "PASA 6CIO: role root",
                "...1 .... .... .... = L (6LR: PASA router): True",
                ".... 1... .... .... = B (6LBR: PASA root): True",
                ".... .... .1.. .... = M (GAAO supported; TBD, placeholder bit): True",
            ]),
        ),
        (
            "NS(GAAO)",
            format!("|{host_ll}|{root_ll}||1|135||host"),
            strings(&[
                "Neighbor Solicitation",
                "PASA GAAO (NS, Status Success)",
                ".... .000 0000 .... = Prefix Length: 0",
                "ROVR: a000000000000001 (64 bits)",
                "Address/Prefix: absent (Prefix Length 0)",
            ]),
        ),
        (
            "NA(GAAO)",
            format!("|{root_ll}|{host_ll}||1|136|{assigned}|"),
            vec![
                "Neighbor Advertisement".into(),
                format!("PASA GAAO (NA, Status Success, assigned {assigned}/64)"),
                "Status: Success (0)".into(),
                "1... .... .... .... = R (explicit registration requested): True".into(),
                ".... .100 0000 .... = Prefix Length: 64".into(),
                ".... .... .... 1111 = AAF: Experimental Use".into(),
                format!("Address/Prefix: {assigned} (assigned)"),
            ],
        ),
        (
            "NS(EARO)",
            format!("|{host_ll}|{root_ll}||1|135||"),
            strings(&[
                "Neighbor Solicitation",
                "PASA EARO (RFC 8505)",
                ".... ..1. = R (make the address reachable): True",
                ".... ...1 = T (TID present: EARO): True",
            ]),
        ),
        (
            "NA(EARO)",
            format!("|{root_ll}|{host_ll}||1|136||"),
            strings(&[
                "Neighbor Advertisement",
                "PASA EARO (RFC 8505)",
                "Status: Success (0)",
            ]),
        ),
    ];
    assert_eq!(nd.len(), kinds.len(), "the ND exchange has six messages");
    for ((macs, f), (what, row, shows)) in nd.into_iter().zip(kinds) {
        assert_eq!(f[0] >> 5, 0b011, "{what}: page-0 IPHC, no 6LoRH");
        let mut shows = shows;
        shows.push("[Checksum Status: Good]".into());
        put(&mut w, macs, &f, row, Expect { what, shows });
    }
    w.into_inner().unwrap();
    cap
}

/// A frame on the link: ((destination MAC, source MAC), LoWPAN frame).
type Sent = (([u8; 6], [u8; 6]), Vec<u8>);

/// Runs a root (node 0) and a host (node 1) on one link until the host is registered;
/// returns the frames in the order they were sent, and the host's address.
fn nd_exchange() -> (Vec<Sent>, Ipv6Addr) {
    let mut now = 1_000u64;
    let mut nodes = [
        TestNode::new(config(0, NodeRole::Root), MemStore::new(), now).unwrap(),
        TestNode::new(config(1, NodeRole::Host), MemStore::new(), now).unwrap(),
    ];
    let mut sent = Vec::new();
    for _ in 0..400 {
        for i in 0..2 {
            nodes[i].handle_timeout(now);
            let mut q = VecDeque::new();
            let mut buf = [0u8; 256];
            while let Some(t) = nodes[i].poll_transmit(now, &mut buf) {
                q.push_back((i, t.to, buf[..t.len].to_vec()));
            }
            // Hand each frame to the other node; answers go back the same way.
            while let Some((from, to, f)) = q.pop_front() {
                let dst = match to {
                    LinkDst::Neighbor(n) => mac6(&n.ll),
                    LinkDst::Multicast { .. } => MAC_ALL_ROUTERS,
                    LinkDst::External => unreachable!("no egress on a link-local exchange"),
                };
                sent.push(((dst, mac6(&mac(from))), f.clone()));
                let peer = 1 - from;
                let rx = Rx {
                    from: Neighbor {
                        iface: 0,
                        ll: mac(from),
                    },
                    multicast: matches!(to, LinkDst::Multicast { .. }),
                    frame: &f,
                };
                let v = nodes[peer].receive(now, &rx);
                if v.len > 0 {
                    let mut out = vec![0u8; v.len];
                    nodes[peer].emit(&v, &f, &mut out).unwrap();
                    if let pasa_router::Action::Send(d) = v.action {
                        q.push_back((peer, d, out));
                    }
                }
            }
        }
        if matches!(nodes[1].join_state(), JoinState::Joined { .. }) {
            let a = nodes[1].address().expect("a joined node has an address");
            return (sent, a.to_ipv6(Prefix64::DOC));
        }
        now += 50;
    }
    panic!("the host did not join; sent {} frames", sent.len());
}

fn contexts() -> Contexts {
    Contexts::new().with(0, Context::new(Prefix64::DOC.network(), 64).unwrap())
}

fn mac(i: usize) -> LinkAddr {
    LinkAddr::new(&[0x02, 0, 0, 0, 0, i as u8 + 1]).unwrap()
}

fn mac6(l: &LinkAddr) -> [u8; 6] {
    l.as_bytes().try_into().unwrap()
}

fn config(i: usize, role: NodeRole) -> NodeConfig {
    let rovr = Rovr::new(&[0xA0, 0, 0, 0, 0, 0, 0, i as u8]).unwrap();
    NodeConfig::new(role, Prefix64::DOC, contexts(), mac(i), rovr)
}

/// A native IPv6/UDP packet, ports 0xF0B1 -> 0xF0B2, with its checksum.
fn udp_packet(src: Ipv6Addr, dst: Ipv6Addr, hop_limit: u8, payload: &[u8]) -> Vec<u8> {
    let udp_len = (8 + payload.len()) as u16;
    let mut udp = [0xF0, 0xB1, 0xF0, 0xB2, 0, 0, 0, 0];
    udp[4..6].copy_from_slice(&udp_len.to_be_bytes());
    let sum = checksum::udp(&src, &dst, &udp, payload);
    udp[6..8].copy_from_slice(&sum.to_be_bytes());
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&udp_len.to_be_bytes());
    p.extend_from_slice(&[17, hop_limit]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(&udp);
    p.extend_from_slice(payload);
    p
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

/// The `-V` output cut into one block per frame.
fn split_frames(v: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in v.lines() {
        if line.starts_with("Frame ") {
            out.push(String::new());
        }
        if let Some(b) = out.last_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    out
}

/// The tshark to use, or `None` (after a note) when there is none and it is not required.
fn tshark() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("tshark"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("PASA_REQUIRE_TSHARK").as_deref() != Ok("1"),
            "PASA_REQUIRE_TSHARK=1 but tshark is not on PATH: install it (apt-get install tshark) \
             or run scripts/test.sh, which does"
        );
        println!("skipped: tshark is not on PATH (set PASA_REQUIRE_TSHARK=1 to make this fail)");
    }
    found
}

/// Runs tshark; panics with its stderr when it fails. The "Running as user root" warning
/// goes to stderr and is ignored.
fn run(tshark: &Path, args: &[String]) -> String {
    let out = Command::new(tshark)
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .expect("tshark runs");
    let stdout = String::from_utf8(out.stdout).expect("tshark prints UTF-8");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tshark {args:?} failed ({}):\n{stderr}",
        out.status
    );
    // A Lua error is printed to stderr and the dissection goes on; treat it as a failure.
    assert!(
        !stderr.contains("Lua") && !stderr.contains("lua"),
        "tshark {args:?} reported a Lua problem:\n{stderr}"
    );
    stdout
}

/// A directory under the system temp dir. It is kept (and its path printed) unless
/// [`TempDir::remove`] was called, so the pcap of a failing run can be looked at.
struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let path = std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self { path, keep: true }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the directory (on success; a failing test leaves it for inspection).
    fn remove(mut self) {
        self.keep = false;
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("kept {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
