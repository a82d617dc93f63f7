//! Shared machinery of the hostile-input tables (`hostile_eot.rs`, `hostile_compare.rs`): the
//! fixture files, a case's expectation, and a runner that fails on a panic, a hang, a missing
//! or wrong message, or a modified input file.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What a case must do.
pub enum Expect {
    /// Exit with status 1 (an error, not a panic), stderr containing every string.
    Refused(&'static [&'static str]),
    /// Exit with status 0, stdout and stderr together containing every string.
    Succeeds(&'static [&'static str]),
}

/// One hostile input: a name, the arguments (split at spaces; `{d}` is the fixture folder,
/// `{o}` a folder for outputs), environment variables to set, and what must happen.
pub struct Case {
    pub name: &'static str,
    pub args: &'static str,
    pub env: &'static [(&'static str, &'static str)],
    pub expect: Expect,
}

/// Past this a case counts as a hang; every case is expected to take seconds.
const HANG: Duration = Duration::from_secs(120);

/// A normal 2-D sample of `n` points, shifted by `offset`, as CSV rows (deterministic).
fn normal_rows(n: usize, offset: f64, seed: u64) -> Vec<[f64; 2]> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u, v) = (uniform(), uniform());
            let r = (-2.0 * u.ln()).sqrt();
            let t = std::f64::consts::TAU * v;
            [r * t.cos() + offset, r * t.sin() + offset]
        })
        .collect()
}

fn csv(rows: &[[f64; 2]], header: Option<&str>, sep: &str) -> String {
    let mut s = header.map_or(String::new(), |h| format!("{h}\n"));
    for r in rows {
        s.push_str(&format!("{:e}{sep}{:e}\n", r[0], r[1]));
    }
    s
}

/// A version-1.0 `.npy` file of shape `(n, 2)` with dtype `descr` and raw little-endian data.
fn npy(descr: &str, n: usize, data: &[u8]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({n}, 2), }}");
    let pad = 64 - (10 + header.len() + 1) % 64;
    header.push_str(&" ".repeat(pad % 64));
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// The fixture folder, written once per test process: good samples, and every hostile file.
pub fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("eot-hostile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let a = normal_rows(50, 0.0, 1);
        let b = normal_rows(50, 1.0, 2);
        let scaled = |rows: &[[f64; 2]], s: f64| -> Vec<[f64; 2]> {
            rows.iter().map(|r| [r[0] * s, r[1] * s]).collect()
        };
        let h = Some("x0,x1");
        let mut files: Vec<(&str, Vec<u8>)> = vec![
            ("a.csv", csv(&a, h, ",").into()),
            ("b.csv", csv(&b, h, ",").into()),
            ("q.csv", csv(&a[..3], h, ",").into()),
            ("big160.csv", csv(&scaled(&a, 1e160), h, ",").into()),
            ("bigb160.csv", csv(&scaled(&b, 1e160), h, ",").into()),
            ("big154.csv", csv(&scaled(&a, 1e154), h, ",").into()),
            ("bigb154.csv", csv(&scaled(&b, 1e154), h, ",").into()),
            ("noheader.csv", csv(&a, None, ",").into()),
            ("tabs.csv", csv(&a, Some("x0\tx1"), "\t").into()),
            ("semicolons.csv", csv(&a, Some("x0;x1"), ";").into()),
            ("same.csv", csv(&vec![[3.0, 3.0]; 50], h, ",").into()),
            (
                "constcol.csv",
                csv(&b.iter().map(|r| [r[0], 2.5]).collect::<Vec<_>>(), h, ",").into(),
            ),
            (
                "line.csv",
                csv(&b.iter().map(|r| [r[0], 2.0 * r[0] + 1.0]).collect::<Vec<_>>(), h, ",").into(),
            ),
        ];
        let ints: Vec<i64> =
            a.iter().flat_map(|r| [(3.0 * r[0]) as i64, (3.0 * r[1]) as i64]).collect();
        files.push((
            "a_int8.npy",
            npy("|i1", 50, &ints.iter().map(|v| *v as i8 as u8).collect::<Vec<_>>()),
        ));
        files.push((
            "a_uint8.npy",
            npy("|u1", 50, &ints.iter().map(|v| (v + 10) as u8).collect::<Vec<_>>()),
        ));
        files.push((
            "a_bool.npy",
            npy("|b1", 50, &ints.iter().map(|v| (*v > 0) as u8).collect::<Vec<_>>()),
        ));
        files.push(("a_float16.npy", npy("<f2", 50, &[0u8; 200])));
        files.push(("a_complex128.npy", npy("<c16", 50, &[0u8; 1600])));
        for (name, bytes) in files {
            std::fs::write(d.join(name), bytes).unwrap();
        }
        std::fs::create_dir_all(d.join("out")).unwrap();
        d
    })
}

/// Every file of the fixture folder with its bytes, to prove no case modified one.
fn snapshot(d: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

/// Runs `bin` with `args` in `cwd`, killing it past [`HANG`]; returns (status code, stdout +
/// stderr), the code `None` for a hang.
fn run(bin: &str, args: &[String], env: &[(&str, &str)], cwd: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = (
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        }),
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        }),
    );
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = readers.0.join().unwrap() + &readers.1.join().unwrap();
    (code, text)
}

/// Runs every case with `bin` in `cwd`; fails listing every case that panicked, hung, exited
/// otherwise than expected, missed its message, or modified a fixture file.
pub fn check_all(bin: &str, cases: &[Case], cwd: &Path) {
    let d = fixtures();
    let before = snapshot(d);
    let mut failures = Vec::new();
    for case in cases {
        let args: Vec<String> = case
            .args
            .split_whitespace()
            .map(|a| {
                a.replace("{d}", &d.display().to_string())
                    .replace("{o}", &d.join("out").display().to_string())
            })
            .collect();
        let (code, text) = run(bin, &args, case.env, cwd);
        let (want_code, needles) = match case.expect {
            Expect::Refused(n) => (1, n),
            Expect::Succeeds(n) => (0, n),
        };
        let problem = if code.is_none() {
            Some(format!("hung (killed after {} s)", HANG.as_secs()))
        } else if text.contains("panicked") {
            Some("panicked".to_string())
        } else if code != Some(want_code) {
            Some(format!("exit status {code:?}, expected {want_code}"))
        } else {
            needles.iter().find(|n| !text.contains(*n)).map(|n| format!("no '{n}' in the output"))
        };
        if let Some(p) = problem {
            failures.push(format!("- {}: {p}\n  output: {}", case.name, text.trim()));
        }
    }
    let after: std::collections::HashMap<PathBuf, Vec<u8>> = snapshot(d).into_iter().collect();
    for (path, old) in &before {
        if after.get(path) != Some(old) {
            failures.push(format!("- input {} was modified or removed", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} hostile case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
