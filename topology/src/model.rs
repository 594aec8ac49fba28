//! The topology model: a tree of named nodes with roles, in declaration order.

use std::fmt;

use pasa_addrcodec::Prefix64;
use serde::{Deserialize, Serialize};

/// The role a node plays (draft-13 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    /// The single root (6LBR, gateway).
    Root,
    /// A router (6LR): assigns addresses to its children and forwards.
    Router,
    /// A host (6LN): a leaf.
    Host,
}

impl NodeRole {
    /// The keyword of the text format.
    pub const fn keyword(self) -> &'static str {
        match self {
            Self::Root => "root",
            Self::Router => "router",
            Self::Host => "host",
        }
    }

    /// True for the root and routers, the nodes that may have children.
    pub const fn can_have_children(self) -> bool {
        !matches!(self, Self::Host)
    }
}

impl fmt::Display for NodeRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// Where a node was declared, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line (0 when the node did not come from a text file).
    pub line: u32,
    /// 1-based column of the role keyword.
    pub column: u32,
}

/// One node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Unique name, `[A-Za-z0-9_.-]+`.
    pub name: String,
    /// Its role.
    pub role: NodeRole,
    /// Index of its parent in [`Topology::nodes`]; `None` for the root.
    pub parent: Option<u32>,
    /// Where it was declared.
    pub pos: Pos,
}

/// A planned PASA network: one root, nodes in declaration order (every parent before its
/// children; siblings in the order in which they ask their parent for an address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// The domain's /64 prefix.
    pub prefix: Prefix64,
    /// The nodes; `nodes[0]` is the root.
    pub nodes: Vec<Node>,
    /// The file the topology came from, for error messages.
    pub source: String,
}

/// The children of every node, in declaration order, as one flat array (CSR form).
#[derive(Debug, Clone)]
pub struct Children {
    offsets: Vec<u32>,
    list: Vec<u32>,
}

impl Children {
    /// The children of node `i`.
    pub fn of(&self, i: u32) -> &[u32] {
        let i = i as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.list.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

impl Topology {
    /// The root node's index (always 0 for a parsed topology).
    pub const ROOT: u32 = 0;

    /// Builds the children lists.
    pub fn children(&self) -> Children {
        let n = self.nodes.len();
        let mut counts = vec![0u32; n + 1];
        for node in &self.nodes {
            if let Some(p) = node.parent {
                counts[p as usize + 1] += 1;
            }
        }
        for i in 1..=n {
            counts[i] += counts[i - 1];
        }
        let mut fill = counts.clone();
        let mut list = vec![0u32; counts[n] as usize];
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(p) = node.parent {
                let at = &mut fill[p as usize];
                list[*at as usize] = i as u32;
                *at += 1;
            }
        }
        Children {
            offsets: counts,
            list,
        }
    }

    /// Index of the node called `name`.
    pub fn find(&self, name: &str) -> Option<u32> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| i as u32)
    }

    /// The text form (see [`crate::text`]).
    pub fn to_text(&self) -> String {
        crate::text::write(self)
    }
}

/// The default prefix when a file has no `prefix` line: `2001:db8::/64`.
pub const DEFAULT_PREFIX: Prefix64 = Prefix64::DOC;
