//! The files a link carries (`src=`): a scenario that is not the catalog's, or an edit of one of
//! its files, with every file it uses, so the link opens anywhere exactly as it was made.
//!
//! The text, before it is deflated and base64url-encoded, is line-oriented:
//!
//! ```text
//! racelab source 1
//! = kernel/memory.race 3f2a…       a version racelab knows by its hash (the catalog or the archive)
//! ~ race1a.race 9c0d… 51b7… 42     an edit script (crate::patch) of known version 51b7…, 42 bytes
//! =12 …
//! + mine.race 77e1… 2051           a whole file, 2051 bytes
//! racelab 1 …
//! ```
//!
//! The first entry is the scenario's own file. Every entry names the hash of the text it stands
//! for, which the library checks once it has rebuilt the file. Sizes are capped before anything
//! is inflated (the link's length) and while it inflates ([`MAX_SOURCE_BYTES`]).

use crate::pack::{self, InflateError};

/// The most bytes a link's files may take once inflated.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;
/// The most files a link may carry or name.
pub const MAX_SOURCE_FILES: usize = 64;

const HEADER: &str = "racelab source 1";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A version known by its hash.
    Known,
    Whole(String),
    /// An edit script against the known version `base`.
    Edit {
        base: String,
        script: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Relative to the traces root.
    pub path: String,
    /// [`pack::file_hash`] of the file's text.
    pub hash: String,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The scenario's file first.
    pub entries: Vec<Entry>,
}

/// A path as a link may name it: relative, `/`-separated, no `..`, a `.race` file.
pub fn valid_path(p: &str) -> bool {
    p.len() <= 200
        && p.ends_with(".race")
        && !p.starts_with('/')
        && p.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '+'))
}

