//! The load generator.
//!
//! SKELETON — to be implemented (helper task "load").

mod report;

pub use report::{ClientErrors, ConnectionMode, LoadCommand, LoadReport, Pacing, Percentiles};
