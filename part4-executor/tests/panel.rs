//! The executor panel drawn into ratatui's `TestBackend` from hand-built samples.
//!
//! The snapshots (in `tests/snapshots/`) are the panel as a learner sees it; review a changed
//! one with `cargo insta review`, or accept with `INSTA_UPDATE=always cargo test`.

use instruments::dashboard::{Controls, DashboardState, DemoInfo, PartView, Theme};
use instruments::load::{LoadReport, Percentiles};
use instruments::sample::{ProcessSample, Sample, ThreadRow};
use instruments::series::Series;
use instruments::testing::screen;
use part4_executor::observe::{ExecutorSample, RuntimeKind, WorkerRow};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Tokio with two workers under 100 closed-loop connections, just after a burst: worker 0
/// accepted it and holds a queue, worker 1 steals.
fn tokio_after_a_burst() -> ExecutorSample {
    ExecutorSample {
        runtime: RuntimeKind::Tokio,
        workers: vec![
            WorkerRow {
                queue_depth: Some(37),
                polls_per_s: Some(18_345.0),
                steals_per_s: Some(0.0),
                steal_operations_per_s: Some(0.0),
                parks_per_s: 45.0,
                busy_percent: 97.6,
                lifo_hits_per_s: None,
            },
            WorkerRow {
                queue_depth: Some(3),
                polls_per_s: Some(17_912.0),
                steals_per_s: Some(1_204.0),
                steal_operations_per_s: Some(88.0),
                parks_per_s: 312.0,
                busy_percent: 71.2,
                lifo_hits_per_s: None,
            },
        ],
        injector_depth: 6,
        tasks_alive: 101,
        switch_failed: None,
    }
}

/// Our runtime with four workers, one of them blocked, and a failed switch to Tokio.
fn ours_with_a_blocked_worker() -> ExecutorSample {
    let worker = |queue: u64, polls: f64, steals: f64, busy: f64| WorkerRow {
        queue_depth: Some(queue),
        polls_per_s: Some(polls),
        steals_per_s: Some(steals),
        steal_operations_per_s: Some(steals / 8.0),
        parks_per_s: 20.0,
        busy_percent: busy,
        lifo_hits_per_s: Some(polls / 2.0),
    };
    ExecutorSample {
        runtime: RuntimeKind::Ours,
        workers: vec![
            worker(4, 0.0, 0.0, 100.0),
            worker(2, 9_050.0, 812.0, 64.0),
            worker(1, 8_870.0, 790.0, 61.5),
            worker(0, 9_120.0, 640.0, 66.0),
        ],
        injector_depth: 0,
        tasks_alive: 1_001,
        switch_failed: Some(RuntimeKind::Tokio),
    }
}

/// Tokio built without `--cfg tokio_unstable`: only parks and busy time are known.
fn tokio_stable_metrics_only() -> ExecutorSample {
    let worker = |parks: f64, busy: f64| WorkerRow {
        parks_per_s: parks,
        busy_percent: busy,
        ..WorkerRow::default()
    };
    ExecutorSample {
        runtime: RuntimeKind::Tokio,
        workers: vec![worker(40.0, 80.0), worker(52.0, 77.0)],
        injector_depth: 0,
        tasks_alive: 101,
        switch_failed: None,
    }
}

/// Twenty ticks ending in `latest`: the first eight on the other runtime, at half the load
/// (a switch happened), then a rise to `latest`'s.
fn history(latest: ExecutorSample) -> Series<Sample<ExecutorSample>> {
    const TICKS: usize = 20;
    const SWITCHED_AT: usize = 8;
    let mut history = Series::default();
    for tick in 0..TICKS {
        let mut part = latest.clone();
        let share = (tick + 1) as f64 / TICKS as f64;
        for worker in &mut part.workers {
            worker.busy_percent *= share;
        }
        if tick < SWITCHED_AT {
            part.runtime = latest.runtime.other();
            part.switch_failed = None;
            for worker in &mut part.workers {
                worker.busy_percent = latest.workers.len() as f64 * 12.0;
            }
        }
        history.push(Sample {
            part,
            ..Sample::default()
        });
    }
    history
}

