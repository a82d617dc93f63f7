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

/// The allocator for every binary and test linking `eot-bench`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The body of every binary's `main`: [`init`], then `run` on the parsed arguments; an error is
/// printed with its context chain and exits with status 1.
pub fn main<A: clap::Parser>(run: impl FnOnce(A) -> anyhow::Result<()>) {
    run_main(|| run(A::parse()));
}

/// [`init`], then `body`; an error is printed with its context chain and exits with status 1.
pub fn run_main(body: impl FnOnce() -> anyhow::Result<()>) {
    init();
    if let Err(e) = body() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Sets `CANDLE_NUM_THREADS=1` unless the user chose a value, and tells mimalloc to keep freed
/// memory for reuse. Call first thing in `main`, while the process is still single-threaded (the
/// only time changing the environment is sound).
pub fn init() {
    keep_freed_memory();
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: called at the start of `main`, before any other thread exists.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
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
