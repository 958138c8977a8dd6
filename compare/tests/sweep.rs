//! `compare` against real server processes: a tiny sweep writes its table, CSV, Markdown and
//! charts, a server that is not there or dies gets a row that says so without stopping the
//! sweep, no server outlives the run, and bad flags are refused with exit code 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const COMPARE: &str = env!("CARGO_BIN_EXE_compare");

/// A directory of its own for one test, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compare-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
    dir
}

/// Part 1's binary, built beside this test's `compare` (as `cargo test --workspace` does; a
/// lone `cargo test -p compare` builds it here).
fn part1_binary() -> PathBuf {
    let dir = Path::new(COMPARE)
        .parent()
        .expect("compare is in a directory");
    let binary = dir.join("part1-threads");
    if !binary.is_file() {
        let built = Command::new(env!("CARGO"))
            .args(["build", "-p", "part1-threads", "--bin", "part1-threads"])
            .status()
            .expect("cargo runs");
        assert!(built.success(), "building part1-threads failed");
    }
    binary
}

/// A stand-in for part 2's binary that announces an address, as `serve` does, and dies.
const DYING_SERVER: &str = "#!/bin/sh\n\
    echo 'part2-reactor listening on http://127.0.0.1:9 (a stand-in that dies)' >&2\n\
    exit 3\n";

/// `compare` and part 1's binary in `dir`, part 2's stand-in that dies, and no part 3.
fn install_contenders(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dying = dir.join("part2-reactor");
    std::fs::write(&dying, DYING_SERVER).expect("the stand-in can be written");
    std::fs::set_permissions(&dying, std::fs::Permissions::from_mode(0o755))
        .expect("and made executable");
    let compare = dir.join("compare");
    for (from, to) in [
        (PathBuf::from(COMPARE), compare.clone()),
        (part1_binary(), dir.join("part1-threads")),
    ] {
        // A hard link keeps the path `compare` finds itself at; copy where links cannot go.
        if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).expect("the binary can be copied");
        }
    }
    compare
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Processes whose executable lies under `dir`.
fn processes_running_from(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let exe = std::fs::read_link(entry.path().join("exe")).ok()?;
            exe.starts_with(dir).then(|| {
                format!(
                    "{} ({})",
                    entry.file_name().to_string_lossy(),
                    exe.display()
                )
            })
        })
        .collect()
}

#[test]
fn a_tiny_sweep_writes_every_output_and_reports_failed_servers() {
    let dir = scratch("sweep");
    let compare = install_contenders(&dir);
    let out = dir.join("out");
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(&compare)
        .args([
            "--servers",
            "part1,part2,part3",
            "--conns",
            "4",
            "--io-ms",
            "0",
            "--duration",
            "1s",
            "--warmup",
            "500ms",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("compare runs");
    let (stdout, stderr) = (text(&stdout), text(&stderr));
    assert!(
        status.success(),
        "compare failed: {status}\n{stdout}\n{stderr}"
    );

    // The table on stdout: the header, then a row per server.
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "header, separator, three rows:\n{stdout}");
    assert!(
        lines[0].starts_with("| server | conns | io_ms | req/s |"),
        "{stdout}"
    );
    let part1: Vec<&str> = lines[2].split('|').map(str::trim).collect();
    assert_eq!(part1[1..4], ["part1", "4", "0"], "{stdout}");
    let requests_per_s: f64 = part1[4]
        .parse()
        .unwrap_or_else(|_| panic!("req/s is a number: {}", lines[2]));
    assert!(requests_per_s > 0.0, "part 1 answered: {}", lines[2]);
    assert!(lines[2].contains(" MiB |"), "RSS is measured: {}", lines[2]);
    assert!(
        lines[3].starts_with("| part2 | 4 | 0 | 0 |")
            && lines[3].contains("died: exit code 3")
            && lines[3].contains("a stand-in that dies"),
        "part 2's row says it died, how, and its last words: {}",
        lines[3]
    );
    assert!(
        lines[4].starts_with("| part3 | 4 | 0 | – |")
            && lines[4].contains("**failed**: not built")
            && lines[4].contains("cargo build -p part3-wakers"),
        "part 3's row says it is missing and how to build it: {}",
        lines[4]
    );

    // The same rows in results.md, and in results.csv.
    let markdown = std::fs::read_to_string(out.join("results.md")).expect("results.md is written");
    assert!(
        markdown.contains("compare --servers part1,part2,part3 --conns 4 --io-ms 0"),
        "{markdown}"
    );
    for line in &lines {
        assert!(
            markdown.contains(line),
            "results.md has {line:?}:\n{markdown}"
        );
    }
    let csv = std::fs::read_to_string(out.join("results.csv")).expect("results.csv is written");
    let csv_lines: Vec<&str> = csv.lines().collect();
    assert_eq!(csv_lines.len(), 4, "{csv}");
    assert!(
        csv_lines[0].starts_with("server,connections,io_ms,completed_per_s"),
        "{csv}"
    );
    assert!(csv_lines[1].starts_with("part1,4,0,"), "{csv}");
    assert!(
        csv_lines[2].starts_with("part2,4,0,0.0,,,") && csv_lines[2].contains("died"),
        "no latency where nothing was answered: {csv}"
    );
    assert!(
        csv_lines[3].starts_with("part3,4,0,,,,") && csv_lines[3].contains("not built"),
        "{csv}"
    );

    // A chart per quantity, each with every server in its legend.
    for chart in [
        "throughput-io0.svg",
        "p99-io0.svg",
        "rss-io0.svg",
        "threads-io0.svg",
    ] {
        let svg =
            std::fs::read_to_string(out.join(chart)).unwrap_or_else(|e| panic!("{chart}: {e}"));
        assert!(svg.starts_with("<svg"), "{chart} is an SVG document");
        for server in ["part1", "part2", "part3"] {
            assert!(svg.contains(server), "{chart} names {server} in its legend");
        }
    }
    assert!(
        stderr.contains("3 rows in"),
        "the closing line on stderr: {stderr}"
    );
    assert_eq!(
        processes_running_from(&dir),
        Vec::<String>::new(),
        "no server outlives compare"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_flags_are_refused_with_exit_code_2() {
    for (flags, message) in [
        (
            &["--servers", "part1,part9"][..],
            "unknown server \"part9\"",
        ),
        (&["--conns", "10,0"][..], "at least 1 connection"),
        (
            &["--conns", "1000000"][..],
            "more connections than the load generator holds",
        ),
        (&["--io-ms", "fifty"][..], "invalid digit"),
        (&["--rate", "-5"][..], "positive number"),
        (&["--duration", "0s"][..], "longer than zero"),
        (&["--warmup", "3"][..], "unit"),
    ] {
        let output = Command::new(COMPARE)
            .args(flags)
            .output()
            .expect("compare runs");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(
            stderr.contains(message),
            "{flags:?} is explained with {message:?}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{flags:?}: nothing on stdout");
    }
}
