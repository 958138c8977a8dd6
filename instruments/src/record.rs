//! Recording a run and playing it back.
//!
//! A recording is JSON lines: a header saying which part made it, then one [`Sample`] per tick
//! (exactly the lines `--headless` prints), then the run's [`Summary`]. Because the dashboard
//! draws a replayed sample with the same code as a live one, an instructor can record a run on
//! a strong machine and show it, identical, on a weak laptop — or from `--headless` output,
//! which replays too (it only lacks the header).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

use crate::dashboard::{self, Controls, DemoInfo, PartView, Theme, UiEvent};
use crate::part::Part;
use crate::sample::{Sample, Summary};

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The binary that recorded it, e.g. `part1-threads`: a part's samples only make sense to
    /// the same part's dashboard.
    pub part: String,
    pub title: String,
    pub subtitle: String,
    pub notes: Vec<String>,
    pub tick_ms: u64,
}

/// One line of a recording.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged, bound(deserialize = "X: PartView"))]
enum Line<X> {
    Header { recording: Header },
    Summary { summary: Summary },
    Sample(Box<Sample<X>>),
}

/// Writes a recording as the run goes.
pub struct Recorder {
    out: BufWriter<File>,
}

impl Recorder {
    pub fn create(
        path: &Path,
        part: &str,
        info: &DemoInfo,
        tick: Duration,
    ) -> anyhow::Result<Self> {
        let file = File::create(path)
            .with_context(|| format!("cannot create the recording {}", path.display()))?;
        let mut recorder = Recorder {
            out: BufWriter::new(file),
        };
        let header: Line<()> = Line::Header {
            recording: Header {
                part: part.to_string(),
                title: info.title.clone(),
                subtitle: info.subtitle.clone(),
                notes: info.notes.clone(),
                tick_ms: tick.as_millis() as u64,
            },
        };
        recorder.line(&header)?;
        Ok(recorder)
    }

    pub fn sample<X: Serialize>(&mut self, sample: &Sample<X>) -> anyhow::Result<()> {
        write_sample(&mut self.out, sample)
    }

    pub fn finish(mut self, summary: &Summary) -> anyhow::Result<()> {
        write_summary(&mut self.out, summary)
    }

    fn line<X: Serialize>(&mut self, line: &Line<X>) -> anyhow::Result<()> {
        write_line(&mut self.out, line)
    }
}

/// Writes one sample as a line of JSON, as `--headless` prints it and a recording stores it.
pub fn write_sample<X: Serialize>(out: &mut impl Write, sample: &Sample<X>) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, sample)?;
    writeln!(out)?;
    // A recording must survive the demo being killed, and a pipe's reader wants each tick
    // as it happens: write every line out.
    out.flush()?;
    Ok(())
}

/// Writes the summary line, `{"summary": {...}}`, that ends a headless run and a recording.
pub fn write_summary(out: &mut impl Write, summary: &Summary) -> anyhow::Result<()> {
    write_line::<()>(
        out,
        &Line::Summary {
            summary: summary.clone(),
        },
    )
}

fn write_line<X: Serialize>(out: &mut impl Write, line: &Line<X>) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// A recording read back: its header (if it has one) and its samples.
#[derive(Debug)]
pub struct Recording<X> {
    pub header: Option<Header>,
    pub samples: Vec<Sample<X>>,
    pub summary: Option<Summary>,
}

impl<X: PartView> Recording<X> {
    /// Reads a recording made by the part called `part`.
    pub fn read(path: &Path, part: &str) -> anyhow::Result<Self> {
        let file = File::open(path)
            .with_context(|| format!("cannot open the recording {}", path.display()))?;
        let mut recording = Recording {
            header: None,
            samples: Vec::new(),
            summary: None,
        };
        for (index, line) in BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("{}: cannot read", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let parsed: Line<X> = serde_json::from_str(&line).with_context(|| {
                format!(
                    "{} line {}: not a sample of {part}",
                    path.display(),
                    index + 1
                )
            })?;
            match parsed {
                Line::Header { recording: header } => {
                    if header.part != part {
                        bail!(
                            "{} was recorded by {}; replay it with `cargo run --release -p {} -- replay {}` \
                             (or export it the same way)",
                            path.display(),
                            header.part,
                            header.part,
                            path.display()
                        );
                    }
                    recording.header = Some(header);
                }
                Line::Summary { summary } => recording.summary = Some(summary),
                Line::Sample(sample) => recording.samples.push(*sample),
            }
        }
        if recording.samples.is_empty() {
            bail!("{} holds no samples", path.display());
        }
        Ok(recording)
    }
}

impl<X> Recording<X> {
    /// The header and help of the dashboard that replays this recording (read from `path`),
    /// for a part titled `title` whose rows read as `reading`, drawn in `theme`.
    pub fn replay_info(
        &self,
        path: &Path,
        title: &str,
        reading: &[(&'static str, &'static str)],
        theme: Theme,
    ) -> DemoInfo {
        match &self.header {
            Some(header) => DemoInfo {
                title: format!("REPLAY · {}", header.title),
                subtitle: header.subtitle.clone(),
                notes: header.notes.clone(),
                reading: reading.to_vec(),
                theme,
                controls: Controls::Replay,
            },
            None => DemoInfo {
                title: format!("REPLAY · {title}"),
                subtitle: path.display().to_string(),
                notes: Vec::new(),
                reading: reading.to_vec(),
                theme,
                controls: Controls::Replay,
            },
        }
    }
}

/// Plays a recording in the dashboard, at its recorded pace times `speed`.
pub fn replay<P: Part>(path: &Path, speed: f64, theme: Theme) -> anyhow::Result<()> {
    let recording = Recording::<P::View>::read(path, P::NAME)?;
    dashboard::require_terminal(
        "run replay from a terminal (the recording itself is JSON lines, one sample each)",
    )?;
    let info = recording.replay_info(path, P::TITLE, P::READING, theme);
    let (feeder, receiver) = mpsc::channel();
    let samples = recording.samples;
    thread::Builder::new()
        .name("replay".into())
        .spawn(move || {
            let started = Instant::now();
            let first_t = samples.first().map_or(0.0, |s| s.t);
            for sample in samples {
                let due = Duration::from_secs_f64(((sample.t - first_t) / speed).max(0.0));
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    thread::sleep(wait);
                }
                if feeder.send(UiEvent::Sample(Box::new(sample))).is_err() {
                    return;
                }
            }
            let _ = feeder.send(UiEvent::Message(
                "End of the recording (q quits).".to_string(),
            ));
        })?;
    // The dashboard keeps every key but those of the view from a replay (`Controls::Replay`):
    // nothing reaches here but quitting.
    dashboard::run::<P::View>(info, receiver, |_| {})
}
