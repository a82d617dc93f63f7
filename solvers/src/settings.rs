//! Solver settings declared once. A settings type lists its fields in one function,
//! [`Settings::visit`] (key, the field, the range it must lie in, one line of help); from that one
//! list come parsing from `key=value` options (refusing unknown keys), validation of values built
//! in code, the `(key, value)` list reports record, the known keys and the help that
//! `eot solvers --settings` prints. Defaults are the type's `Default`.
//!
//! A field's type implements [`SettingValue`]: numbers, booleans, strings, hidden widths, optional
//! paths, the words-or-numbers [`Auto`], [`Limit`], and the enums declared with [`choice!`].

use std::path::PathBuf;

use crate::{Options, SolverError};

/// A value a setting can hold: parsed from and shown as the text of `key=value`.
pub trait SettingValue: Clone {
    /// Parses the text of an option; the error says what was expected.
    fn parse_setting(text: &str) -> Result<Self, String>;
    /// The text that parses back to this value.
    fn show(&self) -> String;
    /// The number a [`Rule`] checks (`None`: nothing numeric to check).
    fn number(&self) -> Option<f64> {
        None
    }
    /// The words it accepts, for a choice (shown in the help).
    fn choices() -> &'static [&'static str] {
        &[]
    }
    /// The word it accepts besides a number (`auto`, `none`), for a word-or-number.
    fn word() -> Option<&'static str> {
        None
    }
}

macro_rules! numeric_setting {
    ($($t:ty),*) => {$(
        impl $crate::settings::SettingValue for $t {
            fn parse_setting(text: &str) -> Result<Self, String> {
                text.parse().map_err(|e| format!("'{text}' is not a valid {}: {e}", stringify!($t)))
            }
            fn show(&self) -> String {
                self.to_string()
            }
            fn number(&self) -> Option<f64> {
                Some(*self as f64)
            }
        }
    )*};
}
numeric_setting!(usize, u64, f64);

impl SettingValue for bool {
    fn parse_setting(text: &str) -> Result<Self, String> {
        text.parse().map_err(|_| format!("'{text}': expected true or false"))
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn choices() -> &'static [&'static str] {
        &["true", "false"]
    }
}

impl SettingValue for String {
    fn parse_setting(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

/// Hidden-layer widths, written `256,256,256`.
impl SettingValue for Vec<usize> {
    fn parse_setting(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(|w| w.trim().parse::<usize>().ok().filter(|w| *w > 0))
            .collect::<Option<Vec<_>>>()
            .filter(|w| !w.is_empty())
            .ok_or_else(|| format!("'{text}': expected positive widths like 256,256"))
    }
    fn show(&self) -> String {
        self.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")
    }
}

/// A file to read or write, or `none`.
impl SettingValue for Option<PathBuf> {
    fn parse_setting(text: &str) -> Result<Self, String> {
        Ok(match text {
            "" | "none" => None,
            path => Some(PathBuf::from(path)),
        })
    }
    fn show(&self) -> String {
        self.as_ref().map_or("none".into(), |p| p.display().to_string())
    }
}

/// A count, or `none` (off).
impl SettingValue for Option<usize> {
    fn parse_setting(text: &str) -> Result<Self, String> {
        match text {
            "none" => Ok(None),
            v => v.parse().map(Some).map_err(|_| format!("'{v}': expected none or a count")),
        }
    }
    fn show(&self) -> String {
        self.map_or("none".into(), |v| v.to_string())
    }
    fn number(&self) -> Option<f64> {
        self.map(|v| v as f64)
    }
    fn word() -> Option<&'static str> {
        Some("none")
    }
}

/// A number, or `auto`: a value the solver derives (each such setting's help says how).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Auto {
    /// Derived by the solver.
    Auto,
    /// This value.
    Value(f64),
}

impl Auto {
    /// The given value, or `auto` computed by `derive`.
    pub fn or_else(self, derive: impl FnOnce() -> f64) -> f64 {
        match self {
            Auto::Auto => derive(),
            Auto::Value(v) => v,
        }
    }
}

/// A number, or `none`: no limit (a clip, a time budget).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    /// No limit.
    None,
    /// This limit.
    Value(f64),
}

impl Limit {
    /// The limit, if there is one.
    pub fn get(self) -> Option<f64> {
        match self {
            Limit::None => None,
            Limit::Value(v) => Some(v),
        }
    }
}

/// `Auto` and `Limit` (and [`crate::gmm::InitSpread`]): a word or a number.
macro_rules! word_or_number {
    ($t:ident, $word:literal, $none:ident) => {
        impl $crate::settings::SettingValue for $t {
            fn parse_setting(text: &str) -> Result<Self, String> {
                match text {
                    $word => Ok($t::$none),
                    v => v
                        .parse()
                        .map($t::Value)
                        .map_err(|_| format!("'{v}': expected {} or a number", $word)),
                }
            }
            fn show(&self) -> String {
                match self {
                    $t::$none => $word.into(),
                    $t::Value(v) => v.to_string(),
                }
            }
            fn number(&self) -> Option<f64> {
                match self {
                    $t::$none => None,
                    $t::Value(v) => Some(*v),
                }
            }
            fn word() -> Option<&'static str> {
                Some($word)
            }
        }
    };
}
pub(crate) use word_or_number;
word_or_number!(Auto, "auto", Auto);
word_or_number!(Limit, "none", None);

