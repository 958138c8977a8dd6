//! The dashboard drawn into ratatui's `TestBackend` from hand-built samples, checked as
//! snapshots (`cargo insta review` after a deliberate change), plus the checks a snapshot
//! cannot make: that the part panel is reachable, that freezing really freezes, and that no
//! terminal size makes drawing panic.
//!
//! The fixtures are moments of a part 1 run on a 2-core machine with 24 GiB, with figures of
//! the size such a run really shows (a thread's RSS of about 20 KiB, a 2 MiB reserved stack,
//! a 16 KiB kernel stack, about two context switches per request).

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Widget};
use serde::{Deserialize, Serialize};

use instruments::dashboard::{Controls, DashboardState, DemoInfo, PartView, Theme, View};
use instruments::load::{ConnectionMode, LoadReport, Pacing, Percentiles};
use instruments::sample::{ProcessSample, Sample, ThreadRow};
use instruments::series::Series;
use instruments::testing::screen;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;
const MACHINE_MEMORY: u64 = 24 * GIB;
/// Threads of the rest of the machine, which also have kernel stacks.
const OTHER_THREADS_ON_MACHINE: u64 = 600;
const KERNEL_STACK_PER_THREAD: u64 = 16 * KIB;
const RESERVED_STACK_PER_THREAD: u64 = 2 * MIB + 4 * KIB;
const RESIDENT_PER_THREAD: u64 = 20 * KIB;
/// Heap arenas, code and the like, reserved whatever the thread count.
const VIRTUAL_BASE: u64 = 1100 * MIB;
const RESIDENT_BASE: u64 = 3 * MIB;
/// Threads that are not connection threads: main, acceptor, sampler, dashboard input and
/// event threads, and the load generator's pipe readers.
const BASE_THREADS: u64 = 6;

/// What the load and the server look like at one moment; [`history`] ramps up to it.
#[derive(Clone)]
struct Moment {
    stage: Option<&'static str>,
    connections: u64,
    pacing: Pacing,
    mode: ConnectionMode,
    offered: f64,
    completed: f64,
    /// Outstanding requests at the last sample, and how much they grew per second before it.
    outstanding: u64,
    outstanding_growth: u64,
    cpu_cores: [f32; 2],
    process_cpu: f32,
    switches_per_request: f64,
    latency_ms: [f64; 4],
    /// Errors per second from the first sample on: server spawn failures, client 503s.
    spawn_failures_per_s: u64,
    http_errors_per_s: u64,
}

fn thread_per_connection_at_1000() -> Moment {
    Moment {
        stage: Some("thousands of connections"),
        connections: 1000,
        pacing: Pacing::Closed,
        mode: ConnectionMode::KeepAlive,
        offered: 19_260.0,
        completed: 19_230.0,
        outstanding: 1000,
        outstanding_growth: 0,
        cpu_cores: [46.0, 52.5],
        process_cpu: 61.0,
        switches_per_request: 1.93,
        latency_ms: [51.3, 52.9, 58.4, 71.2],
        spawn_failures_per_s: 0,
        http_errors_per_s: 0,
    }
}

fn saturated() -> Moment {
    Moment {
        stage: None,
        connections: 5000,
        pacing: Pacing::Rate(20_000.0),
        mode: ConnectionMode::KeepAlive,
        offered: 20_000.0,
        completed: 14_200.0,
        outstanding: 34_800,
        outstanding_growth: 5_800,
        cpu_cores: [97.0, 98.5],
        process_cpu: 151.0,
        switches_per_request: 2.1,
        latency_ms: [1_830.0, 2_950.0, 3_910.0, 4_400.0],
        spawn_failures_per_s: 0,
        http_errors_per_s: 0,
    }
}

fn failing() -> Moment {
    Moment {
        stage: Some("the wall"),
        connections: 15_000,
        pacing: Pacing::Closed,
        mode: ConnectionMode::Churn,
        offered: 9_800.0,
        completed: 9_450.0,
        outstanding: 15_000,
        outstanding_growth: 0,
        cpu_cores: [88.0, 91.0],
        process_cpu: 142.0,
        switches_per_request: 3.4,
        latency_ms: [61.0, 180.0, 1_020.0, 3_005.0],
        spawn_failures_per_s: 312,
        http_errors_per_s: 310,
    }
}

