//! A tour of the PASA codec: the draft's Figure 6 address table built by TAAF, and the example
//! frame of SPEC.md §8.4 decoded layer by layer.
//!
//! Run: `cargo run -p pasa-addrcodec --example codec_tour`
//! Options: `--frame HEX` decodes another frame (hex octets, spaces allowed);
//! `--lorh-type 0xNN` sets the PASA-6LoRH type (default 0x50).

use std::process::ExitCode;

use pasa_addrcodec::frame::{self, CodecConfig};
use pasa_addrcodec::wire::dispatch::{Dispatch, PAGE1};
use pasa_addrcodec::wire::iphc::{self, Context, Contexts, Env, LinkAddrs};
use pasa_addrcodec::wire::lorh::{PasaLorhRepr, PasaPacket};
use pasa_addrcodec::wire::nhc::{UdpPacket, UdpRepr};
use pasa_addrcodec::{ChildRole, DEFAULT_PASA_LORH_TYPE, PasaAddr, Prefix64, Role};

const SPEC_FRAME: &str = "F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B F3 12 1F 47 50 41 53 41";

const USAGE: &str = "\
codec_tour: print the PASA Figure 6 address table and decode a compressed frame layer by layer

USAGE: codec_tour [--frame HEX] [--lorh-type 0xNN]

  --frame HEX        frame to decode, hex octets (default: SPEC.md §8.4, host 1011 -> 101011)
  --lorh-type 0xNN   PASA-6LoRH type, TBD1 in the draft (default 0x50)
  -h, --help         this text

Contexts: 0 = 2001:db8::/64 (the PASA prefix), 1 = 2001:db8::/112.";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut frame_hex = SPEC_FRAME.to_string();
    let mut lorh_type = DEFAULT_PASA_LORH_TYPE;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--frame" => frame_hex = it.next().ok_or("--frame needs a value")?,
            "--lorh-type" => {
                let v = it.next().ok_or("--lorh-type needs a value")?;
                let t = v.trim_start_matches("0x");
                lorh_type = u8::from_str_radix(t, 16)
                    .map_err(|_| format!("--lorh-type {v:?} is not a hex octet"))?;
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    let bytes = parse_hex(&frame_hex)?;
    figure6();
    println!();
    decode(&bytes, lorh_type)
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err("frame hex has an odd number of digits".into());
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .map_err(|_| format!("frame hex: bad octet {:?} at digit {i}", &digits[i..i + 2]))
        })
        .collect()
}

/// Figure 6 of draft-13 (with the two hypothetical children of 110), assigned by TAAF in the
/// order router, host, router, host.
fn figure6() {
    let plan: &[(&str, ChildRole)] = &[
        ("1", ChildRole::Router),
        ("1", ChildRole::Host),
        ("1", ChildRole::Router),
        ("1", ChildRole::Host),
        ("10", ChildRole::Router),
        ("10", ChildRole::Host),
        ("10", ChildRole::Router),
        ("10", ChildRole::Host),
        ("100", ChildRole::Host),
        ("100", ChildRole::Host),
        ("1010", ChildRole::Host),
        ("1010", ChildRole::Host),
        ("110", ChildRole::Router),
        ("110", ChildRole::Host),
    ];
    let mut counters = std::collections::HashMap::<PasaAddr, (u8, u8)>::new();
    let mut nodes = vec![PasaAddr::ROOT];
    for (p, role) in plan {
        let p: PasaAddr = p.parse().expect("static table");
        let c = counters.entry(p).or_default();
        let k = match role {
            ChildRole::Router => &mut c.0,
            ChildRole::Host => &mut c.1,
        };
        nodes.push(p.child(*role, *k).expect("fits in 64 bits"));
        *k += 1;
    }
    nodes.sort_by_key(|n| (n.len_bits(), n.value()));
    println!(
        "Figure 6 address table (draft-13 §6.1), prefix {}",
        Prefix64::DOC
    );
    println!(
        "{:>8} {:>3} {:>5} {:<6} {:>7} {:>5} {:<16} PASA-6LoRH",
        "PASA", "len", "hex", "role", "parent", "index", "IPv6"
    );
    for n in nodes {
        let role = match n.role() {
            Role::Root => "root",
            Role::Router => "router",
            Role::Host => "host",
        };
        let index = match (n.role(), n.index()) {
            (Role::Router, Some(k)) => format!("r={k}"),
            (Role::Host, Some(k)) => format!("h={k}"),
            _ => "-".into(),
        };
        let parent = n.parent().map_or("-".into(), |p| p.to_string());
        let mut lorh = [0u8; 10];
        let len = PasaLorhRepr { dst: n }
            .emit(&mut lorh, DEFAULT_PASA_LORH_TYPE)
            .expect("10 octets always suffice");
        println!(
            "{:>8} {:>3} {:>5} {:<6} {:>7} {:>5} {:<16} {}",
            n.to_string(),
            n.len_bits(),
            n.hex().to_string(),
            role,
            parent,
            index,
            n.to_ipv6(Prefix64::DOC).to_string(),
            hexs(&lorh[..len])
        );
    }
}

