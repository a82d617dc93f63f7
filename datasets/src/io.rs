//! Point files: one point per row, in CSV (with a header), `.npy` or Parquet.
//!
//! Every problem is reported with the file, and where it applies the 1-based data row (not
//! counting the CSV header) and 1-based column: ragged rows, non-numeric cells, NaN/Inf, empty
//! files and fewer than two points.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use crate::{DataError, Points};

/// The fewest points a file may hold: one point defines no distribution to transport.
pub const MIN_POINTS: usize = 2;

/// Reads a point file, choosing the format by extension (`.csv`, `.npy`, `.parquet`); refuses
/// fewer than [`MIN_POINTS`] points (a source or target sample).
pub fn load_points(path: &Path) -> Result<Points, DataError> {
    load_at_least(path, MIN_POINTS)
}

/// Reads query points: one point is enough.
pub fn load_queries(path: &Path, dim: usize) -> Result<Points, DataError> {
    let q = load_at_least(path, 1)?;
    if q.dim() != dim {
        return Err(DataError::file(
            path,
            format!("has dimension {} but the source and target have dimension {dim}", q.dim()),
        ));
    }
    Ok(q)
}

fn load_at_least(path: &Path, min_points: usize) -> Result<Points, DataError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let points = match ext.as_str() {
        "csv" => load_csv(path)?,
        "npy" => load_npy(path)?,
        "parquet" | "pq" => load_parquet(path)?,
        _ => {
            return Err(DataError::file(
                path,
                "unknown point-file format: expected a .csv, .npy or .parquet extension",
            ));
        }
    };
    if points.len() < min_points {
        return Err(DataError::file(
            path,
            format!("has {} point(s); at least {min_points} are needed", points.len()),
        ));
    }
    Ok(points)
}

/// Reads two files that must share a dimension (source and target, or target and queries).
pub fn load_matching(a: &Path, b: &Path) -> Result<(Points, Points), DataError> {
    let (pa, pb) = (load_points(a)?, load_points(b)?);
    if pa.dim() != pb.dim() {
        return Err(DataError::file(
            b,
            format!("has dimension {} but {} has dimension {}", pb.dim(), a.display(), pa.dim()),
        ));
    }
    Ok((pa, pb))
}

fn open(path: &Path) -> Result<File, DataError> {
    File::open(path).map_err(|e| DataError::file(path, format!("cannot open: {e}")))
}

fn load_csv(path: &Path) -> Result<Points, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(BufReader::new(open(path)?));
    let header = reader
        .headers()
        .map_err(|e| DataError::file(path, format!("cannot read header: {e}")))?
        .clone();
    if header.is_empty() || header.iter().all(str::is_empty) {
        return Err(DataError::file(
            path,
            "is empty: expected a header line and one point per row",
        ));
    }
    check_header(path, &header)?;
    let d = header.len();
    let mut data = Vec::new();
    let mut n = 0;
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record =
            record.map_err(|e| DataError::at(path, row, None, format!("cannot read: {e}")))?;
        if record.len() != d {
            let hint = match (record.len(), record.get(0).and_then(other_separator)) {
                (1, Some(found)) => format!(": expected comma-separated values; found {found}"),
                _ => String::new(),
            };
            return Err(DataError::at(
                path,
                row,
                None,
                format!("has {} values but the header has {d} columns{hint}", record.len()),
            ));
        }
        for (j, cell) in record.iter().enumerate() {
            data.push(parse_cell(path, row, j + 1, &header[j], cell)?);
        }
        n += 1;
    }
    Points::new(data, n, d).map_err(|e| DataError::file(path, e.to_string()))
}

/// Refuses a header line that is not comma-separated names: one field holding tabs or
/// semicolons (another separator), or fields that all parse as numbers (a file without a
/// header, whose first point would otherwise be read as column names).
fn check_header(path: &Path, header: &csv::StringRecord) -> Result<(), DataError> {
    if header.len() == 1 {
        let field = &header[0];
        if let Some(found) = other_separator(field) {
            return Err(DataError::file(
                path,
                format!(
                    "expected comma-separated values; found {found} in the header line \
                     '{field}': save the file with commas between the values"
                ),
            ));
        }
    }
    if header.iter().all(|f| f.parse::<f64>().is_ok()) {
        let names: Vec<String> = (0..header.len()).map(|k| format!("x{k}")).collect();
        return Err(DataError::file(
            path,
            format!(
                "the first line looks like data ('{}'): add a header line {}",
                header.iter().collect::<Vec<_>>().join(","),
                names.join(",")
            ),
        ));
    }
    Ok(())
}

/// `tabs` or `semicolons` when `field` holds one of those other separators.
fn other_separator(field: &str) -> Option<&'static str> {
    [('\t', "tabs"), (';', "semicolons")]
        .into_iter()
        .find(|(sep, _)| field.contains(*sep))
        .map(|(_, name)| name)
}

