//! The linear assignment problem by shortest augmenting paths (Jonker & Volgenant 1987, in the
//! form of Crouse 2016 that SciPy's `linear_sum_assignment` uses): one Dijkstra search on reduced
//! costs per row, dual potentials `u` (rows) and `v` (columns) kept feasible throughout, so the
//! assignment found is optimal. It is a combinatorial algorithm: the only rounding is in the
//! reduced costs that order the search, and the returned cost is summed from the original costs.
//!
//! Before the searches, a forward auction with eps-scaling (Bertsekas 1988) computes column
//! prices close to the optimal duals; they only warm-start the searches (any starting `v` is
//! valid, since no row is assigned yet), which then stay short. Optimality never depends on the
//! auction.
//!
//! Time O(n^3) in the worst case; memory O(n) beyond what the cost oracle holds.

/// The cost of assigning row `i` to column `j`.
pub(crate) trait CostRows {
    /// Number of rows (= columns).
    fn size(&self) -> usize;
    /// Writes `cost(i, j)` into `out[k]` for every column `j = cols[k]`.
    fn row(&self, i: usize, cols: &[usize], out: &mut [f64]);
}

const NONE: usize = usize::MAX;

/// Auction phases shrink eps by this factor, from a tenth of the cost scale to `scale / (10 n)`.
const AUCTION_FACTOR: f64 = 6.0;
/// Bid budget of one auction phase, per row (a guard: the prices are only a warm start).
const BIDS_PER_ROW: usize = 64;

/// Column prices from a forward auction with eps-scaling (Bertsekas): each free row bids for its
/// cheapest column `j1` (reduced cost `c(i, j) - v(j)`), lowering `v(j1)` by the gap to its
/// second-cheapest plus eps, and evicts the previous owner. The final assignment is only
/// eps-optimal, so it is discarded: the prices `v` warm-start the exact searches, which then
/// find each row's column in a few steps instead of exploring most of the columns.
fn auction_prices(costs: &impl CostRows, v: &mut [f64]) {
    let n = costs.size();
    if n < 2 {
        return;
    }
    let all: Vec<usize> = (0..n).collect();
    let mut row = vec![0.0f64; n];
    costs.row(0, &all, &mut row);
    let scale = row.iter().fold(0.0f64, |m, &c| m.max(c.abs()));
    if !(scale > 0.0 && scale.is_finite()) {
        return;
    }
    let final_eps = scale / (10.0 * n as f64);
    let mut eps = scale / 10.0;
    let mut owner = vec![NONE; n];
    loop {
        owner.iter_mut().for_each(|o| *o = NONE);
        let mut free: Vec<usize> = (0..n).rev().collect();
        let mut budget = BIDS_PER_ROW * n;
        while let Some(i) = free.pop() {
            if budget == 0 {
                break;
            }
            budget -= 1;
            costs.row(i, &all, &mut row);
            let (mut best, mut second, mut j1) = (f64::INFINITY, f64::INFINITY, 0);
            for (j, (&c, &vj)) in row.iter().zip(v.iter()).enumerate() {
                let h = c - vj;
                if h < second {
                    if h < best {
                        (second, best, j1) = (best, h, j);
                    } else {
                        second = h;
                    }
                }
            }
            v[j1] -= second - best + eps;
            let previous = std::mem::replace(&mut owner[j1], i);
            if previous != NONE {
                free.push(previous);
            }
        }
        if eps <= final_eps {
            break;
        }
        eps = (eps / AUCTION_FACTOR).max(final_eps);
    }
}

/// An optimal permutation: `col_of_row[i]` is the column assigned to row `i`; `None` when a
/// search finds no column of finite reduced cost (costs that are not finite numbers).
pub(crate) fn solve(costs: &impl CostRows) -> Option<Vec<usize>> {
    let n = costs.size();
    let (mut u, mut v) = (vec![0.0f64; n], vec![0.0f64; n]);
    let (mut col_of_row, mut row_of_col) = (vec![NONE; n], vec![NONE; n]);
    auction_prices(costs, &mut v);
    let mut shortest = vec![f64::INFINITY; n];
    let mut path = vec![NONE; n];
    let mut remaining: Vec<usize> = Vec::with_capacity(n);
    let mut visited_rows: Vec<usize> = Vec::with_capacity(n);
    let mut done_cols: Vec<usize> = Vec::with_capacity(n);
    let mut row_costs = vec![0.0f64; n];

    for cur in 0..n {
        shortest.iter_mut().for_each(|s| *s = f64::INFINITY);
        remaining.clear();
        remaining.extend((0..n).rev());
        visited_rows.clear();
        done_cols.clear();
        let mut min_val = 0.0f64;
        let mut i = cur;
        let sink = loop {
            visited_rows.push(i);
            let c = &mut row_costs[..remaining.len()];
            costs.row(i, &remaining, c);
            let mut lowest = f64::INFINITY;
            let mut best = NONE;
            for (k, (&j, &cij)) in remaining.iter().zip(c.iter()).enumerate() {
                let r = min_val + cij - u[i] - v[j];
                if r < shortest[j] {
                    path[j] = i;
                    shortest[j] = r;
                }
                // Ties go to an unassigned column: the search ends sooner.
                if shortest[j] < lowest || (shortest[j] == lowest && row_of_col[j] == NONE) {
                    lowest = shortest[j];
                    best = k;
                }
            }
            if best == NONE {
                return None;
            }
            min_val = lowest;
            let j = remaining.swap_remove(best);
            done_cols.push(j);
            if row_of_col[j] == NONE {
                break j;
            }
            i = row_of_col[j];
        };
        // Dual update keeps every reduced cost >= 0 and the assigned ones at 0.
        u[cur] += min_val;
        for &r in &visited_rows[1..] {
            u[r] += min_val - shortest[col_of_row[r]];
        }
        for &j in &done_cols {
            v[j] -= min_val - shortest[j];
        }
        // Augment along the path back to the current row.
        let mut j = sink;
        loop {
            let r = path[j];
            row_of_col[j] = r;
            std::mem::swap(&mut col_of_row[r], &mut j);
            if r == cur {
                break;
            }
        }
    }
    Some(col_of_row)
}
