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
//!
//! The lines are told apart by their letter, not only by their colour: every
//! [`MARKER_EVERY_COLUMNS`] columns each line carries its measure's initial (`C` for CPU, `M`
//! for Mem...), the legend starts with the same letter, and the letters of different lines
//! are staggered so that lines running together still show each of them.

use ratatui::buffer::Buffer;
use ratatui::layout::Alignment;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{self, Canvas};
use ratatui::widgets::{Paragraph, Widget};

use crate::dashboard::area::{take_bottom, take_left, take_top};
use crate::dashboard::format;
use crate::dashboard::readings::{completed_per_s, queue, threads};
use crate::dashboard::theme::{DIM, TITLE, category, category_colour};
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
/// Each line shows its letter this often (columns): often enough to follow a line across
/// the plot, seldom enough to leave its shape visible.
pub const MARKER_EVERY_COLUMNS: usize = 12;

/// One measure on the chart: how to read it from a sample and how to print it.
struct Measure<X> {
    name: &'static str,
    /// The letter on its line and in front of its legend line.
    letter: char,
    read: fn(&Sample<X>) -> f64,
    show: fn(f64) -> String,
}

fn measures<X>() -> [Measure<X>; 5] {
    [
        Measure {
            name: "CPU",
            letter: 'C',
            read: |s| f64::from(s.process.process_cpu),
            show: |v| format::percent(v as f32),
        },
        Measure {
            name: "Mem",
            letter: 'M',
            read: |s| s.process.rss as f64,
            show: |v| format::bytes(v as u64),
        },
        Measure {
            name: "Threads",
            letter: 'T',
            read: |s| threads(s) as f64,
            show: |v| format::count(v as u64),
        },
        Measure {
            name: "Req/s",
            letter: 'R',
            read: completed_per_s,
            show: format::rate,
        },
        Measure {
            name: "Queue",
            letter: 'Q',
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
            .enumerate()
            .map(|(i, m)| {
                let values: Vec<f64> = window.iter().map(|s| (m.read)(s)).collect();
                let (_, max) = normalise(&values);
                Line::from(vec![
                    Span::styled(format!("─{}─ {:<8}", m.letter, m.name), category(i)),
                    Span::raw(format!("{:>9}", (m.show)((m.read)(latest)))),
                    Span::styled(format!(" ↑{}", (m.show)(max)), DIM),
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
        Span::styled("Performance", TITLE),
        Span::styled(
            format!(
                " · each line ÷ its own max (↑) · last {}",
                format::seconds(last_t - first_t)
            ),
            DIM,
        ),
    ])
    .render(title_area, buf);
    Paragraph::new(legend_lines(&window)).render(legend_area, buf);
    if !plot_fits {
        return;
    }

    let times: Vec<f64> = window.iter().map(|s| s.t).collect();
    let lines: Vec<Vec<f64>> = measures
        .iter()
        .map(|m| {
            let values: Vec<f64> = window.iter().map(|s| (m.read)(s)).collect();
            normalise(&values).0
        })
        .collect();
    let x_start = if last_t > first_t {
        first_t
    } else {
        last_t - 1.0
    };
    let labels_area = take_bottom(&mut rest, 1);
    let axis_area = take_bottom(&mut rest, 1);
    let plot_width = usize::from(rest.width);
    Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([x_start, last_t])
        .y_bounds([0.0, 1.0])
        .paint(|ctx| {
            for (i, line) in lines.iter().enumerate() {
                let points: Vec<(f64, f64)> =
                    times.iter().copied().zip(line.iter().copied()).collect();
                for pair in points.windows(2) {
                    let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
                    ctx.draw(&canvas::Line::new(x1, y1, x2, y2, category_colour(i)));
                }
                if let [(x, y)] = points[..] {
                    ctx.draw(&canvas::Points {
                        coords: &[(x, y)],
                        color: category_colour(i),
                    });
                }
            }
            for (i, (m, line)) in measures.iter().zip(&lines).enumerate() {
                let columns = marker_columns(i, measures.len(), plot_width);
                for column in columns {
                    let t = x_start
                        + (last_t - x_start) * column as f64 / (plot_width.max(2) - 1) as f64;
                    let nearest = nearest_index(&times, t);
                    ctx.print(
                        times[nearest],
                        line[nearest],
                        Span::styled(m.letter.to_string(), category(i)),
                    );
                }
            }
        })
        .render(rest, buf);

    Line::styled("─".repeat(plot_width), DIM).render(axis_area, buf);
    let mut labels = vec![
        (format::seconds(x_start), Alignment::Left),
        (format::seconds(last_t), Alignment::Right),
    ];
    if last_t - x_start >= MIDDLE_LABEL_MIN_SECONDS {
        labels.push((format::seconds((x_start + last_t) / 2.0), Alignment::Center));
    }
    for (label, alignment) in labels {
        Line::styled(label, DIM)
            .alignment(alignment)
            .render(labels_area, buf);
    }
}

/// The plot columns where line `index` of `count` shows its letter: every
/// [`MARKER_EVERY_COLUMNS`], each line shifted by its share of that spacing so that lines
/// running together still show every letter.
fn marker_columns(index: usize, count: usize, width: usize) -> impl Iterator<Item = usize> {
    let offset = index * MARKER_EVERY_COLUMNS / count.max(1);
    (offset..width).step_by(MARKER_EVERY_COLUMNS)
}

/// The index of the time in `times` (ascending, not empty) nearest to `t`.
fn nearest_index(times: &[f64], t: f64) -> usize {
    let after = times.partition_point(|&time| time < t);
    match (after.checked_sub(1), times.get(after)) {
        (Some(before), Some(&next)) if t - times[before] <= next - t => before,
        (Some(before), None) => before,
        _ => after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_staggered_and_spaced() {
        let first: Vec<usize> = marker_columns(0, 5, 30).collect();
        assert_eq!(first, vec![0, 12, 24]);
        let third: Vec<usize> = marker_columns(2, 5, 30).collect();
        assert_eq!(third, vec![4, 16, 28]);
    }

    #[test]
    fn the_nearest_time_is_found_on_either_side() {
        let times = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(nearest_index(&times, -1.0), 0);
        assert_eq!(nearest_index(&times, 1.4), 1);
        assert_eq!(nearest_index(&times, 1.6), 2);
        assert_eq!(nearest_index(&times, 9.0), 3);
    }

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
