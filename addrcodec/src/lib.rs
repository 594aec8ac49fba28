//! # pasa-addrcodec: bits to meaning for PASA
//!
//! PASA (Path-Aware Semantic Addressing) gives each node of a planned low-power network an IPv6
//! address that spells out its path from the root, so routers forward by reading the
//! destination alone. This crate is the one codec of the PASA router suite. It implements
//! **draft-ietf-6lo-path-aware-semantic-addressing-13** (the last revision whose body text is
//! public) and the option layout of **draft-ietf-6lo-nd-gaao-09**.
//!
//! ## What it owns
//! - [`PasaAddr`]: TAAF child assignment, parent, depth, path, prefix tests, text forms and the
//!   IPv6 mapping (draft-13 §6), capacity checks ([`children_left`], [`check_plan`]), and the
//!   O(1) forwarding decision [`PasaAddr::decide`] (draft-13 §7.1 plus the host rule).
//! - Every wire format as a checked view (`Packet<T: AsRef<[u8]>>`) plus a decoded `Repr`
//!   ([`wire`]): page dispatch (RFC 8025), the PASA-6LoRH and IP-in-IP 6LoRH (RFC 8138), the
//!   6LoRH walker that skips unknown elective and refuses unknown critical headers,
//!   LOWPAN_IPHC with contexts and PASA coalescence (RFC 6282), NHC UDP, and the ND options
//!   GAAO, EARO, 6CIO and SLLAO. [`frame`] puts the layers together: parse a whole compressed
//!   frame, decompress it to native IPv6, compress native IPv6 into a PASA frame.
//! - SLIP framing (RFC 1055) of the serial links, for the Linux process and the firmware alike
//!   ([`wire::slip`]): an encoder into a caller's buffer and a decoder with a fixed buffer.
//! - [`fuzz`]: one plain-function fuzz body per parser, shared by cargo-fuzz and `cargo test`.
//!
//! ## What it refuses to own
//! Behaviour: node state, children tables, registrations, ICMPv6 decisions and counters live in
//! `pasa-router`. Text formats of whole topologies live in `pasa-topology`.
//!
//! ## Guarantees
//! `#![no_std]`, no allocation, no `unsafe`, no clock, no I/O. No function panics on any input:
//! every length is checked before use, slices are read with `get`, and arithmetic on wire values
//! is checked or proven in range. Once a view's `new_checked` succeeded, its getters cannot
//! panic; `emit` into a buffer of at least `buffer_len()` bytes cannot panic.
//!
//! ## Choices where the drafts leave a gap (SPEC.md §9)
//! - **PASA-6LoRH type (TBD1)** is a configuration value, default [`DEFAULT_PASA_LORH_TYPE`]
//!   = 0x50 (§9.1 item 1).
//! - **GAAO option type, AAF value, "AAF Not Used" status, 6CIO M bit** are constants with the
//!   SPEC.md defaults (253, 0xF, 13, octet 4 mask 0x40), all overridable by the caller
//!   (§9.1 items 2-3).
//! - **Children limit**: the real constraint `Len(child) <= 64` (64 - N children per role), not
//!   the draft's `64 - N - 1` (§9.1 item 8).
//! - **Hosts do not run the seven steps**: [`PasaAddr::decide`] on a host address delivers or
//!   says "parent" (§9.2 item 9).
//! - **PASA-6LoRH size**: always emitted with the minimal number of octets; received with any
//!   Size 1-8, leading zero octets normalised, an all-zero address refused (§9.1 item 7).
//!   Reserved bits are sent as 0 and ignored.
//! - **Source compression**: the IPHC encoder picks the shortest legal form for the contexts it
//!   is given; with only the /64 PASA context that is SAM=01 (8 octets); give it a /112
//!   context to get SAM=10 for addresses of up to 16 bits (§9.3 item 17).
//! - **Destination**: DAC=1 DAM=11 is rebuilt by RFC 8138 coalescence from the PASA-6LoRH onto
//!   the destination context (§9.3 item 16), never from the link layer.
//! - **Hop limit**: PASA frames carry it inline (HLIM=00) so forwarders decrement it in place
//!   (§9.2 item 12); [`wire::iphc::HopLimitMode`] selects the compact form for other traffic.
//! - **IP-in-IP**: an elided encapsulator (Length 1) means the inner IPHC source (§9.3 item 15).
//! - **Link-scope traffic** (link-local or multicast destination) is compressed as page-0 IPHC
//!   with no 6LoRH and never sent up to the root (§9.5 item 26).
//! - **Destination consistency**: a frame whose PASA-6LoRH and inline IPHC destination name
//!   different nodes is refused ([`frame::Error::DestinationMismatch`]); a multicast destination
//!   is never put in a PASA-6LoRH, and flow labels wider than 20 bits are refused, not cut.
//! - **GAAO**: octet 2 is Status and the NA's PfxLen is 64, as GAAO-09 says (§9.1 item 5).
#![forbid(unsafe_code)]
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
#![warn(missing_docs)]

pub mod addr;
pub mod frame;
pub mod fuzz;
pub mod pcap;
pub mod wire;

pub use addr::{
    AddrError, ChildRole, Decision, LevelPlan, MAX_LEN_BITS, OwnAddr, PasaAddr, PlanFit, Prefix64,
    PrefixError, Role, TaafError, check_plan, children_left,
};

/// Default PASA-6LoRH type (TBD1 in draft-13 §11): SPEC.md §9.1 item 1 recommends 0x50 until
/// IANA assigns a value. Pass another value through [`frame::CodecConfig`] to change it.
pub const DEFAULT_PASA_LORH_TYPE: u8 = 0x50;
