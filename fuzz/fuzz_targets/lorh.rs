//! cargo-fuzz target `lorh`: the body is `pasa_addrcodec::fuzz::lorh` (shared with `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pasa_addrcodec::fuzz::lorh(data));
