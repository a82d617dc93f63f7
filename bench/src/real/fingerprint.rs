//! Identifies the data a network was trained on, so that a cached network is reused only for
//! the same images and labels.

use eot_datasets::Points;

/// The images (and, for a classifier, labels and class count) a network trains on.
#[derive(Clone, Copy, Debug)]
pub struct TrainingData<'a> {
    /// The training images.
    pub images: &'a Points,
    /// `(labels, classes)`, for a classifier.
    pub labels: Option<(&'a [u8], usize)>,
}

impl<'a> TrainingData<'a> {
    /// Unlabelled images (an autoencoder's data).
    pub fn images(images: &'a Points) -> Self {
        TrainingData { images, labels: None }
    }

    /// Images with one label in `0..classes` each (a classifier's data).
    pub fn labelled(images: &'a Points, labels: &'a [u8], classes: usize) -> Self {
        TrainingData { images, labels: Some((labels, classes)) }
    }

    /// A short text naming the data's shape and a 64-bit hash of its exact values: equal for
    /// the same data, different (up to hash collisions) for any changed pixel, label, order or
    /// size.
    pub fn fingerprint(&self) -> String {
        let (n, d) = (self.images.len(), self.images.dim());
        let pixels = hash_words(self.images.as_slice().iter().map(|v| v.to_bits()));
        let mut text = format!("n={n} d={d} pixels={pixels:016x}");
        if let Some((labels, classes)) = self.labels {
            let labels = hash_words(labels.iter().map(|&l| u64::from(l)));
            text.push_str(&format!(" classes={classes} labels={labels:016x}"));
        }
        text
    }
}

/// A 64-bit hash of a word sequence, fixed across platforms and Rust versions (std's hasher is
/// not): each word is folded in with SplitMix64's finaliser, one multiply-xorshift chain, so
/// position matters. Not cryptographic; it tells data apart, it does not guard against forgery.
fn hash_words(words: impl Iterator<Item = u64>) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for w in words {
        h = mix(h ^ w).wrapping_add(0x9e37_79b9_7f4a_7c15);
    }
    h
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
