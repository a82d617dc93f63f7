use crate::options::{require_nonzero, require_positive};
use crate::{Options, SolverError};

/// Shape of the matrices `S_k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Covariance {
    /// `S_k` diagonal (the authors' default): D parameters per component.
    Diagonal,
    /// `S_k = L_k L_k^T` full: D(D+1)/2 parameters per component.
    Full,
}

/// Settings of [`super::GmmSolver`]; [`GmmSettings::validate`] refuses bad values.
#[derive(Clone, Debug)]
pub struct GmmSettings {
    /// Mixture components K (authors: 50).
    pub components: usize,
    /// Adam steps (authors: 10,000).
    pub steps: usize,
    /// Mini-batch size for each of source and target (authors: 128).
    pub batch: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Initial diagonal of every `S_k` (authors: 1, i.e. `S = I`).
    pub init_s: f64,
    /// Diagonal (default) or full `S_k`.
    pub covariance: Covariance,
    /// Print progress to stderr every 10 % of the steps.
    pub progress: bool,
    /// Device for training (`cpu`, `cuda`, `cuda:N`).
    pub device: String,
}

impl Default for GmmSettings {
    fn default() -> Self {
        GmmSettings {
            components: 50,
            steps: 10_000,
            batch: 128,
            learning_rate: 1e-3,
            init_s: 1.0,
            covariance: Covariance::Diagonal,
            progress: false,
            device: "cpu".into(),
        }
    }
}

const KNOWN: &[&str] = &[
    "components",
    "steps",
    "batch",
    "learning_rate",
    "init_s",
    "covariance",
    "progress",
    "device",
];

impl GmmSettings {
    /// Reads `components`, `steps`, `batch`, `learning_rate`, `init_s`, `covariance`
    /// (diagonal/full), `progress`, `device`.
    pub fn from_options(mut o: Options) -> Result<Self, SolverError> {
        let d = GmmSettings::default();
        let s = GmmSettings {
            components: o.take("components", d.components)?,
            steps: o.take("steps", d.steps)?,
            batch: o.take("batch", d.batch)?,
            learning_rate: o.take("learning_rate", d.learning_rate)?,
            init_s: o.take("init_s", d.init_s)?,
            covariance: match o.take("covariance", "diagonal".to_string())?.as_str() {
                "diagonal" => Covariance::Diagonal,
                "full" => Covariance::Full,
                other => {
                    return Err(SolverError::setting(
                        "covariance",
                        format!("'{other}': expected diagonal or full"),
                    ));
                }
            },
            progress: o.take("progress", d.progress)?,
            device: o.take("device", d.device)?,
        };
        o.finish("gmm", KNOWN)?;
        s.validate()?;
        Ok(s)
    }

    /// Refuses zero counts and non-positive rates or scales.
    pub fn validate(&self) -> Result<(), SolverError> {
        require_nonzero("components", self.components)?;
        require_nonzero("steps", self.steps)?;
        require_nonzero("batch", self.batch)?;
        require_positive("learning_rate", self.learning_rate)?;
        require_positive("init_s", self.init_s)?;
        crate::check_device_name(&self.device)
    }

    /// Every setting as `(key, value)`, for reports.
    pub fn describe(&self) -> Vec<(String, String)> {
        [
            ("components", self.components.to_string()),
            ("steps", self.steps.to_string()),
            ("batch", self.batch.to_string()),
            ("learning_rate", self.learning_rate.to_string()),
            ("init_s", self.init_s.to_string()),
            (
                "covariance",
                match self.covariance {
                    Covariance::Diagonal => "diagonal",
                    Covariance::Full => "full",
                }
                .to_string(),
            ),
            ("precision", "f64".to_string()),
            ("device", self.device.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}
