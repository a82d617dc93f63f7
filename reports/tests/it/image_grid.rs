//! Image grids: the PNG's size and pixels (decoded with `png`) against the documented layout,
//! clamping, blank cells, and every refused input named by its row.

use std::path::{Path, PathBuf};

use eot_reports::ReportError;
use eot_reports::image_grid::{GAP, GROUP_GAP, ImageGrid, ImageRow, MARGIN, write_image_grid};

/// A fresh folder under the system temp dir, unique per process and test, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("eot-image-grid-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A decoded RGB PNG.
struct Decoded {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Decoded {
    fn read(path: &Path) -> Self {
        let file = std::io::BufReader::new(std::fs::File::open(path).expect("open png"));
        let mut reader = png::Decoder::new(file).read_info().expect("png header");
        let mut rgb = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut rgb).expect("png data");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        rgb.truncate(info.buffer_size());
        Decoded { width: info.width, height: info.height, rgb }
    }

    /// The grey at device pixel (x, y); panics unless the pixel is grey.
    fn grey(&self, x: u32, y: u32) -> u8 {
        let i = (y * self.width + x) as usize * 3;
        let p = &self.rgb[i..i + 3];
        assert!(p[0] == p[1] && p[1] == p[2], "pixel ({x}, {y}) is not grey: {p:?}");
        p[0]
    }

    /// Asserts that image pixel `p` of a `w`-wide image drawn at `origin` with `scale` is the
    /// block of greys `want[p]`, for every pixel.
    fn assert_image(&self, origin: (u32, u32), w: usize, scale: u32, want: &[u8]) {
        for (p, &g) in want.iter().enumerate() {
            let (x, y) = (origin.0 + (p % w) as u32 * scale, origin.1 + (p / w) as u32 * scale);
            for (dx, dy) in (0..scale).flat_map(|dx| (0..scale).map(move |dy| (dx, dy))) {
                assert_eq!(self.grey(x + dx, y + dy), g, "image pixel {p} at ({x}+{dx}, {y}+{dy})");
            }
        }
    }
}

fn grid(rows: Vec<ImageRow>, (height, width): (usize, usize), scale: u32) -> ImageGrid {
    ImageGrid { title: String::new(), height, width, scale, group: 1, headers: vec![], rows }
}

fn message(err: ReportError) -> String {
    match err {
        ReportError::Grid(m) => m,
        other => panic!("expected a grid error, got {other}"),
    }
}

// 5 rows x 4 columns images at scale 4: each is 16 x 20 device pixels.
const H: usize = 5;
const W: usize = 4;
const S: u32 = 4;

#[test]
fn pixels_land_where_the_layout_says_with_their_grey() {
    // A white 2 x 2 square on black, one pixel at 0.25 (grey 64).
    let mut square = vec![0.0; H * W];
    for p in [W + 1, W + 2, 2 * W + 1, 2 * W + 2] {
        square[p] = 1.0;
    }
    square[0] = 0.25;
    // Out of range values: clamped to 0 and 255.
    let mut clamped = vec![-0.5; H * W];
    clamped[H * W - 1] = 1.7;
    clamped[1] = f64::INFINITY;
    let flat = vec![0.2; H * W];
    let rows = vec![
        ImageRow::samples("", vec![square, clamped]),
        // One image short: the second cell stays blank.
        ImageRow::samples("", vec![flat]),
    ];
    let dir = TempDir::new("pixels");
    let path = write_image_grid(&dir.0.join("grid"), &grid(rows, (H, W), S)).unwrap();
    assert_eq!(path, dir.0.join("grid.png"));
    let png = Decoded::read(&path);
    let (cw, ch) = (W as u32 * S, H as u32 * S);
    assert_eq!((png.width, png.height), (2 * MARGIN + 2 * cw + GAP, 2 * MARGIN + 2 * ch + GAP));

    let mut want = vec![0u8; H * W];
    for p in [W + 1, W + 2, 2 * W + 1, 2 * W + 2] {
        want[p] = 255;
    }
    want[0] = 64;
    png.assert_image((MARGIN, MARGIN), W, S, &want);
    let mut want = vec![0u8; H * W];
    want[H * W - 1] = 255;
    want[1] = 255;
    png.assert_image((MARGIN + cw + GAP, MARGIN), W, S, &want);
    png.assert_image((MARGIN, MARGIN + ch + GAP), W, S, &[51; H * W]);
    // The blank cell, the gaps and the margin are background white.
    png.assert_image((MARGIN + cw + GAP, MARGIN + ch + GAP), W, S, &[255; H * W]);
    for y in 0..png.height {
        assert_eq!(png.grey(MARGIN + cw, y), 255, "column gap at y {y}");
        assert_eq!(png.grey(0, y), 255, "margin at y {y}");
    }
}

