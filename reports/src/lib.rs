//! Result tables of the EOT suite: one row per cell, written as CSV (for pandas/polars) and
//! printed as markdown (for READMEs and papers). A non-finite number is refused at insertion:
//! a table never shows NaN; a value that does not exist for a cell is [`Value::Missing`].

pub mod chart;
pub mod figure;
pub mod files;
pub mod frame;
pub mod image_grid;
pub mod summary;

use std::fmt::Write as _;
use std::path::Path;

/// Errors of table building and writing.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("row has {got} values for {want} columns")]
    /// A row of the wrong width.
    Width {
        /// Values in the row.
        got: usize,
        /// Columns of the table.
        want: usize,
    },
    #[error("column '{column}': value {value} is not finite")]
    /// NaN or infinity, which a table never holds.
    NotFinite {
        /// The column.
        column: String,
        /// The value.
        value: f64,
    },
    /// A file that cannot be read or written (the I/O error is part of the message, not a
    /// separate source, so a chain of contexts does not print it twice).
    #[error("cannot write {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    #[error("table: {0}")]
    /// A polars error (building, writing or reading a frame).
    Frame(String),
    /// A figure that cannot be drawn.
    #[error("cannot draw {path}: {message}")]
    Plot {
        /// The figure's file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// An image grid that cannot be drawn as given (see [`image_grid`]).
    #[error("image grid: {0}")]
    Grid(String),
}

/// One cell of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A float printed with `digits` significant decimals in markdown (full precision in CSV).
    Float {
        /// The value.
        value: f64,
        /// Decimals shown in markdown.
        digits: usize,
    },
    /// No value (shown as `—`, an empty CSV cell, a null).
    Missing,
}

impl Value {
    /// A float shown with `digits` decimals.
    pub fn float(value: f64, digits: usize) -> Self {
        Value::Float { value, digits }
    }
    /// Text.
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(s.into())
    }
    fn markdown(&self) -> String {
        match self {
            Value::Text(s) => s.replace('|', "\\|"),
            Value::Int(i) => i.to_string(),
            Value::Float { value, digits } => format_float(*value, *digits),
            Value::Missing => "—".into(),
        }
    }
    fn csv(&self) -> String {
        match self {
            Value::Text(s) if s.contains([',', '"', '\n']) => {
                format!("\"{}\"", s.replace('"', "\"\""))
            }
            Value::Text(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float { value, .. } => format!("{value}"),
            Value::Missing => String::new(),
        }
    }
}

/// Fixed decimals for ordinary magnitudes, scientific notation for very small or large ones.
fn format_float(v: f64, digits: usize) -> String {
    let a = v.abs();
    if a != 0.0 && (a < 10f64.powi(-(digits as i32)) || a >= 1e7) {
        format!("{v:.2e}")
    } else {
        format!("{v:.digits$}")
    }
}

/// A table with named columns.
#[derive(Clone, Debug, Default)]
pub struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Self {
        Table { columns: columns.into_iter().map(Into::into).collect(), rows: Vec::new() }
    }

    /// Appends a row; refuses a wrong width or a non-finite float.
    pub fn push(&mut self, row: Vec<Value>) -> Result<(), ReportError> {
        if row.len() != self.columns.len() {
            return Err(ReportError::Width { got: row.len(), want: self.columns.len() });
        }
        for (v, c) in row.iter().zip(&self.columns) {
            if let Value::Float { value, .. } = v
                && !value.is_finite()
            {
                return Err(ReportError::NotFinite { column: c.clone(), value: *value });
            }
        }
        self.rows.push(row);
        Ok(())
    }

    /// Column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }
    /// Rows.
    pub fn rows(&self) -> &[Vec<Value>] {
        &self.rows
    }

    /// A GitHub-flavoured markdown table.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "| {} |", self.columns.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(self.columns.len()));
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(Value::markdown).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out
    }

    /// CSV with a header line; missing values are empty cells.
    pub fn to_csv(&self) -> String {
        // Headers are quoted like values ("E c(x,y)" holds a comma).
        let header: Vec<String> = self.columns.iter().map(|c| Value::text(c).csv()).collect();
        let mut out = header.join(",");
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(Value::csv).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// Writes [`Table::to_csv`] to `path`, creating parent folders.
    pub fn write_csv(&self, path: &Path) -> Result<(), ReportError> {
        files::write_atomically(path, self.to_csv().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_nan_and_wrong_width() {
        let mut t = Table::new(["a", "b"]);
        assert!(matches!(t.push(vec![Value::Int(1)]), Err(ReportError::Width { .. })));
        assert!(matches!(
            t.push(vec![Value::Int(1), Value::float(f64::NAN, 2)]),
            Err(ReportError::NotFinite { .. })
        ));
        t.push(vec![Value::text("x,y"), Value::Missing]).unwrap();
        assert_eq!(t.to_csv(), "a,b\n\"x,y\",\n");
        assert!(Table::new(["c(x,y)"]).to_csv().starts_with("\"c(x,y)\"\n"));
        assert!(t.to_markdown().contains("| x,y | — |"));
    }
}
