use super::{Activation, MlpShape};
use crate::{Options, SolverError};

/// The networks' architecture, shared by the neural solvers' settings.
#[derive(Clone, Debug, PartialEq)]
pub struct NetSettings {
    /// Hidden widths (authors: 256, 256, 256).
    pub hidden: Vec<usize>,
    /// Nonlinearity (authors: SiLU).
    pub activation: Activation,
}

impl Default for NetSettings {
    fn default() -> Self {
        NetSettings { hidden: vec![256, 256, 256], activation: Activation::Silu }
    }
}

/// Option keys read by [`NetSettings::take`].
pub const NET_KEYS: &[&str] = &["hidden", "activation"];

/// Parses widths like `"256,256,256"`.
pub fn parse_widths(v: &str) -> Result<Vec<usize>, SolverError> {
    v.split(',')
        .map(|w| w.trim().parse::<usize>().ok().filter(|w| *w > 0))
        .collect::<Option<Vec<_>>>()
        .filter(|w| !w.is_empty())
        .ok_or_else(|| {
            SolverError::setting("hidden", format!("'{v}': expected positive widths like 256,256"))
        })
}

/// `"256,256,256"` from widths.
pub fn format_widths(w: &[usize]) -> String {
    w.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")
}

impl NetSettings {
    /// Reads `hidden` and `activation`.
    pub fn take(o: &mut Options) -> Result<Self, SolverError> {
        let d = NetSettings::default();
        let hidden = o.take("hidden", format_widths(&d.hidden))?;
        let activation = o.take("activation", d.activation.to_string())?;
        Ok(NetSettings {
            hidden: parse_widths(&hidden)?,
            activation: activation.parse().map_err(|e| SolverError::setting("activation", e))?,
        })
    }

    /// Refuses an empty or zero width.
    pub fn validate(&self) -> Result<(), SolverError> {
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(SolverError::setting("hidden", "needs at least one positive width"));
        }
        Ok(())
    }

    /// The shape of a network on inputs of dimension `dim`.
    pub fn shape(&self, dim: usize) -> MlpShape {
        MlpShape { input: dim, hidden: self.hidden.clone(), activation: self.activation }
    }

    /// `(key, value)` pairs for reports.
    pub fn describe(&self) -> Vec<(String, String)> {
        vec![
            ("hidden".into(), format_widths(&self.hidden)),
            ("activation".into(), self.activation.to_string()),
        ]
    }
}
