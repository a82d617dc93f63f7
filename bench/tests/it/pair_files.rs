//! The benchmark as files: an exported pair reads back, every stored true moment is recomputed
//! from the stored construction alone, a changed byte is caught, and the scorer puts exact
//! draws at the noise floor, draws that ignore x far above it, and agrees with compare's own
//! cBW2-UVP on the same draws.

use std::path::{Path, PathBuf};

use eot_bench::pair_files::{ExportSizes, export_pair, load_pair};
use eot_bench::pair_score::{Draws, load_draws, score};
use eot_datasets::io::{load_array, write_array};
use eot_datasets::{Moments, Points, pair_by_name, substream};
use eot_metrics::cbw2_uvp;
use nalgebra::{DMatrix, DVector};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("eot-pairs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const SIZES: ExportSizes = ExportSizes { n: 300, queries: 40 };

fn export(out: &Path) -> PathBuf {
    export_pair("gmm", 3, 0.5, 7, SIZES, out, "test").unwrap()
}

fn array(dir: &Path, name: &str) -> (Vec<usize>, Vec<f64>) {
    load_array(&dir.join(name)).unwrap()
}

fn log_normal(x: &DVector<f64>, m: &DVector<f64>, c: &DMatrix<f64>) -> f64 {
    let d = x.len() as f64;
    let chol = c.clone().cholesky().unwrap();
    let z = chol.l().solve_lower_triangular(&(x - m)).unwrap();
    let log_det: f64 = chol.l().diagonal().iter().map(|v| 2.0 * v.ln()).sum();
    -0.5 * (z.norm_squared() + log_det + d * (2.0 * std::f64::consts::PI).ln())
}

/// The exact conditional moments at `x` from the stored potential mixture only.
fn recomputed(dir: &Path, x: &DVector<f64>, eps: f64) -> Moments {
    let (_, w) = array(dir, "potential_weights.npy");
    let (shape, mu) = array(dir, "potential_means.npy");
    let (_, sigma) = array(dir, "potential_covs.npy");
    let (k, d) = (shape[0], shape[1]);
    let id = DMatrix::<f64>::identity(d, d);
    let mut parts = Vec::new();
    for j in 0..k {
        let mu_j = DVector::from_column_slice(&mu[j * d..(j + 1) * d]);
        let sig = DMatrix::from_row_slice(d, d, &sigma[j * d * d..(j + 1) * d * d]);
        let sig_inv = sig.clone().try_inverse().unwrap();
        let s = (&id / eps + &sig_inv).try_inverse().unwrap();
        let m = &s * (&sig_inv * &mu_j + x / eps);
        let log_w = w[j].ln() + log_normal(x, &mu_j, &(sig + &id * eps));
        parts.push((log_w, m, s));
    }
    let max = parts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = parts.iter().map(|p| (p.0 - max).exp()).sum();
    let mut mean = DVector::zeros(d);
    let mut second = DMatrix::zeros(d, d);
    for (lw, m, s) in &parts {
        let w = (lw - max).exp() / total;
        mean += m * w;
        second += (s + m * m.transpose()) * w;
    }
    let cov = second - &mean * mean.transpose();
    Moments { mean, cov }
}

#[test]
fn an_exported_pair_reads_back_and_its_moments_follow_from_its_construction() {
    let (a, b) = (dir("a"), dir("b"));
    let (pa, pb) = (export(&a), export(&b));
    // Same arguments, same bytes.
    for entry in std::fs::read_dir(&pa).unwrap() {
        let name = entry.unwrap().file_name();
        assert_eq!(
            std::fs::read(pa.join(&name)).unwrap(),
            std::fs::read(pb.join(&name)).unwrap(),
            "{name:?}"
        );
    }
    let pair = load_pair(&pa).unwrap();
    assert_eq!((pair.manifest.dim, pair.manifest.test_points), (3, 40));
    for (x, stored) in pair.tests.rows().zip(&pair.truth) {
        let want = recomputed(&pa, &DVector::from_column_slice(x), 0.5);
        assert!((&want.mean - &stored.mean).amax() < 1e-10, "mean at {x:?}");
        assert!((&want.cov - &stored.cov).amax() < 1e-10, "covariance at {x:?}");
    }
    // A changed byte is caught, naming the file.
    let file = pa.join("true_cond_means.npy");
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let err = load_pair(&pa).err().unwrap().to_string();
    assert!(err.contains("true_cond_means.npy") && err.contains("SHA-256"), "{err}");
}

#[test]
fn exact_draws_score_at_the_floor_and_draws_ignoring_x_far_above_it() {
    let out = dir("score");
    let path = export(&out);
    let pair = load_pair(&path).unwrap();
    let live = pair_by_name("gmm", 3, 0.5).unwrap();
    let truth = live.ground_truth().unwrap();
    let (q, k, d) = (40, 200, 3);
    let mut exact = Vec::new();
    for x in pair.tests.rows() {
        exact.extend_from_slice(truth.conditional_sample(x, k, &mut substream(3, 3)).as_slice());
    }
    let file = out.join("exact.npy");
    write_array(&file, &[q, k, d], &exact).unwrap();
    let draws = load_draws(&file, q, d).unwrap();
    let s = score(&pair, &draws, 0).unwrap();
    assert!(
        s.cbw2_uvp < 2.0 * s.floor_cbw2_uvp,
        "exact draws {} vs floor {}",
        s.cbw2_uvp,
        s.floor_cbw2_uvp
    );
    // compare's own figure on the same draws: empirical moments against the live pair's truth.
    let pairs: Vec<(Moments, Moments)> = pair
        .tests
        .rows()
        .enumerate()
        .map(|(i, x)| {
            let rows = Points::new(exact[i * k * d..(i + 1) * k * d].to_vec(), k, d).unwrap();
            (Moments::empirical(&rows).unwrap(), truth.conditional_moments(x))
        })
        .collect();
    let theirs = cbw2_uvp(&pairs, truth.target_moments().variance()).unwrap();
    assert!((s.cbw2_uvp - theirs).abs() < 1e-9, "scorer {} vs compare {theirs}", s.cbw2_uvp);
    // The same draws as `eot transport`'s CSV score the same.
    let mut csv = String::from("query,sample,y0,y1,y2\n");
    for (r, row) in exact.chunks(d).enumerate() {
        csv.push_str(&format!("{},{},{:e},{:e},{:e}\n", r / k, r % k, row[0], row[1], row[2]));
    }
    let csv_file = out.join("exact.csv");
    std::fs::write(&csv_file, csv).unwrap();
    let from_csv = score(&pair, &load_draws(&csv_file, q, d).unwrap(), 0).unwrap();
    assert!((from_csv.cbw2_uvp - s.cbw2_uvp).abs() < 1e-9);
    // Draws of p1 whatever x is: far above the floor.
    let independent = live.sample_target(q * k, &mut substream(4, 4));
    let draws = Draws { points: independent, k };
    let ignore = score(&pair, &draws, 0).unwrap();
    assert!(
        ignore.cbw2_uvp > 10.0 * s.floor_cbw2_uvp,
        "independent draws {} vs floor {}",
        ignore.cbw2_uvp,
        s.floor_cbw2_uvp
    );
}

#[test]
fn malformed_draws_are_refused_naming_the_problem() {
    let out = dir("bad");
    let path = export(&out);
    let pair = load_pair(&path).unwrap();
    let (q, d) = (pair.manifest.test_points, pair.manifest.dim);
    let refuse = |name: &str, text: &str, needle: &str| {
        let file = out.join(name);
        std::fs::write(&file, text).unwrap();
        let err = load_draws(&file, q, d).err().unwrap().to_string();
        assert!(err.contains(needle) && err.contains(name), "{name}: {err}");
    };
    let rows = |queries: std::ops::Range<usize>| -> String {
        let mut s = String::from("query,sample,y0,y1,y2\n");
        for i in queries {
            for j in 0..3 {
                s.push_str(&format!("{i},{j},0.1,0.2,0.3\n"));
            }
        }
        s
    };
    refuse("missing.csv", &rows(0..q - 1), &format!("no draws for test point {}", q - 1));
    refuse("extra.csv", &rows(0..q + 1), &format!("query {q}"));
    refuse("nan.csv", &rows(0..q).replacen("0.2", "NaN", 1), "not finite");
    refuse("dim.csv", "query,sample,y0,y1\n0,0,1,2\n0,1,1,2\n", "columns");
    let file = out.join("shape.npy");
    write_array(&file, &[q, 4, d + 1], &vec![0.0; q * 4 * (d + 1)]).unwrap();
    let err = load_draws(&file, q, d).err().unwrap().to_string();
    assert!(err.contains("shape") && err.contains("shape.npy"), "{err}");
}
