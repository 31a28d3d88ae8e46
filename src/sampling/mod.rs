//! Random variates computed with `libm` and plain floating point only, so
//! that a run gives the same draws on every platform.
//!
//! rand_distr's samplers do their float math through `num-traits`, which
//! switches to the platform's libm (`std`) as soon as any crate in the build
//! asks for it (plotters does), and the platform's `exp` and `ln` may differ
//! in the last bit from one system to another. These are the standard
//! algorithms, written against the pure-Rust `libm`:
//!
//! - standard normal: inversion, `Φ⁻¹(u)` ([`normal_quantile`]);
//! - lognormal, the engine's hot draw: inversion from a per-run quantile
//!   table, with Marsaglia's exact normal tail beyond it ([`LogNormal`]);
//! - gamma: Marsaglia & Tsang, "A simple method for generating gamma
//!   variables", ACM TOMS 26 (2000); beta as `X / (X + Y)`;
//! - Poisson: inversion by sequential search for means below 30, else PTRS,
//!   W. Hörmann, "The transformed rejection method for generating Poisson
//!   random variables", Insurance: Mathematics and Economics 12 (1993)
//!   (as in NumPy's `random_poisson_ptrs`);
//! - binomial: inversion for `n min(p, 1-p) < 10`, else BTRS, W. Hörmann,
//!   "The generation of binomial random variates", Journal of Statistical
//!   Computation and Simulation 46 (1993).

use rand::Rng;

pub mod lognormal;

pub use lognormal::LogNormal;

/// `Φ⁻¹(p)`, the standard normal quantile, for `0 < p < 1`: Acklam's rational
/// approximation (relative error 1.15e-9) refined by one Halley step on
/// `libm::erfc`, which brings it to full double precision for `p <= 1/2`
/// (within 4 ulps of 50-digit references, tested). Above 1/2 the Halley
/// residual `Φ(x) - p` is computed next to 1, which costs accuracy in the far
/// upper tail (1e-13 relative at `p = 1 - 2^-17`); that is kept as it is, since
/// every sampled value depends on it bit for bit. This is plgsim's one normal
/// quantile (the lognormal table's bin ends, normal draws, Iman-Conover
/// scores, `explain`).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let p = p.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail(libm::sqrt(-2.0 * libm::log(p)))
    } else if p > 1.0 - 0.02425 {
        -tail(libm::sqrt(-2.0 * libm::log(1.0 - p)))
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley's step on Φ(x) - p, with Φ(x) = erfc(-x / √2) / 2.
    let e = 0.5 * libm::erfc(-x / core::f64::consts::SQRT_2) - p;
    let u = e * libm::sqrt(2.0 * core::f64::consts::PI) * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

/// A uniform draw in (0, 1) with 53 random bits.
#[inline]
pub fn open01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw, by inversion.
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    normal_quantile(open01(rng))
}

/// A gamma draw of shape `a` > 0 and scale 1.
pub fn gamma<R: Rng + ?Sized>(a: f64, rng: &mut R) -> f64 {
    if a < 1.0 {
        // Boost: Gamma(a) = Gamma(a + 1) U^(1/a).
        return gamma(a + 1.0, rng) * libm::pow(open01(rng), 1.0 / a);
    }
    let d = a - 1.0 / 3.0;
    let c = 1.0 / libm::sqrt(9.0 * d);
    loop {
        let (x, v) = loop {
            let x = standard_normal(rng);
            let v = 1.0 + c * x;
            if v > 0.0 {
                break (x, v * v * v);
            }
        };
        let u = open01(rng);
        if u < 1.0 - 0.0331 * x * x * x * x || libm::log(u) < 0.5 * x * x + d * (1.0 - v + libm::log(v)) {
            return d * v;
        }
    }
}

