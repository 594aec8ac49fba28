//! Output formats of `pasa-topo`: aligned tables for people, JSON for tools, DOT for drawings.

use std::fmt::Write as _;

use serde::Serialize;

use crate::model::Topology;
use crate::ops::{DiffRow, Explained, Headroom, Route};
use crate::plan::Plan;

/// One node of the plan in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanNode<'a> {
    /// Name.
    pub name: &'a str,
    /// Role keyword.
    pub role: &'static str,
    /// Parent name, `null` for the root.
    pub parent: Option<&'a str>,
    /// Binary address.
    pub pasa: String,
    /// Bits.
    pub len: u8,
    /// RFC 5952 IPv6 text.
    pub ipv6: String,
}

/// The plan in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanJson<'a> {
    /// The prefix.
    pub prefix: String,
    /// The longest address.
    pub max_len: u8,
    /// Every node in declaration order.
    pub nodes: Vec<PlanNode<'a>>,
}

/// The JSON value of a plan.
pub fn plan_json<'a>(t: &'a Topology, p: &Plan) -> PlanJson<'a> {
    PlanJson {
        prefix: t.prefix.to_string(),
        max_len: p.max_len,
        nodes: t
            .nodes
            .iter()
            .zip(&p.addrs)
            .map(|(n, a)| PlanNode {
                name: &n.name,
                role: n.role.keyword(),
                parent: n.parent.map(|i| t.nodes[i as usize].name.as_str()),
                pasa: a.to_string(),
                len: a.len_bits(),
                ipv6: a.to_ipv6(t.prefix).to_string(),
            })
            .collect(),
    }
}

/// Pretty JSON text with a final newline.
pub fn to_json<T: Serialize>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn widths(rows: &[Vec<String>]) -> Vec<usize> {
    let mut w = Vec::new();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if w.len() <= i {
                w.push(0);
            }
            w[i] = w[i].max(c.chars().count());
        }
    }
    w
}

/// An aligned text table with a header row.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut all = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    all.extend(rows);
    let w = widths(&all);
    let mut out = String::new();
    for r in &all {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = w[i]))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The plan as a table, nodes indented by depth.
pub fn plan_table(t: &Topology, p: &Plan) -> String {
    let rows = t
        .nodes
        .iter()
        .zip(&p.addrs)
        .map(|(n, a)| {
            vec![
                format!("{}{}", "  ".repeat(usize::from(a.depth())), n.name),
                n.role.keyword().to_string(),
                a.to_string(),
                a.len_bits().to_string(),
                a.to_ipv6(t.prefix).to_string(),
            ]
        })
        .collect();
    let mut s = format!(
        "prefix {}, {} nodes, longest address {} bits ({} PASA-6LoRH octets)\n",
        t.prefix,
        t.nodes.len(),
        p.max_len,
        p.max_len.div_ceil(8)
    );
    s.push_str(&table(&["name", "role", "pasa", "len", "ipv6"], rows));
    s
}

/// The plan as a Graphviz digraph.
pub fn plan_dot(t: &Topology, p: &Plan) -> String {
    let mut s = String::from("digraph pasa {\n  node [fontname=\"monospace\"];\n");
    for (i, (n, a)) in t.nodes.iter().zip(&p.addrs).enumerate() {
        let shape = match n.role {
            crate::model::NodeRole::Root => "doubleoctagon",
            crate::model::NodeRole::Router => "box",
            crate::model::NodeRole::Host => "ellipse",
        };
        let _ = writeln!(s, "  n{i} [label=\"{}\\n{}\", shape={shape}];", n.name, a);
        if let Some(pi) = n.parent {
            let _ = writeln!(s, "  n{pi} -> n{i};");
        }
    }
    s.push_str("}\n");
    s
}

/// A route as text.
pub fn route_text(r: &Route) -> String {
    format!(
        "{}\n{} hops, {} routing header octets (page dispatch + PASA-6LoRH)\n",
        r.hops.join(" -> "),
        r.hops.len().saturating_sub(1),
        r.header_bytes
    )
}

/// An explained address as text.
pub fn explain_text(e: &Explained) -> String {
    format!(
        "pasa {} ({}, {} bits), {}\nrole {}\npath {}\n",
        e.pasa,
        e.hex,
        e.len,
        e.ipv6,
        e.role,
        e.path.join(" -> ")
    )
}

/// Capacity headroom as a table.
pub fn check_table(t: &Topology, p: &Plan, rows: &[Headroom]) -> String {
    let mut s = format!(
        "ok: {} nodes, longest address {} bits, {} bits of headroom\n",
        t.nodes.len(),
        p.max_len,
        64 - p.max_len
    );
    s.push_str(&table(
        &[
            "router",
            "pasa",
            "len",
            "routers",
            "hosts",
            "routers_left",
            "hosts_left",
            "bits_left",
        ],
        rows.iter()
            .map(|h| {
                vec![
                    h.name.clone(),
                    h.pasa.clone(),
                    h.len.to_string(),
                    h.routers.to_string(),
                    h.hosts.to_string(),
                    h.routers_left.to_string(),
                    h.hosts_left.to_string(),
                    h.bits_left.to_string(),
                ]
            })
            .collect(),
    ));
    s
}

/// The renumbering report as a table, with a summary line.
pub fn diff_table(rows: &[DiffRow]) -> String {
    let count = |c: crate::ops::Change| rows.iter().filter(|r| r.change == c).count();
    use crate::ops::Change::*;
    let mut s = format!(
        "{} keep, {} change, {} gain, {} lose\n",
        count(Keep),
        count(Change),
        count(Gain),
        count(Lose)
    );
    s.push_str(&table(
        &["change", "name", "old", "new"],
        rows.iter()
            .map(|r| {
                vec![
                    format!("{:?}", r.change).to_lowercase(),
                    r.name.clone(),
                    r.old.clone().unwrap_or_else(|| "-".into()),
                    r.new.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect(),
    ));
    s
}
