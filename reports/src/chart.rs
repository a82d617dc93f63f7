//! Result charts from plain data, each written as `<stem>.svg` and `<stem>.png` (see
//! [`crate::figure`] for the font they need):
//!
//! - [`metric_vs_eps`]: one panel per (dataset, D), a metric against eps, one coloured line
//!   with markers per solver;
//! - [`quality_vs_time`]: one panel per (dataset, D), the metric against fit seconds, one colour
//!   per solver and one marker shape per eps.
//!
//! Both axes are logarithmic: the metrics and timings of the suite span several decades.
//! A missing value is skipped, never drawn as 0, and a value a log axis cannot show (zero,
//! negative or not finite) is skipped and counted in the returned [`ChartSummary`], so the
//! caller can say so next to the figure.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::combinators::WithKeyPoints;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;
use crate::figure::{FONT_FAMILY, Figure, output_paths, text_width, write_figure};

/// One result: a solver's metric (and fit time) in one panel at one eps.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartPoint {
    /// Legend entry; one colour per solver, the same in every panel and in both charts.
    pub solver: String,
    /// Panel title, e.g. `"gmm D=16"`; panels appear in the order first met.
    pub panel: String,
    /// The regulariser.
    pub eps: f64,
    /// The metric (e.g. cBW2-UVP %); `None` where the cell has none.
    pub value: Option<f64>,
    /// Fit wall-clock seconds; `None` where not measured (only [`quality_vs_time`] reads it).
    pub seconds: Option<f64>,
}

/// How a chart is laid out and labelled.
#[derive(Clone, Debug)]
pub struct ChartStyle {
    /// A title above the legend; none when `None`.
    pub title: Option<String>,
    /// The metric's name: the y-axis label, e.g. `"cBW2-UVP %"`.
    pub metric: String,
    /// Panels per row.
    pub columns: usize,
    /// Each panel's (width, height) in pixels.
    pub panel_size: (u32, u32),
    /// The x-axis label of [`metric_vs_eps`] (`"eps"`; another quantity can take eps's place,
    /// such as the training sample size).
    pub x_label: String,
}

impl Default for ChartStyle {
    fn default() -> Self {
        ChartStyle {
            title: None,
            metric: "cBW2-UVP %".into(),
            columns: 3,
            panel_size: (420, 320),
            x_label: "eps".into(),
        }
    }
}

/// What a chart drew and what it left out.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSummary {
    /// The files written: `<stem>.svg` and `<stem>.png`.
    pub files: Vec<PathBuf>,
    /// Points drawn.
    pub drawn: usize,
    /// Points skipped because the value (or, in [`quality_vs_time`], the time) is `None`.
    pub missing: usize,
    /// Points skipped because the value, eps or time is zero, negative or not finite: a log
    /// axis cannot show them.
    pub non_positive: usize,
}

/// Draws `metric` against eps: one panel per distinct [`ChartPoint::panel`], one line with
/// markers per solver, to `<stem>.svg` and `<stem>.png`.
///
/// Where a (solver, panel, eps) has several points (several seeds), each is a marker, the line
/// goes through their mean and a vertical bar shows the 95 % Student-t interval of the mean
/// (cut at the panel's floor where it reaches below zero on the log axis). The line breaks at an eps whose value is skipped rather than
/// bridging it. Empty input, or input of which nothing can be drawn, is an error.
pub fn metric_vs_eps(
    stem: &Path,
    points: &[ChartPoint],
    style: &ChartStyle,
) -> Result<ChartSummary, ReportError> {
    draw_chart(stem, points, style, Kind::MetricVsEps)
}

/// Draws `metric` against fit seconds: one panel per distinct [`ChartPoint::panel`], one
/// colour per solver and one marker shape per eps, to `<stem>.svg` and `<stem>.png`.
///
/// A point without a value or without a time is skipped (counted as missing). Empty input, or
/// input of which nothing can be drawn, is an error.
pub fn quality_vs_time(
    stem: &Path,
    points: &[ChartPoint],
    style: &ChartStyle,
) -> Result<ChartSummary, ReportError> {
    draw_chart(stem, points, style, Kind::QualityVsTime)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    MetricVsEps,
    QualityVsTime,
}