fn idle() -> Moment {
    Moment {
        stage: None,
        connections: 0,
        pacing: Pacing::Closed,
        mode: ConnectionMode::KeepAlive,
        offered: 0.0,
        completed: 0.0,
        outstanding: 0,
        outstanding_growth: 0,
        cpu_cores: [1.5, 0.5],
        process_cpu: 0.3,
        switches_per_request: 0.0,
        latency_ms: [0.0; 4],
        spawn_failures_per_s: 0,
        http_errors_per_s: 0,
    }
}

/// The samples of one second, `t`, `ramp` (0 to 1) of the way to `m`.
fn sample<X: Default>(m: &Moment, t: u64, ramp: f64) -> Sample<X> {
    let connections = (m.connections as f64 * ramp).round() as u64;
    let threads = BASE_THREADS + connections;
    let completed = m.completed * ramp;
    let offered = m.offered * ramp;
    let switches = completed * m.switches_per_request + 40.0;
    let rss = RESIDENT_BASE + threads * RESIDENT_PER_THREAD;
    let cpu_cores: Vec<f32> = m
        .cpu_cores
        .iter()
        .map(|c| (c * ramp as f32).max(0.5))
        .collect();
    let mem_percent = (rss as f64 / MACHINE_MEMORY as f64 * 100.0) as f32;

    let mut top_threads = vec![
        thread_row(4100, 1.1, "part1-threads", mem_percent),
        thread_row(4102, 0.6, "http-accept", mem_percent),
        thread_row(4103, 0.2, "sampler", mem_percent),
    ];
    for i in 0..connections.min(13) {
        let busy = m.process_cpu / (connections.max(1) as f32) * (1.0 + (i % 3) as f32 * 0.2);
        top_threads.push(thread_row(4110 + i as u32, busy, "http-conn", mem_percent));
    }
    top_threads.sort_by(|a, b| b.cpu.total_cmp(&a.cpu));

    let outstanding_back = |seconds_before_end: u64| {
        m.outstanding
            .saturating_sub(m.outstanding_growth * seconds_before_end)
    };
    let mut s = Sample {
        t: t as f64,
        process: ProcessSample {
            cpu_avg: cpu_cores.iter().sum::<f32>() / cpu_cores.len() as f32,
            cpu_cores,
            process_cpu: m.process_cpu * ramp as f32,
            mem_total: MACHINE_MEMORY,
            rss,
            virtual_size: VIRTUAL_BASE + threads * RESERVED_STACK_PER_THREAD,
            kernel_stack: Some((threads + OTHER_THREADS_ON_MACHINE) * KERNEL_STACK_PER_THREAD),
            threads: Some(threads),
            fds: Some(connections + 8),
            ctx_voluntary_per_s: switches * 0.95,
            ctx_involuntary_per_s: switches * 0.05,
            top_threads,
        },
        load: Some(LoadReport {
            t: t as f64,
            mode: m.mode,
            pacing: m.pacing,
            connections_target: m.connections,
            connections_open: connections,
            offered_per_s: offered,
            completed_per_s: completed,
            outstanding: (outstanding_back(HISTORY_SECONDS.saturating_sub(t)) as f64 * ramp) as u64,
            completed_total: (completed * t as f64) as u64,
            latency_us: Percentiles {
                p50: (m.latency_ms[0] * 1000.0) as u64,
                p90: (m.latency_ms[1] * 1000.0) as u64,
                p99: (m.latency_ms[2] * 1000.0) as u64,
                max: (m.latency_ms[3] * 1000.0) as u64,
            },
            ..LoadReport::default()
        }),
        stage: m.stage.map(str::to_string),
        ..Sample::default()
    };
    let server = &mut s.server;
    server.totals.active_connections = connections;
    server.totals.threads = threads - BASE_THREADS + 1;
    server.totals.served = (completed * t as f64) as u64;
    server.totals.accepted = connections;
    server.per_s.served = completed;
    server.totals.errors = ["bad_request", "spawn_failed", "io"]
        .iter()
        .map(|kind| {
            let n = if *kind == "spawn_failed" {
                m.spawn_failures_per_s * t
            } else {
                0
            };
            (kind.to_string(), n)
        })
        .collect();
    server.per_s.errors = m.spawn_failures_per_s as f64;
    if let Some(load) = s.load.as_mut() {
        load.errors_total.error_status = m.http_errors_per_s * t;
        load.errors.error_status = m.http_errors_per_s;
    }
    s
}

