//! The fused CPU log-sum-exp over `t_ij = h_j + <p_i, q_j>/eps`, the whole cost of a Sinkhorn
//! update. The dot products come from one of three places: computed in registers from the
//! coordinates (low dimension, where a matrix product would cost more than it saves), from
//! `gemm` one tile at a time (memory stays O(n + m)), or read from a cached n x m matrix.
//!
//! Each row's sum is shifted by a stabiliser, normally the same row's log-sum-exp from the
//! previous call: Sinkhorn's potentials move little between iterations, so one pass
//! `sum_j exp(t_ij - shift_i)` suffices. When a sum leaves the safe range (the potentials moved
//! far, or there is no previous value) that block is redone in two passes, max first, so the
//! result never depends on the stabiliser beyond rounding.

use std::sync::Mutex;

use rayon::prelude::*;

use super::reduce::{accumulate_exp, inline_dots, max_affine, sum_exp_affine};
use crate::Real;

/// Rows of `p` per task: enough for gemm's micro-kernels to run at full width.
const ROWS: usize = 32;
/// Columns per tile: a 32 x 2048 tile of f64 is 512 KiB, so it stays in L2, and one row of it
/// (16 KiB) stays in L1 between being written and being summed.
const COLS: usize = 2048;
/// Up to this dimension the dot products are computed in registers, column by column; above it
/// `gemm` (whose packing costs more than a k = 2 product is worth) computes them in tiles.
pub(crate) const MAX_INLINE_DIM: usize = 4;
/// Columns per task of the column-wise log-sum-exp over a cached matrix.
const COL_BLOCK: usize = 512;

/// One tile buffer per rayon thread, allocated once and reused by every call, so the Sinkhorn
/// loop allocates nothing (a fresh 512 KiB tile per task would cost an mmap, a zero fill and
/// page faults every iteration).
pub(crate) struct Scratch<T> {
    tiles: Vec<Mutex<Vec<T>>>,
}

