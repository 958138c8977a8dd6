//! The operating system's limits that a thread-per-connection server runs into.
//!
//! A server that gives every connection its own thread spends two scarce things per client:
//! a **file descriptor** (the socket) and a **thread**. Neither is unlimited, and neither limit
//! is about speed: past it, `accept` fails with `EMFILE` or `spawn` fails with `EAGAIN`, and
//! new clients are refused however idle the CPU is.
//!
//! - File descriptors: the per-process `RLIMIT_NOFILE`. Its *soft* value (often 1024) is what
//!   is enforced; a process may raise it up to the *hard* value by itself, which
//!   [`raise_fd_limit`] does.
//! - Threads: several limits, and the smallest wins ([`ThreadLimits::wall`]):
//!   - `vm.max_map_count` (default 65 530): memory mappings per process. Every thread maps
//!     its stack, the stack's guard page, a signal stack and that one's guard:
//!     [`MAPS_PER_THREAD`] mappings, so about 16 000 threads exhaust it. This is usually the
//!     first wall on Linux, and the least known.
//!   - `kernel.threads-max` and `kernel.pid_max`: threads on the whole machine, and the ids
//!     they are numbered with (every thread takes one, like a process).
//!   - the cgroup's `pids.max` (containers often set it), which counts threads too.
//!   - `RLIMIT_NPROC`: threads of this *user*, all processes together. Not enforced for root.
//!   - on macOS, `kern.num_taskthreads`: threads per process.
//!
//! The limits are only read here; the numbers come from `/proc/sys`, `getrlimit` and
//! `sysctl`. `cargo run --release -p instruments --example thread_wall -- --until-fail` shows
//! where spawning really fails on your machine.
//!
//! # What happens at the map-count wall
//!
//! A new Rust thread needs four mappings, made in two steps: `pthread_create` maps the stack
//! and its guard, then the new thread itself maps its signal stack and that one's guard. If
//! the first step hits the limit, `spawn` returns an error (`EAGAIN`, "Resource temporarily
//! unavailable") and the program can refuse the connection. If the second step hits it, the
//! thread already exists, cannot report an error, and Rust **aborts the whole process**.
//! Which of the two happens depends on how many mappings the process had to begin with.
//! Measured here (`thread_wall --until-fail`): 16 367 threads started, the 16 368th aborted
//! the process. A server that must survive its wall caps its thread count below it.

use std::fmt;
use std::io;

/// Memory mappings (lines of `/proc/self/maps`) that one more Rust thread adds, with the
/// default 2 MiB stack: its stack and guard page (mapped by glibc's `pthread_create`), and
/// the alternate signal stack with its guard page (mapped by Rust's runtime, so that a stack
/// overflow can be reported instead of crashing silently).
///
/// Measured, not assumed: `cargo run --release -p instruments --example thread_wall`
/// counts `/proc/self/maps` before and after spawning parked threads. Linux 6.18, glibc,
/// Rust 1.95: 4.00 per thread from 100 to 1 000 threads (the first 100 add 4.3 each: glibc
/// also maps a malloc arena for some of them), and 65 530 maps stopped spawning at 16 368
/// threads.
pub const MAPS_PER_THREAD: u64 = 4;

/// Rust's default stack for a spawned thread when `RUST_MIN_STACK` is not set (std's
/// `DEFAULT_MIN_STACK_SIZE` on Unix).
pub const RUST_DEFAULT_STACK: u64 = 2 * 1024 * 1024;

/// On macOS `setrlimit(RLIMIT_NOFILE)` rejects a soft limit above `OPEN_MAX` (from
/// `<sys/syslimits.h>`) even when the hard limit is "unlimited"; its man page says to use
/// `min(OPEN_MAX, rlim_max)`.
#[cfg(target_os = "macos")]
const MACOS_OPEN_MAX: u64 = 10_240;

/// The process's file-descriptor limit (`RLIMIT_NOFILE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimit {
    /// The limit in force: opening one more file or socket past it fails with `EMFILE`.
    pub soft: u64,
    /// The ceiling the soft limit may be raised to without privileges.
    pub hard: u64,
}

impl fmt::Display for FdLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "open files: {} (hard limit {})", self.soft, self.hard)
    }
}

/// Raises the soft file-descriptor limit to the hard limit and returns the limit now in force.
///
/// On macOS the soft limit goes to `min(hard, OPEN_MAX)` = at most 10 240, the most
/// `setrlimit` accepts there, so `soft < hard` afterwards when the hard limit is unlimited.
/// The limit is never lowered.
pub fn raise_fd_limit() -> io::Result<FdLimit> {
    let current = fd_limit()?;
    let wanted = highest_allowed_soft(current.hard);
    if current.soft < wanted {
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: current.hard,
        };
        // SAFETY: `raised` is a valid, initialised rlimit that outlives the call.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    fd_limit()
}

