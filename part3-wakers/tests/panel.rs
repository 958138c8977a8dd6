//! The tasks & wakers panel drawn into ratatui's `TestBackend` from hand-built samples.
//!
//! The snapshots (in `tests/snapshots/`) are the panel as a learner sees it; review a changed
//! one with `cargo insta review`, or accept with `INSTA_UPDATE=always cargo test`.

use instruments::dashboard::{Controls, DashboardState, DemoInfo, PartView, Theme};
use instruments::sample::Sample;
use instruments::series::Series;
use instruments::testing::screen;
use part3_wakers::observe::WakersSample;
use part3_wakers::observe::journey::{Journey, JourneyStep, Step};
use part3_wakers::observe::progress::Wait;
use part3_wakers::observe::sample::{Warning, Warnings};
use part3_wakers::observe::stats::WakeCause;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn journey(steps: &[(u64, Step)]) -> Option<Journey> {
    Some(Journey {
        steps: steps
            .iter()
            .map(|(at_us, step)| JourneyStep {
                at_us: *at_us,
                step: step.clone(),
            })
            .collect(),
    })
}

/// A thousand keep-alive connections with io_ms=50: each request is a read wake and a timer
/// wake, each a poll.
fn busy() -> WakersSample {
    WakersSample {
        tasks_alive: 1_001,
        tasks_spawned: 3_402,
        tasks_done: 2_401,
        polls_per_s: 32_410.0,
        wakes_per_s: [16_020.0, 0.0, 16_010.0, 12.0, 0.0, 0.0],
        spurious_per_s: 85.0,
        waker_clones_per_s: 32_030.0,
        waker_drops_per_s: 32_030.0,
        run_queue: 3,
        driver_percent: 52.4,
        tasks_percent: 35.2,
        longest_poll_us: 210,
        warnings: Warnings::default(),
        journey: journey(&[
            (0, Step::Woken(WakeCause::ReadReady)),
            (6, Step::Polled),
            (19, Step::Read(78)),
            (19, Step::Pending(Some(Wait::Timer))),
            (50_122, Step::Woken(WakeCause::Timer)),
            (50_130, Step::Polled),
            (50_141, Step::Wrote(83)),
        ]),
        blocking: false,
    }
}

/// Blocking mode on with 100 clients: every request sleeps 20 ms in its task, so the thread
/// serves 50 a second and a request waits seconds in the run queue.
fn blocking() -> WakersSample {
    WakersSample {
        tasks_alive: 101,
        tasks_spawned: 12_345,
        tasks_done: 12_244,
        polls_per_s: 98.0,
        wakes_per_s: [49.0, 0.0, 49.0, 0.0, 0.0, 0.0],
        spurious_per_s: 0.0,
        waker_clones_per_s: 98.0,
        waker_drops_per_s: 98.0,
        run_queue: 97,
        driver_percent: 0.2,
        tasks_percent: 99.1,
        longest_poll_us: 20_180,
        warnings: Warnings {
            blocking_polls: Warning {
                total: 1_234,
                new: 49,
            },
            ..Warnings::default()
        },
        journey: journey(&[
            (0, Step::Woken(WakeCause::ReadReady)),
            (1_960_123, Step::Polled),
            (1_980_301, Step::Read(78)),
            (1_980_301, Step::Pending(Some(Wait::Timer))),
            (2_030_420, Step::Woken(WakeCause::Timer)),
            (3_950_007, Step::Polled),
            (3_950_019, Step::Wrote(83)),
        ]),
        blocking: true,
    }
}

fn history(part: WakersSample) -> Series<Sample<WakersSample>> {
    let mut history = Series::default();
    history.push(Sample {
        part,
        ..Sample::default()
    });
    history
}

/// The panel alone in an area of `width` × `height`, as the dashboard gives it inside its border.
fn draw(history: &Series<Sample<WakersSample>>, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test backend");
    terminal
        .draw(|frame| {
            WakersSample::render_panel(history, Controls::Live, frame.area(), frame.buffer_mut())
        })
        .expect("draw");
    terminal
}

// The areas the dashboard (`instruments/src/dashboard/screen.rs`) gives the panel, inside its
// one-column border, while the story plays (its stage takes two rows of a tall terminal); the
// same as part 2's reactor panel gets:
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

fn draw_in(history: &Series<Sample<WakersSample>>, (width, height): (u16, u16)) -> String {
    draw(history, width, height).backend().to_string()
}

