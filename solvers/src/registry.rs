use crate::settings::SettingHelp;
use crate::{Algorithm, Configured, Options, Solver, SolverError};

/// Builds a configured solver from its settings.
pub type Factory = fn(Options) -> Result<Box<dyn Solver>, SolverError>;

struct Entry {
    name: String,
    summary: String,
    factory: Factory,
    /// Every setting with its default, range and help (empty for a solver registered with a
    /// bare factory).
    help: fn() -> Vec<SettingHelp>,
}

/// Solvers by name. [`Registry::builtin`] holds the suite's solvers; anyone can register more,
/// and every tool that takes a `--solver` name (compare, eot) accepts them.
///
/// ```
/// use eot_solvers::{Options, Registry};
///
/// let registry = Registry::builtin();
/// assert!(registry.list().iter().any(|(name, _)| *name == "sinkhorn"));
/// let solver = registry.build("sinkhorn", Options::new().with("tolerance", 1e-8)).unwrap();
/// assert_eq!(solver.name(), "sinkhorn");
/// // A misspelt setting is an error naming the known ones, not silently ignored.
/// assert!(registry.build("sinkhorn", Options::new().with("tolerence", 1e-8)).is_err());
/// ```
#[derive(Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The suite's solvers. Adding one: a settings type implementing [`Algorithm`], and one
    /// line here.
    pub fn builtin() -> Self {
        let mut r = Registry::new();
        r.register_algorithm::<crate::sinkhorn::SinkhornSettings>();
        r.register_algorithm::<crate::gmm::GmmSettings>();
        r.register_algorithm::<crate::vareot::VarEotSettings>();
        r.register_algorithm::<crate::egnot::EgnotSettings>();
        r
    }

    /// Registers `factory` under `name`, replacing a solver of the same name.
    pub fn register(&mut self, name: &str, summary: &str, factory: Factory) {
        self.insert(Entry { name: name.into(), summary: summary.into(), factory, help: Vec::new });
    }

    /// Registers the algorithm `A` under its own name, with its settings' help.
    pub fn register_algorithm<A: Algorithm>(&mut self) {
        self.insert(Entry {
            name: A::NAME.into(),
            summary: A::SUMMARY.into(),
            factory: Configured::<A>::factory,
            help: A::help,
        });
    }

    fn insert(&mut self, entry: Entry) {
        self.entries.retain(|e| e.name != entry.name);
        self.entries.push(entry);
    }

    /// Names and one-line summaries, in registration order.
    pub fn list(&self) -> Vec<(&str, &str)> {
        self.entries.iter().map(|e| (e.name.as_str(), e.summary.as_str())).collect()
    }

    /// Every setting of the solver `name` with its default, range and help; an unknown name
    /// lists the known ones.
    pub fn settings_help(&self, name: &str) -> Result<Vec<SettingHelp>, SolverError> {
        Ok((self.entry(name)?.help)())
    }

    /// Builds the solver `name` with `options`; an unknown name lists the known ones.
    pub fn build(&self, name: &str, options: Options) -> Result<Box<dyn Solver>, SolverError> {
        (self.entry(name)?.factory)(options)
    }

    fn entry(&self, name: &str) -> Result<&Entry, SolverError> {
        self.entries.iter().find(|e| e.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.entries.iter().map(|e| e.name.as_str()).collect();
            SolverError::setting(
                "solver",
                format!("unknown solver '{name}' (known: {})", known.join(", ")),
            )
        })
    }
}
