//! The `pasa-topo` binary end to end: golden outputs for the examples, and every error case
//! with its exact one-line message and exit code. `UPDATE_GOLDEN=1 cargo test` rewrites the
//! golden files after a deliberate change.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs pasa-topo in the workspace root; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pasa-topo"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn golden(name: &str, args: &[&str]) {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    let path = root().join("topology/tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &out).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(out, want, "{args:?} differs from {}", path.display());
}

#[test]
fn golden_outputs_of_the_examples() {
    let f6 = "examples/figure6.pasa";
    golden("figure6.plan.txt", &["plan", f6]);
    golden("figure6.plan.json", &["plan", f6, "--format", "json"]);
    golden("figure6.plan.dot", &["plan", f6, "--format", "dot"]);
    golden("figure6.check.txt", &["check", f6]);
    golden(
        "figure6.route.json",
        &[
            "route", f6, "--from", "h-10101", "--to", "h-1011", "--format", "json",
        ],
    );
    golden(
        "figure6.route.txt",
        &["route", f6, "--from", "h-1101", "--to", "h-1001"],
    );
    golden(
        "explain.json",
        &["explain", "2001:db8::2b", "--format", "json"],
    );
    golden("feeder.plan.txt", &["plan", "examples/feeder.pasa"]);
    golden(
        "feeder.compact.txt",
        &["plan", "examples/feeder.pasa", "--order", "compact"],
    );
    golden(
        "building.check.json",
        &["check", "examples/building.pasa", "--format", "json"],
    );
    golden(
        "feeder.diff.txt",
        &[
            "diff",
            "examples/feeder.pasa",
            "topology/tests/data/feeder-v2.pasa",
        ],
    );
    golden(
        "feeder.diff.json",
        &[
            "diff",
            "examples/feeder.pasa",
            "topology/tests/data/feeder-v2.pasa",
            "--format",
            "json",
        ],
    );
    golden(
        "gen.feeder.pasa",
        &[
            "gen",
            "feeder",
            "--feeders",
            "2",
            "--cabinets",
            "2",
            "--meters",
            "3",
        ],
    );
}

#[test]
fn plan_json_has_the_documented_shape() {
    let (code, out, _) = run(&["plan", "examples/figure6.pasa", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["prefix"], "2001:db8::/64");
    assert_eq!(v["max_len"], 6);
    let n = &v["nodes"][8];
    assert_eq!(n["name"], "h-101011");
    assert_eq!(n["role"], "host");
    assert_eq!(n["parent"], "r-1010");
    assert_eq!(n["pasa"], "101011");
    assert_eq!(n["len"], 6);
    assert_eq!(n["ipv6"], "2001:db8::2b");
    assert_eq!(v["nodes"][0]["parent"], serde_json::Value::Null);
    let (_, out, _) = run(&[
        "route",
        "examples/figure6.pasa",
        "--from",
        "h-11",
        "--to",
        "h-101011",
        "--format",
        "json",
    ]);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        r["hops"],
        serde_json::json!(["h-11", "gw-1", "r-10", "r-1010", "h-101011"])
    );
    assert_eq!(r["header_bytes"], 4);
    let (_, out, _) = run(&["explain", "0b101011", "--format", "json"]);
    let e: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(e["path"], serde_json::json!(["1", "10", "1010", "101011"]));
    assert_eq!(e["role"], "host");
}

