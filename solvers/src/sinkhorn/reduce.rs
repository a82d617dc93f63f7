//! The vectorised inner loops of the Sinkhorn kernel: element-wise passes and lane reductions,
//! each compiled for the widest vector unit the CPU has and chosen at run time.

use super::kernel::Cloud;
use crate::Real;

/// Eight independent lanes: floating-point reductions are not reordered (so not vectorised)
/// otherwise.
const L: usize = 8;
/// Elements per block of the reductions: each block's terms are written to a stack buffer by
/// an element-wise loop, then added in lanes while still in L1. Both loops vectorise; one loop
/// that computes and reduces at once stays scalar.
const BLOCK: usize = 256;

/// Defines `fn $name<T: Real>(args) -> ret` that runs `$imp::<T, FMA>` compiled for the widest
/// vector unit this CPU has (AVX-512, else AVX2 with FMA, else the baseline), chosen at run time
/// so one binary is fast on every x86-64 machine.
macro_rules! vectorised {
    ($(#[$m:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:ident) => {
        $(#[$m])*
        #[inline]
        pub(super) fn $name<T: Real>($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                unsafe fn wide<T: Real>($($arg: $ty),*) -> $ret {
                    $imp::<T, true>($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn narrow<T: Real>($($arg: $ty),*) -> $ret {
                    $imp::<T, true>($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the feature was just detected on this CPU.
                    return unsafe { wide($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the features were just detected on this CPU.
                    return unsafe { narrow($($arg),*) };
                }
            }
            $imp::<T, false>($($arg),*)
        }
    };
}

vectorised! {
    /// `out_j = <x, q_{c0+j}>` from the transposed coordinates, coordinate by coordinate so that
    /// each pass is a vectorised multiply-add over contiguous memory.
    fn inline_dots(x: &[T], q: &Cloud<T>, c0: usize, out: &mut [T]) -> () = inline_dots_impl
}

#[inline(always)]
fn inline_dots_impl<T: Real, const FMA: bool>(x: &[T], q: &Cloud<T>, c0: usize, out: &mut [T]) {
    let w = out.len();
    out.fill(T::ZERO);
    for (k, &xk) in x.iter().enumerate() {
        let col = &q.coords_t[k * q.n + c0..][..w];
        for (o, c) in out.iter_mut().zip(col) {
            *o = *o + xk * *c;
        }
    }
}

vectorised! {
    /// `acc_j += exp(v_j * scale + offset + neg_shift_j)`.
    fn accumulate_exp(v: &[T], offset: T, scale: T, neg_shift: &[T], acc: &mut [T]) -> ()
        = accumulate_exp_impl
}

#[inline(always)]
fn accumulate_exp_impl<T: Real, const FMA: bool>(
    v: &[T],
    offset: T,
    scale: T,
    neg_shift: &[T],
    acc: &mut [T],
) {
    for ((a, x), s) in acc.iter_mut().zip(v).zip(neg_shift) {
        *a = *a + (*x * scale + offset + *s).exp_nonpositive::<FMA>();
    }
}

vectorised! {
    /// `max_j (v_j * scale + h_j)`.
    fn max_affine(v: &[T], h: &[T], scale: T) -> T = max_affine_impl
}

#[inline(always)]
fn max_affine_impl<T: Real, const FMA: bool>(v: &[T], h: &[T], scale: T) -> T {
    let mut buf = [T::ZERO; BLOCK];
    let mut lanes = [T::NEG_INFINITY; L];
    let mut max = T::NEG_INFINITY;
    for (vb, hb) in v.chunks(BLOCK).zip(h.chunks(BLOCK)) {
        let b = &mut buf[..vb.len()];
        for ((t, x), y) in b.iter_mut().zip(vb).zip(hb) {
            *t = *x * scale + *y;
        }
        let chunks = b.chunks_exact(L);
        for &t in chunks.remainder() {
            max = if t > max { t } else { max };
        }
        for r in chunks {
            for l in 0..L {
                lanes[l] = if r[l] > lanes[l] { r[l] } else { lanes[l] };
            }
        }
    }
    for t in lanes {
        max = if t > max { t } else { max };
    }
    max
}

vectorised! {
    /// `sum_j exp(v_j * scale + h_j - shift)`, added in T lanes and returned in f64.
    fn sum_exp_affine(v: &[T], h: &[T], scale: T, shift: T) -> f64 = sum_exp_affine_impl
}

#[inline(always)]
fn sum_exp_affine_impl<T: Real, const FMA: bool>(v: &[T], h: &[T], scale: T, shift: T) -> f64 {
    let mut buf = [T::ZERO; BLOCK];
    let mut lanes = [T::ZERO; L];
    let mut tail = 0.0;
    for (vb, hb) in v.chunks(BLOCK).zip(h.chunks(BLOCK)) {
        let b = &mut buf[..vb.len()];
        for ((t, x), y) in b.iter_mut().zip(vb).zip(hb) {
            *t = (*x * scale + *y - shift).exp_nonpositive::<FMA>();
        }
        let chunks = b.chunks_exact(L);
        tail += chunks.remainder().iter().map(|t| t.to_f64()).sum::<f64>();
        for r in chunks {
            for l in 0..L {
                lanes[l] = lanes[l] + r[l];
            }
        }
    }
    tail + lanes.iter().map(|s| s.to_f64()).sum::<f64>()
}
