//! The questions an operator asks of a plan: a route, what an address means, how much room is
//! left, and what a change renumbers.

use std::collections::HashMap;

use pasa_addrcodec::{Decision, PasaAddr, Prefix64, Role, children_left};
use serde::Serialize;
use thiserror::Error;

use crate::model::{NodeRole, Topology};
use crate::plan::Plan;

/// Errors of the operations (the file's own errors are [`crate::TopoError`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum OpError {
    /// No node has this name.
    #[error("no node named \"{0}\" in {1}")]
    NoSuchNode(String, String),
    /// The forwarding walk reached an address no node holds.
    #[error("{at} forwards to {next} ({addr}), which no node of the topology holds")]
    Unreachable {
        /// Where the walk was.
        at: String,
        /// The address it picked.
        next: String,
        /// The same as IPv6.
        addr: String,
    },
    /// The walk went up from the root.
    #[error("the root has no parent: {0} cannot be reached from {1}")]
    AboveRoot(String, String),
    /// The walk did not end (cannot happen with a consistent plan; bounded anyway).
    #[error("route from {0} to {1} did not end within {2} hops")]
    TooManyHops(String, String, usize),
    /// An address text that is not IPv6, `0b...` or `0x...`.
    #[error("\"{0}\" is not an IPv6 address, 0b<binary> or 0x<hex>")]
    BadAddress(String),
    /// An address no TAAF can produce.
    #[error("{0} is not a PASA address: {1}")]
    NotPasa(String, String),
}

/// A hop-by-hop route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Node names from the source to the destination, both included.
    pub hops: Vec<String>,
    /// Routing header octets every frame of this route carries: page dispatch + PASA-6LoRH.
    pub header_bytes: usize,
}

/// An address lookup table for a plan.
pub fn index(plan: &Plan) -> HashMap<PasaAddr, u32> {
    (0u32..)
        .zip(plan.addrs.iter())
        .map(|(i, &a)| (a, i))
        .collect()
}

/// The route from `from` to `to`, obtained by applying each node's own stateless decision
/// ([`PasaAddr::decide`]) in turn, not by searching the tree.
pub fn route(t: &Topology, plan: &Plan, from: &str, to: &str) -> Result<Route, OpError> {
    let find = |n: &str| {
        t.find(n)
            .ok_or_else(|| OpError::NoSuchNode(n.to_string(), t.source.clone()))
    };
    let (s, d) = (find(from)?, find(to)?);
    let by_addr = index(plan);
    let da = plan.addrs[d as usize];
    let mut cur = s;
    let mut hops = vec![t.nodes[s as usize].name.clone()];
    // A tree path has at most 2 * 63 hops.
    const MAX_HOPS: usize = 130;
    for _ in 0..MAX_HOPS {
        let node = &t.nodes[cur as usize];
        let next = match plan.addrs[cur as usize].decide(da) {
            Decision::Deliver => {
                return Ok(Route {
                    hops,
                    header_bytes: 1 + 2 + usize::from(da.lorh_octets()),
                });
            }
            Decision::Parent => node
                .parent
                .ok_or_else(|| OpError::AboveRoot(to.to_string(), from.to_string()))?,
            Decision::Child(c) => *by_addr.get(&c).ok_or_else(|| OpError::Unreachable {
                at: node.name.clone(),
                next: c.to_string(),
                addr: c.to_ipv6(t.prefix).to_string(),
            })?,
        };
        cur = next;
        hops.push(t.nodes[cur as usize].name.clone());
    }
    Err(OpError::TooManyHops(
        from.to_string(),
        to.to_string(),
        MAX_HOPS,
    ))
}

/// What an address means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explained {
    /// Binary text.
    pub pasa: String,
    /// `root`, `router` or `host`.
    pub role: String,
    /// The addresses from the root down to it, binary text.
    pub path: Vec<String>,
    /// Its length in bits.
    pub len: u8,
    /// Hex text.
    pub hex: String,
    /// IPv6 under the prefix.
    pub ipv6: String,
}

