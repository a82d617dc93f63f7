use crate::DataError;

/// The largest coordinate magnitude a point set may hold. Squared distances between points
/// within it stay far inside float64 (`(2e100)^2 * D` for any practical D), so costs, their
/// sums and the eps schedules built from them are finite; data beyond it must be rescaled.
pub const MAX_ABS_COORDINATE: f64 = 1e100;

/// Why a single value cannot be a coordinate (`None` when it can): not finite, or beyond
/// [`MAX_ABS_COORDINATE`].
pub fn coordinate_problem(v: f64) -> Option<String> {
    if !v.is_finite() {
        Some(format!("value {v} is not finite"))
    } else if v.abs() > MAX_ABS_COORDINATE {
        Some(format!(
            "value {v:e} is beyond ±{MAX_ABS_COORDINATE:e}: squared distances would overflow \
             float64; rescale the data (e.g. divide by its standard deviation)"
        ))
    } else {
        None
    }
}

/// `n` points in `R^d`, stored row-major (`data[i * d + k]` is coordinate `k` of point `i`).
#[derive(Clone, Debug, PartialEq)]
pub struct Points {
    data: Vec<f64>,
    n: usize,
    d: usize,
}

impl Points {
    /// Wraps row-major data; refuses a length that is not `n * d`, `d = 0`, or a value that is
    /// not finite or beyond [`MAX_ABS_COORDINATE`].
    pub fn new(data: Vec<f64>, n: usize, d: usize) -> Result<Self, DataError> {
        if d == 0 {
            return Err(DataError::Invalid("points must have dimension >= 1".into()));
        }
        if n.checked_mul(d) != Some(data.len()) {
            return Err(DataError::Invalid(format!(
                "{} values cannot form {n} points of dimension {d}",
                data.len()
            )));
        }
        if let Some(pos) = data.iter().position(|v| coordinate_problem(*v).is_some()) {
            let problem = coordinate_problem(data[pos]).unwrap_or_default();
            return Err(DataError::Invalid(format!(
                "point {} coordinate {}: {problem}",
                pos / d,
                pos % d
            )));
        }
        Ok(Points { data, n, d })
    }

    /// Builds points from rows of equal length.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, DataError> {
        let d = rows.first().map_or(0, Vec::len);
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != d) {
            return Err(DataError::Invalid(format!(
                "row {i} has {} values, expected {d}",
                r.len()
            )));
        }
        Points::new(rows.concat(), rows.len(), d)
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.n
    }
    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// Dimension of each point.
    pub fn dim(&self) -> usize {
        self.d
    }
    /// Point `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }
    /// All coordinates, row-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }
    /// Consumes the points, returning the row-major data.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }
    /// Iterates over the points.
    pub fn rows(&self) -> impl Iterator<Item = &[f64]> {
        self.data.chunks_exact(self.d)
    }
    /// The mean of each coordinate (`D` values; zeros for an empty set).
    pub fn column_means(&self) -> Vec<f64> {
        let mut m = vec![0.0; self.d];
        for row in self.rows() {
            m.iter_mut().zip(row).for_each(|(mj, v)| *mj += v / self.n as f64);
        }
        m
    }

    /// The points whose index passes `keep`, in order.
    pub fn select(&self, keep: impl Fn(usize) -> bool) -> Points {
        let mut data = Vec::new();
        for (_, row) in self.rows().enumerate().filter(|(i, _)| keep(*i)) {
            data.extend_from_slice(row);
        }
        let n = data.len() / self.d;
        Points { data, n, d: self.d }
    }

    /// The first `k` points (all of them if `k >= len`).
    pub fn head(&self, k: usize) -> Points {
        let k = k.min(self.n);
        Points { data: self.data[..k * self.d].to_vec(), n: k, d: self.d }
    }
}
