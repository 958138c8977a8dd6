//! Running one exercise's tests with plain cargo, the same command a learner types.
//!
//! The runner never keeps its own record of what passed: every status it shows comes from
//! running the tests now, so it cannot go stale.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::libtest::{self, CompileError, TestReport};

/// The environment variable the build script turns into a wrong variant (see `build.rs`).
pub const VARIANT_VAR: &str = "EXERCISE_VARIANT";

/// Which code stands behind the exercise's module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code<'a> {
    /// The learner's file, `src/<id>.rs`.
    Stub,
    /// The reference solutions (`--features solution`).
    Solution,
    /// A deliberately wrong variant, `wrong/<id>/<variant>.rs`.
    Wrong(&'a str),
}

/// Paths the runner works with.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace root, where cargo runs (so paths in its output start with `exercises/`).
    pub root: PathBuf,
    /// The exercises crate.
    pub crate_dir: PathBuf,
}

impl Workspace {
    /// The workspace this runner was built in.
    pub fn this() -> Workspace {
        let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = crate_dir
            .parent()
            .map_or_else(|| crate_dir.clone(), Path::to_path_buf);
        Workspace { root, crate_dir }
    }

    /// `path` relative to the workspace root, for messages.
    pub fn show(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// The arguments of `cargo test` for one exercise.
pub fn test_args(id: &str, code: Code) -> Vec<String> {
    let mut args = vec!["test", "-p", "exercises"];
    if code == Code::Solution {
        args.extend(["--features", "solution"]);
    }
    args.extend(["--test", id]);
    args.into_iter().map(str::to_string).collect()
}

/// The command line a learner can copy.
pub fn command_line(id: &str, code: Code) -> String {
    let prefix = match code {
        Code::Wrong(variant) => format!("{VARIANT_VAR}={id}/{variant} "),
        Code::Stub | Code::Solution => String::new(),
    };
    format!("{prefix}cargo {}", test_args(id, code).join(" "))
}

/// `cargo test` for one exercise, ready to run.
pub fn test_command(workspace: &Workspace, id: &str, code: Code) -> Command {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace.root)
        .args(test_args(id, code));
    match code {
        Code::Wrong(variant) => command.env(VARIANT_VAR, format!("{id}/{variant}")),
        // A variant left in the environment must not pass for the learner's code.
        Code::Stub | Code::Solution => command.env_remove(VARIANT_VAR),
    };
    command
}

/// What one run of an exercise's tests produced.
#[derive(Debug, Clone)]
pub enum TestRun {
    /// The tests ran (whether or not they passed).
    Ran(TestReport),
    /// The code or the tests did not compile.
    DoesNotCompile(Option<CompileError>),
    /// The test binary stopped before reporting every test (a crash, an abort).
    Crashed { report: TestReport, status: String },
}

/// Runs one exercise's tests, capturing the output.
pub fn run_tests(workspace: &Workspace, id: &str, code: Code) -> Result<TestRun, String> {
    run_tests_keeping_stderr(workspace, id, code).map(|(run, _)| run)
}

/// Runs one exercise's tests, capturing the output; returns cargo's stderr too (the compiler's
/// messages, when the code does not compile).
pub fn run_tests_keeping_stderr(
    workspace: &Workspace,
    id: &str,
    code: Code,
) -> Result<(TestRun, String), String> {
    let output = test_command(workspace, id, code)
        // Only the panic message is read: a backtrace (the learner's shell may ask for one with
        // RUST_BACKTRACE=1) would hide it and cost time.
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    Ok((
        classify(&stdout, &stderr, output.status.to_string()),
        stderr,
    ))
}

/// What a finished `cargo test` run amounts to, from its output and exit status.
pub fn classify(stdout: &str, stderr: &str, status: String) -> TestRun {
    let report = libtest::parse(stdout);
    if report.finished {
        return TestRun::Ran(report);
    }
    if report.outcomes.is_empty() && !stdout.contains("running ") {
        return TestRun::DoesNotCompile(libtest::first_compile_error(stderr));
    }
    TestRun::Crashed { report, status }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_learners_command_is_plain_cargo() {
        assert_eq!(
            command_line("p1_thread_pool", Code::Stub),
            "cargo test -p exercises --test p1_thread_pool"
        );
        assert_eq!(
            command_line("p1_thread_pool", Code::Solution),
            "cargo test -p exercises --features solution --test p1_thread_pool"
        );
        assert_eq!(
            command_line("p1_thread_pool", Code::Wrong("a_panic_kills_the_worker")),
            "EXERCISE_VARIANT=p1_thread_pool/a_panic_kills_the_worker \
             cargo test -p exercises --test p1_thread_pool"
        );
    }

    #[test]
    fn tells_a_build_failure_from_a_crash() {
        let error = "error[E0425]: cannot find value `x`\n --> exercises/src/p1_a.rs:3:5\n";
        match classify("", error, "exit status: 101".into()) {
            TestRun::DoesNotCompile(Some(e)) => {
                assert_eq!(e.location.as_deref(), Some("exercises/src/p1_a.rs:3:5"));
            }
            other => panic!("expected a compile error, got {other:?}"),
        }
        let crashed = classify("running 2 tests\ntest a ... ok\n", "", "signal: 6".into());
        assert!(matches!(crashed, TestRun::Crashed { .. }), "{crashed:?}");
        let ran = classify(
            "running 0 tests\n\ntest result: ok. 0 passed\n",
            "",
            "".into(),
        );
        assert!(matches!(ran, TestRun::Ran(_)), "{ran:?}");
    }

    #[test]
    fn the_workspace_root_is_the_parent_of_this_crate() {
        let workspace = Workspace::this();
        assert!(workspace.crate_dir.ends_with("exercises"));
        assert_eq!(
            workspace.show(&workspace.crate_dir.join("src/lib.rs")),
            "exercises/src/lib.rs"
        );
    }
}
