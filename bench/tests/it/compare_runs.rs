//! `compare` end to end on a small Sinkhorn grid: shards merged equal one run cell for cell, and
//! `--check-baseline` fails naming the cell a worsened setting broke, then passes once restored.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use eot_bench::columns::*;
use eot_reports::Value;
use eot_reports::frame::{cell, read_parquet};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("eot-compare-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Sinkhorn on the Gaussian pair, 2 x 2 x 2 = 8 cells, a few seconds in all.
const GRID: [&str; 18] = [
    "--solvers",
    "sinkhorn",
    "--datasets",
    "gaussian,gmm",
    "--dims",
    "2,3",
    "--eps",
    "0.5,1",
    "--n",
    "300",
    "--queries",
    "20",
    "--eval",
    "300",
    "--metrics",
    "none",
    "--figures",
    "none",
];

fn compare(out: &Path, extra: &[&str]) -> Output {
    let out = out.display().to_string();
    Command::new(env!("CARGO_BIN_EXE_compare"))
        .args(GRID)
        .args(["--out", &out])
        .args(extra)
        .output()
        .unwrap()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The columns that must agree between runs (timings and memory are the machine's).
const SAME: [&str; 10] =
    [CELL, SOLVER, DATASET, DIM, EPS, SEED, CBW2_UVP, BW2_UVP, ITERATIONS, DUAL];

#[test]
fn shards_merged_equal_one_run() {
    let d = dir("shards");
    ok(&compare(&d.join("full/compare.csv"), &[]));
    for k in ["1/3", "2/3", "3/3"] {
        ok(&compare(&d.join("shards/compare.csv"), &["--shard", k]));
    }
    ok(&compare(
        &d.join("merged/compare.csv"),
        &["--merge", &d.join("shards").display().to_string()],
    ));
    let full = read_parquet(&d.join("full/compare.parquet")).unwrap();
    let merged = read_parquet(&d.join("merged/compare.parquet")).unwrap();
    assert_eq!(full.height(), 8);
    assert_eq!(merged.height(), full.height());
    assert_eq!(full.get_column_names(), merged.get_column_names());
    for row in 0..full.height() {
        for c in SAME {
            assert_eq!(
                cell(&full, row, c).unwrap(),
                cell(&merged, row, c).unwrap(),
                "row {row} {c}"
            );
        }
    }
    // The summaries agree up to the fit-seconds table (timings are the machine's).
    let quality = |run: &str| {
        let text = std::fs::read_to_string(d.join(run).join("compare_summary.md")).unwrap();
        text.split("**fit seconds").next().unwrap().to_string()
    };
    assert!(quality("full").contains("| gmm | 3 | 1 |"));
    assert_eq!(quality("merged"), quality("full"));

    // Each run states its wall clock and the reference kernel's time; a merge keeps every shard's.
    let timings = |run: &str| {
        let text = std::fs::read_to_string(d.join(run).join("compare.provenance.txt")).unwrap();
        text.matches("Timing: the cells took").count()
    };
    assert_eq!((timings("full"), timings("merged")), (1, 3));

    // A missing shard is refused, not merged into a smaller table.
    std::fs::remove_file(d.join("shards/compare.shard-02-of-03.parquet")).unwrap();
    let o = compare(
        &d.join("merged2/compare.csv"),
        &["--merge", &d.join("shards").display().to_string()],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 2/3"));
}

#[test]
fn runs_of_different_solvers_merge_into_one_table() {
    let d = dir("join");
    let path = |p: &str| d.join(p).display().to_string();
    ok(&compare(&d.join("sinkhorn/compare.csv"), &[]));
    // The same grid for another solver, run as two shards.
    let other: Vec<&str> =
        GRID.iter().map(|a| if *a == "sinkhorn" { "independent" } else { *a }).collect();
    for k in ["1/2", "2/2"] {
        let o = Command::new(env!("CARGO_BIN_EXE_compare"))
            .args(&other)
            .args(["--out", &path("independent/compare.csv"), "--shard", k])
            .output()
            .unwrap();
        ok(&o);
    }
    let sources = format!("{},{}", path("sinkhorn/compare.parquet"), path("independent"));
    ok(&compare(&d.join("joined/compare.csv"), &["--merge", &sources]));

    let joined = read_parquet(&d.join("joined/compare.parquet")).unwrap();
    assert_eq!(joined.height(), 16);
    for row in 0..16 {
        let solver = if row < 8 { "sinkhorn" } else { "independent" };
        assert_eq!(cell(&joined, row, SOLVER).unwrap(), Value::text(solver), "row {row}");
        assert_eq!(cell(&joined, row, CELL).unwrap(), Value::float(row as f64, 3), "row {row}");
    }
    let summary = std::fs::read_to_string(d.join("joined/compare_summary.md")).unwrap();
    assert!(summary.contains("| sinkhorn | independent |"), "{summary}");
    let provenance = std::fs::read_to_string(d.join("joined/compare.provenance.txt")).unwrap();
    assert_eq!(provenance.matches("Timing: the cells took").count(), 3);

    // A row held by two sources is refused, naming it and both sources.
    let twice = format!("{sources},{}", path("sinkhorn/compare.parquet"));
    let o = compare(&d.join("twice/compare.csv"), &["--merge", &twice]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("solver=sinkhorn dataset=gaussian D=2 eps=0.5 seed=0"), "{err}");
    assert!(err.contains("is in both"), "{err}");
    // So is a source that is neither a folder nor a table.
    let o = compare(&d.join("bad/compare.csv"), &["--merge", &path("sinkhorn/compare.csv")]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("neither a folder"));
}

#[test]
fn check_baseline_names_the_regressed_cell() {
    let d = dir("baseline");
    let base = d.join("baseline.json").display().to_string();
    let out = d.join("run/compare.csv");
    ok(&compare(&out, &["--update-baseline", &base]));
    ok(&compare(&out, &["--check-baseline", &base]));

    // Stopping Sinkhorn after 2 iterations (no eps-scaling) leaves the plan far from converged.
    let worse =
        ["--opt", "max_iterations=2", "--opt", "eps_scaling=false", "--check-baseline", &base];
    let o = compare(&out, &worse);
    assert!(!o.status.success());
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("| sinkhorn gaussian D=3 eps=0.5 seed=0 | cBW2-UVP % |"), "{table}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("regressed against"));

    ok(&compare(&out, &["--check-baseline", &base]));
    // A run on another grid is refused before it starts.
    let o = compare(&out, &["--seeds", "1", "--check-baseline", &base]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("grid differs"));
}

#[test]
fn a_sample_size_sweep_fixes_every_solver_to_the_same_points() {
    let d = dir("sizes");
    let out = d.join("sizes.csv").display().to_string();
    let args = [
        "--solvers",
        "sinkhorn,gmm",
        "--datasets",
        "gmm",
        "--dims",
        "2",
        "--eps",
        "1",
        "--n",
        "200,400,unlimited",
        "--fixed-n",
        "300",
        "--opt",
        "gmm.steps=50",
        "--opt",
        "gmm.starts=1",
        "--queries",
        "10",
        "--eval",
        "300",
        "--metrics",
        "none",
        "--figures",
        "none",
        "--out",
        &out,
    ];
    ok(&Command::new(env!("CARGO_BIN_EXE_compare")).args(args).output().unwrap());
    let df = read_parquet(&d.join("sizes.parquet")).unwrap();
    assert_eq!(df.height(), 6);
    let text = |r: usize, c: &str| match cell(&df, r, c).unwrap() {
        eot_reports::Value::Text(s) => s,
        eot_reports::Value::Int(i) => i.to_string(),
        eot_reports::Value::Float { value, .. } => format!("{value}"),
        other => format!("{other:?}"),
    };
    let rows: Vec<[String; 4]> = (0..6)
        .map(|r| [text(r, SOLVER), text(r, N), text(r, TRAINING), text(r, FRESH_DRAWS)])
        .collect();
    for [solver, n, training, fresh] in &rows {
        match (solver.as_str(), training.as_str()) {
            // A fixed size: no fresh draws for anyone, the size as given.
            (_, "fixed") => assert!(fresh == "0" && (n == "200" || n == "400"), "{rows:?}"),
            // Unlimited: LightSB draws fresh mini-batches, Sinkhorn fits on --fixed-n points.
            ("gmm", "unlimited") => assert!(fresh != "0" && n == "300", "{rows:?}"),
            ("sinkhorn", "unlimited") => assert!(fresh == "0" && n == "300", "{rows:?}"),
            _ => panic!("unexpected row {rows:?}"),
        }
    }
    let summary = std::fs::read_to_string(d.join("sizes_summary.md")).unwrap();
    assert!(summary.contains("cBW2-UVP % against the training data per side"), "{summary}");
    assert!(
        summary.contains("| dataset | D | eps | solver | 200 | 400 | unlimited |"),
        "{summary}"
    );
    assert!(summary.contains("### --n unlimited"), "{summary}");
    // Each size's fit notes say which size they belong to.
    let provenance = std::fs::read_to_string(d.join("sizes.provenance.txt")).unwrap();
    for size in ["n=200 (fixed)", "n=400 (fixed)", "n=300 (unlimited)"] {
        let line = format!("Fit notes of gmm on gmm D=2 eps=1 seed=0 {size}: ");
        assert!(provenance.contains(&line), "no '{line}' in {provenance}");
    }

    let bad = Command::new(env!("CARGO_BIN_EXE_compare")).args(["--n", "many"]).output().unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success() && err.contains("neither a number of points nor `unlimited`"),
        "{err}"
    );
}
