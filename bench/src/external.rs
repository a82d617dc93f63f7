//! Solvers that are other programs (`compare --external NAME=COMMAND`): for each cell the
//! harness writes the training samples and every set of query points it will score into a
//! fresh folder, runs the command there, times it (wall clock and the process's peak memory),
//! reads its draws and scores them exactly as a built-in solver's. The contract is in
//! docs/external-solvers.md.
//!
//! Which query sets a cell needs is found by running the cell's own scoring once with a plan
//! that only records what it is asked ([`Recorder`]); the program's draws are then handed back
//! in the same order ([`Replay`]), so the external solver is scored by the same code, on the
//! same points, with the same draw counts as every other solver.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use eot_datasets::io::{load_array, write_array};
use eot_datasets::{Points, SuiteRng};
use eot_solvers::{FitReport, FittedPlan, LogPartition, SolverError};

/// An external solver: its name in tables and the command that runs it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalSolver {
    /// The name `--solvers` and the tables use.
    pub name: String,
    /// The command, run by `sh -c` with the environment of the contract.
    pub command: String,
    /// Longest run allowed; past it the program is killed and its row says so.
    pub timeout: Duration,
}

/// Default `NAME.timeout`, in seconds.
pub const DEFAULT_TIMEOUT: u64 = 3600;

impl ExternalSolver {
    /// Parses `NAME=COMMAND` (the value of `--external`).
    pub fn parse(spec: &str) -> Result<Self> {
        let Some((name, command)) = spec.split_once('=') else {
            bail!("--external {spec}: expected NAME=COMMAND");
        };
        let (name, command) = (name.trim(), command.trim());
        if name.is_empty() || command.is_empty() || name.contains(['.', ',', ' ']) {
            bail!("--external {spec}: expected NAME=COMMAND, NAME without '.', ',' or spaces");
        }
        let timeout = Duration::from_secs(DEFAULT_TIMEOUT);
        Ok(ExternalSolver { name: name.into(), command: command.into(), timeout })
    }

    /// What its rows record as settings.
    pub fn settings(&self) -> Vec<(String, String)> {
        vec![
            ("command".into(), self.command.clone()),
            ("timeout".into(), format!("{} s", self.timeout.as_secs())),
        ]
    }
}

/// The external solvers of `--external NAME=COMMAND` flags, with `NAME.timeout=SECONDS` read
/// from `opts`; refuses a name given twice, one of `taken` (the registry's solvers and the
/// calibration plans), and any other `NAME.key`.
pub fn configure(specs: &[String], opts: &[String], taken: &[&str]) -> Result<Vec<ExternalSolver>> {
    let mut out: Vec<ExternalSolver> = Vec::new();
    for spec in specs {
        let mut e = ExternalSolver::parse(spec)?;
        if taken.contains(&e.name.as_str()) || out.iter().any(|o| o.name == e.name) {
            bail!("--external {spec}: the name '{}' is taken; choose another", e.name);
        }
        for o in opts {
            let Some((owner, rest)) = crate::solver_opts::owned_option(o) else { continue };
            if owner != e.name {
                continue;
            }
            match rest.split_once('=') {
                Some(("timeout", v)) => {
                    let s: f64 = v
                        .trim()
                        .parse()
                        .ok()
                        .filter(|s: &f64| *s > 0.0 && s.is_finite())
                        .with_context(|| format!("--opt {o}: expected a number of seconds > 0"))?;
                    e.timeout = Duration::from_secs_f64(s);
                }
                _ => bail!("--opt {o}: an external solver takes only {}.timeout=SECONDS", e.name),
            }
        }
        out.push(e);
    }
    Ok(out)
}

/// One set of queries and the draws asked for each.
#[derive(Clone, Debug)]
pub struct Request {
    /// The query points.
    pub x: Points,
    /// Draws per query.
    pub k: usize,
}

/// A plan that answers every `sample` call with placeholder draws (each query repeated) and
/// records the call: a dry run of a cell's scoring lists what it will ask.
pub struct Recorder {
    dim: usize,
    eps: f64,
    report: FitReport,
    requests: Mutex<Vec<Request>>,
}

impl Recorder {
    /// A recorder for points of dimension `dim`.
    pub fn new(dim: usize, eps: f64) -> Self {
        Recorder { dim, eps, report: FitReport::default(), requests: Mutex::new(Vec::new()) }
    }

