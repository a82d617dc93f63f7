//! The benchmark as plain files: one folder per pair with its training samples, the fixed test
//! points, the exact conditional moments at each, the target's moments, the construction that
//! defines the pair, and a manifest with the conventions and every file's SHA-256. Anything that
//! reads `.npy` and JSON (numpy alone) can use it; `eot benchmark score` checks a program's
//! draws against it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use eot_datasets::io::{load_array, write_array};
use eot_datasets::{GaussianPair, GmmPair, GmmPairSettings, Moments, Points, substream};
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cell::TEST_SEED;

/// What a pair's folder says about itself (`manifest.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The suite and version that wrote it.
    pub suite: String,
    /// The commit it was written at.
    pub commit: String,
    /// `gmm` or `gaussian`.
    pub dataset: String,
    /// Dimension D.
    pub dim: usize,
    /// The regulariser, for the cost `|x-y|^2/2`.
    pub eps: f64,
    /// The seed of the training samples (the test points do not depend on it).
    pub seed: u64,
    /// Training points per side.
    pub n_train: usize,
    /// Test points.
    pub test_points: usize,
    /// `Var(p1)`, the trace of the target's covariance: cBW2-UVP divides by it.
    pub target_variance: f64,
    /// The cost and what other libraries must be passed to mean the same eps.
    pub conventions: BTreeMap<String, String>,
    /// How the figures a scorer reports are defined.
    pub metrics: BTreeMap<String, String>,
    /// How the pair is built from the construction files.
    pub construction: String,
    /// Every file of the folder: its SHA-256, shape and meaning.
    pub files: BTreeMap<String, FileEntry>,
}

/// One file of a pair's folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The array's shape.
    pub shape: Vec<usize>,
    /// What it holds.
    pub meaning: String,
}

/// The name of a pair's folder: `gmm_d16_eps0.1`.
pub fn folder_name(dataset: &str, dim: usize, eps: f64) -> String {
    format!("{dataset}_d{dim}_eps{eps}")
}

/// Sizes of an export.
#[derive(Clone, Copy, Debug)]
pub struct ExportSizes {
    /// Training points per side.
    pub n: usize,
    /// Test points.
    pub queries: usize,
}