fn hexs(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode(f: &[u8], lorh_type: u8) -> Result<(), String> {
    let ctx = Contexts::new()
        .with(
            0,
            Context::new(Prefix64::DOC.network(), 64).map_err(|e| e.to_string())?,
        )
        .with(
            1,
            Context::new(Prefix64::DOC.network(), 112).map_err(|e| e.to_string())?,
        );
    let mut cfg = CodecConfig::new(&ctx);
    cfg.lorh_type = lorh_type;
    println!("Frame ({} octets): {}", f.len(), hexs(f));
    let h = frame::parse_header(f, &cfg).map_err(|e| format!("frame: {e}"))?;
    let mut at = 0;
    if f.first() == Some(&PAGE1) {
        println!(
            "  [{at:2}] {:<24} page 1 dispatch (RFC 8025)",
            hexs(&f[..1])
        );
        at += 1;
    } else if let Some(&b) = f.first() {
        println!("  [{at:2}] first dispatch {:?}", Dispatch::classify(b, 0));
    }
    if let Some(da) = h.pasa_dst {
        let p = PasaPacket::new_checked(&f[at..]).map_err(|e| e.to_string())?;
        let n = p.total_len();
        println!(
            "  [{at:2}] {:<24} PASA-6LoRH: critical, Rsvd {}, Size {} ({} octet(s)), type {:#04x}, DA = {} ({}, {})",
            hexs(&f[at..at + n]),
            p.rsvd(),
            p.size(),
            p.address_len(),
            p.lorh_type(),
            da,
            da.hex(),
            da.to_ipv6(Prefix64::DOC)
        );
        print!("         path from the root:");
        for hop in da.path() {
            print!(" {hop}");
        }
        println!();
        at += n;
    }
    if let Some(ipip) = h.ip_in_ip {
        let n = ipip.len();
        println!(
            "  [{at:2}] {:<24} IP-in-IP 6LoRH: Length {}, hop limit {}, encapsulator {}",
            hexs(&f[at..at + n]),
            n - 2,
            ipip.hop_limit,
            if ipip.encapsulator_len == 0 {
                "elided (the IPHC source)"
            } else {
                "inline"
            }
        );
    }
    let at = h.iphc_offset();
    let p = iphc::Packet::new_checked(&f[at..]).map_err(|e| format!("IPHC at {at}: {e}"))?;
    let l = p.layout().map_err(|e| e.to_string())?;
    let env = Env {
        contexts: Some(&ctx),
        pasa_dst: h.pasa_dst,
        link: LinkAddrs::default(),
    };
    let ip = iphc::Repr::parse(&p, &env).map_err(|e| format!("IPHC at {at}: {e}"))?;
    println!(
        "  [{at:2}] {:<24} LOWPAN_IPHC: TF={} NH={} HLIM={} CID={} SAC={} SAM={} M={} DAC={} DAM={} SCI={} DCI={}",
        hexs(&f[at..at + l.header_len]),
        p.tf(),
        u8::from(p.nh()),
        p.hlim(),
        u8::from(p.cid()),
        u8::from(p.sac()),
        p.sam(),
        u8::from(p.m()),
        u8::from(p.dac()),
        p.dam(),
        p.sci(),
        p.dci()
    );
    println!(
        "         src {}  dst {}{}  hop limit {}  next header {}",
        ip.src,
        ip.dst,
        if p.dac() && p.dam() == 3 && h.pasa_dst.is_some() {
            " (coalesced from the PASA-6LoRH)"
        } else {
            ""
        },
        ip.hop_limit,
        ip.next_header
    );
    let mut at = at + l.header_len;
    if ip.nhc {
        let u = UdpPacket::new_checked(&f[at..]).map_err(|e| format!("NHC at {at}: {e}"))?;
        let r = UdpRepr::parse(&u).map_err(|e| e.to_string())?;
        let n = u.header_len();
        println!(
            "  [{at:2}] {:<24} NHC UDP: ports {:#06x} -> {:#06x}, checksum {}",
            hexs(&f[at..at + n]),
            r.src_port,
            r.dst_port,
            r.checksum
                .map_or("elided".to_string(), |c| format!("{c:#06x}"))
        );
        at += n;
    }
    let payload = &f[at..];
    println!(
        "  [{at:2}] {:<24} payload ({} octets) {:?}",
        hexs(payload),
        payload.len(),
        String::from_utf8_lossy(payload)
    );
    let d = frame::decode(f, &cfg, LinkAddrs::default()).map_err(|e| e.to_string())?;
    if let (Some(u), Some(ck)) = (d.udp, d.udp_checksum()) {
        match u.checksum {
            Some(c) if c == ck => {
                println!("  UDP checksum {c:#06x} verified over the rebuilt pseudo-header")
            }
            Some(c) => println!("  UDP checksum {c:#06x} is WRONG: expected {ck:#06x}"),
            None => println!("  UDP checksum elided; computed {ck:#06x}"),
        }
    }
    let mut v6 = [0u8; 1500];
    let n = frame::write_ipv6(&d, &mut v6).map_err(|e| e.to_string())?;
    println!("Native IPv6 ({n} octets): {}", hexs(&v6[..n]));
    Ok(())
}
