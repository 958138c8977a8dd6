//! From a test run to what a learner needs to hear: solved, or the one reason it is not.

use crate::cargo::TestRun;
use crate::libtest::{Failure, Outcome, TestReport};

/// Longer messages are cut in the progress table; the test command shows them whole.
const REASON_WIDTH: usize = 110;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Solved { tests: usize },
    Unsolved { reason: String },
}

impl Status {
    pub fn is_solved(&self) -> bool {
        matches!(self, Status::Solved { .. })
    }
}

/// Judges one exercise's run. `test_source` is the text of `tests/<id>.rs`: failures are
/// reported in the order the tests appear there, the order a learner reads them.
pub fn judge(run: &TestRun, test_source: &str) -> Status {
    match run {
        TestRun::Ran(report) => judge_report(report, test_source),
        TestRun::DoesNotCompile(error) => {
            let Some(error) = error else {
                return unsolved("does not compile (run the test command to see the error)");
            };
            let location = error.location.as_deref().unwrap_or("unknown location");
            let blame = if location.contains("/tests/") {
                "the tests do not compile against your code (was the public API changed?)"
            } else {
                "does not compile"
            };
            // The location first: a long message is cut at the end, never the path.
            unsolved(&format!("{blame} at {location}: {}", error.message))
        }
        TestRun::Crashed { report, status } => unsolved(&format!(
            "the test run crashed ({status}) after {} test(s); run the test command to see why",
            report.outcomes.len()
        )),
    }
}

fn judge_report(report: &TestReport, test_source: &str) -> Status {
    let total = report.outcomes.len();
    let failed = report.count(Outcome::Failed);
    if total == 0 {
        return unsolved("no test ran");
    }
    if failed == 0 {
        return Status::Solved {
            tests: report.count(Outcome::Passed),
        };
    }
    let mut failing: Vec<&str> = report.failed().collect();
    failing.sort_by_key(|name| (source_position(test_source, name), *name));
    let first = failing[0];
    let failure = report.failures.get(first).cloned().unwrap_or_default();
    let all_todo = failed == total
        && failing
            .iter()
            .all(|name| report.failures.get(*name).is_some_and(Failure::is_todo));
    let todo_at = failure.file_line().unwrap_or("your file").to_string();
    if all_todo {
        return unsolved(&format!("not started: todo!() in {todo_at}"));
    }
    if failure.is_todo() {
        return unsolved(&format!(
            "{failed}/{total} tests fail; todo!() left in {todo_at}"
        ));
    }
    unsolved(&format!(
        "{failed}/{total} tests fail; first: {first}\n{}",
        headline(&failure.message)
    ))
}

/// The first line of a panic message, without the `assert_eq!` preamble that hides the test's
/// own explanation.
fn headline(message: &str) -> &str {
    let first = message.lines().next().unwrap_or("(no message)");
    [
        "assertion `left == right` failed: ",
        "assertion `left != right` failed: ",
    ]
    .iter()
    .find_map(|preamble| first.strip_prefix(preamble))
    .unwrap_or(first)
}

/// Where `fn <name>(` stands in the test file (tests not found there come last).
pub fn source_position(source: &str, name: &str) -> usize {
    let function = name.rsplit("::").next().unwrap_or(name);
    source
        .find(&format!("fn {function}("))
        .unwrap_or(usize::MAX)
}

