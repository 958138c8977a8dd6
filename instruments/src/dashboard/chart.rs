//! The performance chart: CPU, memory, threads, throughput and queue over time, on one plot.
//!
//! The five measures have different units (percent, bytes, threads, requests per second,
//! requests), so each line is divided by its own maximum within the visible window and the
//! plot runs from 0 to 1: what the lines show is *shape* — which one climbs while another
//! flattens. The legend gives each measure's current value and the maximum it was scaled by,
//! which is where the numbers are.
//!
//! The window is as many samples as the plot has dots across (two per column with braille),
//! so a wider terminal shows a longer history, never a stretched one.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Widget};

use crate::dashboard::area::{take_left, take_top};
use crate::dashboard::format;
use crate::dashboard::readings::{completed_per_s, queue, threads};
use crate::sample::Sample;
use crate::series::Series;

/// Braille characters have two dots per column.
const DOTS_PER_COLUMN: usize = 2;
/// A plot narrower than this shows no shape worth seeing; the legend alone is drawn.
const MIN_PLOT_WIDTH: u16 = 12;
/// Room for the x axis and its labels below the plot.
const MIN_PLOT_HEIGHT: u16 = 3;

/// A middle label on the time axis only once it differs from both ends by whole seconds.
const MIDDLE_LABEL_MIN_SECONDS: f64 = 4.0;

/// One measure on the chart: how to read it from a sample and how to print it.
struct Measure<X> {
    name: &'static str,
    color: Color,
    read: fn(&Sample<X>) -> f64,
    show: fn(f64) -> String,
}

fn measures<X>() -> [Measure<X>; 5] {
    [
        Measure {
            name: "CPU",
            color: Color::Green,
            read: |s| f64::from(s.process.process_cpu),
            show: |v| format::percent(v as f32),
        },
        Measure {
            name: "Mem",
            color: Color::Magenta,
            read: |s| s.process.rss as f64,
            show: |v| format::bytes(v as u64),
        },
        Measure {
            name: "Threads",
            color: Color::Yellow,
            read: |s| threads(s) as f64,
            show: |v| format::count(v as u64),
        },
        Measure {
            name: "Req/s",
            color: Color::Cyan,
            read: completed_per_s,
            show: format::rate,
        },
        Measure {
            name: "Queue",
            color: Color::Red,
            read: |s| queue(s) as f64,
            show: |v| format::count(v as u64),
        },
    ]
}

/// Scales `values` into 0..=1 by their maximum, and returns that maximum. Values that are not
/// finite, and negative ones, count as 0; when the maximum is 0 everything is 0 (a flat line at
/// the bottom, not a division by zero).
pub fn normalise(values: &[f64]) -> (Vec<f64>, f64) {
    let clean = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
    let max = values.iter().copied().map(clean).fold(0.0, f64::max);
    let scaled = values
        .iter()
        .map(|&v| if max > 0.0 { clean(v) / max } else { 0.0 })
        .collect();
    (scaled, max)
}

/// Draws the chart of `history` (latest sample last) into `area`.
pub fn render<X>(history: &Series<Sample<X>>, area: Rect, buf: &mut Buffer) {
    let Some(latest) = history.latest() else {
        return;
    };
    let mut rest = area;
    let title_area = take_top(&mut rest, 1);

    let measures = measures::<X>();
    let legend_lines = |window: &[&Sample<X>]| -> Vec<Line<'static>> {
        measures
            .iter()
            .map(|m| {
                let values: Vec<f64> = window.iter().map(|s| (m.read)(s)).collect();
                let (_, max) = normalise(&values);
                Line::from(vec![
                    Span::styled("━ ", Style::new().fg(m.color)),
                    Span::styled(format!("{:<8}", m.name), Style::new().fg(m.color)),
                    Span::raw(format!("{:>9}", (m.show)((m.read)(latest)))),
                    Span::styled(
                        format!(" ↑{}", (m.show)(max)),
                        Style::new().fg(Color::DarkGray),
                    ),
                ])
            })
            .collect()
    };

    // The legend's width depends on the numbers, which depend on the window, which depends on
    // the plot's width: measure the legend over the widest possible window first.
    let widest: Vec<&Sample<X>> = history.iter().collect();
    let widest_line = legend_lines(&widest).iter().map(Line::width).max();
    let legend_width = u16::try_from(widest_line.unwrap_or(0) + 1).unwrap_or(u16::MAX);
    let plot_fits =
        rest.width >= legend_width.saturating_add(MIN_PLOT_WIDTH) && rest.height >= MIN_PLOT_HEIGHT;
    let legend_area = if plot_fits {
        take_left(&mut rest, legend_width)
    } else {
        std::mem::take(&mut rest)
    };

    let window_len = if plot_fits {
        usize::from(rest.width) * DOTS_PER_COLUMN
    } else {
        history.len()
    };
    let window: Vec<&Sample<X>> = history.last_n(window_len.max(1)).collect();
    let (first_t, last_t) = (window.first().map_or(0.0, |s| s.t), latest.t);

    Line::from(vec![
        Span::styled("Performance", Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(
            format!(
                " · each line ÷ its own max (↑) · last {}",
                format::seconds(last_t - first_t)
            ),
            Style::new().fg(Color::DarkGray),
        ),
    ])
    .render(title_area, buf);
    Paragraph::new(legend_lines(&window)).render(legend_area, buf);
    if !plot_fits {
        return;
    }

    let points: Vec<Vec<(f64, f64)>> = measures
        .iter()
        .map(|m| {
            let values: Vec<f64> = window.iter().map(|s| (m.read)(s)).collect();
            let (scaled, _) = normalise(&values);
            window.iter().map(|s| s.t).zip(scaled).collect()
        })
        .collect();
    let datasets = measures
        .iter()
        .zip(&points)
        .map(|(m, data)| {
            Dataset::default()
                .data(data)
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(m.color))
        })
        .collect();
    let x_start = if last_t > first_t {
        first_t
    } else {
        last_t - 1.0
    };
    let mut labels = vec![format::seconds(x_start), format::seconds(last_t)];
    if last_t - x_start >= MIDDLE_LABEL_MIN_SECONDS {
        labels.insert(1, format::seconds((x_start + last_t) / 2.0));
    }
    let x_axis = Axis::default()
        .bounds([x_start, last_t])
        .labels(labels)
        .style(Style::new().fg(Color::DarkGray));
    Chart::new(datasets)
        .x_axis(x_axis)
        .y_axis(Axis::default().bounds([0.0, 1.0]))
        .legend_position(None)
        .render(rest, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_scales_by_the_maximum() {
        let (scaled, max) = normalise(&[0.0, 50.0, 200.0]);
        assert_eq!(max, 200.0);
        assert_eq!(scaled, vec![0.0, 0.25, 1.0]);
    }

    #[test]
    fn normalise_never_divides_by_zero() {
        assert_eq!(normalise(&[0.0, 0.0]), (vec![0.0, 0.0], 0.0));
        assert_eq!(normalise(&[]), (vec![], 0.0));
    }

    #[test]
    fn normalise_ignores_what_is_not_a_number() {
        let (scaled, max) = normalise(&[f64::NAN, -5.0, 4.0, f64::INFINITY]);
        assert_eq!(max, 4.0);
        assert_eq!(scaled, vec![0.0, 0.0, 1.0, 0.0]);
    }
}
