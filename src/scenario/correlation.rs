//! Correlated uncertain inputs, by the Iman-Conover method.
//!
//! Iman & Conover, "A distribution-free approach to inducing rank
//! correlation among input variables", Communications in Statistics B 11
//! (1982). Every run's values are first drawn independently, as for
//! uncorrelated inputs; then, across the runs, the values of the correlated
//! parameters are reordered (each parameter's set of values is kept, so its
//! distribution is exactly what the scenario says) so that their rank
//! correlations match the requested ones:
//!
//! 1. normal scores `Φ⁻¹(i / (n + 1))`, `i = 1..n`, are permuted at random,
//!    one permutation per parameter, into an `n x k` matrix `R`;
//! 2. with `T` the correlation matrix of `R` and `C` the target Pearson
//!    correlation of the scores (`2 sin(π ρ / 6)` for a rank correlation
//!    `ρ`, the normal-copula relation), `R* = R (Q⁻¹)ᵀ Pᵀ` where `T = Q Qᵀ`
//!    and `C = P Pᵀ` (Cholesky) has correlation `C` exactly;
//! 3. each parameter's values are sorted and given to the runs in the rank
//!    order of its column of `R*`.
//!
//! All arithmetic is `libm` or plain floating point, so the reordering is
//! the same on every platform.

use rand::seq::SliceRandom;

use crate::rng;

/// `Φ⁻¹(p)`, the standard normal quantile, for `0 < p < 1`: Acklam's rational
/// approximation (relative error 1.15e-9) refined by one Halley step on
/// `libm::erfc`, which brings it to full double precision.
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

/// The correlated parameters (in registry order) and their target
/// rank-correlation matrix (1 on the diagonal, 0 for pairs not named).
pub fn target(pairs: &[super::Correlation]) -> (Vec<super::ParamId>, Vec<Vec<f64>>) {
    let mut ids: Vec<super::ParamId> = pairs.iter().flat_map(|c| [c.a, c.b]).collect();
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    let mut m = vec![vec![0.0; ids.len()]; ids.len()];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    let at = |id: super::ParamId| ids.iter().position(|x| *x == id).expect("listed");
    for c in pairs {
        let (i, j) = (at(c.a), at(c.b));
        m[i][j] = c.rank;
        m[j][i] = c.rank;
    }
    (ids, m)
}

/// Lower Cholesky factor of a symmetric matrix, or `None` if it is not
/// positive definite.
pub fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - s;
                if d <= 1e-12 {
                    return None;
                }
                l[i][j] = libm::sqrt(d);
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// The Pearson correlation matrix of the scores giving rank correlations
/// `rank` under a normal copula: `2 sin(π ρ / 6)`.
pub fn score_correlation(rank: &[Vec<f64>]) -> Vec<Vec<f64>> {
    rank.iter().map(|row| row.iter().map(|&r| 2.0 * libm::sin(core::f64::consts::PI * r / 6.0)).collect()).collect()
}

fn correlation_matrix(cols: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = cols[0].len() as f64;
    let centred: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| {
            let m = c.iter().sum::<f64>() / n;
            c.iter().map(|x| x - m).collect()
        })
        .collect();
    let norm: Vec<f64> = centred.iter().map(|c| libm::sqrt(c.iter().map(|x| x * x).sum())).collect();
    (0..cols.len())
        .map(|i| {
            (0..cols.len())
                .map(|j| {
                    if i == j {
                        1.0
                    } else {
                        centred[i].iter().zip(&centred[j]).map(|(a, b)| a * b).sum::<f64>() / (norm[i] * norm[j])
                    }
                })
                .collect()
        })
        .collect()
}

/// Solves `L x = b` for lower-triangular `L`.
fn forward(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; b.len()];
    for i in 0..b.len() {
        let s: f64 = (0..i).map(|k| l[i][k] * x[k]).sum();
        x[i] = (b[i] - s) / l[i][i];
    }
    x
}

/// Reorders `columns` (one per correlated parameter, one value per run) so
/// that their rank correlations approach `target` (a positive definite
/// rank-correlation matrix). `labels` key the random permutations.
pub fn iman_conover(columns: &mut [Vec<f64>], target: &[Vec<f64>], seed: u64, labels: &[String]) {
    let k = columns.len();
    let n = columns.first().map_or(0, Vec::len);
    if k < 2 || n < 3 {
        return;
    }
    let scores: Vec<f64> = (1..=n).map(|i| normal_quantile(i as f64 / (n + 1) as f64)).collect();
    let r: Vec<Vec<f64>> = labels
        .iter()
        .map(|label| {
            let mut s = scores.clone();
            s.shuffle(&mut rng::param_rng(seed, u64::MAX - 1, &format!("iman-conover:{label}")));
            s
        })
        .collect();
    let (Some(q), Some(p)) = (cholesky(&correlation_matrix(&r)), cholesky(&score_correlation(target))) else {
        return;
    };
    // Row by row: r* = P Q⁻¹ r.
    let mut adjusted = vec![vec![0.0; n]; k];
    for run in 0..n {
        let row: Vec<f64> = (0..k).map(|j| r[j][run]).collect();
        let z = forward(&q, &row);
        for j in 0..k {
            adjusted[j][run] = (0..=j).map(|m| p[j][m] * z[m]).sum();
        }
    }
    for (col, adj) in columns.iter_mut().zip(&adjusted) {
        let mut values = col.clone();
        values.sort_by(f64::total_cmp);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| adj[a].total_cmp(&adj[b]).then(a.cmp(&b)));
        for (rank, &run) in order.iter().enumerate() {
            col[run] = values[rank];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_is_exact() {
        // Reference values (R: qnorm).
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.05, -1.644_853_626_951_472_2),
            (1e-6, -4.753_424_308_822_899),
            (0.999, 3.090_232_306_167_813_5),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-12, "p = {p}: {} vs {z}", normal_quantile(p));
        }
    }

    #[test]
    fn cholesky_rejects_inconsistent_correlations() {
        let ok = vec![vec![1.0, 0.5], vec![0.5, 1.0]];
        let l = cholesky(&ok).unwrap();
        assert!((l[1][0] - 0.5).abs() < 1e-15 && (l[1][1] - 0.75f64.sqrt()).abs() < 1e-15);
        let bad = vec![vec![1.0, 0.9, -0.9], vec![0.9, 1.0, 0.9], vec![-0.9, 0.9, 1.0]];
        assert!(cholesky(&bad).is_none());
    }
}
