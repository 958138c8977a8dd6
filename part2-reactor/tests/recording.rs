//! The recording of this part's story that ships in `recordings/` (for a room with no time
//! or no machine to run the load) parses and replays to its end.

use std::path::Path;

use instruments::scenario::Scenario;
use instruments::testing::replay;

#[test]
fn the_shipped_story_replays_to_its_end() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let story = Scenario::built_in("story").expect("the shared story is built in");
    let screen = replay::to_the_end::<part2_reactor::ReactorSample>(
        &root.join("../recordings/part2-story.jsonl"),
        env!("CARGO_PKG_NAME"),
        &story,
    );
    assert!(
        screen.contains("● running")
            && !screen.contains("n runs one poll")
            && !screen.contains("n step"),
        "a replay cannot pause the loop, so the panel does not offer `p` or `n`:\n{screen}"
    );
}