/// The file-descriptor limit in force now.
pub fn fd_limit() -> io::Result<FdLimit> {
    let limit = rlimit(libc::RLIMIT_NOFILE)?;
    Ok(FdLimit {
        soft: limit.rlim_cur,
        hard: limit.rlim_max,
    })
}

#[cfg(target_os = "macos")]
fn highest_allowed_soft(hard: u64) -> u64 {
    hard.min(MACOS_OPEN_MAX)
}

#[cfg(not(target_os = "macos"))]
fn highest_allowed_soft(hard: u64) -> u64 {
    hard
}

/// The limits on how many threads this process can have, as far as they can be read.
///
/// `None` means "not readable here" (another OS, or no such file), or for the rlimit and
/// `pids.max`: unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadLimits {
    /// `vm.max_map_count`: memory mappings per process (Linux).
    pub max_map_count: Option<u64>,
    /// `kernel.threads-max`: threads on the whole machine (Linux).
    pub threads_max: Option<u64>,
    /// `kernel.pid_max`: the highest process/thread id, so at most that many tasks on the
    /// machine (Linux).
    pub pid_max: Option<u64>,
    /// `pids.max` of this process's cgroup: tasks in the cgroup, threads included (Linux).
    pub cgroup_pids_max: Option<u64>,
    /// The soft `RLIMIT_NPROC`: threads of this user, all its processes together (Linux
    /// counts threads against it; other systems count processes, so it is not read there).
    pub nproc: Option<u64>,
    /// Whether the kernel enforces `nproc` on this process: it does not for root (nor for a
    /// process with `CAP_SYS_RESOURCE` or `CAP_SYS_ADMIN`, which is not checked here).
    pub nproc_enforced: bool,
    /// `kern.num_taskthreads`: threads per process (macOS).
    pub task_threads_max: Option<u64>,
    /// The stack a new Rust thread reserves, bytes: `RUST_MIN_STACK` or 2 MiB. It is
    /// address space (virtual size), mostly never touched, so not resident memory.
    pub default_stack: u64,
}

/// The number of threads at which spawning is expected to fail, and the limit that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadWall {
    pub threads: u64,
    /// e.g. "vm.max_map_count = 65530 (about 4 maps per thread)".
    pub because: String,
}

impl fmt::Display for ThreadWall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "spawning fails near {} threads: {}",
            self.threads, self.because
        )
    }
}

impl ThreadLimits {
    /// Reads every limit this OS exposes. Cheap (a few small files); never fails: a limit that
    /// cannot be read is `None`.
    pub fn read() -> Self {
        let nproc = nproc_limit();
        ThreadLimits {
            max_map_count: os::read_sysctl_u64("vm/max_map_count"),
            threads_max: os::read_sysctl_u64("kernel/threads-max"),
            pid_max: os::read_sysctl_u64("kernel/pid_max"),
            cgroup_pids_max: os::cgroup_pids_max(),
            nproc,
            nproc_enforced: nproc.is_some() && !is_root(),
            task_threads_max: os::task_threads_max(),
            default_stack: rust_default_stack(),
        }
    }

    /// The smallest of the limits that apply, in threads. `None` when no limit could be read
    /// (not on Linux or macOS).
    ///
    /// It is an estimate from above: the machine-wide limits are shared with every other
    /// process, and the map count already holds this process's code, heap and libraries.
    pub fn wall(&self) -> Option<ThreadWall> {
        self.walls().into_iter().min_by_key(|wall| wall.threads)
    }