/// The panel alone in an area of `width` × `height`, as the dashboard gives it inside its border.
fn draw(
    history: &Series<Sample<ExecutorSample>>,
    width: u16,
    height: u16,
) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test backend");
    terminal
        .draw(|frame| {
            ExecutorSample::render_panel(history, Controls::Live, frame.area(), frame.buffer_mut())
        })
        .expect("draw");
    terminal
}

// The areas the dashboard (`instruments/src/dashboard/screen.rs`) gives a part's panel, inside
// its one-column border, while a scenario plays (as part 2's panel tests measure them):
// - 120×40: beside the htop view, 38 columns and 29 rows inside.
const BESIDE_AT_120_BY_40: (u16, u16) = (38, 29);
// - 160×40: beside the htop view, 70 columns inside.
const BESIDE_AT_160_BY_40: (u16, u16) = (70, 29);
// - 100×50: below the htop view, 98 columns and 16 rows inside.
const BELOW_AT_100_BY_50: (u16, u16) = (98, 16);
// - 80×24 after Tab: 78 columns and 14 rows inside.
const AFTER_TAB_AT_80_BY_24: (u16, u16) = (78, 14);

fn draw_in(history: &Series<Sample<ExecutorSample>>, (width, height): (u16, u16)) -> String {
    draw(history, width, height).backend().to_string()
}

#[test]
fn tokio_beside_the_htop_view_at_120_by_40() {
    insta::assert_snapshot!(draw_in(
        &history(tokio_after_a_burst()),
        BESIDE_AT_120_BY_40
    ));
}

#[test]
fn ours_blocked_beside_the_htop_view_at_120_by_40() {
    insta::assert_snapshot!(draw_in(
        &history(ours_with_a_blocked_worker()),
        BESIDE_AT_120_BY_40
    ));
}

#[test]
fn tokio_without_unstable_metrics_beside_the_htop_view_at_120_by_40() {
    insta::assert_snapshot!(draw_in(
        &history(tokio_stable_metrics_only()),
        BESIDE_AT_120_BY_40
    ));
}

#[test]
fn ours_blocked_beside_the_htop_view_at_160_by_40() {
    insta::assert_snapshot!(draw_in(
        &history(ours_with_a_blocked_worker()),
        BESIDE_AT_160_BY_40
    ));
}

#[test]
fn tokio_below_the_htop_view_at_100_by_50() {
    insta::assert_snapshot!(draw_in(&history(tokio_after_a_burst()), BELOW_AT_100_BY_50));
}

#[test]
fn ours_blocked_after_tab_at_80_by_24() {
    insta::assert_snapshot!(draw_in(
        &history(ours_with_a_blocked_worker()),
        AFTER_TAB_AT_80_BY_24
    ));
}

#[test]
fn before_the_first_sample() {
    insta::assert_snapshot!(draw(&Series::default(), 40, 3).backend());
}

/// The whole dashboard, to check the sizes above against the real layout.
fn dashboard(part: ExecutorSample) -> DashboardState<ExecutorSample> {
    dashboard_in(part, Theme::Default)
}

