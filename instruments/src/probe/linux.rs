//! Linux: memory, kernel stacks, threads and file descriptors, read straight from `/proc`.
//!
//! Each number is one small text file the kernel writes on demand:
//!
//! | number            | file                                 | unit                      |
//! |-------------------|--------------------------------------|---------------------------|
//! | `mem_total`       | `/proc/meminfo`, `MemTotal`          | KiB                       |
//! | `kernel_stack`    | `/proc/meminfo`, `KernelStack`       | KiB, whole machine        |
//! | `virtual_size`    | `/proc/self/statm`, field 1          | pages                     |
//! | `rss`             | `/proc/self/statm`, field 2          | pages                     |
//! | `fds`             | `/proc/self/fd`                      | one entry per open fd     |
//! | `threads`, rows   | `/proc/self/task`, thread CPU clocks | see `thread_table.rs`     |
//!
//! Reading one costs a few microseconds; one buffer is reused for all of them.

use std::fs::{self, File};
use std::io::{self, Read};
use std::time::Duration;

use super::thread_table::ThreadTable;
use crate::sample::ProcessSample;

/// Bytes in the units `/proc/meminfo` counts in ("kB" there means KiB).
const KIB: u64 = 1024;

/// Large enough for `/proc/meminfo` (about 1.5 KiB) in one read; it grows if ever needed.
const INITIAL_BUFFER: usize = 4096;

/// The Linux half of the probe: everything that comes from `/proc`.
pub(super) struct OsProbe {
    page_size: u64,
    /// One buffer for every file read, so sampling allocates almost nothing.
    buffer: Vec<u8>,
    threads: ThreadTable,
}

impl OsProbe {
    pub(super) fn new() -> Self {
        let mut buffer = vec![0; INITIAL_BUFFER];
        let threads = ThreadTable::new(&mut buffer);
        OsProbe {
            page_size: sysconf_or(libc::_SC_PAGESIZE, FALLBACK_PAGE_SIZE),
            buffer,
            threads,
        }
    }

    /// Fills in memory, kernel stack, fd and thread figures. `elapsed` is the time since the
    /// previous call (or since [`OsProbe::new`]), over which per-thread CPU is measured.
    pub(super) fn fill(&mut self, sample: &mut ProcessSample, elapsed: Duration) {
        if let Ok(meminfo) = read_file("/proc/meminfo", &mut self.buffer) {
            sample.mem_total = labelled_number(meminfo, "MemTotal:").map_or(0, |kib| kib * KIB);
            sample.kernel_stack = labelled_number(meminfo, "KernelStack:").map(|kib| kib * KIB);
        }
        if let Ok(statm) = read_file("/proc/self/statm", &mut self.buffer) {
            let mut pages = statm
                .split(u8::is_ascii_whitespace)
                .map(|field| parse_u64(field).unwrap_or(0) * self.page_size);
            sample.virtual_size = pages.next().unwrap_or(0);
            sample.rss = pages.next().unwrap_or(0);
        }
        sample.fds = count_open_fds();

        let mem_percent = if sample.mem_total > 0 {
            (sample.rss as f64 / sample.mem_total as f64 * 100.0) as f32
        } else {
            0.0
        };
        let scan = self.threads.scan(elapsed, mem_percent, &mut self.buffer);
        sample.threads = scan.threads;
        sample.top_threads = scan.top;
    }
}

/// What `getpagesize()` returns on x86-64 and most arm64 kernels; only used if `sysconf`
/// fails, which it does not for this name.
pub(super) const FALLBACK_PAGE_SIZE: u64 = 4096;

/// A `sysconf` value, or `fallback` if the system does not know `name`.
pub(super) fn sysconf_or(name: libc::c_int, fallback: u64) -> u64 {
    // SAFETY: sysconf only reads a configuration value; any name is allowed (unknown ones
    // return -1).
    let value = unsafe { libc::sysconf(name) };
    u64::try_from(value)
        .ok()
        .filter(|&v| v > 0)
        .unwrap_or(fallback)
}

