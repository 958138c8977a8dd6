//! `test <id>`: one exercise's tests, summed up as a learner needs them.
//!
//! Raw `cargo test` output is long: one line per test, each failure's captured output, and, with
//! `RUST_BACKTRACE=1` in the learner's shell (a common setting), a backtrace per failure that
//! buries the one sentence that matters. So the runner captures the output and prints a
//! verdict instead: all pass, or how many fail and then one message per failing test, in the
//! order the tests stand in the file (the order they were written to be read in, which is not
//! the order they finished in).
//!
//! Backtraces are kept out twice: the child runs with `RUST_BACKTRACE=0` (see
//! [`crate::cargo::run_tests`]), and the parser stops a message at `stack backtrace:` anyway.

use crate::cargo::TestRun;
use crate::libtest::{Failure, Outcome, TestReport, tidy_path};
use crate::status;

/// How many lines of a crashed run's output are shown: enough for the abort message.
const CRASH_TAIL_LINES: usize = 15;

/// What to print after `cargo test` for exercise `id` ran, and whether every test passed.
/// `stderr` is cargo's (compiler messages), `test_source` the text of `tests/<id>.rs`.
pub fn verdict(id: &str, run: &TestRun, stderr: &str, test_source: &str) -> (String, bool) {
    match run {
        TestRun::Ran(report)
            if report.count(Outcome::Failed) == 0 && !report.outcomes.is_empty() =>
        {
            let passed = report.count(Outcome::Passed);
            (
                format!(
                    "✅ {id}: {passed}/{passed} tests pass. `cargo run -p exercises` shows what \
                     is next."
                ),
                true,
            )
        }
        TestRun::Ran(report) if report.outcomes.is_empty() => (
            format!("❌ {id}: no test ran (was a `#[test]` removed from tests/{id}.rs?)"),
            false,
        ),
        TestRun::Ran(report) => (failing(id, report, test_source), false),
        TestRun::DoesNotCompile(_) => {
            let diagnostics = compiler_messages(stderr);
            let status::Status::Unsolved { reason } = status::judge(run, test_source) else {
                unreachable!("code that does not compile is never solved");
            };
            (
                format!(
                    "{diagnostics}\n❌ {id} {reason}.\n   The first `error` above says where and \
                     why; fix that one first (the others often follow from it)."
                ),
                false,
            )
        }
        TestRun::Crashed { report, status } => {
            let mut text = format!(
                "❌ {id}: the test run crashed ({status}) after {} test(s) had reported. The \
                 usual causes: a panic inside a `Drop` while another panic unwinds (is a `Drop` \
                 body a `todo!()`?), or a stack overflow (a call that never stops recursing).\n\
                 The end of the output:\n",
                report.outcomes.len()
            );
            let output = compiler_messages(stderr);
            let tail: Vec<&str> = output.lines().collect();
            for line in &tail[tail.len().saturating_sub(CRASH_TAIL_LINES)..] {
                text += &format!("   {line}\n");
            }
            text += &messages(report, test_source);
            (text, false)
        }
    }
}

/// The verdict on a run where some tests failed: the count, then a message per failing test.
fn failing(id: &str, report: &TestReport, test_source: &str) -> String {
    let failed = report.count(Outcome::Failed);
    let total = report.outcomes.len();
    let read_first = if failed > 1 {
        " Read them in this order: the first is the one to fix first."
    } else {
        ""
    };
    format!(
        "❌ {id}: {failed} of {total} tests failing.{read_first}\n\n{}\
         Stuck? `cargo run -p exercises -- hint {id}`.",
        messages(report, test_source)
    )
}

/// One numbered message per failing test, in the order of the test file.
fn messages(report: &TestReport, test_source: &str) -> String {
    let mut failing: Vec<&str> = report.failed().collect();
    failing.sort_by_key(|name| (status::source_position(test_source, name), *name));
    let mut text = String::new();
    for (number, name) in failing.iter().enumerate() {
        let failure = report.failures.get(*name).cloned().unwrap_or_default();
        text += &format!("{}) {name}", number + 1);
        text += &match (failure.file_line(), failure.is_todo()) {
            (Some(place), true) => format!(": reaches the todo!() at {place} (not written yet)\n"),
            (place, false) => format!(
                "{}\n{}\n",
                place.map_or(String::new(), |p| format!(", at {p}")),
                indent(&explanation(&failure))
            ),
            (None, true) => ": reaches a todo!() (not written yet)\n".to_string(),
        };
        text += "\n";
    }
    text
}

