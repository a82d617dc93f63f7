//! The long result table as a polars `DataFrame`: written as Parquet (for pandas/polars users and
//! for merging shards) and CSV, read back, and concatenated. Column types follow the values: text
//! columns become strings, integer columns `i64`, anything with a float `f64`; a
//! [`Value::Missing`] becomes a null, never a NaN.

use std::fs::File;
use std::path::Path;

use polars::prelude::{
    AnyValue, Column, CsvWriter, DataFrame, DataType, ParquetReader, ParquetWriter, SerReader,
    SerWriter, SortMultipleOptions,
};

use crate::files::OutputFile;
use crate::{ReportError, Table, Value};

/// The polars frame of `table`, one typed column per table column.
pub fn to_frame(table: &Table) -> Result<DataFrame, ReportError> {
    let columns: Vec<Column> = table
        .columns()
        .iter()
        .enumerate()
        .map(|(j, name)| column(name, table.rows().iter().map(|r| &r[j])))
        .collect::<Result<_, _>>()?;
    DataFrame::new(table.rows().len(), columns).map_err(|e| frame_error("building the table", e))
}

/// One typed column: the widest kind among its values (text > float > integer).
fn column<'a>(
    name: &str,
    values: impl Iterator<Item = &'a Value> + Clone,
) -> Result<Column, ReportError> {
    let has = |f: fn(&Value) -> bool| values.clone().any(f);
    let name = name.into();
    if has(|v| matches!(v, Value::Text(_))) {
        let v: Vec<Option<String>> = values
            .map(|v| match v {
                Value::Text(s) => Some(s.clone()),
                Value::Int(i) => Some(i.to_string()),
                Value::Float { value, .. } => Some(value.to_string()),
                Value::Missing => None,
            })
            .collect();
        Ok(Column::new(name, v))
    } else if has(|v| matches!(v, Value::Float { .. })) {
        let v: Vec<Option<f64>> = values
            .map(|v| match v {
                Value::Float { value, .. } => Some(*value),
                Value::Int(i) => Some(*i as f64),
                _ => None,
            })
            .collect();
        Ok(Column::new(name, v))
    } else {
        let v: Vec<Option<i64>> =
            values.map(|v| if let Value::Int(i) = v { Some(*i) } else { None }).collect();
        Ok(Column::new(name, v))
    }
}

/// Writes `df` as Parquet to `path`, creating parent folders.
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<(), ReportError> {
    let mut out = OutputFile::create(path)?;
    ParquetWriter::new(out.writer())
        .finish(df)
        .map_err(|e| frame_error(&format!("writing {}", path.display()), e))?;
    out.commit()
}

/// Writes `df` as CSV (header line; nulls as empty cells) to `path`, creating parent folders.
pub fn write_csv(df: &mut DataFrame, path: &Path) -> Result<(), ReportError> {
    let mut out = OutputFile::create(path)?;
    CsvWriter::new(out.writer())
        .include_header(true)
        .finish(df)
        .map_err(|e| frame_error(&format!("writing {}", path.display()), e))?;
    out.commit()
}

/// Reads a Parquet file written by [`write_parquet`].
pub fn read_parquet(path: &Path) -> Result<DataFrame, ReportError> {
    let file = File::open(path)
        .map_err(|error| ReportError::Io { path: path.display().to_string(), error })?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| frame_error(&format!("reading {}", path.display()), e))
}

/// Stacks `frames` (the same column names in the same order, checked) and sorts the rows by the
/// integer column `key`. A column typed differently across frames takes the widest of its types
/// (text > float > integer), as [`to_frame`] types one table's: a column with only missing values
/// in one frame (a shard whose one cell diverged) is typed integer there and float elsewhere.
pub fn concat_sorted(frames: &[DataFrame], key: &str) -> Result<DataFrame, ReportError> {
    let Some((first, rest)) = frames.split_first() else {
        return Err(ReportError::Frame("no tables to merge".into()));
    };
    for (i, df) in rest.iter().enumerate() {
        if df.get_column_names() != first.get_column_names() {
            return Err(ReportError::Frame(format!(
                "table {} has columns {:?}, the first has {:?}",
                i + 2,
                df.get_column_names(),
                first.get_column_names()
            )));
        }
    }
    let frames = with_widest_types(frames)?;
    let mut all = frames[0].clone();
    for df in &frames[1..] {
        all.vstack_mut(df).map_err(|e| frame_error("stacking tables", e))?;
    }
    all.sort([key], SortMultipleOptions::default())
        .map_err(|e| frame_error(&format!("sorting by {key}"), e))
}

