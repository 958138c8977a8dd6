//! The recording of this part's story that ships in `recordings/` (for a room with no time
//! or no machine to run the load) parses and replays to its end.

use std::path::Path;

use instruments::scenario::Scenario;
use instruments::testing::replay;

#[test]
fn the_shipped_story_replays_to_its_end() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let story = Scenario::parse("story", include_str!("../scenarios/story.scenario"))
        .expect("part 3's story parses");
    let screen = replay::to_the_end::<part3_wakers::observe::WakersSample>(
        &root.join("../recordings/part3-story.jsonl"),
        env!("CARGO_PKG_NAME"),
        &story,
    );
    assert!(
        screen.contains("blocking")
            && !screen.contains("turns it")
            && !screen.contains("stops it")
            && !screen.contains("makes each request"),
        "a replay cannot turn blocking mode on or off, so the panel does not offer `b`:\n{screen}"
    );
}
