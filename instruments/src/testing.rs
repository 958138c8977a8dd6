//! What the parts' tests share: a small blocking HTTP/1.1 client, a way to wait until a server
//! has reached a state on its own (a thread exited, a counter settled), the app's contract
//! ([`contract`]), and the whole dashboard drawn as text ([`screen`]) for the panels' tests.
//!
//! Every part's tests talk to their server the same way, so this lives here, beside the other
//! lab equipment, rather than once per part. The demo never uses it. Everything here panics
//! with a message on failure, as test code should.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How long a test waits for something the server does on its own before failing. Generous:
/// the CI machine is small and busy; a passing test never waits this long.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Waits for a condition that the server reaches on its own, failing with `what` if it never
/// does.
pub fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A minimal blocking HTTP/1.1 client: one request at a time (or pipelined by hand with
/// [`send`](Self::send)), each [`reply`](Self::reply) read whole.
pub struct Client {
    pub reader: BufReader<TcpStream>,
}

/// One response, as the tests look at it.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub closes: bool,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        Client::from_stream(TcpStream::connect(addr).expect("connect"))
    }

    pub fn from_stream(stream: TcpStream) -> Client {
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("set timeout");
        Client {
            reader: BufReader::new(stream),
        }
    }

    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("write");
    }

    pub fn get(&mut self, target: &str) -> Reply {
        self.send(format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        self.reply()
    }

    /// Reads one response; panics if there is none.
    pub fn reply(&mut self) -> Reply {
        self.try_reply().expect("a response")
    }

    /// Reads one response, or the error that prevented it (e.g. the read timeout).
    pub fn try_reply(&mut self) -> io::Result<Reply> {
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line)?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut length = 0;
        let mut closes = false;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("header has a colon");
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().expect("length"),
                "connection" => closes = value.trim().eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Reply {
            status,
            body: String::from_utf8(body).expect("utf-8 body"),
            closes,
        })
    }

    /// True once the server has closed its side (a read returns end of file).
    pub fn is_closed_by_server(&mut self) -> bool {
        let mut byte = [0; 1];
        matches!(self.reader.read(&mut byte), Ok(0))
    }
}

/// The threads of this process whose name is `name` (Linux: `/proc/self/task/*/comm`).
pub fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("linux /proc")
        .filter_map(Result::ok)
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| comm.trim_end() == name)
        })
        .count()
}

/// All the threads of this process (Linux).
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("linux /proc")
        .count()
}