fn thread_row(tid: u32, cpu: f32, cmd: &str, mem: f32) -> ThreadRow {
    ThreadRow {
        tid,
        user: "learner".to_string(),
        priority: 20,
        nice: 0,
        cpu,
        mem,
        cmd: cmd.to_string(),
    }
}

const HISTORY_SECONDS: u64 = 30;
/// The first seconds ramp up from nothing, as a run that starts idle does.
const RAMP_SECONDS: u64 = 10;

/// Thirty seconds that ramp up to `m` and stay there.
fn history<X: Default>(m: &Moment) -> Vec<Sample<X>> {
    (1..=HISTORY_SECONDS)
        .map(|t| sample(m, t, (t as f64 / RAMP_SECONDS as f64).min(1.0)))
        .collect()
}

fn info() -> DemoInfo {
    DemoInfo {
        title: "Part 1 · thread per connection".to_string(),
        subtitle: "io_ms=50 cpu_us=0 · 127.0.0.1:40123".to_string(),
        notes: vec![
            "File descriptors: the soft limit was raised to 1 048 576.".to_string(),
            "Thread wall: spawning should fail near 16 000 threads (vm.max_map_count = 65530, \
             about 4 maps per thread)."
                .to_string(),
        ],
        reading: Vec::new(),
        theme: Theme::Default,
        controls: Controls::Live,
    }
}

fn state<X: PartView>(m: &Moment) -> DashboardState<X> {
    let mut state = DashboardState::new(info());
    for s in history(m) {
        state.push(s);
    }
    state
}

fn draw<X: PartView>(state: &DashboardState<X>, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test backend");
    terminal
        .draw(|frame| state.render(frame))
        .expect("drawing into a test backend");
    terminal
}

fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

