//! The live throughput chart: users done per second over the last minutes, as a sparkline.

use std::collections::VecDeque;

use crate::decimal::fixed;

/// Users done, sampled over time.
#[derive(Clone, Debug, PartialEq)]
pub struct Samples {
    points: VecDeque<(f64, usize)>,
    span_ms: f64,
}

/// A sparkline ready to draw: SVG `points`, the highest rate drawn and the latest one.
#[derive(Clone, Debug, PartialEq)]
pub struct Sparkline {
    pub points: String,
    /// The top of the chart, users/s (a round whole number at or above the highest rate).
    pub max_per_s: f64,
    pub latest_per_s: f64,
}

impl Samples {
    /// Keeps samples of the last `span_ms`.
    pub fn new(span_ms: f64) -> Self {
        Samples {
            points: VecDeque::new(),
            span_ms,
        }
    }

    /// Records that `done` users had an outcome at `now_ms`.
    pub fn push(&mut self, now_ms: f64, done: usize) {
        if self.points.back().is_some_and(|(t, _)| now_ms <= *t) {
            return;
        }
        self.points.push_back((now_ms, done));
        while self
            .points
            .front()
            .is_some_and(|(t, _)| *t < now_ms - self.span_ms)
        {
            self.points.pop_front();
        }
    }

    /// Users per second between consecutive samples, at the later sample's time.
    pub fn rates(&self) -> Vec<(f64, f64)> {
        self.points
            .iter()
            .zip(self.points.iter().skip(1))
            .map(|((t0, d0), (t1, d1))| (*t1, d1.saturating_sub(*d0) as f64 * 1000.0 / (t1 - t0)))
            .collect()
    }

    /// The rates drawn in a `width` × `height` box whose right edge is `now_ms`, with the time
    /// axis spanning the kept span; `None` until there are two samples.
    pub fn sparkline(&self, now_ms: f64, width: f64, height: f64) -> Option<Sparkline> {
        let rates = self.rates();
        let latest_per_s = rates.last()?.1;
        let highest = rates.iter().map(|r| r.1).fold(0.0, f64::max);
        let max_per_s = nice_ceiling(highest);
        let points = rates
            .iter()
            .map(|(t, r)| {
                let x = width - (now_ms - t) / self.span_ms * width;
                let y = height - r / max_per_s * height;
                format!(
                    "{},{}",
                    fixed(x.clamp(0.0, width), 1),
                    fixed(y.clamp(0.0, height), 1)
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        Some(Sparkline {
            points,
            max_per_s,
            latest_per_s,
        })
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `value` (at least 1).
fn nice_ceiling(value: f64) -> f64 {
    let mut step = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if m * step >= value {
                return m * step;
            }
        }
        step *= 10.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_users_per_second_between_samples() {
        let mut s = Samples::new(60_000.0);
        s.push(0.0, 0);
        s.push(1_000.0, 50);
        s.push(3_000.0, 150);
        s.push(3_000.0, 999);
        assert_eq!(s.rates(), [(1_000.0, 50.0), (3_000.0, 50.0)]);
    }

    #[test]
    fn old_samples_fall_out_of_the_window() {
        let mut s = Samples::new(10_000.0);
        for t in 0..30 {
            s.push(t as f64 * 1_000.0, t * 10);
        }
        assert_eq!(s.rates().len(), 10);
        assert!(s.rates().iter().all(|(_, r)| *r == 10.0));
    }

    #[test]
    fn the_sparkline_fits_its_box_with_a_round_top() {
        let mut s = Samples::new(60_000.0);
        s.push(0.0, 0);
        s.push(30_000.0, 3_600);
        s.push(60_000.0, 5_400);
        let line = s.sparkline(60_000.0, 600.0, 100.0).unwrap();
        assert_eq!(line.max_per_s, 200.0);
        assert_eq!(line.latest_per_s, 60.0);
        assert_eq!(line.points, "300.0,40.0 600.0,70.0");
        assert!(Samples::new(1.0).sparkline(0.0, 1.0, 1.0).is_none());
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(501.0), 1000.0);
    }

    #[test]
    fn ceilings_up_to_a_quadrillion_are_whole_numbers_written_like_std_display() {
        let mut value = 0.5;
        while value < 1e15 {
            let top = nice_ceiling(value);
            assert_eq!(fixed(top, 0), format!("{top}"));
            value = top * 1.5;
        }
    }
}
