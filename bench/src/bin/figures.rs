//! `figures`: the Gaussian -> Swiss roll pair (docs/design.md §4.3) solved by each solver at each eps,
//! drawn as one panel per (solver, eps), written as SVG and PNG: the target sample (grey), the held-out source pushed
//! forward by one draw of the plan each (blue), and conditional fans (200 draws of pi(.|x), in
//! colour) for four fixed x (black). A table gives W2^2, BW2-UVP and the energy distance of the
//! pushed-forward sample against a held-out target sample.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use eot_bench::solver_opts::solver_options;
use eot_datasets::{Moments, Points, Sampler, SwissRollPair, substream};
use eot_metrics::{bw2_uvp, energy_distance, w2_squared};
use eot_reports::figure::{Extent, Layer, Panel, check_font, scatter};
use eot_reports::{Table, Value};
use eot_solvers::{Eps, FitData, FittedPlan, Registry};

#[derive(Parser, Debug)]
#[command(
    about = "Swiss-roll figure: pushed-forward target and conditional fans per solver and eps"
)]
struct Args {
    /// Solvers, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "vareot,egnot,gmm,sinkhorn")]
    solvers: Vec<String>,
    /// Regularisers eps (cost |x-y|^2/2).
    #[arg(long, value_delimiter = ',', default_value = "0.1,1")]
    eps: Vec<f64>,
    /// Run seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Training points per side.
    #[arg(long, default_value_t = 2000)]
    n: usize,
    /// Held-out points pushed forward (and target points they are compared with).
    #[arg(long, default_value_t = 1000)]
    eval: usize,
    /// Solver setting key=value or SOLVER.key=value (repeatable).
    #[arg(long = "opt")]
    opts: Vec<String>,
    /// The figure: OUT.svg and OUT.png (a trailing .svg or .png is dropped).
    #[arg(long, default_value = "reports/figures/swiss_roll")]
    out: PathBuf,
    /// The table (CSV; a provenance file is written beside it).
    #[arg(long, default_value = "reports/results/swiss_roll.csv")]
    table: PathBuf,
}

/// The x whose conditional plans are drawn, and their colours.
const FAN_QUERIES: [(f64, f64, (u8, u8, u8)); 4] = [
    (-1.2, 0.6, (214, 39, 40)),
    (0.9, 0.9, (44, 160, 44)),
    (0.0, -1.2, (148, 103, 189)),
    (0.2, 0.0, (255, 127, 14)),
];

fn main() {
    eot_bench::runtime::main::<Args>(run);
}

fn run(args: Args) -> Result<()> {
    // The tree as it is when the run starts: edits made during a long run are not in it.
    let commit = eot_bench::provenance::commit();
    // Before the fits (minutes): a missing font would otherwise only show at the end.
    check_font(&args.out)?;
    let registry = Registry::builtin();
    use eot_bench::columns::{BW2_UVP, ENERGY, EPS, FIT_SECONDS, SEED, SOLVER, W2};
    let mut table = Table::new([SOLVER, EPS, SEED, W2, BW2_UVP, ENERGY, FIT_SECONDS]);
    let mut panels = Vec::new();
    let mut settings = Vec::new();
    for solver_name in &args.solvers {
        for &eps in &args.eps {
            eprintln!("figures: {solver_name} eps={eps} ...");
            let solver =
                registry.build(solver_name, solver_options(&args.opts, solver_name, "cpu")?)?;
            let pair = SwissRollPair;
            let source = pair.sample_source(args.n, &mut substream(args.seed, 1));
            let target = pair.sample_target(args.n, &mut substream(args.seed, 2));
            let data = FitData { source: &source, target: &target, sampler: Some(&pair) };
            let start = Instant::now();
            let plan = solver
                .fit(&data, Eps::new(eps)?, args.seed)
                .with_context(|| format!("fitting {solver_name} at eps {eps}"))?;
            let seconds = start.elapsed().as_secs_f64();
            let (panel, row) = draw(plan.as_ref(), &args, solver_name, eps, seconds)?;
            panels.push(panel);
            table.push(row)?;
            if !settings.iter().any(|(n, _)| n == solver_name) {
                settings.push((solver_name.clone(), solver.settings()));
            }
        }
    }
    let extent = Extent { x: (-2.6, 2.6), y: (-2.6, 2.6) };
    let figures = scatter(&args.out, &panels, args.eps.len(), 340, extent)?;
    println!("{}", table.to_markdown());
    table.write_csv(&args.table)?;
    let mut lines = vec![format!(
        "Provenance: eot-bench {} (commit {}), seed {}, n={}, eval={}; W2^2 exact (cost |x-y|^2) \
         between {} pushed-forward and {} held-out target points",
        env!("CARGO_PKG_VERSION"),
        commit,
        args.seed,
        args.n,
        args.eval,
        args.eval,
        args.eval
    )];
    for (name, s) in settings {
        let s: Vec<String> = s.iter().map(|(k, v)| format!("{k}={v}")).collect();
        lines.push(format!("Settings of {name}: {}", s.join(", ")));
    }
    let provenance = lines.join("\n");
    println!("{provenance}");
    let meta = args.table.with_extension("provenance.txt");
    std::fs::write(&meta, provenance).with_context(|| format!("writing {}", meta.display()))?;
    let figures: Vec<String> = figures.iter().map(|f| f.display().to_string()).collect();
    println!("wrote {}, {} and {}", figures.join(", "), args.table.display(), meta.display());
    Ok(())
}

/// One panel and one table row for a fitted plan.
fn draw(
    plan: &dyn FittedPlan,
    args: &Args,
    solver: &str,
    eps: f64,
    seconds: f64,
) -> Result<(Panel, Vec<Value>)> {
    let pair = SwissRollPair;
    let held_x = pair.sample_source(args.eval, &mut substream(0x7e57, 5));
    let held_y = pair.sample_target(args.eval, &mut substream(0x7e57, 6));
    let mut rng = substream(args.seed, 8);
    let pushed = plan.sample(&held_x, 1, &mut rng)?;
    let w2 = w2_squared(&pushed, &held_y)?;
    let bw2 = bw2_uvp(&Moments::empirical(&pushed)?, &Moments::empirical(&held_y)?)?;
    let energy = energy_distance(&pushed, &held_y)?;
    let xy = |p: &Points| p.rows().map(|r| (r[0], r[1])).collect::<Vec<_>>();
    let mut layers = vec![
        Layer { color: (150, 150, 150), opacity: 0.35, radius: 1, points: xy(&held_y) },
        Layer { color: (31, 119, 180), opacity: 0.45, radius: 1, points: xy(&pushed) },
    ];
    for &(qx, qy, color) in &FAN_QUERIES {
        let q = Points::new(vec![qx, qy], 1, 2)?;
        let fan = plan.sample(&q, 200, &mut rng)?;
        layers.push(Layer { color, opacity: 0.6, radius: 2, points: xy(&fan) });
    }
    let queries = FAN_QUERIES.iter().map(|&(qx, qy, _)| (qx, qy)).collect();
    layers.push(Layer { color: (0, 0, 0), opacity: 1.0, radius: 4, points: queries });
    let title = format!("{solver}, eps = {eps}: W2² {w2:.3}");
    let row = vec![
        Value::text(solver),
        Value::float(eps, 3),
        Value::Int(args.seed as i64),
        Value::float(w2, 4),
        Value::float(bw2, 3),
        Value::float(energy, 4),
        Value::float(seconds, 1),
    ];
    Ok((Panel { title, layers }, row))
}
