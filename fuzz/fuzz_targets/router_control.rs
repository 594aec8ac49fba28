//! cargo-fuzz target `router_control`: the body is `pasa_router::fuzz::control` (shared with `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pasa_router::fuzz::control(data));
