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
    /// Initial diagonal of every `S_k`; `None` (the default, `init_s=auto`) means
    /// `1 / (1 + eps)`, the `S` of a potential component with unit covariance
    /// (`S = (I + eps Sigma^{-1})^{-1}`). The authors' `S = I` is right only for small eps: at
    /// eps = 10 it starts every component 10x too wide, all but one die, and training ends at
    /// 1.2 % cBW2-UVP instead of 0.03 % (measured: D = 64, full S).
    pub init_s: Option<f64>,
    /// How far apart the initial `r_k` start, as a fraction of the target's spread around a
    /// common centre (default 0.1); `None` (`init_spread=authors`) is the authors' start,
    /// `r_k` at target samples. See the notes on the initial `r` in `model.rs`.
    pub init_spread: Option<f64>,
    /// Full training runs, alternating the centred start of `r` and the authors' start; the
    /// one with the lowest held-out loss is kept (default 2: both starts once).
    pub starts: usize,
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
            steps: 3_000,
            batch: 128,
            learning_rate: 1e-2,
            init_s: None,
            init_spread: Some(0.1),
            starts: 2,
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
    "init_spread",
    "starts",
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
            init_s: match o.take("init_s", "auto".to_string())?.as_str() {
                "auto" => None,
                v => Some(v.parse().map_err(|_| {
                    SolverError::setting("init_s", format!("'{v}': expected auto or a number"))
                })?),
            },
            init_spread: match o.take("init_spread", "0.1".to_string())?.as_str() {
                "authors" => None,
                v => Some(v.parse().map_err(|_| {
                    SolverError::setting(
                        "init_spread",
                        format!("'{v}': expected authors or a number"),
                    )
                })?),
            },
            starts: o.take("starts", d.starts)?,
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

    /// The initial diagonal of `S_k` at this eps (see [`GmmSettings::init_s`]).
    pub fn initial_s(&self, eps: f64) -> f64 {
        self.init_s.unwrap_or(1.0 / (1.0 + eps))
    }

    /// Refuses zero counts and non-positive rates or scales.
    pub fn validate(&self) -> Result<(), SolverError> {
        require_nonzero("components", self.components)?;
        require_nonzero("steps", self.steps)?;
        require_nonzero("batch", self.batch)?;
        require_nonzero("starts", self.starts)?;
        require_positive("learning_rate", self.learning_rate)?;
        if let Some(v) = self.init_spread
            && !(v >= 0.0 && v.is_finite())
        {
            return Err(SolverError::setting("init_spread", format!("{v} must be >= 0")));
        }
        if let Some(v) = self.init_s {
            require_positive("init_s", v)?;
        }
        crate::check_device_name(&self.device)
    }

    /// Every setting as `(key, value)`, for reports.
    pub fn describe(&self) -> Vec<(String, String)> {
        [
            ("components", self.components.to_string()),
            ("steps", self.steps.to_string()),
            ("batch", self.batch.to_string()),
            ("learning_rate", self.learning_rate.to_string()),
            ("init_s", self.init_s.map_or("auto".to_string(), |v| v.to_string())),
            ("init_spread", self.init_spread.map_or("authors".to_string(), |v| v.to_string())),
            ("starts", self.starts.to_string()),
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
