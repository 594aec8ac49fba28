//! # pasa-router: the PASA router core
//!
//! The behaviour that runs on every PASA node, in the Linux process, the firmware and the
//! simulator: forwarding, the border (root) translation, the registrar and joiner of address
//! assignment, ICMPv6 errors and crash-safe state, on top of `pasa-addrcodec`. It implements
//! draft-ietf-6lo-path-aware-semantic-addressing-13 with draft-ietf-6lo-nd-gaao-09, and the
//! choices of SPEC.md where those leave gaps (each module names the ones it makes).
//!
//! It owns behaviour, not bytes (the codec owns every wire format) and not I/O: `#![no_std]`,
//! no allocation, no `unsafe`, no clock, no panics on input. Tables have const-generic
//! capacities. A dropped packet is a counted [`DropReason`], never an error; `Result` is for
//! configuration and caller misuse.
//!
//! ## The sans-IO contract
//!
//! Build one [`Node`] per PASA node from a [`NodeConfig`] and a [`Store`]
//! (`Node::<S, N>::new(cfg, store, now_ms)`; `N` children per role). Time is a `u64`
//! millisecond clock the caller owns (any origin, never going backwards). Then, in any order:
//!
//! | input | call | then |
//! |---|---|---|
//! | a frame from a link (dispatch onwards, reassembled) | [`Node::receive`]`(now, &Rx)` | act on the [`Verdict`] |
//! | a native IPv6 packet from the local stack | [`Node::send`]`(now, ipv6)` | act on the [`Verdict`] |
//! | (root) a native IPv6 packet from outside | [`Node::receive_external`]`(now, ipv6)` | act on the [`Verdict`] |
//! | the time reaches [`Node::poll_timeout`] | [`Node::handle_timeout`]`(now)` | poll transmits |
//! | after any of the above | [`Node::poll_transmit`]`(now, buf)` until `None` | send each [`Transmit`] |
//!
//! A [`Verdict`] is decided first and written second ("decide, then emit"): `verdict.len` is
//! the exact size of the output; take a buffer of that size (a TX token, a pnet packet, a
//! simulator vector) and call [`Node::emit`]`(&verdict, input, buf)` with **the same input**
//! that produced the verdict, **before the next input**: work too large to return with every
//! verdict (a compression plan, a decoded header, an ND answer) waits in the node for one
//! verdict, and an older verdict gets [`EmitError::Stale`]. [`Node::poll_transmit`] needs a
//! buffer of at least [`control::CONTROL_FRAME_MAX`] octets. What to do with the output is in
//! `verdict.action`:
//!
//! | [`Action`] | output | the caller |
//! |---|---|---|
//! | `Forward(neighbor)` | a LoWPAN frame | sends it to that neighbour |
//! | `Deliver` | native IPv6 | gives it to the local stack |
//! | `Egress` | native IPv6 | (root) sends it out of the domain |
//! | `Send(dst)` | an ND frame | sends it to `dst` |
//! | `Error { reason, to }` | an ICMPv6 error (frame, or native when `to` is external) | sends it; the input was dropped for `reason` |
//! | `Consumed`, `Drop(reason)` | nothing (`len` = 0) | nothing |
//!
//! Forwarding allocates nothing and copies the frame once (into the caller's buffer); the
//! hop limit is rewritten in the copy. The canonical frame takes a fast path
//! (`Node::fast_forward`) that a test proves equal to the general path on mutated frames. State that an answer depends on (an address offer, a
//! registration) is committed to the [`Store`] inside `receive`, before the verdict is
//! returned, so nothing is acknowledged that a power cut could lose (draft-13 §6.1, F2).
//!
//! Counters: [`Node::drops`] (one per [`DropReason`]) and [`Node::stats`] (events), exported
//! by every runtime under their `name()`s.
//!
//! ## Modules
//!
//! [`node`] (the node and forwarding), [`control`] (ND frames), [`registrar`] (the parent
//! side of assignment), [`joiner`] (the child side), [`children`] (the children table),
//! [`store`] (crash-safe records), [`drops`], [`stats`], [`ratelimit`] (the ICMPv6 token
//! bucket), [`config`], [`link`].
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

pub mod children;
pub mod config;
pub mod control;
pub mod drops;
pub mod fuzz;
pub mod joiner;
pub mod link;
pub mod node;
pub mod ratelimit;
pub mod registrar;
pub mod stats;
pub mod store;

pub use config::{ConfigError, IcmpConfig, JoinerConfig, NodeConfig, NodeRole, RegistrarConfig};
pub use drops::{DropCounters, DropReason};
pub use link::{LinkDst, Neighbor, Rx};
pub use node::{Action, EmitError, NewError, Node, StaticChildError, Transmit, Verdict};
pub use stats::Stats;
pub use store::{MemStore, RecordStore, Store, StoreError};