/// A beta draw with shapes `alpha`, `beta` > 0.
pub fn beta<R: Rng + ?Sized>(alpha: f64, beta: f64, rng: &mut R) -> f64 {
    let x = gamma(alpha, rng);
    let y = gamma(beta, rng);
    if x + y > 0.0 { x / (x + y) } else { alpha / (alpha + beta) }
}

/// A Poisson draw of mean `lambda` (0 for a mean of 0 or less).
pub fn poisson<R: Rng + ?Sized>(lambda: f64, rng: &mut R) -> u64 {
    if lambda.is_nan() || lambda <= 0.0 || lambda.is_infinite() {
        return 0;
    }
    if lambda < 30.0 {
        // Inversion: walk the CDF from 0.
        let mut k = 0u64;
        let mut p = libm::exp(-lambda);
        let mut cdf = p;
        let u = open01(rng);
        while u > cdf {
            k += 1;
            p *= lambda / k as f64;
            cdf += p;
            if p < 1e-300 && cdf < u {
                // Lost in rounding beyond the mass: the tail is reached.
                break;
            }
        }
        return k;
    }
    let slam = libm::sqrt(lambda);
    let loglam = libm::log(lambda);
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let invalpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = open01(rng) - 0.5;
        let v = open01(rng);
        let us = 0.5 - u.abs();
        let k = floor((2.0 * a / us + b) * u + lambda + 0.43);
        if us >= 0.07 && v <= vr {
            return k as u64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        if libm::log(v) + libm::log(invalpha) - libm::log(a / (us * us) + b)
            <= -lambda + k * loglam - libm::lgamma(k + 1.0)
        {
            return k as u64;
        }
    }
}

/// `floor(x)`, exactly as `libm::floor` for every `x` (inlined: the
/// rejection samplers call it once a trial, and a call to libm's was 5% of
/// the count engine's time). Beyond 2^52 every double is whole; NaN stays
/// NaN.
#[inline(always)]
fn floor(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    let t = x as i64 as f64;
    // -0.0 stays -0.0 (as libm's): t is 0.0 for x in (-1, -0.0], so keep x's sign at 0.
    if t > x {
        t - 1.0
    } else if t == 0.0 {
        if x.is_sign_negative() { -0.0 } else { 0.0 }
    } else {
        t
    }
}

/// A binomial draw: successes in `n` trials of probability `p`, by
/// inversion when `n p < 10` and by Hörmann's BTRS (transformed rejection
/// with squeeze, 1993) above, in `libm` arithmetic: the draws of the
/// account engine, pinned by its value-stability tests.
pub fn binomial<R: Rng + ?Sized>(n: u64, p: f64, rng: &mut R) -> u64 {
    binomial_by::<R, false>(n, p, rng)
}

/// A binomial draw by the same two methods as [`binomial`], faster, for the
/// count engine: the inversion's `q^n` as `exp(n ln(1 - p))` (no `pow`), and
/// BTRS's log-factorials by a table of `lgamma` below 1,024 and Stirling's
/// series with three correction terms above (error below 3e-11, as in
/// Hörmann's paper) instead of `lgamma` at each draw. The distribution is the same to within those
/// roundings; the draws are not [`binomial`]'s.
pub fn binomial_fast<R: Rng + ?Sized>(n: u64, p: f64, rng: &mut R) -> u64 {
    binomial_by::<R, true>(n, p, rng)
}

/// Whole `k` below this have their `ln k!` tabulated ([`log_factorial`]).
const LOG_FACTORIALS: usize = 1024;

