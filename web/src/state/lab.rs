//! Catalogs overlaid with the user's edits, through the core (`Catalog::with_edits`), each in a
//! `Library` of its own so that links to an edited run are made and opened like any other. A
//! session keeps a `&'static Catalog`, so an overlay lives for the rest of the visit: each set of
//! edits that is run is built once (some hundred kilobytes), and opening it again reuses it.

use std::cell::RefCell;

use racelab_core::lab::{Archive, Catalog, Library};

use crate::catalog::{catalog, library};

/// A set of edits, (path, text) per file, and the library built from it.
type Overlay = (Vec<(String, String)>, &'static Library);

thread_local! {
    static OVERLAYS: RefCell<Vec<Overlay>> = const { RefCell::new(Vec::new()) };
}

/// The built-in library with `edits` applied to its current catalog; the built-in one itself
/// when there are none.
pub fn library_with_edits(edits: &[(String, String)]) -> &'static Library {
    if edits.is_empty() {
        return library();
    }
    OVERLAYS.with(|o| {
        let mut o = o.borrow_mut();
        if let Some((_, l)) = o.iter().find(|(e, _)| e.as_slice() == edits) {
            return *l;
        }
        let l: &'static Library = Box::leak(Box::new(Library::new(catalog().with_edits(edits), Archive::builtin())));
        o.push((edits.to_vec(), l));
        l
    })
}

/// The built-in catalog with `edits` applied; the built-in one itself when there are none.
pub fn with_edits(edits: &[(String, String)]) -> &'static Catalog {
    library_with_edits(edits).current()
}
