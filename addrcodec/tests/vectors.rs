//! Every row of `../shared/vectors/vectors.json` (copied to `tests/fixtures/vectors.json`) as a
//! fixture: TAAF table, forwarding rows, all-pairs delivery, 6LoRH encodings, example frames
//! byte for byte, overhead table.

mod common;

use std::collections::BTreeSet;
use std::net::Ipv6Addr;

use common::{Tree, hex};
use pasa_addrcodec::frame::{self, CodecConfig, CompressOptions};
use pasa_addrcodec::wire::iphc::{Context, Contexts, LinkAddrs};
use pasa_addrcodec::wire::lorh::{PasaLorhRepr, PasaPacket};
use pasa_addrcodec::{
    ChildRole, DEFAULT_PASA_LORH_TYPE as TT, Decision, LevelPlan, PasaAddr, Prefix64, Role,
    check_plan, children_left,
};
use serde_json::Value;

fn vectors() -> Value {
    let text = include_str!("fixtures/vectors.json");
    serde_json::from_str(text).unwrap()
}

fn a(s: &str) -> PasaAddr {
    s.parse().unwrap()
}

fn rows<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("vectors.json has no {key}"))
}

fn s<'a>(row: &'a Value, key: &str) -> &'a str {
    row[key]
        .as_str()
        .unwrap_or_else(|| panic!("row {row} has no {key}"))
}

fn ctx0() -> Contexts {
    Contexts::new().with(0, Context::new(Prefix64::DOC.network(), 64).unwrap())
}

fn ctx01() -> Contexts {
    ctx0().with(1, Context::new(Prefix64::DOC.network(), 112).unwrap())
}

/// The Figure 6 tree, built by asking each parent in the order of the TAAF table.
fn figure6(v: &Value) -> Tree {
    let mut t = Tree::new();
    for row in rows(v, "taaf_fig6") {
        if s(row, "parent") == "-" {
            continue;
        }
        let role = if s(row, "role") == "router" {
            ChildRole::Router
        } else {
            ChildRole::Host
        };
        let got = t.assign(a(s(row, "parent")), role).unwrap();
        assert_eq!(got, a(s(row, "bin")), "TAAF order of {row}");
    }
    t
}

/// The shared copy must not drift from the fixture committed here.
#[test]
fn fixture_matches_shared_vectors_when_present() {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/vectors.json"
    );
    if let Ok(text) = std::fs::read_to_string(shared) {
        let theirs: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            theirs,
            vectors(),
            "shared/vectors/vectors.json changed: re-copy it"
        );
    }
}

#[test]
fn taaf_table_of_figure6() {
    let v = vectors();
    let table = rows(&v, "taaf_fig6");
    assert_eq!(table.len(), 15);
    for row in table {
        let x = a(s(row, "bin"));
        assert_eq!(u64::from(x.len_bits()), row["len"].as_u64().unwrap());
        assert_eq!(format!("0x{:02X}", x.value()), s(row, "hex"));
        assert_eq!(a(s(row, "hex")), x);
        let role = match x.role() {
            Role::Root => "root",
            Role::Router => "router",
            Role::Host => "host",
        };
        assert_eq!(role, s(row, "role"));
        let parent = x.parent().map_or("-".to_string(), |p| p.to_string());
        assert_eq!(parent, s(row, "parent"));
        let index = match (x.role(), x.index()) {
            (Role::Root, _) => "-".to_string(),
            (Role::Router, Some(k)) => format!("r={k}"),
            (_, Some(k)) => format!("h={k}"),
            _ => unreachable!(),
        };
        assert_eq!(index, s(row, "index"));
        assert_eq!(x.to_ipv6(Prefix64::DOC).to_string(), s(row, "ipv6"));
        let mut buf = [0u8; 10];
        let n = PasaLorhRepr { dst: x }.emit(&mut buf, TT).unwrap();
        assert_eq!(buf[..n], hex(s(row, "lorh"))[..]);
    }
    figure6(&v);
}

#[test]
fn forwarding_rows_literal_and_with_host_rule() {
    let v = vectors();
    for row in rows(&v, "forwarding") {
        let ca = a(s(row, "ca"));
        let da = a(s(row, "da"));
        let want = s(row, "decision");
        let literal = ca.seven_steps(da);
        let text = match literal {
            Decision::Deliver => "DELIVER".to_string(),
            Decision::Parent => "PARENT".to_string(),
            Decision::Child(c) => format!("CHILD {c}"),
        };
        assert!(want.starts_with(&text), "{ca} -> {da}: {text} vs {want}");
        if want.contains("step 7") {
            // The rows marked † in SPEC.md §8.2: a host whose address prefixes DA.
            assert!(ca.is_host());
            assert_eq!(ca.decide(da), Decision::Parent, "host rule at {ca}");
        } else {
            assert_eq!(ca.decide(da), literal, "{ca} -> {da}");
        }
    }
}

