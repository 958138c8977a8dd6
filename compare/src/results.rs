//! The race's rows, and the forms they are written in: a Markdown table (printed as the rows
//! come, and saved as `results.md`, the table `BENCHMARKS.md` shows) and `results.csv`.

use std::fmt::Write as _;

use instruments::load::ClientErrors;

use crate::measure::Measurement;
use crate::server::Server;

/// Bytes in a MiB.
const MIB: f64 = 1024.0 * 1024.0;

/// One server under one load.
#[derive(Debug, Clone)]
pub struct Row {
    pub server: Server,
    pub connections: u64,
    pub io_ms: u64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Measured(Measurement),
    /// The server could not be measured at all: not built, did not start.
    Failed(String),
}

impl Row {
    pub fn measured(&self) -> Option<&Measurement> {
        match &self.outcome {
            Outcome::Measured(m) if m.load.completed_total > 0 => Some(m),
            _ => None,
        }
    }

    /// What went wrong, in a few words; empty when nothing did.
    pub fn note(&self) -> String {
        match &self.outcome {
            Outcome::Failed(why) => why.clone(),
            Outcome::Measured(m) => {
                let mut notes = Vec::new();
                if let Some(died) = &m.died {
                    notes.push(died.clone());
                }
                if m.load.completed_total == 0 {
                    notes.push("no response".to_string());
                }
                if m.load.errors_total.total() > 0 {
                    notes.push(describe_errors(&m.load.errors_total));
                }
                notes.join("; ")
            }
        }
    }
}

/// "refused 812, reset 3: the listen backlog is full, or nobody listens".
fn describe_errors(errors: &ClientErrors) -> String {
    let mut kinds = ClientErrors::KINDS
        .iter()
        .zip(errors.counts())
        .filter(|(_, n)| *n > 0);
    let Some(((name, _, cause), count)) = kinds.next() else {
        return String::new();
    };
    let mut text = format!("{name} {count}");
    for ((name, _, _), count) in kinds {
        let _ = write!(text, ", {name} {count}");
    }
    format!("{text} ({cause})")
}

pub const TABLE_HEADER: &str = "| server | conns | io_ms | req/s | p50 | p99 | errors | threads | RSS | CPU | ctx sw/req | note |\n\
                                |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|";

/// The row as a line of the Markdown table.
pub fn table_line(row: &Row) -> String {
    let dash = "–";
    let cells: [String; 9] = match &row.outcome {
        Outcome::Measured(m) => {
            let answered = m.load.completed_total > 0;
            let or_dash = |text: String| if answered { text } else { dash.to_string() };
            [
                format!("{:.0}", m.load.completed_per_s),
                or_dash(millis(m.load.latency_us.p50)),
                or_dash(millis(m.load.latency_us.p99)),
                m.load.errors_total.total().to_string(),
                m.peak_threads.to_string(),
                format!("{:.1} MiB", m.peak_rss as f64 / MIB),
                format!("{:.0}%", m.cpu_percent),
                m.context_switches_per_request()
                    .map_or(dash.to_string(), |per| format!("{per:.2}")),
                markdown_cell(&row.note()),
            ]
        }
        Outcome::Failed(why) => {
            let mut cells: [String; 9] = std::array::from_fn(|_| dash.to_string());
            cells[8] = markdown_cell(&format!("**failed**: {why}"));
            cells
        }
    };
    format!(
        "| {} | {} | {} | {} |",
        row.server.name(),
        row.connections,
        row.io_ms,
        cells.join(" | ")
    )
}

/// A note in a table cell: no pipes, no line breaks.
fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// "50.3 ms", "0.21 ms".
fn millis(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// `results.md`: what was run and where, the table, and what the servers are.
pub fn markdown(command: &str, machine: &str, rows: &[Row]) -> String {
    let mut text = format!("Measured with `{command}` on {machine}.\n\n{TABLE_HEADER}\n");
    for row in rows {
        text.push_str(&table_line(row));
        text.push('\n');
    }
    text.push_str(COLUMNS);
    text
}

/// What the columns mean, under the table.
const COLUMNS: &str = "\n*req/s*: responses `200` per second after the warm-up (the load \
generator's count); *p50*, *p99*: their latency; *errors*: failed requests and connects; \
*threads*, *RSS*: the server process's peaks; *CPU*: its mean, in % of one core; *ctx sw/req*: \
its voluntary and involuntary context switches per response.\n";

pub const CSV_HEADER: &str = "server,connections,io_ms,completed_per_s,p50_ms,p99_ms,errors,\
threads,rss_mib,cpu_percent,ctx_switches_per_request,note";

/// `results.csv`: one line per row, empty cells where nothing was measured.
pub fn csv(rows: &[Row]) -> String {
    let mut text = format!("{CSV_HEADER}\n");
    for row in rows {
        let measured: [String; 8] = match &row.outcome {
            Outcome::Measured(m) => {
                // No latency and no switches per request where nothing was answered.
                let answered = |text: String| {
                    if row.measured().is_some() {
                        text
                    } else {
                        String::new()
                    }
                };
                [
                    format!("{:.1}", m.load.completed_per_s),
                    answered(format!("{:.3}", m.load.latency_us.p50 as f64 / 1000.0)),
                    answered(format!("{:.3}", m.load.latency_us.p99 as f64 / 1000.0)),
                    m.load.errors_total.total().to_string(),
                    m.peak_threads.to_string(),
                    format!("{:.1}", m.peak_rss as f64 / MIB),
                    format!("{:.1}", m.cpu_percent),
                    m.context_switches_per_request()
                        .map_or(String::new(), |per| format!("{per:.3}")),
                ]
            }
            Outcome::Failed(_) => Default::default(),
        };
        let _ = writeln!(
            text,
            "{},{},{},{},{}",
            row.server.name(),
            row.connections,
            row.io_ms,
            measured.join(","),
            csv_field(&row.note())
        );
    }
    text
}

/// A CSV field, quoted when it needs to be (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_row_says_why_in_every_form() {
        let row = Row {
            server: Server::Part2,
            connections: 10,
            io_ms: 50,
            outcome: Outcome::Failed("not built: run `cargo build`, now".to_string()),
        };
        let line = table_line(&row);
        assert!(line.starts_with("| part2 | 10 | 50 | – |"), "{line}");
        assert!(
            line.ends_with("| **failed**: not built: run `cargo build`, now |"),
            "{line}"
        );
        let csv = csv(&[row]);
        assert!(
            csv.ends_with("part2,10,50,,,,,,,,,\"not built: run `cargo build`, now\"\n"),
            "{csv}"
        );
        assert_eq!(
            csv.lines()
                .map(|l| l.matches(',').count())
                .collect::<Vec<_>>(),
            [11, 12],
            "the header's 12 fields, and the note's comma inside quotes"
        );
    }

    #[test]
    fn errors_are_named_with_their_likely_cause() {
        let errors = ClientErrors {
            refused: 812,
            reset: 3,
            ..ClientErrors::default()
        };
        assert_eq!(
            describe_errors(&errors),
            "refused 812, reset 3 (the listen backlog is full, or nobody listens)"
        );
    }

    #[test]
    fn times_read_in_milliseconds() {
        assert_eq!(millis(50_312), "50.3 ms");
        assert_eq!(millis(210), "0.21 ms");
    }
}
