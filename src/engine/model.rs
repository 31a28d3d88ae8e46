//! One run's model: the scenario with every parameter at its sampled value,
//! converted to per-step quantities once, before the run starts.
//!
//! Rates are given per month in the scenario. With `k` steps a month
//! (`time_step`), a monthly probability `p` becomes `1 - (1 - p)^(1/k)` per
//! step (exact: k steps compound back to p), a Poisson rate or an amount of
//! money or usage per month becomes `x / k` per step, a monthly growth `g`
//! becomes a factor `(1 + g)^(1/k)` per step, and a duration in months
//! becomes `months * k` steps.
//!
//! Bernoulli draws in the account loop compare 32 random bits with a
//! threshold `round(p * 2^32)` computed here, so a probability is resolved to
//! 2^-32; Poisson counts are read from a cumulative table on the same scale.

use std::sync::OnceLock;

use crate::scenario::{MAX_ACCOUNTS, MAX_MONEY, ParamId, Scenario};

/// 2^32 as f64: the scale of the 32-bit thresholds.
const SCALE: f64 = 4_294_967_296.0;

/// `round(p * 2^32)`: `(bits >> 32) < threshold(p)` holds with probability `p`.
pub fn threshold(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * SCALE).round() as u64
}

/// The probability per step of an event with monthly probability `p`.
pub fn per_step(p: f64, steps_per_month: u32) -> f64 {
    if steps_per_month == 1 { p } else { 1.0 - libm::pow(1.0 - p, 1.0 / steps_per_month as f64) }
}

/// Cumulative Poisson probabilities on the 32-bit scale: the count is the
/// number of entries the random 32 bits are at or above.
#[derive(Debug, Clone)]
pub struct PoissonTable {
    cdf: Vec<u64>,
    /// `cdf[0]` (P(0) on the 32-bit scale), or 2^32 when there is no table:
    /// most draws are 0, decided by this one comparison.
    zero: u64,
    /// Means above this are drawn directly (the table would be long).
    pub lambda: f64,
}

impl PoissonTable {
    pub const MAX_TABLE_LAMBDA: f64 = 40.0;

    pub fn new(lambda: f64) -> PoissonTable {
        let mut cdf = Vec::new();
        if lambda > 0.0 && lambda <= Self::MAX_TABLE_LAMBDA {
            let mut pmf = libm::exp(-lambda);
            let mut cum = pmf;
            let mut j = 0.0;
            loop {
                let t = (cum * SCALE).round() as u64;
                cdf.push(t);
                if t >= SCALE as u64 || j > 10.0 * lambda + 40.0 {
                    break;
                }
                j += 1.0;
                pmf *= lambda / j;
                cum += pmf;
            }
            if let Some(last) = cdf.last_mut() {
                *last = SCALE as u64;
            }
        }
        let zero = cdf.first().copied().unwrap_or(1 << 32);
        PoissonTable { cdf, zero, lambda }
    }

    /// Whether the table holds the distribution (else draw directly).
    #[inline]
    pub fn tabulated(&self) -> bool {
        !self.cdf.is_empty() || self.lambda <= 0.0
    }

    /// The count for 32 uniform random bits `u` (only if [`tabulated`](Self::tabulated)).
    #[inline(always)]
    pub fn count(&self, u: u64) -> u32 {
        if u < self.zero {
            return 0;
        }
        let mut j = 1;
        while j < self.cdf.len() && u >= self.cdf[j] {
            j += 1;
        }
        j as u32
    }
}

/// Octaves of the quantile table on each side of the median (see [`LogNormal`]).
const OCTAVES: u32 = 16;
/// log2 of the number of bins per octave.
const BIN_BITS: u32 = 6;
/// Bins on each side of the median.
const BINS_PER_SIDE: usize = (OCTAVES as usize) << BIN_BITS;

/// 2^-53: the weight of the last bit of a 53-bit integer fraction.
const EPS53: f64 = 1.0 / 9_007_199_254_740_992.0;

/// Draws `median * exp(sigma * Z)`, Z standard normal, for a fixed sigma, by
/// inversion: one 64-bit random word is a point `u` of (0, 1), and the draw is
/// the lognormal quantile `Q(u) = median * exp(sigma * Phi^-1(u))` read from a
/// table built once per run.
///
/// The word is read like a floating-point number. Its top bit picks the half
/// of (0, 1); the other 63 bits `x` give the distance `v = x / 2^64` of `u`
/// from the nearer end of (0, 1): `u = v` in the lower half, `1 - v` in the
/// upper. The leading zeros of `x` pick an octave, `v` in
/// `[2^-(e+2), 2^-(e+1))`, the next 6 bits one of its 64 equal bins, and the
/// remaining bits (at least 41) the position `t` in [0, 1) inside the bin.
/// Every bin's probability is thus exact (a dyadic fraction), and the bins
/// shrink geometrically towards the tails, where the quantile function
/// bends. Inside a bin, `Q` is the cubic Hermite interpolant of the exact
/// quantiles and their exact derivatives, `dQ/du = sigma Q / phi(Phi^-1(u))`,
/// at its two ends.
///
/// The 16 octaves end at `v = 2^-17`, `|Z| = z_0 = 4.3249`. Beyond, with
/// probability 2^-16 per draw (the share of words with 16 or more leading
/// zeros after the top bit), Z is drawn exactly from the normal tail beyond
/// `z_0` by Marsaglia's method (`normal_tail`), and the draw is
/// `median * libm::exp(sigma Z)`.
///
/// Accuracy (measured by the tests below against the exact quantile
/// function, AS241 for `Phi^-1` then `libm::exp`): at the bin ends the table
/// is exact to a few ulps. Inside a bin the interpolation error is at most
/// `max|d^4Q/dt^4| / 384`. The largest relative deviation of the sampled
/// quantile function from the exact one, over all bins, and the relative
/// errors of the mean and variance of the sampled distribution (computed
/// exactly, bin by bin) are
///
/// | sigma                 | 0.25    | 0.5     | 1       | 2       | 4       |
/// |-----------------------|---------|---------|---------|---------|---------|
/// | quantile, worst bin   | 1.3e-10 | 3.5e-10 | 1.2e-9  | 5.7e-9  | 4.0e-8  |
/// | mean of the draws     | -8e-12  | -3e-11  | -1.4e-10| -4.5e-10| -5.3e-10|
/// | variance of the draws | -1.1e-10| -1.3e-10| -2.1e-10| -2.5e-10| -1e-13  |
///
/// The worst bins are the widest, just inside the quartiles; with 32 bins an
/// octave instead of 64 the worst deviation would be 16 times larger. The
/// position inside a bin has at least 41 random bits (53 in the four central
/// octaves), a discretisation far below these errors.
///
/// The table is 2 x 1,024 cubics, 64 KiB (the central octave, half of the
/// draws, is 4 KiB). The standard normal quantiles of the bin ends are
/// computed once per process; `new` takes one `libm::exp` per bin end, about
/// 14 µs (`cargo bench --bench engine -- model/`), twice per run. `sample`
/// uses only integer operations, +, * and one table read (libm only on the
/// tail path), so draws are bit-identical on every platform. With sigma = 0
/// (or median = 0) the draw is `median` and uses no randomness. Where
/// `median * exp(sigma z)` overflows (sigma z > ~709) a bin yields infinity,
/// as `exp` would.
#[derive(Debug, Clone)]
pub struct LogNormal {
    median: f64,
    sigma: f64,
    /// Bin `i` of the lower half at `2 i`, of the upper half at `2 i + 1`,
    /// from the tails to the median; `None` when degenerate.
    bins: Option<Box<[Cubic; 2 * BINS_PER_SIDE]>>,
}

