//! `verify`: the proof, run by CI, that the exercises' tests tell a right answer from a wrong
//! one.
//!
//! 1. **One-to-one**: the manifest and every exercise's pieces match, every stub is untouched
//!    (task, `// TODO:`, `todo!()`), and every assertion in the tests has a message
//!    ([`crate::layout`], [`crate::assertions`]).
//! 2. **Solutions pass**: with `--features solution`, every test of every exercise passes.
//! 3. **Stubs fail**: on the untouched stubs, every test fails (per test function), except the
//!    ones the manifest declares in `stub_may_pass`. A test that passes on a stub proves
//!    nothing about a learner's answer.
//! 4. **Wrong variants are caught**: each `wrong/<id>/<variant>.rs` fails at least one test.
//!
//! Each phase builds once per feature set (one `cargo test --test <id>` per exercise); each
//! wrong variant is a different build of the crate, so phase 4 rebuilds it once per variant.

use std::collections::BTreeSet;

use crate::cargo::{self, Code, TestRun, Workspace};
use crate::layout::{self, Layout};
use crate::libtest::{Outcome, TestReport};
use crate::manifest::{Exercise, Manifest};

/// How many of the tests that caught a variant are named on its line.
const NAMES_SHOWN: usize = 2;

/// What the proof counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub solution_tests: usize,
    pub solution_passed: usize,
    pub stub_tests: usize,
    pub stub_failed: usize,
    pub declared_exceptions: usize,
    pub variants: usize,
    pub variants_caught: usize,
}

impl Tally {
    /// The closing line CI prints.
    pub fn summary(&self) -> String {
        format!(
            "solutions: {}/{} tests pass · stubs: {}/{} tests fail ({} declared exceptions) · \
             wrong variants: {}/{} caught",
            self.solution_passed,
            self.solution_tests,
            self.stub_failed,
            self.stub_tests,
            self.declared_exceptions,
            self.variants_caught,
            self.variants
        )
    }
}

/// Runs the whole proof; returns the problems found (none means the proof holds).
pub fn run(workspace: &Workspace, manifest: &Manifest) -> Result<Vec<String>, String> {
    println!(
        "verify 1/4: every exercise has all its pieces, every piece an exercise, every stub \
         its TODO, every assertion a message"
    );
    let layout = Layout::read(&workspace.crate_dir)?;
    let mut problems = layout::check(manifest, &layout);
    problems.extend(layout::untouched_stub_problems(manifest, &layout));
    if !problems.is_empty() {
        for problem in &problems {
            println!("  ✗ {problem}");
        }
        println!("fix these first; the later checks run once there are none");
        return Ok(problems);
    }
    println!("  ✓ {} exercises", manifest.exercises.len());

    let mut tally = Tally::default();
    let mut problems = Vec::new();

    println!("verify 2/4: with --features solution, every test passes");
    for exercise in &manifest.exercises {
        let run = cargo::run_tests(workspace, &exercise.id, Code::Solution)?;
        let found = match ran(&run, &exercise.id, Code::Solution) {
            Ok(report) => judge_solution(&exercise.id, report, &mut tally),
            Err(problem) => vec![problem],
        };
        report_line(&exercise.id, &found, || {
            format!("{} tests pass", tally_for(&run, Outcome::Passed))
        });
        problems.extend(found);
    }

    println!("verify 3/4: on the untouched stubs, every test fails");
    for exercise in &manifest.exercises {
        let run = cargo::run_tests(workspace, &exercise.id, Code::Stub)?;
        let found = match ran(&run, &exercise.id, Code::Stub) {
            Ok(report) => judge_stub(exercise, report, &mut tally),
            Err(problem) => vec![problem],
        };
        report_line(&exercise.id, &found, || {
            format!("{} tests fail", tally_for(&run, Outcome::Failed))
        });
        problems.extend(found);
    }

    println!("verify 4/4: every wrong variant fails at least one test");
    for exercise in &manifest.exercises {
        let variants = layout.wrong.get(&exercise.id).cloned().unwrap_or_default();
        for variant in &variants {
            let code = Code::Wrong(variant);
            let run = cargo::run_tests(workspace, &exercise.id, code)?;
            let found = match ran(&run, &exercise.id, code) {
                Ok(report) => judge_variant(&exercise.id, variant, report, &mut tally),
                Err(problem) => {
                    tally.variants += 1;
                    vec![problem]
                }
            };
            let name = format!("{}/{variant}", exercise.id);
            report_line(&name, &found, || caught_by(&run));
            problems.extend(found);
        }
    }

    println!();
    println!("{}", tally.summary());
    // The plain closing line that CI reads as a count of checks.
    let held = tally.solution_passed + tally.stub_failed + tally.variants_caught;
    println!("verify: {held} passed, {} failed", problems.len());
    Ok(problems)
}

