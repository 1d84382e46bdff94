//! racelab's simulator core: Linux mm races of 2020–21 as data, compiled to a small machine,
//! replayed step by step. See ARCHITECTURE.md for the map; this crate does no IO and knows
//! nothing of browsers or terminals.

pub mod catalog;
pub mod exec;
pub mod explore;
pub mod invariants;
pub mod lab;
pub mod permalink;
pub mod program;
pub mod relaxed;
pub mod replay;
pub mod scenario;
pub mod schedule;
pub mod state;
pub mod syntax;
pub mod view;

pub use catalog::Catalog;
pub use program::Program;
pub use replay::{replay, replay_nearest, Run};
pub use scenario::{Invariant, MemoryModel, Outcome, Scenario};
