//! The "Top threads" table: the busiest threads of this process, as htop lists them (Linux).
//!
//! A scan has two steps, because of what each costs:
//!
//! 1. **Rank every thread by CPU.** The threads are the entries of `/proc/self/task`. For
//!    each one the scan reads the thread's *CPU clock*: `clock_gettime` on a clock id made
//!    from the thread id (what glibc's `pthread_getcpuclockid` makes; the kernel allows it
//!    for any thread of the calling process). It is the thread's total CPU time, user and
//!    system, in nanoseconds; the difference from the previous scan, over the time elapsed,
//!    is its CPU %. One system call per thread, and nothing to open, format or parse: about
//!    0.4 µs, where opening, reading and closing the thread's `stat` file costs about 8 µs
//!    (measured on the 2-core development VM). With thousands of threads this scan is most
//!    of what the probe costs, so it matters: listing the directory and reading the clocks
//!    come to about 1.6 µs per thread, 8 ms per sample at 5 000 threads. Only the
//!    [`TOP_THREADS`] busiest are kept while scanning, in a small sorted array; the only
//!    allocation per thread is the entry name `std::fs::read_dir` hands out.
//! 2. **Describe the winners.** For those few rows only, `/proc/self/task/<tid>/stat` gives
//!    the rest of htop's columns:
//!
//! ```text
//! 4242 (http-conn) S 4200 4200 ... 20 0 ...
//!  │       │       │                │  └ 19 nice (NI)
//!  │       │       │                └ 18 priority (PR)
//!  │       │       └ 3 state (R running, S sleeping, ...)
//!  │       └ 2 comm: the thread's name (CMD), in parentheses
//!  └ 1 tid
//! ```
//!
//! The name may itself contain spaces and parentheses (a thread may call itself `a) (b`),
//! so it is everything between the first `(` and the **last** `)`, and the numbered fields
//! are counted after that.
//!
//! A thread that appeared since the previous scan used all of its CPU time since then. A
//! thread that ended between the listing and the read is skipped. (If a thread id were
//! reused within one tick, the new thread's first CPU figure would be too low; ids are
//! handed out in order up to `kernel.pid_max`, so that takes tens of thousands of new
//! threads per second.)

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::time::Duration;

use super::TOP_THREADS;
use super::linux::{StatLine, read_file};
use crate::sample::ThreadRow;

const TASK_DIR: &str = "/proc/self/task";

/// Field numbers of `/proc/<pid>/task/<tid>/stat`, counted from 1 as in `man 5 proc`.
const FIELD_PRIORITY: usize = 18;
const FIELD_NICE: usize = 19;

/// The columns of one thread's `stat` line that the table shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TaskStat<'a> {
    pub(super) name: &'a [u8],
    pub(super) priority: i64,
    pub(super) nice: i64,
}

/// Parses one `stat` line (see the module docs); `None` if it is not one.
pub(super) fn parse_stat(line: &[u8]) -> Option<TaskStat<'_>> {
    let stat = StatLine::split(line)?;
    let name = stat.name;
    let mut priority = None;
    for (number, field) in stat.fields() {
        match number {
            FIELD_PRIORITY => priority = Some(parse_i64(field)?),
            FIELD_NICE => {
                return Some(TaskStat {
                    name,
                    priority: priority?,
                    nice: parse_i64(field)?,
                });
            }
            _ => {}
        }
    }
    None
}

fn parse_i64(digits: &[u8]) -> Option<i64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The bits of a CPU-clock id, from the kernel's `include/linux/posix-timers.h`: the low two
/// bits choose the clock (`CPUCLOCK_SCHED`: the scheduler's precise run time), bit 2 says
/// "one thread" rather than the whole process, and the bits above hold the thread id,
/// inverted.
const CPUCLOCK_SCHED: u32 = 2;
const CPUCLOCK_PERTHREAD: u32 = 4;
const CPUCLOCK_ID_SHIFT: u32 = 3;

/// The total CPU time of thread `tid` of this process; `None` if it has ended.
fn thread_cpu_time(tid: u32) -> Option<Duration> {
    let bits = (!tid) << CPUCLOCK_ID_SHIFT | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED;
    // The kernel reads the same 32 bits as a (negative) clockid_t.
    let clock = bits as libc::clockid_t;
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is valid for writes and alive during the call; an unknown or foreign
    // clock id only makes the call fail with EINVAL.
    if unsafe { libc::clock_gettime(clock, &mut time) } != 0 {
        return None;
    }
    let seconds = u64::try_from(time.tv_sec).ok()?;
    let nanos = u32::try_from(time.tv_nsec).ok()?;
    Some(Duration::new(seconds, nanos))
}