#[test]
fn inputs_are_centred_over_their_group_of_samples() {
    let black = vec![0.0; H * W];
    let grey = vec![0.5; H * W];
    let rows = vec![
        ImageRow::inputs("", vec![black.clone(), black]),
        ImageRow::samples("", vec![grey.clone(), grey.clone(), grey.clone(), grey]),
    ];
    let grid = ImageGrid { group: 2, ..grid(rows, (H, W), S) };
    let dir = TempDir::new("groups");
    let png = Decoded::read(&write_image_grid(&dir.0.join("g"), &grid).unwrap());
    let (cw, ch) = (W as u32 * S, H as u32 * S);
    let block = 2 * cw + GAP;
    assert_eq!(png.width, 2 * MARGIN + 2 * block + GROUP_GAP);
    let second_group = MARGIN + block + GROUP_GAP;
    for left in [MARGIN, second_group] {
        png.assert_image((left + (block - cw) / 2, MARGIN), W, S, &[0; H * W]);
        let y = MARGIN + ch + GAP;
        png.assert_image((left, y), W, S, &[128; H * W]);
        png.assert_image((left + cw + GAP, y), W, S, &[128; H * W]);
    }
}

#[test]
fn labels_title_and_headers_are_drawn_beside_the_images() {
    let black = vec![0.0; H * W];
    let rows = vec![
        ImageRow::inputs("x", vec![black.clone()]),
        ImageRow::samples("sinkhorn eps=0.1", vec![black]),
    ];
    let grid = ImageGrid {
        title: "colored MNIST 2 -> 3".into(),
        headers: vec!["x_1".into()],
        ..grid(rows, (H, W), S)
    };
    let dir = TempDir::new("labels");
    let png = Decoded::read(&write_image_grid(&dir.0.join("l"), &grid).unwrap());
    // The title is the widest text here; the images sit right of the longest label.
    assert!(png.width > 2 * MARGIN + 100, "width {}", png.width);
    let dark = |xs: std::ops::Range<u32>, ys: std::ops::Range<u32>| {
        xs.flat_map(|x| ys.clone().map(move |y| (x, y)))
            .filter(|&(x, y)| png.rgb[((y * png.width + x) * 3) as usize] < 128)
            .count()
    };
    // Text is dark on white: the title above, the labels at the left of the image rows.
    assert!(dark(0..png.width, 0..MARGIN + 16) > 20, "no title drawn");
    let bottom_row = png.height - MARGIN - 20..png.height - MARGIN;
    assert!(dark(0..MARGIN + 40, bottom_row) > 20, "no row label drawn");
}

#[test]
fn refuses_nan_wrong_sizes_and_empty_grids_naming_the_row() {
    let ok = vec![0.5; H * W];
    let mut nan = ok.clone();
    nan[W + 2] = f64::NAN;
    let dir = TempDir::new("refused");
    let stem = dir.0.join("bad");
    let rows = vec![
        ImageRow::inputs("inputs", vec![ok.clone()]),
        ImageRow::samples("sinkhorn eps=0.1", vec![ok.clone(), ok.clone(), nan]),
    ];
    let err = message(write_image_grid(&stem, &grid(rows, (H, W), S)).unwrap_err());
    assert!(err.contains("row 1 ('sinkhorn eps=0.1'), image 2"), "{err}");
    assert!(err.contains("(row 1, column 2) is NaN"), "{err}");
    assert!(!dir.0.join("bad.png").exists(), "a refused grid wrote a file");

    let rows = vec![
        ImageRow::samples("ot", vec![ok.clone()]),
        ImageRow::samples("short", vec![vec![0.0; H * W - 1]]),
    ];
    let err = message(write_image_grid(&stem, &grid(rows, (H, W), S)).unwrap_err());
    assert!(err.contains("row 1 ('short'), image 0: 19 values, want 20 (5 x 4)"), "{err}");

    let err = message(write_image_grid(&stem, &grid(vec![], (H, W), S)).unwrap_err());
    assert!(err.contains("no image"), "{err}");
    let rows = vec![ImageRow::samples("empty", vec![])];
    let err = message(write_image_grid(&stem, &grid(rows, (H, W), S)).unwrap_err());
    assert!(err.contains("no image"), "{err}");

    for (size, scale) in [((0, W), S), ((H, 0), S), ((H, W), 0)] {
        let rows = vec![ImageRow::samples("a", vec![vec![]])];
        let err = message(write_image_grid(&stem, &grid(rows, size, scale)).unwrap_err());
        assert!(err.contains("must be positive"), "{err}");
    }
    let rows = vec![ImageRow::samples("a", vec![vec![0.0; 4]])];
    let err = message(write_image_grid(&stem, &grid(rows, (2, 2), u32::MAX)).unwrap_err());
    assert!(err.contains("more than 4096"), "{err}");
}
