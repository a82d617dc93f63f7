//! One adapter from an algorithm's settings to a [`Solver`]: a new solver is a settings type
//! implementing [`Algorithm`] (its name, one line of summary, and `fit`), and
//! [`Configured`] does the rest (validation once, the name and settings for reports, the
//! factory the [`crate::Registry`] builds it with).

use crate::settings::Settings;
use crate::{Eps, FitData, FittedPlan, Options, Solver, SolverError};

/// An EOT algorithm, given by its settings type: the settings know the solver's name and how
/// to fit a plan with them.
pub trait Algorithm: Settings {
    /// The name used in tables and on the command line (`--solver NAME`).
    const NAME: &'static str;
    /// One line for `eot solvers`.
    const SUMMARY: &'static str;

    /// Fits the plan between `data.source` and `data.target` at `eps` with these (validated)
    /// settings; `seed` seeds every random choice.
    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError>;

    /// The defaults with `options` applied (see [`Settings::from_options_for`]).
    fn from_options(options: Options) -> Result<Self, SolverError> {
        Self::from_options_for(Self::NAME, options)
    }
}

/// A solver: an [`Algorithm`]'s settings, validated once.
#[derive(Clone, Debug)]
pub struct Configured<A> {
    settings: A,
}

impl<A: Algorithm> Configured<A> {
    /// Validates `settings` (a refused value names its key).
    pub fn new(settings: A) -> Result<Self, SolverError> {
        settings.validate()?;
        Ok(Configured { settings })
    }

    /// The validated settings.
    pub fn settings(&self) -> &A {
        &self.settings
    }

    /// Builds the solver from `key=value` options: what the registry calls.
    pub fn factory(options: Options) -> Result<Box<dyn Solver>, SolverError> {
        Ok(Box::new(Configured { settings: A::from_options(options)? }))
    }
}

impl<A: Algorithm> Solver for Configured<A> {
    fn name(&self) -> &str {
        A::NAME
    }
    fn settings(&self) -> Vec<(String, String)> {
        self.settings.describe()
    }
    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError> {
        self.settings.fit(data, eps, seed)
    }
}
