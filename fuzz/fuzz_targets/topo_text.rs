//! cargo-fuzz target `topo_text`: the body is `pasa_topology::fuzz::text` (shared with `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pasa_topology::fuzz::text(data));
