use crate::{DataError, Points, SuiteRng};

/// Labelled greyscale images, one per row of `images` (row-major pixels in `[0, 1]`).
#[derive(Clone, Debug)]
pub struct ImageSet {
    /// `n x (height * width)` pixels in `[0, 1]`.
    pub images: Points,
    /// The class of each image, an index into `class_names`.
    pub labels: Vec<u8>,
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
    /// Human-readable class names (`"Sneaker"`, `"3"`).
    pub class_names: Vec<String>,
}

impl ImageSet {
    /// Checks the shapes: one label per image, `height * width` pixels each, every pixel in
    /// `[0, 1]`, every label a known class.
    pub fn new(
        images: Points,
        labels: Vec<u8>,
        height: usize,
        width: usize,
        class_names: Vec<String>,
    ) -> Result<Self, DataError> {
        if images.dim() != height * width {
            return Err(DataError::Invalid(format!(
                "images have {} pixels, expected {height} x {width}",
                images.dim()
            )));
        }
        if labels.len() != images.len() {
            return Err(DataError::Invalid(format!(
                "{} labels for {} images",
                labels.len(),
                images.len()
            )));
        }
        if let Some(i) = labels.iter().position(|&l| l as usize >= class_names.len()) {
            return Err(DataError::Invalid(format!(
                "image {i} has label {} but there are {} classes",
                labels[i],
                class_names.len()
            )));
        }
        if let Some(p) = images.as_slice().iter().position(|v| !(0.0..=1.0).contains(v)) {
            let d = images.dim();
            return Err(DataError::Invalid(format!(
                "image {} pixel {} is {} (outside [0, 1])",
                p / d,
                p % d,
                images.as_slice()[p]
            )));
        }
        Ok(ImageSet { images, labels, height, width, class_names })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The class index of a name (`"Sneaker"`, `"3"`), or an error listing the names.
    pub fn class_index(&self, name: &str) -> Result<u8, DataError> {
        self.class_names
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
            .map(|i| i as u8)
            .ok_or_else(|| {
                DataError::Invalid(format!(
                    "unknown class '{name}' (known: {})",
                    self.class_names.join(", ")
                ))
            })
    }

    /// The images of one class, in file order.
    pub fn of_class(&self, class: u8) -> Points {
        self.select(|i| self.labels[i] == class).images
    }

    /// The images whose index passes `keep`, with their labels, in order.
    pub fn select(&self, keep: impl Fn(usize) -> bool) -> ImageSet {
        let labels = (0..self.len()).filter(|&i| keep(i)).map(|i| self.labels[i]).collect();
        ImageSet {
            images: self.images.select(&keep),
            labels,
            height: self.height,
            width: self.width,
            class_names: self.class_names.clone(),
        }
    }

    /// A seeded split into (first, second) with `first_fraction` of each class in the first
    /// part, so both parts keep the class proportions.
    pub fn stratified_split(
        &self,
        first_fraction: f64,
        rng: &mut SuiteRng,
    ) -> (ImageSet, ImageSet) {
        let first = stratified_mask(&self.labels, first_fraction, rng);
        (self.select(|i| first[i]), self.select(|i| !first[i]))
    }
}

/// For each class, a seeded random `fraction` of its members marked `true`.
pub(crate) fn stratified_mask<L: PartialEq + Clone>(
    labels: &[L],
    fraction: f64,
    rng: &mut SuiteRng,
) -> Vec<bool> {
    use rand::seq::SliceRandom;
    let mut mask = vec![false; labels.len()];
    let mut seen: Vec<L> = Vec::new();
    for l in labels {
        if seen.contains(l) {
            continue;
        }
        seen.push(l.clone());
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| &labels[i] == l).collect();
        members.shuffle(rng);
        let k = (fraction * members.len() as f64).round() as usize;
        members[..k.min(members.len())].iter().for_each(|&i| mask[i] = true);
    }
    mask
}