#[test]
fn all_pairs_of_figure6_deliver_along_the_tree_path() {
    let v = vectors();
    let t = figure6(&v);
    let nodes = t.nodes.clone();
    assert_eq!(nodes.len() * nodes.len(), 225);
    let mut literal_failures = BTreeSet::new();
    let (mut hops, mut via_root) = (0usize, 0usize);
    for &src in &nodes {
        for &dst in &nodes {
            let path = t.walk(src, dst, |c, d| c.decide(d)).unwrap();
            assert_eq!(path.len() - 1, t.distance(src, dst), "{src} -> {dst}");
            hops += path.len() - 1;
            if src != dst {
                // RPL non-storing: every packet climbs to the root and comes back down.
                via_root += t.distance(src, PasaAddr::ROOT) + t.distance(PasaAddr::ROOT, dst);
            }
            if t.walk(src, dst, |c, d| c.seven_steps(d)).is_err() {
                literal_failures.insert((src.to_string(), dst.to_string()));
            }
        }
    }
    assert_eq!((hops, via_root), (604, 784));
    let want: BTreeSet<(String, String)> = rows(&v, "literal_failures")
        .iter()
        .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
        .collect();
    assert_eq!(literal_failures, want);
    for (key, path) in v["paths_examples"].as_object().unwrap() {
        let (s, d) = key.split_once("->").unwrap();
        let got: Vec<String> = t
            .walk(a(s), a(d), |c, d| c.decide(d))
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        let want: Vec<String> = path
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{key}");
    }
}

#[test]
fn children_limit_is_64_minus_n_per_role() {
    let v = vectors();
    assert_eq!(s(&v, "children_limit"), "64-N per role (indexes 0..63-N)");
    for n in 1..=63u8 {
        let parent = PasaAddr::new(1u64 << (n - 1)).unwrap();
        let left = children_left(n, 0);
        assert_eq!(left, 64 - n);
        for role in [ChildRole::Router, ChildRole::Host] {
            assert!(parent.child(role, left - 1).is_ok());
            assert!(parent.child(role, left).is_err());
        }
    }
}

#[test]
fn lorh_encodings_one_to_eight_octets() {
    let v = vectors();
    for row in rows(&v, "lorh") {
        let x = a(s(row, "bin"));
        let bytes = hex(s(row, "bytes"));
        assert_eq!(
            usize::from(x.lorh_octets()),
            row["octets"].as_u64().unwrap() as usize
        );
        let mut buf = [0xFFu8; 10];
        let n = PasaLorhRepr { dst: x }.emit(&mut buf, TT).unwrap();
        assert_eq!(buf[..n], bytes[..], "{row}");
        assert_eq!(u64::from(buf[0] & 7), row["size_field"].as_u64().unwrap());
        let p = PasaPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(PasaLorhRepr::parse(&p, TT).unwrap().dst, x);
        assert_eq!(x.to_ipv6(Prefix64::DOC).to_string(), s(row, "ipv6"));
        // Every vector address is a real TAAF address: its path starts at the root.
        assert_eq!(x.path().next(), Some(PasaAddr::ROOT));
        assert_eq!(x.path().last(), Some(x));
    }
}

/// Native IPv6 + UDP for `src -> dst` carrying "PASA" with the given ports and hop limit.
fn native(src: &str, dst: &str, sport: u16, dport: u16, hl: u8, ck: u16) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0, 0, 12, 17, hl];
    p.extend_from_slice(&src.parse::<Ipv6Addr>().unwrap().octets());
    p.extend_from_slice(&dst.parse::<Ipv6Addr>().unwrap().octets());
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&[0, 12]);
    p.extend_from_slice(&ck.to_be_bytes());
    p.extend_from_slice(b"PASA");
    p
}

fn compress(packet: &[u8], ctx: &Contexts) -> Vec<u8> {
    let cfg = CodecConfig::new(ctx);
    let opts = CompressOptions::new(Prefix64::DOC);
    let mut out = [0u8; 128];
    let n = frame::compress(packet, &cfg, &opts, &mut out).unwrap();
    out[..n].to_vec()
}

fn decompress(f: &[u8], ctx: &Contexts) -> Vec<u8> {
    let mut out = [0u8; 128];
    let n = frame::decompress(f, &CodecConfig::new(ctx), LinkAddrs::default(), &mut out).unwrap();
    out[..n].to_vec()
}

#[test]
fn example_frames_byte_for_byte() {
    let v = vectors();
    let want = native("2001:db8::b", "2001:db8::2b", 0xF0B1, 0xF0B2, 64, 0x1F47);
    for (key, ctx) in [("ctx0_/64_SAM=01", ctx0()), ("ctx1_/112_SAM=10", ctx01())] {
        let fr = &v["frames"][key];
        let bytes = hex(s(fr, "hex"));
        assert_eq!(bytes.len() as u64, fr["length"].as_u64().unwrap());
        assert_eq!(s(fr, "checksum"), "0x1F47");
        let d = frame::decode(&bytes, &CodecConfig::new(&ctx), LinkAddrs::default()).unwrap();
        assert_eq!(d.header.pasa_dst, Some(a("101011")));
        assert_eq!(d.udp.unwrap().checksum, Some(0x1F47));
        assert_eq!(d.udp_checksum(), Some(0x1F47));
        assert_eq!(d.payload, b"PASA");
        assert_eq!(decompress(&bytes, &ctx), want, "{key}");
        assert_eq!(compress(&want, &ctx), bytes, "{key}");
    }
}

