//! Sharing a view: the link "copy link" gives. The core writes it (`Library::share`): version 2,
//! pinned, with the files in the link (`src=`) when the archive cannot find them, as for an
//! edited run, so that the link opens anywhere. A link longer than a mail carries whole is not
//! offered: the page offers the edited files instead.

use racelab_core::lab::Permalink;

use crate::catalog::library;

/// The longest link the page offers to copy, in bytes of its fragment: what mail clients and
/// chat tools pass on unbroken. A longer one is shared as files.
pub const MAX_SHARED_LINK: usize = 8 * 1024;

/// What sharing a view gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shared {
    /// The fragment (after `#`) of a link that opens the view anywhere.
    Link(String),
    /// The link would have this many bytes: too long to pass around; share the files.
    TooLong(usize),
}

/// The link of `link` (a view's permalink) to pass on, or why there is none.
pub fn share(link: &Permalink) -> Result<Shared, String> {
    match library().share(link) {
        Ok(f) if f.len() > MAX_SHARED_LINK => Ok(Shared::TooLong(f.len())),
        Ok(f) => Ok(Shared::Link(f)),
        // Past the core's own cap: the core says so, and the files are the way.
        Err(_) => Ok(Shared::TooLong(link.to_fragment().len())),
    }
}

/// The whole URL of a fragment on the page at `origin` and `path` (`location.origin`,
/// `location.pathname`): what a person pastes into a mail.
pub fn full_url(origin: &str, path: &str, fragment: &str) -> String {
    format!("{origin}{path}#{}", fragment.trim_start_matches('#'))
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::state::session::Session;

    #[wasm_bindgen_test]
    fn a_full_url_is_origin_path_and_fragment() {
        assert_eq!(full_url("https://example.org", "/racelab/", "v=2&s=race1a"), "https://example.org/racelab/#v=2&s=race1a");
        assert_eq!(full_url("http://127.0.0.1:8080", "/", "#v=2&s=x"), "http://127.0.0.1:8080/#v=2&s=x");
    }

    #[wasm_bindgen_test]
    fn a_built_in_run_is_shared_as_its_link() {
        let (s, _) = Session::from_link("v=1&s=race1a&p=v5_10&tr=lost_write&i=25").expect("opens");
        let link = s.permalink(25);
        assert_eq!(share(&link), Ok(Shared::Link(link.to_fragment())));
        assert!(!link.to_fragment().contains("src="));
    }

    #[wasm_bindgen_test]
    fn an_edited_run_is_shared_with_its_files_and_opens_without_the_draft() {
        let file = "kernel/memory.race".to_string();
        let text = crate::catalog::catalog().source(&file).expect("the catalog has memory.race");
        let edited = format!("{text}\n# an edit\n");
        let s = Session::from_file_with_edits("race1a-uffd-unprotect.race", vec![(file, edited)]).expect("the edit loads");
        let Ok(Shared::Link(f)) = share(&s.permalink(5)) else { panic!("a one-line edit makes a short link") };
        assert!(f.contains("&src="), "{f}");
        let (again, step) = Session::from_link(&f).expect("the shared link opens on the built-in catalog");
        assert_eq!(step, 5);
        assert_eq!(again.opened.run.schedule, s.opened.run.schedule);
    }
}