/// What one scan found.
pub(super) struct Scan {
    /// Threads found; `None` if the task directory could not be listed.
    pub(super) threads: Option<u64>,
    pub(super) top: Vec<ThreadRow>,
}

/// A thread while the scan decides whether it is among the busiest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Candidate {
    tid: u32,
    cpu_since_previous: Duration,
}

impl Candidate {
    /// The table's order: more CPU first; equal CPU, lower thread id first (so rows of idle
    /// threads do not shuffle from one sample to the next).
    fn comes_before(&self, other: &Candidate) -> bool {
        (other.cpu_since_previous, self.tid) < (self.cpu_since_previous, other.tid)
    }
}

/// Remembers each thread's CPU time between scans and ranks the threads.
pub(super) struct ThreadTable {
    user: String,
    /// CPU time of each thread at the previous scan.
    previous: HashMap<u32, Duration>,
    /// Filled during a scan, then swapped with `previous` (both keep their capacity).
    current: HashMap<u32, Duration>,
    /// The busiest so far in this scan, in table order; at most [`TOP_THREADS`].
    top: Vec<Candidate>,
    path: String,
}

impl ThreadTable {
    /// A table whose first scan is taken now, so the next one has a baseline.
    pub(super) fn new(buffer: &mut Vec<u8>) -> Self {
        let mut table = ThreadTable {
            user: process_user(),
            previous: HashMap::new(),
            current: HashMap::new(),
            top: Vec::with_capacity(TOP_THREADS + 1),
            path: String::new(),
        };
        table.scan(Duration::ZERO, 0.0, buffer);
        table
    }

