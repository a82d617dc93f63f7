//! `eot metric`: the value alone on the last line, POT's conventions for w2, clear errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("eot-metric-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &Path, name: &str, text: &str) -> String {
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn eot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eot")).args(args).output().unwrap()
}

fn metric(name: &str, a: &str, b: &str, extra: &[&str]) -> Output {
    let mut args = vec!["metric", "--name", name, "--a", a, "--b", b];
    args.extend_from_slice(extra);
    eot(&args)
}

/// The last line of stdout, parsed: it must be the value alone.
fn value(out: &Output) -> f64 {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let last = text.lines().last().expect("no output");
    last.trim().parse().unwrap_or_else(|_| panic!("last line is not a number: {last:?}"))
}

fn fixture(name: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../metrics/tests/fixtures/");
    format!("{root}{name}")
}

#[test]
fn w2_prints_what_pot_emd2_returns() {
    // A translation by (0, 2): W2^2 = 4 with the cost |x-y|^2 (2 under |x-y|^2/2).
    let d = dir("w2");
    let a = write(&d, "a.csv", "x,y\n0,0\n1,0\n3,1\n");
    let b = write(&d, "b.csv", "x,y\n3,3\n0,2\n1,2\n");
    assert!((value(&metric("w2", &a, &b, &[])) - 4.0).abs() < 1e-12);
    // Against POT's ot.emd2 on a committed fixture (metrics/tests/fixtures/metrics.json).
    let text = std::fs::read_to_string(fixture("metrics.json")).unwrap();
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    let case = all.as_array().unwrap().iter().find(|c| c["name"] == "n200_d2").unwrap();
    let want = case["w2"].as_f64().unwrap();
    let got = value(&metric("w2", &fixture("n200_d2_x.npy"), &fixture("n200_d2_y.npy"), &[]));
    assert!(((got - want) / want).abs() < 1e-9, "{got} vs POT {want}");
}

#[test]
fn every_named_metric_prints_a_finite_value_and_sliced_depends_on_the_seed() {
    let (x, y) = (fixture("n300_m200_d8_x.npy"), fixture("n300_m200_d8_y.npy"));
    for name in ["sliced-w2", "energy", "fid-proxy", "bw2-uvp"] {
        let v = value(&metric(name, &x, &y, &[]));
        assert!(v.is_finite() && v > 0.0, "{name}: {v}");
    }
    let v = value(&metric("sinkhorn-div", &x, &y, &["--eps", "1"]));
    assert!(v.is_finite() && v > 0.0);
    let s0 = value(&metric("sliced-w2", &x, &y, &["--seed", "0"]));
    assert_eq!(s0, value(&metric("sliced-w2", &x, &y, &["--seed", "0"])));
    assert_ne!(s0, value(&metric("sliced-w2", &x, &y, &["--seed", "1"])));
}

#[test]
fn bad_input_exits_non_zero_with_a_clear_message() {
    let d = dir("bad");
    let two = write(&d, "two.csv", "x,y\n0,0\n1,0\n3,1\n");
    let three = write(&d, "three.csv", "a,b,c\n1,2,3\n4,5,6\n");
    let four = write(&d, "four.csv", "x,y\n0,0\n1,0\n3,1\n5,5\n");
    let text = write(&d, "text.csv", "x,y\n0,0\n1,oops\n");
    let err = |out: Output| {
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    assert!(err(metric("nope", &two, &two, &[])).contains("unknown metric 'nope'"));
    assert!(err(metric("w2", &two, &three, &[])).contains("three.csv"));
    assert!(err(metric("w2", &two, &four, &[])).contains("same size"));
    assert!(err(metric("energy", &two, &text, &[])).contains("text.csv, row 2, column 2"));
    assert!(err(metric("sinkhorn-div", &two, &four, &[])).contains("needs --eps"));
    assert!(err(metric("sinkhorn-div", &two, &four, &["--eps", "0"])).contains("eps"));
    assert!(err(metric("energy", &two, &four, &["--eps", "1"])).contains("sinkhorn-div only"));
}