fn press(state: &mut DashboardState<impl PartView>, code: KeyCode) {
    state.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

#[test]
fn thread_per_connection_at_1000_connections() {
    let state = state::<()>(&thread_per_connection_at_1000());
    insta::assert_snapshot!("threads_1000_80x24", draw(&state, 80, 24).backend());
    insta::assert_snapshot!("threads_1000_120x40", draw(&state, 120, 40).backend());
}

#[test]
fn saturated_with_a_growing_queue() {
    let state = state::<()>(&saturated());
    let small = draw(&state, 80, 24);
    assert!(screen_text(&small).contains("saturated, queue growing"));
    insta::assert_snapshot!("saturated_80x24", small.backend());
    insta::assert_snapshot!("saturated_120x40", draw(&state, 120, 40).backend());
}

#[test]
fn failing_to_spawn_threads() {
    let state = state::<()>(&failing());
    let small = draw(&state, 80, 24);
    assert!(
        screen_text(&small).contains("failing: 312 spawn failures/s — the OS refuses new threads")
    );
    insta::assert_snapshot!("failing_80x24", small.backend());
    insta::assert_snapshot!("failing_120x40", draw(&state, 120, 40).backend());
}

#[test]
fn idle_before_any_load() {
    let state = state::<()>(&idle());
    insta::assert_snapshot!("idle_80x24", draw(&state, 80, 24).backend());
    insta::assert_snapshot!("idle_120x40", draw(&state, 120, 40).backend());
}

#[test]
fn no_sample_yet() {
    let state = DashboardState::<()>::new(info());
    insta::assert_snapshot!("empty_80x24", draw(&state, 80, 24).backend());
}

#[test]
fn help_overlay() {
    let mut state = state::<()>(&thread_per_connection_at_1000());
    press(&mut state, KeyCode::Char('?'));
    insta::assert_snapshot!("help_80x24", draw(&state, 80, 24).backend());

    // Scrolling is bounded by what the last drawing could show.
    for _ in 0..100 {
        press(&mut state, KeyCode::Down);
    }
    let scrolled = screen_text(&draw(&state, 80, 24));
    assert!(
        scrolled.contains("Thread wall"),
        "the notes are at the end:\n{scrolled}"
    );
    insta::assert_snapshot!("help_80x24_scrolled", scrolled);
    insta::assert_snapshot!("help_120x40", draw(&state, 120, 40).backend());
}

#[test]
fn frozen_view_keeps_its_moment() {
    let mut state = state::<()>(&thread_per_connection_at_1000());
    press(&mut state, KeyCode::Char(' '));
    // Ten seconds of a failing run arrive while frozen: none of it may show.
    let later = failing();
    for t in HISTORY_SECONDS + 1..=HISTORY_SECONDS + 10 {
        state.push(sample(&later, t, 1.0));
    }
    let frozen = draw(&state, 80, 24);
    let text = screen_text(&frozen);
    assert!(text.contains("FROZEN at 30s (now 40s)"), "{text}");
    assert!(!text.contains("failing"), "{text}");
    insta::assert_snapshot!("frozen_80x24", frozen.backend());

    press(&mut state, KeyCode::Char(' '));
    let live = screen_text(&draw(&state, 80, 24));
    assert!(live.contains("failing"), "{live}");
}

#[test]
fn no_terminal_size_makes_drawing_panic() {
    let full = state::<()>(&failing());
    let mut with_help = state::<Reactor>(&thread_per_connection_at_1000());
    press(&mut with_help, KeyCode::Char('?'));
    let mut panel_view = state::<Reactor>(&saturated());
    press(&mut panel_view, KeyCode::Tab);
    for width in (0..=130).step_by(7).chain([1, 2, 20, 80, 119, 120]) {
        for height in (0..=45).step_by(3).chain([1, 2, 5, 24, 29, 40]) {
            draw(&full, width, height);
            draw(&with_help, width, height);
            draw(&panel_view, width, height);
        }
    }
    for (width, height) in [(2000, 120), (u16::MAX, 1), (1, 2000)] {
        draw(&full, width, height);
        draw(&panel_view, width, height);
    }
    insta::assert_snapshot!("tiny_20x5", draw(&full, 20, 5).backend());
}

#[test]
fn many_cores_become_one_character_each() {
    let mut state = DashboardState::<()>::new(info());
    for mut s in history::<()>(&thread_per_connection_at_1000()) {
        s.process.cpu_cores = (0..16).map(|core| core as f32 * 6.5).collect();
        s.process.cpu_avg = 48.75;
        state.push(s);
    }
    insta::assert_snapshot!("sixteen_cores_80x24", draw(&state, 80, 24).backend());
}

/// A stand-in for part 2's reactor panel: it prints the latest sample's own counter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Reactor {
    polls_per_s: u64,
}

const PANEL_TEXT: &str = "polls/s";

impl PartView for Reactor {
    const PANEL: Option<&'static str> = Some("Reactor");

    fn render_panel(
        history: &Series<Sample<Self>>,
        _controls: Controls,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let polls = history.latest().map_or(0, |s| s.part.polls_per_s);
        Paragraph::new(format!("{PANEL_TEXT} {polls}")).render(area, buf);
    }

    fn keys() -> &'static [(char, &'static str)] {
        &[('p', "pause the reactor")]
    }
}

fn reactor_state() -> DashboardState<Reactor> {
    let mut state = DashboardState::new(info());
    for mut s in history::<Reactor>(&thread_per_connection_at_1000()) {
        s.part.polls_per_s = 4_321;
        state.push(s);
    }
    state
}

#[test]
fn the_part_panel_sits_beside_the_htop_view_when_wide() {
    let state = reactor_state();
    let wide = draw(&state, 120, 40);
    let text = screen_text(&wide);
    assert!(text.contains("polls/s 4321"), "{text}");
    assert!(text.contains("Reactor"), "{text}");
    assert!(text.contains("TID"), "the htop view is there too:\n{text}");
    insta::assert_snapshot!("panel_120x40", wide.backend());

    // Narrower but tall: the panel goes below the htop view.
    let tall = screen_text(&draw(&state, 100, 50));
    assert!(tall.contains("polls/s 4321"), "{tall}");
    assert!(tall.contains("TID"), "{tall}");
    assert!(!tall.contains("Tab switches"), "{tall}");
}

