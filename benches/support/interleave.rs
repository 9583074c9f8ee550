//! Two pieces of work measured interleaved, for criterion's `iter_custom`.
//!
//! This shared machine's speed drifts by a fifth within seconds, which
//! swamps a ratio taken from two measurements made one after the other.
//! Running both in small alternating batches (taking turns at going first)
//! puts any drift on both sides.

use std::time::{Duration, Instant};

/// Runs `base` and `other` on `iters` iterations each, in alternating
/// batches of at most `batch` (each closure is told its batch size), and
/// answers the ratio of `other`'s time to `base`'s as criterion time for
/// `iters` iterations: 1 ns per iteration reads as 0.001x.
pub(crate) fn ratio_x1000(
    iters: u64,
    batch: u64,
    mut base: impl FnMut(u64),
    mut other: impl FnMut(u64),
) -> Duration {
    let (mut t_base, mut t_other) = (Duration::ZERO, Duration::ZERO);
    let timed = |f: &mut dyn FnMut(u64), n: u64, t: &mut Duration| {
        let start = Instant::now();
        f(n);
        *t += start.elapsed();
    };
    let mut done = 0;
    let mut base_first = false;
    while done < iters {
        let n = (iters - done).min(batch);
        if base_first {
            timed(&mut base, n, &mut t_base);
            timed(&mut other, n, &mut t_other);
        } else {
            timed(&mut other, n, &mut t_other);
            timed(&mut base, n, &mut t_base);
        }
        base_first = !base_first;
        done += n;
    }
    let ratio = t_other.as_secs_f64() / t_base.as_secs_f64().max(f64::MIN_POSITIVE);
    Duration::from_secs_f64(ratio * 1e-6 * iters as f64)
}