/// Colours per solver (matplotlib's "tab10", familiar from papers).
const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];
/// Marker shapes per eps in [`quality_vs_time`]; reused cyclically past six eps.
const SHAPES: usize = 6;
const MARKER: i32 = 5;
const CAPTION_PX: u32 = 16;
const TICK_PX: u32 = 12;
const AXIS_PX: u32 = 14;
const LEGEND_PX: u32 = 14;
const TITLE_PX: u32 = 18;
const LEGEND_ROW: i32 = 24;

fn color(solver: usize) -> RGBColor {
    let (r, g, b) = PALETTE[solver % PALETTE.len()];
    RGBColor(r, g, b)
}

/// A point, classified: `xy` is where it is drawn, `None` when skipped.
struct Item {
    solver: usize,
    panel: usize,
    eps: f64,
    xy: Option<(f64, f64)>,
}

/// Everything the drawing needs, derived once from the input.
struct Chart<'a> {
    kind: Kind,
    style: &'a ChartStyle,
    solvers: Vec<&'a str>,
    panels: Vec<&'a str>,
    /// Distinct eps of the drawn points, ascending (the shape index in [`quality_vs_time`]).
    eps: Vec<f64>,
    items: Vec<Item>,
    /// Which solvers have at least one drawn point (only those get a legend entry).
    solver_drawn: Vec<bool>,
}

fn draw_chart(
    stem: &Path,
    points: &[ChartPoint],
    style: &ChartStyle,
    kind: Kind,
) -> Result<ChartSummary, ReportError> {
    let fail = |message: String| ReportError::Plot {
        path: output_paths(stem).0.display().to_string(),
        message,
    };
    if points.is_empty() {
        return Err(fail("no points to draw (the input is empty)".into()));
    }
    let mut solvers: Vec<&str> = Vec::new();
    let mut panels: Vec<&str> = Vec::new();
    fn index<'a>(names: &mut Vec<&'a str>, name: &'a str) -> usize {
        names.iter().position(|n| *n == name).unwrap_or_else(|| {
            names.push(name);
            names.len() - 1
        })
    }
    let (mut missing, mut non_positive) = (0, 0);
    let mut items = Vec::with_capacity(points.len());
    for p in points {
        let solver = index(&mut solvers, p.solver.as_str());
        let panel = index(&mut panels, p.panel.as_str());
        let x = match kind {
            Kind::MetricVsEps => Some(p.eps),
            Kind::QualityVsTime => p.seconds,
        };
        let xy = match (x, p.value) {
            (Some(x), Some(y)) => {
                let loggable = |v: f64| v.is_finite() && v > 0.0;
                if loggable(x) && loggable(y) && loggable(p.eps) {
                    Some((x, y))
                } else {
                    non_positive += 1;
                    None
                }
            }
            _ => {
                missing += 1;
                None
            }
        };
        items.push(Item { solver, panel, eps: p.eps, xy });
    }
    let drawn = items.iter().filter(|i| i.xy.is_some()).count();
    if drawn == 0 {
        return Err(fail(format!(
            "none of the {} points can be drawn: {missing} missing, {non_positive} zero, \
             negative or not finite (log axes)",
            points.len()
        )));
    }
    let mut eps: Vec<f64> = items.iter().filter(|i| i.xy.is_some()).map(|i| i.eps).collect();
    eps.sort_by(f64::total_cmp);
    eps.dedup();
    let mut solver_drawn = vec![false; solvers.len()];
    for i in items.iter().filter(|i| i.xy.is_some()) {
        solver_drawn[i.solver] = true;
    }
    let chart = Chart { kind, style, solvers, panels, eps, items, solver_drawn };
    let files = write_figure(stem, &chart)?;
    Ok(ChartSummary { files, drawn, missing, non_positive })
}

/// A legend entry's symbol.
#[derive(Clone, Copy)]
enum Symbol {
    /// A line through a marker (a solver in [`metric_vs_eps`]).
    Line(RGBColor),
    /// A marker of a shape and colour.
    Marker(usize, RGBColor),
}

/// One row of the legend: its entries with their x offsets, and its width in pixels.
#[derive(Default)]
struct LegendRow {
    entries: Vec<(Symbol, String, i32)>,
    width: i32,
}

