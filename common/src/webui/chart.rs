//! Charts drawn on the server as inline SVG (capacity bars, histograms, timelines), and
//! the placeholders the page's script fills with line charts of a daemon's [`super::series`].

use maud::{Markup, html};

/// One part of a [`share_bar`]: label, amount, and the CSS class that colors it.
pub struct Share<'a> {
    pub label: &'a str,
    pub amount: f64,
    pub class: &'a str,
}

/// A horizontal bar split into `shares` of their total, with a legend giving each
/// share's `describe(amount)` (capacity used / non-DFS used / remaining, memory used /
/// available).
pub fn share_bar(title: &str, shares: &[Share<'_>], describe: impl Fn(f64) -> String) -> Markup {
    let total: f64 = shares.iter().map(|share| share.amount.max(0.0)).sum();
    let widths: Vec<f64> = shares
        .iter()
        .map(|share| {
            if total > 0.0 {
                100.0 * share.amount.max(0.0) / total
            } else {
                0.0
            }
        })
        .collect();
    let offsets: Vec<f64> = widths
        .iter()
        .scan(0.0, |offset, width| {
            let start = *offset;
            *offset += width;
            Some(start)
        })
        .collect();
    html! {
        figure.chart.share {
            figcaption { (title) }
            svg viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label=(title) {
                @for ((share, width), offset) in shares.iter().zip(&widths).zip(&offsets) {
                    rect class=(share.class) x=(format!("{offset:.3}")) y="0" width=(format!("{width:.3}")) height="6" {
                        title { (share.label) ": " (describe(share.amount)) }
                    }
                }
            }
            ul.legend {
                @for share in shares {
                    li { span.swatch class=(share.class) {} (share.label) ": " (describe(share.amount))
                        " (" (super::format::percent(share.amount, total)) ")" }
                }
            }
        }
    }
}

/// A histogram of `values` (each 0 to 100, such as each DataNode's percent used) in ten
/// buckets of ten percent, as Hadoop's DataNode usage histogram.
pub fn percent_histogram(title: &str, values: &[f64]) -> Markup {
    let mut buckets = [0usize; 10];
    for value in values {
        let bucket = ((value.clamp(0.0, 100.0) / 10.0) as usize).min(9);
        buckets[bucket] += 1;
    }
    let highest = buckets.iter().copied().max().unwrap_or(0).max(1) as f64;
    html! {
        figure.chart.histogram {
            figcaption { (title) }
            svg viewBox="0 0 220 120" role="img" aria-label=(title) {
                line.axis x1="10" y1="100" x2="210" y2="100" {}
                @for (index, count) in buckets.iter().enumerate() {
                    @let height = 90.0 * *count as f64 / highest;
                    @let x = 10.0 + 20.0 * index as f64;
                    rect.bar x=(format!("{:.1}", x + 2.0)) y=(format!("{:.1}", 100.0 - height)) width="16" height=(format!("{height:.1}")) {
                        title { (index * 10) "-" (index * 10 + 10) "%: " (count) }
                    }
                    @if *count > 0 {
                        text.count x=(format!("{:.1}", x + 10.0)) y=(format!("{:.1}", 97.0 - height)) { (count) }
                    }
                    text.tick x=(format!("{:.1}", x + 10.0)) y="112" { (index * 10) }
                }
                text.tick x="210" y="112" { "100" }
            }
            figcaption.axis-label { "Disk usage of each node (%)" }
        }
    }
}

/// One bar of a [`timeline`]: what it is, when it started and ended (milliseconds since
/// the epoch; an end of 0 or less is still running), and the CSS class that colors it.
pub struct Span<'a> {
    pub label: &'a str,
    pub start: i64,
    pub end: i64,
    pub class: &'a str,
}

/// A timeline of `spans`, one row each, such as a job's tasks from start to finish; `now`
/// closes the spans still running.
pub fn timeline(title: &str, spans: &[Span<'_>], now: i64) -> Markup {
    let end_of = |span: &Span<'_>| if span.end > 0 { span.end } else { now };
    let first = spans.iter().map(|span| span.start).min().unwrap_or(now);
    let last = spans.iter().map(end_of).max().unwrap_or(now).max(first + 1);
    let scale = 1000.0 / (last - first) as f64;
    let row = 14.0;
    let height = row * spans.len().max(1) as f64 + 20.0;
    html! {
        figure.chart.timeline {
            figcaption { (title) " · " (super::format::duration(last - first)) }
            svg viewBox=(format!("0 0 1200 {height:.0}")) role="img" aria-label=(title) {
                @for (index, span) in spans.iter().enumerate() {
                    @let y = row * index as f64;
                    @let x = 200.0 + scale * (span.start - first) as f64;
                    @let width = (scale * (end_of(span) - span.start) as f64).max(1.0);
                    text.tick x="195" y=(format!("{:.1}", y + 10.0)) text-anchor="end" { (span.label) }
                    rect class=(span.class) x=(format!("{x:.1}")) y=(format!("{:.1}", y + 2.0)) width=(format!("{width:.1}")) height="10" {
                        title { (span.label) ": " (super::format::duration(end_of(span) - span.start)) }
                    }
                }
                text.tick x="200" y=(format!("{:.0}", height - 4.0)) { "0s" }
                text.tick x="1195" y=(format!("{:.0}", height - 4.0)) text-anchor="end" { (super::format::duration(last - first)) }
            }
        }
    }
}

/// A line chart the page's script draws from the daemon's series named `names` (read at
/// [`super::series::SERIES_PATH`] and refreshed); with `rate`, each point is the change per
/// second of a counter rather than its value.
pub fn live_line(title: &str, names: &[&str], rate: bool, unit: &str) -> Markup {
    html! {
        figure.chart.line data-series=(names.join(",")) data-rate=(rate) data-unit=(unit) {
            figcaption { (title) }
            svg viewBox="0 0 600 160" role="img" aria-label=(title) {}
            ul.legend {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_each_bucket() {
        let svg = percent_histogram("Usage", &[5.0, 7.0, 55.0, 100.0]).into_string();
        assert!(svg.contains("<title>0-10%: 2</title>"), "{svg}");
        assert!(svg.contains("<title>50-60%: 1</title>"));
        assert!(svg.contains("<title>90-100%: 1</title>"));
    }

    #[test]
    fn labels_in_charts_are_escaped() {
        let spans = [Span {
            label: "<b>task</b>",
            start: 1,
            end: 0,
            class: "map",
        }];
        let svg = timeline("Tasks", &spans, 5000).into_string();
        assert!(svg.contains("&lt;b&gt;task"), "{svg}");
        let bar = share_bar(
            "Capacity",
            &[Share {
                label: "Used",
                amount: 1.0,
                class: "used",
            }],
            |amount| amount.to_string(),
        )
        .into_string();
        assert!(bar.contains("Used: 1 (100.00%)"), "{bar}");
    }
}
