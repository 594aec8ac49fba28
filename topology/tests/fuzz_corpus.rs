//! Replays `fuzz/corpus/topo_text/` through the topology fuzz body, so every `cargo test`
//! re-runs what the fuzzer has seen (no nightly toolchain needed).

use std::path::Path;

#[test]
fn topo_text_corpus_replays_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/topo_text");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_file() {
            pasa_topology::fuzz::text(&std::fs::read(&path).unwrap());
            count += 1;
        }
    }
    assert!(
        count >= 10,
        "only {count} corpus files in {}",
        dir.display()
    );
}