/// Declares a setting that is one of a few named choices: the enum, its `FromStr` (refusing
/// other words by listing the accepted ones), `Display`, and its [`SettingValue`].
///
/// ```
/// eot_solvers::choice! {
///     /// Shape of the matrices `S_k`.
///     pub enum Covariance { Diagonal = "diagonal", Full = "full" }
/// }
/// assert_eq!("full".parse::<Covariance>(), Ok(Covariance::Full));
/// assert_eq!(Covariance::Diagonal.to_string(), "diagonal");
/// assert!("round".parse::<Covariance>().unwrap_err().contains("expected diagonal or full"));
/// ```
#[macro_export]
macro_rules! choice {
    ($(#[$meta:meta])* pub enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every accepted word, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];
            /// The word that names it.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("'{other}': expected {}", Self::NAMES.join(" or "))),
                }
            }
        }

        impl $crate::SettingValue for $name {
            fn parse_setting(text: &str) -> Result<Self, String> {
                text.parse()
            }
            fn show(&self) -> String {
                self.name().to_string()
            }
            fn choices() -> &'static [&'static str] {
                Self::NAMES
            }
        }
    };
}

/// The range a setting's value must lie in, checked wherever the settings come from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Anything the type parses.
    Any,
    /// A count of at least 1.
    AtLeastOne,
    /// Finite and > 0.
    Positive,
    /// Finite and >= 0.
    NonNegative,
    /// In [0, 1).
    Fraction,
    /// In [0, 1].
    Probability,
    /// In (0, 1).
    OpenUnit,
    /// Finite, > 0 and at most this.
    PositiveUpTo(f64),
    /// `cpu`, `cuda` or `cuda:N`.
    Device,
}

impl Rule {
    /// The range in words, for the help (`""` for [`Rule::Any`]).
    pub fn describe(self) -> String {
        match self {
            Rule::Any => String::new(),
            Rule::AtLeastOne => ">= 1".into(),
            Rule::Positive => "> 0".into(),
            Rule::NonNegative => ">= 0".into(),
            Rule::Fraction => "in [0, 1)".into(),
            Rule::Probability => "in [0, 1]".into(),
            Rule::OpenUnit => "in (0, 1)".into(),
            Rule::PositiveUpTo(max) => format!("in (0, {max}]"),
            Rule::Device => "cpu, cuda or cuda:N".into(),
        }
    }

    /// Refuses `value` outside the range, naming `key`.
    fn check<T: SettingValue>(self, key: &str, value: &T) -> Result<(), SolverError> {
        if self == Rule::Device {
            return crate::check_device_name(&value.show());
        }
        let Some(v) = value.number() else { return Ok(()) };
        let ok = match self {
            Rule::Any | Rule::Device => true,
            Rule::AtLeastOne => v >= 1.0,
            Rule::Positive => v > 0.0 && v.is_finite(),
            Rule::NonNegative => v >= 0.0 && v.is_finite(),
            Rule::Fraction => (0.0..1.0).contains(&v),
            Rule::Probability => (0.0..=1.0).contains(&v),
            Rule::OpenUnit => v > 0.0 && v < 1.0,
            Rule::PositiveUpTo(max) => v > 0.0 && v <= max,
        };
        if ok {
            Ok(())
        } else {
            Err(SolverError::setting(key, format!("must be {}, got {v}", self.describe())))
        }
    }
}

/// One setting as the help shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingHelp {
    /// The key of `key=value`.
    pub key: &'static str,
    /// The default value, as text.
    pub default: String,
    /// The range or the accepted words (empty when anything the type parses goes).
    pub range: String,
    /// One line on what it does.
    pub help: &'static str,
}

/// What [`Settings::visit`] shows each field to.
pub trait Visitor {
    /// One setting: its key, the field, its range and one line of help.
    fn field<T: SettingValue>(
        &mut self,
        key: &'static str,
        value: &mut T,
        rule: Rule,
        help: &'static str,
    ) -> Result<(), SolverError>;
}

