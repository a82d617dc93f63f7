//! Figures (plotters), each written twice: `<stem>.svg` and `<stem>.png` (the image grids of
//! [`crate::image_grid`] are PNG only).
//!
//! Text is laid out (and, in the PNG, rasterised) with one TrueType font read at run time, so
//! the build needs no font library (no fontconfig, no freetype headers) and no font file is
//! shipped with the sources. The font is [`DEFAULT_FONT`] (Debian/Ubuntu package
//! [`FONT_PACKAGE`]) unless the environment variable [`FONT_ENV`] names another file. Without
//! it, drawing fails with an error naming the path and the package; it never panics.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ReportError;

/// The font file read when [`FONT_ENV`] is not set.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/// The Debian/Ubuntu package that installs [`DEFAULT_FONT`].
pub const FONT_PACKAGE: &str = "fonts-dejavu-core";
/// Environment variable naming another TrueType/OpenType file (e.g. on a machine without
/// [`FONT_PACKAGE`]).
pub const FONT_ENV: &str = "EOT_FONT";
/// The family every figure asks for; the loaded font is registered under this name.
pub(crate) const FONT_FAMILY: &str = "sans-serif";

/// One set of points drawn in one colour.
#[derive(Clone, Debug)]
pub struct Layer {
    /// RGB colour.
    pub color: (u8, u8, u8),
    /// Opacity in `[0, 1]`.
    pub opacity: f64,
    /// Marker radius in pixels.
    pub radius: u32,
    /// The points, `(x, y)`.
    pub points: Vec<(f64, f64)>,
}

/// One panel: a title and its layers, drawn in order (later on top).
#[derive(Clone, Debug)]
pub struct Panel {
    /// Panel title.
    pub title: String,
    /// Layers, drawn in order.
    pub layers: Vec<Layer>,
}

/// The axes' extent, shared by every panel so they compare at a glance.
#[derive(Clone, Copy, Debug)]
pub struct Extent {
    /// x range.
    pub x: (f64, f64),
    /// y range.
    pub y: (f64, f64),
}

/// The two files a figure with this stem is written to: `(<stem>.svg, <stem>.png)`.
///
/// A trailing `.svg` or `.png` on `stem` is dropped first, so an old `--out fig.svg` still
/// works. The suffix is appended rather than set with `Path::with_extension`, which would cut a
/// stem such as `eps0.1` at its dot.
pub fn output_paths(stem: &Path) -> (PathBuf, PathBuf) {
    let is_ours = stem
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg") || e.eq_ignore_ascii_case("png"));
    let base = if is_ours { stem.with_extension("") } else { stem.to_path_buf() };
    let with = |suffix: &str| {
        let mut s = base.clone().into_os_string();
        s.push(suffix);
        PathBuf::from(s)
    };
    (with(".svg"), with(".png"))
}

/// Writes `panels` on a grid of `columns` columns, each `size` pixels square, to
/// `<stem>.svg` and `<stem>.png` (see [`output_paths`]); returns the two paths.
pub fn scatter(
    stem: &Path,
    panels: &[Panel],
    columns: usize,
    size: u32,
    extent: Extent,
) -> Result<Vec<PathBuf>, ReportError> {
    let columns = columns.max(1);
    let rows = panels.len().div_ceil(columns).max(1);
    write_figure(stem, &Scatter { panels, columns, rows, size, extent })
}

struct Scatter<'a> {
    panels: &'a [Panel],
    columns: usize,
    rows: usize,
    size: u32,
    extent: Extent,
}