    /// Lines worth showing once in the dashboard's notes: the wall, then each limit read.
    pub fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self
            .wall()
            .map(|wall| wall.to_string())
            .into_iter()
            .collect();
        notes.extend(
            self.walls()
                .into_iter()
                .map(|wall| format!("  {} → {} threads", wall.because, wall.threads)),
        );
        if let Some(nproc) = self.nproc.filter(|_| !self.nproc_enforced) {
            notes.push(format!("  RLIMIT_NPROC = {nproc}, not enforced for root"));
        }
        notes.push(format!(
            "  each thread reserves {} KiB of stack address space",
            self.default_stack / 1024
        ));
        notes
    }

    /// Every limit that applies, converted to a number of threads.
    fn walls(&self) -> Vec<ThreadWall> {
        let candidates = [
            self.max_map_count.map(|maps| ThreadWall {
                threads: maps / MAPS_PER_THREAD,
                because: format!(
                    "vm.max_map_count = {maps} (about {MAPS_PER_THREAD} maps per thread)"
                ),
            }),
            self.threads_max.map(|threads| ThreadWall {
                threads,
                because: format!("kernel.threads-max = {threads} (threads on the machine)"),
            }),
            self.pid_max.map(|ids| ThreadWall {
                threads: ids,
                because: format!("kernel.pid_max = {ids} (each thread takes an id)"),
            }),
            self.cgroup_pids_max.map(|tasks| ThreadWall {
                threads: tasks,
                because: format!("cgroup pids.max = {tasks} (tasks in this cgroup)"),
            }),
            self.nproc
                .filter(|_| self.nproc_enforced)
                .map(|threads| ThreadWall {
                    threads,
                    because: format!("RLIMIT_NPROC = {threads} (threads of this user)"),
                }),
            self.task_threads_max.map(|threads| ThreadWall {
                threads,
                because: format!("kern.num_taskthreads = {threads} (threads per process)"),
            }),
        ];
        candidates.into_iter().flatten().collect()
    }
}

/// Memory mappings kept free when computing [`thread_headroom`]: room for what a running
/// process still maps after the measurement (malloc arenas for new threads, buffers, the
/// dashboard). About 250 threads' worth, out of some 16 000.
const MAP_RESERVE: u64 = 1024;

/// Thread ids kept free below the machine-wide limits (`pid_max`, `threads-max`, `pids.max`)
/// for every other process on the machine, the load generator included.
const TASK_RESERVE: u64 = 512;

/// How many more threads this process can start before it reaches its first wall, less a
/// reserve; `None` where the limits cannot be read.
///
/// This is the cap a thread-per-connection server must keep below: at the map-count wall
/// Rust may abort the whole process instead of returning an error (see the module docs), so
/// the only safe way to survive the wall is never to reach it. Linux: it counts this process's
/// mappings (`/proc/self/maps`) and the machine's tasks (`/proc/loadavg`) now.
pub fn thread_headroom() -> Option<u64> {
    let limits = ThreadLimits::read();
    let maps_in_use = os::maps_in_use()?;
    let tasks_in_use = os::tasks_on_machine()?;
    let by_maps = limits
        .max_map_count
        .map(|max| max.saturating_sub(maps_in_use + MAP_RESERVE) / MAPS_PER_THREAD);
    let machine_wide = [limits.threads_max, limits.pid_max, limits.cgroup_pids_max]
        .into_iter()
        .flatten()
        .map(|max| max.saturating_sub(tasks_in_use + TASK_RESERVE));
    let by_user = limits
        .nproc
        .filter(|_| limits.nproc_enforced)
        .map(|max| max.saturating_sub(tasks_in_use + TASK_RESERVE));
    by_maps.into_iter().chain(machine_wide).chain(by_user).min()
}

/// `RUST_MIN_STACK` as std reads it (a number of bytes), or std's default.
fn rust_default_stack() -> u64 {
    std::env::var("RUST_MIN_STACK")
        .ok()
        .and_then(|bytes| bytes.trim().parse().ok())
        .unwrap_or(RUST_DEFAULT_STACK)
}