/// Reads a whole (small) file into `buffer` and returns the bytes read.
///
/// Unlike `fs::read`, it reuses the buffer and does not ask the file for its size first
/// (`/proc` files all say 0), which saves two system calls per file.
pub(super) fn read_file<'b>(path: &str, buffer: &'b mut Vec<u8>) -> io::Result<&'b [u8]> {
    let mut file = File::open(path)?;
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            buffer.resize((buffer.len() * 2).max(INITIAL_BUFFER), 0);
        }
        match file.read(&mut buffer[filled..]) {
            Ok(0) => return Ok(&buffer[..filled]),
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

/// An unsigned decimal number, e.g. a field of a `/proc` file.
pub(super) fn parse_u64(digits: &[u8]) -> Option<u64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The number in a `Key:   value` line, as `/proc/meminfo` (`KernelStack:   12345 kB`) and
/// `/proc/<pid>/status` (`voluntary_ctxt_switches:\t42`) write them; `key` includes the colon.
pub(super) fn labelled_number(text: &[u8], key: &str) -> Option<u64> {
    let line = text
        .split(|&byte| byte == b'\n')
        .find(|line| line.starts_with(key.as_bytes()))?;
    let value = line[key.len()..]
        .split(u8::is_ascii_whitespace)
        .find(|field| !field.is_empty())?;
    parse_u64(value)
}

/// Field number 3 of a `stat` line, the
/// first after the name, counted from 1 as in `man 5 proc`.
const FIELD_STATE: usize = 3;

/// A `stat` line (`/proc/<pid>/stat`, `/proc/<pid>/task/<tid>/stat`) split after its name.
pub(super) struct StatLine<'a> {
    /// Field 2: everything between the first `(` and the **last** `)`, since a thread may
    /// call itself `a) (b`.
    pub(super) name: &'a [u8],
    after_name: &'a [u8],
}

impl<'a> StatLine<'a> {
    /// `None` if the line has no name in parentheses.
    pub(super) fn split(line: &'a [u8]) -> Option<Self> {
        let open = line.iter().position(|&byte| byte == b'(')?;
        let close = line.iter().rposition(|&byte| byte == b')')?;
        Some(StatLine {
            name: line.get(open + 1..close)?,
            after_name: &line[close + 1..],
        })
    }

    /// The fields after the name with their numbers, from [`FIELD_STATE`] on.
    pub(super) fn fields(&self) -> impl Iterator<Item = (usize, &'a [u8])> {
        let fields = self
            .after_name
            .split(u8::is_ascii_whitespace)
            .filter(|field| !field.is_empty());
        (FIELD_STATE..).zip(fields)
    }
}

/// Open file descriptors of this process.
///
/// Since Linux 6.2 the size `stat` reports for `/proc/self/fd` is the number of open
/// descriptors, which costs one system call. Older kernels say 0; then the entries are
/// counted, less the one the listing itself holds open.
fn count_open_fds() -> Option<u64> {
    let reported = fs::metadata("/proc/self/fd").ok()?.len();
    if reported > 0 {
        return Some(reported);
    }
    count_fds_by_listing()
}

fn count_fds_by_listing() -> Option<u64> {
    let listed = fs::read_dir("/proc/self/fd").ok()?.count();
    Some(u64::try_from(listed).ok()?.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_labelled_numbers() {
        let meminfo = b"MemTotal:       24684084 kB\nMemFree:  1 kB\nKernelStack:        1356 kB\n";
        assert_eq!(labelled_number(meminfo, "MemTotal:"), Some(24_684_084));
        assert_eq!(labelled_number(meminfo, "KernelStack:"), Some(1356));
        assert_eq!(labelled_number(meminfo, "Shmem:"), None);
        let status = b"Name:\tx\nvoluntary_ctxt_switches:\t42\nnonvoluntary_ctxt_switches:\t7\n";
        assert_eq!(
            labelled_number(status, "voluntary_ctxt_switches:"),
            Some(42)
        );
        assert_eq!(
            labelled_number(status, "nonvoluntary_ctxt_switches:"),
            Some(7)
        );
    }

    #[test]
    fn both_ways_of_counting_fds_agree() {
        // Other tests may open or close files meanwhile; compare a few times.
        let agreed = (0..20).any(|_| {
            let by_stat = fs::metadata("/proc/self/fd").map(|m| m.len()).unwrap_or(0);
            by_stat == 0 || Some(by_stat) == count_fds_by_listing()
        });
        assert!(agreed);
    }

    #[test]
    fn read_file_grows_the_buffer_when_needed() {
        let mut buffer = vec![0; 8];
        let meminfo = read_file("/proc/meminfo", &mut buffer).expect("/proc/meminfo exists");
        assert!(meminfo.len() > 8);
        assert!(meminfo.starts_with(b"MemTotal:"));
    }
}