impl Figure for Scatter<'_> {
    fn size(&self) -> (u32, u32) {
        (self.size * self.columns as u32, self.size * self.rows as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (x, y) = (self.extent.x, self.extent.y);
        for (area, panel) in root.split_evenly((self.rows, self.columns)).iter().zip(self.panels) {
            let mut chart = ChartBuilder::on(area)
                .caption(&panel.title, (FONT_FAMILY, 15))
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(30)
                .build_cartesian_2d(x.0..x.1, y.0..y.1)
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(5)
                .y_labels(5)
                .label_style((FONT_FAMILY, 12))
                .draw()
                .map_err(|e| e.to_string())?;
            for layer in &panel.layers {
                let (r, g, b) = layer.color;
                let style = RGBColor(r, g, b).mix(layer.opacity).filled();
                chart
                    .draw_series(layer.points.iter().map(|&p| Circle::new(p, layer.radius, style)))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// A drawing that can be rendered on any plotters backend, so one description yields both
/// the SVG and the PNG.
pub(crate) trait Figure {
    /// Width and height in pixels. Called once the font is registered, so it may measure text.
    fn size(&self) -> (u32, u32);
    /// Draws on `root` (already filled white). Errors are plotters' messages.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Renders `figure` to `<stem>.svg` and `<stem>.png`; returns the two paths.
pub(crate) fn write_figure(stem: &Path, figure: &impl Figure) -> Result<Vec<PathBuf>, ReportError> {
    let (svg, png) = output_paths(stem);
    // Both backends measure text with the registered font (the SVG one to size the label
    // areas), so it is needed before either is drawn.
    check_font(&svg)?;
    let size = figure.size();
    create_parent_dir(&svg)?;
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        render(&root, figure).map_err(|m| plot_error(&svg, m))?;
    }
    // Drawn into memory and encoded here rather than by plotters, whose PNG writer needs the
    // `image` crate (see Cargo.toml).
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        render(&root, figure).map_err(|m| plot_error(&png, m))?;
    }
    write_png(&png, size, &rgb)?;
    Ok(vec![svg, png])
}

fn render<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &impl Figure,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    figure.draw(root)?;
    // The SVG backend writes its file here: an unwritable path surfaces now.
    root.present().map_err(|e| e.to_string())
}

/// Creates the folder `path` will be written to, if it names one.
pub(crate) fn create_parent_dir(path: &Path) -> Result<(), ReportError> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir)
            .map_err(|e| ReportError::Io { path: dir.display().to_string(), error: e }),
        None => Ok(()),
    }
}

/// Width in pixels of `text` at `px` in the registered font: the same measure both backends
/// lay text out with, so layouts computed from it match the drawing.
pub(crate) fn text_width(text: &str, px: u32) -> u32 {
    let font = FontDesc::new(FontFamily::Name(FONT_FAMILY), f64::from(px), FontStyle::Normal);
    // Without the font nothing is drawn at all (drawing functions check first); the fallback
    // only keeps this infallible, at 0.6 em per character.
    font.box_size(text).map_or(text.chars().count() as u32 * px * 6 / 10, |(w, _)| w)
}

/// Writes 8-bit RGB pixels (rows top to bottom) as a PNG file.
pub(crate) fn write_png(path: &Path, (w, h): (u32, u32), rgb: &[u8]) -> Result<(), ReportError> {
    let io = |error| ReportError::Io { path: path.display().to_string(), error };
    let encode = |e: png::EncodingError| plot_error(path, format!("PNG encoding: {e}"));
    let file = std::fs::File::create(path).map_err(io)?;
    // Unbuffered: png writes whole chunks, and a BufWriter would drop a failed final flush.
    let mut encoder = png::Encoder::new(file, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(encode)?;
    writer.write_image_data(rgb).map_err(encode)?;
    writer.finish().map_err(encode)
}

pub(crate) fn plot_error(path: &Path, message: String) -> ReportError {
    ReportError::Plot { path: path.display().to_string(), message }
}

/// Loads the figures' font (once per process) or says why it cannot, naming `figure`, the file
/// about to be drawn. Every drawing function calls it; a program that computes for minutes
/// before drawing calls it first, so a missing font stops it at once.
pub fn check_font(figure: &Path) -> Result<(), ReportError> {
    ensure_font().map_err(|message| plot_error(figure, message))
}

/// Loads the font once per process and registers it as [`FONT_FAMILY`]. The outcome, failure
/// included, is kept: a retry would read the same file again.
fn ensure_font() -> Result<(), String> {
    static LOADED: OnceLock<Result<(), String>> = OnceLock::new();
    LOADED
        .get_or_init(|| match std::env::var_os(FONT_ENV) {
            Some(v) if v.is_empty() => Err(format!(
                "{FONT_ENV} is set but empty: set it to a TrueType font file, or unset it \
                     to use {DEFAULT_FONT}"
            )),
            Some(v) => load_font(Path::new(&v)),
            None => load_font(Path::new(DEFAULT_FONT)),
        })
        .clone()
}

/// Reads the font file at `path` and registers it under [`FONT_FAMILY`].
fn load_font(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| unreadable_font(path, &e))?;
    // plotters keeps fonts as &'static [u8]: the bytes live for the rest of the process. This
    // happens once per process (ensure_font caches the outcome).
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, bytes).map_err(|_| {
        format!("{} is not a TrueType/OpenType font (set {FONT_ENV} to one)", path.display())
    })
}

