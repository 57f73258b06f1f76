//! The outcome breakdown as one stacked bar: a segment per outcome, as wide as its share.

/// One outcome and how many users (or rows) have it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// A stable key for styling (`removed`, `failed`, …).
    pub key: &'static str,
    pub label: String,
    pub count: usize,
}

/// A drawn segment of the bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub key: &'static str,
    pub label: String,
    pub count: usize,
    /// Left edge and width, in the bar's units.
    pub x: f64,
    pub width: f64,
    /// Share of the total in tenths of a percent (0–1000), rounded.
    pub per_mille: u32,
}

/// Lays the parts with a count out along a bar `width` wide, in order. Every part with a count
/// stays visible (at least `min_width` wide); the others give way in proportion.
pub fn stacked(parts: &[Part], width: f64, min_width: f64) -> Vec<Segment> {
    let total: usize = parts.iter().map(|p| p.count).sum();
    let shown: Vec<&Part> = parts.iter().filter(|p| p.count > 0).collect();
    if total == 0 || shown.is_empty() {
        return Vec::new();
    }
    let raw: Vec<f64> = shown
        .iter()
        .map(|p| width * p.count as f64 / total as f64)
        .collect();
    let small: f64 = raw.iter().filter(|w| **w < min_width).count() as f64 * min_width;
    let large: f64 = raw.iter().filter(|w| **w >= min_width).sum();
    let scale = if large > 0.0 {
        ((width - small) / large).max(0.0)
    } else {
        1.0
    };
    let mut x = 0.0;
    shown
        .iter()
        .zip(raw)
        .map(|(p, w)| {
            let w = if w < min_width { min_width } else { w * scale };
            let segment = Segment {
                key: p.key,
                label: p.label.clone(),
                count: p.count,
                x,
                width: w,
                per_mille: (p.count as f64 * 1000.0 / total as f64).round() as u32,
            };
            x += w;
            segment
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(key: &'static str, count: usize) -> Part {
        Part {
            key,
            label: key.to_string(),
            count,
        }
    }

    #[test]
    fn segments_share_the_width_in_proportion_and_skip_empty_outcomes() {
        let s = stacked(
            &[
                part("removed", 75),
                part("failed", 0),
                part("not-found", 25),
            ],
            400.0,
            2.0,
        );
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].key, s[0].x, s[0].width, s[0].per_mille),
            ("removed", 0.0, 300.0, 750)
        );
        assert_eq!(
            (s[1].key, s[1].x, s[1].width, s[1].per_mille),
            ("not-found", 300.0, 100.0, 250)
        );
    }

    #[test]
    fn a_single_failure_among_thousands_stays_visible_and_the_bar_keeps_its_width() {
        let s = stacked(&[part("removed", 39_999), part("failed", 1)], 400.0, 3.0);
        assert_eq!(s[1].width, 3.0);
        let end = s[1].x + s[1].width;
        assert!((end - 400.0).abs() < 1e-9, "{end}");
        assert_eq!(s[1].per_mille, 0);
    }

    #[test]
    fn nothing_to_draw_without_counts() {
        assert!(stacked(&[part("removed", 0)], 400.0, 2.0).is_empty());
    }
}
