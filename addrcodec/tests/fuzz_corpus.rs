//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and any saved crash inputs
//! (`fuzz/regressions/<target>/`) through the fuzz bodies of `pasa_addrcodec::fuzz`, so every
//! `cargo test` re-runs what the fuzzer has seen. No nightly toolchain or libFuzzer is needed.
//!
//! The seed corpus is written by `fuzz/make_corpus.py`; see `fuzz/README.md`.

#[path = "../../fuzz/replay.rs"]
mod replay;

use pasa_addrcodec::fuzz::TARGETS;

#[test]
fn every_target_has_a_corpus_and_replays_without_panic() {
    replay::replay_targets(TARGETS);
}

#[test]
fn targets_are_the_documented_seven() {
    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "addr_text",
            "decide",
            "lorh",
            "iphc",
            "nhc_udp",
            "nd_options",
            "frame"
        ]
    );
}
