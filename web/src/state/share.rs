//! Sharing a run. A built-in scenario's link is its permalink (format 1). An edited scenario's
//! link must carry its sources (the permalink format 2, which the core does not have yet): until
//! then [`share_link`] says so, and the page offers the `.race` file instead. This is the one
//! place to wire format 2 in.

use crate::state::session::Session;

/// What sharing a view gives: a link (its fragment, after `#`), or why there is none.
pub fn share_link(session: &Session, step: usize) -> Result<String, String> {
    if session.is_edited() {
        Err("a link to an edited scenario needs the permalink format 2, which this version does not have yet: download the .race file to share it".to_string())
    } else {
        Ok(session.fragment(step))
    }
}
