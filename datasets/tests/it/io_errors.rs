//! Point-file loading: good files in every format, and every documented failure reported with
//! the right variant, 1-based data row / column, and a message naming the file.

use std::path::{Path, PathBuf};

use eot_datasets::DataError;

use crate::temp::TempDir;
use eot_datasets::io::{MIN_POINTS, load_matching, load_points};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The pieces of a `DataError::File`, panicking on any other variant.
fn file_error(err: DataError) -> (PathBuf, Option<usize>, Option<usize>, String, String) {
    let display = err.to_string();
    match err {
        DataError::File { path, row, column, message } => (path, row, column, message, display),
        other => panic!("expected DataError::File, got {other:?}"),
    }
}

/// Asserts a `File` error at `path` with the given row/column, whose Display names the file
/// (and the row/column when present) and whose message contains every string in `needles`.
fn assert_file_error(
    result: Result<impl std::fmt::Debug, DataError>,
    path: &Path,
    row: Option<usize>,
    column: Option<usize>,
    needles: &[&str],
) -> String {
    let err = match result {
        Ok(v) => panic!("expected an error for {}, got Ok({v:?})", path.display()),
        Err(e) => e,
    };
    let (epath, erow, ecol, message, display) = file_error(err);
    assert_eq!(epath, path, "error path ({display})");
    assert_eq!(erow, row, "error row ({display})");
    assert_eq!(ecol, column, "error column ({display})");
    let file_name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        display.contains(file_name),
        "Display '{display}' does not name the file '{file_name}'"
    );
    if let Some(r) = row {
        assert!(display.contains(&format!("row {r}")), "Display '{display}' does not name row {r}");
    } else {
        assert!(!display.contains(", row "), "unexpected row in '{display}'");
    }
    if let Some(c) = column {
        assert!(
            display.contains(&format!("column {c}")),
            "Display '{display}' does not name column {c}"
        );
    }
    for needle in needles {
        assert!(message.contains(needle), "message '{message}' does not contain '{needle}'");
    }
    display
}

