//! The recording of this part's story that ships in `recordings/` (for a room with no time
//! or no machine to run the load) parses and replays to its end.

use std::path::Path;

use instruments::scenario::Scenario;
use instruments::testing::replay;

#[test]
fn the_shipped_story_replays_to_its_end() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let story = Scenario::built_in("story").expect("the shared story is built in");
    let screen = replay::to_the_end::<part4_executor::observe::ExecutorSample>(
        &root.join("../recordings/part4-story.jsonl"),
        env!("CARGO_PKG_NAME"),
        &story,
    );
    assert!(
        screen.contains("2 workers") && !screen.contains("· r: "),
        "a replay cannot switch the runtime, so the panel does not offer `r`:\n{screen}"
    );
}
