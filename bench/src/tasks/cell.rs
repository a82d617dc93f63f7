//! One cell of a real task: subsample the training points, fit, score on held-out data, and
//! draw the figure row of an image task.

use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use eot_datasets::{Points, substream};
use eot_reports::image_grid::ImageRow;
use eot_solvers::{Eps, FitData, Options, Registry};
use rand::seq::index::sample;

use super::score::real_columns;
use super::{prepare, task_by_name, task_names};
use crate::memory;
use crate::sample_metrics::MetricSet;
use crate::{CellResult, CellSpec};

/// What a real-task cell gives: its table row, and for image tasks one figure row of decoded
/// draws (`draws` per input, inputs in order).
pub struct RealCell {
    pub result: CellResult,
    pub figure_row: Option<ImageRow>,
}

/// How many inputs and draws per input an image task's figure row holds.
#[derive(Clone, Copy, Debug)]
pub struct FigureSize {
    pub inputs: usize,
    pub draws: usize,
}

/// Fits `spec.solver` on the task `spec.dataset` (at most `spec.sizes.train` training points a
/// side, drawn without replacement with the run seed) and scores it on the held-out points.
pub fn run_real_cell(
    registry: &Registry,
    spec: &CellSpec,
    options: Options,
    metrics: &MetricSet,
    figure: FigureSize,
) -> Result<RealCell> {
    let task = task_by_name(&spec.dataset).ok_or_else(|| {
        anyhow!("'{}' is not a real task (known: {})", spec.dataset, task_names())
    })?;
    let data = prepare(task)?;
    let solver = registry.build(&spec.solver, options)?;
    let source = subsample(&data.source_train, spec.sizes.train, spec.seed, 1);
    let target = subsample(&data.target_train, spec.sizes.train, spec.seed, 2);
    let eps = Eps::new(spec.eps)?;

    memory::reset_peak();
    let start = Instant::now();
    let plan = solver
        .fit(&FitData::samples(&source, &target), eps, spec.seed)
        .with_context(|| format!("fitting {} on {} eps={}", spec.solver, task.name, spec.eps))?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let peak_mib = memory::peak_mib();

    let n = data.source_test.len().min(data.target_test.len());
    let dual = plan.dual_value(&data.source_test.head(n), &data.target_test.head(n))?.value;
    let columns = real_columns(&data, plan.as_ref(), metrics, spec.seed, &target)
        .with_context(|| format!("scoring {} on {}", spec.solver, task.name))?;
    let figure_row = match data.space {
        super::Space::Latent(_) => {
            let x = data.source_test.head(figure.inputs);
            let draws = plan.sample(&x, figure.draws, &mut substream(spec.seed, 9))?;
            let images = data.to_images(&draws)?.expect("an image task");
            let label = format!("{} eps={}", spec.solver, spec.eps);
            Some(ImageRow::samples(label, images.rows().map(<[f64]>::to_vec).collect()))
        }
        super::Space::Coordinates => None,
    };
    let report = plan.report();
    let mut sized = spec.clone();
    sized.sizes.train = source.len().min(target.len());
    Ok(RealCell {
        result: CellResult {
            spec: sized,
            cbw2_uvp: None,
            bw2_uvp: None,
            fit_seconds,
            peak_mib,
            iterations: report.iterations,
            converged: report.converged,
            dual_value: Some(dual),
            settings: solver.settings(),
            metrics: columns,
            notes: report.notes.clone(),
        },
        figure_row,
    })
}

/// `n` of the points (all when there are fewer), drawn without replacement from the run seed's
/// stream `stream`, in their original order.
fn subsample(points: &Points, n: usize, seed: u64, stream: u64) -> Points {
    if n >= points.len() {
        return points.clone();
    }
    let mut picked = vec![false; points.len()];
    sample(&mut substream(seed, stream), points.len(), n)
        .into_iter()
        .for_each(|i| picked[i] = true);
    points.select(|i| picked[i])
}
