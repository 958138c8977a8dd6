//! What part 3's server tests share: starting a server, and the shared test client.
//!
//! (Declared `pub mod common` by each test file, so that a file that uses only part of it is
//! not warned about the rest.)

pub use instruments::testing::{Client, PATIENCE, contract, eventually, threads_named};
use part3_wakers::server::{Server, ServerConfig};

pub fn start(config: ServerConfig) -> Server {
    Server::bind("127.0.0.1:0".parse().expect("valid address"), config).expect("bind")
}