/// The message for a font file that cannot be read: what to install, or what to unset.
fn unreadable_font(path: &Path, e: &std::io::Error) -> String {
    let hint = if path == Path::new(DEFAULT_FONT) {
        format!(
            "install the package {FONT_PACKAGE} (Debian/Ubuntu: apt-get install {FONT_PACKAGE}) \
             or set {FONT_ENV} to a TrueType font file"
        )
    } else {
        format!("{FONT_ENV} names this file; unset it to use {DEFAULT_FONT}")
    };
    format!("cannot read the font {}: {e}; {hint}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system temp dir, unique per process and test.
    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("eot-figure-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn output_paths_append_and_drop_our_suffixes() {
        let (s, p) = output_paths(Path::new("out/eps0.1"));
        assert_eq!(
            (s.to_str().unwrap(), p.to_str().unwrap()),
            ("out/eps0.1.svg", "out/eps0.1.png")
        );
        let (s, p) = output_paths(Path::new("out/roll.SVG"));
        assert_eq!((s.to_str().unwrap(), p.to_str().unwrap()), ("out/roll.svg", "out/roll.png"));
    }

    #[test]
    fn missing_or_bad_font_is_an_error_naming_the_file() {
        let dir = temp("font");
        let missing = dir.join("no-such-font.ttf");
        let err = load_font(&missing).unwrap_err();
        assert!(err.contains("no-such-font.ttf") && err.contains(FONT_ENV), "{err}");
        let gone = std::io::Error::from(std::io::ErrorKind::NotFound);
        let err = unreadable_font(Path::new(DEFAULT_FONT), &gone);
        assert!(err.contains(DEFAULT_FONT) && err.contains("apt-get install fonts-dejavu-core"));
        let bad = dir.join("bad.ttf");
        std::fs::write(&bad, b"not a font").unwrap();
        let err = load_font(&bad).unwrap_err();
        assert!(err.contains("bad.ttf") && err.contains("not a TrueType"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn scatter_writes_svg_and_png() {
        let dir = temp("scatter");
        let layer = Layer {
            color: (31, 119, 180),
            opacity: 0.5,
            radius: 2,
            points: (0..50)
                .map(|i| (f64::from(i) / 25.0 - 1.0, (f64::from(i) / 8.0).sin()))
                .collect(),
        };
        let panels = vec![
            Panel { title: "first".into(), layers: vec![layer.clone()] },
            Panel { title: "second".into(), layers: vec![layer] },
        ];
        let extent = Extent { x: (-1.2, 1.2), y: (-1.2, 1.2) };
        let files = scatter(&dir.join("roll"), &panels, 2, 200, extent).unwrap();
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(svg.contains("<svg") && svg.contains("second"));
        let png = std::fs::read(&files[1]).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 2000, "{} bytes", png.len());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
