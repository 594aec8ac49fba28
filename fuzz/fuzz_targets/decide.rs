//! cargo-fuzz target `decide`: the body is `pasa_addrcodec::fuzz::decide` (shared with `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pasa_addrcodec::fuzz::decide(data));
