//! Hostile input to `eot`, one line a case: each must be refused with a message that names the
//! problem (and never panic, hang, or touch an input file), or give a correct result. A new
//! case is one more line.

use crate::hostile::{Case, Expect::*, check_all, fixtures};

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Coordinates whose squared distances overflow float64.
    Case { name: "w2 on ~1e160", args: "metric --name w2 --a {d}/big160.csv --b {d}/bigb160.csv", env: &[], expect: Refused(&["big160.csv, row 1, column 1", "beyond ±1e100", "rescale"]) },
    Case { name: "w2 on ~1e154", args: "metric --name w2 --a {d}/big154.csv --b {d}/bigb154.csv", env: &[], expect: Refused(&["big154.csv, row 1", "beyond ±1e100"]) },
    Case { name: "sinkhorn solve on ~1e154", args: "solve --solver sinkhorn --eps 1 --source {d}/big154.csv --target {d}/bigb154.csv", env: &[], expect: Refused(&["big154.csv", "beyond ±1e100"]) },
    Case { name: "sinkhorn-div on ~1e154", args: "metric --name sinkhorn-div --eps 1 --a {d}/big154.csv --b {d}/bigb154.csv", env: &[], expect: Refused(&["beyond ±1e100"]) },
    // A schedule of a million stages is cut and said.
    Case { name: "scaling_factor near 1", args: "solve --solver sinkhorn --eps 1 --source {d}/a.csv --target {d}/b.csv --opt scaling_factor=0.999999", env: &[], expect: Succeeds(&["eps schedule cut to 100 stages"]) },
    Case { name: "eps 1e-300", args: "solve --solver sinkhorn --eps 1e-300 --source {d}/a.csv --target {d}/b.csv", env: &[], expect: Refused(&["diverged", "raise eps or rescale the data"]) },
    // Outputs that would overwrite an input, or cannot be written (found before the fit:
    // LightSB with 10^9 steps would never finish).
    Case { name: "--out is --source", args: "transport --solver sinkhorn --eps 1 --samples 2 --source {d}/a.csv --target {d}/b.csv --queries {d}/q.csv --out {d}/a.csv", env: &[], expect: Refused(&["is the --source file", "overwrite"]) },
    Case { name: "--out is --queries by another path", args: "transport --solver sinkhorn --eps 1 --samples 2 --source {d}/a.csv --target {d}/b.csv --queries {d}/q.csv --out {d}/out/../q.csv", env: &[], expect: Refused(&["is the --queries file"]) },
    Case { name: "--out is --target", args: "transport --solver sinkhorn --eps 1 --samples 2 --source {d}/a.csv --target {d}/./b.csv --queries {d}/q.csv --out {d}/b.csv", env: &[], expect: Refused(&["is the --target file"]) },
    Case { name: "unwritable --out", args: "transport --solver gmm --opt steps=1000000000 --eps 1 --samples 2 --source {d}/a.csv --target {d}/b.csv --queries {d}/q.csv --out /proc/eot-no-such/o.csv", env: &[], expect: Refused(&["--out", "cannot write /proc/eot-no-such"]) },
    // Data a density cannot describe: refused by the solvers that model one.
    Case { name: "vareot, all target points equal", args: "transport --solver vareot --eps 1 --samples 2 --source {d}/a.csv --target {d}/same.csv --queries {d}/q.csv --out {o}/v1.csv", env: &[], expect: Refused(&["target", "column 1 is constant", "sinkhorn"]) },
    Case { name: "vareot, a constant target column", args: "transport --solver vareot --eps 1 --samples 2 --source {d}/a.csv --target {d}/constcol.csv --queries {d}/q.csv --out {o}/v2.csv", env: &[], expect: Refused(&["column 2 is constant"]) },
    Case { name: "vareot, target on a line", args: "solve --solver vareot --eps 1 --source {d}/a.csv --target {d}/line.csv", env: &[], expect: Refused(&["span only 1 of 2 dimensions"]) },
    Case { name: "egnot, a constant target column", args: "solve --solver egnot --eps 1 --source {d}/a.csv --target {d}/constcol.csv", env: &[], expect: Refused(&["egnot", "column 2 is constant"]) },
    Case { name: "sinkhorn, a constant target column", args: "solve --solver sinkhorn --eps 1 --source {d}/a.csv --target {d}/constcol.csv", env: &[], expect: Succeeds(&["\"converged\":true"]) },
    Case { name: "bw2-uvp against a zero-variance B", args: "metric --name bw2-uvp --a {d}/a.csv --b {d}/same.csv", env: &[], expect: Refused(&["variance", "zero up to rounding", "w2 or energy"]) },
    // A fit that has not converged says so.
    Case { name: "egnot at eps 1e9, 20 steps", args: "transport --solver egnot --eps 1e9 --opt steps=20 --samples 2 --source {d}/a.csv --target {d}/b.csv --queries {d}/q.csv --out {o}/e.csv", env: &[], expect: Succeeds(&["warning: egnot did not converge", "target check"]) },
    // Files read wrongly before.
    Case { name: "CSV without a header line", args: "metric --name energy --a {d}/noheader.csv --b {d}/b.csv", env: &[], expect: Refused(&["noheader.csv", "looks like data", "add a header line x0,x1"]) },
    Case { name: "tab-separated CSV", args: "metric --name energy --a {d}/tabs.csv --b {d}/b.csv", env: &[], expect: Refused(&["tabs.csv", "expected comma-separated values; found tabs"]) },
    Case { name: "semicolon-separated CSV", args: "metric --name energy --a {d}/semicolons.csv --b {d}/b.csv", env: &[], expect: Refused(&["found semicolons"]) },
    Case { name: ".npy int8", args: "metric --name energy --a {d}/a_int8.npy --b {d}/b.csv", env: &[], expect: Succeeds(&["energy: 50 vs 50 points"]) },
    Case { name: ".npy uint8", args: "metric --name energy --a {d}/a_uint8.npy --b {d}/b.csv", env: &[], expect: Succeeds(&["energy: 50 vs 50 points"]) },
    Case { name: ".npy bool", args: "metric --name energy --a {d}/a_bool.npy --b {d}/b.csv", env: &[], expect: Refused(&["a_bool.npy: has dtype bool", "float64, float32 and integers"]) },
    Case { name: ".npy float16", args: "metric --name energy --a {d}/a_float16.npy --b {d}/b.csv", env: &[], expect: Refused(&["has dtype float16", "astype"]) },
    Case { name: ".npy complex128", args: "metric --name energy --a {d}/a_complex128.npy --b {d}/b.csv", env: &[], expect: Refused(&["has dtype complex128"]) },
    // Negative values reach the range check instead of the argument parser.
    Case { name: "--eps -1", args: "solve --solver sinkhorn --eps -1 --source {d}/a.csv --target {d}/b.csv", env: &[], expect: Refused(&["'eps': must be finite and > 0, got -1"]) },
    Case { name: "sinkhorn-div --eps -1", args: "metric --name sinkhorn-div --eps -1 --a {d}/a.csv --b {d}/b.csv", env: &[], expect: Refused(&["eps", "-1"]) },
];

#[test]
fn every_hostile_input_to_eot_is_refused_clearly_or_handled() {
    check_all(env!("CARGO_BIN_EXE_eot"), CASES, fixtures());
}
