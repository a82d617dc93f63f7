//! The sample metrics against values computed independently of our code: POT 0.9.7, numpy and
//! scipy on committed fixtures (`bench/scripts/make_metric_fixtures.py`; see its docstring for
//! exactly what each value is).

use std::path::PathBuf;

use eot_datasets::{Points, io::load_points};
use eot_metrics::{
    divergence_settings, energy_distance, fid_proxy, sinkhorn_divergence, sliced_w2_squared_along,
    w2_squared,
};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

struct Case {
    name: String,
    x: Points,
    y: Points,
    v: Value,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(dir().join("metrics.json")).unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(all.len(), 6, "expected the six committed cases");
    all.into_iter()
        .map(|v| {
            let name = v["name"].as_str().unwrap().to_string();
            let x = load_points(&dir().join(format!("{name}_x.npy"))).unwrap();
            let y = load_points(&dir().join(format!("{name}_y.npy"))).unwrap();
            assert_eq!(
                (x.len(), y.len(), x.dim()),
                (
                    v["n"].as_u64().unwrap() as usize,
                    v["m"].as_u64().unwrap() as usize,
                    v["dim"].as_u64().unwrap() as usize
                )
            );
            Case { name, x, y, v }
        })
        .collect()
}

fn rel(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs()
}

#[test]
fn exact_w2_matches_pot_emd2_to_1e9() {
    let mut checked = 0;
    for c in cases() {
        let Some(want) = c.v["w2"].as_f64() else { continue };
        assert_eq!(c.v["pot_warning"].as_str(), Some(""), "{}: POT warned", c.name);
        let got = w2_squared(&c.x, &c.y).unwrap();
        println!("{}: W2^2 {got} vs POT {want}, rel {:.1e}", c.name, rel(got, want));
        assert!(
            rel(got, want) < 1e-9,
            "{}: W2^2 {got} vs POT {want} (rel {:e})",
            c.name,
            rel(got, want)
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn sliced_w2_matches_pot_with_the_same_directions() {
    let mut checked = 0;
    for c in cases() {
        let Some(want) = c.v["sliced_w2_squared"].as_f64() else { continue };
        let dirs = load_points(&dir().join(format!("{}_directions.npy", c.name))).unwrap();
        assert_eq!(dirs.len() as u64, c.v["directions"].as_u64().unwrap());
        let got = sliced_w2_squared_along(&c.x, &c.y, &dirs).unwrap();
        println!("{}: SW2^2 {got} vs POT {want}, rel {:.1e}", c.name, rel(got, want));
        assert!(rel(got, want) < 1e-9, "{}: SW2^2 {got} vs POT {want}", c.name);
        checked += 1;
    }
    assert_eq!(checked, 4, "including unequal sizes (300 vs 200)");
}

#[test]
fn sinkhorn_divergence_matches_three_pot_sinkhorn_log_runs() {
    let mut checked = 0;
    for c in cases() {
        let Some(want) = c.v["sinkhorn_div"].as_f64() else { continue };
        let eps = c.v["eps"].as_f64().unwrap();
        let got = sinkhorn_divergence(&c.x, &c.y, eps, &divergence_settings()).unwrap();
        // Each OT term agrees with POT to far below 1e-9 of its size; the difference inherits that
        // absolute error, so it is measured against the largest term.
        let scale = c.v["ot_eps"]["ab"].as_f64().unwrap().abs();
        let err = (got - want).abs() / scale;
        println!("{} eps={eps}: S {got} vs POT {want}, rel {:.1e}", c.name, rel(got, want));
        assert!(err < 1e-9, "{} eps={eps}: S {got} vs POT {want} (err {err:e} of OT)", c.name);
        assert!(rel(got, want) < 1e-8, "{}: rel {:e}", c.name, rel(got, want));
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn fid_proxy_matches_scipy_sqrtm_of_the_covariance_product() {
    for c in cases() {
        let want = c.v["fid"].as_f64().unwrap();
        let got = fid_proxy(&c.x, &c.y).unwrap();
        println!("{}: FID-proxy {got} vs scipy {want}, rel {:.1e}", c.name, rel(got, want));
        assert!(rel(got, want) < 1e-10, "{}: FID-proxy {got} vs scipy {want}", c.name);
    }
}

#[test]
fn energy_distance_matches_scipy_cdist() {
    for c in cases() {
        let want = c.v["energy"].as_f64().unwrap();
        let got = energy_distance(&c.x, &c.y).unwrap();
        println!("{}: energy {got} vs scipy {want}, rel {:.1e}", c.name, rel(got, want));
        assert!(rel(got, want) < 1e-10, "{}: energy {got} vs scipy {want}", c.name);
    }
}
