//! The `eot` command on user files: the output format, and clear errors with a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::Command;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("eot-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &Path, name: &str, text: &str) -> String {
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn points_csv(n: usize, offset: f64) -> String {
    let mut s = String::from("a,b\n");
    for i in 0..n {
        s.push_str(&format!("{},{}\n", (i as f64 * 0.37).sin() + offset, (i as f64 * 0.11).cos()));
    }
    s
}

fn eot(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_eot")).args(args).output().unwrap()
}

#[test]
fn transport_writes_k_draws_per_query() {
    let d = dir("ok");
    let (s, t, q) = (
        write(&d, "s.csv", &points_csv(50, 0.0)),
        write(&d, "t.csv", &points_csv(60, 1.0)),
        write(&d, "q.csv", &points_csv(4, 0.2)),
    );
    let out = d.join("out.csv").display().to_string();
    let args = [
        "transport",
        "--solver",
        "sinkhorn",
        "--eps",
        "1.0",
        "--source",
        &s,
        "--target",
        &t,
        "--queries",
        &q,
        "--samples",
        "3",
        "--seed",
        "0",
        "--out",
        &out,
    ];
    let r = eot(&args);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "query,sample,y0,y1");
    assert_eq!(lines.len(), 1 + 4 * 3);
    assert!(lines[1].starts_with("0,0,") && lines[12].starts_with("3,2,"));
    // Same seed, same draws.
    let first = text.clone();
    assert!(eot(&args).status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first);
}

#[test]
fn bad_input_exits_non_zero_naming_the_problem() {
    let d = dir("bad");
    let good = write(&d, "good.csv", &points_csv(20, 0.0));
    let ragged = write(&d, "ragged.csv", "a,b\n1,2\n3\n4,5\n");
    let text = write(&d, "text.csv", "a,b\n1,2\n3,x\n");
    let three = write(&d, "three.csv", "a,b,c\n1,2,3\n4,5,6\n");
    let out = d.join("o.csv").display().to_string();
    let run = |s: &str, t: &str, q: &str, extra: &[&str]| {
        let mut args = vec![
            "transport",
            "--solver",
            "sinkhorn",
            "--eps",
            "1",
            "--source",
            s,
            "--target",
            t,
            "--queries",
            q,
            "--samples",
            "2",
            "--out",
            &out,
        ];
        args.extend_from_slice(extra);
        let r = eot(&args);
        assert!(!r.status.success());
        String::from_utf8_lossy(&r.stderr).to_string()
    };
    assert!(run(&ragged, &good, &good, &[]).contains("ragged.csv, row 2"));
    assert!(run(&good, &text, &good, &[]).contains("text.csv, row 2, column 2"));
    assert!(run(&good, &three, &good, &[]).contains("three.csv"));
    assert!(run(&good, &good, &three, &[]).contains("three.csv"));
    assert!(run(&good, &good, &good, &["--opt", "tolerance=-1"]).contains("tolerance"));
    let r = eot(&[
        "transport",
        "--solver",
        "nope",
        "--eps",
        "1",
        "--source",
        &good,
        "--target",
        &good,
        "--queries",
        &good,
        "--samples",
        "2",
        "--out",
        &out,
    ]);
    assert!(
        !r.status.success() && String::from_utf8_lossy(&r.stderr).contains("unknown solver 'nope'")
    );
    let r = eot(&[
        "transport",
        "--solver",
        "sinkhorn",
        "--eps",
        "0",
        "--source",
        &good,
        "--target",
        &good,
        "--queries",
        &good,
        "--samples",
        "2",
        "--out",
        &out,
    ]);
    assert!(!r.status.success() && String::from_utf8_lossy(&r.stderr).contains("eps"));
}

#[test]
fn one_query_is_enough_and_absurd_sample_counts_are_refused() {
    let d = dir("one");
    let (s, t) =
        (write(&d, "s.csv", &points_csv(30, 0.0)), write(&d, "t.csv", &points_csv(30, 1.0)));
    let q = write(&d, "q.csv", "a,b\n0.1,0.2\n");
    let out = d.join("o.csv").display().to_string();
    let base = [
        "transport",
        "--solver",
        "sinkhorn",
        "--eps",
        "1",
        "--source",
        &s,
        "--target",
        &t,
        "--queries",
        &q,
        "--out",
        &out,
    ];
    let mut ok = base.to_vec();
    ok.extend_from_slice(&["--samples", "4"]);
    let r = eot(&ok);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 5);
    let mut huge = base.to_vec();
    huge.extend_from_slice(&["--samples", "18446744073709551615"]);
    let r = eot(&huge);
    assert!(!r.status.success());
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("too many draws"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn vareot_transports_user_files_and_reuses_its_checkpoint() {
    let d = dir("vareot");
    let (s, t, q) = (
        write(&d, "s.csv", &points_csv(200, 0.0)),
        write(&d, "t.csv", &points_csv(200, 1.0)),
        write(&d, "q.csv", &points_csv(3, 0.2)),
    );
    let model = d.join("model.safetensors").display().to_string();
    let transport = |out: &str, opts: &[String]| {
        let mut args: Vec<String> = [
            "transport",
            "--solver",
            "vareot",
            "--eps",
            "0.5",
            "--source",
            &s,
            "--target",
            &t,
            "--queries",
            &q,
            "--samples",
            "4",
            "--seed",
            "3",
            "--out",
            out,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        for o in opts {
            args.extend(["--opt".to_string(), o.clone()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = eot(&args);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        std::fs::read_to_string(out).unwrap()
    };
    let small = ["hidden=16,16", "steps=30", "batch=32", "proposals=8", "langevin_steps=20"];
    let mut first: Vec<String> = small.iter().map(|o| o.to_string()).collect();
    first.push(format!("save={model}"));
    let trained = transport(&d.join("a.csv").display().to_string(), &first);
    assert_eq!(trained.lines().count(), 1 + 3 * 4, "{trained}");
    let loaded = transport(
        &d.join("b.csv").display().to_string(),
        &[format!("load={model}"), "langevin_steps=20".into()],
    );
    // Same weights, same seed, same sampler: the same draws.
    assert_eq!(trained, loaded);
}

#[test]
fn select_auto_says_what_it_chose_and_why() {
    let d = dir("select");
    let (s, t) =
        (write(&d, "s.csv", &points_csv(80, 0.0)), write(&d, "t.csv", &points_csv(80, 1.0)));
    let out = d.join("out.csv").display().to_string();
    let args = [
        "transport",
        "--solver",
        "gmm",
        "--eps",
        "1.0",
        "--opt",
        "select=auto",
        "--opt",
        "steps=50",
        "--opt",
        "starts=1",
        "--source",
        &s,
        "--target",
        &t,
        "--queries",
        &s,
        "--samples",
        "2",
        "--out",
        &out,
    ];
    let o = eot(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("select=auto chose [") && err.contains("[defaults] "), "{err}");
    let o = eot(&[
        "solve",
        "--solver",
        "sinkhorn",
        "--eps",
        "1",
        "--opt",
        "select=auto",
        "--source",
        &s,
        "--target",
        &t,
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("select=auto: sinkhorn declares no candidate"),
        "{err}"
    );
}