impl Chart<'_> {
    /// The legend's entries; the flag marks the first of the eps shapes, set apart from the
    /// solvers by a wider gap.
    fn legend(&self) -> Vec<(Symbol, String, bool)> {
        let mut entries = Vec::new();
        for (s, name) in self.solvers.iter().enumerate().filter(|(s, _)| self.solver_drawn[*s]) {
            let symbol = match self.kind {
                Kind::MetricVsEps => Symbol::Line(color(s)),
                Kind::QualityVsTime => Symbol::Marker(0, color(s)),
            };
            entries.push((symbol, name.to_string(), false));
        }
        if self.kind == Kind::QualityVsTime {
            for (k, e) in self.eps.iter().enumerate() {
                let shape = Symbol::Marker(k, RGBColor(60, 60, 60));
                entries.push((shape, format!("eps = {e}"), k == 0));
            }
        }
        entries
    }

    /// The legend wrapped into rows no wider than `width`.
    fn legend_rows(&self, width: u32) -> Vec<LegendRow> {
        const SYMBOL: i32 = 30;
        const GAP: i32 = 22;
        let usable = width as i32 - 20;
        let mut rows = vec![LegendRow::default()];
        for (symbol, text, group) in self.legend() {
            let item = SYMBOL + text_width(&text, LEGEND_PX) as i32;
            let gap = if group { 3 * GAP } else { GAP };
            let last = rows.last().expect("rows start non-empty");
            if !last.entries.is_empty() && last.width + gap + item > usable {
                rows.push(LegendRow::default());
            }
            let row = rows.last_mut().expect("rows start non-empty");
            let x = if row.entries.is_empty() { 0 } else { row.width + gap };
            row.entries.push((symbol, text, x));
            row.width = x + item;
        }
        rows
    }

    /// Height of the strip above the panels: the title and the legend rows.
    fn header_height(&self, width: u32) -> u32 {
        let rows = self.legend_rows(width);
        let title = if self.style.title.is_some() { TITLE_PX + 14 } else { 0 };
        title + rows.len() as u32 * LEGEND_ROW as u32 + 12
    }

    fn draw_header<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (width, _) = area.dim_in_pixel();
        let mut y = 6;
        if let Some(title) = &self.style.title {
            let font = (FONT_FAMILY, TITLE_PX).into_font().color(&BLACK);
            let at = Pos::new(HPos::Center, VPos::Top);
            area.draw(&Text::new(title.as_str(), (width as i32 / 2, y), font.pos(at)))
                .map_err(|e| e.to_string())?;
            y += TITLE_PX as i32 + 14;
        }
        let font = (FONT_FAMILY, LEGEND_PX).into_font().color(&BLACK);
        for row in self.legend_rows(width) {
            // Centre each row; y is the row's middle.
            let left = (width as i32 - row.width) / 2;
            let mid = y + LEGEND_ROW / 2;
            for (symbol, text, x) in row.entries {
                let x = left + x;
                match symbol {
                    Symbol::Line(c) => {
                        let line =
                            PathElement::new(vec![(x, mid), (x + 24, mid)], c.stroke_width(2));
                        area.draw(&line).map_err(|e| e.to_string())?;
                        marker(area, (x + 12, mid), 0, c)?;
                    }
                    Symbol::Marker(shape, c) => marker(area, (x + 12, mid), shape, c)?,
                }
                let at = font.pos(Pos::new(HPos::Left, VPos::Center));
                area.draw(&Text::new(text, (x + 30, mid), at)).map_err(|e| e.to_string())?;
            }
            y += LEGEND_ROW;
        }
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: usize,
    ) -> Result<(), String> {
        let title = self.panels[panel];
        let drawn: Vec<&Item> =
            self.items.iter().filter(|i| i.panel == panel && i.xy.is_some()).collect();
        if drawn.is_empty() {
            // Keep the panel, so a grid with a hole says which panel has nothing to show.
            let inner = area.titled(title, (FONT_FAMILY, CAPTION_PX)).map_err(|e| e.to_string())?;
            let (w, h) = inner.dim_in_pixel();
            let font = (FONT_FAMILY, AXIS_PX).into_font().color(&RGBColor(120, 120, 120));
            let at = font.pos(Pos::new(HPos::Center, VPos::Center));
            let note = Text::new("no value to draw", (w as i32 / 2, h as i32 / 2), at);
            return inner.draw(&note).map_err(|e| e.to_string());
        }
        let xs = drawn.iter().filter_map(|i| i.xy.map(|p| p.0));
        let bars: Vec<Vec<(f64, f64, f64)>> = match self.kind {
            Kind::MetricVsEps => {
                (0..self.solvers.len()).map(|s| self.intervals(panel, s)).collect()
            }
            Kind::QualityVsTime => Vec::new(),
        };
        // The axis holds the bars' tops too (their bottoms are cut at the floor when not > 0).
        let tops = bars.iter().flatten().map(|b| b.2).filter(|v| v.is_finite() && *v > 0.0);
        let ys = drawn.iter().filter_map(|i| i.xy.map(|p| p.1)).chain(tops);
        let (x_range, x_ticks) = log_axis(xs);
        let (y_range, y_ticks) = log_axis(ys);
        let x_desc = match self.kind {
            Kind::MetricVsEps => self.style.x_label.as_str(),
            Kind::QualityVsTime => "fit time (s)",
        };
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FONT_FAMILY, CAPTION_PX))
            .margin(8)
            .margin_right(16)
            .x_label_area_size(44)
            .y_label_area_size(62)
            .build_cartesian_2d(log_coord(x_range, x_ticks), log_coord(y_range, y_ticks))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .x_desc(x_desc)
            .y_desc(self.style.metric.as_str())
            .label_style((FONT_FAMILY, TICK_PX))
            .axis_desc_style((FONT_FAMILY, AXIS_PX))
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .draw()
            .map_err(|e| e.to_string())?;
        let plot = chart.plotting_area();
        if self.kind == Kind::MetricVsEps {
            for (s, solver_bars) in bars.iter().enumerate().take(self.solvers.len()) {
                for run in self.line_runs(panel, s) {
                    let line = PathElement::new(run, color(s).stroke_width(2));
                    plot.draw(&line).map_err(|e| e.to_string())?;
                }
                for &(e, lo, hi) in solver_bars {
                    let lo = lo.max(y_range.0);
                    let bar = PathElement::new(vec![(e, lo), (e, hi)], color(s).stroke_width(1));
                    plot.draw(&bar).map_err(|e| e.to_string())?;
                }
            }
        }
        for item in drawn {
            let shape = match self.kind {
                Kind::MetricVsEps => 0,
                Kind::QualityVsTime => self.eps.iter().position(|e| *e == item.eps).unwrap_or(0),
            };
            let xy = item.xy.expect("only drawn items are kept");
            marker(plot, xy, shape, color(item.solver))?;
        }
        Ok(())
    }

    /// The 95 % interval of the mean of `solver`'s values at each eps of `panel` that has at
    /// least two: `(eps, low, high)`.
    fn intervals(&self, panel: usize, solver: usize) -> Vec<(f64, f64, f64)> {
        let mut by_eps: Vec<(f64, Vec<f64>)> = Vec::new();
        for i in self.items.iter().filter(|i| i.panel == panel && i.solver == solver) {
            let Some((_, y)) = i.xy else { continue };
            match by_eps.iter_mut().find(|(e, _)| e.total_cmp(&i.eps).is_eq()) {
                Some((_, ys)) => ys.push(y),
                None => by_eps.push((i.eps, vec![y])),
            }
        }
        by_eps
            .into_iter()
            .filter(|(_, ys)| ys.len() >= 2)
            .map(|(e, ys)| {
                let (m, n) = (mean(&ys), ys.len() as f64);
                let sd = (ys.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                let half = crate::summary::t_quantile_975(ys.len() - 1) * sd / n.sqrt();
                (e, m - half, m + half)
            })
            .collect()
    }

    /// The pieces of `solver`'s line in `panel`: through the mean value at each eps, broken at
    /// an eps whose every value is skipped.
    fn line_runs(&self, panel: usize, solver: usize) -> Vec<Vec<(f64, f64)>> {
        let mut mine: Vec<&Item> =
            self.items.iter().filter(|i| i.panel == panel && i.solver == solver).collect();
        mine.sort_by(|a, b| a.eps.total_cmp(&b.eps));
        let mut runs = vec![Vec::new()];
        let mut k = 0;
        while k < mine.len() {
            let e = mine[k].eps;
            let group: Vec<Option<f64>> = mine[k..]
                .iter()
                .take_while(|i| i.eps.total_cmp(&e).is_eq())
                .map(|i| i.xy.map(|p| p.1))
                .collect();
            k += group.len();
            let ys: Vec<f64> = group.into_iter().flatten().collect();
            if ys.is_empty() {
                runs.push(Vec::new());
            } else {
                runs.last_mut().expect("runs start non-empty").push((e, mean(&ys)));
            }
        }
        runs.retain(|r| r.len() >= 2);
        runs
    }
}