impl<T: Real> Scratch<T> {
    pub fn new() -> Self {
        Scratch {
            tiles: (0..rayon::current_num_threads()).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// Runs `f` on the calling thread's tile of at least `len` elements. Each thread has its own
    /// buffer, so the lock is never contended.
    fn with<R>(&self, len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.tiles.len();
        let mut tile = self.tiles[slot].lock().unwrap_or_else(|e| e.into_inner());
        if tile.len() < len {
            tile.resize(len, T::ZERO);
        }
        f(&mut tile[..len])
    }
}

/// Points in a layout the kernel reads: row-major coordinates, the same transposed
/// (coordinate-major, for the in-register dot products) and `|p|^2/2`.
#[derive(Clone, Debug)]
pub(crate) struct Cloud<T> {
    pub coords: Vec<T>,
    pub coords_t: Vec<T>,
    pub half_sq: Vec<T>,
    pub n: usize,
    pub d: usize,
}

impl<T: Real> Cloud<T> {
    /// `points - shift`, in precision `T` (the shift keeps the dot-product form of the cost
    /// accurate: `|x-y|^2/2 = |x|^2/2 + |y|^2/2 - <x,y>` cancels badly far from the origin).
    pub fn new(points: &[f64], d: usize, shift: &[f64]) -> Self {
        let n = points.len() / d;
        let mut coords = Vec::with_capacity(points.len());
        let mut coords_t = vec![T::ZERO; if d <= MAX_INLINE_DIM { points.len() } else { 0 }];
        let mut half_sq = Vec::with_capacity(n);
        for (i, row) in points.chunks_exact(d).enumerate() {
            let mut sq = 0.0;
            for (k, (v, s)) in row.iter().zip(shift).enumerate() {
                let c = v - s;
                sq += c * c;
                coords.push(T::from_f64(c));
                if let Some(t) = coords_t.get_mut(k * n + i) {
                    *t = T::from_f64(c);
                }
            }
            half_sq.push(T::from_f64(0.5 * sq));
        }
        Cloud { coords, coords_t, half_sq, n, d }
    }
}

/// Every dot product `<x_i, y_j>`, row-major (`x.n x y.n`), computed once: the cost matrix of
/// a Sinkhorn run up to the `|.|^2/2` terms, which the updates fold into their offsets.
pub(crate) struct DotMatrix<T> {
    values: Vec<T>,
}

impl<T: Real> DotMatrix<T> {
    /// Bytes the matrix of `n x m` dot products takes.
    pub fn bytes(n: usize, m: usize) -> usize {
        n.saturating_mul(m).saturating_mul(std::mem::size_of::<T>())
    }

    /// Computes every `<x_i, y_j>` by row blocks on all threads.
    pub fn new(x: &Cloud<T>, y: &Cloud<T>) -> Self {
        let mut values = vec![T::ZERO; x.n * y.n];
        values.par_chunks_mut(ROWS * y.n).enumerate().for_each(|(block, out)| {
            let rows = out.len() / y.n;
            dot_tile(x, y, block * ROWS, rows, 0, y.n, T::from_f64(1.0), out);
        });
        DotMatrix { values }
    }
}

/// `lse_i = LSE_j(h_j + <p_i, q_j> inv_eps)` for every point `i` of `p`.
///
/// On entry `lse` holds each row's stabiliser (the previous call's value; NaN when there is
/// none); on return, the log-sum-exps. `dots`, when given, holds every `<p_i, q_j>` (row-major,
/// `p.n x q.n`) so they are read instead of computed.
pub(crate) fn lse_rows<T: Real>(
    p: &Cloud<T>,
    q: &Cloud<T>,
    h: &[T],
    inv_eps: f64,
    lse: &mut [f64],
    dots: Option<&DotMatrix<T>>,
    scratch: &Scratch<T>,
) {
    assert_eq!(p.d, q.d);
    assert_eq!(h.len(), q.n);
    assert_eq!(lse.len(), p.n);
    if let Some(dots) = dots {
        assert_eq!(dots.values.len(), p.n * q.n);
    }
    let source = match dots {
        Some(m) => Source::Cached(&m.values),
        None if p.d <= MAX_INLINE_DIM => Source::Inline,
        None => Source::Gemm,
    };
    let tile_len = match source {
        Source::Gemm => ROWS * COLS.min(q.n),
        _ => COLS.min(q.n),
    };
    lse.par_chunks_mut(ROWS).enumerate().for_each(|(block, lse_block)| {
        scratch.with(tile_len, |tile| {
            let rows =
                RowBlock { p, q, h, inv_eps: T::from_f64(inv_eps), r0: block * ROWS, source };
            rows.run(lse_block, tile)
        })
    });
}

/// `lse_j = LSE_i(h_i + M_ij inv_eps)` for every column `j` of the cached `x.n x y.n` matrix
/// `M`: the update of the side whose points index its columns, read in the matrix's own
/// row-major order with one running sum per column, so one matrix serves both updates.
pub(crate) fn lse_cols<T: Real>(dots: &DotMatrix<T>, h: &[T], inv_eps: f64, lse: &mut [f64]) {
    let (rows, cols) = (h.len(), lse.len());
    assert_eq!(dots.values.len(), rows * cols);
    let inv_eps = T::from_f64(inv_eps);
    lse.par_chunks_mut(COL_BLOCK).enumerate().for_each(|(block, lse_block)| {
        let c0 = block * COL_BLOCK;
        let w = lse_block.len();
        let column = |i: usize| &dots.values[i * cols + c0..][..w];
        stabilised_lse::<T, COL_BLOCK, _>(
            lse_block,
            &mut (),
            |_, shifts| col_max(rows, &column, h, inv_eps, shifts),
            |_, shifts, sums| col_sums(rows, &column, h, inv_eps, shifts, sums),
        );
    });
}

/// The one-pass log-sum-exp with its two-pass fallback, over a block of at most `N` rows (or
/// columns). On entry `lse` holds the stabilisers (NaN: none), on return the log-sum-exps.
/// `max(ctx, shifts)` writes each exact maximum; `sum(ctx, shifts, sums)` writes
/// `sum exp(t - shift)`. The shifts are rounded to `T` before use, since the sums subtract them
/// in `T` and the result must add back that same value.
fn stabilised_lse<T: Real, const N: usize, C>(
    lse: &mut [f64],
    ctx: &mut C,
    max: impl Fn(&mut C, &mut [f64]),
    sum: impl Fn(&mut C, &[f64], &mut [f64]),
) {
    let n = lse.len();
    let (mut shift_buf, mut sum_buf) = ([0.0f64; N], [0.0f64; N]);
    let (shifts, sums) = (&mut shift_buf[..n], &mut sum_buf[..n]);
    shifts.copy_from_slice(lse);
    if shifts.iter().any(|s| !s.is_finite()) {
        max(ctx, shifts);
    }
    round_to::<T>(shifts);
    sum(ctx, shifts, sums);
    if sums.iter().any(|s| !safe::<T>(*s)) {
        max(ctx, shifts);
        round_to::<T>(shifts);
        sum(ctx, shifts, sums);
    }
    for ((out, shift), total) in lse.iter_mut().zip(shifts.iter()).zip(sums.iter()) {
        *out = shift + total.ln();
    }
}

/// `out_i = p.half_sq_i - eps LSE_j(h_j + <p_i, q_j>/eps)` for new points `p`, with no
/// previous values to stabilise by.
pub(crate) fn soft_min<T: Real>(
    p: &Cloud<T>,
    q: &Cloud<T>,
    h: &[T],
    eps: f64,
    out: &mut [T],
    scratch: &Scratch<T>,
) {
    let mut lse = vec![f64::NAN; p.n];
    lse_rows(p, q, h, 1.0 / eps, &mut lse, None, scratch);
    for ((o, l), hs) in out.iter_mut().zip(&lse).zip(&p.half_sq) {
        *o = T::from_f64(hs.to_f64() - eps * l);
    }
}

/// Rounds each shift to precision `T` (in float32 a shift of ~1000 moves by up to ~1e-4).
fn round_to<T: Real>(shifts: &mut [f64]) {
    shifts.iter_mut().for_each(|s| *s = T::from_f64(*s).to_f64());
}

/// Whether a shifted sum of exponentials is trustworthy (see [`Real::SAFE_SUM`]).
fn safe<T: Real>(sum: f64) -> bool {
    sum.is_finite() && (1.0 / T::SAFE_SUM..=T::SAFE_SUM).contains(&sum)
}

/// Where a row block's dot products come from.
#[derive(Clone, Copy)]
enum Source<'a, T> {
    Inline,
    Gemm,
    Cached(&'a [T]),
}

/// Up to [`ROWS`] rows of an [`lse_rows`] call.
struct RowBlock<'a, T> {
    p: &'a Cloud<T>,
    q: &'a Cloud<T>,
    h: &'a [T],
    inv_eps: T,
    r0: usize,
    source: Source<'a, T>,
}

impl<T: Real> RowBlock<'_, T> {
    fn run(&self, lse: &mut [f64], tile: &mut [T]) {
        stabilised_lse::<T, ROWS, _>(
            lse,
            &mut &mut *tile,
            |tile, shifts| self.max_pass(shifts, tile),
            |tile, shifts, sums| self.sum_pass(shifts, sums, tile),
        );
    }