/// Writes the pair `dataset` at (D, eps) into `out/<folder_name>`: the same training samples
/// (run seed `seed`) and test points `compare` uses for that cell. Same arguments, same bytes.
pub fn export_pair(
    dataset: &str,
    dim: usize,
    eps: f64,
    seed: u64,
    sizes: ExportSizes,
    out: &Path,
    commit: &str,
) -> Result<PathBuf> {
    let pair = eot_datasets::pair_by_name(dataset, dim, eps)?;
    let Some(truth) = pair.ground_truth() else {
        bail!("{dataset} has no ground truth to export (exported: gmm, gaussian)");
    };
    let dir = out.join(folder_name(dataset, dim, eps));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut files = BTreeMap::new();
    let mut put = |name: &str, shape: &[usize], data: &[f64], meaning: &str| -> Result<()> {
        let path = dir.join(name);
        write_array(&path, shape, data)?;
        let entry =
            FileEntry { sha256: sha256(&path)?, shape: shape.to_vec(), meaning: meaning.into() };
        files.insert(name.to_string(), entry);
        Ok(())
    };
    let (n, q, d) = (sizes.n, sizes.queries, dim);
    let source = pair.sample_source(n, &mut substream(seed, 1));
    let target = pair.sample_target(n, &mut substream(seed, 2));
    let tests = pair.sample_source(q, &mut substream(TEST_SEED, 3));
    put("source_train.npy", &[n, d], source.as_slice(), "training points of the source p0")?;
    put("target_train.npy", &[n, d], target.as_slice(), "training points of the target p1")?;
    put("test_inputs.npy", &[q, d], tests.as_slice(), "the fixed test points x (as compare's)")?;
    let (mut means, mut covs) = (Vec::with_capacity(q * d), Vec::with_capacity(q * d * d));
    for x in tests.rows() {
        let m = truth.conditional_moments(x);
        means.extend(m.mean.iter());
        covs.extend(row_major(&m.cov));
    }
    put("true_cond_means.npy", &[q, d], &means, "mean of pi*(.|x) at each test point")?;
    put("true_cond_covs.npy", &[q, d, d], &covs, "covariance of pi*(.|x) at each test point")?;
    let target_moments = truth.target_moments();
    put("target_mean.npy", &[d], target_moments.mean.as_slice(), "mean of p1")?;
    put("target_cov.npy", &[d, d], &row_major(&target_moments.cov), "covariance of p1")?;
    let construction = match dataset {
        "gmm" | "gmm-fresh" => {
            let settings = match dataset {
                "gmm" => GmmPairSettings::benchmark(dim, eps),
                _ => GmmPairSettings::fresh(dim, eps),
            };
            let gmm = GmmPair::new(&settings)?;
            let src = gmm.source_components();
            let w = vec![1.0 / src.len() as f64; src.len()];
            put("source_weights.npy", &[src.len()], &w, "weights of the source mixture p0")?;
            let (m, c) = stack(src.iter());
            put("source_means.npy", &[src.len(), d], &m, "means of the source mixture")?;
            put("source_covs.npy", &[src.len(), d, d], &c, "covariances of the source mixture")?;
            let pot = gmm.potential_components();
            let w: Vec<f64> = pot.iter().map(|p| p.0).collect();
            put(
                "potential_weights.npy",
                &[pot.len()],
                &w,
                "p_k of exp(f*/eps) ∝ sum_k p_k N(mu_k, Sigma_k)",
            )?;
            let (m, c) = stack(pot.iter().map(|p| p.1));
            put("potential_means.npy", &[pot.len(), d], &m, "mu_k of the potential")?;
            put("potential_covs.npy", &[pot.len(), d, d], &c, "Sigma_k of the potential")?;
            format!(
                "Gaussian-mixture pair (Gushchin et al. 2023): p0 = sum_j w_j N(a_j, A_j) \
                 (source_*), exp(f*(y)/eps) ∝ sum_k p_k N(y | mu_k, Sigma_k) (potential_*). The \
                 exact plan: pi*(y|x) = sum_k w_k(x) N(y | m_k(x), S_k), S_k = (I/eps + \
                 Sigma_k^-1)^-1, m_k(x) = S_k (Sigma_k^-1 mu_k + x/eps), w_k(x) ∝ p_k N(x | mu_k, \
                 Sigma_k + eps I); p1 is the push-forward of p0 through pi*. The conditional \
                 moments follow exactly; the moments of p1 are computed by the law of total \
                 covariance over 20,000 fixed source draws (construction seed {:#x}).",
                GmmPairSettings::benchmark(dim, eps).construction_seed
            )
        }
        _ => {
            let g = GaussianPair::standard(dim, eps)?;
            put("source_mean.npy", &[d], g.source().mean().as_slice(), "mean a of p0 = N(a, A)")?;
            put("source_cov.npy", &[d, d], &row_major(g.source().cov()), "covariance A of p0")?;
            "Gaussian pair: p0 = N(a, A) (source_*), p1 = N(b, B) (target_*). The exact plan: \
             pi*(y|x) = N(b + C^T A^-1 (x - a), B - C^T A^-1 C) with C = 1/2 A^1/2 (4 A^1/2 B \
             A^1/2 + eps^2 I)^1/2 A^-1/2 - eps/2 I."
                .into()
        }
    };
    let manifest = Manifest {
        suite: format!("eot-bench {}", env!("CARGO_PKG_VERSION")),
        commit: commit.to_string(),
        dataset: dataset.to_string(),
        dim,
        eps,
        seed,
        n_train: n,
        test_points: q,
        target_variance: target_moments.variance(),
        conventions: conventions(eps),
        metrics: metric_definitions(),
        construction,
        files,
    };
    let json = serde_json::to_string_pretty(&manifest)? + "\n";
    eot_reports::files::write_atomically(&dir.join("manifest.json"), json.as_bytes())?;
    Ok(dir)
}

