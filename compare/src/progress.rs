//! The progress bar and the time left, on stderr, so that stdout carries only the table.
//!
//! On a terminal the bar is redrawn in place (`\r`) a few times a second and wiped before each
//! table row is printed, so that the two streams do not tear each other. Elsewhere (a pipe, a
//! CI log) it is one line per row as the row starts.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Cells of the bar.
const BAR_WIDTH: usize = 24;
/// Time a row takes beyond its load: starting and stopping the server, the load's shutdown.
const ROW_OVERHEAD: Duration = Duration::from_millis(1500);

pub struct Progress {
    rows: usize,
    /// Expected length of one row.
    per_row: Duration,
    started: Instant,
    terminal: bool,
    /// The row in hand: its number (from 0) and what it runs.
    current: Mutex<(usize, String)>,
}

impl Progress {
    pub fn new(rows: usize, load_length: Duration) -> Self {
        Progress {
            rows,
            per_row: load_length + ROW_OVERHEAD,
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            current: Mutex::new((0, String::new())),
        }
    }

    /// Row `index` (from 0) starts.
    pub fn row(&self, index: usize, what: String) {
        let line = self.line(index, &what, Duration::ZERO);
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = (index, what);
        if self.terminal {
            self.draw(&line);
        } else {
            eprintln!("{line}");
        }
    }

    /// The row in hand has run for `elapsed`.
    pub fn tick(&self, elapsed: Duration) {
        if !self.terminal {
            return;
        }
        let (index, what) = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        self.draw(&self.line(index, &what, elapsed));
    }

    /// Wipes the bar, before something else is printed.
    pub fn clear(&self) {
        if self.terminal {
            eprint!("\r\x1b[2K");
        }
    }

    fn draw(&self, line: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
    }

    /// `[#######.........] 3/10 part2 · 100 conns · io_ms 50 · 0:42 left`
    fn line(&self, index: usize, what: &str, elapsed_in_row: Duration) -> String {
        let done =
            index as f64 + (elapsed_in_row.as_secs_f64() / self.per_row.as_secs_f64()).min(1.0);
        let filled = ((done / self.rows.max(1) as f64) * BAR_WIDTH as f64) as usize;
        let bar = format!(
            "{}{}",
            "#".repeat(filled),
            ".".repeat(BAR_WIDTH - filled.min(BAR_WIDTH))
        );
        let left = time_left(self.started.elapsed(), done, self.rows, self.per_row);
        format!(
            "[{bar}] {}/{} {what} · {} left",
            index + 1,
            self.rows,
            clock(left)
        )
    }
}

/// The time left when `done` rows of `rows` took `spent`: at the pace so far once there is one,
/// at the expected `per_row` before.
fn time_left(spent: Duration, done: f64, rows: usize, per_row: Duration) -> Duration {
    let remaining = (rows as f64 - done).max(0.0);
    let pace = if done >= 1.0 {
        spent.as_secs_f64() / done
    } else {
        per_row.as_secs_f64()
    };
    Duration::from_secs_f64(remaining * pace)
}

/// "1:05", "0:42".
fn clock(duration: Duration) -> String {
    let seconds = duration.as_secs();
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_follows_the_pace() {
        let per_row = Duration::from_secs(10);
        assert_eq!(
            time_left(Duration::ZERO, 0.0, 4, per_row),
            Duration::from_secs(40)
        );
        // Two rows took 30 s: 15 s a row, two rows left.
        assert_eq!(
            time_left(Duration::from_secs(30), 2.0, 4, per_row),
            Duration::from_secs(30)
        );
        assert_eq!(
            time_left(Duration::from_secs(60), 4.0, 4, per_row),
            Duration::ZERO
        );
        assert_eq!(clock(Duration::from_secs(65)), "1:05");
    }
}
