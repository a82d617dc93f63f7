use eot_datasets::SuiteRng;
use rand::Rng;

/// Earlier Langevin chains as `(x, y)` pairs, so training can continue a chain instead of
/// restarting it at `y = x` (persistent chains mix over many training steps).
pub(super) struct Replay {
    dim: usize,
    capacity: usize,
    /// Row-major `(x, y)` pairs, `2 * dim` floats each.
    pairs: Vec<f32>,
    next: usize,
}

impl Replay {
    pub fn new(dim: usize, capacity: usize) -> Self {
        Replay { dim, capacity, pairs: Vec::new(), next: 0 }
    }

    fn len(&self) -> usize {
        self.pairs.len() / (2 * self.dim)
    }

    /// The chain centres and starts for a batch of fresh `x`: each row is, with probability
    /// `p` (when the buffer has chains), a stored `(x, y)` pair, else `(x, x)`.
    pub fn starts(&self, fresh: &[f32], p: f64, rng: &mut SuiteRng) -> (Vec<f32>, Vec<f32>) {
        let d = self.dim;
        let (mut centres, mut starts) =
            (Vec::with_capacity(fresh.len()), Vec::with_capacity(fresh.len()));
        for x in fresh.chunks(d) {
            if self.len() > 0 && rng.random::<f64>() < p {
                let at = rng.random_range(0..self.len()) * 2 * d;
                centres.extend_from_slice(&self.pairs[at..at + d]);
                starts.extend_from_slice(&self.pairs[at + d..at + 2 * d]);
            } else {
                centres.extend_from_slice(x);
                starts.extend_from_slice(x);
            }
        }
        (centres, starts)
    }

    /// Stores the chains' end points, overwriting the oldest once full.
    pub fn push(&mut self, centres: &[f32], ends: &[f32]) {
        let d = self.dim;
        for (x, y) in centres.chunks(d).zip(ends.chunks(d)) {
            if self.len() < self.capacity {
                self.pairs.extend_from_slice(x);
                self.pairs.extend_from_slice(y);
            } else {
                let at = self.next * 2 * d;
                self.pairs[at..at + d].copy_from_slice(x);
                self.pairs[at + d..at + 2 * d].copy_from_slice(y);
                self.next = (self.next + 1) % self.capacity;
            }
        }
    }
}
