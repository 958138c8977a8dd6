//! The exercise runner: `cargo run -p exercises -- <command>`.
//!
//! It is a thin layer over plain cargo: every status comes from running
//! `cargo test -p exercises --test <id>` now (so an editor's test button and this runner never
//! disagree), and the only state it keeps is which hints were seen.

mod assertions;
mod cargo;
mod hints;
mod layout;
mod libtest;
mod manifest;
mod reset;
mod status;
mod verdict;
mod verify;

use std::fs;
use std::io::{self, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cargo::{Code, Workspace};
use crate::hints::{Seen, TIERS};
use crate::manifest::{Exercise, Manifest};
use crate::status::Status;

/// What each hint tier is, for the heading.
const TIER_NAMES: [&str; TIERS] = ["a nudge", "a direction", "a skeleton to fill in"];

#[derive(Debug, Parser)]
#[command(
    name = "exercises",
    about = "The workshop's exercises: your progress, their tests, hints.",
    after_help = "Without a command: `progress`. `test <id>` runs one exercise's tests; their \
                  raw output is `cargo test -p exercises --test <id>`."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs every exercise's tests and shows which are done and why the others are not.
    #[command(visible_alias = "list")]
    Progress,
    /// Runs one exercise's tests and sums them up: all pass, or one message per failing test
    /// (the raw output: `cargo test -p exercises --test <id>`).
    Test { id: String },
    /// Shows the next hint for an exercise (each run shows one more), or tier N (1–3).
    Hint { id: String, tier: Option<usize> },
    /// Puts back an exercise's original stub from git; your version of the file is kept in
    /// exercises/backups/.
    Reset {
        id: String,
        /// Do not ask for confirmation (needed when there is no terminal to ask on).
        #[arg(long)]
        yes: bool,
    },
    /// Proves that the tests tell right from wrong: solutions pass, stubs and wrong variants
    /// fail (CI runs this).
    Verify,
}

fn main() -> ExitCode {
    die_quietly_on_a_closed_pipe();
    let cli = Cli::parse();
    let workspace = Workspace::this();
    let result = Manifest::load(&workspace.crate_dir).and_then(|manifest| {
        match cli.command.unwrap_or(Command::Progress) {
            Command::Progress => progress(&workspace, &manifest),
            Command::Test { id } => test(&workspace, manifest.find(&id)?),
            Command::Hint { id, tier } => hint(&workspace, manifest.find(&id)?, tier),
            Command::Reset { id, yes } => {
                let consent = reset::Consent::new(yes, io::stdin().is_terminal());
                reset::reset(&workspace, &manifest.find(&id)?.id, consent)
                    .map(|()| ExitCode::SUCCESS)
            }
            Command::Verify => verify::run(&workspace, &manifest).map(|problems| {
                if problems.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    println!("\n{} problem(s); see the ✗ lines above.", problems.len());
                    ExitCode::FAILURE
                }
            }),
        }
    });
    result.unwrap_or_else(|error| {
        eprintln!("error: {error}");
        ExitCode::FAILURE
    })
}

