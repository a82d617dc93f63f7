use candle_core::Device;

use crate::SolverError;

/// Checks that `name` reads `cpu`, `cuda` or `cuda:N`, without opening the device (settings are
/// validated before anything runs).
pub fn check_device_name(name: &str) -> Result<(), SolverError> {
    let ok = name == "cpu"
        || name == "cuda"
        || name.strip_prefix("cuda:").is_some_and(|n| n.parse::<usize>().is_ok());
    if ok {
        Ok(())
    } else {
        Err(SolverError::setting("device", format!("'{name}': expected cpu, cuda or cuda:N")))
    }
}

/// Parses `cpu`, `cuda` or `cuda:N`. Asking for CUDA in a build without the `cuda` feature is an
/// error that says how to get it, not a silent fall-back to the CPU.
pub fn parse_device(name: &str) -> Result<Device, SolverError> {
    let bad = |m: String| SolverError::setting("device", m);
    match name {
        "cpu" => Ok(Device::Cpu),
        _ if name == "cuda" || name.starts_with("cuda:") => {
            let ordinal = match name.strip_prefix("cuda:") {
                Some(n) => n.parse().map_err(|_| bad(format!("'{name}': expected cuda:N")))?,
                None => 0,
            };
            if !candle_core::utils::cuda_is_available() {
                return Err(bad("CUDA is not available: build with `--features cuda` on a machine with the CUDA toolkit".into()));
            }
            Device::new_cuda(ordinal).map_err(|e| bad(format!("cannot open {name}: {e}")))
        }
        _ => Err(bad(format!("'{name}': expected cpu, cuda or cuda:N"))),
    }
}
