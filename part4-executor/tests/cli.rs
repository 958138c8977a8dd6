//! The binary as a user runs it: its own flags, its own scenarios by name, and a short headless
//! run on Tokio whose samples carry the executor panel's numbers.

use std::process::{Command, Output};

use serde_json::Value;

fn part4(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_part4-executor"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bad_part_4_flags_get_a_message_and_exit_code_2() {
    let cases: [(&[&str], &str); 3] = [
        (&["--workers", "0"], "workers"),
        (&["--workers", "many"], "workers"),
        (&["--runtime", "smol"], "ours, tokio"),
    ];
    for (args, words) in cases {
        let output = part4(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(words),
            "{args:?} should explain {words:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_headless_run_on_tokio_plays_a_part_4_scenario() {
    let output = part4(&[
        "--headless",
        "--runtime",
        "tokio",
        "--workers",
        "2",
        "--scenario",
        "spawn-storm",
        "--duration",
        "3s",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is JSON"))
        .collect();
    let (summary, samples) = lines.split_last().expect("at least a summary");
    assert!(!samples.is_empty());
    for sample in samples {
        let part = &sample["part"];
        assert_eq!(part["runtime"], "tokio", "{part}");
        assert_eq!(part["workers"].as_array().map(Vec::len), Some(2), "{part}");
        assert!(
            sample["stage"]
                .as_str()
                .is_some_and(|s| s.starts_with("spawn-storm"))
        );
    }
    assert_eq!(summary["summary"]["server_errors"], 0, "{summary}");
}
