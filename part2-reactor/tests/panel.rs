//! The reactor panel drawn into ratatui's `TestBackend` from hand-built samples.
//!
//! The snapshots (in `tests/snapshots/`) are the panel as a learner sees it; review a changed
//! one with `cargo insta review`, or accept with `INSTA_UPDATE=always cargo test`.

use instruments::dashboard::{Controls, DashboardState, DemoInfo, PartView, Theme};
use instruments::sample::{Sample, ServerRates};
use instruments::series::Series;
use instruments::testing::screen;
use part2_reactor::ReactorSample;
use part2_reactor::observe::event_log::LogLine;
use part2_reactor::wake::StepState;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn line(poll: u64, source: &str, event: &str, did: &str) -> LogLine {
    LogLine {
        poll,
        source: source.into(),
        event: event.into(),
        did: did.into(),
    }
}

/// A thousand keep-alive connections with io_ms=50: many events per poll.
fn busy() -> ReactorSample {
    let mut log = Vec::new();
    for i in 0..12u64 {
        let poll = 18_342 + i / 3;
        let slot = 7 + i;
        log.push(line(
            poll,
            &format!("#{slot}.0"),
            "readable",
            "read 78 B, 1 request, wait 50 ms",
        ));
        log.push(line(
            poll,
            &format!("#{}.2", slot + 100),
            "io timer",
            "wrote 83 B, 1 WouldBlock read",
        ));
    }
    log.push(line(18_346, "#0.0", "readable", "accepted 2"));
    log.push(line(18_346, "#9.1", "readable", "closed: EOF"));
    ReactorSample {
        polls_per_s: 1_204.0,
        events_per_s: 20_040.0,
        events_per_poll: [3, 40, 101, 230, 410, 320, 100],
        poll_percent: 52.4,
        handler_percent: 35.2,
        sources: 1_001,
        timers: 1_998,
        wakes_per_s: 0.0,
        stale_events: 2,
        blocked_writes_per_s: 0.0,
        step: StepState::default(),
        log,
    }
}

/// The loop paused in class, two steps taken.
fn paused() -> ReactorSample {
    ReactorSample {
        polls_per_s: 1.0,
        events_per_s: 2.0,
        events_per_poll: [0, 0, 1, 0, 0, 0, 0],
        poll_percent: 0.0,
        handler_percent: 0.1,
        sources: 11,
        timers: 10,
        wakes_per_s: 3.0,
        stale_events: 0,
        blocked_writes_per_s: 0.0,
        step: StepState {
            paused: true,
            parked: true,
            steps: 2,
        },
        log: vec![
            line(51, "-", "wake", "another thread woke the loop"),
            line(52, "#3.0", "readable", "read 18 B, 1 request, wait 50 ms"),
            line(52, "#4.0", "readable", "read 18 B, 1 request, wait 50 ms"),
        ],
    }
}

fn history(part: ReactorSample) -> Series<Sample<ReactorSample>> {
    let mut history = Series::default();
    let mut sample = Sample {
        part,
        ..Sample::default()
    };
    sample.server.per_s = syscall_rates();
    history.push(sample);
    history
}

/// What 1 000 keep-alive connections cost in system calls (see the lesson's table).
fn syscall_rates() -> ServerRates {
    ServerRates {
        served: 16_000.0,
        reads: 30_400.0,
        would_block_reads: 14_400.0,
        writes: 16_000.0,
        polls: 1_120.0,
        ..ServerRates::default()
    }
}

/// The panel alone in an area of `width` × `height`, as the dashboard gives it inside its border.
fn draw(history: &Series<Sample<ReactorSample>>, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test backend");
    terminal
        .draw(|frame| {
            ReactorSample::render_panel(history, Controls::Live, frame.area(), frame.buffer_mut())
        })
        .expect("draw");
    terminal
}

// The areas the dashboard (`instruments/src/dashboard/screen.rs`) gives the panel, inside its
// one-column border, while the story plays (its stage takes two rows of a tall terminal):
// - 120×40: the htop view keeps 80 columns, the panel gets the other 40 beside it, 38 inside;
//   rows: 40 - 2 header - 2 stage - 2 status - 2 messages - 1 keys = 31, 29 inside.
const BESIDE_AT_120_BY_40: (u16, u16) = (38, 29);
// - 160×40: the htop view takes 55% (88 columns), the panel the other 72, 70 inside.
const BESIDE_AT_160_BY_40: (u16, u16) = (70, 29);
// - 100×50: too narrow to sit beside, tall enough to sit below: 45% of the 41 body rows.
const BELOW_AT_100_BY_50: (u16, u16) = (98, 16);
// - 80×24, after Tab: 24 - 2 header - 1 tabs - 1 stage - 2 status - 1 message - 1 keys = 16,
//   14 inside.
const AFTER_TAB_AT_80_BY_24: (u16, u16) = (78, 14);

fn draw_in(history: &Series<Sample<ReactorSample>>, (width, height): (u16, u16)) -> String {
    draw(history, width, height).backend().to_string()
}

#[test]
fn busy_beside_the_htop_view_at_120_by_40() {
    insta::assert_snapshot!(draw_in(&history(busy()), BESIDE_AT_120_BY_40));
}

#[test]
fn paused_beside_the_htop_view_at_120_by_40() {
    insta::assert_snapshot!(draw_in(&history(paused()), BESIDE_AT_120_BY_40));
}

#[test]
fn busy_beside_the_htop_view_at_160_by_40() {
    insta::assert_snapshot!(draw_in(&history(busy()), BESIDE_AT_160_BY_40));
}

