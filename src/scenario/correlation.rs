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
use crate::sampling::normal_quantile;

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
