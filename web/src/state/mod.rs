//! Data and background work, apart from the views: the run the player shows and its frames
//! ([`session`]), the explorer run in slices of the browser's event loop ([`explorer`]), and the
//! explorer's verdicts over the whole catalog, computed in the background ([`verdicts`]), what
//! each canonical trace does under each policy ([`outcomes`]), and what the gallery lists and
//! where its links go ([`listing`]). Nothing here renders; the pages read it.

pub mod explorer;
pub mod listing;
pub mod outcomes;
pub mod session;
pub mod verdicts;
