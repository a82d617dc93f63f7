//! Sinkhorn against POT (fixtures made by `bench/scripts/make_pot_fixtures.py`, POT's
//! `sinkhorn_log` run to a marginal error of 1e-13): dual value and both potentials to 1e-6
//! relative, with the fused kernel in f64 and with the candle tensor path.

use eot_datasets::Points;
use eot_solvers::sinkhorn::{Backend, Sinkhorn, SinkhornSettings};
use eot_solvers::{Eps, FitData};
use serde_json::Value;

struct Fixture {
    name: String,
    x: Points,
    y: Points,
    eps: f64,
    f: Vec<f64>,
    g: Vec<f64>,
    dual: f64,
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn fixtures() -> Vec<Fixture> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.file_name().unwrap().to_str().unwrap().starts_with("pot_sinkhorn_") {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let (n, m, d) = (
            v["n"].as_u64().unwrap() as usize,
            v["m"].as_u64().unwrap() as usize,
            v["dim"].as_u64().unwrap() as usize,
        );
        out.push(Fixture {
            name: path.display().to_string(),
            x: Points::new(floats(&v["x"]), n, d).unwrap(),
            y: Points::new(floats(&v["y"]), m, d).unwrap(),
            eps: v["eps"].as_f64().unwrap(),
            f: floats(&v["f"]),
            g: floats(&v["g"]),
            dual: v["dual_value"].as_f64().unwrap(),
        });
    }
    assert_eq!(out.len(), 4, "expected the four committed fixtures");
    out
}

/// Potentials are defined up to `(f + c, g - c)`: compare after removing the mean of `f`.
fn normalised(f: &[f64], g: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let c = f.iter().sum::<f64>() / f.len() as f64;
    (f.iter().map(|v| v - c).collect(), g.iter().map(|v| v + c).collect())
}

fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max) / scale
}

fn check(backend: Backend, memory_budget_mib: usize) {
    let settings = SinkhornSettings {
        tolerance: 1e-12,
        max_iterations: 200_000,
        backend,
        memory_budget_mib,
        ..Default::default()
    };
    let solver = Sinkhorn::new(settings).unwrap();
    for fx in fixtures() {
        let out = solver.solve(&FitData::samples(&fx.x, &fx.y), Eps::new(fx.eps).unwrap()).unwrap();
        assert!(out.converged, "{}: not converged, error {}", fx.name, out.marginal_error);
        let rel = ((out.dual_value - fx.dual) / fx.dual).abs();
        assert!(
            rel < 1e-6,
            "{}: dual {} vs POT {} (rel {rel:e})",
            fx.name,
            out.dual_value,
            fx.dual
        );
        let (f, g) = normalised(&out.f, &out.g);
        let (pf, pg) = normalised(&fx.f, &fx.g);
        let (ef, eg) = (max_rel_diff(&f, &pf), max_rel_diff(&g, &pg));
        assert!(
            ef < 1e-6 && eg < 1e-6,
            "{}: potentials differ from POT by {ef:e} (f), {eg:e} (g)",
            fx.name
        );
    }
}

/// With the default budget: dot products in registers in 2-D, cached in D = 16.
#[test]
fn fused_kernel_matches_pot() {
    check(Backend::Fused, SinkhornSettings::default().memory_budget_mib);
}

/// Budget 0: in D = 16 the dot products are recomputed by gemm tiles every iteration.
#[test]
fn fused_kernel_without_memory_budget_matches_pot() {
    check(Backend::Fused, 0);
}

#[test]
fn candle_tensor_path_matches_pot() {
    check(Backend::Tensor, 0);
}
