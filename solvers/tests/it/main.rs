//! The solvers crate's integration tests, built as one test binary: each file a module.
//! One binary instead of one per file keeps the CI link step (and its disk use) small.

// As in the binaries (bench/src/runtime.rs): glibc hands the large freed tensors of every
// network call back to the kernel; mimalloc keeps them (the sampling here ran at 50 % system time).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;
mod egnot;
mod gmm_closed_form;
mod sampler;
mod select;
mod settings;
mod sinkhorn_behaviour;
mod sinkhorn_pot;
mod vareot;