impl Figure for Chart<'_> {
    fn size(&self) -> (u32, u32) {
        let columns = self.style.columns.max(1);
        let rows = self.panels.len().div_ceil(columns);
        let (w, h) = self.style.panel_size;
        let width = w * columns as u32;
        (width, self.header_height(width) + h * rows as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (width, _) = root.dim_in_pixel();
        let (header, body) = root.split_vertically(self.header_height(width));
        self.draw_header(&header)?;
        let columns = self.style.columns.max(1);
        let rows = self.panels.len().div_ceil(columns);
        for (panel, area) in body.split_evenly((rows, columns)).iter().enumerate() {
            if panel < self.panels.len() {
                self.draw_panel(area, panel)?;
            }
        }
        Ok(())
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Draws marker `shape` (cyclic over [`SHAPES`]) at `at` in `c`, in `area`'s coordinates.
fn marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    shape: usize,
    c: RGBColor,
) -> Result<(), String>
where
    CT::From: Clone + 'static,
{
    let r = MARKER;
    let fill = c.filled();
    let at = EmptyElement::at(at);
    let result = match shape % SHAPES {
        0 => area.draw(&(at + Circle::new((0, 0), r, fill))),
        1 => area.draw(&(at + TriangleMarker::new((0, 0), r + 1, fill))),
        2 => area.draw(&(at + Rectangle::new([(-r + 1, -r + 1), (r - 1, r - 1)], fill))),
        3 => area.draw(&(at + Cross::new((0, 0), r, c.stroke_width(2)))),
        4 => area.draw(&(at + Circle::new((0, 0), r, c.stroke_width(2)))),
        _ => area.draw(&(at + Polygon::new(vec![(0, -r - 1), (r, 0), (0, r + 1), (-r, 0)], fill))),
    };
    result.map_err(|e| e.to_string())
}

fn log_coord(range: (f64, f64), ticks: Vec<f64>) -> WithKeyPoints<LogCoord<f64>> {
    (range.0..range.1).log_scale().with_key_points(ticks)
}

/// A log axis around positive finite `values`: the range, padded so markers clear the frame
/// and at least a factor 4 wide, and its tick positions.
fn log_axis(values: impl Iterator<Item = f64>) -> ((f64, f64), Vec<f64>) {
    let (mut lo, mut hi) =
        values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    lo /= 1.5;
    hi *= 1.5;
    if hi / lo < 4.0 {
        let centre = (lo * hi).sqrt();
        (lo, hi) = (centre / 2.0, centre * 2.0);
    }
    ((lo, hi), log_ticks(lo, hi))
}

/// Ticks for a log axis over `[lo, hi]`: the sparsest of the mantissa sets 1; 1, 3; 1, 2, 5;
/// 1..9 (times powers of ten) that gives at least three, thinned to at most eight.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    const SETS: [&[f64]; 4] =
        [&[1.0], &[1.0, 3.0], &[1.0, 2.0, 5.0], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]];
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let mut ticks = Vec::new();
    for set in SETS {
        ticks.clear();
        for k in first..=last {
            for m in set {
                let v = m * 10f64.powi(k);
                if v >= lo && v <= hi {
                    ticks.push(v);
                }
            }
        }
        if ticks.len() >= 3 {
            break;
        }
    }
    if ticks.len() > 8 {
        let step = ticks.len().div_ceil(6);
        ticks = ticks.into_iter().step_by(step).collect();
    }
    ticks
}

