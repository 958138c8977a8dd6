//! `reset <id>`: put the original stub back, from git, and keep the learner's file.
//!
//! The original is taken from the upstream branch when there is one (the course as it was
//! cloned, even if the learner has committed their own work since), and from `HEAD` otherwise.
//! Only `src/<id>.rs` changes, and never silently: the learner's version is first copied to
//! `backups/<id>-<n>.rs` (git-ignored; `n` is the first free number, so every reset keeps its
//! own copy). Nothing is done without a "y" typed at a terminal, or `--yes`: without a terminal
//! (a script, CI, an editor's task) there is no one to ask, so the command says to add `--yes`
//! and fails rather than wait for an answer or guess one.

use std::fs;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cargo::Workspace;

/// The folder, in the exercises crate, where `reset` keeps the files it replaces.
pub const BACKUP_DIR: &str = "backups";

/// How `reset` may learn that the learner agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// `--yes` was given.
    Given,
    /// Ask on the terminal.
    Ask,
    /// No `--yes`, and stdin is not a terminal: nobody can answer.
    NoTerminal,
}

impl Consent {
    pub fn new(yes: bool, stdin_is_terminal: bool) -> Consent {
        match (yes, stdin_is_terminal) {
            (true, _) => Consent::Given,
            (false, true) => Consent::Ask,
            (false, false) => Consent::NoTerminal,
        }
    }
}

/// Restores `src/<id>.rs` after keeping the learner's version in [`BACKUP_DIR`].
pub fn reset(workspace: &Workspace, id: &str, consent: Consent) -> Result<(), String> {
    let stub = workspace.crate_dir.join("src").join(format!("{id}.rs"));
    let shown = workspace.show(&stub);
    let source = original_source(workspace)?;
    let original = git(
        workspace,
        &["show", &format!("{}:./src/{id}.rs", source.rev)],
    )
    .map_err(|e| format!("git has no {shown} at {}: {e}", source.rev))?;
    let current = fs::read_to_string(&stub).ok();
    if current.as_deref() == Some(original.as_str()) {
        println!("{shown} is already the original stub; nothing to reset.");
        return Ok(());
    }
    if consent == Consent::NoTerminal {
        return Err(format!(
            "there is no terminal to ask whether to reset {shown}; nothing changed. Run \
             `cargo run -p exercises -- reset {id} --yes` to reset it without asking (your \
             version is kept in exercises/{BACKUP_DIR}/)."
        ));
    }
    let backup = backup_path(&workspace.crate_dir.join(BACKUP_DIR), id);
    println!(
        "This replaces {shown} with the original stub from {}.\n\
         {} No other file changes, and the hints you have seen stay seen.",
        source.description,
        current
            .as_ref()
            .map_or("The file is missing now.".to_string(), |c| format!(
                "Your version ({} lines; the stub has {}) will be kept as {}.",
                c.lines().count(),
                original.lines().count(),
                workspace.show(&backup)
            )),
    );
    if consent == Consent::Ask && !confirm("Reset it? [y/N] ")? {
        println!("Nothing changed.");
        return Ok(());
    }
    if let Some(current) = &current {
        keep(&backup, current).map_err(|e| {
            format!(
                "cannot keep your version as {} ({e}); nothing changed",
                workspace.show(&backup)
            )
        })?;
    }
    fs::write(&stub, original).map_err(|e| format!("cannot write {shown}: {e}"))?;
    let kept = if current.is_some() {
        format!(" Your version is in {}.", workspace.show(&backup))
    } else {
        String::new()
    };
    println!("Restored {shown}.{kept} `cargo run -p exercises` shows where you are.");
    Ok(())
}

/// `<dir>/<id>-<n>.rs` for the first `n` (from 1) that names no file yet.
fn backup_path(dir: &Path, id: &str) -> PathBuf {
    (1..)
        .map(|n| dir.join(format!("{id}-{n}.rs")))
        .find(|path| !path.exists())
        .expect("some number names no file")
}

/// Writes `text` to `path`, creating its folder, and never over an existing file.
fn keep(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(text.as_bytes())
}

/// The revision the original stubs are read from.
struct Source {
    rev: String,
    description: String,
}