    /// `shifts_i = max_j t_ij`.
    fn max_pass(&self, shifts: &mut [f64], tile: &mut [T]) {
        shifts.fill(f64::NEG_INFINITY);
        self.for_each_row_tile(shifts.len(), tile, |i, c0, values| {
            let m = max_affine(values, &self.h[c0..c0 + values.len()], self.inv_eps);
            shifts[i] = shifts[i].max(m.to_f64());
        });
        // A row whose every term is -inf (all weights zero) keeps a finite shift; its sum is 0.
        for s in shifts.iter_mut().filter(|s| !s.is_finite()) {
            *s = 0.0;
        }
    }

    /// `sums_i = sum_j exp(t_ij - shifts_i)`.
    fn sum_pass(&self, shifts: &[f64], sums: &mut [f64], tile: &mut [T]) {
        sums.fill(0.0);
        self.for_each_row_tile(shifts.len(), tile, |i, c0, values| {
            let h = &self.h[c0..c0 + values.len()];
            sums[i] += sum_exp_affine(values, h, self.inv_eps, T::from_f64(shifts[i]));
        });
    }

    /// Calls `f(row, first column, <p_row, q_j> for the tile's columns)` over every tile.
    fn for_each_row_tile(
        &self,
        rows: usize,
        tile: &mut [T],
        mut f: impl FnMut(usize, usize, &[T]),
    ) {
        let (p, q) = (self.p, self.q);
        for c0 in (0..q.n).step_by(COLS) {
            let w = COLS.min(q.n - c0);
            match self.source {
                Source::Cached(dots) => {
                    for i in 0..rows {
                        f(i, c0, &dots[(self.r0 + i) * q.n + c0..][..w]);
                    }
                }
                Source::Gemm => {
                    dot_tile(p, q, self.r0, rows, c0, w, T::from_f64(1.0), tile);
                    for i in 0..rows {
                        f(i, c0, &tile[i * w..(i + 1) * w]);
                    }
                }
                Source::Inline => {
                    for i in 0..rows {
                        let row = &mut tile[..w];
                        inline_dots(&p.coords[(self.r0 + i) * p.d..][..p.d], q, c0, row);
                        f(i, c0, row);
                    }
                }
            }
        }
    }
}

