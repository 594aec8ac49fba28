//! # pasa-topology: planned PASA networks
//!
//! PASA networks are planned in advance. This crate reads a description of the tree (the
//! indented text format of [`text`], or the JSON form of [`json`]), assigns every node its
//! address by TAAF ([`plan()`]), and answers the questions an operator asks before deployment:
//! does the plan fit in 64 bits and how many header octets will packets carry ([`ops::check`]),
//! which way does a packet go ([`ops::route`], computed by each node's own stateless decision
//! from `pasa-addrcodec`), what does an address mean ([`ops::explain`]), and what does a change
//! renumber ([`ops::diff`]). [`generate`] generates seeded trees for tests, benchmarks and the
//! simulator. The `pasa-topo` binary puts it all on the command line.
//!
//! Errors name the file, line and column: `topo.pasa:12:5: duplicate node name "r1" ...`.
#![forbid(unsafe_code)]

pub mod error;
pub mod fuzz;
pub mod generate;
pub mod json;
pub mod model;
pub mod ops;
pub mod plan;
pub mod report;
pub mod text;

pub use error::{ErrorKind, TopoError};
pub use model::{Node, NodeRole, Topology};
pub use plan::{Order, Plan, plan};

/// Parses a topology from `src`: JSON when `file` ends in `.json` or the text starts with `{`,
/// the indented text format otherwise.
pub fn parse(src: &str, file: &str) -> Result<Topology, TopoError> {
    if file.ends_with(".json") || src.trim_start().starts_with('{') {
        json::parse(src, file)
    } else {
        text::parse(src, file)
    }
}
