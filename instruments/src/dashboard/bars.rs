//! Bars for a part's panel: shares of the tick side by side, and amounts by category.
//!
//! ```text
//! in driver ██████░░░░░░  52.4% (waiting)          shares: same length, one scale (100%)
//! in tasks  ████░░░░░░░░  35.2% (working)
//!
//!  read ready ███████████████   8 000              amounts: the largest fills the bar
//!       timer ██████████████    7 950
//!  self/yield █                    12              (any non-zero amount gets a block)
//! ```
//!
//! Every line fits its `room` (see [`fit`]): a share's explanation goes before its
//! bar gets too short to read.

use ratatui::text::{Line, Span};

use super::fit;
use super::format;
use super::theme::{BAR, DIM, LABEL};

/// A percentage as [`format::percent`] writes it, up to `100.0%`.
const PERCENT_WIDTH: usize = 6;
/// The widest a share bar is drawn, and the least it is given before its explanation goes.
const MAX_SHARE_BAR: usize = 30;
const MIN_SHARE_BAR: usize = 10;
/// The amount column is at least this wide, `12 345`, so that bars keep their scale while
/// the amounts grow through the thousands.
const MIN_AMOUNT_WIDTH: usize = 6;

/// One bar per `(label, percent)`, all the same length, each followed by its percentage and
/// by what it means: the first of `meanings` (richest first; one text per bar in each) that
/// leaves the bars at least 10 columns, or nothing.
pub fn shares<const N: usize>(
    bars: [(&str, f64); N],
    meanings: &[[&'static str; N]],
    room: usize,
) -> Vec<Line<'static>> {
    let label_width = bars
        .iter()
        .map(|(label, _)| fit::width(label))
        .max()
        .unwrap_or(0);
    let fixed = label_width + 1 + 1 + PERCENT_WIDTH;
    let (bar, chosen) = meanings
        .iter()
        .map(|texts| {
            let meaning = texts.iter().map(|text| fit::width(text)).max().unwrap_or(0);
            let gap = usize::from(meaning > 0);
            (room.saturating_sub(fixed + gap + meaning), Some(texts))
        })
        .find(|&(bar, _)| bar >= MIN_SHARE_BAR)
        .unwrap_or((room.saturating_sub(fixed), None));
    let bar = bar.min(MAX_SHARE_BAR);
    bars.iter()
        .enumerate()
        .map(|(i, &(label, percent))| {
            let percent = if percent.is_finite() {
                percent.clamp(0.0, 100.0)
            } else {
                0.0
            };
            let filled = (((percent / 100.0) * bar as f64).round() as usize).min(bar);
            let mut spans = vec![
                Span::styled(format!("{label:<label_width$} "), LABEL),
                Span::styled("█".repeat(filled), BAR),
                Span::styled("░".repeat(bar - filled), DIM),
                Span::raw(format!(
                    " {:>PERCENT_WIDTH$}",
                    format::percent(percent as f32)
                )),
            ];
            if let Some(meaning) = chosen.map(|texts| texts[i]).filter(|m| !m.is_empty()) {
                spans.push(Span::styled(format!(" {meaning}"), DIM));
            }
            Line::from(spans)
        })
        .collect()
}

/// One row per `(label, amount)`: the label right-aligned, a bar scaled to the largest amount
/// (at most `max_bar` columns), the amount as `shown`.
pub fn amounts(rows: &[(&str, f64, String)], room: usize, max_bar: usize) -> Vec<Line<'static>> {
    let label_width = rows
        .iter()
        .map(|(label, ..)| fit::width(label))
        .max()
        .unwrap_or(0);
    let amount_width = rows
        .iter()
        .map(|(.., shown)| fit::width(shown))
        .fold(MIN_AMOUNT_WIDTH, usize::max);
    let bar = room
        .saturating_sub(label_width + 1 + 1 + amount_width)
        .min(max_bar);
    let most = rows
        .iter()
        .map(|&(_, amount, _)| amount)
        .filter(|amount| amount.is_finite())
        .fold(0.0, f64::max);
    rows.iter()
        .map(|(label, amount, shown)| {
            let length = if most > 0.0 && amount.is_finite() && *amount > 0.0 {
                // At least one block for any non-zero amount, so that rare ones show.
                ((amount / most) * bar as f64)
                    .round()
                    .max(1.0)
                    .min(bar as f64) as usize
            } else {
                0
            };
            Line::from(vec![
                Span::styled(format!("{label:>label_width$} "), LABEL),
                Span::styled(format!("{:<bar$}", "█".repeat(length)), BAR),
                Span::raw(format!(" {shown:>amount_width$}")),
            ])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn shares_drop_their_meaning_before_their_bar_gets_too_short() {
        let bars = [("in poll", 50.0), ("handlers", 25.0)];
        let meanings = [["(waiting)", "(working)"]];
        assert_eq!(
            text(&shares(bars, &meanings, 38)),
            [
                "in poll  ██████░░░░░░  50.0% (waiting)",
                "handlers ███░░░░░░░░░  25.0% (working)",
            ]
        );
        assert_eq!(
            text(&shares(bars, &meanings, 30)),
            [
                "in poll  ███████░░░░░░░  50.0%",
                "handlers ████░░░░░░░░░░  25.0%",
            ]
        );
        let nonsense = shares([("x", f64::NAN), ("y", 1e9)], &[], 20);
        assert_eq!(text(&nonsense)[0], "x ░░░░░░░░░░░   0.0%");
        assert_eq!(text(&nonsense)[1], "y ███████████ 100.0%");
    }

    #[test]
    fn amounts_scale_to_the_largest_and_keep_the_rare_ones_visible() {
        let rows = [
            ("read ready", 8000.0, "8 000".to_string()),
            ("self", 1.0, "1".to_string()),
            ("other", 0.0, "0".to_string()),
        ];
        assert_eq!(
            text(&amounts(&rows, 30, 40)),
            [
                "read ready ████████████  8 000",
                "      self █                 1",
                "     other                   0",
            ]
        );
        for line in amounts(&rows, 5, 40) {
            assert!(line.width() <= 18, "the label and amount stay whole");
        }
    }
}
