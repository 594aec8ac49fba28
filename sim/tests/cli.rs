//! The `pasa-sim` command line: exit codes and error messages that name the file.

use std::process::Command;

fn sim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pasa-sim"))
        .args(args)
        .output()
        .expect("pasa-sim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pasa-sim-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn demo_succeeds_and_writes_report_plots_and_captures() {
    let out = tmp("demo");
    let (code, stdout, _) = sim(&["demo", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("15/15 joined"), "{stdout}");
    for f in [
        "report.json",
        "frames.pcap",
        "ipv6.pcap",
        "state_by_depth.svg",
        "header_by_depth.svg",
    ] {
        assert!(out.join(f).is_file(), "{f} written");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["bootstrap"]["matches_plan"], true);
    assert_eq!(report["traffic"]["app"]["delivered"], 224);
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn errors_name_the_file_and_exit_nonzero() {
    let out = tmp("errors");
    let o = out.to_str().unwrap();
    // A missing file.
    let (code, _, err) = sim(&["run", "no-such-topology.pasa", "--out", o]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read no-such-topology.pasa"), "{err}");
    // A topology error names file, line and column.
    let bad = out.join("bad.pasa");
    std::fs::write(
        &bad,
        "prefix 2001:db8::/64\nroot r\n  router a\n  router a\n",
    )
    .unwrap();
    let (code, _, err) = sim(&["run", bad.to_str().unwrap(), "--out", o]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.pasa:4:"), "{err}");
    // A parameter out of range.
    let good = out.join("good.pasa");
    std::fs::write(&good, "prefix 2001:db8::/64\nroot r\n  host h\n").unwrap();
    let (code, _, err) = sim(&["run", good.to_str().unwrap(), "--loss", "1.5", "--out", o]);
    assert_eq!(code, 1);
    assert!(err.contains("loss 1.5"), "{err}");
    // An unknown scenario lists the known ones.
    let (code, _, err) = sim(&["scenarios", "--run", "nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("root-reboot"), "{err}");
    // A usage error is exit 2.
    let (code, _, _) = sim(&["run"]);
    assert_eq!(code, 2);
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_small_run_delivers_everything() {
    let out = tmp("run");
    let topo = out.join("t.pasa");
    std::fs::write(
        &topo,
        "prefix 2001:db8::/64\nroot r\n  router a\n    host b\n  host c\n",
    )
    .unwrap();
    let (code, stdout, err) = sim(&[
        "run",
        topo.to_str().unwrap(),
        "--join",
        "random",
        "--seed",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(stdout.contains("4/4 joined"), "{stdout}");
    assert!(stdout.contains("12 flows (every ordered pair)"), "{stdout}");
    assert!(!out.join("frames.pcap").exists(), "no capture unless asked");
    std::fs::remove_dir_all(out).unwrap();
}
