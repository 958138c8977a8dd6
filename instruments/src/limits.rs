//! The operating system's limits that a thread-per-connection server runs into.
//!
//! SKELETON — to be implemented (helper task "probe").

/// The process's file-descriptor limit (`RLIMIT_NOFILE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimit {
    pub soft: u64,
    pub hard: u64,
}

/// Raises the soft file-descriptor limit to the hard limit and returns the limit now in force.
pub fn raise_fd_limit() -> std::io::Result<FdLimit> {
    todo!()
}

/// The limits on how many threads this process can have, as far as they can be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadLimits {}

/// The number of threads at which spawning is expected to fail, and the limit that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadWall {
    pub threads: u64,
    /// e.g. "vm.max_map_count = 65530 (about 4 maps per thread)".
    pub because: String,
}

impl ThreadLimits {
    pub fn read() -> Self {
        todo!()
    }

    pub fn wall(&self) -> Option<ThreadWall> {
        todo!()
    }
}