/// `c0 + c1 t + c2 t^2 + c3 t^3`, one bin of the quantile table; aligned so
/// that a bin is one read from one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Cubic([f64; 4]);

impl Cubic {
    /// The cubic with values `p0`, `p1` and slopes `d0`, `d1` at t = 0 and 1.
    fn hermite(p0: f64, p1: f64, d0: f64, d1: f64) -> Cubic {
        Cubic([p0, d0, 3.0 * (p1 - p0) - 2.0 * d0 - d1, 2.0 * (p0 - p1) + d0 + d1])
    }

    #[inline(always)]
    fn at(&self, t: f64) -> f64 {
        let c = &self.0;
        // Estrin's scheme: a short dependency chain.
        (c[0] + c[1] * t) + (t * t) * (c[2] + c[3] * t)
    }
}

/// The bin ends of one half, shared by every run: `z[i] = -Phi^-1(v_i)` at
/// `v_i` (see [`bin_end`]), from `v_0 = 2^-17` to `v_1024 = 1/2`.
struct Grid {
    z: [f64; BINS_PER_SIDE + 1],
    /// `width / phi(z)` at the two ends of bin `i`, phi the standard normal
    /// density: `|dz/dt|`, with `t` the position in the bin.
    slope: [[f64; 2]; BINS_PER_SIDE],
}

fn grid() -> &'static Grid {
    static GRID: OnceLock<Grid> = OnceLock::new();
    GRID.get_or_init(|| {
        let z: [f64; BINS_PER_SIDE + 1] = std::array::from_fn(|i| -normal_quantile(bin_end(i)));
        let inv_density = |z: f64| SQRT_2PI * libm::exp(0.5 * z * z);
        let slope = std::array::from_fn(|i| {
            let w = octave_bin_width(octave_of(i));
            [w * inv_density(z[i]), w * inv_density(z[i + 1])]
        });
        Grid { z, slope }
    })
}

/// sqrt(2 pi).
const SQRT_2PI: f64 = 2.506_628_274_631_000_5;

/// The width in `v` of the bins of octave `e`: `2^-(e+2) / 64`.
fn octave_bin_width(e: usize) -> f64 {
    1.0 / (1u64 << (e + 2 + BIN_BITS as usize)) as f64
}

/// The octave of bin `i` (from the tail, as stored).
fn octave_of(i: usize) -> usize {
    OCTAVES as usize - 1 - (i >> BIN_BITS)
}

/// The left end (smaller `v`) of bin `i`, `2^-(e+2) (1 + j/64)` for the
/// `j`-th bin of octave `e`; `bin_end(1024) = 1/2`. Exact in f64.
fn bin_end(i: usize) -> f64 {
    if i == BINS_PER_SIDE {
        return 0.5;
    }
    let j = i & ((1 << BIN_BITS) - 1);
    ((1 << BIN_BITS) + j) as f64 * octave_bin_width(octave_of(i))
}

impl LogNormal {
    pub fn new(median: f64, sigma: f64) -> LogNormal {
        if !(sigma > 0.0 && median > 0.0) {
            return LogNormal { median, sigma, bins: None };
        }
        let g = grid();
        // The quantiles at the bin ends: median / e below the median, median * e above.
        let mut lo = [0.0; BINS_PER_SIDE + 1];
        let mut hi = [0.0; BINS_PER_SIDE + 1];
        for i in 0..=BINS_PER_SIDE {
            let e = libm::exp(sigma * g.z[i]);
            lo[i] = median / e;
            hi[i] = median * e;
        }
        let mut bins = Vec::with_capacity(2 * BINS_PER_SIDE);
        for i in 0..BINS_PER_SIDE {
            // dQ/dt = -+sigma Q dz/dt below/above the median.
            let (s0, s1) = (sigma * g.slope[i][0], sigma * g.slope[i][1]);
            bins.push(Cubic::hermite(lo[i], lo[i + 1], lo[i] * s0, lo[i + 1] * s1));
            bins.push(Cubic::hermite(hi[i], hi[i + 1], -hi[i] * s0, -hi[i + 1] * s1));
        }
        // The largest quantile and slope are those of the first upper bin:
        // below 1e300 nothing overflows.
        if hi[0] >= 1e300 {
            for c in &mut bins {
                if !c.0.iter().all(|c| c.is_finite()) {
                    *c = Cubic([f64::INFINITY, 0.0, 0.0, 0.0]);
                }
            }
        }
        let bins = bins.into_boxed_slice().try_into().expect("two bins per interval of the grid");
        LogNormal { median, sigma, bins: Some(bins) }
    }

