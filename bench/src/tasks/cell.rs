//! The pieces of a real task's cell that the synthetic pairs do not have: the training
//! subsample and the figure row of decoded draws (the cell itself is [`crate::cell`]'s).

use anyhow::{Result, anyhow};
use eot_datasets::{Points, substream};
use eot_reports::image_grid::ImageRow;
use eot_solvers::FittedPlan;
use rand::seq::index::sample;

use super::{Prepared, Space};
use crate::CellSpec;

/// How many inputs and draws per input an image task's figure row holds.
#[derive(Clone, Copy, Debug)]
pub struct FigureSize {
    /// Inputs (held-out source images) per row.
    pub inputs: usize,
    /// Draws of `pi(.|x)` per input.
    pub draws: usize,
}

/// One figure row of an image task: `size.draws` decoded draws of the plan for each of the first
/// `size.inputs` held-out inputs; `None` for a task without images.
pub fn figure_row(
    data: &Prepared,
    plan: &dyn FittedPlan,
    spec: &CellSpec,
    size: FigureSize,
) -> Result<Option<ImageRow>> {
    if !matches!(data.space, Space::Latent(_)) {
        return Ok(None);
    }
    let x = data.source_test.head(size.inputs);
    let draws = plan.sample(&x, size.draws, &mut substream(spec.seed, 9))?;
    let images = data.to_images(&draws)?.ok_or_else(|| anyhow!("an image task decodes"))?;
    let label = format!("{} eps={}", spec.solver, spec.eps);
    Ok(Some(ImageRow::samples(label, images.rows().map(<[f64]>::to_vec).collect())))
}

/// `n` of the points (all when there are fewer), drawn without replacement from the run seed's
/// stream `stream`, in their original order.
pub fn subsample(points: &Points, n: usize, seed: u64, stream: u64) -> Points {
    if n >= points.len() {
        return points.clone();
    }
    let mut picked = vec![false; points.len()];
    sample(&mut substream(seed, stream), points.len(), n)
        .into_iter()
        .for_each(|i| picked[i] = true);
    points.select(|i| picked[i])
}
