//! Line charts as SVG files, for slides and for `BENCHMARKS.md`: `compare` draws each server's
//! throughput, latency, memory and threads against the connection count, and a recorded run's
//! series can be drawn against time with the scenario's captions as vertical marks.
//!
//! The charts are meant to be projected and printed in black and white, so colour is never the
//! only thing that tells the series apart: each series also has its own marker shape and line
//! dash, and the legend shows both.
//!
//! A logarithmic axis is drawn as a linear axis over `log10(value)`, with the tick labels turned
//! back into values. Points that such an axis cannot show (zero, negative, not finite) are left
//! out of the chart rather than failing it: a server that completed nothing at some load still
//! has its other points drawn.

use std::ops::Range;
use std::path::Path;

use anyhow::{Context, anyhow};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// How an axis maps values to positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Equal steps for equal differences; starts at zero when every value is positive, so that
    /// bars of different heights compare honestly.
    Linear,
    /// Equal steps for equal ratios (10, 100, 1000…), for quantities spread over decades such
    /// as connection counts or tail latencies. Only positive values can be shown.
    Log,
}

/// One line on the chart: a name for the legend and its points, in any order of insertion
/// (they are drawn in the order given).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A vertical line across the plot at `x`, with a caption at its top (a scenario step, say).
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub label: String,
}

/// A chart of series against a shared x axis.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_scale: Scale,
    pub y_scale: Scale,
    pub series: Vec<Series>,
    pub marks: Vec<Mark>,
}

/// Pixel size of a chart: wide enough for a slide, small enough to stay a few kilobytes.
const SIZE: (u32, u32) = (800, 480);
/// Room above the tallest point, so that it does not sit on the frame.
const HEADROOM: f64 = 1.08;
/// The same on a chart with marks: their captions' rows take the top eighth of the plot, so the
/// tallest point stays under them rather than behind their text. (A log axis ends on a whole
/// decade instead.)
const CAPTION_HEADROOM: f64 = 1.25;
/// Marks' captions go on this many staggered rows, so that neighbouring marks' captions do not
/// print over each other.
const CAPTION_ROWS: i32 = 3;
const CAPTION_ROW_HEIGHT: i32 = 14;
const MARKER_SIZE: i32 = 4;
const FONT: &str = "sans-serif";
const TITLE_SIZE: i32 = 22;
const LABEL_SIZE: i32 = 14;
const CAPTION_SIZE: i32 = 12;
const MARGIN: i32 = 12;
/// The legend: a row per series, a swatch as long as a dash pattern repeats twice or more.
const LEGEND_ROW_HEIGHT: i32 = 20;
const SWATCH: i32 = 32;
/// A generous width per character of a legend name at `LABEL_SIZE` (the SVG's fonts are the
/// viewer's, so this is an estimate), and the legend's width limits.
const LEGEND_CHAR_WIDTH: u32 = 8;
const LEGEND_MIN_WIDTH: u32 = 90;
const LEGEND_MAX_WIDTH: u32 = 260;

/// Okabe and Ito's palette, told apart by colour-blind readers too; the marker and the dash
/// carry the distinction when there is no colour at all.
const COLOURS: [RGBColor; 7] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(0, 114, 178),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
    RGBColor(204, 121, 167),
];

/// The marker drawn at each point of a series.
#[derive(Debug, Clone, Copy)]
enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
    HollowCircle,
    HollowSquare,
}

const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Cross,
    Marker::HollowCircle,
    Marker::HollowSquare,
];

/// A line's dash: solid, or dashes of `length` pixels separated by `gap` pixels.
#[derive(Debug, Clone, Copy)]
enum Dash {
    Solid,
    Dashed { length: i32, gap: i32 },
}

/// Solid, long dashes, dots: three patterns that survive a photocopier. With six markers, the
/// pair (marker, dash) repeats only after `lcm(6, 3)` series, more than any chart here has.
const DASHES: [Dash; 3] = [
    Dash::Solid,
    Dash::Dashed { length: 10, gap: 6 },
    Dash::Dashed { length: 2, gap: 4 },
];

/// How series number `index` is drawn.
#[derive(Debug, Clone, Copy)]
struct Look {
    colour: RGBColor,
    marker: Marker,
    dash: Dash,
}

impl Look {
    fn of(index: usize) -> Look {
        Look {
            colour: COLOURS[index % COLOURS.len()],
            marker: MARKERS[index % MARKERS.len()],
            dash: DASHES[index % DASHES.len()],
        }
    }

