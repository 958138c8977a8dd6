//! The load generator against a small real server: counts, modes, live changes, errors, and the
//! child process protocol end to end.
//!
//! No assertion here depends on timing: tests wait (with a generous deadline) for a report
//! showing what they expect, and compare counts that must agree exactly.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use instruments::load::{
    CHILD_SUBCOMMAND, ClientErrors, ConnectionMode, LoadArgs, LoadCommand, LoadConfig, LoadProcess,
    LoadReport, LoadSummary, Pacing, drive,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a test waits for a report it expects before failing: far beyond what any of them
/// needs, so that a slow, busy CI machine does not fail them.
const PATIENCE: Duration = Duration::from_secs(30);
/// Reports every 100 ms, so tests see changes quickly.
const TICK: Duration = Duration::from_millis(100);

// ---------------------------------------------------------------------------------------------
// A small real server: a thread per connection, `GET /` → `200 hello`.

#[derive(Debug, Clone, Copy)]
enum Behaviour {
    Hello,
    /// Waits this long before answering each request.
    Slow(Duration),
    /// Answers every request `503` and closes, as a server that cannot spawn a thread would.
    Unavailable,
    /// Closes a connection that stays idle this long.
    IdleTimeout(Duration),
}

#[derive(Debug, Default)]
struct Counts {
    accepted: AtomicU64,
    served: AtomicU64,
    /// Requests that asked for `Connection: close`.
    closing: AtomicU64,
    peers: Mutex<HashSet<IpAddr>>,
}

struct TestServer {
    addr: SocketAddr,
    counts: Arc<Counts>,
}

impl TestServer {
    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let counts = Arc::new(Counts::default());
        let shared = Arc::clone(&counts);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                shared.accepted.fetch_add(1, SeqCst);
                if let Ok(peer) = stream.peer_addr() {
                    shared.peers.lock().unwrap().insert(peer.ip());
                }
                let counts = Arc::clone(&shared);
                thread::spawn(move || serve(stream, behaviour, &counts));
            }
        });
        TestServer { addr, counts }
    }

    fn served(&self) -> u64 {
        self.counts.served.load(SeqCst)
    }

    fn accepted(&self) -> u64 {
        self.counts.accepted.load(SeqCst)
    }
}

