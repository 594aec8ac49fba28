//! PASA firmware, not written yet: the smoltcp-based `no_std` node that wraps the router core
//! and the board support for the QEMU `mps2-an386` target will live here (issue "Firmware").
#![no_std]