    /// Draws the marker at `at` on `area`: the chart's plot (in data coordinates) or the
    /// legend (in pixels).
    fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
        self,
        area: &DrawingArea<DB, CT>,
        at: CT::From,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        CT::From: Clone + 'static,
    {
        let filled = self.colour.filled();
        let outline = self.colour.stroke_width(2);
        let corner = MARKER_SIZE;
        let square = |style: ShapeStyle| {
            EmptyElement::at(at.clone())
                + Rectangle::new([(-corner, -corner), (corner, corner)], style)
        };
        match self.marker {
            Marker::Circle => area.draw(&Circle::new(at, MARKER_SIZE, filled)),
            Marker::Triangle => area.draw(&TriangleMarker::new(at, MARKER_SIZE + 1, filled)),
            Marker::Square => area.draw(&square(filled)),
            Marker::Cross => area.draw(&Cross::new(at, MARKER_SIZE, outline)),
            Marker::HollowCircle => area.draw(&Circle::new(at, MARKER_SIZE, outline)),
            Marker::HollowSquare => area.draw(&square(outline)),
        }
    }

    /// Draws the line through `points` on `area`.
    fn draw_line<DB: DrawingBackend, CT: CoordTranslate>(
        self,
        area: &DrawingArea<DB, CT>,
        points: Vec<CT::From>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        CT::From: Clone + 'static,
    {
        let style = self.colour.stroke_width(2);
        match self.dash {
            Dash::Solid => area.draw(&PathElement::new(points, style)),
            Dash::Dashed { length, gap } => {
                area.draw(&DashedPathElement::new(points, length, gap, style))
            }
        }
    }
}

/// One axis: its scale and the range it shows, in plotted units (`log10` of the value on a log
/// axis).
#[derive(Debug, Clone)]
struct Axis {
    scale: Scale,
    range: Range<f64>,
}

impl Scale {
    /// Where `value` goes on an axis of this scale, or `None` if the axis cannot show it.
    fn plot(self, value: f64) -> Option<f64> {
        match self {
            _ if !value.is_finite() => None,
            Scale::Linear => Some(value),
            Scale::Log if value > 0.0 => Some(value.log10()),
            Scale::Log => None,
        }
    }
}

impl Axis {
    /// The axis that shows every one of `plotted` (already in plotted units), with `headroom`
    /// times the highest value at the top of a linear one.
    fn fitting(scale: Scale, plotted: impl Iterator<Item = f64>, headroom: f64) -> Axis {
        let (low, high) = plotted.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let range = match scale {
            _ if low > high => 0.0..1.0, // nothing to show: an empty frame rather than an error
            // Whole decades, so that the ticks fall on 1, 10, 100…
            Scale::Log if low.floor() == high.ceil() => low.floor()..low.floor() + 1.0,
            Scale::Log => low.floor()..high.ceil(),
            Scale::Linear => {
                let low = low.min(0.0);
                let high = if high > 0.0 { high * headroom } else { 0.0 };
                if high > low {
                    low..high
                } else {
                    // Every value is 0: a line along the bottom, and no negative ticks.
                    0.0..1.0
                }
            }
        };
        Axis { scale, range }
    }

    /// How many tick labels to ask for: one per decade on a log axis (plotters then puts them on
    /// whole decades), a readable handful on a linear one.
    fn labels(&self) -> usize {
        const LINEAR_LABELS: usize = 8;
        match self.scale {
            Scale::Log => (self.range.end - self.range.start) as usize + 1,
            Scale::Linear => LINEAR_LABELS,
        }
    }

    /// The tick label at plotted position `at`.
    fn label(&self, at: f64) -> String {
        match self.scale {
            Scale::Linear => human(at),
            Scale::Log => human(10f64.powf(at)),
        }
    }

