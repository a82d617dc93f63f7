use std::path::PathBuf;

/// Everything that can go wrong when building a dataset or reading a point file.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A parameter or shape that makes no sense (named in the message).
    #[error("{0}")]
    Invalid(String),
    /// A point file that cannot be used; `row` and `column` are 1-based data positions when known.
    #[error("{}", file_message(path, row, column, message))]
    File {
        /// The file.
        path: PathBuf,
        /// The 1-based data row (not counting a CSV header), when known.
        row: Option<usize>,
        /// The 1-based column, when known.
        column: Option<usize>,
        /// What is wrong, and what to do.
        message: String,
    },
}

fn file_message(
    path: &std::path::Path,
    row: &Option<usize>,
    column: &Option<usize>,
    message: &str,
) -> String {
    let mut at = format!("{}", path.display());
    if let Some(r) = row {
        at.push_str(&format!(", row {r}"));
    }
    if let Some(c) = column {
        at.push_str(&format!(", column {c}"));
    }
    format!("{at}: {message}")
}

impl DataError {
    pub(crate) fn file(path: &std::path::Path, message: impl Into<String>) -> Self {
        DataError::File {
            path: path.to_path_buf(),
            row: None,
            column: None,
            message: message.into(),
        }
    }
    pub(crate) fn at(
        path: &std::path::Path,
        row: usize,
        column: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        DataError::File {
            path: path.to_path_buf(),
            row: Some(row),
            column,
            message: message.into(),
        }
    }
}
