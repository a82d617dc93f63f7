//! Scoring any program's draws against an exported pair (`eot benchmark score`): the draws of
//! `pi(.|x)` at every test point, from a CSV (`query,sample,y0,...`, as `eot transport` writes)
//! or an `.npy` of shape `(Q, K, D)`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use eot_datasets::{Moments, Points, substream};
use eot_metrics::{bw2_uvp, cbw2_uvp, conditional_diversity};
use serde::Serialize;

use crate::pair_files::PairFiles;

/// `K` draws for each of `Q` test points, grouped by test point (rows `i*K..(i+1)*K`).
pub struct Draws {
    /// All draws, test point by test point.
    pub points: Points,
    /// Draws per test point.
    pub k: usize,
}

/// Reads draws for the `q` test points of dimension `d` from `path`, refusing a wrong shape, a
/// missing or extra test point, an unequal number of draws per point, or a value that is not a
/// finite number, naming the file and the problem.
pub fn load_draws(path: &Path, q: usize, d: usize) -> Result<Draws> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let draws = match ext.as_str() {
        "npy" => npy_draws(path, q, d)?,
        "csv" => csv_draws(path, q, d)?,
        _ => bail!(
            "{}: expected a .csv (query,sample,y0,...) or an .npy of shape (Q, K, D)",
            path.display()
        ),
    };
    if draws.k < 2 {
        bail!(
            "{}: {} draw(s) per test point; the moments need at least 2",
            path.display(),
            draws.k
        );
    }
    Ok(draws)
}

fn npy_draws(path: &Path, q: usize, d: usize) -> Result<Draws> {
    let (shape, values) = eot_datasets::io::load_array(path)?;
    let [qq, k, dd] = shape[..] else {
        bail!(
            "{}: shape {shape:?}; expected (test points, draws, D) = ({q}, K, {d})",
            path.display()
        );
    };
    if qq != q || dd != d {
        bail!("{}: shape {shape:?}; the pair has {q} test points in D = {d}", path.display());
    }
    if let Some(pos) = values.iter().position(|v| !v.is_finite()) {
        bail!(
            "{}: test point {}, draw {}, coordinate {} is {} (not a finite number)",
            path.display(),
            pos / (k * d),
            pos / d % k,
            pos % d,
            values[pos]
        );
    }
    Ok(Draws { points: Points::new(values, q * k, d)?, k })
}

fn csv_draws(path: &Path, q: usize, d: usize) -> Result<Draws> {
    let table = eot_datasets::io::load_points(path)?;
    if table.dim() != d + 2 {
        bail!(
            "{}: {} columns; expected query, sample and {d} coordinates (D = {d})",
            path.display(),
            table.dim()
        );
    }
    let mut rows: Vec<Vec<(usize, &[f64])>> = vec![Vec::new(); q];
    for (r, row) in table.rows().enumerate() {
        let (query, sample) = (row[0], row[1]);
        if query.fract() != 0.0 || query < 0.0 || sample.fract() != 0.0 || sample < 0.0 {
            bail!("{}, row {}: query and sample must be whole numbers >= 0", path.display(), r + 1);
        }
        let i = query as usize;
        if i >= q {
            bail!(
                "{}, row {}: query {i}, but the pair has {q} test points (0..{q})",
                path.display(),
                r + 1
            );
        }
        rows[i].push((sample as usize, &row[2..]));
    }
    let k = rows[0].len();
    for (i, r) in rows.iter().enumerate() {
        if r.is_empty() {
            bail!("{}: no draws for test point {i}", path.display());
        }
        if r.len() != k {
            bail!("{}: test point {i} has {} draws, test point 0 has {k}", path.display(), r.len());
        }
    }
    let mut data = Vec::with_capacity(q * k * d);
    for mut r in rows {
        r.sort_by_key(|(s, _)| *s);
        r.iter().for_each(|(_, y)| data.extend_from_slice(y));
    }
    Ok(Draws { points: Points::new(data, q * k, d)?, k })
}

