//! The sample metrics of a real task's cell.
//!
//! Every task gets `compare`'s metric columns in the solvers' space (translated held-out source
//! against held-out target points). Image tasks then score the decoded images instead where an
//! image version exists: FID-proxy in the classifier's last hidden layer (translated vs real
//! target test images), LPIPS-proxy in its normalised hidden layers (each real input against its
//! translation), diversity in pixels; and they add `target-class %`, the share of translations
//! the classifier puts in the target class. Every task adds `novelty` (translations' distance to
//! the nearest training target point, over held-out target points'; 0 = copies of the training
//! points).

use anyhow::Result;
use eot_datasets::{Points, substream};
use eot_metrics::{conditional_diversity, novelty};
use eot_solvers::FittedPlan;

use super::prepare::{ImageSpace, Prepared, Space, target_rate};
use crate::real::{fid_proxy_images, lpips_proxy_images};
use crate::sample_metrics::{MetricSet, columns};

/// Name of the image tasks' extra column.
pub const TARGET_CLASS: &str = "target-class %";
/// Name of the novelty column (`eot_metrics::novelty`).
pub const NOVELTY: &str = "novelty";

/// The metric columns of `plan` on the task's held-out points (the first `set.points` of each
/// side, fewer when a class has fewer test points); `train_target` is what the solver was fitted
/// to (for the novelty column).
pub fn real_columns(
    data: &Prepared,
    plan: &dyn FittedPlan,
    set: &MetricSet,
    seed: u64,
    train_target: &Points,
) -> Result<Vec<(String, Option<f64>)>> {
    let n = set.points.min(data.source_test.len()).min(data.target_test.len());
    let (x, y) = (data.source_test.head(n), data.target_test.head(n));
    let mut rng = substream(seed, 8);
    let y_hat = plan.sample(&x, 1, &mut rng)?;
    let diversity_x = x.head(set.diversity_queries);
    let draws = if set.names.iter().any(|m| m == "diversity") {
        Some(plan.sample(&diversity_x, set.diversity_draws, &mut rng)?)
    } else {
        None
    };
    let mut out = columns(set, &x, &y_hat, &y, draws.as_ref(), seed)?;
    out.push((NOVELTY.into(), Some(novelty(&y_hat, train_target, &y)?)));
    if let Space::Latent(space) = &data.space {
        let images = ImageScores::new(data, space, &y_hat, draws.as_ref(), n)?;
        images.replace(&mut out, set)?;
        out.push((TARGET_CLASS.into(), Some(100.0 * images.target_rate()?)));
    }
    Ok(out)
}

/// The decoded translations of an image task, with what they are compared to.
struct ImageScores<'a> {
    space: &'a ImageSpace,
    inputs: Points,
    targets: Points,
    translated: Points,
    draws: Option<Points>,
}

impl<'a> ImageScores<'a> {
    fn new(
        data: &Prepared,
        space: &'a ImageSpace,
        y_hat: &Points,
        draws: Option<&Points>,
        n: usize,
    ) -> Result<Self> {
        let decode = |p: &Points| -> Result<Points> {
            Ok(data.to_images(p)?.expect("an image task decodes its codes"))
        };
        Ok(ImageScores {
            space,
            inputs: space.source_test_images.head(n),
            targets: space.target_test_images.head(n),
            translated: decode(y_hat)?,
            draws: draws.map(decode).transpose()?,
        })
    }

    /// Puts the image versions of FID-proxy, LPIPS-proxy and diversity in place of the
    /// solvers'-space ones.
    fn replace(&self, out: &mut [(String, Option<f64>)], set: &MetricSet) -> Result<()> {
        for (name, value) in out.iter_mut() {
            *value = match name.as_str() {
                "fid-proxy" => {
                    Some(fid_proxy_images(&self.space.classifier, &self.translated, &self.targets)?)
                }
                "lpips-proxy" => Some(lpips_proxy_images(
                    &self.space.classifier,
                    &self.inputs,
                    &self.translated,
                )?),
                "diversity" => match &self.draws {
                    Some(d) => Some(conditional_diversity(d, set.diversity_draws)?),
                    None => None,
                },
                _ => continue,
            };
        }
        Ok(())
    }

    fn target_rate(&self) -> Result<f64> {
        target_rate(&self.space.classifier, &self.translated, self.space.target_class)
    }
}
