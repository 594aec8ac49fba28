//! The rows of `RELIABILITY.md` §4 that the codec owns, one test each, with the exact outcome.
//! (Drop counters and ICMP decisions belong to the router core; here the outcome is the typed
//! error the router maps to its `DropReason`.)

mod common;

use common::hex;
use pasa_addrcodec::frame::{self, CodecConfig, Error, MAX_LORH};
use pasa_addrcodec::wire::iphc::{self, Context, Contexts, LinkAddrs};
use pasa_addrcodec::wire::nd::{self, NdError};
use pasa_addrcodec::wire::{lorh, nhc};
use pasa_addrcodec::{AddrError, ChildRole, PasaAddr, Prefix64};

fn ctx() -> Contexts {
    Contexts::new().with(0, Context::new(Prefix64::DOC.network(), 64).unwrap())
}

fn decode(f: &[u8]) -> Result<(), Error> {
    let c = ctx();
    frame::decode(f, &CodecConfig::new(&c), LinkAddrs::default()).map(|_| ())
}

const SPEC: &str = "F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B F3 12 1F 47 50 41 53 41";

#[test]
fn b08_empty_single_dispatch_and_nalp() {
    assert_eq!(decode(&[]), Err(Error::Empty));
    assert_eq!(decode(&[0xF1]), Err(Error::NoIphc { at: 1 }));
    assert_eq!(decode(&[0x3F, 1, 2]), Err(Error::Nalp { at: 0 }));
}

#[test]
fn b09_unsupported_page_page_after_6lorh_and_page_floods() {
    assert_eq!(decode(&[0xF5, 0x7C]), Err(Error::Page { at: 0, page: 5 }));
    assert_eq!(
        decode(&hex("F1 80 50 2B F1 7C")),
        Err(Error::Page { at: 4, page: 1 })
    );
    let flood = [0xF1u8; 100];
    assert_eq!(decode(&flood), Err(Error::Page { at: 2, page: 1 }));
}

#[test]
fn b10_truncated_pasa_6lorh_and_size_past_the_frame() {
    assert_eq!(
        decode(&hex("F1 80")),
        Err(Error::Lorh {
            at: 1,
            err: lorh::Error::Truncated { needed: 2, got: 1 }
        })
    );
    assert_eq!(
        decode(&hex("F1 87 50 01 02")),
        Err(Error::Lorh {
            at: 1,
            err: lorh::Error::Truncated { needed: 10, got: 4 }
        })
    );
}

#[test]
fn b11_unknown_critical_elective_skip_overrun_and_chains() {
    assert_eq!(
        decode(&hex("F1 85 11 7C")),
        Err(Error::UnknownCritical {
            at: 1,
            lorh_type: 0x11
        })
    );
    // An unknown elective is skipped and the frame decodes.
    let c = ctx();
    let mut f = hex("F1 A2 09 AA BB");
    f.extend_from_slice(&hex(SPEC)[1..]);
    let d = frame::decode(&f, &CodecConfig::new(&c), LinkAddrs::default()).unwrap();
    assert_eq!(d.header.electives_skipped, 1);
    assert_eq!(d.payload, b"PASA");
    assert_eq!(
        decode(&hex("F1 A5 09 AA")),
        Err(Error::Lorh {
            at: 1,
            err: lorh::Error::Truncated { needed: 7, got: 3 }
        })
    );
    let mut chain = vec![0xF1];
    for _ in 0..50 {
        chain.extend_from_slice(&[0xA0, 0x09]);
    }
    chain.push(0x7C);
    assert_eq!(
        decode(&chain),
        Err(Error::TooManyLorh {
            at: 1 + 2 * MAX_LORH
        })
    );
}

#[test]
fn b12_two_pasa_6lorhs_or_one_followed_by_end_or_non_iphc() {
    assert_eq!(
        decode(&hex("F1 80 50 2B 80 50 0B 7C 57")),
        Err(Error::Duplicate { at: 4 })
    );
    assert_eq!(decode(&hex("F1 80 50 2B")), Err(Error::NoIphc { at: 4 }));
    assert_eq!(
        decode(&hex("F1 80 50 2B 41 00")),
        Err(Error::NoIphc { at: 4 })
    );
}