/// The cost, and the parameter other libraries need to solve the same problem.
fn conventions(eps: f64) -> BTreeMap<String, String> {
    [
        ("cost", "c(x, y) = |x - y|^2 / 2; EOT = min_pi E_pi[c] + eps KL(pi | p0 x p1)".to_string()),
        ("eps", format!("{eps}")),
        ("pot", format!("ot.sinkhorn(a, b, M, reg): reg = {} with M = ot.dist(x, y) (|x-y|^2), reg = {eps} with M = ot.dist(x, y) / 2", 2.0 * eps)),
        ("ott_jax", format!("PointCloud(x, y, epsilon=...) with its default cost |x-y|^2: epsilon = {}", 2.0 * eps)),
        ("geomloss", format!("SamplesLoss('sinkhorn', p=2, blur=b): cost |x-y|^2/2 and eps = b^2, so blur = {}", eps.sqrt())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn metric_definitions() -> BTreeMap<String, String> {
    [
        ("BW2", "BW2(N1, N2) = |m1 - m2|^2 + tr S1 + tr S2 - 2 tr (S1^1/2 S2 S1^1/2)^1/2"),
        ("cBW2-UVP", "100 * mean over the test points x of BW2(moments of the K draws of pi(.|x), true_cond_means/covs at x) / Var(p1); the draws' covariance with 1/(K-1)"),
        ("BW2-UVP", "100 * BW2(moments of one draw per test point, target_mean/cov) / Var(p1)"),
        ("diversity", "mean over test points of the mean pairwise distance |y - y'| among the K draws"),
        ("noise floor", "cBW2-UVP of K exact draws of pi*(.|x) per test point: what a perfect solver scores by chance at this K"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn row_major(m: &DMatrix<f64>) -> Vec<f64> {
    m.transpose().as_slice().to_vec()
}

/// Means `(K, D)` and covariances `(K, D, D)` of Gaussians, row-major.
fn stack<'a>(gs: impl Iterator<Item = &'a eot_datasets::Gaussian>) -> (Vec<f64>, Vec<f64>) {
    let (mut means, mut covs) = (Vec::new(), Vec::new());
    for g in gs {
        means.extend(g.mean().iter());
        covs.extend(row_major(g.cov()));
    }
    (means, covs)
}

fn sha256(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect())
}

/// An exported pair, read back and checked against its manifest.
pub struct PairFiles {
    /// Its folder.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// The test points.
    pub tests: Points,
    /// The exact conditional moments at each test point.
    pub truth: Vec<Moments>,
    /// The moments of p1.
    pub target: Moments,
}

/// Reads the pair in `dir`, refusing a file whose SHA-256 differs from the manifest's (or a
/// missing one), naming it.
pub fn load_pair(dir: &Path) -> Result<PairFiles> {
    let path = dir.join("manifest.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a pair manifest", path.display()))?;
    for (name, entry) in &manifest.files {
        let file = dir.join(name);
        let digest = sha256(&file)?;
        if digest != entry.sha256 {
            bail!(
                "{}: its SHA-256 is {digest}, the manifest says {}: the file was changed or \
                 damaged; export the pair again",
                file.display(),
                entry.sha256
            );
        }
    }
    let array = |name: &str, shape: &[usize]| -> Result<Vec<f64>> {
        let file = dir.join(name);
        let (got, values) = load_array(&file)?;
        if got != shape {
            bail!("{}: shape {got:?}, expected {shape:?}", file.display());
        }
        Ok(values)
    };
    let (q, d) = (manifest.test_points, manifest.dim);
    let tests = Points::new(array("test_inputs.npy", &[q, d])?, q, d)?;
    let means = array("true_cond_means.npy", &[q, d])?;
    let covs = array("true_cond_covs.npy", &[q, d, d])?;
    let truth = (0..q)
        .map(|i| Moments {
            mean: DVector::from_column_slice(&means[i * d..(i + 1) * d]),
            cov: DMatrix::from_row_slice(d, d, &covs[i * d * d..(i + 1) * d * d]),
        })
        .collect();
    let target = Moments {
        mean: DVector::from_vec(array("target_mean.npy", &[d])?),
        cov: DMatrix::from_row_slice(d, d, &array("target_cov.npy", &[d, d])?),
    };
    Ok(PairFiles { dir: dir.to_path_buf(), manifest, tests, truth, target })
}