/// `cargo run -p exercises -- hint p1_x | head` closes the pipe early. Rust ignores SIGPIPE,
/// which turns that into a panic in `println!`; the default action ends the program quietly,
/// as it does for every other command-line tool.
fn die_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread exists, and `SIG_DFL` is the
    // disposition every process starts with; no Rust code depends on SIGPIPE being ignored
    // (a write to a closed pipe then ends the process instead of returning EPIPE).
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn progress(workspace: &Workspace, manifest: &Manifest) -> Result<ExitCode, String> {
    println!("Checking each exercise by running its tests (the first run compiles them)…\n");
    let id_width = manifest.ids().map(str::len).max().unwrap_or(0);
    let mut next: Option<&Exercise> = None;
    let mut solved = 0;
    for exercise in &manifest.exercises {
        let run = cargo::run_tests(workspace, &exercise.id, Code::Stub)?;
        let status = status::judge(&run, &test_source(workspace, &exercise.id));
        println!("{}", row(exercise, &status, id_width));
        if status.is_solved() {
            solved += 1;
        } else if next.is_none() {
            next = Some(exercise);
        }
    }
    println!();
    match next {
        None => println!("All {solved} exercises pass. Well done!"),
        Some(exercise) => println!(
            "{solved} of {} done. Next: {} ({})\n  read   {}\n  open   exercises/src/{}.rs\n  \
             test   {}\n  stuck? cargo run -p exercises -- hint {}",
            manifest.exercises.len(),
            exercise.title,
            exercise.id,
            exercise.lesson,
            exercise.id,
            test_command_line(&exercise.id),
            exercise.id,
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of the progress table, and the reason on a second line when unsolved.
fn row(exercise: &Exercise, status: &Status, id_width: usize) -> String {
    let mark = if status.is_solved() { "✅" } else { "❌" };
    let line = format!(
        "{mark} {:<id_width$}  part {}  ~{:>2} min  {}",
        exercise.id, exercise.part, exercise.minutes, exercise.title
    );
    match status {
        Status::Solved { .. } => line,
        Status::Unsolved { reason } => {
            let indent = " ".repeat(id_width + 5);
            let reason = reason.replace('\n', &format!("\n{indent}  "));
            format!("{line}\n{indent}└ {reason}")
        }
    }
}

/// Runs one exercise's tests quietly and prints the verdict: all pass, or one message per
/// failing test, the one to read first on top (see [`verdict`]).
fn test(workspace: &Workspace, exercise: &Exercise) -> Result<ExitCode, String> {
    let id = &exercise.id;
    println!(
        "Running the tests of {id} (the first build takes a minute)…
  \
         the same as `{}`, which shows the raw output
",
        cargo::command_line(id, Code::Stub)
    );
    let (run, stderr) = cargo::run_tests_keeping_stderr(workspace, id, Code::Stub)?;
    let (text, passed) = verdict::verdict(id, &run, &stderr, &test_source(workspace, id));
    println!("{text}");
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The command that runs one exercise's tests through the runner, as the stubs teach it.
fn test_command_line(id: &str) -> String {
    format!("cargo run -p exercises -- test {id}")
}

/// The text of `tests/<id>.rs` (empty if it cannot be read: only the order of failures
/// depends on it).
fn test_source(workspace: &Workspace, id: &str) -> String {
    let path = workspace.crate_dir.join("tests").join(format!("{id}.rs"));
    fs::read_to_string(path).unwrap_or_default()
}

fn hint(
    workspace: &Workspace,
    exercise: &Exercise,
    tier: Option<usize>,
) -> Result<ExitCode, String> {
    let id = &exercise.id;
    let path = workspace.crate_dir.join("hints").join(format!("{id}.md"));
    let text = fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", workspace.show(&path)))?;
    let tiers = hints::parse_tiers(&text).map_err(|e| format!("{}: {e}", workspace.show(&path)))?;
    let seen_path = workspace.crate_dir.join(hints::SEEN_FILE);
    let mut seen = Seen::parse(&fs::read_to_string(&seen_path).unwrap_or_default());
    let tier = match tier {
        Some(tier) if (1..=TIERS).contains(&tier) => tier,
        Some(tier) => {
            return Err(format!(
                "there is no hint {tier}; the tiers are 1 to {TIERS}"
            ));
        }
        None => seen.next_tier(id),
    };
    seen.record(id, tier);
    if let Err(e) = fs::write(&seen_path, seen.to_text()) {
        // Only the "next tier" memory is lost; the hint is still shown.
        eprintln!("note: cannot remember the hints seen ({e})");
    }
    println!(
        "Hint {tier}/{TIERS} for {id}: {}\n\n{}\n",
        TIER_NAMES[tier - 1],
        tiers[tier - 1]
    );
    if tier < TIERS {
        println!("Run the same command again for the next hint.");
    } else {
        println!(
            "That was the last hint. The lesson: {}. The reference solution is \
             exercises/solutions/{id}.rs (most are a re-export of the part's own code).",
            exercise.lesson
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise() -> Exercise {
        Exercise {
            id: "p1_guard".into(),
            part: 1,
            title: "A guard".into(),
            lesson: "l".into(),
            minutes: 5,
            stub_may_pass: Vec::new(),
        }
    }

    #[test]
    fn a_row_shows_the_reason_under_an_unsolved_exercise() {
        assert_eq!(
            row(&exercise(), &Status::Solved { tests: 3 }, 10),
            "✅ p1_guard    part 1  ~ 5 min  A guard"
        );
        let unsolved = Status::Unsolved {
            reason: "1/2 tests fail\nthe message".into(),
        };
        assert_eq!(
            row(&exercise(), &unsolved, 10),
            "❌ p1_guard    part 1  ~ 5 min  A guard\n               └ 1/2 tests fail\n                 \
             the message"
        );
    }
}
