//! Pieces the pages share: nothing here knows which page it is on.

pub mod chart;
pub mod code;
pub mod download;
pub mod labels;