/// An unsolved status; each line of `reason` is cut to [`REASON_WIDTH`].
fn unsolved(reason: &str) -> Status {
    let lines: Vec<String> = reason
        .lines()
        .map(|line| {
            if line.chars().count() > REASON_WIDTH {
                let cut: String = line.chars().take(REASON_WIDTH - 1).collect();
                format!("{cut}…")
            } else {
                line.to_string()
            }
        })
        .collect();
    Status::Unsolved {
        reason: lines.join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libtest::{self, CompileError};

    /// The tests in the order of the file; they finish in another order.
    const SOURCE: &str = "#[test]\nfn first_in_file() {}\n#[test]\nfn second_in_file() {}\n";

    fn ran(stdout: &str) -> TestRun {
        TestRun::Ran(libtest::parse(stdout))
    }

    fn todo_block(name: &str, line: u32) -> String {
        format!(
            "---- {name} stdout ----\nthread '{name}' panicked at exercises/src/p1_x.rs:{line}:9:\n\
             not yet implemented\n"
        )
    }

    #[test]
    fn every_test_passing_is_solved() {
        let status = judge(
            &ran("test a ... ok\ntest b ... ok\n\ntest result: ok.\n"),
            "",
        );
        assert_eq!(status, Status::Solved { tests: 2 });
    }

    #[test]
    fn all_todo_is_not_started_and_points_at_the_first_test_in_the_file() {
        let out = format!(
            "test second_in_file ... FAILED\ntest first_in_file ... FAILED\n\nfailures:\n\n{}\n{}\
             \nfailures:\n\ntest result: FAILED.\n",
            todo_block("second_in_file", 20),
            todo_block("first_in_file", 14)
        );
        assert_eq!(
            judge(&ran(&out), SOURCE),
            Status::Unsolved {
                reason: "not started: todo!() in exercises/src/p1_x.rs:14".into()
            }
        );
    }

    #[test]
    fn a_real_failure_names_the_test_and_the_first_line_of_its_message() {
        let out = "test first_in_file ... FAILED\ntest second_in_file ... ok\n\nfailures:\n\n\
                   ---- first_in_file stdout ----\nthread 'first_in_file' panicked at t.rs:3:5:\n\
                   assertion `left == right` failed: the gauge must read 0\n  left: 1\n\nfailures:\n\n\
                   test result: FAILED.\n";
        assert_eq!(
            judge(&ran(out), SOURCE),
            Status::Unsolved {
                reason: "1/2 tests fail; first: first_in_file\nthe gauge must read 0".into()
            }
        );
    }

    #[test]
    fn a_todo_left_behind_is_named() {
        let out = format!(
            "test first_in_file ... ok\ntest second_in_file ... FAILED\n\nfailures:\n\n{}\
             \nfailures:\n\ntest result: FAILED.\n",
            todo_block("second_in_file", 30)
        );
        assert_eq!(
            judge(&ran(&out), SOURCE),
            Status::Unsolved {
                reason: "1/2 tests fail; todo!() left in exercises/src/p1_x.rs:30".into()
            }
        );
    }

    #[test]
    fn compile_errors_say_whose_code_is_broken() {
        let in_stub = TestRun::DoesNotCompile(Some(CompileError {
            message: "error[E0308]: mismatched types".into(),
            location: Some("exercises/src/p1_x.rs:4:5".into()),
        }));
        assert_eq!(
            judge(&in_stub, ""),
            Status::Unsolved {
                reason: "does not compile at exercises/src/p1_x.rs:4:5: error[E0308]: \
                         mismatched types"
                    .into()
            }
        );
        let in_tests = TestRun::DoesNotCompile(Some(CompileError {
            message: "error[E0061]: wrong number of arguments".into(),
            location: Some("exercises/tests/p1_x.rs:9:5".into()),
        }));
        let Status::Unsolved { reason } = judge(&in_tests, "") else {
            panic!("a compile error is not solved");
        };
        assert!(reason.starts_with("the tests do not compile against your code"));

        let long = TestRun::DoesNotCompile(Some(CompileError {
            message: format!("error[E0599]: no method named `{}`", "x".repeat(200)),
            location: Some("exercises/src/p1_active_guard.rs:40:9".into()),
        }));
        let Status::Unsolved { reason } = judge(&long, "") else {
            panic!("a compile error is not solved");
        };
        assert!(
            reason.contains("exercises/src/p1_active_guard.rs:40:9"),
            "a long message is cut after the path, never in it: {reason}"
        );
    }

    #[test]
    fn long_reasons_are_cut() {
        let Status::Unsolved { reason } = unsolved(&format!("{}\nshort", "x".repeat(500))) else {
            panic!("unsolved");
        };
        let (long, short) = reason.split_once('\n').expect("two lines");
        assert_eq!(long.chars().count(), REASON_WIDTH);
        assert!(long.ends_with('…'));
        assert_eq!(short, "short");
    }
}