#[test]
fn b19_paths_longer_than_64_bits_are_refused() {
    assert_eq!("1".repeat(65).parse::<PasaAddr>(), Err(AddrError::TooLong));
    let deepest = PasaAddr::new(1 << 63).unwrap();
    assert_eq!(deepest.len_bits(), 64);
    let err = deepest.child(ChildRole::Host, 0).unwrap_err();
    assert_eq!(err.needed_len_bits, 65);
}

#[test]
fn b20_leading_zero_octets_normalise_to_one_address_and_zero_is_refused() {
    // SPEC.md §9.1 item 7 (which wins over the generic row): accept 1..=8 octets including
    // leading zeros, normalise, refuse the all-zero address. Both encodings name one node.
    let c = ctx();
    let cfg = CodecConfig::new(&c);
    let short = frame::parse_header(&hex("F1 80 50 2B 7C"), &cfg).unwrap();
    let padded = frame::parse_header(&hex("F1 83 50 00 00 00 2B 7C"), &cfg).unwrap();
    assert_eq!(short.pasa_dst, padded.pasa_dst);
    assert_eq!(
        decode(&hex("F1 81 50 00 00 7C")),
        Err(Error::Lorh {
            at: 1,
            err: lorh::Error::ZeroAddress
        })
    );
    assert_eq!("0101".parse::<PasaAddr>(), Err(AddrError::LeadingZero));
}

#[test]
fn b26_b27_missing_context_or_link_layer_address() {
    // SCI = 2 is not configured.
    let f = hex("F1 80 50 2B 7C D7 20 40 00 00 00 00 00 00 00 0B F3 12 1F 47");
    assert_eq!(
        decode(&f),
        Err(Error::Iphc {
            at: 4,
            err: iphc::Error::UnknownContext(2)
        })
    );
    // DAC=1 DAM=11 with no PASA-6LoRH and no link-layer destination.
    assert_eq!(
        decode(&hex("7C 57 40 00 00 00 00 00 00 00 0B F3 12 1F 47")),
        Err(Error::Iphc {
            at: 0,
            err: iphc::Error::NoDestinationSource
        })
    );
    // Stateless SAM=11 with no link-layer source.
    assert_eq!(
        decode(&hex("F1 80 50 2B 7C 37 40 F3 12 1F 47")),
        Err(Error::Iphc {
            at: 4,
            err: iphc::Error::LinkAddress("source")
        })
    );
}

#[test]
fn b28_iphc_inline_fields_truncated_at_every_length() {
    let f = hex(SPEC);
    // The IPHC header spans octets 4..15: every cut inside it is a typed error.
    for cut in 4..15 {
        assert!(
            matches!(
                decode(&f[..cut]),
                Err(Error::Iphc {
                    at: 4,
                    err: iphc::Error::Truncated { .. } | iphc::Error::MissingNhc
                }) | Err(Error::NoIphc { at: 4 })
            ),
            "cut at {cut}: {:?}",
            decode(&f[..cut])
        );
    }
}

#[test]
fn b29_reserved_address_modes() {
    assert_eq!(
        decode(&hex("F1 80 50 2B 7C 54 40 00 00 00 00 00 00 00 0B")),
        Err(Error::Iphc {
            at: 4,
            err: iphc::Error::Reserved("M=0 DAC=1 DAM=00")
        })
    );
    assert_eq!(
        decode(&hex("7C 5D 40 00 00 00 00 00 00 00 0B")),
        Err(Error::Iphc {
            at: 0,
            err: iphc::Error::Reserved("M=1 DAC=1 DAM!=00")
        })
    );
}

