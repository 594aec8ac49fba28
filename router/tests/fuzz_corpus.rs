//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and any saved crash inputs
//! (`fuzz/regressions/<target>/`) through the fuzz bodies of `pasa_router::fuzz`, so every
//! `cargo test` re-runs what the fuzzer has seen. No nightly toolchain or libFuzzer is needed.
//!
//! The seeds are written by `fuzz/make_corpus.py`; `seeds_reach_the_paths_they_are_named_for`
//! checks that each one still takes the path its name says, so the seeds cannot silently decay
//! into inputs that are all dropped at the first check.

#[path = "../../fuzz/replay.rs"]
mod replay;

use std::fs;

use pasa_router::fuzz::{self, TARGETS, ll, neighbor};
use pasa_router::{Action, DropReason, LinkDst, Neighbor};

#[test]
fn every_target_has_a_corpus_and_replays_without_panic() {
    replay::replay_targets(TARGETS);
}

#[test]
fn targets_are_the_documented_three() {
    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["router_forward", "router_border", "router_control"]);
}

/// An ICMPv6 error about a frame from `from`, sent back to it.
fn error_to(reason: DropReason, from: Neighbor) -> Action {
    Action::Error {
        reason,
        to: LinkDst::Neighbor(from),
    }
}

/// An ICMPv6 error about a packet from outside, sent back out.
fn error_out(reason: DropReason) -> Action {
    Action::Error {
        reason,
        to: LinkDst::External,
    }
}

fn send_to(ll: &[u8]) -> Action {
    Action::Send(LinkDst::Neighbor(neighbor(ll)))
}

/// The action of the seed `target/name`, read from the committed corpus.
fn seed_action(target: &str, name: &str, f: fn(&[u8]) -> Option<Action>) -> Option<Action> {
    let p = replay::fuzz_dir().join("corpus").join(target).join(name);
    let data = fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    f(&data)
}

