//! A figure grid of small greyscale images for the image translation tasks: a row of inputs
//! x_1..x_m, then one row of generated images per (solver, eps), several samples per input.
//!
//! Each image pixel is a block of `scale` x `scale` device pixels; the value 0 is black, 1 is
//! white, and values outside `[0, 1]` are clamped. A NaN pixel, an image of the wrong size, an
//! empty grid or a zero size is an error naming the row: nothing is drawn silently wrong.
//!
//! Layout, left to right: the row labels (right-aligned), then the columns in groups of
//! [`ImageGrid::group`] (the samples of one input), [`GAP`] pixels between columns and
//! [`GROUP_GAP`] between groups. A row of inputs ([`ImageRow::inputs`]) holds one image per
//! group, centred over it. Rows shorter than others leave blank (background) cells.
//!
//! Written as PNG only. As SVG every image pixel is one `<rect>`: a 10 x 12 grid of 28 x 28
//! images is 94,080 rectangles, 8.07 MB through plotters' SVG backend (measured), too heavy for
//! a README or a paper's source; the same grid as PNG is tens of kB.

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;
use crate::figure::{
    FONT_FAMILY, check_font, create_parent_dir, output_paths, plot_error, text_width, write_png,
};

/// Blank border around the figure, in device pixels.
pub const MARGIN: u32 = 8;
/// Gap between neighbouring images (columns and rows), in device pixels.
pub const GAP: u32 = 2;
/// Gap between groups of columns (the samples of one input and the next), in device pixels.
pub const GROUP_GAP: u32 = 10;
/// The largest image side in device pixels (image pixels times scale) that is drawn.
pub const MAX_IMAGE_SIDE: usize = 4096;
/// Space between the longest row label and the first image.
const LABEL_PAD: u32 = 10;
const LABEL_PX: u32 = 14;
const HEADER_PX: u32 = 13;
const TITLE_PX: u32 = 16;
/// Background, gaps and blank cells: white, so black-background images stand apart.
const BACKGROUND: u8 = 255;

/// One row of the grid: a label drawn on the left and its images, each row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageRow {
    /// Text on the left, e.g. `"sinkhorn eps=0.1"`; empty for none.
    pub label: String,
    /// Whether the row holds one image per group, centred over it (the inputs), rather than
    /// one image per column (the samples).
    pub per_group: bool,
    /// Images of [`ImageGrid::height`] x [`ImageGrid::width`] values, row-major, in `[0, 1]`.
    pub images: Vec<Vec<f64>>,
}

impl ImageRow {
    /// A row of inputs: image `i` is centred over the group of samples generated from it.
    pub fn inputs(label: impl Into<String>, images: Vec<Vec<f64>>) -> Self {
        ImageRow { label: label.into(), per_group: true, images }
    }

    /// A row of samples: one image per column, [`ImageGrid::group`] consecutive images per
    /// input.
    pub fn samples(label: impl Into<String>, images: Vec<Vec<f64>>) -> Self {
        ImageRow { label: label.into(), per_group: false, images }
    }
}

/// A grid of images with row labels, an optional title and optional column-group headers.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageGrid {
    /// Text above the grid; empty for none.
    pub title: String,
    /// Image height in image pixels.
    pub height: usize,
    /// Image width in image pixels.
    pub width: usize,
    /// Device pixels per image pixel side (3 draws a 28 x 28 image as 84 x 84).
    pub scale: u32,
    /// Columns per group: the samples drawn per input (1 for a single sample).
    pub group: usize,
    /// Text above each group (e.g. `"x_1"`), in group order; empty for none. A group is
    /// widened to fit its header.
    pub headers: Vec<String>,
    /// Rows, top to bottom.
    pub rows: Vec<ImageRow>,
}

