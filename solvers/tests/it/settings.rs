//! Every solver's settings are declared once: the keys `eot solvers --settings` lists are
//! exactly the ones the solver accepts, each at its listed default, and what reports record.

use eot_solvers::{Options, Registry};

#[test]
fn listed_keys_are_exactly_the_accepted_ones() {
    let registry = Registry::builtin();
    for (name, _) in registry.list() {
        let help = registry.settings_help(name).unwrap();
        assert!(!help.is_empty(), "{name} lists no settings");
        // Every listed key is accepted at its listed default, which is the default.
        let mut all = Options::new();
        for h in &help {
            all = all.with(h.key, &h.default);
        }
        let given = registry.build(name, all).unwrap_or_else(|e| panic!("{name}: {e}"));
        let defaults = registry.build(name, Options::new()).unwrap();
        assert_eq!(given.settings(), defaults.settings(), "{name}");
        // Reports record exactly the listed keys, in the listed order.
        let recorded: Vec<String> = defaults.settings().into_iter().map(|(k, _)| k).collect();
        let listed: Vec<String> = help.iter().map(|h| h.key.to_string()).collect();
        assert_eq!(recorded, listed, "{name}");
        // A key that is not listed is refused, and the refusal lists the known keys.
        let err = registry.build(name, Options::new().with("no_such_key", 1)).err().unwrap();
        assert!(
            err.to_string().contains(&format!("known: {}", listed.join(", "))),
            "{name}: {err}"
        );
        // Each listed key is read: a value of the wrong kind for it is refused naming it.
        for h in help.iter().filter(|h| !h.range.is_empty()) {
            let err = registry.build(name, Options::new().with(h.key, "not-a-value"));
            assert!(err.is_err(), "{name}: {}=not-a-value was accepted", h.key);
        }
    }
}
