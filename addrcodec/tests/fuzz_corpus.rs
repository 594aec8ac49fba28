//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and any saved crash inputs
//! (`fuzz/regressions/<target>/`) through the fuzz bodies of `pasa_addrcodec::fuzz`, so every
//! `cargo test` re-runs what the fuzzer has seen. No nightly toolchain or libFuzzer is needed.
//!
//! The seed corpus is written by `fuzz/make_corpus.py`; see `fuzz/README.md`.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use pasa_addrcodec::fuzz::TARGETS;

/// Fewest corpus files a target may have: the test must not pass on an empty folder.
const MIN_FILES: usize = 5;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fuzz")
}

/// The regular files of `dir`, sorted by name (hidden files skipped).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    v.sort();
    v
}

/// Runs `body` on every file; returns the number replayed and the failures
/// (`path: panic message`).
fn replay(body: fn(&[u8]), paths: &[PathBuf]) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    for p in paths {
        let data = fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
        if let Err(e) = panic::catch_unwind(AssertUnwindSafe(|| body(&data))) {
            let msg = e
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| e.downcast_ref::<&str>().copied())
                .unwrap_or("(non-string panic)");
            failures.push(format!("{}: {msg}", p.display()));
        }
    }
    (paths.len(), failures)
}

#[test]
fn every_target_has_a_corpus_and_replays_without_panic() {
    let corpus = fuzz_dir().join("corpus");
    let regressions = fuzz_dir().join("regressions");
    let mut failures = Vec::new();
    let mut total = 0usize;
    for &(name, body) in TARGETS {
        let dir = corpus.join(name);
        assert!(
            dir.is_dir(),
            "fuzz corpus folder {} is missing (run python3 fuzz/make_corpus.py)",
            dir.display()
        );
        let paths = files(&dir);
        assert!(
            paths.len() >= MIN_FILES,
            "fuzz corpus folder {} holds {} files, at least {MIN_FILES} expected",
            dir.display(),
            paths.len()
        );
        let (n, mut f) = replay(body, &paths);
        let reg_dir = regressions.join(name);
        let (r, mut rf) = if reg_dir.is_dir() {
            replay(body, &files(&reg_dir))
        } else {
            (0, Vec::new())
        };
        println!("fuzz corpus {name}: {n} corpus files, {r} regression files replayed");
        total += n + r;
        failures.append(&mut f);
        failures.append(&mut rf);
    }
    println!(
        "fuzz corpus: {total} files replayed over {} targets",
        TARGETS.len()
    );
    assert!(
        failures.is_empty(),
        "{} fuzz input(s) panicked:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
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