/// A tick value with the digits it needs: `0.03`, `2`, `100`, `1e-5`, `3e6`.
fn tick_label(v: f64) -> String {
    if !(v.is_finite() && v > 0.0) {
        return format!("{v}");
    }
    // The ticks are one significant digit (log_ticks); a nudge keeps 0.3 (0.29999...) at
    // exponent -1.
    let exp = (v * (1.0 + 1e-9)).log10().floor() as i32;
    if !(-4..5).contains(&exp) {
        return format!("{v:.0e}");
    }
    let decimals = (-exp).max(0) as usize;
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system temp dir, unique per process and test.
    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("eot-chart-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn point(
        solver: &str,
        panel: &str,
        eps: f64,
        value: Option<f64>,
        s: Option<f64>,
    ) -> ChartPoint {
        ChartPoint { solver: solver.into(), panel: panel.into(), eps, value, seconds: s }
    }

    fn tiny() -> Vec<ChartPoint> {
        let mut v = Vec::new();
        for (panel, scale) in [("gmm D=2", 1.0), ("gmm D=16", 10.0)] {
            for (k, eps) in [0.1, 1.0, 10.0].into_iter().enumerate() {
                let k = k as f64;
                v.push(point("sinkhorn", panel, eps, Some(scale * (3.0 - k)), Some(0.1 + k)));
                v.push(point("gmm", panel, eps, Some(scale * 0.05 * (1.0 + k)), Some(4.0)));
            }
        }
        v
    }

    fn assert_written(files: &[PathBuf], needle: &str) {
        assert_eq!(files.len(), 2);
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains(needle), "{}", files[0].display());
        assert!(svg.len() > 2000, "{} bytes of SVG", svg.len());
        let png = std::fs::read(&files[1]).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", files[1].display());
        assert!(png.len() > 5000, "{} bytes of PNG", png.len());
    }

    #[test]
    fn both_charts_write_svg_and_png() {
        let dir = temp("both");
        let style = ChartStyle { title: Some("tiny".into()), columns: 2, ..ChartStyle::default() };
        let s = metric_vs_eps(&dir.join("eps"), &tiny(), &style).unwrap();
        assert_written(&s.files, "gmm D=16");
        assert_eq!((s.drawn, s.missing, s.non_positive), (12, 0, 0));
        let s = quality_vs_time(&dir.join("time"), &tiny(), &style).unwrap();
        assert_written(&s.files, "eps = 10");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_and_non_positive_are_skipped_and_counted() {
        let dir = temp("skip");
        let mut points = tiny();
        points[0].value = None;
        points[1].value = Some(0.0);
        points[2].value = Some(-1.0);
        points[3].seconds = None;
        points[4].value = Some(f64::NAN);
        let style = ChartStyle::default();
        let s = metric_vs_eps(&dir.join("eps"), &points, &style).unwrap();
        // points[3] has a value: the eps chart does not need its time.
        assert_eq!((s.drawn, s.missing, s.non_positive), (8, 1, 3));
        let s = quality_vs_time(&dir.join("time"), &points, &style).unwrap();
        assert_eq!((s.drawn, s.missing, s.non_positive), (7, 2, 3));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn empty_or_undrawable_input_is_an_error() {
        let dir = temp("empty");
        let style = ChartStyle::default();
        let err = metric_vs_eps(&dir.join("eps"), &[], &style).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let err = quality_vs_time(&dir.join("time"), &[], &style).unwrap_err();
        assert!(err.to_string().contains("time.svg"), "{err}");
        let none = [point("gmm", "p", 1.0, None, None), point("gmm", "p", 1.0, Some(0.0), None)];
        let err = metric_vs_eps(&dir.join("eps"), &none, &style).unwrap_err();
        assert!(err.to_string().contains("1 missing, 1 zero"), "{err}");
        assert!(!dir.join("eps.svg").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn line_breaks_at_a_skipped_eps_and_averages_seeds() {
        let points = vec![
            point("a", "p", 0.1, Some(1.0), None),
            point("a", "p", 1.0, None, None),
            point("a", "p", 3.0, Some(2.0), None),
            point("a", "p", 10.0, Some(4.0), None),
            point("a", "p", 10.0, Some(6.0), None),
        ];
        let style = ChartStyle::default();
        let dir = temp("runs");
        // Drawn through the public function too, so the break is rendered without error.
        metric_vs_eps(&dir.join("runs"), &points, &style).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
        let chart = Chart {
            kind: Kind::MetricVsEps,
            style: &style,
            solvers: vec!["a"],
            panels: vec!["p"],
            eps: vec![],
            items: points
                .iter()
                .map(|p| Item { solver: 0, panel: 0, eps: p.eps, xy: p.value.map(|v| (p.eps, v)) })
                .collect(),
            solver_drawn: vec![true],
        };
        assert_eq!(chart.line_runs(0, 0), vec![vec![(3.0, 2.0), (10.0, 5.0)]]);
    }

    #[test]
    fn log_ticks_and_labels() {
        assert_eq!(log_ticks(0.06, 15.0), vec![0.1, 1.0, 10.0]);
        let t: Vec<String> = log_ticks(0.2, 0.9).iter().map(|v| tick_label(*v)).collect();
        assert_eq!(t, ["0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]);
        let t: Vec<String> = log_ticks(0.003, 0.9).iter().map(|v| tick_label(*v)).collect();
        assert_eq!(t, ["0.003", "0.01", "0.03", "0.1", "0.3"]);
        assert!(log_ticks(1e-6, 1e6).len() <= 8);
        assert_eq!(tick_label(100.0), "100");
        assert_eq!(tick_label(1e-5), "1e-5");
    }
}
