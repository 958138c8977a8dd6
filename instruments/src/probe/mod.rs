//! The probe: what the operating system says about the server process.
//!
//! SKELETON — to be implemented (helper task "probe").

use crate::sample::ProcessSample;

/// How many rows the "Top threads" table keeps per sample.
pub const TOP_THREADS: usize = 16;

/// Samples this process. Keep one and call [`Probe::sample`] once per tick: rates (CPU %,
/// context switches per second) are computed against the previous call.
pub struct Probe {}

impl Probe {
    pub fn new() -> Self {
        todo!()
    }

    pub fn sample(&mut self) -> ProcessSample {
        todo!()
    }
}

impl Default for Probe {
    fn default() -> Self {
        Self::new()
    }
}
