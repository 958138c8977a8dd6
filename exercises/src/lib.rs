//! # The workshop's exercises
//!
//! Each exercise rebuilds one piece of a part's code. Its stub, `src/<id>.rs`, has the real
//! piece's public API and `todo!()` bodies; its tests, `tests/<id>.rs`, use only that API.
//! Do one: open the stub, then run
//!
//! ```text
//! cargo test -p exercises --test <id>
//! ```
//!
//! and read the first failure. `cargo run -p exercises` shows your progress, `-- hint <id>` a
//! hint (a nudge first, then a direction, then nearly the answer). The order and the lesson
//! section of each exercise are in `manifest.toml`; `README.md` tells the whole workflow.
//!
//! # Why the tests can be trusted
//!
//! A test that passes on an unsolved stub, or on a plausible wrong answer, teaches the wrong
//! thing. So `cargo run -p exercises -- verify` (run by CI) proves, per test function, that:
//!
//! - with the `solution` feature every test passes. Where an exercise rebuilds a piece of a
//!   part, the solution *is* that part's code (`solutions/<id>.rs` re-exports it), so the
//!   lesson's own code passes the same tests;
//! - on the stubs every test fails (except the few a manifest entry declares);
//! - every deliberately wrong variant, `wrong/<id>/<variant>.rs`, fails at least one test.
//!
//! # How a module is swapped
//!
//! Each `pub mod <id>;` below carries one `cfg_attr(..., path = ...)` per replacement:
//! `feature = "solution"` selects the solution, and `exercise_variant = "<id>/<variant>"` a
//! wrong variant. The build script turns the environment variable
//! `EXERCISE_VARIANT=<id>/<variant>` into that `--cfg`, so
//!
//! ```text
//! EXERCISE_VARIANT=p1_active_guard/forgets_to_decrement cargo test -p exercises --test p1_active_guard
//! ```
//!
//! runs the tests against that mistake. Adding an exercise or a variant means adding its line
//! here; `verify` names any line that is missing.
//!
//! # Why `cargo test --workspace` stays green
//!
//! Every exercise's test target is declared in `Cargo.toml` with `test = false`: the plain
//! workspace test run skips them (the stubs fail on purpose), while `--test <id>` runs exactly
//! one and `--test '*'` runs them all.

pub mod harness;

// Part 1: threads.

#[cfg_attr(feature = "solution", path = "../solutions/p1_active_guard.rs")]
#[cfg_attr(
    exercise_variant = "p1_active_guard/forgets_to_decrement",
    path = "../wrong/p1_active_guard/forgets_to_decrement.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_active_guard/increments_twice",
    path = "../wrong/p1_active_guard/increments_twice.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_active_guard/drop_on_the_gauge",
    path = "../wrong/p1_active_guard/drop_on_the_gauge.rs"
)]
pub mod p1_active_guard;

#[cfg_attr(feature = "solution", path = "../solutions/p1_read_request.rs")]
#[cfg_attr(
    exercise_variant = "p1_read_request/interrupted_is_fatal",
    path = "../wrong/p1_read_request/interrupted_is_fatal.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_read_request/eof_is_always_clean",
    path = "../wrong/p1_read_request/eof_is_always_clean.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_read_request/reads_before_checking_the_buffer",
    path = "../wrong/p1_read_request/reads_before_checking_the_buffer.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_read_request/one_read_is_one_request",
    path = "../wrong/p1_read_request/one_read_is_one_request.rs"
)]
pub mod p1_read_request;

#[cfg_attr(feature = "solution", path = "../solutions/p1_thread_pool.rs")]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/ignores_max_threads",
    path = "../wrong/p1_thread_pool/ignores_max_threads.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/counts_running_jobs_as_queued",
    path = "../wrong/p1_thread_pool/counts_running_jobs_as_queued.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/a_panic_kills_the_worker",
    path = "../wrong/p1_thread_pool/a_panic_kills_the_worker.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/drop_abandons_the_queue",
    path = "../wrong/p1_thread_pool/drop_abandons_the_queue.rs"
)]
pub mod p1_thread_pool;
