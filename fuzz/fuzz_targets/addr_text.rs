//! cargo-fuzz target `addr_text`: the body is `pasa_addrcodec::fuzz::addr_text` (shared with `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pasa_addrcodec::fuzz::addr_text(data));