fn valid_hash(h: &str) -> bool {
    h.len() == 16 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Bundle {
    pub fn to_text(&self) -> String {
        let mut s = format!("{HEADER}\n");
        for e in &self.entries {
            match &e.body {
                Body::Known => s.push_str(&format!("= {} {}\n", e.path, e.hash)),
                Body::Whole(t) => s.push_str(&format!("+ {} {} {}\n{t}\n", e.path, e.hash, t.len())),
                Body::Edit { base, script } => s.push_str(&format!("~ {} {} {base} {}\n{script}\n", e.path, e.hash, script.len())),
            }
        }
        s
    }

    pub fn parse(text: &str) -> Result<Bundle, String> {
        let mut rest =
            text.strip_prefix(HEADER).and_then(|r| r.strip_prefix('\n')).ok_or("the source does not start with `racelab source 1`")?;
        let mut entries = Vec::new();
        while !rest.is_empty() {
            let (line, tail) = rest.split_once('\n').ok_or("the source ends inside an entry")?;
            rest = tail;
            let words: Vec<&str> = line.split(' ').collect();
            let (path, hash) = match words.as_slice() {
                [_, p, h, ..] => (*p, *h),
                _ => return Err(format!("`{}` is not an entry of the source", crate::limits::echo(line))),
            };
            if !valid_path(path) {
                return Err(format!("`{}` is not a file name a link may carry", crate::limits::echo(path)));
            }
            if !valid_hash(hash) {
                return Err(format!("{path}: `{}` is not a file hash", crate::limits::echo(hash)));
            }
            let mut take = |len: &str| -> Result<String, String> {
                let n: usize = len.parse().map_err(|_| format!("{path}: `{}` is not a length", crate::limits::echo(len)))?;
                if n > rest.len() || !rest.is_char_boundary(n) || rest.as_bytes().get(n) != Some(&b'\n') {
                    return Err(format!("{path}: the source is cut short"));
                }
                let body = rest[..n].to_string();
                rest = &rest[n + 1..];
                Ok(body)
            };
            let body = match words.as_slice() {
                ["=", _, _] => Body::Known,
                ["+", _, _, len] => {
                    let t = take(len)?;
                    if pack::file_hash(&t) != hash {
                        return Err(format!("{path}: the file does not match its hash (the link is damaged)"));
                    }
                    Body::Whole(t)
                }
                ["~", _, _, base, len] if valid_hash(base) => Body::Edit { base: base.to_string(), script: take(len)? },
                _ => return Err(format!("`{}` is not an entry of the source", crate::limits::echo(line))),
            };
            if entries.iter().any(|e: &Entry| e.path == path) {
                return Err(format!("{path} is in the source twice"));
            }
            entries.push(Entry { path: path.to_string(), hash: hash.to_string(), body });
            if entries.len() > MAX_SOURCE_FILES {
                return Err(format!("the source has more than {MAX_SOURCE_FILES} files"));
            }
        }
        if entries.is_empty() {
            return Err("the source has no files".into());
        }
        Ok(Bundle { entries })
    }
}

/// The `src=` value: base64url, then deflate, then [`Bundle::parse`], each capped.
pub fn decode(value: &str) -> Result<Bundle, String> {
    let packed = pack::base64url_decode(value).ok_or("not base64url (the link may have been cut or changed)")?;
    let text = match pack::inflate(&packed, MAX_SOURCE_BYTES) {
        Ok(t) => t,
        Err(InflateError::TooLarge { max }) => {
            return Err(format!("the source expands past {max} bytes; a link carries at most {} KiB of files", max / 1024))
        }
        Err(InflateError::Corrupt) => return Err("the source is not complete deflate data (the link may have been cut short)".into()),
    };
    let text = String::from_utf8(text).map_err(|_| "the source is not UTF-8 text")?;
    Bundle::parse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        let whole = "racelab 1\nscenario x {\n}\n".to_string();
        Bundle {
            entries: vec![
                Entry { path: "mine.race".into(), hash: pack::file_hash(&whole), body: Body::Whole(whole) },
                Entry { path: "kernel/memory.race".into(), hash: "0123456789abcdef".into(), body: Body::Known },
                Entry {
                    path: "kernel/gup.race".into(),
                    hash: "fedcba9876543210".into(),
                    body: Body::Edit { base: "00112233445566ff".into(), script: "=3\n-1\n+1\nx\n".into() },
                },
            ],
        }
    }

    fn encode(text: &str) -> String {
        pack::base64url_encode(&pack::deflate(text.as_bytes()))
    }

    #[test]
    fn round_trips() {
        let b = sample();
        assert_eq!(decode(&encode(&b.to_text())).unwrap(), b);
    }

    #[test]
    fn a_zip_bomb_is_an_error_before_it_fills_memory() {
        let bomb = encode(&"a".repeat(8 << 20));
        assert!(bomb.len() < 100_000, "{}", bomb.len());
        assert_eq!(decode(&bomb).unwrap_err(), "the source expands past 1048576 bytes; a link carries at most 1024 KiB of files");
    }

    #[test]
    fn damage_is_an_error_naming_it() {
        let good = encode(&sample().to_text());
        assert_eq!(
            decode(&good[..good.len() / 8 * 4]).unwrap_err(),
            "the source is not complete deflate data (the link may have been cut short)"
        );
        assert_eq!(decode("a+b").unwrap_err(), "not base64url (the link may have been cut or changed)");
        let text = sample().to_text();
        assert_eq!(
            decode(&encode(&text.replace("scenario x", "scenario y"))).unwrap_err(),
            "mine.race: the file does not match its hash (the link is damaged)"
        );
        assert_eq!(
            decode(&encode(&text.replace("mine.race", "../etc/passwd.race"))).unwrap_err(),
            "`../etc/passwd.race` is not a file name a link may carry"
        );
        assert_eq!(decode(&encode("racelab source 1\n")).unwrap_err(), "the source has no files");
        assert_eq!(decode(&encode("hello")).unwrap_err(), "the source does not start with `racelab source 1`");
        assert_eq!(
            decode(&encode("racelab source 1\n+ a.race 0123456789abcdef 99\nabc\n")).unwrap_err(),
            "a.race: the source is cut short"
        );
        let many: String = (0..65).map(|i| format!("= f{i}.race 0123456789abcdef\n")).collect();
        assert_eq!(decode(&encode(&format!("racelab source 1\n{many}"))).unwrap_err(), "the source has more than 64 files");
    }
}