    /// One draw (no randomness is used when sigma or the median is 0).
    #[inline]
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let Some(bins) = &self.bins else {
            return self.median;
        };
        let r = rng.next_u64();
        let x = r & (u64::MAX >> 1);
        // x in [2^(63-lz), 2^(64-lz)): octave lz - 1.
        let lz = x.leading_zeros();
        if lz > OCTAVES {
            return self.tail(r >> 63 != 0, rng);
        }
        let j = (x >> (63 - BIN_BITS - lz)) as usize & ((1 << BIN_BITS) - 1);
        // The bits after the octave's leading 1 and the bin, as a fraction
        // (i64 -> f64 is one instruction, u64 -> f64 is not).
        let t = ((x << (lz + 1 + BIN_BITS)) >> 11) as i64 as f64 * EPS53;
        let i = (((OCTAVES - lz) as usize) << BIN_BITS | j) << 1 | (r >> 63) as usize;
        bins[i & (2 * BINS_PER_SIDE - 1)].at(t)
    }

    /// A draw beyond the table: `|Z| > z_0`, on the upper or lower side.
    #[cold]
    #[inline(never)]
    fn tail<R: rand::Rng + ?Sized>(&self, upper: bool, rng: &mut R) -> f64 {
        let z = normal_tail(grid().z[0], rng);
        self.median * libm::exp(if upper { self.sigma * z } else { -self.sigma * z })
    }
}

/// A standard normal Z conditioned on `Z > a` (a > 0), exactly, by
/// Marsaglia's tail method (G. Marsaglia, "Generating a variable from the
/// tail of the normal distribution", Technometrics 6, 1964): with
/// `x = -ln(U1) / a` and `y = -ln(U2)`, U1, U2 uniform on (0, 1], return
/// `a + x` if `2y > x^2`, else try again (the acceptance rate is
/// `a P(Z > a) / phi(a)`, 95% for a = 4.32).
fn normal_tail<R: rand::Rng + ?Sized>(a: f64, rng: &mut R) -> f64 {
    let uniform = |r: u64| ((r >> 11) + 1) as i64 as f64 * EPS53;
    loop {
        let x = -libm::log(uniform(rng.next_u64())) / a;
        let y = -libm::log(uniform(rng.next_u64()));
        if 2.0 * y > x * x {
            return a + x;
        }
    }
}

/// Horner's rule, coefficients in increasing degree.
fn poly(c: &[f64; 8], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &c| acc * x + c)
}

/// The standard normal quantile `Phi^-1(p)`, 0 < p < 1, by Wichura's PPND16
/// (M. J. Wichura, "Algorithm AS 241: The percentage points of the normal
/// distribution", Applied Statistics 37(3), 1988, 477-484; relative accuracy
/// about 1e-16), with `libm` for the logarithm and the square root. The
/// coefficients are the paper's, digit for digit.
#[allow(clippy::excessive_precision)]
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_608_0e0,
        1.331_416_678_917_843_774_5e2,
        1.971_590_950_306_551_442_7e3,
        1.373_169_376_550_946_112_5e4,
        4.592_195_393_154_987_145_7e4,
        6.726_577_092_700_870_085_3e4,
        3.343_057_558_358_812_810_5e4,
        2.509_080_928_730_122_672_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091_125_2e1,
        6.871_870_074_920_579_083_0e2,
        5.394_196_021_424_751_107_7e3,
        2.121_379_430_158_659_586_7e4,
        3.930_789_580_009_271_061_0e4,
        2.872_908_573_572_194_267_4e4,
        5.226_495_278_852_854_561_0e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34e0,
        4.630_337_846_156_545_295_90e0,
        5.769_497_221_460_691_405_50e0,
        3.647_848_324_763_204_605_04e0,
        1.270_458_252_452_368_382_58e0,
        2.417_807_251_774_506_117_70e-1,
        2.272_384_498_926_918_458_33e-2,
        7.745_450_142_783_414_076_40e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87e0,
        1.676_384_830_183_803_849_40e0,
        6.897_673_349_851_000_045_50e-1,
        1.481_039_764_274_800_745_90e-1,
        1.519_866_656_361_645_719_66e-2,
        5.475_938_084_995_344_946_00e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_20e0,
        5.463_784_911_164_114_369_90e0,
        1.784_826_539_917_291_335_80e0,
        2.965_605_718_285_048_912_30e-1,
        2.653_218_952_657_612_309_30e-2,
        1.242_660_947_388_078_438_60e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879_376_90e-1,
        1.369_298_809_227_358_053_10e-1,
        1.487_536_129_085_061_485_25e-2,
        7.868_691_311_456_132_591_00e-4,
        1.846_318_317_510_054_681_80e-5,
        1.421_511_758_316_445_888_70e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let r = libm::sqrt(-libm::log(if q < 0.0 { p } else { 1.0 - p }));
    let z = if r <= 5.0 { poly(&C, r - 1.6) / poly(&D, r - 1.6) } else { poly(&E, r - 5.0) / poly(&F, r - 5.0) };
    if q < 0.0 { -z } else { z }
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub spend_per_month: f64,
    pub spend_growth_per_month: f64,
    pub cost_per_signup: f64,
    pub max_signups_per_month: Option<f64>,
}

impl Channel {
    /// Monthly spend in month `t` (fractional for finer steps).
    /// Capped at [`MAX_MONEY`], the documented most spend a month
    /// (validation refuses a growth that compounds past it; a sampled value
    /// in the tail of a distribution stops there instead of overflowing).
    pub fn spend_at(&self, t_months: f64) -> f64 {
        (self.spend_per_month * libm::pow(1.0 + self.spend_growth_per_month, t_months)).min(MAX_MONEY)
    }

    /// Expected signups a month for a monthly spend `s` in an untouched
    /// market: `s / cost_per_signup`, or with a ceiling `M` the saturating
    /// response `M (1 - exp(-s / (cost_per_signup M)))`, whose first signups
    /// cost `cost_per_signup` each and whose marginal cost rises with spend.
    /// At most [`MAX_ACCOUNTS`] a month, the most signups from one source.
    pub fn signups_for(&self, s: f64) -> f64 {
        let n = match self.max_signups_per_month {
            None => s / self.cost_per_signup,
            Some(m) => m * (1.0 - libm::exp(-s / (self.cost_per_signup * m))),
        };
        n.min(MAX_ACCOUNTS)
    }
}