/// Parses `text` as an IPv6 address inside `prefix`, `0b<binary>` or `0x<hex>`, and explains it.
pub fn explain(text: &str, prefix: Prefix64) -> Result<Explained, OpError> {
    let a = if text.starts_with("0b") || text.starts_with("0x") || text.starts_with("0X") {
        text.parse::<PasaAddr>()
            .map_err(|e| OpError::NotPasa(text.to_string(), e.to_string()))?
    } else {
        let ip: std::net::Ipv6Addr = text
            .parse()
            .map_err(|_| OpError::BadAddress(text.to_string()))?;
        PasaAddr::from_ipv6(ip, prefix)
            .map_err(|e| OpError::NotPasa(text.to_string(), format!("{e} (prefix {prefix})")))?
    };
    let role = match a.role() {
        Role::Root => "root",
        Role::Router => "router",
        Role::Host => "host",
    };
    Ok(Explained {
        pasa: a.to_string(),
        role: role.to_string(),
        path: a.path().map(|x| x.to_string()).collect(),
        len: a.len_bits(),
        hex: a.hex().to_string(),
        ipv6: a.to_ipv6(prefix).to_string(),
    })
}

/// Capacity headroom of one router (or the root).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headroom {
    /// Node name.
    pub name: String,
    /// Its address.
    pub pasa: String,
    /// Its length.
    pub len: u8,
    /// Router children it has.
    pub routers: u32,
    /// Host children it has.
    pub hosts: u32,
    /// Router children it can still take.
    pub routers_left: u32,
    /// Host children it can still take.
    pub hosts_left: u32,
    /// Bits left before 64.
    pub bits_left: u8,
}

/// Headroom of every router and the root, in declaration order.
pub fn check(t: &Topology, plan: &Plan) -> Vec<Headroom> {
    t.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.role != NodeRole::Host)
        .map(|(i, n)| {
            let a = plan.addrs[i];
            let (r, h) = plan.used[i];
            let left = |used: u32| {
                u32::from(children_left(
                    a.len_bits(),
                    u8::try_from(used).unwrap_or(u8::MAX),
                ))
            };
            Headroom {
                name: n.name.clone(),
                pasa: a.to_string(),
                len: a.len_bits(),
                routers: r,
                hosts: h,
                routers_left: left(r),
                hosts_left: left(h),
                bits_left: 64 - a.len_bits(),
            }
        })
        .collect()
}

/// What happened to one name between two plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Same address.
    Keep,
    /// New address: renumbered.
    Change,
    /// Only in the new plan.
    Gain,
    /// Only in the old plan.
    Lose,
}

/// One row of the renumbering report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffRow {
    /// Node name.
    pub name: String,
    /// What happened.
    pub change: Change,
    /// Old address (binary), if any.
    pub old: Option<String>,
    /// New address (binary), if any.
    pub new: Option<String>,
}

/// The renumbering report: rows for the old plan's nodes in order, then the gained ones.
pub fn diff(old: &Topology, old_plan: &Plan, new: &Topology, new_plan: &Plan) -> Vec<DiffRow> {
    let new_idx: HashMap<&str, usize> = new
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let mut seen = vec![false; new.nodes.len()];
    let mut rows = Vec::new();
    for (i, n) in old.nodes.iter().enumerate() {
        let oa = old_plan.addrs[i];
        let (change, na) = match new_idx.get(n.name.as_str()) {
            Some(&j) => {
                seen[j] = true;
                let na = new_plan.addrs[j];
                let c = if na == oa && old.prefix == new.prefix {
                    Change::Keep
                } else {
                    Change::Change
                };
                (c, Some(na.to_string()))
            }
            None => (Change::Lose, None),
        };
        rows.push(DiffRow {
            name: n.name.clone(),
            change,
            old: Some(oa.to_string()),
            new: na,
        });
    }
    for (j, n) in new.nodes.iter().enumerate() {
        if !seen[j] {
            rows.push(DiffRow {
                name: n.name.clone(),
                change: Change::Gain,
                old: None,
                new: Some(new_plan.addrs[j].to_string()),
            });
        }
    }
    rows
}