/// `frames` with each column cast to the widest of its types across them.
fn with_widest_types(frames: &[DataFrame]) -> Result<Vec<DataFrame>, ReportError> {
    let mut frames = frames.to_vec();
    let names: Vec<String> = frames[0].get_column_names().iter().map(|n| n.to_string()).collect();
    for name in &names {
        let types: Vec<DataType> = frames
            .iter()
            .map(|f| f.column(name).map(|c| c.dtype().clone()).map_err(|_| no_column(name)))
            .collect::<Result<_, _>>()?;
        if types.iter().all(|t| *t == types[0]) {
            continue;
        }
        let widest = if types.contains(&DataType::String) {
            DataType::String
        } else if types.iter().any(DataType::is_float) {
            DataType::Float64
        } else {
            DataType::Int64
        };
        for f in &mut frames {
            let cast = f.column(name).and_then(|c| c.cast(&widest));
            let cast = cast.map_err(|e| frame_error(&format!("column '{name}'"), e))?;
            f.replace(name, cast).map_err(|e| frame_error(&format!("column '{name}'"), e))?;
        }
    }
    Ok(frames)
}

/// The value at (`row`, `column`) as text, a number or missing (for summaries and checks).
pub fn cell(df: &DataFrame, row: usize, column: &str) -> Result<Value, ReportError> {
    let col = df.column(column).map_err(|_| no_column(column))?;
    let v = col.get(row).map_err(|e| frame_error(&format!("row {row} of {column}"), e))?;
    Ok(match v {
        AnyValue::Null => Value::Missing,
        AnyValue::String(s) => Value::text(s),
        AnyValue::StringOwned(s) => Value::text(s.as_str()),
        other => match other.cast(&DataType::Float64) {
            AnyValue::Float64(x) if x.is_finite() => Value::float(x, 3),
            AnyValue::Float64(_) => Value::Missing,
            _ => Value::text(other.to_string()),
        },
    })
}

/// A text column's values (a null as the empty string).
pub fn text_column(df: &DataFrame, name: &str) -> Result<Vec<String>, ReportError> {
    let c = df.column(name).map_err(|_| no_column(name))?;
    let s = c.str().map_err(|_| ReportError::Frame(format!("column '{name}' is not text")))?;
    Ok(s.iter().map(|v| v.unwrap_or("").to_string()).collect())
}

/// A numeric column's values as float64; nulls and non-finite values are `None`.
pub fn number_column(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, ReportError> {
    let c = df.column(name).map_err(|_| no_column(name))?;
    let c = c.cast(&DataType::Float64).map_err(|e| frame_error(&format!("column '{name}'"), e))?;
    let f = c.f64().map_err(|e| frame_error(&format!("column '{name}'"), e))?;
    Ok(f.iter().map(|v| v.filter(|x| x.is_finite())).collect())
}

fn no_column(name: &str) -> ReportError {
    ReportError::Frame(format!("the table has no column '{name}'"))
}

fn frame_error(what: &str, e: polars::prelude::PolarsError) -> ReportError {
    ReportError::Frame(format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(["cell", "solver", "eps", "score"]);
        t.push(vec![Value::Int(1), Value::text("b"), Value::float(0.1, 2), Value::Missing])
            .unwrap();
        t.push(vec![Value::Int(0), Value::text("a"), Value::float(1.0, 2), Value::float(2.5, 2)])
            .unwrap();
        t
    }

    #[test]
    fn typed_columns_with_nulls_round_trip_through_parquet() {
        let mut df = to_frame(&sample()).unwrap();
        assert_eq!(df.column("cell").unwrap().dtype(), &DataType::Int64);
        assert_eq!(df.column("solver").unwrap().dtype(), &DataType::String);
        assert_eq!(df.column("score").unwrap().null_count(), 1);
        let path = std::env::temp_dir().join(format!("eot-frame-{}.parquet", std::process::id()));
        write_parquet(&mut df, &path).unwrap();
        let back = read_parquet(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(back.equals_missing(&df));
        let sorted = concat_sorted(&[back.clone(), back], "cell").unwrap();
        assert_eq!(sorted.height(), 4);
        assert_eq!(cell(&sorted, 0, "solver").unwrap(), Value::text("a"));
        assert_eq!(cell(&sorted, 3, "score").unwrap(), Value::Missing);
        assert!(matches!(cell(&sorted, 0, "nope"), Err(ReportError::Frame(_))));
    }

    #[test]
    fn a_column_missing_in_one_table_takes_the_others_type() {
        let mut t = Table::new(["cell", "solver", "eps", "score"]);
        t.push(vec![Value::Int(2), Value::text("c"), Value::float(10.0, 2), Value::Missing])
            .unwrap();
        let only_missing = to_frame(&t).unwrap();
        assert_eq!(only_missing.column("score").unwrap().dtype(), &DataType::Int64);
        let all = concat_sorted(&[only_missing, to_frame(&sample()).unwrap()], "cell").unwrap();
        assert_eq!(all.column("score").unwrap().dtype(), &DataType::Float64);
        assert_eq!(cell(&all, 0, "score").unwrap(), Value::float(2.5, 3));
        assert_eq!(cell(&all, 2, "score").unwrap(), Value::Missing);

        let renamed = to_frame(&Table::new(["cell", "solver", "eps", "other"])).unwrap();
        let e = concat_sorted(&[to_frame(&sample()).unwrap(), renamed], "cell").unwrap_err();
        assert!(e.to_string().contains("table 2 has columns"), "{e}");
    }
}
