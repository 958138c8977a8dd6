//! Everywhere but Linux: memory through `sysinfo`, and nothing that only `/proc` can tell.
//!
//! `kernel_stack`, `threads`, `fds` and `top_threads` stay empty: macOS has no cheap,
//! unprivileged equivalent of `/proc/self/task`, and the dashboard simply leaves those rows
//! out.

use std::time::Duration;

use sysinfo::{MemoryRefreshKind, Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use crate::sample::ProcessSample;

pub(super) struct OsProbe {
    system: System,
    /// `None` only if the OS cannot tell sysinfo this process's id.
    pid: Option<Pid>,
}

impl OsProbe {
    pub(super) fn new() -> Self {
        OsProbe {
            system: System::new(),
            pid: sysinfo::get_current_pid().ok(),
        }
    }

    /// Fills in the memory figures.
    pub(super) fn fill(&mut self, sample: &mut ProcessSample, _elapsed: Duration) {
        self.system
            .refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        sample.mem_total = self.system.total_memory();
        let Some(pid) = self.pid else { return };
        // Only this process, only its memory, and not its threads ("tasks").
        self.system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[pid]),
            false,
            ProcessRefreshKind::nothing().with_memory().without_tasks(),
        );
        if let Some(process) = self.system.process(pid) {
            sample.rss = process.memory();
            sample.virtual_size = process.virtual_memory();
        }
    }
}
