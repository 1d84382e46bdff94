//! Data and background work, apart from the views: the run the player shows and its frames
//! ([`session`]), the explorer run in slices of the browser's event loop ([`explorer`]), and the
//! explorer's verdicts over the whole catalog, computed in the background ([`verdicts`]), what
//! each canonical trace does under each policy ([`outcomes`]), and what the gallery lists and
//! where its links go ([`listing`]); the user's draft ([`drafts`]), catalogs
//! overlaid with its edits ([`lab`]), what a shared link carries ([`share`]) and the explorer in
//! a Web Worker ([`worker`]). Nothing here renders; the pages read it.

pub mod drafts;
pub mod explorer;
pub mod lab;
pub mod listing;
pub mod outcomes;
pub mod session;
pub mod share;
pub mod verdicts;
pub mod worker;