fn parse_cell(
    path: &Path,
    row: usize,
    col: usize,
    name: &str,
    cell: &str,
) -> Result<f64, DataError> {
    if cell.is_empty() {
        return Err(DataError::at(path, row, Some(col), format!("empty cell in column '{name}'")));
    }
    let v: f64 = cell.parse().map_err(|_| {
        DataError::at(path, row, Some(col), format!("'{cell}' in column '{name}' is not a number"))
    })?;
    finite(path, row, col, v)
}

/// Refuses a value that cannot be a coordinate (see [`crate::coordinate_problem`]).
fn finite(path: &Path, row: usize, col: usize, v: f64) -> Result<f64, DataError> {
    match crate::coordinate_problem(v) {
        None => Ok(v),
        Some(problem) => Err(DataError::at(path, row, Some(col), problem)),
    }
}

/// Checks every value and builds points from row-major data.
fn checked(path: &Path, data: Vec<f64>, n: usize, d: usize) -> Result<Points, DataError> {
    if n == 0 || d == 0 {
        return Err(DataError::file(path, format!("is empty ({n} rows x {d} columns)")));
    }
    for (pos, &v) in data.iter().enumerate() {
        finite(path, pos / d + 1, pos % d + 1, v)?;
    }
    Points::new(data, n, d).map_err(|e| DataError::file(path, e.to_string()))
}

fn load_npy(path: &Path) -> Result<Points, DataError> {
    let (shape, values) = load_array(path)?;
    let (n, d) = match shape.as_slice() {
        [n, d] => (*n, *d),
        _ => {
            return Err(DataError::file(
                path,
                format!("has shape {shape:?}; expected a 2-D array (points x dimensions)"),
            ));
        }
    };
    checked(path, values, n, d)
}

/// An `.npy` array of any shape, its values as f64 in C (row-major) order whatever the file's
/// order; the dtypes of [`load_points`]. Values are not checked here.
pub fn load_array(path: &Path) -> Result<(Vec<usize>, Vec<f64>), DataError> {
    let npy = npyz::NpyFile::new(BufReader::new(open(path)?))
        .map_err(|e| DataError::file(path, format!("not a valid .npy file: {e}")))?;
    let shape: Vec<usize> = npy.shape().iter().map(|&s| s as usize).collect();
    let len = shape.iter().try_fold(1usize, |a, &s| a.checked_mul(s));
    if len.is_none_or(|len| len as u64 != npy.len()) {
        return Err(DataError::file(
            path,
            format!("shape {shape:?} does not match the data in the file"),
        ));
    }
    let fortran = npy.order() == npyz::Order::Fortran;
    let values = read_npy_values(path, npy)?;
    Ok((shape.clone(), if fortran { c_order(&values, &shape) } else { values }))
}

