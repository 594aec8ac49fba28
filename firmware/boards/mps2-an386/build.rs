//! Puts memory.x and device.x where the linker (cortex-m-rt's link.x) finds them.
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x");
    // cortex-m-rt's "device" feature INCLUDEs device.x for the interrupt handlers' weak
    // aliases; every line of this board goes to DefaultHandler (src/lib.rs), so it is empty.
    fs::write(
        out.join("device.x"),
        b"/* all interrupts: DefaultHandler */\n",
    )
    .expect("write device.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