#[test]
fn upstream_frame_uses_ip_in_ip_to_the_root() {
    let v = vectors();
    let bytes = hex(v["upstream_frame"].as_str().unwrap());
    assert_eq!(bytes.len(), 39);
    let want = native(
        "2001:db8::b",
        "2001:db8:ffff::1",
        0xF0B1,
        0xF0B2,
        64,
        0x1F71,
    );
    assert_eq!(compress(&want, &ctx0()), bytes);
    assert_eq!(decompress(&bytes, &ctx0()), want);
    let h = frame::parse_header(&bytes, &CodecConfig::new(&ctx0())).unwrap();
    assert_eq!(h.pasa_dst, None);
    assert_eq!(h.ip_in_ip.unwrap().hop_limit, 64);
    assert_eq!(h.ip_in_ip.unwrap().hop_limit_at(), 3);
}

#[test]
fn inbound_frame_at_the_root() {
    let v = vectors();
    let bytes = hex(v["inbound_frame"].as_str().unwrap());
    let want = native(
        "2001:db8:ffff::1",
        "2001:db8::2b",
        0xF0B2,
        0xF0B1,
        63,
        0x1F51,
    );
    assert_eq!(compress(&want, &ctx0()), bytes);
    assert_eq!(decompress(&bytes, &ctx0()), want);
}

#[test]
fn overhead_table_matches_plan_and_header_sizes() {
    let v = vectors();
    for row in rows(&v, "overhead") {
        let d = row["depth"].as_u64().unwrap() as usize;
        let hdr = |bits: u64| 1 + 2 + bits.div_ceil(8);
        let best = row["pasa_len_bits"].as_u64().unwrap();
        let idx2 = row["pasa_idx2_bits"].as_u64().unwrap();
        assert_eq!(hdr(best), row["pasa"].as_u64().unwrap());
        assert_eq!(hdr(idx2), row["pasa_idx2"].as_u64().unwrap());
        // "best": first router child at every level; "idx2": index 2 at every level.
        let plan_best = check_plan(&vec![
            LevelPlan {
                routers: 1,
                hosts: 0
            };
            d
        ]);
        let plan_idx2 = check_plan(&vec![
            LevelPlan {
                routers: 3,
                hosts: 0
            };
            d
        ]);
        assert_eq!(u64::from(plan_best.max_len_bits), best);
        assert_eq!(u64::from(plan_idx2.max_len_bits), idx2);
        assert!(plan_idx2.fits());
        assert_eq!(u64::from(plan_idx2.lorh_octets.unwrap()), idx2.div_ceil(8));
    }
}

#[test]
fn gaao_and_earo_bytes_of_spec_8_6() {
    use pasa_addrcodec::wire::nd::{
        Aaf, EaroPacket, EaroRepr, GaaoAddress, GaaoPacket, GaaoRepr, PfxLen, Rovr, U2,
    };
    let v = vectors();
    let rovr = Rovr::new(&[0x02, 0, 0, 0xFF, 0xFE, 0, 0, 0x0B]).unwrap();
    let ns = GaaoRepr {
        status: 0,
        opaque: 0,
        r: false,
        c: false,
        aaf: Aaf::NONE,
        assignment_lifetime_min: 0,
        rovr,
        address: None,
    };
    let na = GaaoRepr {
        r: true,
        aaf: Aaf::TAAF_DEFAULT,
        assignment_lifetime_min: 1440,
        address: Some(GaaoAddress {
            pfx_len: PfxLen::ADDRESS,
            bytes: a("1010").to_ipv6(Prefix64::DOC).octets(),
        }),
        ..ns
    };
    for (key, repr) in [("gaao_ns", ns), ("gaao_na", na)] {
        let bytes = hex(v[key].as_str().unwrap());
        let p = GaaoPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(GaaoRepr::parse(&p).unwrap(), repr, "{key}");
        let mut buf = vec![0xFF; repr.buffer_len()];
        assert_eq!(repr.emit_slice(&mut buf).unwrap(), bytes.len());
        assert_eq!(buf, bytes, "{key}");
    }
    let earo = EaroRepr {
        status: 0,
        opaque: 0,
        t: true,
        r: true,
        i: U2::try_new(0).unwrap(),
        p: U2::try_new(0).unwrap(),
        tid: 1,
        lifetime_60s: 1440,
        rovr,
    };
    let bytes = hex(v["earo_ns"].as_str().unwrap());
    let p = EaroPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(EaroRepr::parse(&p).unwrap(), earo);
    let mut buf = vec![0xFF; earo.buffer_len()];
    earo.emit_slice(&mut buf).unwrap();
    assert_eq!(buf, bytes);
}
