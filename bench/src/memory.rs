//! Peak resident memory of this process, from Linux's `/proc` (VmHWM). Writing `5` to
//! `/proc/self/clear_refs` resets the peak, so each cell's fit gets its own figure.

/// Resets the peak-RSS mark; returns false where the platform does not support it.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set size in MiB since the last reset (or process start), if known.
pub fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
