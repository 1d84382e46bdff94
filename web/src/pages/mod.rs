//! The app's pages. Each is opened by the shell (`app.rs`) from a route; a page uses `state`
//! and `ui`, never another page.

pub mod editor;
pub mod error;
pub mod gallery;
pub mod player;
