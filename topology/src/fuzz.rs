//! Fuzz body for the topology parsers, called by the cargo-fuzz target `topo_text` in `fuzz/`
//! and replayed over `fuzz/corpus/topo_text/` by `cargo test`.
//!
//! Any input either fails with a positioned error or parses; a parsed topology must plan or
//! fail with a positioned error, and its text form must parse back to the same plan. A broken
//! property panics on purpose: that is how a fuzzer reports it.

use crate::plan::{Order, plan};

/// Parses `data` as a topology (text or JSON) and checks the round trip.
pub fn text(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(t) = crate::parse(src, "fuzz") else {
        return;
    };
    let Ok(p) = plan(&t, Order::Declared) else {
        return;
    };
    let again = crate::text::parse(&t.to_text(), "fuzz-again")
        .unwrap_or_else(|e| panic!("written text does not parse: {e}"));
    let p2 = plan(&again, Order::Declared).unwrap_or_else(|e| panic!("re-plan fails: {e}"));
    for (i, n) in t.nodes.iter().enumerate() {
        let j = again
            .find(&n.name)
            .unwrap_or_else(|| panic!("{} lost in the text form", n.name));
        assert_eq!(p.addrs[i], p2.addrs[j as usize], "{} renumbered", n.name);
    }
    if let Ok(c) = plan(&t, Order::Compact) {
        assert!(c.max_len <= p.max_len, "compact order made the plan longer");
    }
}
