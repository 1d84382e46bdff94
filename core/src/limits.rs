//! Caps shared by several layers. The bottom of the crate: it uses nothing.

/// Longer schedules are certainly a mistake (or an attack on the page).
pub const MAX_STEPS: usize = 100_000;