/// A paid plan, per run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub price_per_month: f64,
    pub per_seat: bool,
    /// Usage limit of the tier (infinite: none).
    pub usage_limit: f32,
    /// Seat limit of the tier (`u16::MAX`: none).
    pub seat_limit: u16,
    /// New customers pay annually below this threshold.
    pub annual: u64,
    pub annual_discount: f64,
    /// Voluntary churn threshold per step by tenure month, for monthly billing.
    pub churn_by_tenure: Vec<u64>,
    /// Churn threshold at the renewal after tenure year `y` (index `y - 1`),
    /// for annual billing: the year's monthly churn compounded.
    pub annual_churn_by_year: Vec<u64>,
}

impl Plan {
    /// MRR in cents of an account with `seats` seats.
    pub fn mrr_cents(&self, seats: u16, annual: bool) -> u32 {
        let seats = if self.per_seat { seats as f64 } else { 1.0 };
        let discount = if annual { 1.0 - self.annual_discount } else { 1.0 };
        (self.price_per_month * 100.0 * seats * discount).round().min(u32::MAX as f64) as u32
    }
}

pub use crate::scenario::{TrialAfter, TrialStart};

#[derive(Debug, Clone)]
pub struct Trial {
    pub start: TrialStart,
    pub start_share: u64,
    pub steps: u32,
    pub plan: u8,
    pub card_required: bool,
    pub card_dropoff: u64,
    pub conversion: u64,
    pub after: TrialAfter,
}

#[derive(Debug, Clone)]
pub struct Pql {
    pub on_limit_hit: bool,
    pub min_seats: Option<u16>,
    pub min_invites_sent: Option<u16>,
    pub min_usage: Option<f32>,
    pub all: bool,
}

#[derive(Debug, Clone)]
pub struct Sales {
    pub contacts_per_month: u64,
    pub cost_per_contact: f64,
    pub conversion: u64,
    pub plan: u8,
    pub fixed_cost_per_step: f64,
}

/// Where a tenure of `t` steps stands.
#[derive(Debug, Clone, Copy)]
pub struct Tenure {
    /// Whole months: `t / k`.
    pub months: u32,
    /// Whether `t` is a whole number of months (a monthly anniversary).
    pub anniversary: bool,
    /// The month of customer life that step `t` completes, from 0: the
    /// steps `1..=k` are month 0, so the churn of the first month is the
    /// tenure-0 churn whatever the step length.
    pub life_month: u32,
}

/// A delay in steps with an exact mean: `steps`, or one more with
/// probability `extra`.
#[derive(Debug, Clone, Copy)]
pub struct Delay {
    pub steps: u32,
    pub extra: u64,
}

impl Delay {
    /// A delay of `months`, at least one step.
    fn new(months: f64, k: f64) -> Delay {
        let d = (months * k).max(1.0);
        Delay { steps: d.floor() as u32, extra: threshold(d - d.floor()) }
    }
}

/// Per-step quantities of one run.
#[derive(Debug, Clone)]
pub struct RunModel {
    pub steps_per_month: u32,
    pub months: u32,
    pub steps: u32,
    pub market_size: Option<f64>,
    pub initial_free_accounts: u64,
    pub initial_paid_accounts: u64,

    pub organic_signups_per_month: f64,
    pub organic_growth_per_month: f64,
    /// Share of the remaining market signing up organically per step.
    pub organic_share_per_step: f64,
    pub channels: Vec<Channel>,

    /// Signups that would activate given time: below this threshold.
    pub activation: u64,
    /// 65535 / window_steps: time to value as a share of the window.
    pub ttv_share_per_step: f64,
    /// Time to value in steps, across accounts.
    pub time_to_value: LogNormal,
    pub window_steps: u32,

    /// Usage per step, across accounts.
    pub usage: LogNormal,
    /// The free plan's usage limit (infinite when the plan has none).
    pub usage_limit: f32,
    /// The free plan's seat limit (`u16::MAX`: none).
    pub seat_limit: u16,

    /// Free (active) accounts: convert below `free_convert`, go dormant below `free_leave`.
    pub free_convert: u64,
    pub free_leave: u64,
    pub blocked_convert: u64,
    pub blocked_leave: u64,
    /// At the first limit hit of an activated account: convert below
    /// `hit_convert`, leave below `hit_leave`, else blocked.
    pub hit_convert: u64,
    pub hit_leave: u64,
    /// The value an activated account has built up by a limit hit `t` steps
    /// after activation is `1 - exp(-t / value_buildup_steps)` (1 at once
    /// when 0): it scales the conversion share `hit_convert_share`.
    pub value_buildup_steps: f64,
    pub hit_convert_share: f64,
    pub hit_churn_share: f64,
    /// The same for an account that hits the limit before activating.
    pub hit_convert_early: u64,
    pub hit_leave_early: u64,
    /// Dormant free accounts come back below this (per step).
    pub reactivation: u64,

    pub invites_active: PoissonTable,
    pub invites_blocked: PoissonTable,
    pub invite_acceptance: u64,
    /// Accepted invitations that join the inviter's account as a seat.
    pub internal_share: u64,
    pub invite_delay: Delay,
    /// Each seat beyond the first leaves below this, per step.
    pub seat_churn: u64,
    /// Blocked accounts share at this fraction of the active rate.
    pub blocked_sharing: f64,

    /// Expected exposure signups per exposing account per step.
    pub exposure_per_step: f64,
    pub exposure_delay: Delay,
    /// Usage added to the referrer's free limit per referred signup, and the most it can add.
    pub referral_bonus: f32,
    pub referral_max: f32,