    /// Ranks every thread by the CPU it used in `elapsed`, the time since the previous scan,
    /// and describes the busiest. `mem_percent` is the process's, shown on every row.
    pub(super) fn scan(
        &mut self,
        elapsed: Duration,
        mem_percent: f32,
        buffer: &mut Vec<u8>,
    ) -> Scan {
        self.top.clear();
        self.current.clear();
        let Ok(entries) = fs::read_dir(TASK_DIR) else {
            return Scan {
                threads: None,
                top: Vec::new(),
            };
        };
        for entry in entries.flatten() {
            let Some(tid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            let Some(cpu_time) = thread_cpu_time(tid) else {
                continue; // ended since the listing
            };
            self.current.insert(tid, cpu_time);
            let before = self.previous.get(&tid).copied().unwrap_or_default();
            self.offer(Candidate {
                tid,
                cpu_since_previous: cpu_time.saturating_sub(before),
            });
        }
        std::mem::swap(&mut self.previous, &mut self.current);
        let threads = self.previous.len() as u64;

        let mut top = Vec::with_capacity(self.top.len());
        for candidate in &self.top {
            self.path.clear();
            // Writing to a String cannot fail.
            let _ = write!(self.path, "{TASK_DIR}/{}/stat", candidate.tid);
            let Some(stat) = read_file(&self.path, buffer).ok().and_then(parse_stat) else {
                continue; // ended since its clock was read
            };
            top.push(ThreadRow {
                tid: candidate.tid,
                user: self.user.clone(),
                priority: stat.priority,
                nice: stat.nice,
                cpu: percent(candidate.cpu_since_previous, elapsed),
                mem: mem_percent,
                cmd: String::from_utf8_lossy(stat.name).into_owned(),
            });
        }
        Scan {
            threads: Some(threads),
            top,
        }
    }

    /// Keeps `candidate` if it is among the [`TOP_THREADS`] busiest seen so far.
    fn offer(&mut self, candidate: Candidate) {
        if self.top.len() == TOP_THREADS
            && self
                .top
                .last()
                .is_some_and(|last| !candidate.comes_before(last))
        {
            return;
        }
        let at = self
            .top
            .partition_point(|kept| kept.comes_before(&candidate));
        self.top.insert(at, candidate);
        self.top.truncate(TOP_THREADS);
    }
}

/// `used` as a % of `elapsed` (0 when no time elapsed).
fn percent(used: Duration, elapsed: Duration) -> f32 {
    if elapsed.is_zero() {
        return 0.0;
    }
    (used.as_secs_f64() / elapsed.as_secs_f64() * 100.0) as f32
}

/// The name of the user this process runs as (its effective uid, as htop shows), or the
/// number if it has no name.
fn process_user() -> String {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    let users = sysinfo::Users::new_with_refreshed_list();
    usize::try_from(euid)
        .ok()
        .and_then(|id| sysinfo::Uid::try_from(id).ok())
        .and_then(|uid| {
            users
                .get_user_by_id(&uid)
                .map(|user| user.name().to_owned())
        })
        .unwrap_or_else(|| euid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &[u8] = b"4242 (http-conn) S 4200 4200 1 0 -1 4194368 17 0 0 0 12 3 0 0 20 0 \
        1 0 987654 2154496 123 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 -1 1 0 0 0 0 0\n";

    #[test]
    fn parses_the_columns_the_table_shows() {
        let stat = parse_stat(PLAIN).expect("a valid stat line");
        assert_eq!(
            stat,
            TaskStat {
                name: b"http-conn",
                priority: 20,
                nice: 0,
            }
        );
    }

    #[test]
    fn a_name_with_spaces_and_parentheses_ends_at_the_last_parenthesis() {
        let line = b"7 (a) (b c)) R 1 1 1 0 -1 0 0 0 0 0 100 50 0 0 39 19 1 0 55 0 0\n";
        let stat = parse_stat(line).expect("a valid stat line");
        assert_eq!(stat.name, b"a) (b c)");
        assert_eq!((stat.priority, stat.nice), (39, 19));
    }

    #[test]
    fn rejects_what_is_not_a_stat_line() {
        assert_eq!(parse_stat(b""), None);
        assert_eq!(parse_stat(b"12 no parentheses S 1 2 3"), None);
        assert_eq!(parse_stat(b"12 )backwards( S 1 2 3"), None);
        assert_eq!(parse_stat(b"12 (cut short) S 1 2 3\n"), None);
        assert_eq!(
            parse_stat(b"12 (x) S 1 1 1 0 -1 0 0 0 0 0 1 5 0 0 twenty 0 1\n"),
            None
        );
    }

    #[test]
    fn the_cpu_clock_of_this_thread_matches_the_standard_one() {
        // SAFETY: gettid has no preconditions and cannot fail.
        let tid = unsafe { libc::gettid() };
        let tid = u32::try_from(tid).expect("thread ids are positive");
        let mine = thread_cpu_time(tid).expect("this thread is alive");
        let mut standard = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `standard` is valid for writes and alive during the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut standard) };
        assert_eq!(rc, 0);
        let standard = Duration::new(
            u64::try_from(standard.tv_sec).expect("non-negative"),
            u32::try_from(standard.tv_nsec).expect("below one second"),
        );
        // Read second, the standard clock has run a little further, never less.
        assert!(standard >= mine, "{standard:?} < {mine:?}");
        assert!(mine > Duration::ZERO);
    }

    #[test]
    fn no_cpu_clock_for_a_thread_of_another_process() {
        // Process 1 (init) is never a thread of the test process.
        assert_eq!(thread_cpu_time(1), None);
    }

    #[test]
    fn keeps_the_busiest_in_order_and_breaks_ties_by_lowest_tid() {
        let mut buffer = Vec::new();
        let mut table = ThreadTable::new(&mut buffer);
        table.top.clear();
        let candidate = |tid, millis| Candidate {
            tid,
            cpu_since_previous: Duration::from_millis(millis),
        };
        for tid in (1..=TOP_THREADS as u32 + 10).rev() {
            table.offer(candidate(tid, 0));
        }
        table.offer(candidate(500, 7));
        table.offer(candidate(400, 9));
        table.offer(candidate(300, 7));
        let order: Vec<(u32, u128)> = table
            .top
            .iter()
            .map(|c| (c.tid, c.cpu_since_previous.as_millis()))
            .collect();
        assert_eq!(order.len(), TOP_THREADS);
        assert_eq!(&order[..5], &[(400, 9), (300, 7), (500, 7), (1, 0), (2, 0)]);
        assert_eq!(order[TOP_THREADS - 1], (TOP_THREADS as u32 - 3, 0));
    }
}