/// Draws `grid` to `<stem>.png` (see [`crate::figure::output_paths`]) and returns that path.
/// The grid is checked before the font is loaded or anything is written; errors name rows and
/// images by 0-based index, and rows by label too.
pub fn write_image_grid(stem: &Path, grid: &ImageGrid) -> Result<PathBuf, ReportError> {
    validate(grid)?;
    let (_, png) = output_paths(stem);
    check_font(&png)?;
    let layout = Layout::of(grid);
    let (w, h) = layout.size;
    let mut rgb = vec![BACKGROUND; w as usize * h as usize * 3];
    draw_text(&mut rgb, &layout, grid).map_err(|m| plot_error(&png, m))?;
    paint_images(&mut rgb, &layout, grid);
    create_parent_dir(&png)?;
    write_png(&png, layout.size, &rgb)?;
    Ok(png)
}

/// Refuses zero sizes, a grid without images, images of the wrong length and NaN pixels.
fn validate(grid: &ImageGrid) -> Result<(), ReportError> {
    let fail = |m: String| Err(ReportError::Grid(m));
    if grid.height == 0 || grid.width == 0 || grid.scale == 0 || grid.group == 0 {
        let (h, w, s, g) = (grid.height, grid.width, grid.scale, grid.group);
        return fail(format!("height {h}, width {w}, scale {s} and group {g} must be positive"));
    }
    // Also keeps the layout's u32 arithmetic far from overflow.
    let side = grid.height.max(grid.width).saturating_mul(grid.scale as usize);
    if side > MAX_IMAGE_SIDE {
        return fail(format!("images drawn {side} pixels wide, more than {MAX_IMAGE_SIDE}"));
    }
    if grid.rows.iter().all(|r| r.images.is_empty()) {
        return fail(format!("no image to draw in {} rows", grid.rows.len()));
    }
    let want = grid.height * grid.width;
    for (r, row) in grid.rows.iter().enumerate() {
        for (i, image) in row.images.iter().enumerate() {
            let name = || format!("row {r} ('{}'), image {i}", row.label);
            if image.len() != want {
                let (h, w) = (grid.height, grid.width);
                return fail(format!(
                    "{}: {} values, want {want} ({h} x {w})",
                    name(),
                    image.len()
                ));
            }
            if let Some(p) = image.iter().position(|v| v.is_nan()) {
                let (y, x) = (p / grid.width, p % grid.width);
                return fail(format!("{}: pixel (row {y}, column {x}) is NaN", name()));
            }
        }
    }
    Ok(())
}

/// Where everything goes, in device pixels. Computed once the font is loaded: the label
/// column and the groups are as wide as their text.
struct Layout {
    size: (u32, u32),
    /// Image size.
    cell: (u32, u32),
    /// Right edge of the label column.
    label_right: u32,
    /// Left edge of the first group.
    left: u32,
    /// Top edge of the header line.
    header_top: u32,
    /// Top edge of the first row.
    top: u32,
    /// Width of one group: its images and gaps, or its widest header.
    group_width: u32,
    group_step: u32,
    /// Columns per group.
    group: usize,
    row_height: u32,
}

impl Layout {
    fn of(grid: &ImageGrid) -> Layout {
        let scale = grid.scale;
        let cell = (grid.width as u32 * scale, grid.height as u32 * scale);
        let groups = group_count(grid);
        let labels = grid.rows.iter().filter(|r| !r.label.is_empty());
        let labels = labels.map(|r| text_width(&r.label, LABEL_PX)).max().unwrap_or(0);
        let label_column = if labels > 0 { labels + LABEL_PAD } else { 0 };
        let block = grid.group as u32 * (cell.0 + GAP) - GAP;
        let headers = grid.headers.iter().map(|h| text_width(h, HEADER_PX) + 2 * GAP).max();
        let group_width = block.max(headers.unwrap_or(0));
        let group_gap = if grid.group > 1 { GROUP_GAP } else { GAP };
        let title = if grid.title.is_empty() { 0 } else { TITLE_PX + 10 };
        let header_line = if grid.headers.is_empty() { 0 } else { HEADER_PX + 6 };
        // Labelled rows are at least one label tall, so labels never overlap at a small scale.
        let row_height = if labels > 0 { cell.1.max(LABEL_PX + 2) } else { cell.1 };
        let rows = grid.rows.len() as u32;
        let body_width = groups * (group_width + group_gap) - group_gap;
        let title_width = if grid.title.is_empty() { 0 } else { text_width(&grid.title, TITLE_PX) };
        let width = (MARGIN + label_column + body_width).max(MARGIN + title_width) + MARGIN;
        let top = MARGIN + title + header_line;
        Layout {
            size: (width, top + rows * (row_height + GAP) - GAP + MARGIN),
            cell,
            label_right: MARGIN + labels,
            left: MARGIN + label_column,
            header_top: MARGIN + title,
            top,
            group_width,
            group_step: group_width + group_gap,
            group: grid.group,
            row_height,
        }
    }