    pub plans: Vec<Plan>,
    pub entry_plan: u8,
    /// By tenure in steps.
    pub tenure: Vec<Tenure>,
    /// Failed payment probability per payment, and recovery probability.
    pub payment_failure: u64,
    pub payment_recovery: u64,
    /// Lapsed (churned paying) accounts come back below this, per step.
    pub win_back: u64,
    /// A paying account over its tier's limit upgrades below this, per step.
    pub upgrade: u64,

    pub trial: Option<Trial>,
    pub pql: Option<Pql>,
    pub sales: Option<Sales>,

    pub serve_free_seat_per_step: f64,
    pub serve_paid_seat_per_step: f64,
    pub payment_fee_rate: f64,
    pub payment_fee_fixed: f64,
    pub fixed_cost_per_step: f64,
}

impl RunModel {
    /// Builds the run's model from the sampled parameter values.
    pub fn new(scenario: &Scenario, values: &[f64]) -> RunModel {
        let v = |id: ParamId| values[id.0];
        let m = &scenario.model;
        let k = scenario.steps_per_month();
        let kf = k as f64;
        let step_p = |p: f64| per_step(p.clamp(0.0, 1.0), k);
        let count16 =
            |id: Option<ParamId>| id.map_or(u16::MAX, |id| v(id).round().clamp(1.0, u16::MAX as f64 - 1.0) as u16);

        // Price response: a plan's conversion probabilities are multiplied by
        // (price / reference)^-e_conv and its churn by (price / reference)^e_churn.
        let reference = m.pricing.reference_price.map(v);
        // (Finite: a factor of 0 times an overflowed power would be NaN.)
        let response = |price: f64, e: f64| match reference {
            Some(r) if e != 0.0 && r > 0.0 => libm::pow(price.max(1e-9) / r, e).min(f64::MAX),
            _ => 1.0,
        };
        let e_conv = v(m.pricing.conversion_elasticity);
        let e_churn = v(m.pricing.churn_elasticity);
        let entry = m.paid.entry_plan;
        let entry_price = v(m.plans[entry].price_per_month);
        let conv_factor = response(entry_price, -e_conv);
        let conv = |p: f64| (p * conv_factor).min(1.0);

        let ttv_median_steps = v(m.activation.time_to_value_median_months) * kf;
        let window_steps = ((v(m.activation.window_months) * kf).round() as u32).max(1);

        let free_ch = step_p(v(m.free.churn_per_month));
        // An eventual conversion p: each step an account converts with
        // probability c, else leaves with d, so p = c / (c + (1 - c) d) and
        // c = p d / (1 - p + p d), per step, whatever the step length.
        let free_c = match m.free.eventual_conversion {
            Some(id) => {
                let p = conv(v(id));
                if free_ch > 0.0 { p * free_ch / (1.0 - p + p * free_ch) } else { 0.0 }
            }
            None => step_p(conv(v(m.free.conversion_per_month))),
        };
        let blk_c = step_p(conv(v(m.limit_hit.blocked_conversion_per_month)));
        let blk_ch = step_p(v(m.limit_hit.blocked_churn_per_month.unwrap_or(m.free.churn_per_month)));
        // Shares of the accounts that hit the limit; when a run's draws sum
        // above 1, no one is left blocked.
        let hit_c = conv(v(m.limit_hit.convert));
        let hit_ch = v(m.limit_hit.churn).min(1.0 - hit_c);
        let early_c = conv(v(m.limit_hit.convert_before_activation));
        let early_ch = v(m.limit_hit.churn_before_activation).min(1.0 - early_c);

        let invite_rate = v(m.invites.per_active_seat_per_month) / kf;
        let blocked_sharing = v(m.limit_hit.blocked_invite_factor);

        // Paid churn by tenure: c(t) = floor + (c0 - floor) 2^(-t / halving).
        let c0 = v(m.paid.churn_per_month);
        let floor = v(m.paid.churn_floor_per_month.unwrap_or(m.paid.churn_per_month));
        let halving = m.paid.churn_halving_months.map(v);
        let churn_at = |t: u32| match halving {
            Some(h) => floor + (c0 - floor) * libm::pow(2.0, -(t as f64) / h),
            None => c0,
        };
        let plans = m
            .plans
            .iter()
            .map(|p| {
                let price = v(p.price_per_month);
                let f = response(price, e_churn);
                let monthly: Vec<f64> = (0..=scenario.months).map(|t| (churn_at(t) * f).clamp(0.0, 1.0)).collect();
                Plan {
                    price_per_month: price,
                    per_seat: p.per_seat,
                    usage_limit: p.usage_limit.map_or(f32::INFINITY, |id| v(id) as f32),
                    seat_limit: count16(p.seat_limit),
                    annual: threshold(v(p.annual_share)),
                    annual_discount: v(p.annual_discount),
                    churn_by_tenure: monthly.iter().map(|&c| threshold(per_step(c, k))).collect(),
                    annual_churn_by_year: (1..=scenario.months.div_ceil(12).max(1))
                        .map(|y| {
                            let survive: f64 = (12 * (y - 1)..12 * y)
                                .map(|t| 1.0 - monthly[(t as usize).min(monthly.len() - 1)])
                                .product();
                            threshold(1.0 - survive)
                        })
                        .collect(),
                }
            })
            .collect();

        let trial = m.trial.as_ref().map(|t| Trial {
            start: t.start,
            start_share: threshold(v(t.start_probability)),
            steps: ((v(t.length_months) * kf).round() as u32).max(1),
            plan: t.plan as u8,
            card_required: t.card_required,
            card_dropoff: threshold(v(t.card_dropoff)),
            conversion: threshold((v(t.conversion) * response(v(m.plans[t.plan].price_per_month), -e_conv)).min(1.0)),
            after: t.after,
        });
        let pql = m.pql.as_ref().map(|q| Pql {
            on_limit_hit: q.on_limit_hit,
            min_seats: q.min_seats.map(|id| count16(Some(id))),
            min_invites_sent: q.min_invites_sent.map(|id| count16(Some(id))),
            min_usage: q.min_usage.map(|id| v(id) as f32),
            all: q.all,
        });
        let sales = m.sales.as_ref().map(|s| Sales {
            contacts_per_month: v(s.contacts_per_month).round() as u64,
            cost_per_contact: v(s.cost_per_contact),
            conversion: threshold(v(s.conversion)),
            plan: s.plan as u8,
            fixed_cost_per_step: v(s.fixed_cost_per_month) / kf,
        });

        RunModel {
            steps_per_month: k,
            months: scenario.months,
            steps: scenario.months * k,
            market_size: m.market_size.map(v),
            initial_free_accounts: v(m.initial_free_accounts) as u64,
            initial_paid_accounts: v(m.initial_paid_accounts) as u64,
            organic_signups_per_month: v(m.organic.signups_per_month),
            organic_growth_per_month: v(m.organic.growth_per_month),
            organic_share_per_step: step_p(v(m.organic.share_of_remaining_market_per_month)),
            channels: m
                .channels
                .iter()
                .map(|c| Channel {
                    spend_per_month: v(c.spend_per_month),
                    spend_growth_per_month: v(c.spend_growth_per_month),
                    cost_per_signup: v(c.cost_per_signup),
                    max_signups_per_month: c.max_signups_per_month.map(v),
                })
                .collect(),
            activation: threshold(v(m.activation.probability)),
            ttv_share_per_step: 65535.0 / window_steps as f64,
            time_to_value: LogNormal::new(ttv_median_steps, v(m.activation.time_to_value_sigma)),
            window_steps,
            usage: LogNormal::new(v(m.usage.median_per_month) / kf, v(m.usage.sigma)),
            usage_limit: m.free.usage_limit.map_or(f32::INFINITY, |id| v(id) as f32),
            seat_limit: count16(m.free.seat_limit),
            free_convert: threshold(free_c),
            free_leave: threshold(free_c + (1.0 - free_c) * free_ch),
            blocked_convert: threshold(blk_c),
            blocked_leave: threshold(blk_c + (1.0 - blk_c) * blk_ch),
            hit_convert: threshold(hit_c),
            hit_leave: threshold(hit_c + hit_ch),
            value_buildup_steps: v(m.limit_hit.value_buildup_months) * kf,
            hit_convert_share: hit_c,
            hit_churn_share: hit_ch,
            hit_convert_early: threshold(early_c),
            hit_leave_early: threshold(early_c + early_ch),
            reactivation: threshold(step_p(v(m.free.reactivation_per_month))),
            invites_active: PoissonTable::new(invite_rate),
            invites_blocked: PoissonTable::new(invite_rate * blocked_sharing),
            invite_acceptance: threshold(v(m.invites.acceptance)),
            internal_share: threshold(v(m.teams.internal_share)),
            invite_delay: Delay::new(v(m.invites.cycle_months), kf),
            seat_churn: threshold(step_p(v(m.teams.seat_churn_per_month))),
            blocked_sharing,
            exposure_per_step: v(m.exposure.per_active_account_per_month) * v(m.exposure.signup_rate) / kf,
            exposure_delay: Delay::new(v(m.exposure.cycle_months), kf),
            referral_bonus: v(m.referral.limit_bonus) as f32,
            referral_max: m.referral.max_bonus.map_or(f32::INFINITY, |id| v(id) as f32),
            plans,
            entry_plan: entry as u8,
            tenure: (0..=scenario.months * k)
                .map(|t| Tenure { months: t / k, anniversary: t % k == 0, life_month: t.saturating_sub(1) / k })
                .collect(),
            payment_failure: threshold(v(m.paid.payment_failure)),
            payment_recovery: threshold(v(m.paid.payment_recovery)),
            win_back: threshold(step_p(v(m.paid.win_back_per_month))),
            upgrade: threshold(step_p(v(m.paid.upgrade_per_month))),
            trial,
            pql,
            sales,
            serve_free_seat_per_step: v(m.costs.serve_free_seat_per_month) / kf,
            serve_paid_seat_per_step: v(m.costs.serve_paid_seat_per_month) / kf,
            payment_fee_rate: v(m.costs.payment_fee_rate),
            payment_fee_fixed: v(m.costs.payment_fee_fixed),
            fixed_cost_per_step: v(m.costs.fixed_per_month) / kf,
        }
    }