/// The soft `RLIMIT_NPROC` where it counts threads (Linux); `None` if unlimited.
#[cfg(target_os = "linux")]
fn nproc_limit() -> Option<u64> {
    let limit = rlimit(libc::RLIMIT_NPROC).ok()?;
    (limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

#[cfg(not(target_os = "linux"))]
fn nproc_limit() -> Option<u64> {
    None
}

/// The kernel skips the `RLIMIT_NPROC` check for the root user (real uid 0) and for
/// processes with root's capabilities (effective uid 0).
fn is_root() -> bool {
    // SAFETY: getuid has no preconditions and cannot fail.
    let real = unsafe { libc::getuid() };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let effective = unsafe { libc::geteuid() };
    real == 0 || effective == 0
}

fn rlimit(resource: RlimitResource) -> io::Result<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for the kernel to write into, alive during the call.
    if unsafe { libc::getrlimit(resource, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(limit)
}

/// The type of `getrlimit`'s first argument, which glibc declares differently.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
type RlimitResource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type RlimitResource = libc::c_int;

#[cfg(target_os = "linux")]
mod os {
    use std::fs;

    /// A number from `/proc/sys/<name>`, e.g. `vm/max_map_count`.
    pub(super) fn read_sysctl_u64(name: &str) -> Option<u64> {
        fs::read_to_string(format!("/proc/sys/{name}"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// `pids.max` of the cgroup this process is in (cgroup v2, else the v1 `pids`
    /// controller); `None` when there is none or it says `max`.
    pub(super) fn cgroup_pids_max() -> Option<u64> {
        let membership = fs::read_to_string("/proc/self/cgroup").ok()?;
        let file = membership.lines().find_map(|line| {
            // "hierarchy-id:controllers:path"; v2 has an empty controller list.
            let mut parts = line.splitn(3, ':');
            let (_id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            if controllers.is_empty() {
                Some(format!("/sys/fs/cgroup{path}/pids.max"))
            } else if controllers.split(',').any(|c| c == "pids") {
                Some(format!("/sys/fs/cgroup/pids{path}/pids.max"))
            } else {
                None
            }
        })?;
        fs::read_to_string(file).ok()?.trim().parse().ok()
    }

    pub(super) fn task_threads_max() -> Option<u64> {
        None
    }

    /// Lines of `/proc/self/maps`: the mappings this process holds now.
    pub(super) fn maps_in_use() -> Option<u64> {
        let maps = fs::read("/proc/self/maps").ok()?;
        Some(maps.iter().filter(|&&b| b == b'\n').count() as u64)
    }

    /// Tasks (processes and threads) on the machine: the `total` of the fourth field of
    /// `/proc/loadavg` ("running/total").
    pub(super) fn tasks_on_machine() -> Option<u64> {
        let loadavg = fs::read_to_string("/proc/loadavg").ok()?;
        let field = loadavg.split_whitespace().nth(3)?;
        field.split_once('/')?.1.parse().ok()
    }
}

#[cfg(target_os = "macos")]
mod os {
    pub(super) fn read_sysctl_u64(_linux_name: &str) -> Option<u64> {
        None
    }

    pub(super) fn cgroup_pids_max() -> Option<u64> {
        None
    }

    pub(super) fn maps_in_use() -> Option<u64> {
        None
    }

    pub(super) fn tasks_on_machine() -> Option<u64> {
        None
    }

    /// `kern.num_taskthreads`, the most threads one process may have.
    pub(super) fn task_threads_max() -> Option<u64> {
        let mut value: libc::c_int = 0;
        let mut size = std::mem::size_of::<libc::c_int>();
        // SAFETY: the name is a NUL-terminated string; `value` and `size` are valid for
        // writes and `size` holds the size of `value`; nothing is written (new value null).
        let rc = unsafe {
            libc::sysctlbyname(
                c"kern.num_taskthreads".as_ptr(),
                (&raw mut value).cast(),
                &mut size,
                std::ptr::null_mut(),
                0,
            )
        };
        if rc != 0 {
            return None;
        }
        u64::try_from(value).ok()
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod os {
    pub(super) fn read_sysctl_u64(_linux_name: &str) -> Option<u64> {
        None
    }

    pub(super) fn maps_in_use() -> Option<u64> {
        None
    }

    pub(super) fn tasks_on_machine() -> Option<u64> {
        None
    }

    pub(super) fn cgroup_pids_max() -> Option<u64> {
        None
    }

    pub(super) fn task_threads_max() -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_is_the_smallest_limit_that_applies() {
        let limits = ThreadLimits {
            max_map_count: Some(65_530),
            threads_max: Some(192_730),
            pid_max: Some(32_768),
            cgroup_pids_max: None,
            nproc: Some(100),
            nproc_enforced: false,
            task_threads_max: None,
            default_stack: RUST_DEFAULT_STACK,
        };
        let wall = limits.wall().expect("limits were given");
        assert_eq!(wall.threads, 65_530 / MAPS_PER_THREAD);
        assert!(wall.because.contains("vm.max_map_count"), "{wall}");

        let enforced = ThreadLimits {
            nproc_enforced: true,
            ..limits
        };
        let wall = enforced.wall().expect("limits were given");
        assert_eq!(wall.threads, 100);
        assert!(wall.because.contains("RLIMIT_NPROC"), "{wall}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_headroom_is_below_the_wall() {
        let wall = ThreadLimits::read()
            .wall()
            .expect("Linux exposes its limits");
        let headroom = thread_headroom().expect("Linux exposes its limits");
        assert!(headroom > 0, "a test process is far from any wall");
        assert!(headroom < wall.threads, "{headroom} vs {wall}");
    }

    #[test]
    fn no_limits_no_wall() {
        assert_eq!(ThreadLimits::default().wall(), None);
    }
}