    /// The calls recorded, in order.
    pub fn into_requests(self) -> Vec<Request> {
        self.requests.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

fn unsupported(what: &str) -> SolverError {
    SolverError::Unsupported(format!("an external program gives no {what}"))
}

impl FittedPlan for Recorder {
    fn eps(&self) -> f64 {
        self.eps
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn report(&self) -> &FitReport {
        &self.report
    }
    fn potential(&self, _y: &Points) -> Result<Vec<f64>, SolverError> {
        Err(unsupported("potential"))
    }
    fn log_partition(&self, _x: &Points) -> Result<LogPartition, SolverError> {
        Err(unsupported("log-partition"))
    }
    fn sample(&self, x: &Points, k: usize, _rng: &mut SuiteRng) -> Result<Points, SolverError> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).push(Request { x: x.clone(), k });
        let data: Vec<f64> =
            x.rows().flat_map(|r| std::iter::repeat_n(r, k).flatten().copied()).collect();
        Ok(Points::new(data, x.len() * k, self.dim)?)
    }
    fn barycentric_map(&self, _x: &Points) -> Result<Points, SolverError> {
        Err(unsupported("barycentric map"))
    }
}

/// The program's draws, handed out in the order they were requested.
pub struct Replay {
    dim: usize,
    eps: f64,
    report: FitReport,
    draws: Mutex<VecDeque<(Request, Points)>>,
}

impl FittedPlan for Replay {
    fn eps(&self) -> f64 {
        self.eps
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn report(&self) -> &FitReport {
        &self.report
    }
    fn potential(&self, _y: &Points) -> Result<Vec<f64>, SolverError> {
        Err(unsupported("potential"))
    }
    fn log_partition(&self, _x: &Points) -> Result<LogPartition, SolverError> {
        Err(unsupported("log-partition"))
    }
    fn sample(&self, x: &Points, k: usize, _rng: &mut SuiteRng) -> Result<Points, SolverError> {
        let mut queue = self.draws.lock().unwrap_or_else(|e| e.into_inner());
        match queue.pop_front() {
            Some((r, draws)) if r.k == k && r.x == *x => Ok(draws),
            _ => Err(SolverError::Input(format!(
                "the harness asked an external program's plan for draws it did not request \
                 ({} queries x {k}); a request list out of step with the scoring",
                x.len()
            ))),
        }
    }
    fn barycentric_map(&self, _x: &Points) -> Result<Points, SolverError> {
        Err(unsupported("barycentric map"))
    }
}

/// What a run of the program gave.
pub struct Run {
    /// Its draws, to score.
    pub plan: Replay,
    /// Wall-clock seconds of the run.
    pub seconds: f64,
    /// The process's peak resident memory (MiB).
    pub peak_mib: Option<f64>,
}

/// Why a run gave no draws; the cell becomes a row that says so and the run goes on.
#[derive(Debug, thiserror::Error)]
#[error("external program {name}: {message}")]
pub struct ExternalFailure {
    /// The solver's name.
    pub name: String,
    /// What went wrong.
    pub message: String,
}

/// Runs `solver` on the training samples with the requests, in a fresh folder under the
/// system's temporary directory (removed afterwards).
pub fn run(
    solver: &ExternalSolver,
    source: &Points,
    target: &Points,
    eps: f64,
    seed: u64,
    requests: Vec<Request>,
) -> Result<Run> {
    let dir = std::env::temp_dir().join(format!(
        "eot-external-{}-{}-{seed}",
        std::process::id(),
        solver.name
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = run_in(&dir, solver, source, target, eps, seed, requests);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(
    dir: &Path,
    solver: &ExternalSolver,
    source: &Points,
    target: &Points,
    eps: f64,
    seed: u64,
    requests: Vec<Request>,
) -> Result<Run> {
    let d = source.dim();
    write_array(&dir.join("source_train.npy"), &[source.len(), d], source.as_slice())?;
    write_array(&dir.join("target_train.npy"), &[target.len(), d], target.as_slice())?;
    let mut listed = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let (q, out) = (format!("queries_{i}.npy"), format!("samples_{i}.npy"));
        write_array(&dir.join(&q), &[r.x.len(), d], r.x.as_slice())?;
        listed.push(serde_json::json!({"queries": q, "draws": r.k, "out": out}));
    }
    let request = serde_json::json!({
        "eps": eps, "seed": seed, "dim": d,
        "cost": "c(x, y) = |x - y|^2 / 2 (POT's reg with ot.dist, |x-y|^2, is 2 eps)",
        "source": "source_train.npy", "target": "target_train.npy", "requests": listed,
    });
    std::fs::write(dir.join("request.json"), serde_json::to_string_pretty(&request)?)?;
    let fail = |message: String| ExternalFailure { name: solver.name.clone(), message };
    let (seconds, peak_mib) = execute(dir, solver, eps, seed).map_err(fail)?;
    let mut draws = VecDeque::with_capacity(requests.len());
    for (i, r) in requests.into_iter().enumerate() {
        let points = read_draws(&dir.join(format!("samples_{i}.npy")), &r, d).map_err(fail)?;
        draws.push_back((r, points));
    }
    let report = FitReport {
        iterations: 0,
        converged: true,
        final_error: None,
        notes: vec![format!("external program, {seconds:.2} s")],
    };
    let plan = Replay { dim: d, eps, report, draws: Mutex::new(draws) };
    Ok(Run { plan, seconds, peak_mib })
}

/// Runs the command with the contract's environment, killing it past its timeout; its wall
/// time and peak memory (from `wait4`).
fn execute(
    dir: &Path,
    solver: &ExternalSolver,
    eps: f64,
    seed: u64,
) -> std::result::Result<(f64, Option<f64>), String> {
    let log = dir.join("stderr.txt");
    let stderr = std::fs::File::create(&log).map_err(|e| format!("cannot create its log: {e}"))?;
    let start = Instant::now();
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("exec {}", solver.command))
        .env("EOT_DIR", dir)
        .env("EOT_EPS", eps.to_string())
        .env("EOT_SEED", seed.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start `{}`: {e}", solver.command))?;
    let pid = child.id() as libc::pid_t;
    let tail = || tail_of(&log);
    loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our child, not yet reaped; status and usage are valid for writes.
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            let seconds = start.elapsed().as_secs_f64();
            // Linux reports ru_maxrss in KiB.
            let peak = Some(usage.ru_maxrss as f64 / 1024.0);
            if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
                return Ok((seconds, peak));
            }
            let how = if libc::WIFEXITED(status) {
                format!("exited with status {}", libc::WEXITSTATUS(status))
            } else {
                format!("was killed by signal {}", libc::WTERMSIG(status))
            };
            return Err(format!("{how} after {seconds:.1} s; the end of its stderr: {}", tail()));
        }
        if done < 0 {
            return Err(format!("waiting for it failed: {}", std::io::Error::last_os_error()));
        }
        if start.elapsed() > solver.timeout {
            let _ = child.kill();
            let mut status = 0;
            // SAFETY: reaps the child just killed.
            unsafe { libc::waitpid(pid, &mut status, 0) };
            return Err(format!(
                "ran past its timeout of {} s and was stopped ({}.timeout=SECONDS); the end of \
                 its stderr: {}",
                solver.timeout.as_secs(),
                solver.name,
                tail()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The last lines of a program's stderr, on one line.
fn tail_of(log: &PathBuf) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = lines[lines.len().saturating_sub(3)..].join(" | ");
    if last.is_empty() { "(empty)".into() } else { last }
}

/// The draws the program wrote for request `r`: shape `(Q, K, D)`, finite values.
fn read_draws(path: &Path, r: &Request, d: usize) -> std::result::Result<Points, String> {
    let name = path.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let (shape, values) = load_array(path).map_err(|e| format!("{name}: {e}"))?;
    let want = [r.x.len(), r.k, d];
    if shape != want {
        return Err(format!(
            "{name} has shape {shape:?}; expected {want:?} ({} queries x {} draws x D = {d})",
            r.x.len(),
            r.k
        ));
    }
    if let Some(pos) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "{name}: query {}, draw {}, coordinate {} is {} (not a finite number)",
            pos / (r.k * d),
            pos / d % r.k,
            pos % d,
            values[pos]
        ));
    }
    Points::new(values, r.x.len() * r.k, d).map_err(|e| format!("{name}: {e}"))
}
