//! # pasa-router: the PASA router core (work in progress)
//!
//! The behaviour that runs on every PASA node, in the Linux process, the firmware and the
//! simulator: forwarding, the border (root) translation, the registrar and joiner of address
//! assignment, ICMPv6 errors and crash-safe state, on top of `pasa-addrcodec`
//! (issue "The router core").
//!
//! Written so far: [`store`], the crash-safe state records (two slots, sequence number,
//! CRC-32), tested by cutting a write at every offset; [`drops`], the closed set of drop
//! reasons with their counters and the mapping of every codec refusal onto them; [`ratelimit`],
//! the ICMPv6 token bucket on a wrapping millisecond clock. Forwarding,
//! the border, ICMPv6, the registrar and the joiner are not written yet.
//!
//! `#![no_std]`, no allocation, no `unsafe`, no clock, no I/O: storage is the caller's, behind
//! the [`store::Store`] trait.
#![no_std]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub mod drops;
pub mod ratelimit;
pub mod store;
