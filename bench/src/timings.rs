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

#[cfg(test)]
mod tests {
    #[test]
    fn median_and_fastest() {
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::fastest(&[3.0, 1.0, 2.0]), 1.0);
        assert!(super::median(&[]).is_nan());
    }
}
