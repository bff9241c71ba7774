//! The report's charts, drawn as inline SVG: horizontal (stacked) bar charts and the weekly trend. Hand-written:
//! they are a few rectangles, lines and labels, and a charting crate would bring a script runtime or a raster
//! backend into a file that must stay self-contained.
//!
//! Layout rule: nothing is placed where text could collide. Heights follow the number of bars, labels are cut with
//! an ellipsis to the width reserved for them (the full text stays in a tooltip), a value is written inside a
//! segment only when it fits, and axis labels are thinned to the room they need. Colours are CSS classes from the
//! report's one style block.

use super::html::{Count, Esc, Html, html};

/// The drawing width in SVG units; the SVG scales to the page width.
const WIDTH: f64 = 760.0;
/// A generous width of one character of the 12 px labels: estimates must err wide, or labels would overlap.
const CHAR_W: f64 = 7.0;
/// A generous width of one character of the 11 px axis labels.
const SMALL_CHAR_W: f64 = 6.4;

/// Room for the bar labels on the left, and for the figures after each bar on the right.
const LABEL_W: f64 = 200.0;
const NOTE_W: f64 = 180.0;
const PLOT_W: f64 = WIDTH - LABEL_W - NOTE_W;
const ROW_H: f64 = 26.0;
const BAR_H: f64 = 18.0;
const TOP: f64 = 8.0;
const AXIS_H: f64 = 42.0;

/// One part of a stacked bar.
pub(crate) struct Segment {
    /// Its length in the chart's unit.
    pub value: f64,
    /// The count written inside it when it fits.
    pub count: u64,
    /// Its CSS class (the colour).
    pub class: &'static str,
    /// The tooltip.
    pub tooltip: String,
}

/// One bar: a label, its segments, and the figures written after it.
pub(crate) struct Bar {
    pub label: String,
    pub segments: Vec<Segment>,
    pub note: String,
}

/// How bar lengths are read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    /// Every bar fills the width: segments are shares of their bar (axis 0–100 %).
    Share,
    /// Bars are counts on one axis from 0 to the largest.
    Count,
}

/// `s` cut to at most `max_chars` characters, the last one an ellipsis when it was cut.
pub(crate) fn ellipsize(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A round axis maximum at or above `max` and its tick step: steps of 1, 2 or 5 × 10ⁿ, at most about five ticks.
pub(crate) fn nice_axis(max: f64) -> (f64, f64) {
    if max <= 0.0 || !max.is_finite() {
        return (1.0, 1.0);
    }
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    let step = step.max(1.0);
    ((max / step).ceil() * step, step)
}

/// Opens a chart's `<svg>` element, full width and `height` tall, labelled for screen readers.
fn open_svg(out: &mut Html, height: f64, description: &str) {
    html!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">",
        WIDTH,
        height,
        WIDTH,
        height,
        Esc(description)
    );
}