/// `ln k!` for a whole `k >= 0`: below [`LOG_FACTORIALS`] from a table of
/// `libm::lgamma(k + 1)` made once (BTRS's slow path asks for the mode's and
/// the candidate's, which for the count engine's means are mostly below
/// it: two of its six logs saved), Stirling's series `(k + 1/2) ln(k + 1) -
/// (k + 1) + ln(2 pi) / 2 + 1/(12 x) - 1/(360 x^3) + 1/(1260 x^5)` with
/// `x = k + 1` above, whose next term, `1/(1680 x^7)`, is below 3e-11 there.
fn log_factorial(k: f64) -> f64 {
    static TABLE: std::sync::OnceLock<Box<[f64]>> = std::sync::OnceLock::new();
    if k < LOG_FACTORIALS as f64 {
        let table = TABLE.get_or_init(|| (0..LOG_FACTORIALS).map(|k| libm::lgamma(k as f64 + 1.0)).collect());
        return table[k as usize];
    }
    let x = k + 1.0;
    let r = 1.0 / x;
    let r2 = r * r;
    const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
    (k + 0.5) * libm::log(x) - x + HALF_LN_2PI + r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 / 1260.0))
}

fn binomial_by<R: Rng + ?Sized, const FAST: bool>(n: u64, p: f64, rng: &mut R) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - binomial_by::<R, FAST>(n, 1.0 - p, rng);
    }
    let nf = n as f64;
    let q = 1.0 - p;
    if nf * p < 10.0 {
        // Inversion: walk the CDF from 0 with the pmf recursion.
        let s = p / q;
        let a = (nf + 1.0) * s;
        let mut r = if FAST { libm::exp(nf * libm::log1p(-p)) } else { libm::pow(q, nf) };
        let mut u = open01(rng);
        let mut x = 0u64;
        while u > r {
            u -= r;
            x += 1;
            if x > n {
                return n;
            }
            r *= a / x as f64 - s;
            if r <= 0.0 {
                break;
            }
        }
        return x.min(n);
    }
    let spq = libm::sqrt(nf * p * q);
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = nf * p + 0.5;
    // (FAST: one division by b, not two; the same values to an ulp.)
    let (vr, alpha) = if FAST {
        let rb = 1.0 / b;
        (0.92 - 4.2 * rb, (2.83 + 5.1 * rb) * spq)
    } else {
        (0.92 - 4.2 / b, (2.83 + 5.1 / b) * spq)
    };
    // The constants of the slow path (the squeeze below accepts most
    // draws without them), computed once when first needed: the same
    // values in the same order, so the draws are unchanged.
    let mut slow: Option<(f64, f64, f64)> = None;
    let slow_constants = || {
        let lpq = libm::log(p / q);
        let m = libm::floor((nf + 1.0) * p);
        let h = if FAST {
            log_factorial(m) + log_factorial(nf - m)
        } else {
            libm::lgamma(m + 1.0) + libm::lgamma(nf - m + 1.0)
        };
        (lpq, m, h)
    };
    loop {
        let u = open01(rng) - 0.5;
        let v = open01(rng);
        let us = 0.5 - u.abs();
        let k = floor((2.0 * a / us + b) * u + c);
        if k < 0.0 || k > nf {
            continue;
        }
        if us >= 0.07 && v <= vr {
            return k as u64;
        }
        let x = v * alpha / (a / (us * us) + b);
        if FAST && x > 1.0 + 1e-4 && nf < 1e9 {
            // The test below compares ln x with ln(f(k) / f(m)), at most 0
            // (m is the mode) but for roundings (a few ulps of the
            // log-factorials, below 1e-5 for n < 10^9): rejected without
            // its logs.
            continue;
        }
        let v = libm::log(x);
        let (lpq, m, h) = *slow.get_or_insert_with(slow_constants);
        let (lk, lnk) = if FAST {
            (log_factorial(k), log_factorial(nf - k))
        } else {
            (libm::lgamma(k + 1.0), libm::lgamma(nf - k + 1.0))
        };
        if v <= h - lk - lnk + (k - m) * lpq {
            return k as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    fn rng() -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(2026)
    }

    /// Mean and variance of `n` draws within 5 standard errors of the exact
    /// ones (the standard error of a sample variance uses the fourth
    /// central moment `mu4`).
    fn check(what: &str, draws: &[f64], mean: f64, var: f64, mu4: f64) {
        let n = draws.len() as f64;
        let m = draws.iter().sum::<f64>() / n;
        let v = draws.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
        let se_m = (var / n).sqrt();
        let se_v = ((mu4 - var * var) / n).sqrt();
        assert!((m - mean).abs() <= 5.0 * se_m, "{what}: mean {m} vs {mean} (se {se_m})");
        assert!((v - var).abs() <= 5.0 * se_v, "{what}: variance {v} vs {var} (se {se_v})");
    }

    #[test]
    fn the_inlined_floor_is_libms_bit_for_bit() {
        let mut r = rng();
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            -1e-300,
            4.5e15,
            -4.5e15,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        xs.extend((0..100_000).map(|i| (open01(&mut r) - 0.5) * 10f64.powi(i % 18)));
        for x in xs {
            assert_eq!(floor(x).to_bits(), libm::floor(x).to_bits(), "{x}");
        }
        assert!(floor(f64::NAN).is_nan());
    }

    #[test]
    fn poisson_matches_its_moments_on_both_methods() {
        let mut r = rng();
        for lambda in [0.3, 4.0, 29.5, 30.0, 250.0, 1.0e5] {
            let draws: Vec<f64> = (0..200_000).map(|_| poisson(lambda, &mut r) as f64).collect();
            // Poisson: variance lambda, fourth central moment lambda (1 + 3 lambda).
            check(&format!("poisson({lambda})"), &draws, lambda, lambda, lambda * (1.0 + 3.0 * lambda));
        }
        assert_eq!(poisson(0.0, &mut r), 0);
        assert_eq!(poisson(-1.0, &mut r), 0);
    }

    #[test]
    fn poisson_small_counts_have_the_exact_pmf() {
        let mut r = rng();
        let n = 400_000;
        let mut counts = [0u64; 4];
        for _ in 0..n {
            let k = poisson(1.5, &mut r) as usize;
            if k < 4 {
                counts[k] += 1;
            }
        }
        let mut p = libm::exp(-1.5);
        for (k, c) in counts.iter().enumerate() {
            if k > 0 {
                p *= 1.5 / k as f64;
            }
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((*c as f64 / n as f64 - p).abs() < 5.0 * se, "P({k})");
        }
    }

    #[test]
    fn log_factorials_match_lgamma() {
        for k in (0..10_000u64).chain([123_456, 10_000_000, 4_000_000_000]) {
            let k = k as f64;
            let (got, want) = (log_factorial(k), libm::lgamma(k + 1.0));
            assert!((got - want).abs() <= 3e-11 * want.abs().max(1.0), "ln {k}! = {got}, lgamma {want}");
        }
    }

    #[test]
    fn binomial_matches_its_moments_on_both_methods() {
        let mut r = rng();
        for (n, p) in [(10u64, 0.3), (1000, 0.004), (1000, 0.5), (50_000, 0.9), (3_000_000, 0.02)] {
            let draws: Vec<f64> = (0..200_000).map(|_| binomial(n, p, &mut r) as f64).collect();
            let nf = n as f64;
            let var = nf * p * (1.0 - p);
            let mu4 = var * (1.0 + 3.0 * (nf - 2.0) * p * (1.0 - p));
            check(&format!("binomial({n}, {p})"), &draws, nf * p, var, mu4);
            assert!(draws.iter().all(|&x| x >= 0.0 && x <= nf));
            let fast: Vec<f64> = (0..200_000).map(|_| binomial_fast(n, p, &mut r) as f64).collect();
            check(&format!("binomial_fast({n}, {p})"), &fast, nf * p, var, mu4);
            assert!(fast.iter().all(|&x| x >= 0.0 && x <= nf));
        }
        assert_eq!(binomial(10, 0.0, &mut r), 0);
        assert_eq!(binomial(10, 1.0, &mut r), 10);
    }

    #[test]
    fn gamma_normal_and_beta_match_their_moments() {
        let mut r = rng();
        let z: Vec<f64> = (0..200_000).map(|_| standard_normal(&mut r)).collect();
        check("normal", &z, 0.0, 1.0, 3.0);
        for a in [0.4, 1.0, 7.5] {
            let g: Vec<f64> = (0..200_000).map(|_| gamma(a, &mut r)).collect();
            // Gamma(a): mean a, variance a, fourth central moment 3a(a + 2).
            check(&format!("gamma({a})"), &g, a, a, 3.0 * a * (a + 2.0));
        }
        let (al, be) = (2.0, 30.0);
        let x: Vec<f64> = (0..200_000).map(|_| beta(al, be, &mut r)).collect();
        let mean = al / (al + be);
        let var = al * be / ((al + be).powi(2) * (al + be + 1.0));
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        assert!((m - mean).abs() < 5.0 * (var / n).sqrt(), "beta mean {m} vs {mean}");
    }

    /// The rejection methods give the exact distribution, not just its
    /// moments: CDF points against the exact CDF, within 5 binomial SEs.
    #[test]
    fn rejection_methods_have_the_exact_cdf() {
        let mut r = rng();
        let n = 200_000;
        let cdf_check = |what: &str, draws: &[u64], at: &[u64], exact: &dyn Fn(u64) -> f64| {
            for &x in at {
                let p = exact(x);
                let got = draws.iter().filter(|&&d| d <= x).count() as f64 / draws.len() as f64;
                let se = (p * (1.0 - p) / draws.len() as f64).sqrt();
                assert!((got - p).abs() < 5.0 * se, "{what}: P(X <= {x}) = {got}, exact {p}");
            }
        };
        let lambda = 250.0f64;
        let draws: Vec<u64> = (0..n).map(|_| poisson(lambda, &mut r)).collect();
        let pois = |x: u64| {
            (0..=x).map(|k| libm::exp(k as f64 * libm::log(lambda) - lambda - libm::lgamma(k as f64 + 1.0))).sum()
        };
        cdf_check("poisson(250)", &draws, &[225, 240, 250, 260, 275], &pois);
        // The exact binomial CDF of (m, p).
        let binom = |m: u64, p: f64| {
            move |x: u64| -> f64 {
                (0..=x)
                    .map(|k| {
                        let (k, mf) = (k as f64, m as f64);
                        libm::exp(
                            libm::lgamma(mf + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(mf - k + 1.0)
                                + k * libm::log(p)
                                + (mf - k) * libm::log(1.0 - p),
                        )
                    })
                    .sum()
            }
        };
        let draws: Vec<u64> = (0..n).map(|_| binomial(1000, 0.3, &mut r)).collect();
        cdf_check("binomial(1000, 0.3)", &draws, &[270, 290, 300, 310, 330], &binom(1000, 0.3));
        let draws: Vec<u64> = (0..n).map(|_| binomial_fast(1000, 0.3, &mut r)).collect();
        cdf_check("binomial_fast(1000, 0.3)", &draws, &[270, 290, 300, 310, 330], &binom(1000, 0.3));
        let draws: Vec<u64> = (0..n).map(|_| binomial_fast(40, 0.1, &mut r)).collect();
        cdf_check("binomial_fast(40, 0.1)", &draws, &[1, 2, 4, 6, 8], &binom(40, 0.1));
    }

    /// Pins the draws: they must not change from one platform or release to
    /// the next.
    #[test]
    fn draws_are_value_stable() {
        let mut r = rng();
        let got: Vec<String> = vec![
            format!("{:.17e}", standard_normal(&mut r)),
            poisson(3.0, &mut r).to_string(),
            poisson(500.0, &mut r).to_string(),
            binomial(20, 0.3, &mut r).to_string(),
            binomial(10_000, 0.3, &mut r).to_string(),
            format!("{:.17e}", beta(2.0, 5.0, &mut r)),
        ];
        insta::assert_debug_snapshot!(got);
    }
}
