//! The fused CPU soft-min: `out_i = |p_i|^2/2 - eps * LSE_j(h_j + <p_i, q_j>/eps)`, computed in
//! tiles straight from the points. Only a tile of dot products (`ROWS x COLS`) exists at a time,
//! so memory is O(n + m), never the n x m cost matrix. Dot products come from `gemm` (the
//! matrix-multiply kernels candle uses); the log-sum-exp is an online (streaming) one over column
//! tiles with a vectorised `exp`. Row blocks are spread over rayon's threads.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::Real;

/// Rows of `p` per task: enough for gemm's micro-kernels to run at full width.
const ROWS: usize = 32;
/// Columns per tile: a 32 x 2048 tile of f64 is 512 KiB, so it stays in L2.
const COLS: usize = 2048;

/// One tile buffer per rayon thread, allocated once and reused by every soft-min call, so the
/// Sinkhorn loop allocates nothing (a fresh 512 KiB tile per task would cost an mmap, a zero fill
/// and page faults every iteration).
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

/// Points in a layout the kernel reads: row-major coordinates and `|p|^2/2`.
#[derive(Clone, Debug)]
pub(crate) struct Cloud<T> {
    pub coords: Vec<T>,
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
        let mut half_sq = Vec::with_capacity(n);
        for row in points.chunks_exact(d) {
            let mut sq = 0.0;
            for (v, s) in row.iter().zip(shift) {
                let c = v - s;
                sq += c * c;
                coords.push(T::from_f64(c));
            }
            half_sq.push(T::from_f64(0.5 * sq));
        }
        Cloud { coords, half_sq, n, d }
    }
}

/// `out_i = p.half_sq_i - eps * LSE_j(h_j + <p_i, q_j>/eps)` for every point `i` of `p`.
///
/// With `h_j = (pot_j - |q_j|^2/2)/eps + log w_j` this is the Sinkhorn update
/// `-eps LSE_j((pot_j - c(p_i, q_j))/eps + log w_j)`.
///
/// `dots`, when given, holds every `<p_i, q_j>` (row-major, `p.n x q.n`) so they are read
/// instead of recomputed: worth it in high dimension, where the matrix product costs more than
/// reading the cached values.
pub(crate) fn soft_min<T: Real>(
    p: &Cloud<T>,
    q: &Cloud<T>,
    h: &[T],
    eps: f64,
    out: &mut [T],
    dots: Option<&[T]>,
    scratch: &Scratch<T>,
) {
    assert_eq!(p.d, q.d);
    assert_eq!(h.len(), q.n);
    assert_eq!(out.len(), p.n);
    if let Some(dots) = dots {
        assert_eq!(dots.len(), p.n * q.n);
    }
    let tile_len = ROWS * COLS.min(q.n);
    out.par_chunks_mut(ROWS).enumerate().for_each(|(block, out_block)| {
        scratch.with(tile_len, |tile| {
            soft_min_block(p, q, h, eps, block * ROWS, out_block, tile, dots)
        })
    });
}

