//! What `compare` shows while it runs: on a terminal, a progress bar (cells done, time left, the
//! current cell and its training step, reported by the solvers through
//! `eot_solvers::progress`); without one (CI, `nohup`, a pipe), where indicatif hides the bar,
//! a heartbeat line on stderr every [`HEARTBEAT`] so a long cell is never silent. The per-cell
//! result lines are printed either way.

use std::io::IsTerminal;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often the heartbeat speaks when there is no progress bar.
pub const HEARTBEAT: Duration = Duration::from_secs(30);

/// The cell being run and its latest training step, shared with the heartbeat thread.
struct State {
    done: usize,
    cells: usize,
    cell: String,
    cell_start: Instant,
    step: Option<(String, usize, usize)>,
}

/// The heartbeat thread's stop flag and wake-up signal.
type StopSignal = Arc<(Mutex<bool>, Condvar)>;

/// The progress of a run over `cells` cells. Installs the solvers' progress observer; dropping
/// it (or [`Progress::finish`]) removes the observer and stops the heartbeat.
pub struct Progress {
    bar: ProgressBar,
    state: Arc<Mutex<State>>,
    heartbeat: Option<(StopSignal, JoinHandle<()>)>,
}

impl Progress {
    /// A bar over `cells` cells when stderr is a terminal, else a heartbeat every `every`.
    pub fn new(cells: usize, every: Duration) -> Self {
        let bar = ProgressBar::new(cells as u64);
        let style = ProgressStyle::with_template(
            "{elapsed_precise} [{bar:20}] {pos}/{len} cells ~{eta} left {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        let state = Arc::new(Mutex::new(State {
            done: 0,
            cells,
            cell: String::new(),
            cell_start: Instant::now(),
            step: None,
        }));
        observe_steps(&bar, &state);
        let heartbeat = (!std::io::stderr().is_terminal()).then(|| heartbeat(&state, every));
        Progress { bar, state, heartbeat }
    }

    /// Marks the start of the cell `label`.
    pub fn start_cell(&self, label: &str) {
        let mut s = lock(&self.state);
        s.cell = label.to_string();
        s.cell_start = Instant::now();
        s.step = None;
        self.bar.set_message(label.to_string());
    }

    /// Marks the end of the current cell, printing `line` (above the bar on a terminal).
    pub fn finish_cell(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
        self.bar.inc(1);
        lock(&self.state).done += 1;
    }

    /// Clears the bar, stops the heartbeat and removes the solvers' observer.
    pub fn finish(self) {
        drop(self);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
        eot_solvers::progress::observe(None);
        if let Some((stop, thread)) = self.heartbeat.take() {
            *stop.0.lock().unwrap_or_else(|e| e.into_inner()) = true;
            stop.1.notify_all();
            let _ = thread.join();
        }
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Routes the solvers' step reports to the bar's message and the shared state, every 1 % of
/// training (plenty for the eye, and it keeps the locks out of the training loop).
fn observe_steps(bar: &ProgressBar, state: &Arc<Mutex<State>>) {
    let (bar, state) = (bar.clone(), state.clone());
    eot_solvers::progress::observe(Some(Arc::new(move |solver: &str, done, total| {
        if done % (total / 100).max(1) == 0 {
            let mut s = lock(&state);
            s.step = Some((solver.to_string(), done, total));
            bar.set_message(format!("{solver} {done}/{total} steps | {}", s.cell));
        }
    })));
}

/// A thread printing [`heartbeat_line`] every `every` until told to stop.
fn heartbeat(state: &Arc<Mutex<State>>, every: Duration) -> (StopSignal, JoinHandle<()>) {
    let stop = Arc::new((Mutex::new(false), Condvar::new()));
    let (state, flag) = (state.clone(), stop.clone());
    let started = Instant::now();
    let thread = std::thread::spawn(move || {
        let (lock_stop, signal) = &*flag;
        let mut stopped = lock_stop.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let (guard, timeout) =
                signal.wait_timeout(stopped, every).unwrap_or_else(|e| e.into_inner());
            stopped = guard;
            if *stopped {
                return;
            }
            if timeout.timed_out() {
                eprintln!("{}", heartbeat_line(&lock(&state), started.elapsed()));
            }
        }
    });
    (stop, thread)
}

/// `[12m30s] cell 3/36: vareot gmm D=64 eps=1 seed=0, 2m05s in, training step 640/1000 (vareot)`.
fn heartbeat_line(s: &State, elapsed: Duration) -> String {
    let step = match &s.step {
        Some((solver, done, total)) => format!(", training step {done}/{total} ({solver})"),
        None => String::new(),
    };
    format!(
        "[{}] cell {}/{}: {}, {} in{step}",
        clock(elapsed),
        (s.done + 1).min(s.cells),
        s.cells,
        s.cell,
        clock(s.cell_start.elapsed())
    )
}

/// `1h02m03s`, `2m05s`, `7s`.
fn clock(d: Duration) -> String {
    let t = d.as_secs();
    match (t / 3600, t / 60 % 60, t % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, s) => format!("{h}h{m:02}m{s:02}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heartbeat_names_the_cell_its_time_and_the_training_step() {
        let s = State {
            done: 2,
            cells: 36,
            cell: "vareot gmm D=64 eps=1 seed=0".into(),
            cell_start: Instant::now(),
            step: Some(("vareot".into(), 640, 1000)),
        };
        let line = heartbeat_line(&s, Duration::from_secs(750));
        assert!(line.starts_with("[12m30s] cell 3/36: vareot gmm D=64 eps=1 seed=0, 0s in"));
        assert!(line.ends_with("training step 640/1000 (vareot)"));
        assert_eq!(clock(Duration::from_secs(3723)), "1h02m03s");
    }
}
