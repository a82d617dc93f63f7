use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use crate::SolverError;

/// Solver settings as `key=value` strings (from the command line or a config), consumed by a
/// solver's factory. Typed getters refuse malformed values; [`Options::finish`] refuses keys that
/// no getter asked for, so a misspelt setting is an error rather than silently ignored.
#[derive(Clone, Debug, Default)]
pub struct Options {
    values: BTreeMap<String, String>,
}

impl Options {
    /// No settings: every solver uses its defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `key=value` pairs; refuses a pair without `=` or a key given twice.
    pub fn parse<S: AsRef<str>>(pairs: &[S]) -> Result<Self, SolverError> {
        let mut options = Options::new();
        for pair in pairs {
            let pair = pair.as_ref();
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| SolverError::setting(pair, "expected key=value"))?;
            if options.values.insert(k.trim().to_string(), v.trim().to_string()).is_some() {
                return Err(SolverError::setting(k, "given more than once"));
            }
        }
        Ok(options)
    }

    /// Sets `key` (replacing any previous value).
    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.values.insert(key.to_string(), value.to_string());
        self
    }

    /// Whether `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// Removes `key` and returns its text, if present.
    pub fn take_text(&mut self, key: &str) -> Option<String> {
        self.values.remove(key)
    }

    /// Removes and parses `key`, or returns `default` when it is absent.
    pub fn take<T: FromStr>(&mut self, key: &str, default: T) -> Result<T, SolverError>
    where
        T::Err: Display,
    {
        match self.values.remove(key) {
            None => Ok(default),
            Some(v) => parse(key, &v),
        }
    }

    /// Removes and parses `key`; `None` when it is absent.
    pub fn take_optional<T: FromStr>(&mut self, key: &str) -> Result<Option<T>, SolverError>
    where
        T::Err: Display,
    {
        self.values.remove(key).map(|v| parse(key, &v)).transpose()
    }

    /// Succeeds when every key was consumed; otherwise names the unknown keys and the known ones.
    pub fn finish(self, solver: &str, known: &[&str]) -> Result<(), SolverError> {
        if self.values.is_empty() {
            return Ok(());
        }
        let unknown: Vec<&str> = self.values.keys().map(String::as_str).collect();
        Err(SolverError::setting(
            &unknown.join(","),
            format!("unknown for solver '{solver}' (known: {})", known.join(", ")),
        ))
    }
}

/// Parses `key`'s value `v`, saying what was wrong with it (the type's own parse error: an
/// enum's lists the values it accepts).
fn parse<T: FromStr>(key: &str, v: &str) -> Result<T, SolverError>
where
    T::Err: Display,
{
    v.parse().map_err(|e: T::Err| SolverError::setting(key, format!("cannot parse '{v}': {e}")))
}
