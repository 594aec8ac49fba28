//! cargo-fuzz target `nhc_udp`: the body is `pasa_addrcodec::fuzz::nhc_udp` (shared with `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pasa_addrcodec::fuzz::nhc_udp(data));
