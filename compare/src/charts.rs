//! The race drawn: for each io_ms, four charts against the connection count, one line per
//! server (`instruments::plot` draws them).
//!
//! The connection counts span decades (10 to 10 000), so the x axis is logarithmic; so are the
//! axes of latency, memory and threads, which part 1 drives up by orders of magnitude while the
//! others stay flat. Throughput stays linear, from zero: its differences are what the race is
//! about, and a log axis would flatten them. A server's failed rows leave gaps in its line.

use std::path::{Path, PathBuf};

use instruments::plot::{LineChart, Scale, Series};

use crate::measure::Measurement;
use crate::results::Row;
use crate::server::Server;

/// One chart: its file name's start, title, y axis and scale, and the value it plots.
struct Quantity {
    file: &'static str,
    title: &'static str,
    y_label: &'static str,
    y_scale: Scale,
    value: fn(&Measurement) -> f64,
}

const QUANTITIES: [Quantity; 4] = [
    Quantity {
        file: "throughput",
        title: "Completed requests per second",
        y_label: "req/s",
        y_scale: Scale::Linear,
        value: |m| m.load.completed_per_s,
    },
    Quantity {
        file: "p99",
        title: "99th percentile latency",
        y_label: "p99 (ms)",
        y_scale: Scale::Log,
        value: |m| m.load.latency_us.p99 as f64 / 1000.0,
    },
    Quantity {
        file: "rss",
        title: "Server memory (peak RSS)",
        y_label: "RSS (MiB)",
        y_scale: Scale::Log,
        value: |m| m.peak_rss as f64 / (1024.0 * 1024.0),
    },
    Quantity {
        file: "threads",
        title: "Server threads (peak)",
        y_label: "threads",
        y_scale: Scale::Log,
        value: |m| m.peak_threads as f64,
    },
];

/// Writes the charts of `rows` into `dir`, returning the files written.
pub fn write(
    dir: &Path,
    servers: &[Server],
    io_ms: &[u64],
    rows: &[Row],
) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for &io in io_ms {
        for quantity in &QUANTITIES {
            let series = servers
                .iter()
                .map(|&server| Series {
                    name: server.name().to_string(),
                    points: rows
                        .iter()
                        .filter(|row| row.server == server && row.io_ms == io)
                        .filter_map(|row| {
                            Some((row.connections as f64, (quantity.value)(row.measured()?)))
                        })
                        .collect(),
                })
                .collect();
            let chart = LineChart {
                title: format!("{} (io_ms={io})", quantity.title),
                x_label: "client connections".to_string(),
                y_label: quantity.y_label.to_string(),
                x_scale: Scale::Log,
                y_scale: quantity.y_scale,
                series,
                marks: Vec::new(),
            };
            let path = dir.join(format!("{}-io{io}.svg", quantity.file));
            chart.write_svg(&path)?;
            written.push(path);
        }
    }
    Ok(written)
}