/// A horizontal bar chart, one row per bar, stacked when a bar has several segments.
pub(crate) fn bar_chart(bars: &[Bar], scale: Scale, axis_label: &'static str, description: &str) -> Html {
    let height = TOP + bars.len() as f64 * ROW_H + AXIS_H;
    let mut out = Html::new();
    open_svg(&mut out, height, description);
    let axis_max = match scale {
        Scale::Share => 1.0,
        Scale::Count => {
            nice_axis(bars.iter().map(|b| b.segments.iter().map(|s| s.value).sum::<f64>()).fold(0.0, f64::max)).0
        }
    };
    // Grid lines and tick labels first, so bars are drawn over them.
    let plot_bottom = TOP + bars.len() as f64 * ROW_H;
    let ticks: Vec<(f64, String)> = match scale {
        Scale::Share => (0..=4).map(|i| (i as f64 / 4.0, format!("{} %", i * 25))).collect(),
        Scale::Count => {
            let (max, step) = nice_axis(axis_max);
            let n = (max / step).round() as u64;
            (0..=n).map(|i| ((i as f64 * step) / max, Count((i as f64 * step) as u64).to_string())).collect()
        }
    };
    for (at, label) in &ticks {
        let x = LABEL_W + at * PLOT_W;
        html!(out, "<line class=\"grid\" x1=\"{:.1}\" y1=\"{}\" x2=\"{:.1}\" y2=\"{:.1}\"/>", x, TOP, x, plot_bottom);
        html!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x,
            plot_bottom + 14.0,
            Esc(label)
        );
    }
    html!(
        out,
        "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        LABEL_W + PLOT_W / 2.0,
        plot_bottom + 32.0,
        axis_label
    );
    let label_chars = ((LABEL_W - 14.0) / CHAR_W) as usize;
    let note_chars = ((NOTE_W - 10.0) / CHAR_W) as usize;
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + i as f64 * ROW_H + (ROW_H - BAR_H) / 2.0;
        let text_y = y + BAR_H / 2.0 + 4.0;
        html!(out, "<g><title>{}</title>", Esc(&bar.label));
        html!(
            out,
            "<text class=\"bar-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text></g>",
            LABEL_W - 8.0,
            text_y,
            Esc(&ellipsize(&bar.label, label_chars))
        );
        let total: f64 = bar.segments.iter().map(|s| s.value).sum();
        let unit = match scale {
            Scale::Share if total > 0.0 => PLOT_W / total,
            Scale::Share => 0.0,
            Scale::Count => PLOT_W / axis_max,
        };
        let mut x = LABEL_W;
        for seg in &bar.segments {
            let w = seg.value * unit;
            if w <= 0.0 {
                continue;
            }
            html!(
                out,
                "<g><title>{}</title><rect class=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{}\"/>",
                Esc(&seg.tooltip),
                seg.class,
                x,
                y,
                w,
                BAR_H
            );
            let inside = Count(seg.count).to_string();
            if w >= inside.len() as f64 * CHAR_W + 6.0 {
                html!(
                    out,
                    "<text class=\"seg-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    x + w / 2.0,
                    text_y,
                    Esc(&inside)
                );
            }
            html!(out, "</g>");
            x += w;
        }
        html!(
            out,
            "<text class=\"note\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            LABEL_W + PLOT_W + 8.0,
            text_y,
            Esc(&ellipsize(&bar.note, note_chars))
        );
    }
    html!(out, "</svg>");
    out
}

/// One week of the trend.
pub(crate) struct WeekPoint {
    /// The week's Monday, `YYYY-MM-DD`, written under the axis.
    pub label: String,
    /// The tooltip (ISO week, rows, mean).
    pub tooltip: String,
    /// Rows dated in the week.
    pub rows: u64,
    /// Mean sentiment of its analysed rows.
    pub mean: Option<f64>,
}

const TREND_LEFT: f64 = 64.0;
const TREND_RIGHT: f64 = 64.0;
const TREND_TOP: f64 = 14.0;
const TREND_PLOT_H: f64 = 200.0;
const TREND_BOTTOM: f64 = 58.0;

