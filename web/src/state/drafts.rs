//! The draft: the files the user is editing, kept in the browser's `localStorage` on every
//! change, so that a reload or a crash loses nothing. There is one draft at a time; starting
//! another edit while it holds changes asks first (the editor page does).

use serde::{Deserialize, Serialize};

use crate::catalog::catalog;

const KEY: &str = "racelab:draft";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The file that declares the scenario (a path relative to the traces root, such as
    /// `race1a-uffd-unprotect.race`, or a new one such as `mine.race`).
    pub main: String,
    /// Every open file, in tab order, with its text.
    pub files: Vec<(String, String)>,
    /// The user has typed into it since it was opened: replacing it asks first.
    #[serde(default)]
    pub changed: bool,
}

impl Draft {
    /// A draft of a catalog file and the files it uses, as the catalog has them.
    pub fn of_catalog_file(main: &str) -> Draft {
        let files = racelab_core::lab::sources_of(catalog(), main)
            .into_iter()
            .filter_map(|n| catalog().source(&n).map(|t| (n, t.to_string())))
            .collect();
        Draft { main: main.to_string(), files, changed: false }
    }

    /// A draft of one new file (and the files it uses, as the catalog has them).
    pub fn new_file(main: &str, text: String) -> Draft {
        let mut d = Draft { main: main.to_string(), files: vec![(main.to_string(), text)], changed: false };
        d.add_used_files();
        d
    }

    /// Adds a tab, with the catalog's text, for each file the main file reaches by `use` that
    /// is not open yet. True if one was added.
    pub fn add_used_files(&mut self) -> bool {
        let overlay = catalog().with_edits(&self.edits());
        let mut added = false;
        for name in racelab_core::lab::sources_of(&overlay, &self.main) {
            if self.text(&name).is_none() {
                if let Some(t) = catalog().source(&name) {
                    self.files.push((name, t.to_string()));
                    added = true;
                }
            }
        }
        added
    }

    /// The files whose text differs from the catalog's (or that the catalog does not have).
    pub fn edits(&self) -> Vec<(String, String)> {
        self.files.iter().filter(|(n, t)| catalog().source(n) != Some(t.as_str())).cloned().collect()
    }

    /// Whether anything differs from the catalog.
    pub fn is_edited(&self) -> bool {
        !self.edits().is_empty()
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str())
    }

    pub fn set_text(&mut self, name: &str, text: String) {
        match self.files.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = text,
            None => self.files.push((name.to_string(), text)),
        }
    }

    /// The draft saved in this browser, if there is one that reads.
    pub fn load() -> Option<Draft> {
        let text = storage()?.get_item(KEY).ok()??;
        serde_json::from_str(&text).ok()
    }

    /// Saves the draft; false when the browser refuses (storage full or disabled).
    pub fn save(&self) -> bool {
        let Some(s) = storage() else { return false };
        let Ok(text) = serde_json::to_string(self) else { return false };
        s.set_item(KEY, &text).is_ok()
    }

    pub fn clear() {
        if let Some(s) = storage() {
            let _ = s.remove_item(KEY);
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    const RACE1A: &str = "race1a-uffd-unprotect.race";

    #[wasm_bindgen_test]
    fn a_catalog_draft_holds_its_files_and_no_edit() {
        let d = Draft::of_catalog_file(RACE1A);
        assert_eq!(d.files[0].0, RACE1A);
        assert!(d.text("kernel/memory.race").is_some());
        assert!(d.edits().is_empty() && !d.is_edited() && !d.changed);
    }

    #[wasm_bindgen_test]
    fn only_what_differs_from_the_catalog_is_an_edit() {
        let mut d = Draft::of_catalog_file(RACE1A);
        let text = d.text("kernel/memory.race").unwrap().replace("flush_tlb_page(va)", "# gone");
        d.set_text("kernel/memory.race", text.clone());
        assert_eq!(d.edits(), vec![("kernel/memory.race".to_string(), text)]);
    }

    #[wasm_bindgen_test]
    fn a_use_line_added_opens_its_file() {
        let mut d = Draft::new_file("mine.race", "racelab 1\n".to_string());
        assert_eq!(d.files.len(), 1);
        d.set_text("mine.race", "racelab 1\nuse \"kernel/gup.race\"\n".to_string());
        assert!(d.add_used_files());
        assert!(d.text("kernel/gup.race").is_some(), "{:?}", d.files.iter().map(|f| &f.0).collect::<Vec<_>>());
    }

    #[wasm_bindgen_test]
    fn a_draft_saved_before_the_changed_flag_still_reads() {
        let d: Draft = serde_json::from_str(r#"{"main":"a.race","files":[["a.race","racelab 1\n"]]}"#).unwrap();
        assert!(!d.changed);
    }
}
