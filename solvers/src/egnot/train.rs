//! EgNOT training: the weak-dual gradient with Langevin negatives (DESIGN §3.2).

use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use eot_datasets::substream;

use super::EgnotSettings;
use super::replay::Replay;
use crate::neural::{Langevin, Mlp, Trainer, langevin};
use crate::{FitData, FitReport, SolverError, minibatch};

/// Trains `f` from fresh weights; returns its EMA and the report.
pub(crate) fn train(
    s: &EgnotSettings,
    data: &FitData,
    eps: f64,
    seed: u64,
    device: &Device,
) -> Result<(Mlp, FitReport), SolverError> {
    let dim = data.check()?;
    let shape = s.shape(dim);
    let mut rng = substream(seed, 0xe960);
    let vars = VarMap::new();
    let f = Mlp::init(&shape, "f", &vars, &mut rng, device)?;
    let mut trainer = Trainer::new("egnot", &vars, &s.trainer)?;
    let chains = Langevin {
        steps: s.train_langevin_steps,
        step_size: s.train_step_size(eps),
        noise: s.noise,
    };
    let mut replay = Replay::new(dim, s.buffer);
    let mut last = f64::NAN;
    while trainer.keep_going(s.steps) {
        let (x, y) = minibatch::draw(data, s.batch, &mut rng);
        let fresh: Vec<f32> = x.as_slice().iter().map(|v| *v as f32).collect();
        let (centres, starts) = replay.starts(&fresh, s.replay, &mut rng);
        let c = Tensor::from_slice(&centres, (s.batch, dim), device)?;
        let y0 = Tensor::from_slice(&starts, (s.batch, dim), device)?;
        let negatives = langevin(&f.detached(), &c, &y0, eps, &chains, &mut rng)?;
        replay.push(&centres, &negatives.flatten_all()?.to_vec1::<f32>()?);
        let y = minibatch::tensor(&y, DType::F32, device)?;
        // Minimising E f(negatives) - E f(y) follows -grad L: raises f on the target, lowers
        // it where the current plan puts mass.
        let loss = (f.forward(&negatives.detach())?.mean_all()? - f.forward(&y)?.mean_all()?)?;
        last = trainer.step(&loss)?;
        if s.progress {
            trainer.progress(s.steps, "surrogate loss", last);
        }
    }
    let evaluations = trainer.steps_taken() * s.batch * s.train_langevin_steps;
    let report = trainer.report(
        s.steps,
        vec![
            format!("Langevin gradient evaluations in training: {evaluations}"),
            format!("last surrogate loss {last:.5}"),
        ],
    );
    Ok((Mlp::from_tensors(&shape, "f", &trainer.ema().tensors(), device)?, report))
}
