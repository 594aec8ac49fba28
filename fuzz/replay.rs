//! Replays committed fuzz inputs through fuzz bodies: shared by the corpus-replay tests of the
//! crates that own fuzz bodies (`addrcodec/tests/fuzz_corpus.rs`,
//! `router/tests/fuzz_corpus.rs`), which include this file with `#[path]`. It lives beside
//! the corpora it reads; cargo-fuzz does not build it.
#![allow(dead_code, unreachable_pub)]

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Fewest corpus files a target may have: the test must not pass on an empty folder.
pub const MIN_FILES: usize = 5;

/// The `fuzz/` folder, seen from the including crate.
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fuzz")
}

/// The regular files of `dir`, sorted by name (hidden files skipped).
pub fn files(dir: &Path) -> Vec<PathBuf> {
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
pub fn replay(body: fn(&[u8]), paths: &[PathBuf]) -> (usize, Vec<String>) {
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

/// A fuzz target: its name (the corpus folder) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Replays `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` of every target; fails
/// when a folder is missing or small, or when any input panics.
pub fn replay_targets(targets: &[Target]) {
    let corpus = fuzz_dir().join("corpus");
    let regressions = fuzz_dir().join("regressions");
    let mut failures = Vec::new();
    let mut total = 0usize;
    for &(name, body) in targets {
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
        targets.len()
    );
    assert!(
        failures.is_empty(),
        "{} fuzz input(s) panicked:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
