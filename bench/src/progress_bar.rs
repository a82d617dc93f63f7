//! The progress bar of `compare`: cells done, time left, the current cell and its training step
//! (reported by the solvers through `eot_solvers::progress`). indicatif draws it on stderr only
//! when stderr is a terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// Separates the training step from the cell in the bar's message (the step first, so a narrow
/// terminal cuts the cell's name, not the count).
const STEP_MARK: &str = " steps | ";

/// A bar over the cells (elapsed, estimated time left, the current cell and its training step),
/// drawn on stderr only when it is a terminal; the per-cell lines are printed either way. Installs
/// the solvers' progress observer; remove it with `eot_solvers::progress::observe(None)`.
pub fn progress_bar(cells: usize) -> ProgressBar {
    let bar = ProgressBar::new(cells as u64);
    let style = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:20}] {pos}/{len} cells ~{eta} left {wide_msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    let shown = bar.clone();
    eot_solvers::progress::observe(Some(std::sync::Arc::new(move |solver: &str, done, total| {
        // Every 1 % of training is plenty for the eye and keeps the bar's lock out of the loop.
        if done % (total / 100).max(1) == 0 {
            let message = shown.message();
            let cell = message.rsplit(STEP_MARK).next().unwrap_or("").to_string();
            shown.set_message(format!("{solver} {done}/{total}{STEP_MARK}{cell}"));
        }
    })));
    bar
}
