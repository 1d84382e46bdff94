//! Files in and out of the editor: a `.race` or `.litmus` file read from disk (the file picker
//! or a drop), and the edited file offered as a download.

use wasm_bindgen_futures::JsFuture;

use racelab_core::lab;

use crate::state::drafts::Draft;

/// The text of a file the user gave.
pub async fn read(file: &web_sys::File) -> Result<String, String> {
    let text = JsFuture::from(file.text()).await.map_err(|_| format!("{} could not be read", file.name()))?;
    text.as_string().ok_or_else(|| format!("{} is not text", file.name()))
}

/// The last part of a path, with only the characters a traces file name uses.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let s: String = base.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.+".contains(c) { c } else { '_' }).collect();
    if s.is_empty() || s.starts_with('.') {
        format!("file{s}")
    } else {
        s
    }
}

/// A draft from a file the user opened: a `.litmus` test imported through the core, or a
/// scenario source as it is (a catalog file's name edits that file).
pub fn draft_from_file(name: &str, text: &str) -> Result<Draft, String> {
    let name = clean_name(name);
    if let Some(stem) = name.strip_suffix(".litmus") {
        let src = lab::litmus_to_scenario(&name, text).map_err(|d| d.to_string())?;
        return Ok(Draft::new_file(&format!("{stem}.race"), src));
    }
    let name = if name.ends_with(".race") { name } else { format!("{name}.race") };
    Ok(Draft::new_file(&name, text.to_string()))
}

/// Offers `text` as a file called `name` (its last part, in plain characters).
pub fn download(name: &str, text: &str) -> Result<(), String> {
    crate::ui::download::text(&clean_name(name), text, "text/plain;charset=utf-8")
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn a_file_name_keeps_only_its_last_part_and_plain_characters() {
        assert_eq!(clean_name("race1a-uffd-unprotect.race"), "race1a-uffd-unprotect.race");
        assert_eq!(clean_name("C:\\tmp\\my test.race"), "my_test.race");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name(".race"), "file.race");
        assert_eq!(clean_name(""), "file");
    }

    #[wasm_bindgen_test]
    fn a_litmus_file_is_imported_and_a_bad_one_says_where() {
        let sb = "C SB\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n\tWRITE_ONCE(*x, 1);\n\tr0 = READ_ONCE(*y);\n}\n\nP1(int *y, int *x)\n{\n\tint r0;\n\tWRITE_ONCE(*y, 1);\n\tr0 = READ_ONCE(*x);\n}\n\nexists (0:r0=0 /\\ 1:r0=0)\n";
        let d = draft_from_file("SB.litmus", sb).unwrap();
        assert_eq!(d.main, "SB.race");
        assert!(d.text("SB.race").unwrap().contains("scenario "));
        let err = draft_from_file("bad.litmus", "C bad\n{}\nP0(int *x) { frobnicate(x); }\nexists (x=1)\n").unwrap_err();
        assert!(err.starts_with("bad.litmus:"), "{err}");
    }

    #[wasm_bindgen_test]
    fn a_race_file_is_taken_as_it_is() {
        let d = draft_from_file("notes", "racelab 1\n").unwrap();
        assert_eq!((d.main.as_str(), d.text("notes.race")), ("notes.race", Some("racelab 1\n")));
    }
}
