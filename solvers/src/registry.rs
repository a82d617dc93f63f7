use crate::{Options, Solver, SolverError};

/// Builds a configured solver from its settings.
pub type Factory = fn(Options) -> Result<Box<dyn Solver>, SolverError>;

struct Entry {
    name: String,
    summary: String,
    factory: Factory,
}

/// Solvers by name. [`Registry::builtin`] holds the suite's solvers; anyone can register more,
/// and every tool that takes a `--solver` name (compare, eot) accepts them.
#[derive(Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The suite's solvers. Adding a solver: one module, and one line here.
    pub fn builtin() -> Self {
        let mut r = Registry::new();
        r.register(
            "sinkhorn",
            "discrete log-domain Sinkhorn (DESIGN §3.4)",
            crate::sinkhorn::factory,
        );
        r.register(
            "gmm",
            "Gaussian-mixture closed form, LightSB (DESIGN §3.3)",
            crate::gmm::factory,
        );
        r.register(
            "vareot",
            "neural potential + learned normaliser, trained without MCMC (DESIGN §3.1)",
            crate::vareot::factory,
        );
        r.register(
            "egnot",
            "neural potential trained with Langevin negatives, EgNOT (DESIGN §3.2)",
            crate::egnot::factory,
        );
        r
    }

    /// Registers `factory` under `name`, replacing a solver of the same name.
    pub fn register(&mut self, name: &str, summary: &str, factory: Factory) {
        self.entries.retain(|e| e.name != name);
        self.entries.push(Entry { name: name.into(), summary: summary.into(), factory });
    }

    /// Names and one-line summaries, in registration order.
    pub fn list(&self) -> Vec<(&str, &str)> {
        self.entries.iter().map(|e| (e.name.as_str(), e.summary.as_str())).collect()
    }

    /// Builds the solver `name` with `options`; an unknown name lists the known ones.
    pub fn build(&self, name: &str, options: Options) -> Result<Box<dyn Solver>, SolverError> {
        let entry = self.entries.iter().find(|e| e.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.entries.iter().map(|e| e.name.as_str()).collect();
            SolverError::setting(
                "solver",
                format!("unknown solver '{name}' (known: {})", known.join(", ")),
            )
        })?;
        (entry.factory)(options)
    }
}
