//! Summaries of repeated wall-time measurements, for the benchmark binaries.

/// The middle value (the upper one of an even count); NaN for no values.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The fastest run; NaN for no values.
pub fn fastest(values: &[f64]) -> f64 {
    values.iter().copied().reduce(f64::min).unwrap_or(f64::NAN)
}

/// The `p`th percentile (nearest rank) of `values`; NaN for no values.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.clamp(1, sorted.len().max(1)) - 1)
        .copied()
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_and_fastest() {
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::fastest(&[3.0, 1.0, 2.0]), 1.0);
        assert!(super::median(&[]).is_nan());
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(super::percentile(&values, 50.0), 50.0);
        assert_eq!(super::percentile(&values, 99.0), 99.0);
        assert_eq!(super::percentile(&values, 100.0), 100.0);
        assert_eq!(super::percentile(&[7.0], 99.0), 7.0);
        assert!(super::percentile(&[], 99.0).is_nan());
    }
}
