//! Property tests on generated trees: routes are the tree paths, JSON and text round trip, and
//! compact ordering is optimal (checked against brute force on small trees).

use pasa_topology::generate::{SplitMix64, random};
use pasa_topology::ops::route;
use pasa_topology::plan::{Order, longest, plan};
use pasa_topology::{NodeRole, Topology, json, text};
use proptest::prelude::*;

/// The tree path between two nodes, from the parent links alone.
fn tree_path(t: &Topology, a: u32, b: u32) -> Vec<String> {
    let anc = |mut x: u32| {
        let mut v = vec![x];
        while let Some(p) = t.nodes[x as usize].parent {
            v.push(p);
            x = p;
        }
        v
    };
    let (pa, pb) = (anc(a), anc(b));
    let lca = *pa.iter().find(|x| pb.contains(x)).unwrap();
    let mut path: Vec<u32> = pa.iter().copied().take_while(|&x| x != lca).collect();
    path.push(lca);
    let down: Vec<u32> = pb.iter().copied().take_while(|&x| x != lca).collect();
    path.extend(down.into_iter().rev());
    path.iter()
        .map(|&i| t.nodes[i as usize].name.clone())
        .collect()
}

/// Nodes with role and parent name, sorted by name (JSON and text list nodes depth-first,
/// generators in creation order; sibling order is checked through the plans).
fn shape(t: &Topology) -> Vec<(String, NodeRole, Option<String>)> {
    let mut v: Vec<_> = t
        .nodes
        .iter()
        .map(|n| {
            let p = n.parent.map(|p| t.nodes[p as usize].name.clone());
            (n.name.clone(), n.role, p)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn routes_are_tree_paths_for_all_pairs(seed in any::<u64>(), n in 2usize..40, share in 0.1f64..0.9) {
        let t = random(n, seed, share);
        let p = plan(&t, Order::Declared).unwrap();
        for a in &t.nodes {
            for b in &t.nodes {
                let r = route(&t, &p, &a.name, &b.name).unwrap();
                let want = tree_path(&t, t.find(&a.name).unwrap(), t.find(&b.name).unwrap());
                prop_assert_eq!(&r.hops, &want);
                let da = p.addrs[t.find(&b.name).unwrap() as usize];
                prop_assert_eq!(r.header_bytes, 3 + usize::from(da.lorh_octets()));
            }
        }
    }

    #[test]
    fn json_and_text_round_trip(seed in any::<u64>(), n in 1usize..300) {
        let t = random(n, seed, 0.35);
        let j = serde_json::to_string(&json::to_json(&t)).unwrap();
        let back = json::parse(&j, "t.json").unwrap();
        prop_assert_eq!(shape(&back), shape(&t));
        prop_assert_eq!(back.prefix, t.prefix);
        let pj = plan(&back, Order::Declared).unwrap();
        let from_text = text::parse(&t.to_text(), "t.pasa").unwrap();
        let pt = plan(&t, Order::Declared).unwrap();
        let pf = plan(&from_text, Order::Declared).unwrap();
        for (i, node) in t.nodes.iter().enumerate() {
            let j = from_text.find(&node.name).unwrap() as usize;
            prop_assert_eq!(pt.addrs[i], pf.addrs[j]);
            let k = back.find(&node.name).unwrap() as usize;
            prop_assert_eq!(pt.addrs[i], pj.addrs[k]);
        }
    }

    #[test]
    fn compact_never_loses_and_keeps_addresses_unique(seed in any::<u64>(), n in 2usize..400) {
        let t = random(n, seed, 0.4);
        let d = plan(&t, Order::Declared).unwrap();
        let c = plan(&t, Order::Compact).unwrap();
        prop_assert!(c.max_len <= d.max_len);
        prop_assert_eq!(u32::from(c.max_len), longest(&t, Order::Compact));
        let mut seen = std::collections::HashSet::new();
        prop_assert!(c.addrs.iter().all(|a| seen.insert(*a)));
        for (i, node) in t.nodes.iter().enumerate() {
            if let Some(p) = node.parent {
                prop_assert_eq!(c.addrs[i].parent(), Some(c.addrs[p as usize]));
            }
        }
    }
}

/// Every way of ordering the router siblings of every node, by brute force.
fn brute_force_best(t: &Topology) -> u32 {
    let ch = t.children();
    let parents: Vec<u32> = (0..t.nodes.len() as u32)
        .filter(|&i| t.nodes[i as usize].role != NodeRole::Host)
        .collect();
    // need(v) for a given permutation choice; enumerate permutations per parent recursively.
    fn permutations(v: &[u32]) -> Vec<Vec<u32>> {
        if v.len() <= 1 {
            return vec![v.to_vec()];
        }
        let mut out = Vec::new();
        for i in 0..v.len() {
            let mut rest = v.to_vec();
            let x = rest.remove(i);
            for mut p in permutations(&rest) {
                p.insert(0, x);
                out.push(p);
            }
        }
        out
    }
    let options: Vec<Vec<Vec<u32>>> = parents
        .iter()
        .map(|&p| {
            let routers: Vec<u32> = ch
                .of(p)
                .iter()
                .copied()
                .filter(|&c| t.nodes[c as usize].role == NodeRole::Router)
                .collect();
            permutations(&routers)
        })
        .collect();
    let mut best = u32::MAX;
    let mut choice = vec![0usize; parents.len()];
    loop {
        // Longest address with this choice: walk down from the root.
        let mut len = vec![0u32; t.nodes.len()];
        len[0] = 1;
        let mut max = 1;
        for (pi, &p) in parents.iter().enumerate() {
            let order = &options[pi][choice[pi]];
            for (k, &c) in order.iter().enumerate() {
                len[c as usize] = len[p as usize] + k as u32 + 1;
            }
            let mut h = 0;
            for &c in ch.of(p) {
                if t.nodes[c as usize].role == NodeRole::Host {
                    len[c as usize] = len[p as usize] + h + 1;
                    h += 1;
                }
            }
        }
        for &l in &len {
            max = max.max(l);
        }
        best = best.min(max);
        // Next combination.
        let mut i = 0;
        loop {
            if i == choice.len() {
                return best;
            }
            choice[i] += 1;
            if choice[i] < options[i].len() {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

#[test]
fn compact_order_is_optimal_against_brute_force_on_small_trees() {
    let mut rng = SplitMix64::new(42);
    let mut tried = 0;
    let mut improved = 0;
    while tried < 150 {
        let t = random(4 + rng.below(9) as usize, rng.next_u64(), 0.6);
        // Keep the brute force small: at most 4 router children anywhere.
        let ch = t.children();
        let wide = (0..t.nodes.len() as u32).any(|i| {
            ch.of(i)
                .iter()
                .filter(|&&c| t.nodes[c as usize].role == NodeRole::Router)
                .count()
                > 4
        });
        if wide {
            continue;
        }
        tried += 1;
        let c = plan(&t, Order::Compact).unwrap();
        let d = plan(&t, Order::Declared).unwrap();
        assert_eq!(
            u32::from(c.max_len),
            brute_force_best(&t),
            "{}",
            t.to_text()
        );
        if c.max_len < d.max_len {
            improved += 1;
        }
    }
    // The test trees must include cases where the order matters.
    assert!(
        improved > 5,
        "only {improved} trees where compact order helps"
    );
}
