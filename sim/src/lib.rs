//! # pasa-sim: the PASA network simulator
//!
//! A discrete-event simulator that runs the real `pasa-router` core on every node: nodes get
//! their addresses by the real RS/RA/NS(GAAO)/NA/NS(EARO)/NA exchange, carry UDP and ICMPv6
//! echo traffic between themselves and with a host outside the domain, and the run is
//! reported as JSON next to the same topology under RPL's storing and non-storing modes.
//! Same seed, same run.
//!
//! Work in progress (issue "`pasa-sim`"): the engine, bootstrap, traffic, report and the CLI's
//! `run` and `demo` are here; scenarios, plots, pcap output and the scale runs are not yet.

pub mod app;
pub mod engine;
pub mod pcap;
pub mod plot;
pub mod report;
pub mod run;
pub mod scenario;
pub mod store;

pub use engine::{JoinOrder, Sim, SimConfig, SimError};
