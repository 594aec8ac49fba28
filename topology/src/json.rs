//! The same tree in JSON (serde), for tools that generate plans:
//!
//! ```json
//! {"prefix": "2001:db8::/64",
//!  "root": {"name": "gateway", "children": [
//!     {"role": "router", "name": "cabinet-1", "children": [{"role": "host", "name": "breaker-7"}]},
//!     {"role": "host", "name": "meter-3"}]}}
//! ```
//!
//! `prefix` is optional; `role` may be omitted on the root; `children` may be omitted.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, TopoError};
use crate::model::{DEFAULT_PREFIX, Node, NodeRole, Pos, Topology};

/// A node of the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonNode {
    /// Role; defaults to `root` for the root and is required elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<NodeRole>,
    /// Unique name.
    pub name: String,
    /// Children in the order they ask for addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<JsonNode>,
}

/// The JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonTopology {
    /// `2001:db8::/64` form; default `2001:db8::/64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The root.
    pub root: JsonNode,
}

/// Parses the JSON form.
pub fn parse(src: &str, file: &str) -> Result<Topology, TopoError> {
    let doc: JsonTopology = serde_json::from_str(src).map_err(|e| {
        TopoError::at(
            file,
            e.line() as u32,
            e.column() as u32,
            ErrorKind::Json(e.to_string()),
        )
    })?;
    from_json(&doc, file)
}

/// Converts a JSON document into a topology, with the same checks as the text form.
pub fn from_json(doc: &JsonTopology, file: &str) -> Result<Topology, TopoError> {
    let err = |kind| TopoError::at(file, 0, 0, kind);
    let prefix = match &doc.prefix {
        None => DEFAULT_PREFIX,
        Some(p) => p.parse().map_err(|e: pasa_addrcodec::PrefixError| {
            err(ErrorKind::BadPrefix {
                text: p.clone(),
                reason: e.to_string(),
            })
        })?,
    };
    if doc.root.role.is_some_and(|r| r != NodeRole::Root) {
        return Err(err(ErrorKind::BeforeRoot(doc.root.name.clone())));
    }
    let mut nodes: Vec<Node> = Vec::new();
    let mut names: HashMap<&str, u32> = HashMap::new();
    // Pre-order walk with an explicit stack (children pushed in reverse).
    let mut stack: Vec<(&JsonNode, Option<u32>)> = vec![(&doc.root, None)];
    while let Some((jn, parent)) = stack.pop() {
        let role = match (parent, jn.role) {
            (None, _) => NodeRole::Root,
            (Some(_), Some(NodeRole::Root)) => {
                return Err(err(ErrorKind::SecondRoot {
                    name: jn.name.clone(),
                    first: doc.root.name.clone(),
                }));
            }
            (Some(_), Some(r)) => r,
            (Some(_), None) => return Err(err(ErrorKind::MissingRole(jn.name.clone()))),
        };
        if let Some(c) = jn
            .name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            return Err(err(ErrorKind::BadName(jn.name.clone(), c)));
        }
        if jn.name.is_empty() {
            return Err(err(ErrorKind::MissingName(role.keyword().to_string())));
        }
        if names.contains_key(jn.name.as_str()) {
            return Err(err(ErrorKind::DuplicateName {
                name: jn.name.clone(),
                first_line: 0,
            }));
        }
        if role == NodeRole::Host && !jn.children.is_empty() {
            return Err(err(ErrorKind::HostWithChildren {
                host: jn.name.clone(),
                child: jn.children[0].name.clone(),
            }));
        }
        let idx = u32::try_from(nodes.len()).map_err(|_| err(ErrorKind::TooManyNodes(u32::MAX)))?;
        names.insert(&jn.name, idx);
        nodes.push(Node {
            name: jn.name.clone(),
            role,
            parent,
            pos: Pos::default(),
        });
        for c in jn.children.iter().rev() {
            stack.push((c, Some(idx)));
        }
    }
    Ok(Topology {
        prefix,
        nodes,
        source: file.to_string(),
    })
}

/// The JSON form of a topology.
pub fn to_json(t: &Topology) -> JsonTopology {
    let ch = t.children();
    // Build bottom-up: declaration order puts children after parents.
    let mut built: Vec<Option<JsonNode>> = vec![None; t.nodes.len()];
    for i in (0..t.nodes.len()).rev() {
        let n = &t.nodes[i];
        let children = ch
            .of(i as u32)
            .iter()
            .filter_map(|&c| built[c as usize].take())
            .collect();
        built[i] = Some(JsonNode {
            role: (n.role != NodeRole::Root).then_some(n.role),
            name: n.name.clone(),
            children,
        });
    }
    JsonTopology {
        prefix: Some(t.prefix.to_string()),
        root: built
            .first_mut()
            .and_then(Option::take)
            .unwrap_or(JsonNode {
                role: None,
                name: String::new(),
                children: Vec::new(),
            }),
    }
}
