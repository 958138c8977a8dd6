//! Reading what `cargo test` prints: which test passed, which failed and why, or why nothing
//! could run.
//!
//! libtest's plain output is stable enough to read line by line: one `test <name> ... ok` (or
//! `FAILED`, `ignored`) per test, then a `---- <name> stdout ----` block per failure with the
//! captured output, which holds the panic (`thread '<t>' panicked at <file:line:col>:` and the
//! message on the following lines), then `test result: ...`. When the code does not compile
//! there is no test output at all, and cargo's stderr holds the first error and its location.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Ignored,
}

/// The panic that failed a test.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Failure {
    /// `file:line:col` of the panic, when the output names one.
    pub location: Option<String>,
    /// The panic message (may span several lines, as `assert_eq!`'s does).
    pub message: String,
}

impl Failure {
    /// The message a `todo!()` panics with.
    pub fn is_todo(&self) -> bool {
        self.message == "not yet implemented" || self.message.starts_with("not yet implemented: ")
    }

    /// `file:line` of the panic, without the column.
    pub fn file_line(&self) -> Option<&str> {
        let location = self.location.as_deref()?;
        match location.rsplit_once(':') {
            Some((file_line, col)) if col.bytes().all(|b| b.is_ascii_digit()) => Some(file_line),
            _ => Some(location),
        }
    }
}

/// One test binary's run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TestReport {
    /// Every test that reported a result, in the order they finished.
    pub outcomes: Vec<(String, Outcome)>,
    /// Why each failed test failed, when its output holds a panic.
    pub failures: BTreeMap<String, Failure>,
    /// Whether libtest printed its closing `test result:` line (false if the binary crashed).
    pub finished: bool,
}

impl TestReport {
    pub fn count(&self, outcome: Outcome) -> usize {
        self.outcomes.iter().filter(|(_, o)| *o == outcome).count()
    }

    pub fn failed(&self) -> impl Iterator<Item = &str> {
        self.outcomes
            .iter()
            .filter(|(_, o)| *o == Outcome::Failed)
            .map(|(name, _)| name.as_str())
    }
}

/// Parses libtest's plain output (cargo test's stdout).
pub fn parse(stdout: &str) -> TestReport {
    let mut report = TestReport::default();
    let mut block: Option<(String, Vec<&str>)> = None;
    for line in stdout.lines() {
        if let Some(name) = failure_block_header(line) {
            finish_block(&mut report, block.take());
            block = Some((name.to_string(), Vec::new()));
            continue;
        }
        if line == "failures:" || line.starts_with("test result: ") {
            finish_block(&mut report, block.take());
            report.finished |= line.starts_with("test result: ");
            continue;
        }
        if let Some((_, lines)) = &mut block {
            lines.push(line);
        } else if let Some(outcome) = outcome_line(line) {
            report.outcomes.push(outcome);
        }
    }
    finish_block(&mut report, block);
    report
}

/// `---- <name> stdout ----` → `<name>`.
fn failure_block_header(line: &str) -> Option<&str> {
    line.strip_prefix("---- ")?.strip_suffix(" stdout ----")
}

/// `test <name> ... ok|FAILED|ignored[, reason]`.
fn outcome_line(line: &str) -> Option<(String, Outcome)> {
    let (name, result) = line.strip_prefix("test ")?.split_once(" ... ")?;
    let outcome = match result {
        "ok" => Outcome::Passed,
        "FAILED" => Outcome::Failed,
        ignored if ignored.starts_with("ignored") => Outcome::Ignored,
        _ => return None,
    };
    Some((name.to_string(), outcome))
}

fn finish_block(report: &mut TestReport, block: Option<(String, Vec<&str>)>) {
    if let Some((name, lines)) = block {
        report.failures.insert(name, last_panic(&lines));
    }
}

/// The last panic in a failed test's output: the one that ended the test (earlier ones may
/// belong to the test itself, such as a job that panics on purpose).
fn last_panic(lines: &[&str]) -> Failure {
    let Some(start) = lines.iter().rposition(|l| panic_location(l).is_some()) else {
        // No panic line: keep the output itself as the reason.
        let message = lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        return Failure {
            location: None,
            message,
        };
    };
    let location = panic_location(lines[start]).map(tidy_path);
    let mut message: Vec<&str> = lines[start + 1..]
        .iter()
        .copied()
        .take_while(|l| !l.starts_with("note: ") && !l.starts_with("stack backtrace:"))
        .collect();
    while message.last().is_some_and(|l| l.trim().is_empty()) {
        message.pop();
    }
    Failure {
        location,
        message: message.join("\n"),
    }
}

/// `thread '<name>' panicked at <location>:` → `<location>`. Recent Rust versions put the
/// thread's OS id after the name: `thread '<name>' (1234) panicked at <location>:`.
fn panic_location(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("thread '")?;
    let (_, after) = rest.split_once(" panicked at ")?;
    after.strip_suffix(':')
}

