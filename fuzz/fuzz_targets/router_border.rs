//! cargo-fuzz target `router_border`: the body is `pasa_router::fuzz::border` (shared with `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pasa_router::fuzz::border(data));
