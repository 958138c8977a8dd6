//! # The workshop's exercises
//!
//! Each exercise rebuilds one piece of a part's code. Its stub, `src/<id>.rs`, has the real
//! piece's public API and `todo!()` bodies; its tests, `tests/<id>.rs`, use only that API.
//! Do one: open the stub, then run
//!
//! ```text
//! cargo run -p exercises -- test <id>
//! ```
//!
//! and read the first failure (the raw output of the same tests: `cargo test -p exercises
//! --test <id>`). `cargo run -p exercises` shows your progress, `-- hint <id>` a hint (a nudge
//! first, then a direction, then a skeleton to fill in). The order and the lesson
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
//! # Where the stubs are compiled
//!
//! Not in this library: each exercise's test file includes its stub as a module
//! (`#[path = "../src/<id>.rs"] pub mod <id>;`). A stub that does not compile therefore breaks
//! only its own exercise's tests, never the others', nor the runner
//! (`cargo run -p exercises`), which a learner with a broken stub needs most (`reset`). This
//! library only holds what the tests share: [`harness`].
//!
//! # How the code under test is swapped
//!
//! The module declaration at the top of each test file carries one `cfg_attr(..., path = ...)`
//! per possible code: the stub by default, the solution with `feature = "solution"`, and a
//! wrong variant with `exercise_variant = "<id>/<variant>"`. The build script turns the
//! environment variable `EXERCISE_VARIANT=<id>/<variant>` into that `--cfg` (and into
//! `exercise_variant_of = "<id>"`, which turns the stub's line off), so
//!
//! ```text
//! EXERCISE_VARIANT=p1_active_guard/forgets_to_decrement cargo test -p exercises --test p1_active_guard
//! ```
//!
//! runs the tests against that mistake. `verify` names any line that is missing.
//!
//! # Why `cargo test --workspace` stays green
//!
//! Every exercise's test target is declared in `Cargo.toml` with `test = false`: the plain
//! workspace test run skips them (the stubs fail on purpose), while `--test <id>` runs exactly
//! one and `--test '*'` runs them all.

pub mod harness;
