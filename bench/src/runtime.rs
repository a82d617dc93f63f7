//! Process-wide runtime choices shared by the binaries (and by every test that links this crate).
//!
//! Both were measured on the 2-core reference machine with LightSB full-S training at D = 64,
//! where candle runs thousands of small ops per second:
//! - glibc returns freed multi-megabyte tensors to the kernel and faults them back in on the
//!   next step (15 % of the profile in page faults); mimalloc keeps them.
//! - candle's CPU barrier pool spin-waits between elementwise ops; on two cores the spinning
//!   worker steals the core gemm needs (3x slower training under load). One candle thread removes
//!   the pool; matrix products still use every rayon thread.

/// The allocator for every binary and test linking `eot-bench`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The body of every binary's `main`: [`init`], then `run` on the parsed arguments; an error is
/// printed with its context chain and exits with status 1.
pub fn main<A: clap::Parser>(run: impl FnOnce(A) -> anyhow::Result<()>) {
    init();
    if let Err(e) = run(A::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Sets `CANDLE_NUM_THREADS=1` unless the user chose a value. Call first thing in `main`, while
/// the process is still single-threaded (the only time changing the environment is sound).
pub fn init() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: called at the start of `main`, before any other thread exists.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
}
