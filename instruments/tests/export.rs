//! `export`: a recording, written by the recorder itself, drawn as SVG charts — each file an
//! SVG document naming its series and the scenario's stages — and every bad input refused with
//! a message.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use instruments::dashboard::{DemoInfo, PartView};
use instruments::export::{PartChart, export, series};
use instruments::load::{LoadReport, Percentiles};
use instruments::record::Recorder;
use instruments::sample::{Sample, Summary};

const PART: &str = "part-test";

/// A part whose panel shows one gauge, which it charts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Gauge {
    level: f64,
}

impl PartView for Gauge {
    fn charts(samples: &[Sample<Self>]) -> Vec<PartChart> {
        vec![PartChart {
            file: "gauge",
            title: "The gauge",
            y_label: "units",
            series: vec![series("gauge level", samples, |s| Some(s.part.level))],
        }]
    }
}

/// A directory of its own under the system's temporary one, for this test and run.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("export-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// Six seconds of a run by `part`: two stages of a scenario, load from the second second on.
fn record(path: &Path, part: &str) {
    let mut recorder = Recorder::create(path, part, &DemoInfo::default(), Duration::from_secs(1))
        .expect("the recording can be created");
    for t in 1..=6_u32 {
        let stage = if t < 4 {
            "story (6s): Idle. Nothing happens yet."
        } else {
            "story (6s): 10 clients: watch Threads."
        };
        let sample = Sample {
            t: f64::from(t),
            stage: Some(stage.to_string()),
            load: (t > 1).then(|| LoadReport {
                offered_per_s: 100.0,
                completed_per_s: 98.0,
                latency_us: Percentiles {
                    p50: 50_000,
                    p90: 51_000,
                    p99: 52_000 + 1000 * u64::from(t),
                    max: 60_000,
                },
                ..LoadReport::default()
            }),
            part: Gauge {
                level: f64::from(t * t),
            },
            ..Sample::default()
        };
        recorder.sample(&sample).expect("a sample is written");
    }
    recorder
        .finish(&Summary::default())
        .expect("the summary is written");
}

/// The text of every `<text>` element of `svg`, trimmed; fails unless `svg` is one `<svg>`
/// element whose tags all open and close in order.
fn svg_texts<'a>(svg: &'a str, file: &Path) -> Vec<&'a str> {
    assert!(
        svg.trim_start().starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{} is not an SVG document",
        file.display()
    );
    let mut open: Vec<&str> = Vec::new();
    let mut texts = Vec::new();
    for piece in svg.split('<').skip(1) {
        let (tag, content) = piece.split_once('>').expect("every tag is closed by >");
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(
                open.pop(),
                Some(closing.trim()),
                "{}: </{closing}> closes the wrong element",
                file.display()
            );
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            let name = tag.split_whitespace().next().unwrap_or("");
            if name == "text" {
                texts.push(content.trim());
            }
            open.push(name);
        }
    }
    assert!(open.is_empty(), "{}: unclosed {open:?}", file.display());
    texts
}

#[test]
fn a_recording_becomes_one_svg_per_chart_with_its_series_and_stages() {
    let dir = temp_dir("charts");
    let recording = dir.join("run.jsonl");
    record(&recording, PART);
    let out = dir.join("slides");
    let written = export::<Gauge>(&recording, PART, &out).expect("the recording exports");

    let names: Vec<String> = written
        .iter()
        .map(|f| {
            f.file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "requests.svg",
            "latency.svg",
            "threads.svg",
            "memory.svg",
            "switches.svg",
            "gauge.svg"
        ],
        "the shared charts, then the part's"
    );
    for (file, wanted) in written.iter().zip([
        ["Requests per second", "completed", "offered"],
        ["Latency", "p50", "p99"],
        ["Threads", "in the OS", "counted by the server"],
        ["Resident memory (RSS)", "RSS", "MiB"],
        [
            "Context switches per request",
            "context switches",
            "time (s)",
        ],
        ["The gauge", "gauge level", "units"],
    ]) {
        let svg = std::fs::read_to_string(file).expect("the chart was written");
        let texts = svg_texts(&svg, file);
        for text in wanted.into_iter().chain(["Idle", "10 clients"]) {
            assert!(
                texts.contains(&text),
                "{} does not show {text:?}: {texts:?}",
                file.display()
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_recordings_are_refused_with_a_message() {
    let dir = temp_dir("bad");
    let out = dir.join("slides");
    let error = |path: &Path| {
        export::<Gauge>(path, PART, &out)
            .expect_err("a bad recording must not export")
            .to_string()
    };

    let missing = error(&dir.join("missing.jsonl"));
    assert!(missing.contains("cannot open"), "{missing}");

    let corrupt = dir.join("corrupt.jsonl");
    std::fs::write(&corrupt, "{\"t\": 1.0, \"part\": \n").expect("write");
    let corrupt = error(&corrupt);
    assert!(corrupt.contains("line 1"), "{corrupt}");

    let other = dir.join("other.jsonl");
    record(&other, "part-other");
    let other = error(&other);
    assert!(
        other.contains("was recorded by part-other"),
        "a recording of another part is refused: {other}"
    );

    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "").expect("write");
    let empty = error(&empty);
    assert!(empty.contains("no samples"), "{empty}");

    assert!(!out.exists(), "nothing is written for a bad recording");
    std::fs::remove_dir_all(&dir).ok();
}
