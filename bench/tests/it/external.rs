//! External programs as solvers in `compare`: the plain-numpy example is scored like a built-in
//! solver (its row carries its time and memory), and each way a program can fail leaves a row
//! that says why while the run goes on.

use std::path::{Path, PathBuf};
use std::process::Command;

use eot_bench::columns::{CBW2_UVP, CONVERGED, FIT_SECONDS, PEAK_MIB, SOLVER};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("eot-external-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A program that reads the contract's request and writes a wrong answer, by `mode`: `nan`,
/// `dim` (one coordinate short), `rows` (one query short), `missing` (writes nothing). Python's
/// standard library only: the `.npy` bytes are written by hand.
const BROKEN: &str = r#"
import ast, json, os, struct, sys
mode = sys.argv[1]
d = os.environ["EOT_DIR"]
req = json.load(open(os.path.join(d, "request.json")))
def shape(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<H", raw[8:10])[0]
    return ast.literal_eval(raw[10:10 + n].decode())["shape"]
def save(path, dims, value):
    head = "{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }" % "".join("%d, " % s for s in dims)
    head += " " * (63 - (10 + len(head)) % 64) + "\n"
    count = 1
    for s in dims:
        count *= s
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode())
        f.write(struct.pack("<%dd" % count, *([value] * count)))
if mode == "missing":
    sys.exit(0)
for r in req["requests"]:
    q, dim = shape(os.path.join(d, r["queries"]))
    dims = [q - (mode == "rows"), r["draws"], dim - (mode == "dim")]
    save(os.path.join(d, r["out"]), dims, float("nan") if mode == "nan" else 0.5)
"#;

fn column(csv: &str, name: &str) -> usize {
    csv.lines().next().unwrap().split(',').position(|h| h == name).unwrap()
}

fn row<'a>(csv: &'a str, solver: &str) -> Vec<&'a str> {
    let i = column(csv, SOLVER);
    csv.lines().find(|l| l.split(',').nth(i) == Some(solver)).unwrap().split(',').collect()
}

fn run_compare(d: &Path, externals: &[(&str, String)], extra: &[&str]) -> (String, String) {
    let out = d.join("compare.csv");
    let names: Vec<&str> = externals.iter().map(|(n, _)| *n).collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compare"));
    cmd.args(["--profile", "none", "--solvers", &names.join(",")])
        .args(["--datasets", "gmm", "--dims", "2", "--eps", "1", "--n", "300", "--queries", "20"])
        .args(["--samples", "50", "--eval", "200", "--metric-n", "200", "--figures", "none"])
        .args(extra)
        .arg("--out")
        .arg(&out);
    for (name, command) in externals {
        cmd.arg("--external").arg(format!("{name}={command}"));
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let provenance = std::fs::read_to_string(out.with_extension("provenance.txt")).unwrap();
    (std::fs::read_to_string(&out).unwrap(), provenance)
}

#[test]
fn a_numpy_program_is_scored_like_a_built_in_solver() {
    let have_numpy = Command::new("python3").args(["-c", "import numpy"]).status();
    assert!(
        have_numpy.is_ok_and(|s| s.success()),
        "this test runs examples/external/numpy_gaussian.py: install numpy (python3 -m pip install numpy)"
    );
    let d = dir("numpy");
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/external/numpy_gaussian.py");
    let externals = [("numpy-gaussian", format!("python3 {}", script.display()))];
    let (csv, _) = run_compare(&d, &externals, &["--metrics", "w2,energy,diversity"]);
    let r = row(&csv, "numpy-gaussian");
    assert_eq!(r[column(&csv, CONVERGED)], "yes");
    let cbw2: f64 = r[column(&csv, CBW2_UVP)].parse().unwrap();
    // The Gaussian plan between moment-matched Gaussians on a mixture pair: a few percent, far
    // from a plan that ignores x (~40 % here).
    assert!(cbw2 > 0.0 && cbw2 < 10.0, "cBW2-UVP {cbw2}");
    assert!(r[column(&csv, FIT_SECONDS)].parse::<f64>().unwrap() > 0.0);
    assert!(r[column(&csv, PEAK_MIB)].parse::<f64>().unwrap() > 1.0, "no peak memory");
}

#[test]
fn each_failure_of_a_program_becomes_a_row_that_says_why() {
    let d = dir("broken");
    let script = d.join("broken.py");
    std::fs::write(&script, BROKEN).unwrap();
    let py = |mode: &str| format!("python3 {} {mode}", script.display());
    let externals = [
        ("exits", "sh -c 'echo no such model >&2; exit 3'".to_string()),
        ("slow", "sleep 30".to_string()),
        ("nan", py("nan")),
        ("dim", py("dim")),
        ("rows", py("rows")),
        ("missing", py("missing")),
    ];
    let (csv, provenance) =
        run_compare(&d, &externals, &["--metrics", "none", "--opt", "slow.timeout=1"]);
    for (name, why) in [
        ("exits", "exited with status 3 after"),
        ("slow", "ran past its timeout of 1 s"),
        ("nan", "is NaN (not a finite number)"),
        ("dim", "has shape"),
        ("rows", "has shape"),
        ("missing", "samples_0.npy: cannot open"),
    ] {
        assert_eq!(row(&csv, name)[column(&csv, CONVERGED)], "no", "{name}");
        let note = provenance
            .lines()
            .find(|l| l.starts_with(&format!("Fit notes of {name} ")))
            .unwrap_or_else(|| panic!("no fit notes for {name}"));
        assert!(note.contains("failed: ") && note.contains(why), "{name}: {note}");
    }
    assert!(provenance.contains("no such model"), "the stderr tail is not reported");
}