/// The report of a run that ran; a problem if it did not compile or crashed.
fn ran<'a>(run: &'a TestRun, id: &str, code: Code) -> Result<&'a TestReport, String> {
    let command = cargo::command_line(id, code);
    match run {
        TestRun::Ran(report) => Ok(report),
        TestRun::DoesNotCompile(error) => {
            let detail = error.as_ref().map_or(String::new(), |e| {
                format!(
                    ": {} at {}",
                    e.message,
                    e.location.as_deref().unwrap_or("?")
                )
            });
            Err(format!("`{command}` does not compile{detail}"))
        }
        TestRun::Crashed { status, .. } => Err(format!(
            "`{command}` crashed ({status}) before reporting every test"
        )),
    }
}

fn judge_solution(id: &str, report: &TestReport, tally: &mut Tally) -> Vec<String> {
    let mut problems = Vec::new();
    if report.outcomes.is_empty() {
        problems.push(format!("{id}: the solution run has no test at all"));
    }
    for (name, outcome) in &report.outcomes {
        tally.solution_tests += 1;
        match outcome {
            Outcome::Passed => tally.solution_passed += 1,
            Outcome::Failed => {
                let why = report
                    .failures
                    .get(name)
                    .map_or("", |f| f.message.lines().next().unwrap_or(""));
                problems.push(format!("{id}: test {name} fails on the solution: {why}"));
            }
            Outcome::Ignored => problems.push(format!(
                "{id}: test {name} is ignored; an ignored test proves nothing"
            )),
        }
    }
    problems
}

fn judge_stub(exercise: &Exercise, report: &TestReport, tally: &mut Tally) -> Vec<String> {
    let id = &exercise.id;
    let may_pass: BTreeSet<&str> = exercise.stub_may_pass.iter().map(String::as_str).collect();
    let names: BTreeSet<&str> = report.outcomes.iter().map(|(n, _)| n.as_str()).collect();
    let mut problems: Vec<String> = may_pass
        .difference(&names)
        .map(|name| format!("{id}: stub_may_pass names {name:?}, which is not one of its tests"))
        .collect();
    for (name, outcome) in &report.outcomes {
        if may_pass.contains(name.as_str()) {
            tally.declared_exceptions += 1;
            continue;
        }
        tally.stub_tests += 1;
        match outcome {
            Outcome::Failed => tally.stub_failed += 1,
            Outcome::Passed => problems.push(format!(
                "{id}: test {name} passes on the untouched stub, so it cannot tell a solution \
                 from no work at all (make it exercise the stub's API, or declare it in \
                 stub_may_pass with a reason)"
            )),
            Outcome::Ignored => problems.push(format!("{id}: test {name} is ignored")),
        }
    }
    problems
}

fn judge_variant(id: &str, variant: &str, report: &TestReport, tally: &mut Tally) -> Vec<String> {
    tally.variants += 1;
    if report.count(Outcome::Failed) > 0 {
        tally.variants_caught += 1;
        Vec::new()
    } else {
        vec![format!(
            "{id}/{variant}: every test passes on this deliberately wrong variant; the tests \
             do not catch the mistake described in wrong/{id}/{variant}.rs"
        )]
    }
}

fn tally_for(run: &TestRun, outcome: Outcome) -> String {
    match run {
        TestRun::Ran(report) => format!("{}/{}", report.count(outcome), report.outcomes.len()),
        TestRun::DoesNotCompile(_) | TestRun::Crashed { .. } => "?".to_string(),
    }
}

