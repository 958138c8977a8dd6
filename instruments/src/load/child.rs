//! The load generator as the demo's child process: commands in on stdin, reports out on stdout.
//!
//! One thread reads stdin line by line and forwards each well-formed [`LoadCommand`] to the
//! engine; a bad line gets a message on stderr and is otherwise ignored, so a typo (or a person
//! typing at it) never stops the load. Each report is one JSON line on stdout.
//!
//! The child ends on `quit`, and also when stdin reaches its end: the parent holds the other
//! end of that pipe, so when the parent exits — cleanly or killed — the child follows instead
//! of loading the server forever.

use std::io::{self, BufRead, Write};

use tokio::sync::mpsc;

use super::args::LoadConfig;
use super::report::{LoadCommand, LoadReport};
use super::run_here;

/// Commands waiting for the engine: a person or a dashboard sends a few per second at most.
const COMMAND_QUEUE: usize = 64;

/// Runs the child protocol until `quit` or the end of stdin.
pub fn run_child(config: LoadConfig) -> anyhow::Result<()> {
    config.check()?;
    let (commands, received) = mpsc::channel(COMMAND_QUEUE);
    std::thread::Builder::new()
        .name("load-stdin".to_string())
        .spawn(move || read_commands(io::stdin().lock(), commands))?;
    run_here(config, received, write_report)?;
    Ok(())
}

/// Forwards the commands read from `input` until it ends (or the engine has stopped).
fn read_commands(mut input: impl BufRead, commands: mpsc::Sender<LoadCommand>) {
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => return, // end of input: dropping `commands` ends the run
            Ok(_) => {}
            Err(e) => {
                eprintln!("load: cannot read commands: {e}");
                return;
            }
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        match text.parse() {
            Ok(command) => {
                if commands.blocking_send(command).is_err() {
                    return;
                }
            }
            Err(message) => eprintln!("load: {message}"),
        }
    }
}

fn write_report(report: &LoadReport) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