/// Writes `data` (C order, `shape`) as a little-endian float64 `.npy` (format 1.0), byte for
/// byte the same for the same input, through a temporary file renamed into place.
pub fn write_array(path: &Path, shape: &[usize], data: &[f64]) -> Result<(), DataError> {
    let expected = shape.iter().product::<usize>();
    if expected != data.len() {
        return Err(DataError::file(
            path,
            format!("{} values for the shape {shape:?} ({expected} expected)", data.len()),
        ));
    }
    let dims: Vec<String> = shape.iter().map(|s| s.to_string()).collect();
    let tuple = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {tuple}, }}");
    // magic (6) + version (2) + header length (2) + header + newline: a multiple of 64.
    header.push_str(&" ".repeat((64 - (10 + header.len() + 1) % 64) % 64));
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.reserve(8 * data.len());
    for v in data {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let temp = path.with_file_name(format!(
        ".{}.tmp-{}",
        path.file_name().map_or("array".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let err = |e: std::io::Error| DataError::file(path, format!("cannot write: {e}"));
    std::fs::write(&temp, &bytes).map_err(err)?;
    std::fs::rename(&temp, path).map_err(err)
}

/// The values of an `.npy` file as f64: floats of 32 or 64 bits and integers of any width
/// (every integer up to 2^53 in magnitude is exact in f64). Other dtypes are refused, named as
/// numpy names them.
fn read_npy_values<R: std::io::Read>(
    path: &Path,
    npy: npyz::NpyFile<R>,
) -> Result<Vec<f64>, DataError> {
    use npyz::{DType, TypeChar};
    let refuse = |dtype: &DType| {
        DataError::file(
            path,
            format!(
                "has dtype {}; accepted: float64, float32 and integers (int8-int64, \
                 uint8-uint64); convert with a.astype('float64')",
                numpy_dtype_name(dtype)
            ),
        )
    };
    let dtype = npy.dtype();
    let (kind, bytes) = match &dtype {
        DType::Plain(t) => (t.type_char(), t.size_field()),
        other => return Err(refuse(other)),
    };
    let bad = |e: std::io::Error| DataError::file(path, format!("cannot read data: {e}"));
    macro_rules! read_as {
        ($t:ty) => {
            npy.data::<$t>()
                .map_err(|_| refuse(&dtype))?
                .map(|v| v.map(|v| v as f64))
                .collect::<Result<Vec<f64>, _>>()
                .map_err(bad)
        };
    }
    match (kind, bytes) {
        (TypeChar::Float, 8) => read_as!(f64),
        (TypeChar::Float, 4) => read_as!(f32),
        (TypeChar::Int, 8) => read_as!(i64),
        (TypeChar::Int, 4) => read_as!(i32),
        (TypeChar::Int, 2) => read_as!(i16),
        (TypeChar::Int, 1) => read_as!(i8),
        (TypeChar::Uint, 8) => read_as!(u64),
        (TypeChar::Uint, 4) => read_as!(u32),
        (TypeChar::Uint, 2) => read_as!(u16),
        (TypeChar::Uint, 1) => read_as!(u8),
        _ => Err(refuse(&dtype)),
    }
}

/// A dtype as numpy prints it (`bool`, `int8`, `float16`, `complex128`, ...); the raw
/// descriptor (`<M8[s]`, ...) for kinds without a short name.
fn numpy_dtype_name(dtype: &npyz::DType) -> String {
    use npyz::{DType, TypeChar};
    match dtype {
        DType::Plain(t) => {
            let bits = t.size_field() * 8;
            match t.type_char() {
                TypeChar::Bool => "bool".into(),
                TypeChar::Int => format!("int{bits}"),
                TypeChar::Uint => format!("uint{bits}"),
                TypeChar::Float => format!("float{bits}"),
                TypeChar::Complex => format!("complex{bits}"),
                _ => format!("'{}'", dtype.descr().trim_matches('\'')),
            }
        }
        DType::Array(..) => "a sub-array dtype".into(),
        DType::Record(_) => "a structured (record) dtype".into(),
    }
}

/// Fortran-order (first index fastest) values of an array of `shape` in C order.
fn c_order(values: &[f64], shape: &[usize]) -> Vec<f64> {
    let mut out = vec![0.0; values.len()];
    let mut index = vec![0usize; shape.len()];
    for v in values {
        // `index` walks the array in Fortran order; its C-order position is out's slot.
        let pos = index.iter().zip(shape).fold(0, |p, (i, s)| p * s + i);
        out[pos] = *v;
        for (i, s) in index.iter_mut().zip(shape) {
            *i += 1;
            if *i < *s {
                break;
            }
            *i = 0;
        }
    }
    out
}

fn load_parquet(path: &Path) -> Result<Points, DataError> {
    use polars::prelude::{DataType, ParquetReader, SerReader};
    let df = ParquetReader::new(open(path)?)
        .finish()
        .map_err(|e| DataError::file(path, format!("not a readable Parquet file: {e}")))?;
    let (n, d) = (df.height(), df.width());
    let mut data = vec![0.0; n * d];
    for (j, column) in df.columns().iter().enumerate() {
        let name = column.name().to_string();
        if !column.dtype().is_primitive_numeric() {
            return Err(DataError::File {
                path: path.to_path_buf(),
                row: None,
                column: Some(j + 1),
                message: format!("column '{name}' has type {}, expected numbers", column.dtype()),
            });
        }
        let cast = column
            .cast(&DataType::Float64)
            .map_err(|e| DataError::file(path, format!("column '{name}': {e}")))?;
        let values =
            cast.f64().map_err(|e| DataError::file(path, format!("column '{name}': {e}")))?;
        for (i, v) in values.iter().enumerate() {
            let v = v.ok_or_else(|| {
                DataError::at(path, i + 1, Some(j + 1), format!("missing value in column '{name}'"))
            })?;
            data[i * d + j] = v;
        }
    }
    checked(path, data, n, d)
}

/// Writes points as CSV with the header `x0,...,x{d-1}` (or the given column names).
pub fn write_csv(path: &Path, points: &Points, names: Option<&[String]>) -> Result<(), DataError> {
    let err = |e: &dyn std::fmt::Display| DataError::file(path, format!("cannot write: {e}"));
    let mut w = csv::Writer::from_path(path).map_err(|e| err(&e))?;
    let header: Vec<String> = match names {
        Some(n) => n.to_vec(),
        None => (0..points.dim()).map(|k| format!("x{k}")).collect(),
    };
    w.write_record(&header).map_err(|e| err(&e))?;
    for row in points.rows() {
        w.write_record(row.iter().map(|v| format!("{v:e}"))).map_err(|e| err(&e))?;
    }
    w.flush().map_err(|e| err(&e))
}
