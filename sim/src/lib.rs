//! # pasa-sim: the PASA network simulator
//!
//! A discrete-event simulator that runs the real `pasa-router` core on every node: nodes get
//! their addresses by the real RS/RA/NS(GAAO)/NA/NS(EARO)/NA exchange, carry UDP and ICMPv6
//! echo traffic between themselves and with a host outside the domain, and the run is
//! reported as JSON next to the same topology under RPL's storing and non-storing modes.
//! Same seed, same run.
//!
//! Modules: [`engine`] (events, links, nodes), [`run`] (bootstrap and traffic), [`app`] (the
//! nodes' and the outside host's applications), [`report`] (JSON, RPL baselines), [`plot`]
//! (SVG), [`pcap`] (captures), [`scenario`] (fault scenarios), [`store`] (the nodes' state).
//!
//! Modules also: [`queue`] (the event calendar), [`mem`] (huge pages, prefetch and a
//! parallel first fill for the node array), [`part`] (the lanes' disjoint views of it), and on Linux `lab` (network namespaces running real `pasa-router` processes).
//!
//! Not yet (issue "`pasa-sim`"): ten million packets within the scale run's 60 s. At 1.2
//! million nodes the run takes 85 s: 18 – 20 s to boot, about 5 µs per packet; the engine
//! runs on one core.

pub mod app;
pub mod engine;
#[cfg(target_os = "linux")]
pub mod lab;
pub mod mem;
pub mod part;
pub mod pcap;
pub mod plot;
pub mod queue;
pub mod report;
pub mod run;
pub mod scenario;
pub mod store;

pub use engine::{JoinOrder, Sim, SimConfig, SimError};
