//! The figure grids of the image tasks: the inputs, then several decoded draws of the plan per
//! input for every (solver, eps) of the run, and real target images for comparison.

use std::path::{Path, PathBuf};

use anyhow::Result;
use eot_reports::image_grid::{ImageGrid, ImageRow, write_image_grid};

use super::cell::FigureSize;
use super::prepare::Space;
use crate::Task;

/// Figure rows collected over a run, by task.
pub struct TaskFigures {
    size: FigureSize,
    rows: Vec<(String, ImageRow)>,
}

impl TaskFigures {
    /// An empty collection for rows of `size`.
    pub fn new(size: FigureSize) -> Self {
        TaskFigures { size, rows: Vec::new() }
    }

    /// The size each cell's figure row must have.
    pub fn size(&self) -> FigureSize {
        self.size
    }

    /// Keeps one cell's row for the grid of `task`.
    pub fn add(&mut self, task: &str, row: ImageRow) {
        self.rows.push((task.to_string(), row));
    }

    /// Writes one grid per task that has rows, as `<dir>/<prefix>_<task>.png`.
    pub fn write(&self, dir: &Path, prefix: &str) -> Result<Vec<PathBuf>> {
        let mut tasks: Vec<&str> = Vec::new();
        for (t, _) in &self.rows {
            if !tasks.contains(&t.as_str()) {
                tasks.push(t);
            }
        }
        let mut written = Vec::new();
        for name in tasks {
            let Some(data) = Task::by_name(name)?.prepared()? else { continue };
            let Space::Latent(space) = &data.space else { continue };
            let task = data.task;
            let (m, k) = (self.size.inputs, self.size.draws);
            let rows_of = |p: &eot_datasets::Points| p.rows().map(<[f64]>::to_vec).collect();
            let inputs = space.source_test_images.head(m);
            let decoded = space.autoencoder.decode(&space.autoencoder.encode(&inputs)?)?;
            let mut rows = vec![
                ImageRow::inputs(format!("input ({})", task.from), rows_of(&inputs)),
                ImageRow::inputs("input, autoencoded", rows_of(&decoded)),
            ];
            rows.extend(self.rows.iter().filter(|(t, _)| t == name).map(|(_, r)| r.clone()));
            let real = space.target_test_images.head(m * k);
            rows.push(ImageRow::samples(format!("real {} (test)", task.to), rows_of(&real)));
            let grid = ImageGrid {
                title: format!(
                    "{}: {} -> {}, {k} draws of pi(.|x) per input x",
                    task.name, task.from, task.to
                ),
                height: space.height,
                width: space.width,
                scale: 2,
                group: k,
                headers: (1..=inputs.len()).map(|i| format!("x_{i}")).collect(),
                rows,
            };
            written.push(write_image_grid(&dir.join(format!("{prefix}_{name}")), &grid)?);
        }
        Ok(written)
    }
}
