//! Caps shared by several layers. The bottom of the crate: it uses nothing.

/// Longer schedules are certainly a mistake (or an attack on the page).
pub const MAX_STEPS: usize = 100_000;

/// The deepest bug PCT is asked to look for: `depth - 1` priority changes per run. A bug of
/// depth 1,000 would be found with a probability too small to matter, and each run keeps its
/// change points, so the sampler caps a larger depth at this.
pub const MAX_PCT_DEPTH: u32 = 1_000;
