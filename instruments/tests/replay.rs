//! The check the shipped recordings' tests rely on (`testing::replay::to_the_end`) passes a
//! whole recording and fails a cut or incomplete one.

use std::path::PathBuf;
use std::time::Duration;

use instruments::dashboard::DemoInfo;
use instruments::record::Recorder;
use instruments::sample::{Sample, Summary};
use instruments::scenario::{Player, Scenario};
use instruments::testing::replay;

const PART: &str = "part0-test";

/// Two stages of two seconds each.
const SCENARIO: &str =
    "0s connections=0 \"Idle.\"\n2s connections=10 rate=20 \"Ten clients.\"\n4s end\n";

/// How the recording under test was cut.
#[derive(Clone, Copy, PartialEq)]
enum Cut {
    Whole,
    NoSummary,
    AfterTheFirstStage,
}

/// Records the scenario as the demo would, one sample a second, and returns the file.
fn record(name: &str, cut: Cut) -> PathBuf {
    let scenario = story();
    let path = std::env::temp_dir().join(format!("{name}-{}.jsonl", std::process::id()));
    let info = DemoInfo {
        title: "Part 0 · a test".to_string(),
        ..DemoInfo::default()
    };
    let mut recorder =
        Recorder::create(&path, PART, &info, Duration::from_secs(1)).expect("create a recording");
    let mut player = Player::new(scenario.clone());
    let last = if cut == Cut::AfterTheFirstStage {
        1
    } else {
        scenario.end.as_secs()
    };
    for t in 0..=last {
        player.due(Duration::from_secs(t));
        let sample: Sample<()> = Sample {
            t: t as f64,
            stage: player.stage(),
            ..Sample::default()
        };
        recorder.sample(&sample).expect("write a sample");
    }
    if cut != Cut::NoSummary {
        recorder
            .finish(&Summary::default())
            .expect("write the summary");
    }
    path
}

fn story() -> Scenario {
    Scenario::parse("test", SCENARIO).expect("the test scenario parses")
}

#[test]
fn a_whole_recording_replays_to_its_end() {
    let path = record("whole", Cut::Whole);
    let screen = replay::to_the_end::<()>(&path, PART, &story());
    assert!(
        screen.contains("REPLAY · Part 0 · a test"),
        "the replay's title is not on the screen:\n{screen}"
    );
    assert!(
        screen.contains("space freeze") && !screen.contains("conns") && !screen.contains("churn"),
        "a replay's footer offers only the keys that work in it:\n{screen}"
    );
}

#[test]
#[should_panic(expected = "has no summary")]
fn a_recording_without_its_summary_is_refused() {
    let path = record("no-summary", Cut::NoSummary);
    replay::to_the_end::<()>(&path, PART, &story());
}

#[test]
#[should_panic(expected = "does not play the test scenario from its start to its end")]
fn a_recording_that_misses_a_stage_is_refused() {
    let path = record("cut", Cut::AfterTheFirstStage);
    replay::to_the_end::<()>(&path, PART, &story());
}

#[test]
#[should_panic(expected = "was recorded by part0-test")]
fn another_part_s_recording_is_refused() {
    let path = record("other-part", Cut::Whole);
    replay::to_the_end::<()>(&path, "part9-other", &story());
}
