//! cargo-fuzz target `router_forward`: the body is `pasa_router::fuzz::forward` (shared with `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pasa_router::fuzz::forward(data));