/// What `eot benchmark score` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Scores {
    /// cBW2-UVP (%) of the draws.
    pub cbw2_uvp: f64,
    /// BW2-UVP (%) of the first draw of each test point against the moments of p1.
    pub bw2_uvp: f64,
    /// Mean pairwise distance among the draws of a test point, averaged.
    pub diversity: f64,
    /// cBW2-UVP (%) of as many exact draws per test point (the noise floor at this K).
    pub floor_cbw2_uvp: f64,
    /// cBW2-UVP (%) of as many draws of p1 per test point, whatever x is (a plan that ignores
    /// its input).
    pub independent_cbw2_uvp: f64,
    /// Test points and draws per test point.
    pub test_points: usize,
    /// Draws per test point.
    pub draws: usize,
}

/// Per test point, the empirical moments of its draws, paired with the exact ones.
pub fn moment_pairs(draws: &Draws, truth: &[Moments]) -> Result<Vec<(Moments, Moments)>> {
    let d = draws.points.dim();
    draws
        .points
        .as_slice()
        .chunks(draws.k * d)
        .zip(truth)
        .map(|(rows, t)| {
            Ok((Moments::empirical(&Points::new(rows.to_vec(), draws.k, d)?)?, t.clone()))
        })
        .collect()
}

/// Scores `draws` against the pair; the noise floor's exact draws come from the suite's own
/// construction of the pair (checked against the stored moments first) and `seed`.
pub fn score(pair: &PairFiles, draws: &Draws, seed: u64) -> Result<Scores> {
    let m = &pair.manifest;
    let var = m.target_variance;
    let cbw2 = cbw2_uvp(&moment_pairs(draws, &pair.truth)?, var)?;
    let d = m.dim;
    let first: Vec<f64> =
        draws.points.as_slice().chunks(draws.k * d).flat_map(|c| c[..d].to_vec()).collect();
    let pushed = Points::new(first, m.test_points, d)?;
    let bw2 = bw2_uvp(&Moments::empirical(&pushed)?, &pair.target)?;
    let diversity = conditional_diversity(&draws.points, draws.k)?;
    let (floor, independent) = calibration(pair, draws.k, seed)?;
    Ok(Scores {
        cbw2_uvp: cbw2,
        bw2_uvp: bw2,
        diversity,
        floor_cbw2_uvp: floor,
        independent_cbw2_uvp: independent,
        test_points: m.test_points,
        draws: draws.k,
    })
}

/// cBW2-UVP of `k` exact draws of `pi*(.|x)` per test point (the floor), and of `k` draws of
/// p1 per test point (the plan that ignores x).
fn calibration(pair: &PairFiles, k: usize, seed: u64) -> Result<(f64, f64)> {
    let m = &pair.manifest;
    let built = eot_datasets::pair_by_name(&m.dataset, m.dim, m.eps)?;
    let truth = built.ground_truth().context("the pair has no exact sampler")?;
    let mut rng = substream(seed, 0xf100);
    let mut data = Vec::with_capacity(m.test_points * k * m.dim);
    for (x, stored) in pair.tests.rows().zip(&pair.truth) {
        let ours = truth.conditional_moments(x);
        let gap = (&ours.mean - &stored.mean).amax().max((&ours.cov - &stored.cov).amax());
        if gap > 1e-9 * (1.0 + stored.cov.amax()) {
            bail!(
                "{}: the stored moments differ from this suite's construction of {} D={} \
                 eps={} by {gap:e}; the noise floor cannot be drawn",
                pair.dir.display(),
                m.dataset,
                m.dim,
                m.eps
            );
        }
        data.extend_from_slice(truth.conditional_sample(x, k, &mut rng).as_slice());
    }
    let exact = Draws { points: Points::new(data, m.test_points * k, m.dim)?, k };
    let floor = cbw2_uvp(&moment_pairs(&exact, &pair.truth)?, m.target_variance)?;
    let ignoring = Draws { points: built.sample_target(m.test_points * k, &mut rng), k };
    let independent = cbw2_uvp(&moment_pairs(&ignoring, &pair.truth)?, m.target_variance)?;
    Ok((floor, independent))
}
