/// Errors of the solvers.
#[derive(Debug, thiserror::Error)]
pub enum SolverError {
    /// A setting that was refused; names the setting and why.
    #[error("invalid setting '{name}': {message}")]
    Setting {
        /// The setting's key.
        name: String,
        /// Why it was refused.
        message: String,
    },
    /// Inputs the solver cannot use (shapes, sizes).
    #[error("{0}")]
    Input(String),
    /// A run that produced non-finite numbers; says where it stopped.
    #[error("diverged: {0}")]
    Diverged(String),
    /// Something a plan does not provide (an external program's potential, a calibration
    /// plan's dual value): reports leave it empty.
    #[error("not provided: {0}")]
    Unsupported(String),
    /// An error from candle (tensor shapes, devices).
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
    /// An error from the data layer.
    #[error(transparent)]
    Data(#[from] eot_datasets::DataError),
}

impl SolverError {
    /// A refused setting.
    pub fn setting(name: &str, message: impl Into<String>) -> Self {
        SolverError::Setting { name: name.to_string(), message: message.into() }
    }
}
