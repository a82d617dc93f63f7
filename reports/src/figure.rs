//! Scatter figures as SVG (plotters). SVG needs no font library: the viewer renders the text.

use std::path::Path;

use plotters::prelude::*;

use crate::ReportError;

/// One set of points drawn in one colour.
#[derive(Clone, Debug)]
pub struct Layer {
    pub color: (u8, u8, u8),
    /// Opacity in `[0, 1]`.
    pub opacity: f64,
    /// Marker radius in pixels.
    pub radius: u32,
    pub points: Vec<(f64, f64)>,
}

/// One panel: a title and its layers, drawn in order (later on top).
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub layers: Vec<Layer>,
}

/// The axes' extent, shared by every panel so they compare at a glance.
#[derive(Clone, Copy, Debug)]
pub struct Extent {
    pub x: (f64, f64),
    pub y: (f64, f64),
}

/// Writes `panels` on a grid of `columns` columns, each `size` pixels square, to `path` (SVG).
pub fn scatter_svg(
    path: &Path,
    panels: &[Panel],
    columns: usize,
    size: u32,
    extent: Extent,
) -> Result<(), ReportError> {
    let plot = |e: String| ReportError::Plot { path: path.display().to_string(), message: e };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ReportError::Io { path: dir.display().to_string(), source: e })?;
    }
    let columns = columns.max(1);
    let rows = panels.len().div_ceil(columns).max(1);
    let root =
        SVGBackend::new(path, (size * columns as u32, size * rows as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot(e.to_string()))?;
    for (area, panel) in root.split_evenly((rows, columns)).iter().zip(panels) {
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, ("sans-serif", 15))
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(30)
            .build_cartesian_2d(extent.x.0..extent.x.1, extent.y.0..extent.y.1)
            .map_err(|e| plot(e.to_string()))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(5)
            .y_labels(5)
            .draw()
            .map_err(|e| plot(e.to_string()))?;
        for layer in &panel.layers {
            let (r, g, b) = layer.color;
            let style = RGBColor(r, g, b).mix(layer.opacity).filled();
            chart
                .draw_series(layer.points.iter().map(|&p| Circle::new(p, layer.radius, style)))
                .map_err(|e| plot(e.to_string()))?;
        }
    }
    root.present().map_err(|e| plot(e.to_string()))
}
