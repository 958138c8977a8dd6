//! The limits as this machine sets them.

use instruments::limits::{ThreadLimits, raise_fd_limit};

#[test]
fn raising_the_fd_limit_reaches_the_hard_limit() {
    let limit = raise_fd_limit().expect("raising the soft limit up to the hard one is allowed");
    assert!(limit.soft <= limit.hard, "{limit:?}");
    // macOS caps the soft limit at OPEN_MAX (10 240), see `raise_fd_limit`.
    #[cfg(target_os = "macos")]
    assert_eq!(limit.soft, limit.hard.min(10_240), "{limit:?}");
    #[cfg(not(target_os = "macos"))]
    assert_eq!(limit.soft, limit.hard, "{limit:?}");
    assert_eq!(
        raise_fd_limit().expect("raising again"),
        limit,
        "raising is idempotent"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_wall_is_below_every_limit_read() {
    let limits = ThreadLimits::read();
    let wall = limits.wall().expect("Linux exposes its thread limits");
    let applicable = [
        limits.max_map_count,
        limits.threads_max,
        limits.pid_max,
        limits.cgroup_pids_max,
        limits.nproc.filter(|_| limits.nproc_enforced),
    ];
    assert!(
        limits.max_map_count.is_some() && limits.pid_max.is_some(),
        "{limits:?}"
    );
    for limit in applicable.into_iter().flatten() {
        assert!(wall.threads <= limit, "{wall} but {limits:?}");
    }
    assert!(wall.threads > 0);
    assert!(!wall.because.is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn nproc_is_not_enforced_for_root() {
    let limits = ThreadLimits::read();
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        assert!(!limits.nproc_enforced, "{limits:?}");
    } else {
        assert_eq!(limits.nproc_enforced, limits.nproc.is_some(), "{limits:?}");
    }
}

#[test]
fn notes_name_the_wall() {
    let limits = ThreadLimits::read();
    let notes = limits.notes();
    match limits.wall() {
        Some(wall) => assert_eq!(notes[0], wall.to_string()),
        None => assert!(!notes.is_empty()),
    }
}