/// The app's contract: what every server in the workshop must do, whatever its runtime.
///
/// Each part's tests start their own server and call these with its address and counters, so
/// that "the same app on five runtimes" is checked, not just claimed.
pub mod contract {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};

    use super::{Client, PATIENCE, eventually};
    use crate::metrics::{ServerError, ServerStats};

    /// What `GET /` answers on a keep-alive connection, byte for byte.
    pub const HELLO: &str =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

    /// Several requests sent at once are answered in order; `HEAD` gets headers and no body;
    /// `Connection: close` gets its answer, then the connection closes.
    pub fn pipelined_requests_are_answered_in_order(addr: SocketAddr) {
        let mut client = Client::connect(addr);
        client.send(b"GET / HTTP/1.1\r\n\r\nGET /missing HTTP/1.1\r\n\r\nHEAD / HTTP/1.1\r\n\r\n");
        assert_eq!(client.reply().status, 200);
        assert_eq!(client.reply().status, 404);
        // The HEAD response announces the body's length but sends none, so the next bytes
        // are the next response's.
        client.send(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        let mut rest = String::new();
        client
            .reader
            .read_to_string(&mut rest)
            .expect("read to close");
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n";
        assert_eq!(
            rest,
            format!("{head}\r\n{head}Connection: close\r\n\r\nhello"),
            "a HEAD response, then a GET that closes"
        );
    }

    /// Malformed bytes get 400, an oversized head 431 (each then closed), bad query values
    /// and methods 400 and 405 (the connection stays), and the server goes on serving.
    pub fn bad_requests_get_4xx_and_the_server_goes_on(addr: SocketAddr, stats: &ServerStats) {
        let mut steady = Client::connect(addr);
        assert_eq!(steady.get("/").status, 200);

        let mut garbage = Client::connect(addr);
        garbage.send(b"\x16\x03\x01 definitely not http\r\n\r\n");
        let reply = garbage.reply();
        assert_eq!((reply.status, reply.closes), (400, true));
        assert!(garbage.is_closed_by_server());

        let mut huge = Client::connect(addr);
        huge.send(format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(10_000)).as_bytes());
        let reply = huge.reply();
        assert_eq!((reply.status, reply.closes), (431, true));

        let mut bad_query = Client::connect(addr);
        assert_eq!(bad_query.get("/?io_ms=forever").status, 400);
        assert_eq!(bad_query.get("/?cpu_us=2000000").status, 400);
        bad_query.send(b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
        assert_eq!(bad_query.reply().status, 405);
        assert_eq!(
            bad_query.get("/").status,
            200,
            "a 400 or 405 from the app keeps the connection"
        );

        assert_eq!(steady.get("/").status, 200, "the others are still served");
        assert_eq!(stats.errors(ServerError::BadRequest), 1);
        assert_eq!(stats.errors(ServerError::HeadTooLarge), 1);
    }

    /// After answering a request that says `Connection: close`, the server closes, leaving
    /// anything sent after it unanswered, and counts the connection gone.
    pub fn connection_close_is_honoured(addr: SocketAddr, stats: &ServerStats) {
        let mut client = Client::connect(addr);
        client.send(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        let reply = client.reply();
        assert_eq!((reply.status, reply.closes), (200, true));
        assert!(
            client.is_closed_by_server(),
            "the request after the close is not answered"
        );
        eventually("the connection is counted gone", || {
            stats.active_connections.get() == 0
        });
    }

    /// A client that sends its request and reads the answer one byte at a time is served.
    pub fn a_client_that_sends_and_reads_one_byte_at_a_time_is_served(addr: SocketAddr) {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        for _ in 0..2 {
            for byte in b"GET / HTTP/1.1\r\nHost: slow\r\n\r\n" {
                stream.write_all(&[*byte]).expect("write one byte");
            }
            let mut response = Vec::new();
            while response.len() < HELLO.len() {
                let mut byte = [0; 1];
                let n = stream.read(&mut byte).expect("read one byte");
                assert_eq!(n, 1, "the server closed early: {response:?}");
                response.push(byte[0]);
            }
            assert_eq!(String::from_utf8_lossy(&response), HELLO);
        }
    }
}

/// Drawing the whole dashboard in a test, as a part's panel tests do to check that the panel
/// gets, inside the real layout, the area its own snapshots were drawn at.
pub mod screen {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;

    use crate::dashboard::{DashboardState, PartView, Theme};
    use crate::load::{LoadReport, Percentiles};
    use crate::sample::{ProcessSample, Sample, ThreadRow};

    /// One tick of a one-thread server (parts 2 and 3) at 1 000 keep-alive connections and
    /// 16 000 requests a second, keeping up, its one thread named `thread`: the htop side of
    /// the panels' whole-dashboard snapshots, around the part's own `part`.
    pub fn one_thread_at_1000_connections<X: Default>(
        part: X,
        thread: &str,
        stage: &str,
    ) -> Sample<X> {
        let mut sample = Sample {
            t: 44.0,
            process: ProcessSample {
                cpu_cores: vec![31.0, 27.0],
                cpu_avg: 29.0,
                process_cpu: 25.6,
                mem_total: 24 * 1024 * 1024 * 1024,
                rss: 10 * 1024 * 1024,
                virtual_size: 404 * 1024 * 1024,
                threads: Some(7),
                ctx_voluntary_per_s: 1_070.0,
                ctx_involuntary_per_s: 7.0,
                top_threads: vec![ThreadRow {
                    tid: 21_322,
                    user: "learner".to_string(),
                    priority: 20,
                    cpu: 25.5,
                    cmd: thread.to_string(),
                    ..ThreadRow::default()
                }],
                ..ProcessSample::default()
            },
            load: Some(LoadReport {
                t: 44.0,
                connections_target: 1_000,
                connections_open: 1_000,
                offered_per_s: 16_006.0,
                completed_per_s: 16_037.0,
                outstanding: 787,
                latency_us: Percentiles {
                    p50: 52_500,
                    p90: 58_000,
                    p99: 67_700,
                    max: 80_100,
                },
                ..LoadReport::default()
            }),
            stage: Some(stage.to_string()),
            part,
            ..Sample::default()
        };
        sample.server.totals.active_connections = 1_000;
        sample.server.totals.threads = 1;
        sample
    }

    /// The dashboard drawn at `width` × `height`, as text (one quoted line per row).
    pub fn draw<X: PartView>(state: &DashboardState<X>, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test backend");
        terminal
            .draw(|frame| state.render(frame))
            .expect("draw the dashboard");
        terminal.backend().to_string()
    }

    /// The dashboard drawn at `width` × `height` in each theme (`state_in` builds the same
    /// state in a given one), as text. Checks that the high-contrast frame uses only that
    /// theme's palette, and that both frames read the same: a theme changes colours, never a
    /// word or a symbol, so whatever the test then finds in the text is there in both.
    pub fn draw_in_both_themes<X: PartView>(
        state_in: impl Fn(Theme) -> DashboardState<X>,
        width: u16,
        height: u16,
    ) -> String {
        let drawn = |theme| {
            let mut terminal =
                Terminal::new(TestBackend::new(width, height)).expect("a test backend");
            terminal
                .draw(|frame| state_in(theme).render(frame))
                .expect("draw the dashboard");
            terminal.backend().clone()
        };
        let default = drawn(Theme::Default);
        let high_contrast = drawn(Theme::HighContrast);
        assert_only_high_contrast_palette(high_contrast.buffer());
        let text = default.to_string();
        assert_eq!(
            text,
            high_contrast.to_string(),
            "the themes should differ in colour only"
        );
        text
    }

    /// Fails, naming the first offending cell, unless every cell of `buffer` is drawn in
    /// [`Theme::HIGH_CONTRAST_PALETTE`]'s colours.
    pub fn assert_only_high_contrast_palette(buffer: &Buffer) {
        let palette = Theme::HIGH_CONTRAST_PALETTE;
        for (index, cell) in buffer.content.iter().enumerate() {
            let (x, y) = buffer.pos_of(index);
            assert!(
                palette.contains(&cell.fg) && palette.contains(&cell.bg),
                "cell ({x}, {y}) {:?} is drawn in {:?} on {:?}, not in the high-contrast \
                 palette {palette:?}",
                cell.symbol(),
                cell.fg,
                cell.bg
            );
        }
    }

    /// The text inside the border of the panel titled `title` in a drawn `screen`: `height`
    /// rows of `width` columns.
    pub fn panel_text(screen: &str, title: &str, (width, height): (u16, u16)) -> String {
        let rows: Vec<&str> = screen.lines().collect();
        let border = format!("┌ {title}");
        let top = rows
            .iter()
            .position(|row| row.contains(&border))
            .unwrap_or_else(|| panic!("no panel titled {title:?} on the screen:\n{screen}"));
        rows[top + 1..=top + usize::from(height)]
            .iter()
            .map(|row| {
                let inside: String = row
                    .trim_matches('"')
                    .chars()
                    .rev()
                    .skip(1)
                    .take(usize::from(width))
                    .collect();
                inside.chars().rev().collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A recording played to its end through the dashboard, with no terminal: what `replay FILE`
/// shows, drawn into ratatui's `TestBackend` instead of the screen. The tests of the
/// recordings that ship in `recordings/` use it.
pub mod replay {
    use std::path::Path;

    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::screen;
    use crate::dashboard::{DashboardState, PartView, Theme};
    use crate::record::Recording;
    use crate::scenario::{Player, Scenario};

    /// Two terminals the dashboard is drawn on: the roomy one (the part's panel beside the
    /// htop view) and the smallest it supports (the panel in place of the htop view, after
    /// `Tab`).
    const ROOMY: (u16, u16) = (120, 40);
    const SMALLEST: (u16, u16) = (80, 24);

    /// Reads the recording at `path`, made by the part called `part` while it played
    /// `scenario`, and draws the dashboard after each of its samples on both terminals, as a
    /// replay would. Fails unless the recording parses, comes from `part`, shows every stage
    /// of `scenario` in order, each on the screen while it plays, and ends with its summary
    /// (the run went to its end). Returns the last roomy screen.
    pub fn to_the_end<X: PartView>(path: &Path, part: &str, scenario: &Scenario) -> String {
        let recording = Recording::<X>::read(path, part)
            .unwrap_or_else(|e| panic!("{} does not replay: {e:#}", path.display()));
        let header = recording
            .header
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no header: record it with --record", path.display()));
        assert_eq!(
            header.part,
            part,
            "{} was recorded by another part",
            path.display()
        );
        assert!(
            recording.summary.is_some(),
            "{} has no summary: the run was stopped before the scenario's end",
            path.display()
        );

        let info = recording.replay_info(path, part, &[], Theme::Default);
        let mut roomy = DashboardState::<X>::new(info.clone());
        let mut smallest = DashboardState::<X>::new(info);
        if X::PANEL.is_some() {
            smallest.handle_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        }
        let mut stages_seen: Vec<String> = Vec::new();
        let mut last_screen = String::new();
        for sample in recording.samples {
            if let Some(stage) = &sample.stage
                && stages_seen.last() != Some(stage)
            {
                stages_seen.push(stage.clone());
            }
            let stage = sample.stage.clone();
            roomy.push(sample.clone());
            smallest.push(sample);
            last_screen = screen::draw(&roomy, ROOMY.0, ROOMY.1);
            screen::draw(&smallest, SMALLEST.0, SMALLEST.1);
            if let Some(stage) = stage {
                let opening: String = stage.split(' ').take(3).collect::<Vec<_>>().join(" ");
                assert!(
                    last_screen.contains(&opening),
                    "{}: the stage {stage:?} is not on the screen:\n{last_screen}",
                    path.display()
                );
            }
        }
        // The stages as the demo's player announces them, step by step.
        let mut player = Player::new(scenario.clone());
        let mut stages: Vec<String> = Vec::new();
        for step in &scenario.steps {
            player.due(step.at);
            if let Some(stage) = player.stage()
                && stages.last() != Some(&stage)
            {
                stages.push(stage);
            }
        }
        assert_eq!(
            stages_seen,
            stages,
            "{} does not play the {} scenario from its start to its end",
            path.display(),
            scenario.name
        );
        assert!(
            last_screen.contains("REPLAY"),
            "the replay's screen does not say it is a replay:\n{last_screen}"
        );
        last_screen
    }
}