#[test]
fn the_part_panel_takes_turns_with_tab_when_small() {
    let mut state = reactor_state();
    let htop = screen_text(&draw(&state, 80, 24));
    assert!(!htop.contains(PANEL_TEXT), "{htop}");
    assert!(
        htop.contains("[htop view]"),
        "the active view is marked:\n{htop}"
    );
    assert!(htop.contains("Tab switches"), "{htop}");

    press(&mut state, KeyCode::Tab);
    assert_eq!(state.view(), View::Panel);
    let panel = draw(&state, 80, 24);
    let text = screen_text(&panel);
    assert!(text.contains("polls/s 4321"), "{text}");
    assert!(text.contains("[Reactor panel]"), "{text}");
    assert!(!text.contains("TID"), "{text}");
    insta::assert_snapshot!("panel_80x24_after_tab", panel.backend());

    press(&mut state, KeyCode::Tab);
    assert!(!screen_text(&draw(&state, 80, 24)).contains(PANEL_TEXT));
}

#[test]
fn the_part_keys_are_in_the_help_and_reach_the_part() {
    let mut state = reactor_state();
    assert_eq!(
        state.handle_key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::NONE)),
        Some(instruments::dashboard::Action::PartKey('p'))
    );
    press(&mut state, KeyCode::Char('?'));
    let text = screen_text(&draw(&state, 120, 40));
    assert!(text.contains("Keys of the Reactor panel"), "{text}");
    assert!(text.contains("pause the reactor"), "{text}");
}

/// The rows of the performance chart's plot, right of its legend: from under the title to
/// above the time axis, from the column where the axis starts.
fn plot_text(screen: &str) -> String {
    let rows: Vec<&str> = screen.lines().map(|row| row.trim_matches('"')).collect();
    let title = rows
        .iter()
        .position(|row| row.starts_with("Performance"))
        .unwrap_or_else(|| panic!("no chart on the screen:\n{screen}"));
    let axis = title
        + rows[title..]
            .iter()
            .position(|row| {
                row.trim_start().starts_with('─') && row.trim().chars().all(|c| c == '─')
            })
            .unwrap_or_else(|| panic!("no time axis under the chart:\n{screen}"));
    let left = rows[axis].chars().take_while(|&c| c == ' ').count();
    rows[title + 1..axis]
        .iter()
        .map(|row| row.chars().skip(left).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_state_reads_without_colour_in_both_themes() {
    let states = [
        (idle(), "○ idle"),
        (thread_per_connection_at_1000(), "✓ efficient"),
        (saturated(), "✗ saturated, queue growing"),
        (failing(), "✗ failing"),
    ];
    for (moment, status) in states {
        let screen = screen::draw_in_both_themes(
            |theme| {
                let mut state = DashboardState::<()>::new(DemoInfo { theme, ..info() });
                for s in history(&moment) {
                    state.push(s);
                }
                state
            },
            120,
            40,
        );
        assert!(
            screen.contains(&format!("Status {status}")),
            "the status says {status:?} in a symbol and a word:\n{screen}"
        );
        let plot = plot_text(&screen);
        for (letter, name) in [
            ('C', "CPU"),
            ('M', "Mem"),
            ('T', "Threads"),
            ('R', "Req/s"),
            ('Q', "Queue"),
        ] {
            assert!(
                screen.contains(&format!("─{letter}─ {name}")),
                "the legend gives {name} its letter {letter}:\n{screen}"
            );
            assert!(
                plot.contains(letter),
                "the {name} line carries its letter {letter}:\n{plot}"
            );
        }
    }
}

#[test]
fn the_frozen_clock_and_the_help_read_without_colour() {
    let frozen = screen::draw_in_both_themes(
        |theme| {
            let mut state = DashboardState::<()>::new(DemoInfo { theme, ..info() });
            for s in history(&saturated()) {
                state.push(s);
            }
            press(&mut state, KeyCode::Char(' '));
            state
        },
        80,
        24,
    );
    assert!(frozen.contains("FROZEN at"), "{frozen}");
    let help = screen::draw_in_both_themes(
        |theme| {
            let mut state = DashboardState::<()>::new(DemoInfo { theme, ..info() });
            press(&mut state, KeyCode::Char('?'));
            state
        },
        120,
        40,
    );
    assert!(help.contains("Keys"), "{help}");
}