    /// Expected organic signups a month in month `t` (fractional for finer
    /// steps), at most [`MAX_ACCOUNTS`], the documented most signups a month
    /// from one source (see [`Channel::spend_at`]).
    pub fn organic_rate_at(&self, t_months: f64) -> f64 {
        (self.organic_signups_per_month * libm::pow(1.0 + self.organic_growth_per_month, t_months)).min(MAX_ACCOUNTS)
    }

    /// Whether dormant free accounts can come back (else they need not be kept).
    pub fn keeps_dormant(&self) -> bool {
        self.reactivation > 0
    }

    /// Whether lapsed paying accounts can come back.
    pub fn keeps_lapsed(&self) -> bool {
        self.win_back > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn per_step_probability_compounds_back_to_the_month() {
        for k in [1, 4, 30] {
            let p = per_step(0.3, k);
            let back = 1.0 - (1.0 - p).powi(k as i32);
            assert!((back - 0.3).abs() < 1e-12, "k = {k}: {back}");
        }
    }

    #[test]
    fn poisson_table_matches_the_pmf() {
        let t = PoissonTable::new(1.5);
        let n = 1u64 << 32;
        // P(X = 0) is the share of 32-bit values below cdf[0].
        let p0 = t.cdf[0] as f64 / n as f64;
        assert!((p0 - (-1.5f64).exp()).abs() < 1e-9);
        assert_eq!(t.count(0), 0);
        assert_eq!(t.count(n - 1), t.cdf.len() as u32 - 1);
        // Mean from the table.
        let mut prev = 0u64;
        let mut mean = 0.0;
        for (j, &c) in t.cdf.iter().enumerate() {
            mean += j as f64 * (c - prev) as f64 / n as f64;
            prev = c;
        }
        assert!((mean - 1.5).abs() < 1e-8, "{mean}");
    }

    /// Phi^-1 at `p`, computed with mpmath at 50 digits and rounded to f64.
    const NORMAL_QUANTILES: [(f64, f64); 8] = [
        (0.4, -0.253_347_103_135_799_8),
        (0.25, -0.674_489_750_196_081_7),
        (0.1, -1.281_551_565_544_600_4),
        (0.01, -2.326_347_874_040_841),
        (1e-4, -3.719_016_485_455_680_4),
        (7.629_394_531_25e-6, -4.324_919_040_826_046), // 2^-17, the end of the table
        (1e-10, -6.361_340_902_404_057),
        (1e-20, -9.262_340_089_798_407),
    ];

    #[test]
    fn normal_quantile_matches_reference_values() {
        for (p, want) in NORMAL_QUANTILES {
            let got = normal_quantile(p);
            assert!(((got - want) / want).abs() <= 4.0 * f64::EPSILON, "p = {p}: {got} vs {want}");
        }
        for p in [0.25, 2f64.powi(-17)] {
            assert_eq!(normal_quantile(1.0 - p), -normal_quantile(p));
        }
        assert_eq!(normal_quantile(0.5), 0.0);
        assert_eq!(grid().z[0], -normal_quantile(7.629_394_531_25e-6));
        assert_eq!(bin_end(0), 7.629_394_531_25e-6);
    }

    /// P(Z > x), accurate in the upper tail.
    fn normal_sf(x: f64) -> f64 {
        0.5 * libm::erfc(x / std::f64::consts::SQRT_2)
    }

    /// P(a < Z < b), without cancellation on either side.
    fn normal_mass(a: f64, b: f64) -> f64 {
        if a >= 0.0 { normal_sf(a) - normal_sf(b) } else { normal_sf(-b) - normal_sf(-a) }
    }

    /// The exact lognormal quantile at distance `v` from the lower or upper end.
    fn exact_at(median: f64, sigma: f64, v: f64, upper: bool) -> f64 {
        let z = -normal_quantile(v);
        median * libm::exp(if upper { sigma * z } else { -sigma * z })
    }

    /// The largest relative deviation of the table from the exact quantile
    /// function, at 17 points of every bin, both halves.
    fn table_error(sigma: f64) -> f64 {
        let l = LogNormal::new(1.0, sigma);
        let bins = l.bins.as_ref().expect("sigma > 0");
        let mut worst = 0.0f64;
        for i in 0..BINS_PER_SIDE {
            let (v0, w) = (bin_end(i), octave_bin_width(octave_of(i)));
            for k in 0..=16 {
                let t = k as f64 / 16.0;
                for upper in [false, true] {
                    let got = bins[2 * i + upper as usize].at(t);
                    let want = exact_at(1.0, sigma, v0 + t * w, upper);
                    worst = worst.max((got / want - 1.0).abs());
                }
            }
        }
        worst
    }

    /// The documented accuracy of the table (see [`LogNormal`]), by sigma.
    const TABLE_ERROR: [(f64, f64); 5] = [(0.25, 2e-10), (0.5, 5e-10), (1.0, 2e-9), (2.0, 1e-8), (4.0, 6e-8)];

    #[test]
    fn lognormal_table_matches_the_exact_quantiles() {
        for (sigma, bound) in TABLE_ERROR {
            let e = table_error(sigma);
            println!("sigma {sigma}: largest relative deviation {e:.2e}");
            assert!(e <= bound, "sigma {sigma}: {e:e}");
        }
    }

    /// The relative errors of the mean and the variance of the sampled
    /// distribution (the table, plus the exact tails) against the lognormal's.
    fn moment_errors(sigma: f64) -> (f64, f64) {
        let l = LogNormal::new(1.0, sigma);
        let (bins, g) = (l.bins.as_ref().expect("sigma > 0"), grid());
        // Gauss-Legendre with 4 points on [0, 1], exact for the square of a cubic.
        let (x1, x2, w1, w2) =
            (0.339_981_043_584_856_3, 0.861_136_311_594_052_6, 0.652_145_154_862_546_1, 0.347_854_845_137_453_9);
        let gauss = [(0.5 - 0.5 * x1, w1), (0.5 + 0.5 * x1, w1), (0.5 - 0.5 * x2, w2), (0.5 + 0.5 * x2, w2)];
        // The table's first and second moments minus the exact ones, bin by
        // bin: the exact partial moments of exp(k sigma Z) over a Z interval
        // are exp(k^2 sigma^2 / 2) P(a - k sigma < Z < b - k sigma).
        let (mut d1, mut d2) = (0.0, 0.0);
        for i in 0..BINS_PER_SIDE {
            let w = octave_bin_width(octave_of(i));
            for upper in [false, true] {
                let c = &bins[2 * i + upper as usize];
                let m1 = c.0[0] + c.0[1] / 2.0 + c.0[2] / 3.0 + c.0[3] / 4.0;
                let m2: f64 = gauss.iter().map(|&(t, wt)| 0.5 * wt * c.at(t) * c.at(t)).sum();
                let (a, b) = if upper { (g.z[i + 1], g.z[i]) } else { (-g.z[i], -g.z[i + 1]) };
                d1 += w * m1 - libm::exp(sigma * sigma / 2.0) * normal_mass(a - sigma, b - sigma);
                d2 += w * m2 - libm::exp(2.0 * sigma * sigma) * normal_mass(a - 2.0 * sigma, b - 2.0 * sigma);
            }
        }
        let mean = libm::exp(sigma * sigma / 2.0);
        let var = libm::exp(2.0 * sigma * sigma) - mean * mean;
        (d1 / mean, (d2 - 2.0 * mean * d1 - d1 * d1) / var)
    }

    #[test]
    fn lognormal_table_keeps_the_mean_and_variance() {
        for (sigma, _) in TABLE_ERROR {
            let (mean, var) = moment_errors(sigma);
            println!("sigma {sigma}: relative error of the mean {mean:.1e}, of the variance {var:.1e}");
            assert!(mean.abs() < 1e-9 && var.abs() < 1e-9, "sigma {sigma}: {mean:e}, {var:e}");
        }
    }

    /// An RNG that returns one word, to read the table at chosen points.
    struct Word(u64);

    impl rand::TryRng for Word {
        type Error = std::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.0 as u32)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(self.0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.fill(0);
            Ok(())
        }
    }