/// `out (rows x w) = scale * <p_{r0+i}, q_{c0+j}>`, by gemm.
#[allow(clippy::too_many_arguments)]
fn dot_tile<T: Real>(
    p: &Cloud<T>,
    q: &Cloud<T>,
    r0: usize,
    rows: usize,
    c0: usize,
    w: usize,
    scale: T,
    out: &mut [T],
) {
    let d = p.d;
    assert!(out.len() >= rows * w);
    // SAFETY: the pointers cover `rows x d` of p, `w x d` of q and `rows x w` of `out`, with
    // the strides given; the regions do not overlap.
    unsafe {
        gemm::gemm(
            rows,
            w,
            d,
            out.as_mut_ptr(),
            1,
            w as isize,
            false,
            p.coords[r0 * d..].as_ptr(),
            1,
            d as isize,
            q.coords[c0 * d..].as_ptr(),
            d as isize,
            1,
            T::ZERO,
            scale,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Per column `j`: `shifts_j = max_i (h_i + M_ij inv_eps)` over all rows of the matrix.
fn col_max<'m, T: Real>(
    rows: usize,
    column: &impl Fn(usize) -> &'m [T],
    h: &[T],
    inv_eps: T,
    shifts: &mut [f64],
) {
    let mut max_buf = [T::NEG_INFINITY; COL_BLOCK];
    let max = &mut max_buf[..shifts.len()];
    for (i, &hi) in h.iter().enumerate().take(rows) {
        for (m, v) in max.iter_mut().zip(column(i)) {
            let t = *v * inv_eps + hi;
            *m = if t > *m { t } else { *m };
        }
    }
    for (s, m) in shifts.iter_mut().zip(max.iter()) {
        *s = if m.to_f64().is_finite() { m.to_f64() } else { 0.0 };
    }
}

/// Per column `j`: `sums_j = sum_i exp(h_i + M_ij inv_eps - shifts_j)`.
fn col_sums<'m, T: Real>(
    rows: usize,
    column: &impl Fn(usize) -> &'m [T],
    h: &[T],
    inv_eps: T,
    shifts: &[f64],
    sums: &mut [f64],
) {
    sums.fill(0.0);
    let w = shifts.len();
    let (mut neg_buf, mut acc_buf) = ([T::ZERO; COL_BLOCK], [T::ZERO; COL_BLOCK]);
    let (neg_shift, acc) = (&mut neg_buf[..w], &mut acc_buf[..w]);
    for (n, s) in neg_shift.iter_mut().zip(shifts) {
        *n = T::from_f64(-s);
    }
    // Partial sums in T over row chunks, folded into f64, so f32 runs do not add thousands of
    // terms in single precision.
    for start in (0..rows).step_by(256) {
        for (i, &hi) in h.iter().enumerate().take((start + 256).min(rows)).skip(start) {
            accumulate_exp(column(i), hi, inv_eps, neg_shift, acc);
        }
        for (s, a) in sums.iter_mut().zip(acc.iter_mut()) {
            *s += a.to_f64();
            *a = T::ZERO;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(p: &[f64], q: &[f64], d: usize, pot: &[f64], logw: &[f64], eps: f64) -> Vec<f64> {
        p.chunks(d)
            .map(|x| {
                let t: Vec<f64> = q
                    .chunks(d)
                    .zip(pot.iter().zip(logw))
                    .map(|(y, (g, lw))| {
                        let c: f64 =
                            x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / 2.0;
                        (g - c) / eps + lw
                    })
                    .collect();
                let m = t.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                -eps * (m + t.iter().map(|v| (v - m).exp()).sum::<f64>().ln())
            })
            .collect()
    }

    fn cloud(len: usize, a: usize, b: usize, scale: f64) -> Vec<f64> {
        (0..len).map(|i| ((i * a % b) as f64 / scale) - 1.0).collect()
    }

    /// Every source of dot products (in registers, gemm tiles, a cached matrix read by rows or
    /// by columns) and every stabiliser (none, the right one, far off in both directions, so
    /// that the two-pass fallback runs) gives the naive formula's value.
    #[test]
    fn fused_log_sum_exp_matches_the_naive_formula_whatever_the_stabiliser() {
        for d in [2, 3, 7] {
            let (n, m, eps) = (70, 2 * COLS + 37, 0.05);
            let p = cloud(n * d, 37, 101, 50.0);
            let q = cloud(m * d, 53, 97, 40.0);
            let pot: Vec<f64> = (0..m).map(|j| (j % 13) as f64 * 0.01).collect();
            let logw = vec![-(m as f64).ln(); m];
            let shift = vec![0.3, -0.2, 0.1, 0.0, 0.5, -0.1, 0.2][..d].to_vec();
            let (cp, cq) = (Cloud::<f64>::new(&p, d, &shift), Cloud::<f64>::new(&q, d, &shift));
            let h: Vec<f64> = (0..m).map(|j| (pot[j] - cq.half_sq[j]) / eps + logw[j]).collect();
            let want = naive(&p, &q, d, &pot, &logw, eps);
            let to_soft_min = |lse: &[f64]| -> Vec<f64> {
                (0..n).map(|i| cp.half_sq[i] - eps * lse[i]).collect()
            };
            // The matrix with q as its rows, read by columns, gives p's rows.
            let dots_qp = DotMatrix::new(&cq, &cp);
            let dots_pq = DotMatrix::new(&cp, &cq);
            let exact = {
                let mut l = vec![f64::NAN; n];
                lse_rows(&cp, &cq, &h, 1.0 / eps, &mut l, None, &Scratch::new());
                l
            };
            for stabiliser in [f64::NAN, 0.0, 1.0, 2e3, -2e3, 1e6] {
                let start: Vec<f64> = exact
                    .iter()
                    .map(|v| {
                        if stabiliser.is_nan() || stabiliser == 0.0 {
                            stabiliser
                        } else {
                            v + stabiliser
                        }
                    })
                    .collect();
                let mut results = Vec::new();
                for cached in [None, Some(&dots_pq)] {
                    let mut l = start.clone();
                    lse_rows(&cp, &cq, &h, 1.0 / eps, &mut l, cached, &Scratch::new());
                    results.push(to_soft_min(&l));
                }
                let mut l = start.clone();
                let h_cols: Vec<f64> = h.clone();
                lse_cols(&dots_qp, &h_cols, 1.0 / eps, &mut l);
                results.push(to_soft_min(&l));
                for out in results {
                    for (got, want) in out.iter().zip(&want) {
                        assert!(
                            (got - want).abs() < 1e-11 * (1.0 + want.abs()),
                            "d {d}, stabiliser {stabiliser}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }
}