/// Every dot product `<p_i, q_j>`, row-major (`p.n x q.n`), computed by row blocks on all threads.
pub(crate) fn dot_matrix<T: Real>(p: &Cloud<T>, q: &Cloud<T>) -> Vec<T> {
    let mut dots = vec![T::ZERO; p.n * q.n];
    dots.par_chunks_mut(ROWS * q.n).enumerate().for_each(|(block, out)| {
        let rows = out.len() / q.n;
        dot_tile(p, q, block * ROWS, rows, 0, q.n, T::from_f64(1.0), out);
    });
    dots
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

#[allow(clippy::too_many_arguments)]
fn soft_min_block<T: Real>(
    p: &Cloud<T>,
    q: &Cloud<T>,
    h: &[T],
    eps: f64,
    r0: usize,
    out: &mut [T],
    tile: &mut [T],
    dots: Option<&[T]>,
) {
    let rows = out.len();
    let inv_eps = T::from_f64(1.0 / eps);
    let mut run_max = [f64::NEG_INFINITY; ROWS];
    let mut run_sum = [0.0f64; ROWS];
    for c0 in (0..q.n).step_by(COLS) {
        let w = COLS.min(q.n - c0);
        match dots {
            None => dot_tile(p, q, r0, rows, c0, w, inv_eps, tile),
            Some(dots) => {
                for i in 0..rows {
                    let src = &dots[(r0 + i) * q.n + c0..][..w];
                    for (t, v) in tile[i * w..(i + 1) * w].iter_mut().zip(src) {
                        *t = *v * inv_eps;
                    }
                }
            }
        }
        for i in 0..rows {
            let (m, s) = tile_lse(&mut tile[i * w..(i + 1) * w], &h[c0..c0 + w]);
            merge_lse(&mut run_max[i], &mut run_sum[i], m, s);
        }
    }
    for i in 0..rows {
        let lse = run_max[i] + run_sum[i].ln();
        out[i] = T::from_f64(p.half_sq[r0 + i].to_f64() - eps * lse);
    }
}

/// Folds a tile's `(max, sum exp(t - max))` into a running pair.
#[inline]
fn merge_lse(run_max: &mut f64, run_sum: &mut f64, m: f64, s: f64) {
    if m > *run_max {
        *run_sum = *run_sum * (*run_max - m).exp() + s;
        *run_max = m;
    } else if m > f64::NEG_INFINITY {
        *run_sum += s * (m - *run_max).exp();
    }
}

/// `(max_j t_j, sum_j exp(t_j - max))` with `t = row + h` (written into `row`).
#[inline]
pub(crate) fn tile_lse<T: Real>(row: &mut [T], h: &[T]) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the feature was just detected on this CPU.
            return unsafe { tile_lse_avx512(row, h) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the features were just detected on this CPU.
            return unsafe { tile_lse_avx2(row, h) };
        }
    }
    tile_lse_portable::<T, false>(row, h)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_lse_avx2<T: Real>(row: &mut [T], h: &[T]) -> (f64, f64) {
    tile_lse_portable::<T, true>(row, h)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn tile_lse_avx512<T: Real>(row: &mut [T], h: &[T]) -> (f64, f64) {
    tile_lse_portable::<T, true>(row, h)
}

/// Written as three simple passes (add and max, exp in place, sum) because the compiler
/// vectorises each of them, where one fused loop with a reduction stays scalar. The max and the
/// sum use eight independent lanes: floating-point reductions are not reordered otherwise.
#[inline(always)]
fn tile_lse_portable<T: Real, const FMA: bool>(row: &mut [T], h: &[T]) -> (f64, f64) {
    const L: usize = 8;
    for (r, hh) in row.iter_mut().zip(h) {
        *r = *r + *hh;
    }
    let mut lanes = [T::NEG_INFINITY; L];
    let chunks = row.chunks_exact(L);
    let tail = chunks.remainder();
    for r in chunks {
        for l in 0..L {
            lanes[l] = if r[l] > lanes[l] { r[l] } else { lanes[l] };
        }
    }
    let mut max = T::NEG_INFINITY;
    for &v in lanes.iter().chain(tail) {
        max = if v > max { v } else { max };
    }
    if max == T::NEG_INFINITY {
        return (f64::NEG_INFINITY, 0.0);
    }
    // exp and sum in L1-sized blocks: the exp loop vectorises on its own, and the block is
    // still in L1 when the lanes add it up.
    let mut sums = [T::ZERO; L];
    let mut tail_sum = 0.0;
    for block in row.chunks_mut(64) {
        for r in block.iter_mut() {
            *r = (*r - max).exp_nonpositive::<FMA>();
        }
        let chunks = block.chunks_exact(L);
        tail_sum += chunks.remainder().iter().map(|v| v.to_f64()).sum::<f64>();
        for r in chunks {
            for l in 0..L {
                sums[l] = sums[l] + r[l];
            }
        }
    }
    let sum = tail_sum + sums.iter().map(|s| s.to_f64()).sum::<f64>();
    (max.to_f64(), sum)
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

    #[test]
    fn fused_soft_min_matches_the_naive_formula_across_tiles() {
        let (n, m, d, eps) = (70, 2 * COLS + 37, 3, 0.05);
        let p: Vec<f64> = (0..n * d).map(|i| ((i * 37 % 101) as f64 / 50.0) - 1.0).collect();
        let q: Vec<f64> = (0..m * d).map(|i| ((i * 53 % 97) as f64 / 40.0) - 1.2).collect();
        let pot: Vec<f64> = (0..m).map(|j| (j % 13) as f64 * 0.01).collect();
        let logw = vec![-(m as f64).ln(); m];
        let shift = vec![0.3, -0.2, 0.1];
        let (cp, cq) = (Cloud::<f64>::new(&p, d, &shift), Cloud::<f64>::new(&q, d, &shift));
        let h: Vec<f64> = (0..m).map(|j| (pot[j] - cq.half_sq[j]) / eps + logw[j]).collect();
        let want = naive(&p, &q, d, &pot, &logw, eps);
        let dots = dot_matrix(&cp, &cq);
        for cached in [None, Some(dots.as_slice())] {
            let mut out = vec![0.0; n];
            soft_min(&cp, &cq, &h, eps, &mut out, cached, &Scratch::new());
            for (got, want) in out.iter().zip(&want) {
                assert!((got - want).abs() < 1e-11 * (1.0 + want.abs()), "{got} vs {want}");
            }
        }
    }
}