#[test]
fn busy_beside_the_htop_view_at_120_by_40() {
    insta::assert_snapshot!(draw_in(&history(busy()), BESIDE_AT_120_BY_40));
}

#[test]
fn blocking_beside_the_htop_view_at_120_by_40() {
    insta::assert_snapshot!(draw_in(&history(blocking()), BESIDE_AT_120_BY_40));
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
fn blocking_after_tab_at_80_by_24() {
    insta::assert_snapshot!(draw_in(&history(blocking()), AFTER_TAB_AT_80_BY_24));
}

#[test]
fn before_the_first_sample() {
    insta::assert_snapshot!(draw(&Series::default(), 40, 3).backend());
}

/// The whole dashboard, to check the sizes above against the real layout.
fn dashboard(part: WakersSample) -> DashboardState<WakersSample> {
    dashboard_in(part, Theme::Default)
}

/// [`dashboard`] in `theme`.
fn dashboard_in(part: WakersSample, theme: Theme) -> DashboardState<WakersSample> {
    let mut state = DashboardState::new(DemoInfo {
        title: "Part 3 · wakers: the server as async fn".to_string(),
        subtitle: "1 runtime thread, a task per connection · io_ms=50 cpu_us=0 · 127.0.0.1:40123"
            .to_string(),
        theme,
        ..DemoInfo::default()
    });
    let sample = screen::one_thread_at_1000_connections(
        part,
        "runtime",
        "story: 1 000 clients, still one thread: waker clones and drops balance.",
    );
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
        screen::panel_text(&wide, "Tasks & wakers", BESIDE_AT_120_BY_40),
        panel_alone(BESIDE_AT_120_BY_40)
    );
    insta::assert_snapshot!("dashboard_120_by_40", wide);

    let mut small = dashboard(busy());
    small.handle_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    let after_tab = screen::draw(&small, 80, 24);
    assert_eq!(
        screen::panel_text(&after_tab, "Tasks & wakers", AFTER_TAB_AT_80_BY_24),
        panel_alone(AFTER_TAB_AT_80_BY_24)
    );
    insta::assert_snapshot!("dashboard_80_by_24_after_tab", after_tab);
}

#[test]
fn any_size_draws_without_panicking() {
    let samples = [
        history(busy()),
        history(blocking()),
        history(WakersSample::default()),
    ];
    for history in &samples {
        for width in [0, 1, 2, 5, 13, 30, 37, 38, 79] {
            for height in [0, 1, 2, 3, 4, 5, 9, 12, 13] {
                draw(history, width, height);
            }
        }
    }
    let mut nonsense = busy();
    nonsense.driver_percent = f64::NAN;
    nonsense.tasks_percent = 1e9;
    nonsense.polls_per_s = f64::INFINITY;
    nonsense.wakes_per_s = [f64::NAN, -1.0, f64::INFINITY, 0.0, 0.0, 0.0];
    draw(&history(nonsense), 80, 24);
}

#[test]
fn the_help_explains_every_row_of_the_panel() {
    let panel = draw_in(&history(busy()), BESIDE_AT_160_BY_40);
    let reading = <WakersSample as PartView>::panel_reading();
    for row in [
        "tasks alive",
        "spawned",
        "done",
        "run queue",
        "polls/s",
        "polls/wake",
        "spurious/s",
        "longest poll",
        "in driver",
        "in tasks",
        "Wakes/s by cause",
        "waker clones/s",
        "drops/s",
        "Warnings",
        "Journey",
    ] {
        assert!(
            panel.contains(row),
            "{row:?} is no longer on the panel: update this list and the help\n{panel}"
        );
        assert!(
            reading.iter().any(|(name, _)| name.contains(row)),
            "the help's panel section lacks {row:?}"
        );
    }
    for cause in [
        "read ready",
        "write ready",
        "timer",
        "self / yield",
        "other thread",
        "other task",
    ] {
        assert!(
            reading
                .iter()
                .any(|(name, meaning)| name.starts_with("Wakes") && meaning.contains(cause)),
            "the help's wakes row does not name the cause {cause:?}"
        );
    }
}

#[test]
fn every_state_reads_without_colour_in_both_themes() {
    let cases = [
        (busy(), ["○ blocking off", "✓ 0 blocking polls"]),
        // 1 234 with a no-break space, as `format::count` writes it.
        (blocking(), ["⚠ blocking on", "⚠ 1\u{a0}234 blocking polls"]),
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