    #[test]
    fn a_random_word_is_read_as_its_quantile() {
        let (median, sigma) = (3.0, 1.0);
        let l = LogNormal::new(median, sigma);
        let tol = TABLE_ERROR[2].1;
        let close = |got: f64, want: f64| ((got - want) / want).abs() <= tol;
        // Chosen points: just below the median, the quartiles, 2^-8.
        assert!(close(l.sample(&mut Word((1 << 63) - 1)), median));
        assert!(close(l.sample(&mut Word(1 << 62)), exact_at(median, sigma, 0.25, false)));
        assert!(close(l.sample(&mut Word(3 << 62)), exact_at(median, sigma, 0.25, true)));
        assert!(close(l.sample(&mut Word(1 << 56)), exact_at(median, sigma, 2f64.powi(-8), false)));
        // Any word outside the deep tails: u = v or 1 - v with v = (word mod 2^63) / 2^64.
        let mut rng = crate::rng::process_rng(3, 0);
        for _ in 0..100_000 {
            let r = rng.next_u64();
            let x = r & (u64::MAX >> 1);
            if x < 1 << (63 - OCTAVES) {
                continue;
            }
            let want = exact_at(median, sigma, x as f64 / 2f64.powi(64), r >> 63 == 1);
            let got = l.sample(&mut Word(r));
            assert!(close(got, want), "{r:#x}: {got} vs {want}");
        }
    }

