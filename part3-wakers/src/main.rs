//! The part 3 demo: the `async fn` server, on our own one-thread runtime, under the same load
//! generator and dashboard as parts 1 and 2.
//!
//! `cargo run --release -p part3-wakers` plays part 3's story: the same stages as parts 1 and
//! 2, then blocking mode for a while. The tasks & wakers panel shows the runtime at work
//! (`b` turns blocking mode on and off). `--help` lists everything else. All the plumbing is
//! shared in `instruments`; this file only says how to start *this* server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use instruments::metrics::ServerStats;
use instruments::part::{Part, RunningServer, ServeArgs};
use part1_threads::app::AppConfig;
use part2_reactor::server::DEFAULT_EVENTS_CAPACITY;
use part3_wakers::observe::panel::BLOCKING_KEY;
use part3_wakers::observe::{WakersSample, WakersSampler};
use part3_wakers::server::{Server, ServerConfig};

struct Part3;

/// Part 3 has no server flags of its own.
#[derive(Debug, Clone, clap::Args)]
struct NoOptions {}

struct Running {
    server: Server,
    sampler: WakersSampler,
}

impl RunningServer<WakersSample> for Running {
    fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    fn stats(&self) -> Arc<ServerStats> {
        Arc::clone(self.server.stats())
    }

    fn describe(&self) -> String {
        "1 runtime thread, a task per connection".to_string()
    }

    fn sample_part(&self) -> WakersSample {
        self.sampler.sample()
    }

    fn on_key(&self, key: char) {
        if key == BLOCKING_KEY {
            self.server.blocking().toggle();
        }
    }
}

impl Part for Part3 {
    const NAME: &'static str = "part3-wakers";
    const TITLE: &'static str = "Part 3 · wakers: the server as async fn";
    const SCENARIOS: &'static [(&'static str, &'static str)] =
        &[("story", include_str!("../scenarios/story.scenario"))];
    const ABOUT: &'static str = "Part 3 · the same server as async fn, on our own runtime.\n\n\
        Runs the same HTTP app as parts 1 and 2, written as straight-line async fns: a task per \
        connection, on a one-thread executor over part 2's reactor; a waker carries \"this \
        socket is ready\" or \"this timer is due\" from the reactor to the task waiting for it. \
        Drives it with the same load generator and shows it in the same dashboard plus a tasks \
        & wakers panel: tasks alive, spawned and done; polls per second and per wake; spurious \
        polls (polled, still Pending, no progress); waker clones and drops; the run queue; time \
        asleep in the driver against time in tasks; wakes per second by cause (read ready, \
        write ready, timer, self-wake or yield, another thread, another task); warnings with \
        their counts (tasks that wake themselves in most polls, lost wakers, polls that blocked \
        the thread over 10 ms); and one request's journey, step by step, with the microseconds \
        between. Without flags it plays the story of parts 1 and 2, then turns blocking mode \
        on and off. Press b to turn blocking mode on or off yourself: every request then \
        blocks the one thread for 20 ms, and every connection waits. ? lists every key.";

    type Options = NoOptions;
    type View = WakersSample;
    type Server = Running;

    fn start(serve: &ServeArgs, _options: &Self::Options) -> anyhow::Result<Running> {
        let config = ServerConfig {
            app: AppConfig::new(serve.io_ms, serve.cpu_us),
            idle_timeout: serve.idle_timeout,
            events_capacity: DEFAULT_EVENTS_CAPACITY,
        };
        let addr = serve.addr.expect("the demo always chooses an address");
        let server = Server::bind(addr, config)?;
        let sampler = WakersSampler::new(
            Arc::clone(server.runtime_stats()),
            server.blocking().clone(),
        );
        Ok(Running { server, sampler })
    }
}

fn main() -> ExitCode {
    instruments::cli::main::<Part3>()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use instruments::scenario::{Player, Scenario};

    use super::*;

    #[test]
    fn the_story_turns_blocking_mode_on_then_off_near_its_end() {
        let story = Scenario::load("story", Part3::SCENARIOS).expect("part 3's story parses");
        let presses: Vec<(Duration, char)> = story
            .steps
            .iter()
            .flat_map(|step| step.press.iter().map(move |&key| (step.at, key)))
            .collect();
        assert_eq!(presses.len(), 2, "on, then off");
        assert!(presses.iter().all(|&(_, key)| key == BLOCKING_KEY));
        assert!(presses[0].0 < presses[1].0 && presses[1].0 < story.end);
        let shared = Scenario::built_in("story").expect("the shared story");
        assert!(presses[0].0 > shared.steps.last().expect("stages").at);
    }

    #[test]
    fn each_story_note_fits_an_80_column_stage_line() {
        /// The narrowest dashboard, where the stage line has one row.
        const COLUMNS: usize = 80;
        /// The stage line's marker before the stage, `▶ `.
        const MARKER: usize = 2;
        let story = Scenario::load("story", Part3::SCENARIOS).expect("part 3's story parses");
        let mut player = Player::new(story.clone());
        for step in &story.steps {
            player.due(step.at);
            let stage = player.stage().unwrap_or_default();
            assert!(
                MARKER + stage.chars().count() <= COLUMNS,
                "the stage at {:?} is cut on an 80x24 dashboard: {stage:?}",
                step.at
            );
        }
    }
}