    /// Top-left corner of image `image` of `row`.
    fn origin(&self, row: usize, per_group: bool, image: usize) -> (u32, u32) {
        let y =
            self.top + row as u32 * (self.row_height + GAP) + (self.row_height - self.cell.1) / 2;
        let block = self.group as u32 * (self.cell.0 + GAP) - GAP;
        // A group widened for its header centres its images.
        let group_left = |g: usize| self.left + g as u32 * self.group_step;
        let inset = (self.group_width - block) / 2;
        let x = if per_group {
            group_left(image) + (self.group_width - self.cell.0) / 2
        } else {
            let (g, c) = (image / self.group, image % self.group);
            group_left(g) + inset + c as u32 * (self.cell.0 + GAP)
        };
        (x, y)
    }

    fn row_middle(&self, row: usize) -> u32 {
        self.top + row as u32 * (self.row_height + GAP) + self.row_height / 2
    }
}

/// Groups needed by the longest row and by the headers.
fn group_count(grid: &ImageGrid) -> u32 {
    let per_row = grid
        .rows
        .iter()
        .map(|r| if r.per_group { r.images.len() } else { r.images.len().div_ceil(grid.group) });
    per_row.chain([grid.headers.len()]).max().unwrap_or(0) as u32
}

/// Draws the title, the headers and the row labels into `rgb` with plotters, which rasterises
/// text with the registered font.
fn draw_text(rgb: &mut [u8], layout: &Layout, grid: &ImageGrid) -> Result<(), String> {
    let root = BitMapBackend::with_buffer(rgb, layout.size).into_drawing_area();
    let draw = |text: &str, px: u32, at: (u32, u32), pos: Pos| {
        let font = (FONT_FAMILY, px).into_font().color(&BLACK).pos(pos);
        root.draw(&Text::new(text, (at.0 as i32, at.1 as i32), font)).map_err(|e| e.to_string())
    };
    let top_centre = Pos::new(HPos::Center, VPos::Top);
    if !grid.title.is_empty() {
        draw(&grid.title, TITLE_PX, (layout.size.0 / 2, MARGIN), top_centre)?;
    }
    for (g, header) in grid.headers.iter().enumerate() {
        let x = layout.left + g as u32 * layout.group_step + layout.group_width / 2;
        draw(header, HEADER_PX, (x, layout.header_top), top_centre)?;
    }
    let right_middle = Pos::new(HPos::Right, VPos::Center);
    for (r, row) in grid.rows.iter().enumerate().filter(|(_, row)| !row.label.is_empty()) {
        draw(&row.label, LABEL_PX, (layout.label_right, layout.row_middle(r)), right_middle)?;
    }
    root.present().map_err(|e| e.to_string())
}

/// Paints every image into `rgb` directly: one solid block per image pixel, exactly its grey.
fn paint_images(rgb: &mut [u8], layout: &Layout, grid: &ImageGrid) {
    let stride = layout.size.0 as usize * 3;
    let scale = grid.scale as usize;
    for (r, row) in grid.rows.iter().enumerate() {
        for (i, image) in row.images.iter().enumerate() {
            let (x0, y0) = layout.origin(r, row.per_group, i);
            for (p, &v) in image.iter().enumerate() {
                let x = x0 as usize + (p % grid.width) * scale;
                let y = y0 as usize + (p / grid.width) * scale;
                let grey = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                for line in y..y + scale {
                    let start = line * stride + x * 3;
                    rgb[start..start + scale * 3].fill(grey);
                }
            }
        }
    }
}
