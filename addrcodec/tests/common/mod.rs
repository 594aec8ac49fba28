//! Helpers shared by the integration tests: hex text, a TAAF tree builder, and a hop-by-hop
//! forwarding walk that uses only each node's own decision.
#![allow(dead_code, unreachable_pub)]

use std::collections::{HashMap, HashSet};

use pasa_addrcodec::{ChildRole, Decision, PasaAddr};

/// Bytes from hex text such as `F1 80 50 2B` (`TT` stands for the PASA-6LoRH type 0x50).
pub fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| {
            if b == "TT" {
                0x50
            } else {
                u8::from_str_radix(b, 16).unwrap()
            }
        })
        .collect()
}

/// A tree built by TAAF: every node with its parent, as a parent would assign them.
#[derive(Debug, Default, Clone)]
pub struct Tree {
    /// Nodes in assignment order; the root first.
    pub nodes: Vec<PasaAddr>,
    /// Parent of each node (the root has none).
    pub parent: HashMap<PasaAddr, PasaAddr>,
    /// Next router and host index of every assigning node.
    pub counters: HashMap<PasaAddr, (u8, u8)>,
}

impl Tree {
    pub fn new() -> Self {
        let mut t = Self::default();
        t.nodes.push(PasaAddr::ROOT);
        t.counters.insert(PasaAddr::ROOT, (0, 0));
        t
    }

    /// Asks `parent` for a child of `role`; `None` when TAAF refuses (past 64 bits).
    pub fn assign(&mut self, parent: PasaAddr, role: ChildRole) -> Option<PasaAddr> {
        let (r, h) = self.counters.get(&parent).copied()?;
        let k = match role {
            ChildRole::Router => r,
            ChildRole::Host => h,
        };
        let child = parent.child(role, k).ok()?;
        let c = self.counters.get_mut(&parent)?;
        match role {
            ChildRole::Router => c.0 += 1,
            ChildRole::Host => c.1 += 1,
        }
        self.nodes.push(child);
        self.parent.insert(child, parent);
        if role == ChildRole::Router {
            self.counters.insert(child, (0, 0));
        }
        Some(child)
    }

    pub fn contains(&self, a: PasaAddr) -> bool {
        a.is_root() || self.parent.contains_key(&a)
    }

    /// Ancestors of `a`, `a` first, the root last.
    pub fn ancestors(&self, a: PasaAddr) -> Vec<PasaAddr> {
        let mut v = vec![a];
        let mut cur = a;
        while let Some(&p) = self.parent.get(&cur) {
            v.push(p);
            cur = p;
        }
        v
    }

    /// Depth(src) + depth(dst) - 2 depth(lca): the tree distance.
    pub fn distance(&self, s: PasaAddr, d: PasaAddr) -> usize {
        let sa = self.ancestors(s);
        let da: HashSet<_> = self.ancestors(d).into_iter().collect();
        let lca = *sa.iter().find(|x| da.contains(x)).unwrap();
        let depth = |x: PasaAddr| self.ancestors(x).len() - 1;
        depth(s) + depth(d) - 2 * depth(lca)
    }

    /// The walk of a packet from `src` to `dst` where each node applies `step`. `Err` names the
    /// node where it failed.
    pub fn walk(
        &self,
        src: PasaAddr,
        dst: PasaAddr,
        step: impl Fn(PasaAddr, PasaAddr) -> Decision,
    ) -> Result<Vec<PasaAddr>, String> {
        let mut path = vec![src];
        let mut cur = src;
        for _ in 0..200 {
            match step(cur, dst) {
                Decision::Deliver => return Ok(path),
                Decision::Parent => match self.parent.get(&cur) {
                    Some(&p) => cur = p,
                    None => return Err(format!("{cur} has no parent for {dst}")),
                },
                Decision::Child(c) => {
                    if self.parent.get(&c) != Some(&cur) {
                        return Err(format!("{cur} sends {dst} to {c}, not a child of it"));
                    }
                    cur = c;
                }
            }
            if path.contains(&cur) {
                return Err(format!("loop at {cur} for {src} -> {dst}"));
            }
            path.push(cur);
        }
        Err("hop bound exceeded".into())
    }
}