fn explanation(failure: &Failure) -> String {
    if failure.message.trim().is_empty() {
        "(the test printed no message; run the raw cargo command above to see its output)"
            .to_string()
    } else {
        failure.message.clone()
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("   {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// cargo's stderr without its progress lines (`Compiling`, `Finished`, `Running`...): what the
/// compiler said, its `-->` paths made plain (`exercises/tests/../src/x.rs` is
/// `exercises/src/x.rs`: the tests include the stub by a relative path).
fn compiler_messages(stderr: &str) -> String {
    const PROGRESS: [&str; 6] = [
        "Compiling ",
        "Finished ",
        "Running ",
        "Blocking ",
        "Checking ",
        "Downloaded ",
    ];
    stderr
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            !PROGRESS.iter().any(|p| line.starts_with(p))
                && !line.starts_with("error: test failed, to rerun pass")
        })
        .map(|line| match line.split_once("--> ") {
            Some((arrow, path)) => format!("{arrow}--> {}", tidy_path(path)),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cargo::classify;
    use crate::libtest::CompileError;

    /// Real output of `cargo test -p exercises --test p2_timer_queue` run with
    /// `RUST_BACKTRACE=1` (trimmed to three tests): a todo, and an assertion whose message spans
    /// three lines, each followed by a backtrace.
    const WITH_BACKTRACES: &str = "
running 3 tests
test len_counts_the_pending_timers ... ok
test a_cancelled_timer_never_fires ... FAILED
test due_timers_come_out_in_deadline_order ... FAILED

failures:

---- a_cancelled_timer_never_fires stdout ----

thread 'a_cancelled_timer_never_fires' (14732) panicked at exercises/tests/../src/p2_timer_queue.rs:70:9:
not yet implemented
stack backtrace:
   0: __rustc::rust_begin_unwind
             at /rustc/5980761/library/std/src/panicking.rs:689:5
   3: p2_timer_queue::p2_timer_queue::TimerQueue<T>::new
             at ./tests/../src/p2_timer_queue.rs:70:9
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.

---- due_timers_come_out_in_deadline_order stdout ----

thread 'due_timers_come_out_in_deadline_order' (14733) panicked at exercises/tests/p2_timer_queue.rs:79:9:
assertion `left == right` failed: at 20 ms the timers for 10 and 20 ms are due
  left: [\"b\", \"a\"]
 right: [\"a\", \"b\"]
stack backtrace:
   0: __rustc::rust_begin_unwind
             at /rustc/5980761/library/std/src/panicking.rs:689:5
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.


failures:
    a_cancelled_timer_never_fires
    due_timers_come_out_in_deadline_order

test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
";

    /// The test file's order: `due_...` stands before `a_cancelled_...`.
    const SOURCE: &str = "fn due_timers_come_out_in_deadline_order() {}\n\
                          fn a_cancelled_timer_never_fires() {}\n";

    #[test]
    fn one_message_per_failing_test_in_file_order_without_backtraces() {
        let run = classify(WITH_BACKTRACES, "", "exit status: 101".into());
        let (text, passed) = verdict("p2_timer_queue", &run, "", SOURCE);
        assert!(!passed, "two tests failed");
        assert_eq!(
            text,
            "❌ p2_timer_queue: 2 of 3 tests failing. Read them in this order: the first is the \
             one to fix first.\n\n\
             1) due_timers_come_out_in_deadline_order, at exercises/tests/p2_timer_queue.rs:79\n   \
             assertion `left == right` failed: at 20 ms the timers for 10 and 20 ms are due\n     \
             left: [\"b\", \"a\"]\n    right: [\"a\", \"b\"]\n\n\
             2) a_cancelled_timer_never_fires: reaches the todo!() at \
             exercises/src/p2_timer_queue.rs:70 (not written yet)\n\n\
             Stuck? `cargo run -p exercises -- hint p2_timer_queue`."
        );
        assert!(
            !text.contains("backtrace") && !text.contains("rust_begin_unwind"),
            "no backtrace may reach the learner:\n{text}"
        );
    }

    #[test]
    fn all_passing_is_one_line() {
        let run = classify(
            "running 2 tests\ntest a ... ok\ntest b ... ok\n\ntest result: ok. 2 passed\n",
            "",
            "exit status: 0".into(),
        );
        assert_eq!(
            verdict("p1_x", &run, "", ""),
            (
                "✅ p1_x: 2/2 tests pass. `cargo run -p exercises` shows what is next.".into(),
                true
            )
        );
    }

    #[test]
    fn a_compile_error_shows_the_compilers_words_without_cargos_progress() {
        let stderr = "   Compiling exercises v0.1.0 (/w/exercises)\n\
                      error[E0308]: mismatched types\n  --> exercises/tests/../src/p1_x.rs:4:5\n\
                      error: could not compile `exercises`\n";
        let run = TestRun::DoesNotCompile(Some(CompileError {
            message: "error[E0308]: mismatched types".into(),
            location: Some("exercises/src/p1_x.rs:4:5".into()),
        }));
        let (text, passed) = verdict("p1_x", &run, stderr, "");
        assert!(!passed, "nothing compiled, nothing passed");
        assert!(
            !text.contains("Compiling"),
            "cargo's progress is noise here:\n{text}"
        );
        assert!(
            text.starts_with("error[E0308]: mismatched types\n  --> exercises/src/p1_x.rs:4:5"),
            "the compiler's message comes first, its path made plain:\n{text}"
        );
        assert!(
            text.contains(
                "❌ p1_x does not compile at exercises/src/p1_x.rs:4:5: error[E0308]: \
                 mismatched types."
            ),
            "one verdict line names the first error:\n{text}"
        );
    }

    #[test]
    fn a_crash_says_so_and_shows_the_end_of_the_output() {
        let run = classify(
            "running 2 tests\ntest a ... ok\n",
            "",
            "signal: 6 (SIGABRT)".into(),
        );
        let (text, passed) = verdict("p1_x", &run, "thread panicked while processing panic\n", "");
        assert!(!passed, "a crashed run is not a pass");
        assert!(
            text.starts_with("❌ p1_x: the test run crashed (signal: 6 (SIGABRT)) after 1 test(s)"),
            "{text}"
        );
        assert!(
            text.contains("   thread panicked while processing panic"),
            "{text}"
        );
    }
}