    #[test]
    fn lognormal_draws_match_the_exact_distribution() {
        let (median, sigma) = (2.0, 0.8);
        let l = LogNormal::new(median, sigma);
        let mut rng = crate::rng::process_rng(1, 0);
        let n = 1_000_000;
        let draws: Vec<f64> = (0..n).map(|_| l.sample(&mut rng)).collect();
        let n = n as f64;
        // Quantiles: the number of draws below the exact p-quantile is
        // Binomial(n, p); allow 5 of its standard deviations. P0.01 and
        // P99.99 check that the tails are reached with the right mass.
        for p in [1e-4, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0 - 1e-4] {
            let q = median * libm::exp(sigma * normal_quantile(p));
            let below = draws.iter().filter(|&&x| x < q).count() as f64;
            let sd = (n * p * (1.0 - p)).sqrt();
            assert!((below - n * p).abs() <= 5.0 * sd, "P{}: {below} draws below {q}, expected {}", 100.0 * p, n * p);
        }
        // The draws beyond the table (|Z| > 4.32, probability 2^-16): Poisson-like count.
        let z0 = grid().z[0];
        let (lo, hi) = (median * libm::exp(-sigma * z0), median * libm::exp(sigma * z0));
        let beyond = draws.iter().filter(|&&x| x < lo || x > hi).count() as f64;
        let expected = n * 2f64.powi(-16);
        assert!(beyond > 0.0 && (beyond - expected).abs() <= 5.0 * expected.sqrt(), "{beyond} beyond the table");
        // The mean, within 4 of its standard errors.
        let mean = draws.iter().sum::<f64>() / n;
        let want = median * libm::exp(sigma * sigma / 2.0);
        let var = median * median * libm::exp(sigma * sigma) * (libm::exp(sigma * sigma) - 1.0);
        let se = (var / n).sqrt();
        assert!((mean - want).abs() <= 4.0 * se, "mean {mean}, want {want} +- {se}");
    }

    #[test]
    fn the_tail_beyond_the_table_is_the_normal_tail() {
        let a = grid().z[0];
        let mut rng = crate::rng::process_rng(2, 0);
        let n = 100_000;
        let draws: Vec<f64> = (0..n).map(|_| normal_tail(a, &mut rng)).collect();
        assert!(draws.iter().all(|&z| z >= a));
        // P(Z > a + d | Z > a), within 5 binomial standard deviations.
        let n = n as f64;
        for d in [0.02, 0.1, 0.25, 0.5, 1.0] {
            let p = normal_sf(a + d) / normal_sf(a);
            let above = draws.iter().filter(|&&z| z > a + d).count() as f64;
            let sd = (n * p * (1.0 - p)).sqrt();
            assert!((above - n * p).abs() <= 5.0 * sd, "d = {d}: {above}, expected {}", n * p);
        }
    }

    #[test]
    fn lognormal_draws_are_deterministic() {
        let l = LogNormal::new(3.0, 0.7);
        let draws = |seed| {
            let mut rng = crate::rng::process_rng(seed, 0);
            (0..6).map(|_| l.sample(&mut rng)).collect::<Vec<f64>>()
        };
        assert_eq!(draws(1), draws(1));
        assert_ne!(draws(1), draws(2));
        // Pins the values: a change here changes every published result.
        insta::assert_debug_snapshot!(draws(1));
    }

    #[test]
    fn degenerate_lognormal_uses_no_randomness() {
        let mut rng = crate::rng::process_rng(1, 0);
        let next = rng.clone().next_u64();
        assert_eq!(LogNormal::new(2.0, 0.0).sample(&mut rng), 2.0);
        assert_eq!(LogNormal::new(0.0, 1.5).sample(&mut rng), 0.0);
        assert_eq!(rng.next_u64(), next);
    }

    #[test]
    fn huge_sigma_overflows_to_infinity_not_nan() {
        let l = LogNormal::new(1.0, 300.0);
        let mut rng = crate::rng::process_rng(1, 0);
        let draws: Vec<f64> = (0..100_000).map(|_| l.sample(&mut rng)).collect();
        assert!(draws.iter().all(|x| *x >= 0.0));
        assert!(draws.contains(&f64::INFINITY));
    }

    #[test]
    fn saturating_channel_costs_cost_per_signup_at_first() {
        let c = Channel {
            spend_per_month: 0.0,
            spend_growth_per_month: 0.0,
            cost_per_signup: 10.0,
            max_signups_per_month: Some(1000.0),
        };
        assert!((c.signups_for(1.0) - 0.1).abs() < 1e-4);
        assert!(c.signups_for(1e9) <= 1000.0);
        let linear = Channel { max_signups_per_month: None, ..c };
        assert_eq!(linear.signups_for(500.0), 50.0);
    }
}
