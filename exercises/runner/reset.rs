//! `reset <id>`: put the original stub back, from git.
//!
//! The original is taken from the upstream branch when there is one (the course as it was
//! cloned, even if the learner has committed their own work since), and from `HEAD` otherwise.
//! Only `src/<id>.rs` changes; nothing is done without a "y" (or `--yes`).

use std::fs;
use std::io::{self, BufRead, Write};
use std::process::Command;

use crate::cargo::Workspace;

/// Restores `src/<id>.rs`, after asking unless `yes`.
pub fn reset(workspace: &Workspace, id: &str, yes: bool) -> Result<(), String> {
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
    println!(
        "This replaces {shown} with the original stub from {}.\n\
         Your work in that file is discarded ({}). No other file changes, and the hints you \
         have seen stay seen.",
        source.description,
        current.map_or("the file is missing now".to_string(), |c| format!(
            "it has {} lines now, the stub {}",
            c.lines().count(),
            original.lines().count()
        )),
    );
    if !yes && !confirm("Reset it? [y/N] ")? {
        println!("Nothing changed.");
        return Ok(());
    }
    fs::write(&stub, original).map_err(|e| format!("cannot write {shown}: {e}"))?;
    println!("Restored {shown}. `cargo run -p exercises` shows where you are.");
    Ok(())
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
    // End of input (no terminal, as in CI) reads as "no".
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
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "ok"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