/// [`dashboard`] in `theme`.
fn dashboard_in(part: ExecutorSample, theme: Theme) -> DashboardState<ExecutorSample> {
    let mut state = DashboardState::new(DemoInfo {
        title: "Part 4 · work stealing: our runtime beside Tokio's".to_string(),
        subtitle: "2 workers, starting on tokio · io_ms=0 cpu_us=0 · 127.0.0.1:40123".to_string(),
        theme,
        ..DemoInfo::default()
    });
    let mut sample = Sample {
        t: 44.0,
        process: ProcessSample {
            cpu_cores: vec![98.0, 96.0],
            cpu_avg: 97.0,
            process_cpu: 168.8,
            mem_total: 24 * 1024 * 1024 * 1024,
            rss: 12 * 1024 * 1024,
            virtual_size: 420 * 1024 * 1024,
            threads: Some(9),
            ctx_voluntary_per_s: 640.0,
            ctx_involuntary_per_s: 31.0,
            top_threads: vec![
                ThreadRow {
                    tid: 21_322,
                    user: "learner".to_string(),
                    priority: 20,
                    cpu: 84.5,
                    cmd: "tokio-worker".to_string(),
                    ..ThreadRow::default()
                },
                ThreadRow {
                    tid: 21_323,
                    user: "learner".to_string(),
                    priority: 20,
                    cpu: 84.3,
                    cmd: "tokio-worker".to_string(),
                    ..ThreadRow::default()
                },
            ],
            ..ProcessSample::default()
        },
        load: Some(LoadReport {
            t: 44.0,
            connections_target: 100,
            connections_open: 100,
            offered_per_s: 36_250.0,
            completed_per_s: 36_257.0,
            outstanding: 100,
            latency_us: Percentiles {
                p50: 2_500,
                p90: 3_800,
                p99: 6_100,
                max: 11_000,
            },
            ..LoadReport::default()
        }),
        stage: Some("imbalance: A burst of 490 connections on one worker's queue".to_string()),
        part,
        ..Sample::default()
    };
    sample.server.totals.active_connections = 100;
    sample.server.totals.threads = 2;
    state.push(sample);
    state
}

#[test]
fn the_dashboard_gives_the_panel_the_areas_drawn_above() {
    // The dashboard below holds one sample: so does the panel drawn alone.
    let mut one_sample = Series::default();
    one_sample.push(Sample {
        part: tokio_after_a_burst(),
        ..Sample::default()
    });
    let panel_alone = |size: (u16, u16)| {
        draw_in(&one_sample, size)
            .lines()
            .map(|row| row.trim_matches('"').to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let wide = screen::draw(&dashboard(tokio_after_a_burst()), 120, 40);
    assert_eq!(
        screen::panel_text(&wide, "Executor", BESIDE_AT_120_BY_40),
        panel_alone(BESIDE_AT_120_BY_40)
    );
    insta::assert_snapshot!("dashboard_120_by_40", wide);

    let mut small = dashboard(tokio_after_a_burst());
    small.handle_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    let after_tab = screen::draw(&small, 80, 24);
    assert_eq!(
        screen::panel_text(&after_tab, "Executor", AFTER_TAB_AT_80_BY_24),
        panel_alone(AFTER_TAB_AT_80_BY_24)
    );
    insta::assert_snapshot!("dashboard_80_by_24_after_tab", after_tab);
}

#[test]
fn any_size_draws_without_panicking() {
    let samples = [
        history(tokio_after_a_burst()),
        history(ours_with_a_blocked_worker()),
        history(ExecutorSample::default()),
    ];
    for history in &samples {
        for width in [0, 1, 2, 5, 13, 30, 37, 38, 79] {
            for height in [0, 1, 2, 3, 4, 5, 9, 12, 13] {
                draw(history, width, height);
            }
        }
    }
    let mut nonsense = tokio_after_a_burst();
    nonsense.workers[0].busy_percent = f64::NAN;
    nonsense.workers[1].polls_per_s = Some(f64::INFINITY);
    nonsense.workers[1].parks_per_s = -3.0;
    draw(&history(nonsense), 80, 24);
}

#[test]
fn every_state_reads_without_colour_in_both_themes() {
    // After a switch, both runtimes' stretches are in the busy history.
    let screen = screen::draw_in_both_themes(
        |theme| {
            let mut state = dashboard_in(ours_with_a_blocked_worker(), theme);
            let first = state.shown_history().latest().expect("one sample").clone();
            for (tick, sample) in history(ours_with_a_blocked_worker()).iter().enumerate() {
                state.push(Sample {
                    t: first.t + 1.0 + tick as f64,
                    part: sample.part.clone(),
                    ..first.clone()
                });
            }
            state
        },
        120,
        40,
    );
    for words in [
        "● ours",
        "✗ could not start tokio",
        // The first dashboard sample, then the history's 8 ticks on Tokio and 12 on ours.
        "otokio───ours────────",
    ] {
        assert!(
            screen.contains(words),
            "the screen says {words:?}:\n{screen}"
        );
    }
}
