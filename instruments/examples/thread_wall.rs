//! How much does a thread cost, and how many can this process have? Measured, on Linux.
//!
//! ```text
//! cargo run --release -p instruments --example thread_wall                # cost per thread
//! cargo run --release -p instruments --example thread_wall -- --until-fail [--max N]
//! ```
//!
//! Without flags it starts parked threads in two steps (100, then 900 more) and reports what
//! each thread added: memory mappings (lines of `/proc/self/maps`), virtual size, resident
//! memory and kernel stack. The second step's figures leave out one-off costs (glibc's
//! per-thread malloc arenas, for instance).
//!
//! With `--until-fail` it starts parked threads until `spawn` fails (or N, default 100 000,
//! are running), and reports how many it got, the error, and the same figures. That run
//! happens in a child copy of this program: at the wall, a new thread can fail *inside*
//! Rust's thread start-up (mapping its signal stack) rather than in `spawn`, and Rust then
//! aborts the whole process. The parent reports how far the child got either way. Every
//! thread is parked; the process's exit ends them.

#[cfg(target_os = "linux")]
fn main() -> std::process::ExitCode {
    wall::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("thread_wall reads /proc, so it runs on Linux only.");
}

#[cfg(target_os = "linux")]
mod wall {
    use std::fs;
    use std::io::{self, BufRead, BufReader, Read};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, ExitCode, Stdio};
    use std::sync::mpsc;
    use std::thread;

    use instruments::limits::{MAPS_PER_THREAD, ThreadLimits};

    /// The first step of the cost measurement; the second brings the total to
    /// `SECOND_STEP`.
    const FIRST_STEP: u64 = 100;
    const SECOND_STEP: u64 = 1_000;
    /// `--until-fail` stops here if spawning never fails, so the run always ends.
    const DEFAULT_MAX_THREADS: u64 = 100_000;
    /// How often the child prints a snapshot of its memory.
    const PROGRESS_EVERY: u64 = 2_000;
    /// The start of the child's line for each thread started: `started N`.
    const STARTED: &str = "started ";
    /// The hidden argument that makes this program the child of an `--until-fail` run.
    const CHILD_FLAG: &str = "--spawn-until-fail-child";

    pub(crate) fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] => measure_cost_per_thread(),
            ["--until-fail"] => run_child(DEFAULT_MAX_THREADS),
            ["--until-fail", "--max", max] => match max.parse() {
                Ok(max) => run_child(max),
                Err(_) => return usage(&format!("--max wants a number, not {max:?}")),
            },
            [CHILD_FLAG, max] => match max.parse() {
                Ok(max) => spawn_until_fail(max),
                Err(_) => return usage(&format!("{CHILD_FLAG} wants a number, not {max:?}")),
            },
            _ => return usage("unexpected arguments"),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("thread_wall: {error}");
                ExitCode::FAILURE
            }
        }
    }

    fn usage(message: &str) -> ExitCode {
        eprintln!("{message}");
        eprintln!("usage: thread_wall [--until-fail [--max N]]");
        ExitCode::from(2)
    }

    /// What `/proc` says about this process's memory at one moment.
    #[derive(Debug, Clone, Copy)]
    struct Snapshot {
        threads: u64,
        maps: u64,
        vm_size_kib: u64,
        vm_rss_kib: u64,
        /// Whole machine.
        kernel_stack_kib: u64,
    }

    impl Snapshot {
        fn now() -> io::Result<Self> {
            let status = fs::read_to_string("/proc/self/status")?;
            let meminfo = fs::read_to_string("/proc/meminfo")?;
            Ok(Snapshot {
                threads: field(&status, "Threads:")?,
                maps: count_lines("/proc/self/maps")?,
                vm_size_kib: field(&status, "VmSize:")?,
                vm_rss_kib: field(&status, "VmRSS:")?,
                kernel_stack_kib: field(&meminfo, "KernelStack:")?,
            })
        }

        fn print(&self, label: &str) {
            println!(
                "{label:>8}: {:>6} threads {:>7} maps  VmSize {:>9} KiB  VmRSS {:>8} KiB  \
                 KernelStack {:>8} KiB (machine)",
                self.threads, self.maps, self.vm_size_kib, self.vm_rss_kib, self.kernel_stack_kib
            );
        }

        /// What each thread started between `earlier` and `self` added, on average.
        fn print_per_thread(&self, earlier: &Snapshot, label: &str) {
            let threads = self.threads.saturating_sub(earlier.threads);
            if threads == 0 {
                return;
            }
            let per = |after: u64, before: u64| (after as f64 - before as f64) / threads as f64;
            println!(
                "{label}: per thread {:.2} maps, {:.0} KiB virtual, {:.1} KiB resident, \
                 {:.1} KiB kernel stack",
                per(self.maps, earlier.maps),
                per(self.vm_size_kib, earlier.vm_size_kib),
                per(self.vm_rss_kib, earlier.vm_rss_kib),
                per(self.kernel_stack_kib, earlier.kernel_stack_kib),
            );
        }
    }

    /// Lines of a file, read through a buffer on the stack: at the wall, with no memory
    /// mappings left, a large heap allocation (`/proc/self/maps` is megabytes long then)
    /// could fail.
    fn count_lines(path: &str) -> io::Result<u64> {
        let mut file = fs::File::open(path)?;
        let mut chunk = [0_u8; 16 * 1024];
        let mut lines = 0;
        loop {
            match file.read(&mut chunk) {
                Ok(0) => return Ok(lines),
                Ok(read) => {
                    lines += chunk[..read].iter().filter(|&&byte| byte == b'\n').count() as u64
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// The number after `key` in a `/proc` "Key:   value [kB]" file.
    fn field(text: &str, key: &str) -> io::Result<u64> {
        text.lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|number| number.parse().ok())
            .ok_or_else(|| io::Error::other(format!("no number for {key}")))
    }

    /// Why a parked thread could not be added.
    enum NotStarted {
        /// `spawn` returned an error (the thread was never created).
        Spawn(io::Error),
        /// The thread was created but ended before running its code.
        DiedAtStart,
    }

    /// Starts one thread that parks forever, and returns once it runs.
    fn start_parked_thread() -> Result<(), NotStarted> {
        let (started, has_started) = mpsc::channel();
        thread::Builder::new()
            .spawn(move || {
                // Main waits for this message (or for the sender to go, if the thread ends).
                let _ = started.send(());
                drop(started);
                loop {
                    thread::park();
                }
            })
            .map_err(NotStarted::Spawn)?;
        has_started.recv().map_err(|_| NotStarted::DiedAtStart)
    }

    fn start_parked_threads(count: u64) -> io::Result<()> {
        for _ in 0..count {
            match start_parked_thread() {
                Ok(()) => {}
                Err(NotStarted::Spawn(error)) => return Err(error),
                Err(NotStarted::DiedAtStart) => {
                    return Err(io::Error::other("a thread ended before it could run"));
                }
            }
        }
        Ok(())
    }

    fn measure_cost_per_thread() -> io::Result<()> {
        println!("limits read on this machine:");
        for note in ThreadLimits::read().notes() {
            println!("  {note}");
        }
        let start = Snapshot::now()?;
        start.print("start");
        start_parked_threads(FIRST_STEP)?;
        let first = Snapshot::now()?;
        first.print("+100");
        start_parked_threads(SECOND_STEP - FIRST_STEP)?;
        let second = Snapshot::now()?;
        second.print("+1000");
        first.print_per_thread(&start, "first 100 threads  ");
        second.print_per_thread(&first, "next 900 threads   ");
        println!(
            "limits.rs assumes {MAPS_PER_THREAD} maps per thread; RUST_MIN_STACK={}",
            std::env::var("RUST_MIN_STACK").unwrap_or_else(|_| "(unset: 2 MiB)".to_owned())
        );
        Ok(())
    }

    /// The parent side of `--until-fail`: runs the child, relays what it says, and explains
    /// how it ended. The child reports each thread it starts on its own line (`started N`),
    /// so the count is known even if the child is killed.
    fn run_child(max: u64) -> io::Result<()> {
        let limits = ThreadLimits::read();
        match limits.wall() {
            Some(wall) => println!("expected: {wall}"),
            None => println!("expected: no thread limit could be read"),
        }
        let mut child = Command::new(std::env::current_exe()?)
            .args([CHILD_FLAG, &max.to_string()])
            .stdout(Stdio::piped())
            .spawn()?;
        let output = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("the child's stdout is piped"))?;
        let mut started = 0;
        for line in BufReader::new(output).lines() {
            let line = line?;
            match line.strip_prefix(STARTED).map(str::parse) {
                Some(Ok(count)) => started = count,
                _ => println!("{line}"),
            }
        }
        let status = child.wait()?;
        match status.signal() {
            None => {}
            Some(libc::SIGABRT) => println!(
                "the child aborted (SIGABRT) after starting {started} threads: thread #{} was \
                 created, but Rust could not map its signal stack at start-up and aborts then. \
                 At this wall a Rust program may die rather than get an error from spawn.",
                started + 1
            ),
            Some(signal) => {
                println!("the child was killed by signal {signal} after starting {started} threads")
            }
        }
        Ok(())
    }

    /// The child side of `--until-fail`.
    fn spawn_until_fail(max: u64) -> io::Result<()> {
        let before = Snapshot::now()?;
        before.print("before");
        let mut started = 0;
        let outcome = loop {
            if started == max {
                break None;
            }
            match start_parked_thread() {
                Ok(()) => started += 1,
                Err(why) => break Some(why),
            }
            println!("{STARTED}{started}");
            if started % PROGRESS_EVERY == 0 {
                Snapshot::now()?.print("running");
            }
        };
        match outcome {
            None => println!("started {started} threads; stopped there (--max)"),
            Some(NotStarted::Spawn(error)) => println!(
                "started {started} threads; spawn #{} failed: kind {:?}, raw OS error {:?} ({error})",
                started + 1,
                error.kind(),
                error.raw_os_error(),
            ),
            Some(NotStarted::DiedAtStart) => println!(
                "started {started} threads; thread #{} was created but ended before running",
                started + 1
            ),
        }
        let after = Snapshot::now()?;
        after.print("after");
        after.print_per_thread(&before, "all of them");
        Ok(())
    }
}
