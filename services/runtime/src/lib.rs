//! What every pollcast process is built from: the [`Context`] (settings, store, Redis, server
//! secret) and the [`Application`] that serves a set of [`Service`]s on one listener and runs
//! their background tasks until stopped.

mod application;
pub mod audit;
pub mod console_setup;
pub mod context;
pub mod lifecycle;
pub mod low_priority;
mod poll_cache;
mod secret;
mod standalone;
pub mod terms;

pub use application::{Application, RunningApp, Service, mount};
pub use context::{Context, StartError};
pub use poll_cache::PollCache;
pub use secret::{ServerSecret, hex, unhex};
pub mod webhook_secret;
pub use standalone::{runtime, service_main};