/// Builds a version-1.0 `.npy` file: magic, version, little-endian header length, a header dict
/// padded with spaces and ending in '\n' so the whole preamble is a multiple of 64 bytes, then
/// the raw data.
fn npy_bytes(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_str = match shape {
        [n] => format!("({n},)"),
        _ => format!("({})", shape.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let mut header = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape_str}, }}",
        if fortran { "True" } else { "False" }
    );
    // magic (6) + version (2) + header length (2) = 10 bytes before the dict.
    let unpadded = 10 + header.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    header.push_str(&" ".repeat(pad));
    header.push('\n');
    assert_eq!((10 + header.len()) % 64, 0);

    let mut out = Vec::new();
    out.extend_from_slice(b"\x93NUMPY");
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn f64_le(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn f32_le(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn write_parquet(path: &Path, df: &mut polars::prelude::DataFrame) {
    use polars::prelude::ParquetWriter;
    let file = std::fs::File::create(path).expect("create parquet file");
    ParquetWriter::new(file).finish(df).expect("write parquet file");
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

#[test]
fn csv_good_file_loads_values_and_shape() {
    let dir = TempDir::new("csv-good");
    let p = dir.write("good.csv", b"x,y,z\n1.5,-2,3e1\n 4 , 5.25 ,-6\n0,0,1e-3\n");
    let pts = load_points(&p).expect("good csv loads");
    assert_eq!(pts.len(), 3);
    assert_eq!(pts.dim(), 3);
    assert_eq!(pts.as_slice(), &[1.5, -2.0, 30.0, 4.0, 5.25, -6.0, 0.0, 0.0, 1e-3]);
    assert_eq!(pts.row(1), &[4.0, 5.25, -6.0]);
}

#[test]
fn csv_ragged_row_reports_row() {
    let dir = TempDir::new("csv-ragged");
    // Third data row is short, so the error names data row 3 (header not counted), no column.
    let p = dir.write("ragged.csv", b"a,b\n1,2\n3,4\n5\n7,8\n");
    assert_file_error(load_points(&p), &p, Some(3), None, &["1 values", "2 columns"]);

    // A long row is just as ragged.
    let p = dir.write("long.csv", b"a,b\n1,2\n3,4,5\n");
    assert_file_error(load_points(&p), &p, Some(2), None, &["3 values", "2 columns"]);
}

#[test]
fn csv_non_numeric_cell_reports_row_and_column() {
    let dir = TempDir::new("csv-text");
    let p = dir.write("text.csv", b"a,b,c\n1,2,3\n4,5,6\n7,8,oops\n");
    assert_file_error(load_points(&p), &p, Some(3), Some(3), &["'oops'", "'c'", "not a number"]);

    let p = dir.write("text2.csv", b"a,b,c\n1,abc,3\n4,5,6\n");
    assert_file_error(load_points(&p), &p, Some(1), Some(2), &["'abc'", "'b'", "not a number"]);
}

#[test]
fn csv_nan_cell_reports_row_and_column() {
    let dir = TempDir::new("csv-nan");
    let p = dir.write("nan.csv", b"a,b\n1,2\nNaN,4\n5,6\n");
    assert_file_error(load_points(&p), &p, Some(2), Some(1), &["not finite"]);
}

#[test]
fn csv_inf_cells_report_row_and_column() {
    let dir = TempDir::new("csv-inf");
    let p = dir.write("inf.csv", b"a,b\n1,2\n3,4\n5,inf\n");
    assert_file_error(load_points(&p), &p, Some(3), Some(2), &["not finite"]);

    let p = dir.write("neginf.csv", b"a,b\n1,-Infinity\n3,4\n");
    assert_file_error(load_points(&p), &p, Some(1), Some(2), &["not finite"]);

    // An overflowing literal parses to infinity and must be refused too.
    let p = dir.write("overflow.csv", b"a,b\n1,2\n1e400,4\n");
    assert_file_error(load_points(&p), &p, Some(2), Some(1), &["not finite"]);
}

#[test]
fn csv_empty_cell_reports_row_and_column() {
    let dir = TempDir::new("csv-emptycell");
    let p = dir.write("emptycell.csv", b"a,b,c\n1,2,3\n4,,6\n");
    assert_file_error(load_points(&p), &p, Some(2), Some(2), &["empty cell", "'b'"]);

    // Whitespace-only cells are trimmed to empty.
    let p = dir.write("blankcell.csv", b"a,b,c\n1,2,3\n4,5,6\n7,8,   \n");
    assert_file_error(load_points(&p), &p, Some(3), Some(3), &["empty cell", "'c'"]);
}

#[test]
fn csv_completely_empty_file_is_refused() {
    let dir = TempDir::new("csv-empty");
    let p = dir.write("empty.csv", b"");
    assert_file_error(load_points(&p), &p, None, None, &["empty"]);
}

#[test]
fn csv_header_only_has_too_few_points() {
    let dir = TempDir::new("csv-header");
    let p = dir.write("header.csv", b"x,y\n");
    let display = assert_file_error(
        load_points(&p),
        &p,
        None,
        None,
        &["0 point(s)", &format!("at least {MIN_POINTS}")],
    );
    assert!(display.contains("header.csv"));
}

#[test]
fn csv_single_point_has_too_few_points() {
    let dir = TempDir::new("csv-single");
    let p = dir.write("single.csv", b"x,y\n1,2\n");
    assert_file_error(
        load_points(&p),
        &p,
        None,
        None,
        &["1 point(s)", &format!("at least {MIN_POINTS}")],
    );
}

#[test]
fn unknown_extension_is_refused() {
    let dir = TempDir::new("ext");
    let p = dir.write("points.txt", b"x,y\n1,2\n3,4\n");
    assert_file_error(load_points(&p), &p, None, None, &["unknown point-file format"]);

    let p = dir.write("noext", b"x,y\n1,2\n3,4\n");
    assert_file_error(load_points(&p), &p, None, None, &["unknown point-file format"]);
}

#[test]
fn extension_is_case_insensitive() {
    let dir = TempDir::new("ext-case");
    let p = dir.write("upper.CSV", b"x\n1\n2\n");
    let pts = load_points(&p).expect("upper-case extension loads");
    assert_eq!((pts.len(), pts.dim()), (2, 1));
    assert_eq!(pts.as_slice(), &[1.0, 2.0]);
}

#[test]
fn missing_file_is_refused_for_every_format() {
    let dir = TempDir::new("missing");
    for name in ["absent.csv", "absent.npy", "absent.parquet"] {
        let p = dir.path(name);
        assert_file_error(load_points(&p), &p, None, None, &["cannot open"]);
    }
}

// ---------------------------------------------------------------------------------------------
// .npy
// ---------------------------------------------------------------------------------------------

#[test]
fn npy_good_f64_c_order_loads() {
    let dir = TempDir::new("npy-c");
    let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let p = dir.write("c.npy", &npy_bytes("<f8", false, &[3, 2], &f64_le(&values)));
    let pts = load_points(&p).expect("C-order npy loads");
    assert_eq!((pts.len(), pts.dim()), (3, 2));
    assert_eq!(pts.as_slice(), &values);
    assert_eq!(pts.row(2), &[5.0, 6.0]);
}

#[test]
fn npy_good_fortran_order_comes_out_row_major() {
    let dir = TempDir::new("npy-f");
    // The 3x2 matrix [[1, 2], [3, 4], [5, 6]] stored column by column.
    let column_major = [1.0, 3.0, 5.0, 2.0, 4.0, 6.0];
    let p = dir.write("f.npy", &npy_bytes("<f8", true, &[3, 2], &f64_le(&column_major)));
    let pts = load_points(&p).expect("Fortran-order npy loads");
    assert_eq!((pts.len(), pts.dim()), (3, 2));
    assert_eq!(pts.as_slice(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);

    // A non-square case the other way round: 2 points of dimension 3,
    // [[1, 2, 3], [4, 5, 6]] stored column by column.
    let column_major = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
    let p = dir.write("f23.npy", &npy_bytes("<f8", true, &[2, 3], &f64_le(&column_major)));
    let pts = load_points(&p).expect("Fortran-order 2x3 npy loads");
    assert_eq!((pts.len(), pts.dim()), (2, 3));
    assert_eq!(pts.as_slice(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
}

#[test]
fn npy_f32_loads_as_f64() {
    let dir = TempDir::new("npy-f32");
    let values = [0.5f32, -1.25, 2.0, 3.75];
    let p = dir.write("f32.npy", &npy_bytes("<f4", false, &[2, 2], &f32_le(&values)));
    let pts = load_points(&p).expect("f32 npy loads");
    assert_eq!((pts.len(), pts.dim()), (2, 2));
    assert_eq!(pts.as_slice(), &[0.5, -1.25, 2.0, 3.75]);
}

#[test]
fn npy_one_dimensional_array_is_refused() {
    let dir = TempDir::new("npy-1d");
    let p = dir.write("flat.npy", &npy_bytes("<f8", false, &[4], &f64_le(&[1.0, 2.0, 3.0, 4.0])));
    assert_file_error(load_points(&p), &p, None, None, &["[4]", "2-D"]);
}

#[test]
fn npy_nan_cell_reports_row_and_column() {
    let dir = TempDir::new("npy-nan");
    // 3 points of dimension 2; NaN at point 2 (1-based), coordinate 2.
    let values = [1.0, 2.0, 3.0, f64::NAN, 5.0, 6.0];
    let p = dir.write("nan.npy", &npy_bytes("<f8", false, &[3, 2], &f64_le(&values)));
    assert_file_error(load_points(&p), &p, Some(2), Some(2), &["not finite"]);

    // Same matrix in Fortran order: the position must be reported in (row, column) of the
    // matrix, not of the storage.
    let column_major = [1.0, 3.0, 5.0, 2.0, f64::NAN, 6.0];
    let p = dir.write("nan-f.npy", &npy_bytes("<f8", true, &[3, 2], &f64_le(&column_major)));
    assert_file_error(load_points(&p), &p, Some(2), Some(2), &["not finite"]);

    // Infinity in an f32 file.
    let values = [1.0f32, 2.0, 3.0, 4.0, f32::INFINITY, 6.0];
    let p = dir.write("inf32.npy", &npy_bytes("<f4", false, &[2, 3], &f32_le(&values)));
    assert_file_error(load_points(&p), &p, Some(2), Some(2), &["not finite"]);
}

#[test]
fn npy_garbage_bytes_are_refused() {
    let dir = TempDir::new("npy-garbage");
    let p = dir.write("garbage.npy", b"this is certainly not a numpy file\x00\x01\x02");
    assert_file_error(load_points(&p), &p, None, None, &["not a valid .npy file"]);

    let p = dir.write("zero.npy", b"");
    assert_file_error(load_points(&p), &p, None, None, &[]);
}

#[test]
fn npy_single_point_has_too_few_points() {
    let dir = TempDir::new("npy-single");
    let p = dir.write("single.npy", &npy_bytes("<f8", false, &[1, 3], &f64_le(&[1.0, 2.0, 3.0])));
    assert_file_error(load_points(&p), &p, None, None, &["1 point(s)"]);
}

#[test]
fn npy_truncated_data_is_refused() {
    let dir = TempDir::new("npy-trunc");
    // Header promises 3x2 values but only 3 are present.
    let p = dir.write("trunc.npy", &npy_bytes("<f8", false, &[3, 2], &f64_le(&[1.0, 2.0, 3.0])));
    assert_file_error(load_points(&p), &p, None, None, &["cannot read data"]);
}

#[test]
fn npy_other_dtypes() {
    let dir = TempDir::new("npy-dtypes");
    // Big-endian f64 and little-endian i64 are accepted and converted.
    let be: Vec<u8> = [1.5f64, -2.0].iter().flat_map(|v| v.to_be_bytes()).collect();
    let p = dir.write("be.npy", &npy_bytes(">f8", false, &[2, 1], &be));
    assert_eq!(load_points(&p).expect("big-endian f64").as_slice(), &[1.5, -2.0]);
    let ints: Vec<u8> = [3i64, -4].iter().flat_map(|v| v.to_le_bytes()).collect();
    let p = dir.write("i8.npy", &npy_bytes("<i8", false, &[2, 1], &ints));
    assert_eq!(load_points(&p).expect("int64").as_slice(), &[3.0, -4.0]);
    // Integers of any width are read (uint8 images among them).
    let p = dir.write("u1.npy", &npy_bytes("|u1", false, &[2, 1], &[1u8, 200]));
    assert_eq!(load_points(&p).expect("uint8").as_slice(), &[1.0, 200.0]);
    // Other dtypes are refused, named as numpy names them, with what is accepted.
    let p = dir.write("b1.npy", &npy_bytes("|b1", false, &[2, 1], &[1u8, 0]));
    assert_file_error(load_points(&p), &p, None, None, &["dtype bool", "float64", "float32"]);
    let p = dir.write("f2.npy", &npy_bytes("<f2", false, &[2, 1], &[0u8; 4]));
    assert_file_error(load_points(&p), &p, None, None, &["dtype float16"]);
}

#[test]
fn npy_zero_rows_or_columns_are_empty() {
    let dir = TempDir::new("npy-zero");
    let p = dir.write("rows0.npy", &npy_bytes("<f8", false, &[0, 3], &[]));
    assert_file_error(load_points(&p), &p, None, None, &["is empty", "0 rows"]);
    let p = dir.write("cols0.npy", &npy_bytes("<f8", false, &[3, 0], &[]));
    assert_file_error(load_points(&p), &p, None, None, &["is empty", "0 columns"]);
}

// ---------------------------------------------------------------------------------------------
// Parquet
// ---------------------------------------------------------------------------------------------

#[test]
fn parquet_good_file_loads() {
    use polars::prelude::*;
    let dir = TempDir::new("pq-good");
    let p = dir.path("good.parquet");
    let mut df = df!(
        "x" => &[1.0f64, 2.0, 3.0],
        "y" => &[4.0f64, 5.0, 6.0],
        "k" => &[7i64, 8, 9],
    )
    .expect("build frame");
    write_parquet(&p, &mut df);
    let pts = load_points(&p).expect("good parquet loads");
    assert_eq!((pts.len(), pts.dim()), (3, 3));
    assert_eq!(pts.as_slice(), &[1.0, 4.0, 7.0, 2.0, 5.0, 8.0, 3.0, 6.0, 9.0]);
}

#[test]
fn parquet_null_reports_row_and_column() {
    use polars::prelude::*;
    let dir = TempDir::new("pq-null");
    let p = dir.path("null.parquet");
    let mut df = df!(
        "x" => &[Some(1.0f64), Some(2.0), Some(3.0)],
        "y" => &[Some(4.0f64), Some(5.0), None],
    )
    .expect("build frame");
    write_parquet(&p, &mut df);
    assert_file_error(load_points(&p), &p, Some(3), Some(2), &["missing value", "'y'"]);
}

#[test]
fn parquet_nan_reports_row_and_column() {
    use polars::prelude::*;
    let dir = TempDir::new("pq-nan");
    let p = dir.path("nan.parquet");
    let mut df = df!(
        "x" => &[1.0f64, f64::NAN, 3.0],
        "y" => &[4.0f64, 5.0, 6.0],
    )
    .expect("build frame");
    write_parquet(&p, &mut df);
    assert_file_error(load_points(&p), &p, Some(2), Some(1), &["not finite"]);
}

#[test]
fn parquet_string_column_is_named() {
    use polars::prelude::*;
    let dir = TempDir::new("pq-str");
    let p = dir.path("strings.parquet");
    let mut df = df!(
        "x" => &[1.0f64, 2.0],
        "label" => &["a", "b"],
    )
    .expect("build frame");
    write_parquet(&p, &mut df);
    assert_file_error(load_points(&p), &p, None, Some(2), &["'label'", "expected numbers"]);
}

#[test]
fn parquet_garbage_bytes_are_refused() {
    let dir = TempDir::new("pq-garbage");
    let p = dir.write("garbage.parquet", b"definitely not parquet");
    assert_file_error(load_points(&p), &p, None, None, &["not a readable Parquet file"]);
}

#[test]
fn parquet_bool_column_is_refused_and_empty_frame_is_empty() {
    use polars::prelude::*;
    let dir = TempDir::new("pq-bool");
    let p = dir.path("bool.parquet");
    let mut df = df!("x" => &[1.0f64, 2.0], "flag" => &[true, false]).expect("build frame");
    write_parquet(&p, &mut df);
    assert_file_error(load_points(&p), &p, None, Some(2), &["'flag'", "bool"]);

    let p = dir.path("empty.parquet");
    let mut df = df!("x" => &Vec::<f64>::new()).expect("build frame");
    write_parquet(&p, &mut df);
    assert_file_error(load_points(&p), &p, None, None, &["is empty", "0 rows"]);
}

// ---------------------------------------------------------------------------------------------
// load_matching
// ---------------------------------------------------------------------------------------------

#[test]
fn load_matching_dimension_mismatch_names_second_file() {
    let dir = TempDir::new("matching");
    let a = dir.write("source.csv", b"x,y\n1,2\n3,4\n5,6\n");
    let b = dir.write(
        "target.npy",
        &npy_bytes("<f8", false, &[2, 3], &f64_le(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])),
    );
    let display = assert_file_error(
        load_matching(&a, &b),
        &b,
        None,
        None,
        &["dimension 3", "dimension 2", "source.csv"],
    );
    assert!(display.starts_with(&b.display().to_string()));
}

#[test]
fn load_matching_same_dimension_loads_both() {
    let dir = TempDir::new("matching-ok");
    let a = dir.write("source.csv", b"x,y\n1,2\n3,4\n5,6\n");
    let b =
        dir.write("target.npy", &npy_bytes("<f8", false, &[2, 2], &f64_le(&[7.0, 8.0, 9.0, 10.0])));
    let (pa, pb) = load_matching(&a, &b).expect("matching dims load");
    assert_eq!((pa.len(), pa.dim()), (3, 2));
    assert_eq!((pb.len(), pb.dim()), (2, 2));
    assert_eq!(pb.as_slice(), &[7.0, 8.0, 9.0, 10.0]);
}

#[test]
fn load_matching_reports_first_file_error() {
    let dir = TempDir::new("matching-first");
    let a = dir.write("bad.csv", b"x,y\n1,2\n3,zz\n");
    let b = dir.write("good.csv", b"x,y\n1,2\n3,4\n");
    assert_file_error(load_matching(&a, &b), &a, Some(2), Some(2), &["'zz'"]);
}

#[test]
fn csv_without_a_header_or_with_another_separator_is_refused() {
    let dir = TempDir::new("csv-header-sep");
    let p = dir.write("data.csv", b"1.5,2\n3,4\n5,6\n");
    assert_file_error(load_points(&p), &p, None, None, &["looks like data", "x0,x1"]);
    let p = dir.write("tabs.csv", b"x\ty\n1\t2\n3\t4\n");
    assert_file_error(load_points(&p), &p, None, None, &["comma-separated", "found tabs"]);
    let p = dir.write("rows.csv", b"x,y\n1;2\n3;4\n");
    assert_file_error(load_points(&p), &p, Some(1), None, &["found semicolons"]);
}

#[test]
fn coordinates_beyond_the_limit_are_refused_at_their_cell() {
    let dir = TempDir::new("csv-huge");
    let p = dir.write("huge.csv", b"x,y\n1,2\n3,-4e150\n");
    assert_file_error(load_points(&p), &p, Some(2), Some(2), &["beyond", "rescale"]);
}
