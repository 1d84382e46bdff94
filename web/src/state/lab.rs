//! Catalogs overlaid with the user's edits, through the core (`Catalog::with_edits`). A session
//! keeps a `&'static Catalog`, so an overlay lives for the rest of the visit: each set of edits
//! that is run is built once (some hundred kilobytes), and opening it again reuses it.

use std::cell::RefCell;

use racelab_core::lab::Catalog;

use crate::catalog::catalog;

thread_local! {
    static OVERLAYS: RefCell<Vec<(Vec<(String, String)>, &'static Catalog)>> = const { RefCell::new(Vec::new()) };
}

/// The built-in catalog with `edits` applied; the built-in one itself when there are none.
pub fn with_edits(edits: &[(String, String)]) -> &'static Catalog {
    if edits.is_empty() {
        return catalog();
    }
    OVERLAYS.with(|o| {
        let mut o = o.borrow_mut();
        if let Some((_, c)) = o.iter().find(|(e, _)| e.as_slice() == edits) {
            return *c;
        }
        let c: &'static Catalog = Box::leak(Box::new(catalog().with_edits(edits)));
        o.push((edits.to_vec(), c));
        c
    })
}