    fn coord(&self) -> RangedCoordf64 {
        self.range.clone().into()
    }
}

/// A tick label short enough for a slide: 2500 → "2.5k", 3000000 → "3M", 0.05 → "0.05".
pub fn human(value: f64) -> String {
    let (scaled, suffix) = match value.abs() {
        v if v >= 1e6 => (value / 1e6, "M"),
        v if v >= 1e3 => (value / 1e3, "k"),
        _ => (value, ""),
    };
    // Three significant figures at most, without trailing zeros.
    let digits = match scaled.abs() {
        v if v >= 100.0 || v == 0.0 => 0,
        v if v >= 10.0 => 1,
        v if v >= 1.0 => 2,
        v => (3 - v.log10().floor() as i32 - 1).max(0) as usize,
    };
    let text = format!("{scaled:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{suffix}")
}

impl LineChart {
    /// Draws the chart into the SVG file at `path` (its directory must exist).
    pub fn write_svg(&self, path: &Path) -> anyhow::Result<()> {
        let svg = self.to_svg()?;
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))
    }

    /// The chart as an SVG document.
    pub fn to_svg(&self) -> anyhow::Result<String> {
        let mut svg = String::new();
        self.draw(SVGBackend::with_string(&mut svg, SIZE))
            .map_err(|e| anyhow!("drawing the chart '{}': {e}", self.title))?;
        Ok(svg)
    }

    /// Each series' points in plotted units, without those the axes cannot show.
    fn plotted(&self) -> Vec<Vec<(f64, f64)>> {
        self.series
            .iter()
            .map(|series| {
                series
                    .points
                    .iter()
                    .filter_map(|&(x, y)| Some((self.x_scale.plot(x)?, self.y_scale.plot(y)?)))
                    .collect()
            })
            .collect()
    }

    fn draw(&self, backend: SVGBackend<'_>) -> Result<(), Box<dyn std::error::Error>> {
        let plotted = self.plotted();
        let marks: Vec<(f64, &str)> = self
            .marks
            .iter()
            .filter_map(|mark| Some((self.x_scale.plot(mark.x)?, mark.label.as_str())))
            .collect();
        let points = || plotted.iter().flatten();
        let x = Axis::fitting(
            self.x_scale,
            points().map(|p| p.0).chain(marks.iter().map(|m| m.0)),
            HEADROOM,
        );
        let y_headroom = if marks.is_empty() {
            HEADROOM
        } else {
            CAPTION_HEADROOM
        };
        let y = Axis::fitting(self.y_scale, points().map(|p| p.1), y_headroom);

        let root = backend.into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(&self.title, (FONT, TITLE_SIZE))?;
        let (plot_area, legend_area) = root.split_horizontally(SIZE.0 - self.legend_width());
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(MARGIN)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x.coord(), y.coord())?;
        let x_label = |at: &f64| x.label(*at);
        let y_label = |at: &f64| y.label(*at);
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_labels(x.labels())
            .y_labels(y.labels())
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .max_light_lines(0)
            .label_style((FONT, LABEL_SIZE))
            .draw()?;

        let plot = chart.plotting_area();
        for (index, (mark_x, label)) in marks.iter().enumerate() {
            let top = (*mark_x, y.range.end);
            plot.draw(&PathElement::new(
                vec![(*mark_x, y.range.start), top],
                BLACK.mix(0.4),
            ))?;
            let row = index as i32 % CAPTION_ROWS;
            let caption = (FONT, CAPTION_SIZE).into_font();
            plot.draw(
                &(EmptyElement::at(top)
                    + Text::new(
                        label.to_string(),
                        (3, 2 + row * CAPTION_ROW_HEIGHT),
                        caption,
                    )),
            )?;
        }
        for (index, points) in plotted.iter().enumerate() {
            let look = Look::of(index);
            look.draw_line(plot, points.clone())?;
            for &point in points {
                look.draw_marker(plot, point)?;
            }
        }

        // The legend, beside the plot so that it never hides a point: a swatch (line and
        // marker) and the name, one series a row.
        for (index, series) in self.series.iter().enumerate() {
            let look = Look::of(index);
            let y = MARGIN + LEGEND_ROW_HEIGHT * (index as i32 + 1);
            look.draw_line(&legend_area, vec![(0, y), (SWATCH, y)])?;
            look.draw_marker(&legend_area, (SWATCH / 2, y))?;
            let style = TextStyle::from((FONT, LABEL_SIZE).into_font())
                .pos(Pos::new(HPos::Left, VPos::Center));
            legend_area.draw_text(&series.name, &style, (SWATCH + 6, y))?;
        }
        root.present()?;
        Ok(())
    }

    /// Room for the legend at the right: its swatch and the longest series name.
    fn legend_width(&self) -> u32 {
        let longest = self
            .series
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(0);
        let text = longest as u32 * LEGEND_CHAR_WIDTH;
        (SWATCH as u32 + 6 + text + MARGIN as u32).clamp(LEGEND_MIN_WIDTH, LEGEND_MAX_WIDTH)
    }
}
