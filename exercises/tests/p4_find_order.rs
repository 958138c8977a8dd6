//! Tests for `exercises/src/p4_find_order.rs`. A worker's sources are modelled as queues of
//! named tasks that record what was asked of them: each test fills some, calls `find_task` and
//! checks which task came out and which sources were asked, in which order. Then a worker's
//! loop over a thousand ticks, with a local queue that always refills, checks that the tasks
//! from outside still run. Run them with `cargo run -p exercises -- test p4_find_order`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p4_find_order")),
    path = "../src/p4_find_order.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p4_find_order.rs")]
#[cfg_attr(
    exercise_variant = "p4_find_order/fairness_before_the_lifo_slot",
    path = "../wrong/p4_find_order/fairness_before_the_lifo_slot.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_find_order/injector_before_the_local_queue",
    path = "../wrong/p4_find_order/injector_before_the_local_queue.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_find_order/injector_first_only_once",
    path = "../wrong/p4_find_order/injector_first_only_once.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_find_order/never_looks_at_the_injector_first",
    path = "../wrong/p4_find_order/never_looks_at_the_injector_first.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_find_order/steals_before_the_injector",
    path = "../wrong/p4_find_order/steals_before_the_injector.rs"
)]
pub mod p4_find_order;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use exercises::harness::within;
use p4_find_order::{GLOBAL_QUEUE_INTERVAL, Sources, find_task};

const IF_STUCK: &str = "does find_task loop, asking a source again and again?";

const LIFO_SLOT: &str = "pop_lifo_slot";
const INJECTOR_ONE: &str = "pop_injector";
const LOCAL_QUEUE: &str = "pop_local_queue";
const INJECTOR_BATCH: &str = "pop_injector_batch";
const STEAL: &str = "steal";

/// A worker's sources: queues of named tasks, and the calls made to them, in order.
#[derive(Default)]
struct Model {
    ticks: Cell<u32>,
    lifo: RefCell<Option<String>>,
    local: RefCell<VecDeque<String>>,
    injector: RefCell<VecDeque<String>>,
    /// Another worker's queue, to steal from.
    victim: RefCell<VecDeque<String>>,
    asked: RefCell<Vec<&'static str>>,
}

fn tasks(prefix: &str, count: usize) -> VecDeque<String> {
    (1..=count).map(|n| format!("{prefix}-{n}")).collect()
}

impl Model {
    /// Every source holds tasks.
    fn full(ticks: u32) -> Model {
        Model {
            ticks: Cell::new(ticks),
            lifo: RefCell::new(Some("lifo".to_string())),
            local: RefCell::new(tasks("local", 3)),
            injector: RefCell::new(tasks("outside", 3)),
            victim: RefCell::new(tasks("victim", 4)),
            asked: RefCell::default(),
        }
    }

    fn asked(&self) -> Vec<&'static str> {
        self.asked.borrow().clone()
    }

    fn ask(&self, source: &'static str) {
        self.asked.borrow_mut().push(source);
    }
}

impl Sources for Model {
    type Task = String;

    fn ticks(&self) -> u32 {
        self.ticks.get()
    }

    fn pop_lifo_slot(&self) -> Option<String> {
        self.ask(LIFO_SLOT);
        self.lifo.borrow_mut().take()
    }

    fn pop_injector(&self) -> Option<String> {
        self.ask(INJECTOR_ONE);
        self.injector.borrow_mut().pop_front()
    }

    fn pop_local_queue(&self) -> Option<String> {
        self.ask(LOCAL_QUEUE);
        self.local.borrow_mut().pop_front()
    }

    /// One to run, and one more (a fair share of this small model) into the local queue.
    fn pop_injector_batch(&self) -> Option<String> {
        self.ask(INJECTOR_BATCH);
        let mut injector = self.injector.borrow_mut();
        let task = injector.pop_front()?;
        self.local.borrow_mut().extend(injector.pop_front());
        Some(task)
    }

    /// Half of the victim's queue into ours, one of them to run.
    fn steal(&self) -> Option<String> {
        self.ask(STEAL);
        let mut victim = self.victim.borrow_mut();
        let half = victim.len().div_ceil(2);
        let mut stolen = victim.drain(..half);
        let task = stolen.next()?;
        self.local.borrow_mut().extend(stolen);
        Some(task)
    }
}

#[test]
fn the_lifo_slot_comes_first() {
    within(IF_STUCK, || {
        let model = Model::full(1);
        assert_eq!(
            find_task(&model).as_deref(),
            Some("lifo"),
            "every source has a task: the LIFO slot's comes first (the task the last one \
             woke, hot in this core's cache)"
        );
        assert_eq!(
            model.asked(),
            [LIFO_SLOT],
            "the LIFO slot had a task: no other source may be asked (each one asked gives up a \
             task, which would be lost)"
        );
    });
}

#[test]
fn then_the_local_queue() {
    within(IF_STUCK, || {
        let model = Model::full(1);
        *model.lifo.borrow_mut() = None;
        assert_eq!(
            find_task(&model).as_deref(),
            Some("local-1"),
            "the LIFO slot is empty: the local queue's oldest task comes next, before the \
             injector and the other workers (what is this worker's own first)"
        );
        assert_eq!(
            model.asked(),
            [LIFO_SLOT, LOCAL_QUEUE],
            "tick 1 is not a fairness tick: the LIFO slot, then the local queue, and nothing \
             more"
        );
    });
}

