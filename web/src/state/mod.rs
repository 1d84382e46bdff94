//! Data and background work, apart from the views: the run the player shows and its frames
//! ([`session`]), the explorer run in slices of the browser's event loop ([`explorer`]), and the
//! explorer's verdicts over the whole catalog, computed in the background ([`verdicts`]).
//! Nothing here renders; the pages read it.

pub mod explorer;
pub mod session;
pub mod verdicts;
