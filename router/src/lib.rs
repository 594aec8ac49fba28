//! # pasa-router: the PASA router core
//!
//! The behaviour that runs on every PASA node, in the Linux process, the firmware and the
//! simulator: forwarding, the border (root) translation, the registrar and joiner of address
//! assignment, ICMPv6 errors and crash-safe state, on top of `pasa-addrcodec`
//! (draft-ietf-6lo-path-aware-semantic-addressing-13, draft-ietf-6lo-nd-gaao-09).
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