/// Writes `src` to a temporary file named `name` and runs `plan` on it.
fn plan_err(name: &str, src: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("pasa-topo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, src).unwrap();
    let (code, out, err) = run(&["plan", path.to_str().unwrap()]);
    assert_eq!(out, "", "nothing on stdout for an error");
    let _ = std::fs::remove_file(&path);
    // Report the message with the temporary directory replaced.
    (code, err.replace(&format!("{}/", dir.display()), ""))
}

#[test]
fn every_error_is_one_line_naming_file_line_and_column() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "tab.pasa",
            "root r\n\thost a\n",
            "error: tab.pasa:2:1: tab character: indent with spaces only\n",
        ),
        (
            "role.pasa",
            "root r\n  switch a\n",
            "error: role.pasa:2:3: unknown role \"switch\" (expected root, router or host)\n",
        ),
        (
            "dup.pasa",
            "root r\n  host a\n  host a\n",
            "error: dup.pasa:3:8: duplicate node name \"a\" (first declared on line 2)\n",
        ),
        (
            "hostkids.pasa",
            "root r\n  host h\n    host x\n",
            "error: hostkids.pasa:3:5: host \"h\" cannot have children (\"x\" is indented under it)\n",
        ),
        (
            "roots.pasa",
            "root r\n  host a\nroot s\n",
            "error: roots.pasa:3:1: second root \"s\" (the root is \"r\"; a PASA domain has exactly one)\n",
        ),
        (
            "indent.pasa",
            "root r\n    host a\n  host b\n",
            "error: indent.pasa:3:3: bad indentation: \"b\" is indented 2 spaces but its sibling on line 2 is indented 4\n",
        ),
        (
            "empty.pasa",
            "",
            "error: empty.pasa: no root: a topology needs exactly one `root <name>` line\n",
        ),
        (
            "bad.json",
            "{\"root\": {\"name\": \"r\", \"children\": [{\"name\": \"x\"}]}}",
            "error: bad.json: node \"x\" has no role (router or host)\n",
        ),
        (
            "syntax.json",
            "{\"root\": {\"name\": \"r\",}}",
            "error: syntax.json:1:23: JSON: trailing comma at line 1 column 23\n",
        ),
    ];
    for (name, src, want) in cases {
        let (code, err) = plan_err(name, src);
        assert_eq!(code, 1, "{name}");
        assert_eq!(&err, want, "{name}");
    }
    // A plan past 64 bits names the node.
    let mut deep = String::from("root r\n");
    for i in 0..64 {
        deep.push_str(&format!("{}router n{i}\n", "  ".repeat(i + 1)));
    }
    let (code, err) = plan_err("deep.pasa", &deep);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: deep.pasa:65:129: plan exceeds 64 bits at node \"n63\": index 0 under \"n62\" (64 bits) needs 65 bits\n"
    );
}

#[test]
fn operational_errors_and_usage() {
    let (code, _, err) = run(&["plan", "no/such/file.pasa"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: cannot read no/such/file.pasa: "),
        "{err}"
    );
    let (code, _, err) = run(&[
        "route",
        "examples/figure6.pasa",
        "--from",
        "nope",
        "--to",
        "gw-1",
    ]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: no node named \"nope\" in examples/figure6.pasa\n"
        )
    );
    let (code, _, err) = run(&["explain", "2001:db9::1"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: 2001:db9::1 is not a PASA address: IPv6 address is outside the PASA /64 prefix (prefix 2001:db8::/64)\n"
        )
    );
    let (code, _, err) = run(&["explain", "2001:db8::"]);
    assert_eq!(code, 1);
    assert!(err.contains("PASA address is zero"), "{err}");
    let (code, _, err) = run(&["explain", "hello"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: \"hello\" is not an IPv6 address, 0b<binary> or 0x<hex>\n"
        )
    );
    let (code, _, err) = run(&["gen", "kary", "--depth", "30", "--fanout", "3"]);
    assert_eq!(code, 1);
    assert!(err.contains("needs 91 bits, more than 64"), "{err}");
    let (code, _, err) = run(&["check", "examples/figure6.pasa", "--format", "dot"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: --format dot is only for `plan`; check prints table or json\n"
        )
    );
    // Usage errors are clap's: exit 2 with a usage line.
    let (code, _, err) = run(&["plan"]);
    assert_eq!(code, 2);
    assert!(err.contains("Usage: pasa-topo plan"), "{err}");
    let (code, _, _) = run(&["plan", "examples/figure6.pasa", "--bogus"]);
    assert_eq!(code, 2);
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Examples:") && out.contains("pasa-topo route"),
        "{out}"
    );
}

#[test]
fn json_input_gives_the_same_plan_as_text() {
    let (_, text_plan, _) = run(&["plan", "examples/figure6.pasa", "--format", "json"]);
    let (code, json_plan, err) = run(&[
        "plan",
        "topology/tests/data/figure6.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_plan, text_plan);
}