/// `exercises/tests/../src/x.rs:3:5` → `exercises/src/x.rs:3:5`. A test file includes its stub
/// with `#[path = "../src/<id>.rs"]`, and rustc reports the path as written.
pub fn tidy_path(location: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in location.split('/') {
        match part {
            "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// The first compiler error in cargo's stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// The error line, e.g. `error[E0308]: mismatched types`.
    pub message: String,
    /// `file:line:col` from the `-->` line below it.
    pub location: Option<String>,
}

/// Finds the first real compiler error (not cargo's closing "could not compile").
pub fn first_compile_error(stderr: &str) -> Option<CompileError> {
    let lines: Vec<&str> = stderr.lines().collect();
    let start = lines.iter().position(|l| {
        (l.starts_with("error[") || l.starts_with("error:"))
            && !l.starts_with("error: could not compile")
    })?;
    let location = lines[start + 1..]
        .iter()
        .take_while(|l| !l.starts_with("error") && !l.starts_with("warning"))
        .find_map(|l| l.trim_start().strip_prefix("--> "))
        .map(tidy_path);
    Some(CompileError {
        message: lines[start].to_string(),
        location,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real output of a test binary (rustc 1.9x), trimmed.
    const RUN: &str = "
running 4 tests
test nested ... ok
test slow ... ignored, needs a network
test enter ... FAILED
test concurrent ... FAILED

failures:

---- enter stdout ----

thread 'enter' panicked at exercises/tests/../src/p1_active_guard.rs:40:9:
not yet implemented
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- concurrent stdout ----
thread '<unnamed>' (4242) panicked at exercises/tests/p1_thread_pool.rs:12:5:
a job failed (this panic is part of the test)
thread 'concurrent' panicked at exercises/tests/p1_active_guard.rs:88:13:
assertion `left == right` failed: the gauge must read 0
  left: 3
 right: 0


failures:
    concurrent
    enter

test result: FAILED. 1 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s
";

    #[test]
    fn reads_outcomes_in_order() {
        let report = parse(RUN);
        assert!(report.finished);
        assert_eq!(
            report.outcomes,
            vec![
                ("nested".to_string(), Outcome::Passed),
                ("slow".to_string(), Outcome::Ignored),
                ("enter".to_string(), Outcome::Failed),
                ("concurrent".to_string(), Outcome::Failed),
            ]
        );
        assert_eq!(report.count(Outcome::Failed), 2);
        assert_eq!(report.failed().collect::<Vec<_>>(), ["enter", "concurrent"]);
    }

    #[test]
    fn recognises_a_todo() {
        let report = parse(RUN);
        let enter = &report.failures["enter"];
        assert!(enter.is_todo());
        assert_eq!(
            enter.location.as_deref(),
            Some("exercises/src/p1_active_guard.rs:40:9")
        );
        assert_eq!(
            enter.file_line(),
            Some("exercises/src/p1_active_guard.rs:40")
        );
    }

    #[test]
    fn keeps_the_last_panic_and_its_whole_message() {
        let report = parse(RUN);
        let concurrent = &report.failures["concurrent"];
        assert!(!concurrent.is_todo());
        assert_eq!(
            concurrent.location.as_deref(),
            Some("exercises/tests/p1_active_guard.rs:88:13")
        );
        assert_eq!(
            concurrent.message,
            "assertion `left == right` failed: the gauge must read 0\n  left: 3\n right: 0"
        );
    }

    #[test]
    fn a_crash_leaves_the_report_unfinished() {
        let report = parse("running 2 tests\ntest a ... ok\n");
        assert!(!report.finished);
        assert_eq!(report.outcomes.len(), 1);
    }

    #[test]
    fn a_todo_with_a_message_is_still_a_todo() {
        let failure = Failure {
            location: None,
            message: "not yet implemented: the queue".into(),
        };
        assert!(failure.is_todo());
        assert_eq!(failure.file_line(), None);
    }

    #[test]
    fn tidies_relative_paths() {
        assert_eq!(tidy_path("a/tests/../src/x.rs:1:2"), "a/src/x.rs:1:2");
        assert_eq!(tidy_path("./a/./b.rs"), "a/b.rs");
        assert_eq!(tidy_path("../up/x.rs"), "../up/x.rs");
        assert_eq!(tidy_path("/abs/a/../b.rs"), "/abs/b.rs");
    }

    #[test]
    fn finds_the_first_compile_error_and_its_location() {
        let stderr = "\
   Compiling exercises v0.1.0 (/w/exercises)
warning: unused import: `std::fmt`
 --> exercises/src/p1_thread_pool.rs:3:5
error[E0308]: mismatched types
  --> exercises/tests/../src/p1_active_guard.rs:40:9
   |
40 |         1
   |         ^ expected `Gauge`, found integer
error: could not compile `exercises` (lib) due to 1 previous error
";
        assert_eq!(
            first_compile_error(stderr),
            Some(CompileError {
                message: "error[E0308]: mismatched types".into(),
                location: Some("exercises/src/p1_active_guard.rs:40:9".into()),
            })
        );
        assert_eq!(first_compile_error("   Compiling x\n"), None);
    }
}
