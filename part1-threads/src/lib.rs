//! # Part 1 — one thread per connection
//!
//! The simplest way to serve many clients at once is to give each one its own OS thread. The
//! code stays straight-line: read, wait, compute, write, as if there were only one client. This
//! crate builds exactly that server, runs it under real load, and lets the dashboard show what
//! each connection really costs: a thread, two stacks (one the process maps, one the kernel
//! keeps), a context switch every time the thread waits — and, at some number of connections,
//! a limit of the operating system that stops it outright.
//!
//! - [`http`]: sans-IO HTTP/1.1 framing (bytes in, requests out), reused by every part.
//! - [`app`]: the app all parts serve (`GET /` → `hello`, after `io_ms` of waiting and
//!   `cpu_us` of computing).
//! - [`listen`]: the listening socket, opened the same way by every part.
//! - [`conn`]: one connection served start to finish by one blocking thread.
//! - [`server`]: the accept loop that gives each connection its thread.
//! - [`spawn`] and [`pool`]: starting threads without losing work when the OS says no, and the
//!   bounded pool behind `--max-threads`.
//!
//! The binary (`cargo run --release -p part1-threads`) is the live demo; see the README.

pub mod app;
pub mod conn;
pub mod http;
pub mod listen;
pub mod pool;
pub mod server;
pub mod spawn;

pub use listen::listen;
pub use server::{Server, ServerConfig};
