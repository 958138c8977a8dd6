//! The binary as a user runs it: flags, errors and exit codes, and a short headless run whose
//! JSON lines must parse.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn part1(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_part1-threads"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A file name in the system's temporary directory, unique to this test run.
fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("part1-cli-{}-{name}", std::process::id()))
}

#[test]
fn help_lists_the_commands_and_exits_zero() {
    let output = part1(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for word in [
        "serve",
        "load",
        "replay",
        "export",
        "--theme",
        "--headless",
        "--max-threads",
        "--io-ms",
    ] {
        assert!(
            help.contains(word),
            "--help does not mention {word}:\n{help}"
        );
    }
}

#[test]
fn bad_flags_get_a_message_and_exit_code_2() {
    let cases: [(&[&str], &str); 7] = [
        (&["-c", "0"], "at least 1 connection"),
        (&["--rate", "-5"], "rate"),
        (&["--rate", "fast"], "rate"),
        (&["--stack-size", "1k"], "too small"),
        (&["--duration", "soon"], "duration"),
        (
            &["--theme", "dark"],
            "[possible values: default, high-contrast]",
        ),
        (&["replay", "run.jsonl", "--theme", "neon"], "high-contrast"),
    ];
    for (args, words) in cases {
        let output = part1(args);
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
fn an_address_in_use_is_a_clear_error_not_a_panic() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("address").to_string();
    let output = part1(&["serve", "--addr", &addr]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.starts_with("error: cannot serve on"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn without_a_terminal_the_demo_says_to_use_headless() {
    // `output()` gives the child no terminal: stdin is empty, stdout and stderr are pipes.
    let output = part1(&[]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.starts_with("error: the dashboard needs a terminal")
            && message.contains("--headless"),
        "the error should say that a terminal is needed and to use --headless: {message}"
    );
    assert!(
        output.stdout.is_empty(),
        "nothing should be drawn on a pipe: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn a_missing_scenario_or_recording_is_a_clear_error() {
    let output = part1(&["--headless", "--scenario", "no-such-story"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no built-in scenario"),
        "{}",
        stderr(&output)
    );

    let output = part1(&["replay", "/nonexistent/recording.jsonl"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot open the recording"),
        "{}",
        stderr(&output)
    );

    let foreign = temp_file("foreign.jsonl");
    std::fs::write(
        &foreign,
        r#"{"recording":{"part":"part2-reactor","title":"t","subtitle":"","notes":[],"tick_ms":1000}}"#,
    )
    .expect("write");
    let output = part1(&["replay", foreign.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(&foreign);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("recorded by part2-reactor"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_headless_run_prints_samples_then_a_summary_and_records_the_same() {
    let recording = temp_file("run.jsonl");
    let output = part1(&[
        "--headless",
        "-c",
        "20",
        "--rate",
        "200",
        "--duration",
        "4s",
        "--record",
        recording.to_str().expect("utf-8 path"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is JSON"))
        .collect();
    let (summary, samples) = lines.split_last().expect("at least a summary");
    assert_eq!(samples.len(), 4, "one sample per second");
    for sample in samples {
        for field in ["t", "process", "server", "load"] {
            assert!(
                sample.get(field).is_some(),
                "a sample without {field}: {sample}"
            );
        }
        assert!(sample["process"]["rss"].as_u64() > Some(0));
    }
    // The load generator starts in its own process and reports once a second, so the first
    // samples may come before its first report; within four seconds it has connected.
    assert!(
        samples.iter().any(|s| s["load"]["connections_target"] == 20
            && s["server"]["totals"]["active_connections"] == 20),
        "no sample shows the 20 connections at both ends"
    );
    let summary = &summary["summary"];
    assert!(summary["served"].as_u64() > Some(0), "{summary}");
    assert_eq!(summary["server_errors"], 0, "{summary}");
    assert_eq!(summary["client_errors"], 0, "{summary}");

    let recorded = std::fs::read_to_string(&recording).expect("the recording exists");
    // This test has no terminal, so replaying the recording must say so.
    let replay = part1(&["replay", recording.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(&recording);
    assert_eq!(replay.status.code(), Some(1), "{}", stderr(&replay));
    assert!(
        stderr(&replay).contains("needs a terminal"),
        "replay without a terminal should say so: {}",
        stderr(&replay)
    );
    let recorded: Vec<&str> = recorded.lines().collect();
    assert!(
        recorded[0].contains(r#""part":"part1-threads""#),
        "{}",
        recorded[0]
    );
    // The recording holds exactly what stdout showed, after its header.
    assert_eq!(
        &recorded[1..],
        stdout.lines().collect::<Vec<_>>().as_slice()
    );
}

#[test]
fn the_load_command_runs_against_any_server() {
    let server = part1_threads::Server::bind(
        "127.0.0.1:0".parse().expect("address"),
        part1_threads::ServerConfig::default(),
    )
    .expect("bind");
    let addr = server.local_addr().to_string();
    let output = part1(&[
        "load",
        "--addr",
        &addr,
        "-c",
        "5",
        "--rate",
        "100",
        "--duration",
        "2s",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let last: Value = serde_json::from_str(stdout.lines().last().expect("a summary"))
        .expect("the summary is JSON");
    assert_eq!(
        last["completed_total"].as_u64(),
        Some(server.stats().served.get()),
        "the client's count agrees with the server's: {last}"
    );
}

#[test]
fn a_recorded_run_exports_as_charts_with_its_stages() {
    let scenario = temp_file("tiny.scenario");
    std::fs::write(
        &scenario,
        "0s connections=4 rate=40 \"A few clients. Watch.\"\n\
         2s connections=8 rate=80 \"More clients: watch Threads.\"\n\
         3s end\n",
    )
    .expect("write the scenario");
    let recording = temp_file("staged.jsonl");
    let slides = temp_file("slides");
    let run = part1(&[
        "--headless",
        "--scenario",
        scenario.to_str().expect("utf-8 path"),
        "--record",
        recording.to_str().expect("utf-8 path"),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));

    let export = part1(&[
        "export",
        recording.to_str().expect("utf-8 path"),
        "--out",
        slides.to_str().expect("utf-8 path"),
    ]);
    let requests = std::fs::read_to_string(slides.join("requests.svg"));
    let threads = std::fs::read_to_string(slides.join("threads.svg"));
    let _ = std::fs::remove_file(&scenario);
    let _ = std::fs::remove_file(&recording);
    let _ = std::fs::remove_dir_all(&slides);
    assert!(export.status.success(), "{}", stderr(&export));
    assert!(
        String::from_utf8_lossy(&export.stdout).contains("requests.svg"),
        "export says what it wrote"
    );
    for svg in [requests, threads] {
        let svg = svg.expect("the chart was written");
        assert!(svg.starts_with("<svg"), "an SVG document");
        for caption in ["A few clients", "More clients"] {
            assert!(svg.contains(caption), "the stage {caption:?} is marked");
        }
    }
}

#[test]
fn export_refuses_what_is_not_a_recording_of_this_part() {
    let slides = temp_file("no-slides");
    let slides = slides.to_str().expect("utf-8 path");
    let missing = part1(&["export", "/nonexistent/run.jsonl", "--out", slides]);
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("cannot open"),
        "{}",
        stderr(&missing)
    );

    let other = temp_file("part2.jsonl");
    std::fs::write(
        &other,
        r#"{"recording":{"part":"part2-reactor","title":"","subtitle":"","notes":[],"tick_ms":1000}}"#,
    )
    .expect("write");
    let refused = part1(&[
        "export",
        other.to_str().expect("utf-8 path"),
        "--out",
        slides,
    ]);
    let _ = std::fs::remove_file(&other);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("was recorded by part2-reactor"),
        "{}",
        stderr(&refused)
    );
}
