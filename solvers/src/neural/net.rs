use super::{Activation, MlpShape};
use crate::SolverError;
use crate::settings::{Rule, SettingValue, Visitor};

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

/// Parses widths like `"256,256,256"`.
pub fn parse_widths(v: &str) -> Result<Vec<usize>, SolverError> {
    Vec::<usize>::parse_setting(v).map_err(|e| SolverError::setting("hidden", e))
}

impl NetSettings {
    /// Shows the architecture's settings to `v` (see [`crate::Settings::visit`]).
    pub fn visit<V: Visitor>(&mut self, v: &mut V) -> Result<(), SolverError> {
        v.field(
            "hidden",
            &mut self.hidden,
            Rule::Any,
            "hidden-layer widths, comma-separated (authors: 256,256,256)",
        )?;
        v.field(
            "activation",
            &mut self.activation,
            Rule::Any,
            "nonlinearity between the layers (authors: silu)",
        )
    }

    /// The shape of a network on inputs of dimension `dim`.
    pub fn shape(&self, dim: usize) -> MlpShape {
        MlpShape { input: dim, hidden: self.hidden.clone(), activation: self.activation }
    }
}
