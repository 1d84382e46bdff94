//! racelab's simulator core: Linux mm races of 2020–21 as data, compiled to a small machine,
//! replayed step by step. See ARCHITECTURE.md for the map; this crate does no IO and knows
//! nothing of browsers or terminals.

pub mod applies;
pub mod archive;
pub mod bundle;
pub mod catalog;
pub mod clash;
pub mod compile;
pub mod describe;
pub mod exec;
pub mod explore;
pub mod export;
#[cfg(test)]
mod fixture;
pub mod invariants;
pub mod ir;
pub mod lab;
pub mod layout;
pub mod library;
pub mod limits;
pub mod litmus;
pub mod pack;
pub mod patch;
pub mod permalink;
pub mod primitives;
pub mod relaxed;
pub mod replay;
pub mod rng;
pub mod scenario;
pub mod schedule;
pub mod state;
pub mod step;
pub mod syntax;
pub mod verdicts;
pub mod view;

pub use catalog::Catalog;
pub use ir::Program;
pub use layout::{Invariant, MemoryModel};
pub use replay::{replay, replay_nearest, Run};
pub use scenario::{Outcome, Scenario};