#[test]
fn then_the_injector_as_a_batch() {
    within(IF_STUCK, || {
        let model = Model::full(1);
        *model.lifo.borrow_mut() = None;
        model.local.borrow_mut().clear();
        assert_eq!(
            find_task(&model).as_deref(),
            Some("outside-1"),
            "the LIFO slot and the local queue are empty: the injector comes next, before \
             stealing from another worker"
        );
        assert_eq!(
            model.asked(),
            [LIFO_SLOT, LOCAL_QUEUE, INJECTOR_BATCH],
            "step 4 takes a batch from the injector (pop_injector_batch: one to run and more \
             into the local queue), not a single task: the worker would be back at once"
        );
        assert_eq!(
            model.victim.borrow().len(),
            4,
            "nothing may be stolen while the injector has work"
        );
    });
}

#[test]
fn then_another_worker() {
    within(IF_STUCK, || {
        let model = Model::full(1);
        *model.lifo.borrow_mut() = None;
        model.local.borrow_mut().clear();
        model.injector.borrow_mut().clear();
        assert_eq!(
            find_task(&model).as_deref(),
            Some("victim-1"),
            "only another worker has tasks: steal"
        );
        assert_eq!(
            model.asked(),
            [LIFO_SLOT, LOCAL_QUEUE, INJECTOR_BATCH, STEAL],
            "stealing comes last, after every source of the worker's own and the injector"
        );
    });
}

#[test]
fn nothing_anywhere_is_none() {
    within(IF_STUCK, || {
        let model = Model::default();
        model.ticks.set(1);
        assert_eq!(
            find_task(&model),
            None,
            "no source has a task: None (the worker parks)"
        );
        assert_eq!(
            model.asked(),
            [LIFO_SLOT, LOCAL_QUEUE, INJECTOR_BATCH, STEAL],
            "before giving up, every source is asked once, in order"
        );
    });
}

#[test]
fn every_61st_tick_the_injector_goes_first() {
    within(IF_STUCK, || {
        for ticks in [
            GLOBAL_QUEUE_INTERVAL,
            2 * GLOBAL_QUEUE_INTERVAL,
            1000 * GLOBAL_QUEUE_INTERVAL,
        ] {
            let model = Model::full(ticks);
            *model.lifo.borrow_mut() = None;
            assert_eq!(
                find_task(&model).as_deref(),
                Some("outside-1"),
                "ticks() = {ticks}, a multiple of GLOBAL_QUEUE_INTERVAL: the injector goes \
                 before the local queue (every time, not only the first)"
            );
            assert_eq!(
                model.asked(),
                [LIFO_SLOT, INJECTOR_ONE],
                "ticks() = {ticks}: the LIFO slot (empty), then one task from the injector \
                 (pop_injector)"
            );
        }
        for ticks in [1, GLOBAL_QUEUE_INTERVAL - 1, GLOBAL_QUEUE_INTERVAL + 1] {
            let model = Model::full(ticks);
            *model.lifo.borrow_mut() = None;
            assert_eq!(
                find_task(&model).as_deref(),
                Some("local-1"),
                "ticks() = {ticks} is not a multiple of GLOBAL_QUEUE_INTERVAL: the local queue \
                 goes first"
            );
        }
        let model = Model::full(GLOBAL_QUEUE_INTERVAL);
        assert_eq!(
            find_task(&model).as_deref(),
            Some("lifo"),
            "on a fairness tick the LIFO slot still comes first: it is step 1, the injector \
             only jumps ahead of the local queue"
        );
        assert_eq!(model.asked(), [LIFO_SLOT], "and nothing else is asked");
        let model = Model::full(GLOBAL_QUEUE_INTERVAL);
        *model.lifo.borrow_mut() = None;
        model.injector.borrow_mut().clear();
        assert_eq!(
            find_task(&model).as_deref(),
            Some("local-1"),
            "a fairness tick with an empty injector goes on to the local queue"
        );
    });
}

#[test]
fn a_local_queue_that_always_refills_does_not_starve_the_injector() {
    /// Turns of the worker's loop.
    const TICKS: u32 = 1_000;

    within(IF_STUCK, || {
        let model = Model::default();
        model.local.replace(tasks("local", 2));
        model.injector.replace(tasks("outside", 1));
        // Since which tick the task now waiting in the injector has waited.
        let mut waiting_since = 0;
        let mut longest_wait = 0;
        let mut outside_runs = 0;
        let mut ran = Vec::new();
        for tick in 1..=TICKS {
            model.ticks.set(tick);
            let Some(task) = find_task(&model) else {
                panic!("tick {tick}: the local queue is never empty, yet find_task found nothing")
            };
            if task.starts_with("local") {
                // A task that yields: back to the end of the local queue.
                model.local.borrow_mut().push_back(task.clone());
            } else {
                // A task from outside ran; another thread pushes the next one.
                outside_runs += 1;
                longest_wait = longest_wait.max(tick - waiting_since);
                waiting_since = tick;
                model
                    .injector
                    .borrow_mut()
                    .push_back(format!("outside-{}", outside_runs + 1));
            }
            ran.push(task);
        }
        let still_waiting = TICKS - waiting_since;
        let last_ticks = ran[ran.len() - 5..].join(", ");
        assert!(
            longest_wait.max(still_waiting) <= GLOBAL_QUEUE_INTERVAL,
            "a worker whose local queue always refills (tasks that yield) ran {TICKS} ticks; the \
             tasks pushed from outside ran {outside_runs} times, and one waited {} ticks in the \
             injector (the last ticks ran: {last_ticks}). Every GLOBAL_QUEUE_INTERVAL-th tick \
             (ticks() a multiple of it, each time) the injector must go before the local queue, \
             so that none waits longer",
            longest_wait.max(still_waiting)
        );
    });
}
