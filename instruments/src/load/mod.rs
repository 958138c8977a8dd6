//! The load generator.
//!
//! SKELETON — to be implemented (helper task "load").

mod report;

pub use report::{ClientErrors, ConnectionMode, LoadCommand, LoadReport, Pacing, Percentiles};

// TEMPORARY SHIMS (lead) — replaced by the load helper's implementation at merge.
pub const CHILD_SUBCOMMAND: &str = "__load";
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    #[arg(long)]
    pub addr: std::net::SocketAddr,
}
impl LoadArgs {
    pub fn config(&self) -> LoadConfig {
        todo!()
    }
}
#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub addr: std::net::SocketAddr,
    pub connections: u64,
    pub pacing: Pacing,
    pub mode: ConnectionMode,
    pub tick: std::time::Duration,
}
impl LoadConfig {
    pub fn new(_addr: std::net::SocketAddr) -> Self {
        todo!()
    }
}
pub fn run_child(_c: LoadConfig) -> anyhow::Result<()> {
    todo!()
}
pub fn run_standalone(_a: &LoadArgs) -> anyhow::Result<()> {
    todo!()
}
pub struct LoadProcess;
impl LoadProcess {
    pub fn spawn(
        _exe: &std::path::Path,
        _prefix: &[&str],
        _c: &LoadConfig,
    ) -> std::io::Result<Self> {
        todo!()
    }
    pub fn send(&mut self, _c: &LoadCommand) -> std::io::Result<()> {
        todo!()
    }
    pub fn latest(&self) -> Option<LoadReport> {
        todo!()
    }
    pub fn shutdown(self) {}
}
