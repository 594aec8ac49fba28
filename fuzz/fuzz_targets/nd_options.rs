//! cargo-fuzz target `nd_options`: the body is `pasa_addrcodec::fuzz::nd_options` (shared with `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pasa_addrcodec::fuzz::nd_options(data));