#[test]
fn b30_unknown_nhc_and_truncated_nhc_udp() {
    // NHC extension header (1110 EID NH): not decoded by this codec.
    assert_eq!(
        decode(&hex(
            "F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B E0 02 00 00"
        )),
        Err(Error::Iphc {
            at: 4,
            err: iphc::Error::UnsupportedNhc(0xE0)
        })
    );
    assert_eq!(
        decode(&hex(
            "F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B F0 12 34"
        )),
        Err(Error::Nhc {
            at: 15,
            err: nhc::Error::Truncated { needed: 7, got: 3 }
        })
    );
}

#[test]
fn b50_nd_option_of_length_zero_or_overrunning_discards_the_list() {
    let good = hex("01 01 02 00 00 00 00 0B");
    assert_eq!(nd::check_options(&good), Ok(1));
    let mut zero = good.clone();
    zero.extend_from_slice(&[0x21, 0x00, 0, 0, 0, 0, 0, 0]);
    assert_eq!(nd::check_options(&zero), Err(NdError::ZeroLength { at: 8 }));
    let mut over = good.clone();
    over.extend_from_slice(&[0x21, 0x03, 0, 0]);
    assert!(matches!(
        nd::check_options(&over),
        Err(NdError::Overrun { at: 8, .. })
    ));
}

#[test]
fn b53_earo_with_a_rovr_of_a_size_rfc_8505_does_not_allow() {
    // Length 1: no room for a ROVR.
    let bad = hex("21 01 00 00 03 01 05 A0");
    assert!(nd::EaroPacket::new_checked(&bad[..]).is_err());
    assert!(matches!(
        nd::Rovr::new(&[0u8; 12]),
        Err(NdError::BadRovrLen { octets: 12 })
    ));
}

#[test]
fn b58_context_longer_than_128_bits() {
    assert_eq!(
        Context::new(Prefix64::DOC.network(), 200),
        Err(iphc::Error::ContextLength(200))
    );
}

#[test]
fn pasa_6lorh_and_an_inline_destination_must_name_the_same_node() {
    // "Simple but wasteful" mode (draft-13 §8.3) carries the destination twice; if the two
    // disagree, routers would forward by one and the receiver deliver to the other.
    let same =
        hex("F1 80 50 2B 7C 55 40 00 00 00 00 00 00 00 0B 00 00 00 00 00 00 00 2B F3 12 1F 47");
    assert_eq!(decode(&same), Ok(()));
    let other =
        hex("F1 80 50 2B 7C 55 40 00 00 00 00 00 00 00 0B 00 00 00 00 00 00 00 05 F3 12 1F 47");
    assert_eq!(decode(&other), Err(Error::DestinationMismatch { at: 4 }));
}

#[test]
fn link_scope_traffic_is_compressed_without_page_or_6lorh() {
    // SPEC.md §9.5 item 26: ND, link-local and multicast stay on the link, in page 0.
    let c = ctx();
    let cfg = CodecConfig::new(&c);
    for (src, dst) in [
        ("fe80::1", "ff02::1"),
        ("fe80::1", "fe80::2"),
        ("2001:db8::b", "ff02::2"),
    ] {
        let mut p = vec![0x60, 0, 0, 0, 0, 8, 58, 255];
        p.extend_from_slice(&src.parse::<std::net::Ipv6Addr>().unwrap().octets());
        p.extend_from_slice(&dst.parse::<std::net::Ipv6Addr>().unwrap().octets());
        p.extend_from_slice(&[133, 0, 0, 0, 0, 0, 0, 0]);
        let mut out = [0u8; 96];
        let opts = frame::CompressOptions::new(Prefix64::DOC);
        let n = frame::compress(&p, &cfg, &opts, &mut out).unwrap();
        assert_eq!(
            out[0] & 0xE0,
            0x60,
            "{src} -> {dst}: starts with IPHC, not a page switch"
        );
        let mut back = [0u8; 96];
        let m = frame::decompress(&out[..n], &cfg, LinkAddrs::default(), &mut back).unwrap();
        assert_eq!(&back[..m], &p[..], "{src} -> {dst}");
    }
}