#[test]
fn seeds_reach_the_paths_they_are_named_for() {
    let parent = neighbor(&ll::R10);
    let child = neighbor(&ll::H101011);
    let forward: &[(&str, Action)] = &[
        ("spec_8_4_from_parent.bin", Action::Forward(child)),
        ("spec_8_4_from_parent_multicast.bin", Action::Forward(child)),
        ("spec_8_4_ctx1_from_parent.bin", Action::Forward(child)),
        ("compressed_hop_limit_64.bin", Action::Forward(child)),
        ("down_from_router_child_10100.bin", Action::Forward(child)),
        ("up_from_child_101011_to_1011.bin", Action::Forward(parent)),
        ("ipinip_up_from_child_101011.bin", Action::Forward(parent)),
        ("deliver_to_1010.bin", Action::Deliver),
        ("icmp_echo_to_1010.bin", Action::Deliver),
        (
            "spec_8_4_from_unknown.bin",
            Action::Drop(DropReason::SrcInvalid),
        ),
        (
            "spec_8_4_from_parent_ll_on_iface1.bin",
            Action::Drop(DropReason::SrcInvalid),
        ),
        (
            "spec_8_4_from_child_spoofed_source.bin",
            Action::Drop(DropReason::SrcInvalid),
        ),
        (
            "spec_8_4_upstream_spoofed.bin",
            Action::Drop(DropReason::SrcInvalid),
        ),
        (
            "loop_parent_side_from_parent.bin",
            Action::Drop(DropReason::LoopDetected),
        ),
        (
            "ipinip_from_parent_loop.bin",
            Action::Drop(DropReason::LoopDetected),
        ),
        (
            "spec_8_4_child_expired.bin",
            error_to(DropReason::NoSuchChild, parent),
        ),
        (
            "hop_limit_1_from_parent.bin",
            error_to(DropReason::HopLimit, parent),
        ),
        (
            "ipinip_up_hop_limit_1.bin",
            error_to(DropReason::HopLimit, child),
        ),
        ("empty_frame.bin", Action::Drop(DropReason::LowpanTruncated)),
        (
            "truncated_iphc.bin",
            Action::Drop(DropReason::IphcTruncated),
        ),
    ];
    let r10 = neighbor(&ll::R10);
    let r1010 = neighbor(&ll::R1010);
    let border: &[(&str, Action)] = &[
        ("external_udp_to_101011.bin", Action::Forward(r10)),
        ("external_echo_to_101011.bin", Action::Forward(r10)),
        ("external_to_root.bin", Action::Deliver),
        (
            "external_to_unassigned_110.bin",
            error_out(DropReason::NoSuchChild),
        ),
        (
            "external_outside_prefix.bin",
            error_out(DropReason::BorderNoRoute),
        ),
        (
            "external_spoofed_pasa_source.bin",
            Action::Drop(DropReason::SrcInvalid),
        ),
        ("external_hop_limit_1.bin", error_out(DropReason::HopLimit)),
        (
            "external_routing_header.bin",
            Action::Drop(DropReason::BorderRoutingHeader),
        ),
        (
            "external_late_clock.bin",
            error_out(DropReason::NoSuchChild),
        ),
        ("root_send_to_101011.bin", Action::Forward(r10)),
        ("root_send_out.bin", Action::Egress),
        ("router_1010_send_up.bin", Action::Forward(r10)),
        ("router_1010_send_out.bin", Action::Forward(r10)),
        ("host_101011_send_to_1011.bin", Action::Forward(r1010)),
        ("host_101011_send_out.bin", Action::Forward(r1010)),
        (
            "host_101011_send_wrong_source.bin",
            Action::Drop(DropReason::SrcInvalid),
        ),
        (
            "host_101011_send_link_local.bin",
            Action::Drop(DropReason::LocalLinkScope),
        ),
        ("not_ipv6.bin", Action::Drop(DropReason::NotIpv6)),
        ("truncated_ipv6.bin", Action::Drop(DropReason::NotIpv6)),
    ];
    let nd_unexpected = Action::Drop(DropReason::NdUnexpected);
    let control: &[(&str, Action)] = &[
        ("rs_joiner_to_root.bin", send_to(&ll::JOINER)),
        ("rs_joiner_to_1010.bin", send_to(&ll::JOINER)),
        ("rs_router_10_to_root.bin", send_to(&ll::R10)),
        // A host is not in the all-routers group: the RS is ignored (counted as nd_ignored).
        ("rs_at_joiner.bin", Action::Consumed),
        ("rs_hop_limit_64.bin", Action::Drop(DropReason::NdInvalid)),
        (
            "rs_bad_checksum.bin",
            Action::Drop(DropReason::IcmpChecksum),
        ),
        ("ns_gaao_joiner_to_root.bin", send_to(&ll::JOINER)),
        ("ns_gaao_joiner_to_1010.bin", send_to(&ll::JOINER)),
        ("ns_gaao_aaf_3.bin", send_to(&ll::JOINER)),
        ("ns_gaao_router_role.bin", send_to(&ll::JOINER)),
        ("ns_gaao_other_prefix.bin", send_to(&ll::JOINER)),
        // The root's link has EUI-64 addresses, so it reads the 1-unit SLLAO of a 16-bit
        // address as the 6 octets an SLLAO of that size holds there (RFC 4861 §4.6.1), which
        // is not the frame's sender: refused.
        (
            "ns_gaao_from_short_address.bin",
            Action::Drop(DropReason::NdInvalid),
        ),
        (
            "ns_gaao_store_fails.bin",
            Action::Drop(DropReason::NvmCommit),
        ),
        ("ns_earo_joiner_to_root.bin", send_to(&ll::JOINER)),
        ("ns_earo_deregister.bin", Action::Consumed),
        ("ns_earo_not_a_child.bin", send_to(&ll::JOINER)),
        ("ns_earo_taken_by_10.bin", send_to(&ll::JOINER)),
        ("ra_root_at_joiner.bin", Action::Consumed),
        ("ra_router_10_at_joiner.bin", Action::Consumed),
        ("ra_without_m_bit.bin", nd_unexpected),
        ("na_gaao_root_at_requesting.bin", Action::Consumed),
        ("na_gaao_aaf_not_used.bin", Action::Consumed),
        ("na_gaao_cache_full.bin", Action::Consumed),
        ("na_gaao_router_address_for_host.bin", Action::Consumed),
        ("na_earo_at_requesting.bin", nd_unexpected),
        ("not_nd_udp.bin", nd_unexpected),
        (
            "page0_global_destination.bin",
            Action::Drop(DropReason::NoRoutingHeader),
        ),
        ("empty_frame.bin", Action::Drop(DropReason::LowpanTruncated)),
    ];
    let mut wrong = Vec::new();
    for (target, seeds, f) in [
        (
            "router_forward",
            forward,
            fuzz::forward_action as fn(&[u8]) -> Option<Action>,
        ),
        ("router_border", border, fuzz::border_action),
        ("router_control", control, fuzz::control_action),
    ] {
        for &(name, want) in seeds {
            let got = seed_action(target, name, f);
            if got != Some(want) {
                wrong.push(format!("{target}/{name}: {got:?}, expected {want:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} seed(s) take another path than their name says:\n  {}",
        wrong.len(),
        wrong.join("\n  ")
    );
}