fn original_source(workspace: &Workspace) -> Result<Source, String> {
    git(workspace, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        format!(
            "`reset` needs git to find the original stub, and git cannot help here: {e}\n\
             You can also copy the stub by hand from the course repository."
        )
    })?;
    let upstream = git(
        workspace,
        &[
            "rev-parse",
            "--abbrev-ref",
            "--symbolic-full-name",
            "@{upstream}",
        ],
    );
    Ok(match upstream {
        Ok(branch) if !branch.trim().is_empty() => {
            let branch = branch.trim().to_string();
            Source {
                description: format!("the upstream branch {branch}"),
                rev: branch,
            }
        }
        _ => Source {
            rev: "HEAD".to_string(),
            description: "your last commit (HEAD; this branch has no upstream). If you \
                          committed your own version of the file, that is what comes back"
                .to_string(),
        },
    })
}

/// Runs git in the exercises crate and returns its stdout.
fn git(workspace: &Workspace, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(&workspace.crate_dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git ({e}); is it installed?"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

fn confirm(question: &str) -> Result<bool, String> {
    print!("{question}");
    io::stdout().flush().map_err(|e| e.to_string())?;
    let mut answer = String::new();
    // End of input (the terminal closed with Ctrl-D) reads as "no".
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(is_yes(&answer))
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_explicit_yes_resets() {
        for yes in ["y", "Y", "yes\n", " YES "] {
            assert!(is_yes(yes), "{yes:?} should read as yes");
        }
        for no in ["", "\n", "n", "no", "yep", "ok"] {
            assert!(!is_yes(no), "{no:?} should read as no");
        }
    }

    #[test]
    fn without_a_terminal_only_yes_gives_consent() {
        assert_eq!(Consent::new(true, false), Consent::Given);
        assert_eq!(Consent::new(true, true), Consent::Given);
        assert_eq!(Consent::new(false, true), Consent::Ask);
        assert_eq!(Consent::new(false, false), Consent::NoTerminal);
    }

    /// A git repository in a fresh temporary folder, with `exercises/src/p1_x.rs` committed
    /// as `STUB` and then edited to `MINE`.
    struct Scratch {
        workspace: Workspace,
    }

    const STUB: &str = "// the stub\n";
    const MINE: &str = "// my work\nfn answer() {}\n";

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let root =
                std::env::temp_dir().join(format!("exercises-reset-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&root);
            let crate_dir = root.join("exercises");
            fs::create_dir_all(crate_dir.join("src")).expect("a temporary folder");
            let workspace = Workspace { root, crate_dir };
            let stub = workspace.crate_dir.join("src/p1_x.rs");
            fs::write(&stub, STUB).expect("write the stub");
            for args in [
                &["init", "-q"][..],
                &["add", "."],
                &[
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@t",
                    "commit",
                    "-qm",
                    "stub",
                ],
            ] {
                git(&workspace, args).expect("git works in a temporary folder");
            }
            fs::write(&stub, MINE).expect("edit the stub");
            Scratch { workspace }
        }

        fn read(&self, path: &str) -> Option<String> {
            fs::read_to_string(self.workspace.crate_dir.join(path)).ok()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.workspace.root);
        }
    }

    #[test]
    fn without_a_terminal_and_without_yes_nothing_changes_and_yes_is_named() {
        let scratch = Scratch::new("no-terminal");
        let error = reset(&scratch.workspace, "p1_x", Consent::NoTerminal)
            .expect_err("nobody can agree without a terminal");
        assert!(
            error.contains("reset p1_x --yes"),
            "the error must say how to reset without a terminal: {error}"
        );
        assert_eq!(
            scratch.read("src/p1_x.rs").as_deref(),
            Some(MINE),
            "the learner's file must be untouched"
        );
        assert_eq!(
            scratch.read("backups/p1_x-1.rs"),
            None,
            "no backup is written when nothing is reset"
        );
    }

    #[test]
    fn yes_keeps_the_learners_file_then_restores_the_stub() {
        let scratch = Scratch::new("yes");
        reset(&scratch.workspace, "p1_x", Consent::Given).expect("reset with --yes");
        assert_eq!(
            scratch.read("src/p1_x.rs").as_deref(),
            Some(STUB),
            "the stub is back"
        );
        assert_eq!(
            scratch.read("backups/p1_x-1.rs").as_deref(),
            Some(MINE),
            "the learner's version is kept"
        );

        fs::write(
            scratch.workspace.crate_dir.join("src/p1_x.rs"),
            "// again\n",
        )
        .expect("edit again");
        reset(&scratch.workspace, "p1_x", Consent::Given).expect("a second reset");
        assert_eq!(
            scratch.read("backups/p1_x-1.rs").as_deref(),
            Some(MINE),
            "a second reset must not overwrite the first backup"
        );
        assert_eq!(
            scratch.read("backups/p1_x-2.rs").as_deref(),
            Some("// again\n"),
            "the second reset keeps its own copy"
        );
    }
}
