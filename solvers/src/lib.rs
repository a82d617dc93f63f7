//! The weak-dual interface (docs/design.md §2) and the solvers that implement it.
//!
//! A [`Solver`] is a configured algorithm; fitting it on samples gives a [`FittedPlan`], which
//! exposes what every EOT solver can be compared on: the potential `f(y)`, `log Z(f, x)`, samples
//! of `pi(.|x)`, the barycentric map and the dual value. A solver of the suite is a settings type
//! implementing [`Algorithm`] (its settings declared once, see [`Settings`]) wrapped in
//! [`Configured`]; solvers are built by name through a [`Registry`]. See
//! docs/adding-a-solver.md.

mod configured;
mod device;
pub mod egnot;
mod error;
pub mod gmm;
mod minibatch;
pub mod neural;
mod options;
mod problem;
pub mod progress;
mod real;
mod registry;
mod schedule;
pub mod select;
mod settings;
pub mod sinkhorn;
mod solver;
pub mod vareot;

pub use configured::{Algorithm, Configured};
pub use device::{check_device_name, parse_device};
pub use error::SolverError;
pub use options::Options;
pub use problem::Eps;
pub use real::Real;
pub use registry::{Factory, Registry};
pub use settings::{Auto, Limit, Rule, SettingHelp, SettingValue, Settings, Visitor};
pub use solver::{DualValue, Exactness, FitData, FitReport, FittedPlan, LogPartition, Solver};
