//! One adapter from an algorithm's settings to a [`Solver`]: a new solver is a settings type
//! implementing [`Algorithm`] (its name, one line of summary, and `fit`), and
//! [`Configured`] does the rest (validation once, the name and settings for reports, the
//! factory the [`crate::Registry`] builds it with).

use crate::select::Selecting;
use crate::settings::Settings;

/// The setting every solver built through [`Configured`] accepts: `select=auto` or `none`.
pub const SELECT_KEY: &str = "select";
use crate::{Eps, FitData, FittedPlan, Options, Solver, SolverError};

/// An EOT algorithm, given by its settings type: the settings know the solver's name and how
/// to fit a plan with them.
pub trait Algorithm: Settings {
    /// The name used in tables and on the command line (`--solver NAME`).
    const NAME: &'static str;
    /// One line for `eot solvers`.
    const SUMMARY: &'static str;
    /// The settings `select=auto` chooses among (see [`crate::select`]): each a list of
    /// `key=value` applied on top of the user's settings, `&[]` for the defaults. None: the
    /// solver does not offer `select=auto`.
    const CANDIDATES: &'static [&'static [&'static str]] = &[];

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

    /// Builds the solver from `key=value` options: what the registry calls. `select=auto`
    /// makes a solver that chooses among [`Algorithm::CANDIDATES`] by the held-out dual.
    pub fn factory(mut options: Options) -> Result<Box<dyn Solver>, SolverError> {
        match options.take_text(SELECT_KEY).as_deref() {
            None | Some("none") => Ok(Box::new(Configured { settings: A::from_options(options)? })),
            Some("auto") => Ok(Box::new(Selecting::<A>::new(options)?)),
            Some(other) => Err(SolverError::setting(
                SELECT_KEY,
                format!("'{other}': expected auto (choose by the held-out dual) or none"),
            )),
        }
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