fn serve(stream: TcpStream, behaviour: Behaviour, counts: &Counts) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    if let Behaviour::IdleTimeout(idle) = behaviour
        && stream.set_read_timeout(Some(idle)).is_err()
    {
        return;
    }
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || !line.starts_with("GET ") {
            return;
        }
        let mut close = false;
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            let header = line.to_ascii_lowercase();
            close |= header.starts_with("connection:") && header.contains("close");
        }
        if close {
            counts.closing.fetch_add(1, SeqCst);
        }
        let response: &[u8] = match behaviour {
            Behaviour::Unavailable => {
                let _ = writer.write_all(
                    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                );
                return;
            }
            Behaviour::Slow(pause) => {
                thread::sleep(pause);
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
            }
            Behaviour::Hello | Behaviour::IdleTimeout(_) => {
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
            }
        };
        // Counted before answering: once the client has its answer, the count includes it.
        counts.served.fetch_add(1, SeqCst);
        if writer.write_all(response).is_err() || close {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running the engine in-process.

struct Run {
    commands: mpsc::Sender<LoadCommand>,
    reports: mpsc::UnboundedReceiver<LoadReport>,
    engine: JoinHandle<anyhow::Result<LoadSummary>>,
}

fn config(addr: SocketAddr, connections: u64, pacing: Pacing) -> LoadConfig {
    LoadConfig {
        connections,
        pacing,
        tick: TICK,
        ..LoadConfig::new(addr)
    }
}

impl Run {
    fn start(config: LoadConfig) -> Self {
        let (commands, received) = mpsc::channel(8);
        let (sender, reports) = mpsc::unbounded_channel();
        let engine = tokio::spawn(drive(config, received, move |report| {
            let _ = sender.send(report.clone());
            Ok(())
        }));
        Run {
            commands,
            reports,
            engine,
        }
    }

    async fn send(&self, command: LoadCommand) {
        self.commands.send(command).await.unwrap();
    }

    /// Waits for a report for which `want` holds.
    async fn until(&mut self, what: &str, want: impl Fn(&LoadReport) -> bool) -> LoadReport {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut last = None;
        loop {
            match tokio::time::timeout_at(deadline, self.reports.recv()).await {
                Ok(Some(report)) if want(&report) => return report,
                Ok(Some(report)) => last = Some(report),
                Ok(None) => panic!("the engine stopped before {what}; last report: {last:?}"),
                Err(_) => panic!("no report showed {what} within {PATIENCE:?}; last: {last:?}"),
            }
        }
    }

    /// Quits and returns the last report and the summary.
    async fn quit(mut self) -> (LoadReport, LoadSummary) {
        self.send(LoadCommand::Quit).await;
        let summary = self.engine.await.unwrap().unwrap();
        let mut last = None;
        while let Ok(report) = self.reports.try_recv() {
            last = Some(report);
        }
        (last.expect("a last report at quit"), summary)
    }
}

fn no_errors() -> ClientErrors {
    ClientErrors::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_counts_exactly_what_the_server_served() {
    let server = TestServer::start(Behaviour::Hello);
    let mut run = Run::start(config(server.addr, 20, Pacing::Closed));
    run.until("20 connections busy", |r| {
        r.connections_open == 20 && r.completed_total > 1000
    })
    .await;
    let (last, summary) = run.quit().await;

    assert_eq!(last.completed_total, server.served());
    assert_eq!(last.errors_total, no_errors());
    assert_eq!(last.outstanding, 0, "quit waits for the requests in flight");
    assert_eq!(last.offered_total, last.completed_total);
    assert_eq!(server.accepted(), 20, "keep-alive: one connection each");
    assert_eq!(server.counts.closing.load(SeqCst), 0);
    assert_eq!(summary.completed_total, last.completed_total);
    assert!(summary.latency_us.max > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_offers_the_rate_and_keeps_up_with_a_fast_server() {
    const RATE: f64 = 200.0;
    let server = TestServer::start(Behaviour::Hello);
    let mut run = Run::start(config(server.addr, 4, Pacing::Rate(RATE)));
    run.until("a second of load", |r| r.t >= 1.0).await;
    run.until("nothing outstanding", |r| r.outstanding == 0)
        .await;
    let (last, _) = run.quit().await;

    assert_eq!(last.errors_total, no_errors());
    assert_eq!(last.completed_total, server.served());
    assert_eq!(
        last.offered_total,
        last.completed_total + last.outstanding,
        "every offered request is answered or still outstanding"
    );
    // The pacer never runs ahead of the clock: request n is due at n / rate.
    assert!(last.offered_total as f64 <= RATE * last.t + 1.0, "{last:?}");
    assert!(last.offered_total >= 100, "{last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_queues_what_a_slow_server_cannot_take() {
    // Two connections to a server taking 100 ms per request serve at most 20 req/s; 100 req/s
    // are offered, so the outstanding queue grows, and latency counts the wait in it.
    let pause = Duration::from_millis(100);
    let server = TestServer::start(Behaviour::Slow(pause));
    let mut run = Run::start(config(server.addr, 2, Pacing::Rate(100.0)));
    let queued = run
        .until("a queue of requests", |r| {
            r.outstanding >= 40 && r.completed_per_s > 0.0
        })
        .await;
    assert!(
        queued.latency_us.max > 2 * pause.as_micros() as u64,
        "latency from the intended send time includes the queue: {queued:?}"
    );
    let (last, _) = run.quit().await;
    assert_eq!(last.errors_total, no_errors());
    assert_eq!(last.offered_total, last.completed_total + last.outstanding);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_opens_a_connection_per_request() {
    let server = TestServer::start(Behaviour::Hello);
    let mut run = Run::start(LoadConfig {
        mode: ConnectionMode::Churn,
        ..config(server.addr, 5, Pacing::Closed)
    });
    run.until("a few hundred requests", |r| r.completed_total >= 300)
        .await;
    let (last, _) = run.quit().await;

    assert_eq!(last.errors_total, no_errors());
    assert_eq!(last.completed_total, server.served());
    assert_eq!(
        server.accepted(),
        server.served(),
        "one connection per request"
    );
    assert_eq!(server.counts.closing.load(SeqCst), server.served());
    if cfg!(target_os = "linux") {
        let peers = server.counts.peers.lock().unwrap().len();
        assert!(
            peers > 1,
            "churn spreads over 127.0.0.x, saw {peers} address(es)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_change_while_running() {
    let server = TestServer::start(Behaviour::Hello);
    let mut run = Run::start(config(server.addr, 10, Pacing::Rate(100.0)));
    run.until("10 open", |r| r.connections_open == 10).await;
    run.send(LoadCommand::Connections(30)).await;
    run.until("30 open", |r| {
        r.connections_target == 30 && r.connections_open == 30
    })
    .await;
    run.send(LoadCommand::Connections(5)).await;
    run.until("5 open", |r| {
        r.connections_target == 5 && r.connections_open == 5
    })
    .await;
    run.send(LoadCommand::Mode(ConnectionMode::Churn)).await;
    run.until("churning", |r| r.mode == ConnectionMode::Churn)
        .await;
    run.send(LoadCommand::Pacing(Pacing::Closed)).await;
    let before = run
        .until("closed loop", |r| r.pacing == Pacing::Closed)
        .await;
    run.until("closed-loop progress", |r| {
        r.completed_total > before.completed_total + 50
    })
    .await;
    let (last, _) = run.quit().await;

    assert_eq!(last.errors_total, no_errors());
    assert_eq!(last.completed_total, server.served());
    assert_eq!(last.connections_open, 0, "all closed at quit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_closed_for_idleness_reopen_without_errors() {
    // Two connections share 1 req/s, so each sits idle about 2 s between requests: longer than
    // the server's idle timeout, which closes it. The client notices before sending, reconnects,
    // and no request fails.
    let server = TestServer::start(Behaviour::IdleTimeout(Duration::from_millis(1500)));
    let mut run = Run::start(config(server.addr, 2, Pacing::Rate(1.0)));
    run.until("a few reconnections", |_| server.accepted() >= 5)
        .await;
    let (last, _) = run.quit().await;

    assert_eq!(last.errors_total, no_errors());
    assert_eq!(last.completed_total, server.served());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_answering_503_shows_http_errors() {
    let server = TestServer::start(Behaviour::Unavailable);
    let mut run = Run::start(config(server.addr, 3, Pacing::Closed));
    run.until("http errors", |r| r.errors_total.error_status >= 6)
        .await;
    let (last, _) = run.quit().await;

    assert_eq!(last.completed_total, 0);
    assert_eq!(last.errors_total.refused, 0);
    assert_eq!(
        last.offered_total,
        last.errors_total.total(),
        "each request failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_shows_refused_connections() {
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    }; // dropped: nobody listens there now
    let mut run = Run::start(config(addr, 2, Pacing::Closed));
    let report = run.until("refusals", |r| r.errors_total.refused >= 4).await;
    assert_eq!(report.connections_open, 0);
    let (last, _) = run.quit().await;
    assert_eq!(last.completed_total, 0);
    assert_eq!(last.offered_total, 0, "no request without a connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_shows_timeouts() {
    let server = TestServer::start(Behaviour::Slow(Duration::from_secs(3)));
    let mut run = Run::start(LoadConfig {
        timeout: Duration::from_millis(200),
        ..config(server.addr, 2, Pacing::Closed)
    });
    run.until("timeouts", |r| r.errors_total.timeout >= 2).await;
    let (last, _) = run.quit().await;
    assert_eq!(last.completed_total, 0);
}

// ---------------------------------------------------------------------------------------------
// The line protocol, the flags, the JSON.

#[test]
fn commands_print_and_parse_back() {
    for command in [
        LoadCommand::Connections(0),
        LoadCommand::Connections(20_000),
        LoadCommand::Pacing(Pacing::Rate(2000.0)),
        LoadCommand::Pacing(Pacing::Rate(0.25)),
        LoadCommand::Pacing(Pacing::Closed),
        LoadCommand::Mode(ConnectionMode::KeepAlive),
        LoadCommand::Mode(ConnectionMode::Churn),
        LoadCommand::Quit,
    ] {
        assert_eq!(
            command.to_string().parse(),
            Ok(command.clone()),
            "{command}"
        );
    }
}

#[test]
fn bad_command_lines_are_explained() {
    for (line, hint) in [
        ("", "empty"),
        ("connections", "needs a number"),
        ("connections -3", "whole number"),
        ("connections 10 20", "too many"),
        ("rate 0", "positive"),
        ("rate -5", "positive"),
        ("rate NaN", "positive"),
        ("rate inf", "positive"),
        ("mode fast", "keep-alive"),
        ("quit now", "unknown"),
        ("jump", "unknown"),
    ] {
        let err = line.parse::<LoadCommand>().expect_err(line);
        assert!(err.contains(hint), "{line:?} → {err:?}");
    }
}

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    load: LoadArgs,
}

#[test]
fn a_config_survives_the_trip_through_flags() {
    let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    for config in [
        LoadConfig::new(addr),
        LoadConfig {
            connections: 0,
            pacing: Pacing::Rate(1234.5),
            mode: ConnectionMode::Churn,
            timeout: Duration::from_millis(1500),
            tick: Duration::from_millis(250),
            duration: Some(Duration::from_secs(90)),
            warmup: Duration::from_secs(5),
            ..LoadConfig::new("[::1]:9000".parse().unwrap())
        },
    ] {
        let argv = std::iter::once("load".to_string()).chain(config.to_args());
        let parsed = Cli::try_parse_from(argv).unwrap().load.config();
        assert_eq!(parsed, config);
    }
    let defaults = Cli::try_parse_from(["load", "--addr", "127.0.0.1:8080"]).unwrap();
    assert_eq!(defaults.load.config(), LoadConfig::new(addr));
}

#[test]
fn bad_flags_are_rejected_with_a_reason() {
    for (flags, hint) in [
        (&["--rate", "0"][..], "positive"),
        (&["--rate", "fast"], "positive"),
        (&["--duration", "10"], "unit"),
        (&["--tick", "0s"], "longer than zero"),
        (&["-c", "many"], "many"),
    ] {
        let argv = ["load", "--addr", "127.0.0.1:1"].iter().chain(flags);
        let err = Cli::try_parse_from(argv).expect_err(hint).to_string();
        assert!(err.contains(hint), "{flags:?} → {err}");
    }
}

#[test]
fn reports_round_trip_through_json() {
    let report = LoadReport {
        t: 12.5,
        mode: ConnectionMode::Churn,
        pacing: Pacing::Rate(2000.0),
        connections_target: 100,
        connections_open: 97,
        offered_per_s: 2000.0,
        completed_per_s: 1890.5,
        outstanding: 300,
        errors: ClientErrors {
            refused: 1,
            reset: 2,
            timeout: 3,
            error_status: 4,
            other: 5,
        },
        completed_total: 20_000,
        offered_total: 21_000,
        connect_us_mean: 85,
        ..LoadReport::default()
    };
    let line = serde_json::to_string(&report).unwrap();
    assert!(!line.contains('\n'), "one report, one line");
    assert_eq!(serde_json::from_str::<LoadReport>(&line).unwrap(), report);
}

// ---------------------------------------------------------------------------------------------
// The `load` binary: the child protocol and the standalone command.

const LOAD_EXE: &str = env!("CARGO_BIN_EXE_load");

fn child_config(addr: SocketAddr) -> LoadConfig {
    LoadConfig {
        connections: 0,
        ..config(addr, 0, Pacing::Closed)
    }
}

/// Waits for a report from the child for which `want` holds.
fn child_until(child: &mut LoadProcess, what: &str, want: impl Fn(&LoadReport) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if child.next_report(TICK * 10).is_some_and(|r| want(&r)) {
            return;
        }
    }
    panic!(
        "the child never showed {what}; last: {:?}; messages: {:?}",
        child.latest(),
        child.take_messages()
    );
}

#[test]
fn the_child_process_takes_commands_and_reports() {
    let server = TestServer::start(Behaviour::Hello);
    let mut child = LoadProcess::spawn(
        LOAD_EXE.as_ref(),
        &[CHILD_SUBCOMMAND],
        &child_config(server.addr),
    )
    .unwrap();
    child_until(&mut child, "an idle start", |r| r.connections_target == 0);
    child.send(&LoadCommand::Connections(3)).unwrap();
    child
        .send(&LoadCommand::Pacing(Pacing::Rate(50.0)))
        .unwrap();
    child_until(&mut child, "three connections at work", |r| {
        r.connections_open == 3 && r.completed_total >= 10
    });
    let (status, last) = child.shutdown().unwrap();
    assert!(status.success(), "{status}");
    let last = last.expect("reports arrived");
    assert_eq!(last.completed_total, server.served());
    assert_eq!(last.errors_total, no_errors());
}

#[test]
fn the_child_ignores_bad_lines_and_ends_with_its_input() {
    let server = TestServer::start(Behaviour::Hello);
    let mut child = Command::new(LOAD_EXE)
        .arg(CHILD_SUBCOMMAND)
        .args(child_config(server.addr).to_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"bogus\nconnections many\n\n\xff\xfe\nconnections 2\n")
        .unwrap();

    // Still running after the bad lines: it obeys the good one.
    let mut reports = BufReader::new(child.stdout.take().unwrap()).lines();
    let obeyed = reports.any(|line| {
        let report: LoadReport = serde_json::from_str(&line.unwrap()).unwrap();
        report.connections_open == 2
    });
    assert!(obeyed, "the child stopped before opening 2 connections");

    drop(stdin); // the end of its input is the end of the child
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the child did not exit at the end of its input");
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("unknown command \"bogus\""), "{stderr}");
    assert!(stderr.contains("whole number"), "{stderr}");
    assert_eq!(
        stderr.lines().count(),
        3,
        "one message per bad line: {stderr}"
    );
    let served_after = server.served();
    let last: Vec<LoadReport> = reports
        .map(|line| serde_json::from_str(&line.unwrap()).unwrap())
        .collect();
    let last = last.last().expect("a last report at the end");
    assert_eq!(last.completed_total, served_after);
}

#[test]
fn standalone_runs_for_its_duration_and_sums_up() {
    let server = TestServer::start(Behaviour::Hello);
    let addr = server.addr.to_string();
    let common = [
        "--addr",
        &addr,
        "-c",
        "2",
        "--duration",
        "500ms",
        "--tick",
        "100ms",
    ];

    let readable = Command::new(LOAD_EXE).args(common).output().unwrap();
    assert!(readable.status.success(), "{readable:?}");
    let text = String::from_utf8(readable.stdout).unwrap();
    assert!(
        text.lines().last().unwrap().starts_with("summary:"),
        "{text}"
    );

    let json = Command::new(LOAD_EXE)
        .args(common)
        .arg("--json")
        .output()
        .unwrap();
    assert!(json.status.success(), "{json:?}");
    let text = String::from_utf8(json.stdout).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let summary: LoadSummary = serde_json::from_str(lines.pop().unwrap()).unwrap();
    let reports: Vec<LoadReport> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        summary.completed_total,
        reports.last().unwrap().completed_total
    );
    assert!(summary.completed_total > 0);
}

#[test]
fn standalone_rejects_a_run_without_connections() {
    let output = Command::new(LOAD_EXE)
        .args(["--addr", "127.0.0.1:1", "-c", "0", "--duration", "1s"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("at least 1"), "{stderr}");
}
