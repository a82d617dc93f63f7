//! Process-wide runtime choices shared by the binaries (and by every test that links this crate).
//!
//! Both were measured on the 2-core reference machine with LightSB full-S training at D = 64,
//! where candle runs thousands of small ops per second:
//! - glibc returns freed multi-megabyte tensors to the kernel and faults them back in on the
//!   next step (15 % of the profile in page faults); mimalloc keeps them.
//! - candle's CPU barrier pool spin-waits between elementwise ops; on two cores the spinning
//!   worker steals the core gemm needs (3x slower training under load). One candle thread removes
//!   the pool; matrix products still use every rayon thread.
//! - mimalloc itself hands freed memory back to the OS after 10 ms; VarEOT at batch 256, K 256
//!   frees and reallocates 64 MiB activations every step and spent 29 % of its profile zeroing
//!   the pages the kernel gave back (51,738 page faults in 20 steps; 1,836 with purging off).
//! - Subnormal floats are flushed to zero ([`flush_subnormals_on_every_thread`]): the neural
//!   solvers' float32 matrix products slowed 2.3x on them (VarEOT, D = 16, eps = 10: 1000 steps
//!   in 26.1 s with subnormals, 11.4 s flushed, the same loss and cBW2-UVP to the printed
//!   digits). Values below 1.2e-38 in float32 (2.2e-308 in float64) become 0.

/// The allocator for every binary and test linking `eot-bench`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The body of every binary's `main` but `compare` (which sizes its thread pool first): [`init`],
/// subnormals flushed on the default thread pool, then `run` on the parsed arguments; an error
/// is printed with its context chain and exits with status 1.
pub fn main<A: clap::Parser>(run: impl FnOnce(A) -> anyhow::Result<()>) {
    run_main(|| {
        flush_subnormals_on_every_thread();
        run(A::parse())
    });
}

/// Flushes subnormal floats to zero (results and inputs) on this thread and on every thread of
/// rayon's global pool, which it builds if nobody has (so size the pool first). Repeating it is
/// harmless. A no-op on other CPUs than x86-64.
pub fn flush_subnormals_on_every_thread() {
    flush_subnormals();
    rayon::broadcast(|_| flush_subnormals());
}

/// The MXCSR bits FTZ (flush results to zero, 15) and DAZ (read inputs as zero, 6).
#[cfg(target_arch = "x86_64")]
const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

/// Flushes subnormal floats to zero on this thread (its SSE control register).
#[cfg(target_arch = "x86_64")]
#[allow(deprecated)] // `_mm_setcsr` is deprecated for changing rounding, which this leaves alone.
pub fn flush_subnormals() {
    use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
    // SAFETY: SSE is part of x86-64; this sets only the two subnormal-handling bits.
    unsafe { _mm_setcsr(_mm_getcsr() | FTZ_DAZ) };
}

/// Flushes subnormal floats to zero on this thread: not done on this CPU.
#[cfg(not(target_arch = "x86_64"))]
pub fn flush_subnormals() {}

/// [`init`], then `body`; an error is printed with its context chain and exits with status 1.
pub fn run_main(body: impl FnOnce() -> anyhow::Result<()>) {
    init();
    if let Err(e) = body() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Sets `CANDLE_NUM_THREADS=1` and `RAYON_NUM_THREADS` to the logical CPUs (rayon's own
/// default) unless the user chose values, and tells mimalloc to keep freed memory for reuse.
/// Call first thing in `main`, while the process is still single-threaded (the only time
/// changing the environment is sound).
///
/// Why `RAYON_NUM_THREADS`: candle sizes every CPU matrix product by it and, when it is unset,
/// counts the physical cores by parsing `/proc/cpuinfo` again on every product (num_cpus), 12 %
/// of a VarEOT fit's profile at CPU-sized settings. Set, rayon's pool keeps its size and a
/// product is split into as many parts as the pool has threads.
pub fn init() {
    keep_freed_memory();
    let unset = |name: &str| std::env::var_os(name).is_none();
    if unset("CANDLE_NUM_THREADS") {
        // SAFETY: called at the start of `main`, before any other thread exists.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    if unset("RAYON_NUM_THREADS") {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        // SAFETY: as above.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", cpus.to_string()) };
    }
}

/// `mi_option_purge_delay` in mimalloc v3's option enum (mimalloc.h), which libmimalloc-sys
/// does not name: -1 means freed memory is never returned to the OS. Peak memory is unchanged;
/// the process keeps what it has used at its peak.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn keep_freed_memory() {
    // SAFETY: sets a plain integer option; mimalloc allows this at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn subnormal_results_become_zero_on_the_flushed_thread_only() {
        let tiny = || std::hint::black_box(f32::MIN_POSITIVE) * std::hint::black_box(0.25f32);
        // A fresh thread: the setting is per thread, so other tests keep theirs.
        let (before, after) = std::thread::spawn(move || {
            let before = tiny();
            flush_subnormals();
            (before, tiny())
        })
        .join()
        .unwrap();
        assert!(before > 0.0 && before < f32::MIN_POSITIVE, "{before}");
        assert_eq!(after, 0.0);
        assert!(std::thread::spawn(tiny).join().unwrap() > 0.0);
    }
}
