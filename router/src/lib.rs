//! PASA router core, not written yet: the forwarding engine, the border (root) translation, the
//! registrar and joiner of address assignment, ICMPv6 errors and crash-safe state will live here,
//! on top of `pasa-addrcodec` (issue "The router core").
#![no_std]