/// A solver's settings, declared field by field in [`Settings::visit`].
pub trait Settings: Default + Clone + Send + Sync + 'static {
    /// Shows every setting to `v`, in the order reports list them; groups shared between
    /// solvers (the networks, the optimiser, the sampler) visit their own fields.
    fn visit<V: Visitor>(&mut self, v: &mut V) -> Result<(), SolverError>;

    /// Checks that relate several settings (each field's own range is checked from
    /// [`Settings::visit`]).
    fn check_together(&self) -> Result<(), SolverError> {
        Ok(())
    }

    /// The defaults with every `key=value` of `options` applied; refuses an unknown key (naming
    /// the known ones, for `solver`), a value that does not parse or is out of range.
    fn from_options_for(solver: &str, mut options: Options) -> Result<Self, SolverError> {
        let mut s = Self::default();
        s.visit(&mut Parse { options: &mut options })?;
        options.finish(solver, &Self::keys())?;
        s.validate()?;
        Ok(s)
    }

    /// Refuses a value out of its range (for settings built in code).
    fn validate(&self) -> Result<(), SolverError> {
        self.clone().visit(&mut Check)?;
        self.check_together()
    }

    /// Every setting as `(key, value)`, for reports.
    fn describe(&self) -> Vec<(String, String)> {
        let mut d = Describe(Vec::new());
        // Describing cannot fail: the visitor only reads.
        let _ = self.clone().visit(&mut d);
        d.0
    }

    /// The keys, in order.
    fn keys() -> Vec<&'static str> {
        Self::help().into_iter().map(|h| h.key).collect()
    }

    /// Every setting with its default, range and help.
    fn help() -> Vec<SettingHelp> {
        let mut h = Help(Vec::new());
        let _ = Self::default().visit(&mut h);
        h.0
    }
}

/// Applies the options present to the fields, checking each value's range.
struct Parse<'a> {
    options: &'a mut Options,
}

impl Visitor for Parse<'_> {
    fn field<T: SettingValue>(
        &mut self,
        key: &'static str,
        value: &mut T,
        rule: Rule,
        _help: &'static str,
    ) -> Result<(), SolverError> {
        if let Some(text) = self.options.take_text(key) {
            *value = T::parse_setting(&text)
                .map_err(|e| SolverError::setting(key, format!("cannot parse '{text}': {e}")))?;
        }
        rule.check(key, value)
    }
}

/// Checks each field's range (also of a settings group on its own:
/// `group.clone().visit(&mut Check)`).
pub(crate) struct Check;

impl Visitor for Check {
    fn field<T: SettingValue>(
        &mut self,
        key: &'static str,
        value: &mut T,
        rule: Rule,
        _help: &'static str,
    ) -> Result<(), SolverError> {
        rule.check(key, value)
    }
}

/// Collects `(key, value)`.
struct Describe(Vec<(String, String)>);

impl Visitor for Describe {
    fn field<T: SettingValue>(
        &mut self,
        key: &'static str,
        value: &mut T,
        _rule: Rule,
        _help: &'static str,
    ) -> Result<(), SolverError> {
        self.0.push((key.to_string(), value.show()));
        Ok(())
    }
}

/// Collects the help of each field (visited on the defaults).
struct Help(Vec<SettingHelp>);

impl Visitor for Help {
    fn field<T: SettingValue>(
        &mut self,
        key: &'static str,
        value: &mut T,
        rule: Rule,
        help: &'static str,
    ) -> Result<(), SolverError> {
        let range = match (T::choices(), T::word()) {
            ([], Some(word)) => format!("{word} or {}", rule.describe()),
            ([], None) => rule.describe(),
            (words, _) => words.join(" | "),
        };
        self.0.push(SettingHelp { key, default: value.show(), range, help });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    choice! {
        /// A test choice.
        pub enum Shape { Round = "round", Square = "square" }
    }

    #[derive(Clone, Debug, PartialEq)]
    struct Demo {
        count: usize,
        rate: f64,
        shape: Shape,
        step: Auto,
    }

    impl Default for Demo {
        fn default() -> Self {
            Demo { count: 3, rate: 0.5, shape: Shape::Round, step: Auto::Auto }
        }
    }

    impl Settings for Demo {
        fn visit<V: Visitor>(&mut self, v: &mut V) -> Result<(), SolverError> {
            v.field("count", &mut self.count, Rule::AtLeastOne, "how many")?;
            v.field("rate", &mut self.rate, Rule::OpenUnit, "how fast")?;
            v.field("shape", &mut self.shape, Rule::Any, "which shape")?;
            v.field("step", &mut self.step, Rule::Positive, "a step, or auto")
        }
    }

    #[test]
    fn one_declaration_parses_checks_describes_and_helps() {
        let o = Options::parse(&["count=7", "shape=square", "step=0.25"]).unwrap();
        let s = Demo::from_options_for("demo", o).unwrap();
        assert_eq!(s, Demo { count: 7, rate: 0.5, shape: Shape::Square, step: Auto::Value(0.25) });
        assert_eq!(
            s.describe(),
            [("count", "7"), ("rate", "0.5"), ("shape", "square"), ("step", "0.25")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(Demo::keys(), ["count", "rate", "shape", "step"]);
        let help = Demo::help();
        assert_eq!((help[2].default.as_str(), help[2].range.as_str()), ("round", "round | square"));
        assert_eq!(help[1].range, "in (0, 1)");
        let bad = |pairs: &[&str]| {
            Demo::from_options_for("demo", Options::parse(pairs).unwrap()).unwrap_err().to_string()
        };
        assert!(bad(&["count=0"]).contains("'count': must be >= 1"));
        assert!(bad(&["shape=oval"]).contains("expected round or square"));
        assert!(bad(&["step=-1"]).contains("'step'"));
        assert!(bad(&["colour=red"]).contains("known: count, rate, shape, step"));
        let built = Demo { rate: 1.0, ..Demo::default() };
        assert!(built.validate().is_err());
    }
}
