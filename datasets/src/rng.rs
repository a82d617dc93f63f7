use rand::SeedableRng;

/// The one random generator of the suite: ChaCha8 is portable and reproducible across platforms,
/// so the same seed gives the same points everywhere.
pub type SuiteRng = rand_chacha::ChaCha8Rng;

/// A generator seeded with `seed`.
pub fn seeded_rng(seed: u64) -> SuiteRng {
    SuiteRng::seed_from_u64(seed)
}

/// An independent generator for one purpose (`stream`) of a run seeded with `seed`, so that e.g.
/// drawing more training points does not change the test queries.
pub fn substream(seed: u64, stream: u64) -> SuiteRng {
    let mut rng = SuiteRng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}