fn caught_by(run: &TestRun) -> String {
    match run {
        TestRun::Ran(report) => {
            let failed: Vec<&str> = report.failed().collect();
            let more = if failed.len() > NAMES_SHOWN {
                ", …"
            } else {
                ""
            };
            format!(
                "caught by {}/{} tests ({}{more})",
                failed.len(),
                report.outcomes.len(),
                failed[..failed.len().min(NAMES_SHOWN)].join(", ")
            )
        }
        TestRun::DoesNotCompile(_) | TestRun::Crashed { .. } => "?".to_string(),
    }
}

fn report_line(name: &str, problems: &[String], ok: impl FnOnce() -> String) {
    if problems.is_empty() {
        println!("  ✓ {name:<50} {}", ok());
    } else {
        for problem in problems {
            println!("  ✗ {problem}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libtest;

    fn exercise(may_pass: &[&str]) -> Exercise {
        Exercise {
            id: "p1_x".into(),
            part: 1,
            title: "t".into(),
            lesson: "l".into(),
            minutes: 10,
            stub_may_pass: may_pass.iter().map(|s| s.to_string()).collect(),
        }
    }

    const TWO_FAIL: &str = "test a ... FAILED\ntest b ... FAILED\n\ntest result: FAILED.\n";
    const ONE_PASSES: &str = "test a ... FAILED\ntest b ... ok\n\ntest result: FAILED.\n";

    #[test]
    fn a_stub_must_fail_every_test() {
        let mut tally = Tally::default();
        assert!(judge_stub(&exercise(&[]), &libtest::parse(TWO_FAIL), &mut tally).is_empty());
        let problems = judge_stub(&exercise(&[]), &libtest::parse(ONE_PASSES), &mut tally);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("test b passes on the untouched stub"));
        assert_eq!((tally.stub_failed, tally.stub_tests), (3, 4));
    }

    #[test]
    fn declared_exceptions_may_pass_but_must_exist() {
        let mut tally = Tally::default();
        let declared = exercise(&["b"]);
        assert!(judge_stub(&declared, &libtest::parse(ONE_PASSES), &mut tally).is_empty());
        assert_eq!(tally.declared_exceptions, 1);
        assert_eq!((tally.stub_failed, tally.stub_tests), (1, 1));
        let typo = exercise(&["c"]);
        let problems = judge_stub(&typo, &libtest::parse(TWO_FAIL), &mut tally);
        assert!(problems[0].contains("\"c\", which is not one of its tests"));
    }

    #[test]
    fn a_solution_must_pass_every_test_and_have_some() {
        let mut tally = Tally::default();
        let all_pass = libtest::parse("test a ... ok\ntest b ... ok\n\ntest result: ok.\n");
        assert!(judge_solution("p1_x", &all_pass, &mut tally).is_empty());
        let problems = judge_solution("p1_x", &libtest::parse(ONE_PASSES), &mut tally);
        assert!(problems[0].contains("test a fails on the solution"));
        let none = libtest::parse("running 0 tests\n\ntest result: ok.\n");
        assert!(!judge_solution("p1_x", &none, &mut tally).is_empty());
        assert_eq!((tally.solution_passed, tally.solution_tests), (3, 4));
    }

    #[test]
    fn a_variant_is_caught_by_any_failing_test() {
        let mut tally = Tally::default();
        assert!(judge_variant("p1_x", "v", &libtest::parse(ONE_PASSES), &mut tally).is_empty());
        let all_pass = libtest::parse("test a ... ok\n\ntest result: ok.\n");
        let problems = judge_variant("p1_x", "w", &all_pass, &mut tally);
        assert!(problems[0].contains("wrong/p1_x/w.rs"));
        assert_eq!((tally.variants_caught, tally.variants), (1, 2));
        assert_eq!(
            tally.summary(),
            "solutions: 0/0 tests pass · stubs: 0/0 tests fail (0 declared exceptions) · \
             wrong variants: 1/2 caught"
        );
    }
}
