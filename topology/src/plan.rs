//! Address planning by TAAF (draft-13 §6.1), in declared or compact sibling order.

use pasa_addrcodec::{ChildRole, PasaAddr};

use crate::error::{ErrorKind, TopoError};
use crate::model::{Children, NodeRole, Topology};

/// The order in which siblings ask their parent for an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// The order of the file.
    #[default]
    Declared,
    /// Router siblings reordered so the ones whose subtrees need the most bits get the lowest
    /// indexes; this minimises the longest address. Hosts keep their order (they all need 0
    /// bits below themselves, so their order cannot change the longest address).
    Compact,
}

/// Addresses of every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Address of `nodes[i]`.
    pub addrs: Vec<PasaAddr>,
    /// Router and host indexes used under each node (the `r` and `h` counters after planning).
    pub used: Vec<(u32, u32)>,
    /// The longest address, in bits.
    pub max_len: u8,
}

impl Plan {
    /// Index of the node holding `a`, if any (a linear search; build a map for many lookups).
    pub fn node_of(&self, a: PasaAddr) -> Option<u32> {
        self.addrs.iter().position(|&x| x == a).map(|i| i as u32)
    }
}

/// Bits each node's subtree needs below the node itself, when its router children are indexed
/// in `order`: a router child at index k costs k + 1 bits plus its own need; hosts cost their
/// index + 1.
pub fn needs(t: &Topology, ch: &Children, order: Order) -> Vec<u32> {
    let mut need = vec![0u32; t.nodes.len()];
    let mut scratch: Vec<u32> = Vec::new();
    // Declaration order puts parents before children, so walk backwards.
    for i in (0..t.nodes.len()).rev() {
        if !t.nodes[i].role.can_have_children() {
            continue;
        }
        scratch.clear();
        let mut hosts = 0u32;
        for &c in ch.of(i as u32) {
            match t.nodes[c as usize].role {
                NodeRole::Host => hosts += 1,
                _ => scratch.push(need[c as usize]),
            }
        }
        if order == Order::Compact {
            scratch.sort_unstable_by(|a, b| b.cmp(a));
        }
        let routers = scratch
            .iter()
            .enumerate()
            .map(|(k, n)| k as u32 + 1 + n)
            .max()
            .unwrap_or(0);
        need[i] = routers.max(hosts);
    }
    need
}

/// Assigns every node its TAAF address. Fails at the first node (in declaration order) whose
/// address would exceed 64 bits, naming it.
pub fn plan(t: &Topology, order: Order) -> Result<Plan, TopoError> {
    let ch = t.children();
    let n = t.nodes.len();
    let mut addrs = vec![PasaAddr::ROOT; n];
    let mut used = vec![(0u32, 0u32); n];
    let need = if order == Order::Compact {
        needs(t, &ch, order)
    } else {
        Vec::new()
    };
    let mut routers: Vec<u32> = Vec::new();
    let mut failure: Option<(u32, TopoError)> = None;
    for p in 0..n as u32 {
        let node = &t.nodes[p as usize];
        if !node.role.can_have_children() {
            continue;
        }
        let pa = addrs[p as usize];
        routers.clear();
        let mut hosts = 0u32;
        let mut assign = |c: u32, role: ChildRole, k: u32| {
            let child = &t.nodes[c as usize];
            let res = u8::try_from(k).ok().and_then(|k8| pa.child(role, k8).ok());
            match res {
                Some(a) => addrs[c as usize] = a,
                None => {
                    let e = TopoError::at(
                        &t.source,
                        child.pos.line,
                        child.pos.column,
                        ErrorKind::TooLong {
                            name: child.name.clone(),
                            parent: node.name.clone(),
                            parent_len: pa.len_bits(),
                            index: k as usize,
                            needed: usize::from(pa.len_bits()) + k as usize + 1,
                        },
                    );
                    if failure.as_ref().is_none_or(|(at, _)| c < *at) {
                        failure = Some((c, e));
                    }
                }
            }
        };
        for &c in ch.of(p) {
            match t.nodes[c as usize].role {
                NodeRole::Host => {
                    assign(c, ChildRole::Host, hosts);
                    hosts += 1;
                }
                _ => routers.push(c),
            }
        }
        if order == Order::Compact {
            // Stable: equal needs keep their declared order.
            routers.sort_by(|a, b| need[*b as usize].cmp(&need[*a as usize]));
        }
        for (k, &c) in routers.iter().enumerate() {
            assign(c, ChildRole::Router, k as u32);
        }
        used[p as usize] = (routers.len() as u32, hosts);
    }
    if let Some((_, e)) = failure {
        return Err(e);
    }
    let max_len = addrs.iter().map(|a| a.len_bits()).max().unwrap_or(1);
    Ok(Plan {
        addrs,
        used,
        max_len,
    })
}

/// The longest address each order would give, without the 64-bit limit (so a plan that does
/// not fit still reports how far it is over): `1 + need(root)`.
pub fn longest(t: &Topology, order: Order) -> u32 {
    let ch = t.children();
    1 + needs(t, &ch, order).first().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse;

    #[test]
    fn figure6_plan_matches_the_draft() {
        let src = "root r\n  router a\n    router c\n      host g\n      host h\n    host d\n    router e\n      host i\n      host j\n    host f\n  host b\n  router x\n    router y\n    host z\n  host w\n";
        let t = parse(src, "f").unwrap();
        let p = plan(&t, Order::Declared).unwrap();
        let got: Vec<String> = p.addrs.iter().map(|a| a.to_string()).collect();
        assert_eq!(
            got,
            [
                "1", "10", "100", "1001", "10011", "101", "1010", "10101", "101011", "1011", "11",
                "110", "1100", "1101", "111"
            ]
        );
        assert_eq!(p.max_len, 6);
    }

    #[test]
    fn compact_order_puts_the_deepest_subtree_first() {
        // Under the root: a leaf router, then a router with a deep chain.
        let src = "root r\n  router leaf\n  router deep\n    router d1\n      router d2\n";
        let t = parse(src, "f").unwrap();
        let declared = plan(&t, Order::Declared).unwrap();
        let compact = plan(&t, Order::Compact).unwrap();
        assert_eq!(declared.max_len, 5);
        assert_eq!(compact.max_len, 4);
        assert_eq!(longest(&t, Order::Declared), 5);
        assert_eq!(longest(&t, Order::Compact), 4);
        assert_eq!(compact.addrs[2].to_string(), "10");
    }

    #[test]
    fn too_long_names_the_first_node_past_64_bits() {
        let mut src = String::from("root r\n");
        for i in 0..64 {
            src.push_str(&" ".repeat(2 * (i + 1)));
            src.push_str(&format!("router n{i}\n"));
        }
        let t = parse(&src, "deep.pasa").unwrap();
        let e = plan(&t, Order::Declared).unwrap_err();
        assert_eq!(
            e.to_string(),
            "deep.pasa:65:129: plan exceeds 64 bits at node \"n63\": index 0 under \"n62\" (64 bits) needs 65 bits"
        );
        assert_eq!(longest(&t, Order::Declared), 65);
    }
}
