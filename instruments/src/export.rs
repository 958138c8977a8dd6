//! `export`: a recorded run as SVG charts, for slides.
//!
//! ```text
//! partN export run.jsonl --out slides
//!   slides/requests.svg        completed and offered requests per second
//!   slides/latency.svg         p50 and p99 latency (log scale: tails span decades)
//!   slides/threads.svg         threads in the OS and counted by the server
//!   slides/memory.svg          resident memory (RSS)
//!   slides/switches.svg        context switches per request
//!   slides/<part>-….svg        the part's own panel series (PartView::charts)
//! ```
//!
//! Every chart runs against the recording's time, with a vertical line where the scenario
//! entered each stage, captioned with the stage's first words — the same moments the dashboard
//! narrated. The recording is read as `replay` reads it (a recording of another part, or a
//! corrupt line, is refused with a message), and drawn by [`crate::plot`].

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::dashboard::PartView;
use crate::dashboard::readings::{completed_per_s, offered_per_s, switches_per_request};
use crate::plot::{LineChart, Mark, Scale, Series};
use crate::record::Recording;
use crate::sample::Sample;

const MIB: f64 = 1024.0 * 1024.0;
const MICROS_PER_MS: f64 = 1000.0;

/// One chart of a part's own series (see [`PartView::charts`]): the file's name without
/// `.svg`, the title, the y axis's label with its unit, and the series against time.
#[derive(Debug, Clone, PartialEq)]
pub struct PartChart {
    pub file: &'static str,
    pub title: &'static str,
    pub y_label: &'static str,
    pub series: Vec<Series>,
}

/// A series named `name` over `history`: `read`'s value at each sample's time, leaving out
/// the samples where it has none.
pub fn series<X>(
    name: impl Into<String>,
    history: &[Sample<X>],
    read: impl Fn(&Sample<X>) -> Option<f64>,
) -> Series {
    Series {
        name: name.into(),
        points: history
            .iter()
            .filter_map(|sample| Some((sample.t, read(sample)?)))
            .collect(),
    }
}

/// Draws the recording at `path`, made by the part called `part` (whose samples carry `X`),
/// as SVG charts in `out` (created if missing), and returns the files written.
pub fn export<X: PartView>(path: &Path, part: &str, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let recording = Recording::<X>::read(path, part)?;
    let samples = &recording.samples;
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the directory {}", out.display()))?;
    let marks = stage_marks(samples);
    let mut written = Vec::new();
    for chart in shared_charts(samples).into_iter().chain(X::charts(samples)) {
        if chart.series.iter().all(|s| s.points.is_empty()) {
            continue;
        }
        let file = out.join(format!("{}.svg", chart.file));
        LineChart {
            title: chart.title.to_string(),
            x_label: "time (s)".to_string(),
            y_label: chart.y_label.to_string(),
            x_scale: Scale::Linear,
            y_scale: if chart.file == LATENCY {
                Scale::Log
            } else {
                Scale::Linear
            },
            series: chart.series,
            marks: marks.clone(),
        }
        .write_svg(&file)?;
        written.push(file);
    }
    if written.is_empty() {
        bail!("{}: nothing to draw in its samples", path.display());
    }
    Ok(written)
}

/// The latency chart's file: the one chart on a log scale.
const LATENCY: &str = "latency";

/// The rows every part's dashboard shows, as charts.
fn shared_charts<X>(samples: &[Sample<X>]) -> Vec<PartChart> {
    let latency_ms = |read: fn(&crate::load::Percentiles) -> u64| {
        move |s: &Sample<X>| {
            let load = s.load.as_ref()?;
            Some(read(&load.latency_us) as f64 / MICROS_PER_MS)
        }
    };
    vec![
        PartChart {
            file: "requests",
            title: "Requests per second",
            y_label: "requests/s",
            series: vec![
                series("completed", samples, |s| {
                    s.load.as_ref().map(|_| completed_per_s(s))
                }),
                series("offered", samples, |s| {
                    s.load.as_ref().map(|_| offered_per_s(s))
                }),
            ],
        },
        PartChart {
            file: LATENCY,
            title: "Latency",
            y_label: "ms (log scale)",
            series: vec![
                series("p50", samples, latency_ms(|p| p.p50)),
                series("p99", samples, latency_ms(|p| p.p99)),
            ],
        },
        PartChart {
            file: "threads",
            title: "Threads",
            y_label: "threads",
            series: vec![
                series("in the OS", samples, |s| {
                    s.process.threads.map(|n| n as f64)
                }),
                series("counted by the server", samples, |s| {
                    Some(s.server.totals.threads as f64)
                }),
            ],
        },
        PartChart {
            file: "memory",
            title: "Resident memory (RSS)",
            y_label: "MiB",
            series: vec![series("RSS", samples, |s| Some(s.process.rss as f64 / MIB))],
        },
        PartChart {
            file: "switches",
            title: "Context switches per request",
            y_label: "switches per request",
            series: vec![series("context switches", samples, switches_per_request)],
        },
    ]
}

/// A mark where each scenario stage begins, captioned with its first words.
fn stage_marks<X>(samples: &[Sample<X>]) -> Vec<Mark> {
    let mut marks = Vec::new();
    let mut previous: Option<&str> = None;
    for sample in samples {
        let stage = sample.stage.as_deref();
        if let Some(text) = stage
            && stage != previous
        {
            marks.push(Mark {
                x: sample.t,
                label: caption(text),
            });
        }
        previous = stage;
    }
    marks
}

/// A stage's caption for a chart: its note without the scenario's name, up to the end of the
/// first clause (`story (125s): 10 clients. Watch Threads…` → `10 clients`), which names the
/// moment; the rest says what to watch, which a chart cannot.
fn caption(stage: &str) -> String {
    let note = stage.split_once("): ").map_or(stage, |(_, note)| note);
    let end = [". ", ": ", "; "]
        .iter()
        .filter_map(|separator| note.find(separator))
        .min()
        .unwrap_or(note.len());
    note[..end].trim_end_matches('.').trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caption_is_the_first_clause_of_the_note() {
        assert_eq!(
            caption("story (125s): 10 clients. Watch Threads next to Connections."),
            "10 clients"
        );
        assert_eq!(
            caption("story (125s): 1 000 clients: watch context switches per request."),
            "1 000 clients"
        );
        assert_eq!(caption("churn (60s): the wall"), "the wall");
        assert_eq!(caption("no scenario name."), "no scenario name");
    }

    #[test]
    fn a_mark_where_each_stage_begins() {
        let at = |t: f64, stage: Option<&str>| Sample::<()> {
            t,
            stage: stage.map(str::to_string),
            ..Sample::default()
        };
        let samples = [
            at(1.0, None),
            at(2.0, Some("s (9s): Idle. Nothing.")),
            at(3.0, Some("s (9s): Idle. Nothing.")),
            at(4.0, Some("s (9s): 10 clients. Watch.")),
            at(5.0, None),
            at(6.0, Some("s (9s): 10 clients. Watch.")),
        ];
        let marks: Vec<(f64, String)> = stage_marks(&samples)
            .into_iter()
            .map(|m| (m.x, m.label))
            .collect();
        assert_eq!(
            marks,
            vec![
                (2.0, "Idle".to_string()),
                (4.0, "10 clients".to_string()),
                (6.0, "10 clients".to_string()),
            ]
        );
    }
}