#[test]
fn busy_below_the_htop_view_at_100_by_50() {
    insta::assert_snapshot!(draw_in(&history(busy()), BELOW_AT_100_BY_50));
}

#[test]
fn busy_after_tab_at_80_by_24() {
    insta::assert_snapshot!(draw_in(&history(busy()), AFTER_TAB_AT_80_BY_24));
}

#[test]
fn paused_after_tab_at_80_by_24() {
    insta::assert_snapshot!(draw_in(&history(paused()), AFTER_TAB_AT_80_BY_24));
}

#[test]
fn before_the_first_sample() {
    insta::assert_snapshot!(draw(&Series::default(), 40, 3).backend());
}

/// The whole dashboard, to check the sizes above against the real layout.
fn dashboard(part: ReactorSample) -> DashboardState<ReactorSample> {
    dashboard_in(part, Theme::Default)
}

/// [`dashboard`] in `theme`.
fn dashboard_in(part: ReactorSample, theme: Theme) -> DashboardState<ReactorSample> {
    let mut state = DashboardState::new(DemoInfo {
        title: "Part 2 · a reactor: one thread, many connections".to_string(),
        subtitle: "1 event-loop thread · io_ms=50 cpu_us=0 · 127.0.0.1:40123".to_string(),
        theme,
        ..DemoInfo::default()
    });
    let mut sample = screen::one_thread_at_1000_connections(
        part,
        "reactor",
        "story: 1 000 clients: watch the events per poll grow",
    );
    sample.server.per_s = syscall_rates();
    state.push(sample);
    state
}

#[test]
fn the_dashboard_gives_the_panel_the_areas_drawn_above() {
    let panel_alone = |size: (u16, u16)| {
        draw_in(&history(busy()), size)
            .lines()
            .map(|row| row.trim_matches('"').to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let wide = screen::draw(&dashboard(busy()), 120, 40);
    assert_eq!(
        screen::panel_text(&wide, "Reactor", BESIDE_AT_120_BY_40),
        panel_alone(BESIDE_AT_120_BY_40)
    );
    insta::assert_snapshot!("dashboard_120_by_40", wide);

    let mut small = dashboard(busy());
    small.handle_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    let after_tab = screen::draw(&small, 80, 24);
    assert_eq!(
        screen::panel_text(&after_tab, "Reactor", AFTER_TAB_AT_80_BY_24),
        panel_alone(AFTER_TAB_AT_80_BY_24)
    );
    insta::assert_snapshot!("dashboard_80_by_24_after_tab", after_tab);
}

#[test]
fn a_paused_loop_is_paused_not_saturated() {
    let mut state = dashboard(paused());
    let mut stalled = state.shown_history().latest().expect("one sample").clone();
    if let Some(load) = stalled.load.as_mut() {
        load.completed_per_s = 0.0;
        load.outstanding = 9_000;
    }
    stalled.t += 1.0;
    state.push(stalled);
    let screen = screen::draw(&state, 120, 40);
    assert!(
        screen.contains("paused: the event loop answers nothing"),
        "the status line says why nothing is answered:\n{screen}"
    );
    assert!(
        screen.contains("(2 stepped so far)"),
        "and how many cycles were stepped:\n{screen}"
    );
    assert!(
        !screen.contains("saturated"),
        "a paused loop is not a saturated server:\n{screen}"
    );
    let mut replay = DashboardState::new(DemoInfo {
        controls: Controls::Replay,
        ..DemoInfo::default()
    });
    for sample in state.shown_history().iter() {
        replay.push(sample.clone());
    }
    let replayed = screen::draw(&replay, 120, 40);
    assert!(
        replayed.contains("paused: the event loop answered nothing (2 stepped so far)")
            && !replayed.contains("resumes it"),
        "a replay cannot resume the loop, so its status names no key:\n{replayed}"
    );
    let running = screen::draw(&dashboard(busy()), 120, 40);
    assert!(
        !running.contains("paused:"),
        "only a paused loop says so:\n{running}"
    );
}

#[test]
fn the_help_explains_every_row_of_the_panel() {
    let rows = <ReactorSample as PartView>::panel_reading();
    for row in [
        "wakes/s",
        "stale events",
        "blocked writes/s",
        "per request",
        "Events per poll",
    ] {
        assert!(
            rows.iter().any(|(name, _)| *name == row),
            "the help's panel section lacks {row:?}"
        );
    }
}

#[test]
fn any_size_draws_without_panicking() {
    let samples = [
        history(busy()),
        history(paused()),
        history(ReactorSample::default()),
    ];
    for history in &samples {
        for width in [0, 1, 2, 5, 13, 30, 37, 38, 79] {
            for height in [0, 1, 2, 3, 4, 5, 9, 12, 13] {
                draw(history, width, height);
            }
        }
    }
    let mut nonsense = busy();
    nonsense.poll_percent = f64::NAN;
    nonsense.handler_percent = 1e9;
    nonsense.polls_per_s = f64::INFINITY;
    draw(&history(nonsense), 80, 24);
}

#[test]
fn every_state_reads_without_colour_in_both_themes() {
    let cases = [
        (busy(), ["● running", "Status ✓ efficient"]),
        (
            paused(),
            [
                "❚❚ paused",
                "Status ! paused: the event loop answers nothing",
            ],
        ),
    ];
    for (part, says) in cases {
        let screen =
            screen::draw_in_both_themes(|theme| dashboard_in(part.clone(), theme), 120, 40);
        for words in says {
            assert!(
                screen.contains(words),
                "the screen says {words:?}:\n{screen}"
            );
        }
    }
}
