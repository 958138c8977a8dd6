//! The reactor panel drawn into ratatui's `TestBackend` from hand-built samples.
//!
//! The snapshots (in `tests/snapshots/`) are the panel as a learner sees it; review a changed
//! one with `cargo insta review`, or accept with `INSTA_UPDATE=always cargo test`.

use instruments::dashboard::PartView;
use instruments::sample::Sample;
use instruments::series::Series;
use part2_reactor::ReactorSample;
use part2_reactor::event_log::LogLine;
use part2_reactor::step::StepState;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

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
    history.push(Sample {
        part,
        ..Sample::default()
    });
    history
}

fn draw(history: &Series<Sample<ReactorSample>>, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test backend");
    terminal
        .draw(|frame| ReactorSample::render_panel(history, frame.area(), frame.buffer_mut()))
        .expect("draw");
    terminal
}

#[test]
fn busy_at_80_by_24() {
    insta::assert_snapshot!(draw(&history(busy()), 80, 24).backend());
}

#[test]
fn busy_at_120_by_40() {
    insta::assert_snapshot!(draw(&history(busy()), 120, 40).backend());
}

#[test]
fn busy_as_a_narrow_side_panel() {
    insta::assert_snapshot!(draw(&history(busy()), 44, 30).backend());
}

#[test]
fn busy_as_a_short_stacked_panel() {
    insta::assert_snapshot!(draw(&history(busy()), 80, 8).backend());
}

#[test]
fn paused_at_80_by_24() {
    insta::assert_snapshot!(draw(&history(paused()), 80, 24).backend());
}

#[test]
fn before_the_first_sample() {
    insta::assert_snapshot!(draw(&Series::default(), 40, 3).backend());
}

#[test]
fn any_size_draws_without_panicking() {
    let samples = [
        history(busy()),
        history(paused()),
        history(ReactorSample::default()),
    ];
    for history in &samples {
        for width in [0, 1, 2, 5, 13, 30, 79] {
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
