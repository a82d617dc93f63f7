//! The floating-point types the fused kernels run in, with a branch-free `exp` that the compiler
//! vectorises (the standard library's `exp` is a scalar libm call and would dominate Sinkhorn).

use std::ops::{Add, Mul, Sub};

/// `f32` or `f64`.
pub trait Real:
    Copy
    + Send
    + Sync
    + 'static
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
{
    /// 0.
    const ZERO: Self;
    /// -inf.
    const NEG_INFINITY: Self;
    /// Name for reports (`f32`, `f64`).
    const NAME: &'static str;
    /// A sum of exponentials between `1/SAFE_SUM` and `SAFE_SUM` lost no term to overflow and no
    /// precision to underflow, whatever its shift was.
    const SAFE_SUM: f64;
    /// From f64 (rounding for f32).
    fn from_f64(v: f64) -> Self;
    /// To f64.
    fn to_f64(self) -> f64;
    /// `exp(x)` for `x <= 0` (and moderate positive `x`) to within a few ulps; results below the smallest normal flush to 0.
    /// `FMA` selects fused multiply-adds: only for code compiled with the `fma` target feature,
    /// where they are one instruction (elsewhere they are a slow library call).
    fn exp_nonpositive<const FMA: bool>(self) -> Self;
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    const NAME: &'static str = "f64";
    const SAFE_SUM: f64 = 1e200;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn exp_nonpositive<const FMA: bool>(self) -> Self {
        exp_f64::<FMA>(self)
    }
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    const NAME: &'static str = "f32";
    const SAFE_SUM: f64 = 1e25;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn exp_nonpositive<const FMA: bool>(self) -> Self {
        exp_f32::<FMA>(self)
    }
}

/// `exp` in f64: Cody-Waite reduction `x = k ln2 + r`, `|r| <= ln2/2`, a degree-12 Taylor
/// polynomial (truncation error < 2e-16 relative), and `2^k` assembled in the exponent bits.
/// Rounding `x/ln2` uses the 1.5*2^52 shift so no float-to-int conversion is needed.
#[inline(always)]
pub(crate) fn exp_f64<const FMA: bool>(x: f64) -> f64 {
    let madd = |a: f64, b: f64, c: f64| if FMA { a.mul_add(b, c) } else { a * b + c };
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 rounded to 32 significant bits (fdlibm's ln2_hi): k * LN2_HI is exact for |k| < 2^11.
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    const SHIFT_BITS: u64 = 0x4338_0000_0000_0000;
    let xc = x.clamp(-708.0, 709.0);
    let shifted = madd(xc, LOG2E, SHIFT);
    let k = shifted - SHIFT;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 479_001_600.0;
    p = madd(p, r, 1.0 / 39_916_800.0);
    p = madd(p, r, 1.0 / 3_628_800.0);
    p = madd(p, r, 1.0 / 362_880.0);
    p = madd(p, r, 1.0 / 40_320.0);
    p = madd(p, r, 1.0 / 5_040.0);
    p = madd(p, r, 1.0 / 720.0);
    p = madd(p, r, 1.0 / 120.0);
    p = madd(p, r, 1.0 / 24.0);
    p = madd(p, r, 1.0 / 6.0);
    p = madd(p, r, 0.5);
    p = madd(p, r, 1.0);
    p = madd(p, r, 1.0);
    let scale = f64::from_bits(shifted.to_bits().wrapping_sub(SHIFT_BITS).wrapping_add(1023) << 52);
    if x < -708.0 { 0.0 } else { p * scale }
}

/// `exp` in f32, as [`exp_f64`] with a degree-7 polynomial (truncation error < 1e-8 relative).
#[inline(always)]
pub(crate) fn exp_f32<const FMA: bool>(x: f32) -> f32 {
    let madd = |a: f32, b: f32, c: f32| if FMA { a.mul_add(b, c) } else { a * b + c };
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4; // 0x3f318000: k * LN2_HI is exact
    const LN2_LO: f32 = -2.121_944_4e-4;
    const SHIFT: f32 = 12_582_912.0;
    const SHIFT_BITS: u32 = 0x4B40_0000;
    let xc = x.clamp(-87.0, 88.0);
    let shifted = madd(xc, LOG2E, SHIFT);
    let k = shifted - SHIFT;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 5_040.0;
    p = madd(p, r, 1.0 / 720.0);
    p = madd(p, r, 1.0 / 120.0);
    p = madd(p, r, 1.0 / 24.0);
    p = madd(p, r, 1.0 / 6.0);
    p = madd(p, r, 0.5);
    p = madd(p, r, 1.0);
    p = madd(p, r, 1.0);
    let scale = f32::from_bits(shifted.to_bits().wrapping_sub(SHIFT_BITS).wrapping_add(127) << 23);
    if x < -87.0 { 0.0 } else { p * scale }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_f64_matches_libm_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        for i in 0..200_001 {
            let x = -700.0 + 700.0 * i as f64 / 200_000.0 + 1e-7 * (i % 7) as f64;
            let (got, want) = (exp_f64::<false>(x), x.exp());
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 1e-15, "worst relative error {worst:e}");
        assert_eq!(exp_f64::<false>(-800.0), 0.0);
        assert_eq!(exp_f64::<true>(-800.0), 0.0);
        assert_eq!(exp_f64::<false>(0.0), 1.0);
        assert_eq!(exp_f64::<true>(0.0), 1.0);
        for x in [-700.5, -3.3, -1e-9] {
            assert!((exp_f64::<true>(x) / x.exp() - 1.0).abs() < 1e-15);
        }
    }

    #[test]
    fn exp_f32_matches_libm_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        for i in 0..100_001 {
            let x = -80.0 + 80.0 * i as f32 / 100_000.0;
            let (got, want) = (exp_f32::<false>(x) as f64, (x as f64).exp());
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 5e-7, "worst relative error {worst:e}");
        assert_eq!(exp_f32::<false>(-100.0), 0.0);
        assert!((exp_f32::<true>(-3.3) as f64 / (-3.3f64).exp() - 1.0).abs() < 5e-7);
    }
}