/// Weekly rows as bars (left axis) and mean sentiment as a line (right axis, −1..1), one slot per week.
pub(crate) fn weekly_chart(weeks: &[WeekPoint], description: &str) -> Html {
    let plot_w = WIDTH - TREND_LEFT - TREND_RIGHT;
    let height = TREND_TOP + TREND_PLOT_H + TREND_BOTTOM;
    let bottom = TREND_TOP + TREND_PLOT_H;
    let mut out = Html::new();
    open_svg(&mut out, height, description);
    let (count_max, count_step) = nice_axis(weeks.iter().map(|w| w.rows).max().unwrap_or(0) as f64);
    let n_ticks = (count_max / count_step).round() as u64;
    for i in 0..=n_ticks {
        let value = i as f64 * count_step;
        let y = bottom - value / count_max * TREND_PLOT_H;
        html!(
            out,
            "<line class=\"grid\" x1=\"{}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\"/>",
            TREND_LEFT,
            y,
            TREND_LEFT + plot_w,
            y
        );
        html!(
            out,
            "<text class=\"tick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            TREND_LEFT - 6.0,
            y + 4.0,
            Count(value as u64)
        );
    }
    // The sentiment axis on the right: −1..1 with a dashed zero line.
    for (value, label) in [(-1.0, "\u{2212}1"), (-0.5, "\u{2212}0.5"), (0.0, "0"), (0.5, "+0.5"), (1.0, "+1")] {
        let y = bottom - (value + 1.0) / 2.0 * TREND_PLOT_H;
        html!(
            out,
            "<text class=\"tick tick-sent\" x=\"{}\" y=\"{:.1}\">{}</text>",
            TREND_LEFT + plot_w + 6.0,
            y + 4.0,
            label
        );
    }
    let zero_y = bottom - TREND_PLOT_H / 2.0;
    html!(
        out,
        "<line class=\"zero\" x1=\"{}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\"/>",
        TREND_LEFT,
        zero_y,
        TREND_LEFT + plot_w,
        zero_y
    );
    let slot = plot_w / weeks.len().max(1) as f64;
    let bar_w = (slot * 0.7).min(40.0);
    for (i, week) in weeks.iter().enumerate() {
        let h = week.rows as f64 / count_max * TREND_PLOT_H;
        let x = TREND_LEFT + i as f64 * slot + (slot - bar_w) / 2.0;
        html!(
            out,
            "<g><title>{}</title><rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/></g>",
            Esc(&week.tooltip),
            x,
            bottom - h,
            bar_w,
            h
        );
    }
    // The mean-sentiment line, broken where a week has no analysed row.
    let point = |i: usize, mean: f64| {
        (TREND_LEFT + (i as f64 + 0.5) * slot, bottom - (mean.clamp(-1.0, 1.0) + 1.0) / 2.0 * TREND_PLOT_H)
    };
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    for (i, week) in weeks.iter().enumerate() {
        match week.mean {
            Some(m) if m.is_finite() => run.push(point(i, m)),
            _ => runs.push(std::mem::take(&mut run)),
        }
    }
    runs.push(run);
    for run in runs.iter().filter(|r| r.len() > 1) {
        html!(out, "<polyline class=\"line\" points=\"");
        for &(x, y) in run {
            html!(out, "{:.1},{:.1} ", x, y);
        }
        html!(out, "\"/>");
    }
    for (i, week) in weeks.iter().enumerate() {
        if let Some(m) = week.mean.filter(|m| m.is_finite()) {
            let (x, y) = point(i, m);
            html!(
                out,
                "<g><title>{}</title><circle class=\"dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"/></g>",
                Esc(&week.tooltip),
                x,
                y
            );
        }
    }
    // Week labels, thinned so that each has the room of its text.
    let label_w = 10.0 * SMALL_CHAR_W + 12.0;
    let every = ((label_w / slot).ceil() as usize).max(1);
    for (i, week) in weeks.iter().enumerate().filter(|(i, _)| i % every == 0) {
        html!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            TREND_LEFT + (i as f64 + 0.5) * slot,
            bottom + 15.0,
            Esc(&ellipsize(&week.label, 10))
        );
    }
    html!(
        out,
        "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">week (Monday)</text>",
        TREND_LEFT + plot_w / 2.0,
        bottom + 36.0
    );
    html!(
        out,
        "<text class=\"axis-label\" transform=\"translate(14 {:.1}) rotate(-90)\" text-anchor=\"middle\">rows per week</text>",
        TREND_TOP + TREND_PLOT_H / 2.0
    );
    html!(
        out,
        "<text class=\"axis-label\" transform=\"translate({} {:.1}) rotate(90)\" text-anchor=\"middle\">mean sentiment</text>",
        WIDTH - 12.0,
        TREND_TOP + TREND_PLOT_H / 2.0
    );
    html!(out, "</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_cut_with_an_ellipsis() {
        assert_eq!(ellipsize("wait_time", 20), "wait_time");
        assert_eq!(ellipsize("complaint_refund_return", 10), "complaint…");
        assert_eq!(ellipsize("čččččč", 3), "čč…");
    }

    #[test]
    fn axes_are_round() {
        assert_eq!(nice_axis(0.0), (1.0, 1.0));
        assert_eq!(nice_axis(3.0), (3.0, 1.0));
        assert_eq!(nice_axis(47.0), (50.0, 10.0));
        assert_eq!(nice_axis(1234.0), (1500.0, 500.0));
    }

    #[test]
    fn the_bar_chart_grows_with_its_bars_and_escapes_labels() {
        let bar = |label: &str| Bar {
            label: label.to_string(),
            segments: vec![Segment { value: 3.0, count: 3, class: "neg", tooltip: "<t>".into() }],
            note: "n=3".into(),
        };
        let one = bar_chart(&[bar("a")], Scale::Count, "rows", "d");
        let three = bar_chart(&[bar("a"), bar("<b>"), bar("c")], Scale::Count, "rows", "d");
        assert!(one.as_str().contains("height=\"76\""), "{}", one.as_str());
        assert!(three.as_str().contains("height=\"128\""));
        assert!(three.as_str().contains("&lt;b&gt;") && !three.as_str().contains("<b>"));
        assert!(three.as_str().contains("<title>&lt;t&gt;</title>"));
    }
}
