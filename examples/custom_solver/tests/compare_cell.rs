//! The example's `compare` runs one small cell of its own solver beside a built-in one and
//! scores it like any other: on the Gaussian pair, the plan between the fitted Gaussians is
//! close to the exact one.

use std::process::Command;

#[test]
fn the_custom_solver_runs_through_compare() {
    let dir = std::env::temp_dir().join(format!("eot-custom-solver-{}", std::process::id()));
    let out = dir.join("compare.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_custom-solver"))
        .args(["--solvers", "gaussian-plan,sinkhorn", "--datasets", "gaussian", "--dims", "2"])
        .args(["--eps", "1", "--n", "2000", "--queries", "50", "--eval", "500"])
        .args(["--metrics", "none", "--figures", "none", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let csv = std::fs::read_to_string(&out).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row = csv.lines().find(|l| l.contains(",gaussian-plan,")).expect("a gaussian-plan row");
    let cells: Vec<&str> = row.split(',').collect();
    let cbw2: f64 = cells[col("cBW2-UVP %")].parse().unwrap();
    assert!(cbw2 < 0.5, "gaussian-plan cBW2-UVP {cbw2} %");
    assert_eq!(cells[col("converged")], "yes");
    std::fs::remove_dir_all(&dir).unwrap();
}
