//! Where a policy × memory-model row applies: the kernel versions and the architectures where
//! the code a row runs existed. A scenario says it in `applies` lines:
//!
//! ```text
//! applies on x86_64 from "v5.7" "uffd-wp"              # the code exists on x86_64 from v5.7
//! applies on arm64 from "v6.10" "5b32510af77b"
//! applies on ppc64 never "no uffd-wp"                  # and never on ppc64
//! applies on s390                                      # on s390, in every release the rows speak of
//! applies from "v5.9"                                  # every policy's kernels, unless it says
//! applies v5_10 from "v5.9" until "v5.12-rc3"          # one policy's kernels (`until`: the first without it)
//! applies merged_6ce64428 on arm64 from "v6.10"        # one row's kernels
//! ```
//!
//! A row runs on the architectures of its memory model (x86-TSO: x86_64; arm64: arm64;
//! sequential consistency: every architecture the scenario names). It applies where the
//! policy's kernels and the architecture's meet; a row where they never meet is an
//! *anachronism*: the code did not exist on that architecture at the version the policy is
//! from. No IO, no names beyond what the lines give.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::layout::MemoryModel;
use crate::syntax::{did_you_mean, expected_one_of, Arg, AttrLine, Diagnostic, Pos};

/// The architectures an `applies on` line may name.
pub const ARCHS: &str = "x86_64, arm64, ppc64 or s390";

/// The architecture a memory model stands for; `None` for sequential consistency, which
/// stands for every architecture the scenario names.
pub fn model_arch(m: MemoryModel) -> Option<&'static str> {
    match m {
        MemoryModel::Sc => None,
        MemoryModel::X86Tso => Some("x86_64"),
        MemoryModel::Arm64 => Some("arm64"),
    }
}

/// A kernel release as written (`v5.12-rc3`, `v5.10.7`, `v6.10`), ordered as released on one
/// line: `v5.12-rc3` < `v5.12` < `v5.12.1` < `v5.13-rc1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub text: String,
    key: (u32, u32, u32, u32),
}

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let rest = s.strip_prefix('v')?;
        let (nums, rc) = match rest.split_once("-rc") {
            Some((n, rc)) => (n, Some(rc.parse::<u32>().ok().filter(|r| *r > 0 && *r < 1000)?)),
            None => (rest, None),
        };
        let parts: Vec<u32> = nums.split('.').map(|p| p.parse::<u32>().ok()).collect::<Option<_>>()?;
        let (major, minor, patch) = match parts.as_slice() {
            [a, b] => (*a, *b, 0),
            [a, b, c] if rc.is_none() => (*a, *b, *c),
            _ => return None,
        };
        Some(Version { text: s.to_string(), key: (major, minor, rc.unwrap_or(1000), patch) })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Releases from `from` (included) to `until` (the first without it); `None` is open.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub from: Option<Version>,
    pub until: Option<Version>,
}

impl Span {
    /// Where both hold, or `None` when they never meet.
    pub fn meet(&self, other: &Span) -> Option<Span> {
        let from = match (&self.from, &other.from) {
            (Some(a), Some(b)) => Some(a.max(b).clone()),
            (a, b) => a.clone().or(b.clone()),
        };
        let until = match (&self.until, &other.until) {
            (Some(a), Some(b)) => Some(a.min(b).clone()),
            (a, b) => a.clone().or(b.clone()),
        };
        match (&from, &until) {
            (Some(f), Some(u)) if f >= u => None,
            _ => Some(Span { from, until }),
        }
    }

    /// `≥ v5.9, < v5.12-rc3`, `≥ v6.10`, `< v5.12`, or `any version`.
    pub fn words(&self) -> String {
        match (&self.from, &self.until) {
            (Some(f), Some(u)) => format!("≥ {}, < {}", f.text, u.text),
            (Some(f), None) => format!("≥ {}", f.text),
            (None, Some(u)) => format!("< {}", u.text),
            (None, None) => "any version".to_string(),
        }
    }
}

/// Where the code a scenario runs existed on one architecture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchSpan {
    pub arch: String,
    /// `None`: never on this architecture.
    pub span: Option<Span>,
    pub why: String,
}

/// The kernels a policy's code is from, for every model or for one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySpan {
    /// `None`: every policy of the scenario that has no line of its own.
    pub policy: Option<String>,
    pub model: Option<MemoryModel>,
    pub span: Span,
    pub why: String,
}

/// Everything a scenario's `applies` lines say.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applies {
    pub archs: Vec<ArchSpan>,
    pub policies: Vec<PolicySpan>,
}

/// Where one row applies, in one line, and whether it is an anachronism.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowApplies {
    /// `applies to: x86_64 ≥ v5.9, < v5.12-rc3`.
    pub text: String,
    /// The code did not exist on the row's architecture at the version the policy is from.
    pub anachronism: bool,
}

impl Applies {
    pub fn is_empty(&self) -> bool {
        self.archs.is_empty() && self.policies.is_empty()
    }

    /// The kernels of `policy`'s code under `model`: the row's own line, else the policy's,
    /// else the scenario's.
    pub fn policy_span(&self, policy: &str, model: MemoryModel) -> Span {
        let find = |p: Option<&str>, m: Option<MemoryModel>| {
            self.policies.iter().find(|s| s.policy.as_deref() == p && s.model == m).map(|s| s.span.clone())
        };
        find(Some(policy), Some(model)).or_else(|| find(Some(policy), None)).or_else(|| find(None, None)).unwrap_or_default()
    }

    /// Where the row `policy` × `model` applies; `None` when the scenario says nothing.
    pub fn row(&self, policy: &str, model: MemoryModel) -> Option<RowApplies> {
        if self.is_empty() {
            return None;
        }
        let kernels = self.policy_span(policy, model);
        // The row's architectures, each with where its code existed (`None`: never).
        let archs: Vec<(String, Option<Span>, &str)> = match model_arch(model) {
            Some(a) => match self.archs.iter().find(|s| s.arch == a) {
                Some(s) => vec![(a.to_string(), s.span.clone(), s.why.as_str())],
                None if self.archs.is_empty() => vec![(a.to_string(), Some(Span::default()), "")],
                None => vec![(a.to_string(), None, "")],
            },
            None => self.archs.iter().map(|s| (s.arch.clone(), s.span.clone(), s.why.as_str())).collect(),
        };
        if archs.is_empty() {
            return Some(RowApplies { text: format!("applies to: {}", kernels.words()), anachronism: false });
        }
        let met: Vec<String> =
            archs.iter().filter_map(|(a, s, _)| s.as_ref().and_then(|s| s.meet(&kernels)).map(|m| arch_words(a, &m))).collect();
        if !met.is_empty() {
            return Some(RowApplies { text: format!("applies to: {}", met.join("; ")), anachronism: false });
        }
        let existed: Vec<String> = archs
            .iter()
            .map(|(a, s, why)| match s {
                Some(s) => arch_words(a, s),
                None if why.is_empty() => format!("no {a} kernel"),
                None => format!("no {a} kernel ({why})"),
            })
            .collect();
        let mine = if kernels == Span::default() { String::new() } else { format!(", not to this policy's kernels ({})", kernels.words()) };
        Some(RowApplies { text: format!("applies to: {}{mine}: an anachronism", existed.join("; ")), anachronism: true })
    }
}

fn arch_words(arch: &str, s: &Span) -> String {
    if *s == Span::default() {
        arch.to_string()
    } else {
        format!("{arch} {}", s.words())
    }
}

/// Reads one `applies` line of a scenario whose policies and models are `policies` and
/// `models`, into `into`.
pub fn parse_line(file: &str, line: &AttrLine, policies: &[&str], models: &[MemoryModel], into: &mut Applies) -> Result<(), Diagnostic> {
    let err = |pos: Pos, msg: String| Err(Diagnostic::new(file, pos, msg));
    let usage =
        "expected `applies on ARCH from \"VERSION\"`, `applies POLICY from \"VERSION\" until \"VERSION\"` or `applies on ARCH never`";
    let mut args = line.args.iter().peekable();
    let mut names = Vec::new();
    while let Some(Arg::Word(w)) = args.peek() {
        if ["on", "from", "until", "never"].contains(&w.name.as_str()) {
            break;
        }
        if !policies.contains(&w.name.as_str()) {
            let hint = did_you_mean(&w.name, policies.iter().copied());
            let hint = if hint.is_empty() { format!(" (it lists {})", policies.join(", ")) } else { hint };
            return err(w.pos, format!("`{}` is not one of the scenario's policies{hint}", w.name));
        }
        names.push(w.clone());
        args.next();
    }
    // `on`: architectures for a scenario line, one memory model after policies.
    let mut archs = Vec::new();
    let mut model = None;
    if let Some(Arg::Word(w)) = args.peek() {
        if w.name == "on" {
            args.next();
            while let Some(Arg::Word(a)) = args.peek() {
                if ["from", "until", "never"].contains(&a.name.as_str()) {
                    break;
                }
                args.next();
                if names.is_empty() {
                    if a.name == "or" || !ARCHS.split([',', ' ']).any(|x| x == a.name) {
                        return err(a.pos, format!("unknown architecture `{}`{}", a.name, expected_one_of(&a.name, ARCHS)));
                    }
                    if archs.iter().any(|(x, _): &(String, Pos)| *x == a.name) || into.archs.iter().any(|s| s.arch == a.name) {
                        return err(a.pos, format!("`applies on {}` is given twice", a.name));
                    }
                    archs.push((a.name.clone(), a.pos));
                } else {
                    if model.is_some() {
                        return err(a.pos, "a policy's `applies` line names one memory model after `on`".to_string());
                    }
                    let m = MemoryModel::parse(&a.name).ok_or_else(|| {
                        Diagnostic::new(
                            file,
                            a.pos,
                            format!("unknown memory model `{}`{}", a.name, expected_one_of(&a.name, "sc, x86_tso or arm64")),
                        )
                    })?;
                    if !models.contains(&m) {
                        return err(a.pos, format!("the scenario is not modelled under {} (add it to `models`)", m.name()));
                    }
                    model = Some(m);
                }
            }
            if archs.is_empty() && model.is_none() {
                return err(w.pos, format!("expected an architecture ({ARCHS}) or a memory model after `on`"));
            }
        }
    }
    let mut span = Some(Span::default());
    let mut said = false;
    while let Some(a) = args.peek() {
        let Arg::Word(w) = a else { break };
        match w.name.as_str() {
            "never" if !archs.is_empty() && !said => {
                args.next();
                span = None;
                said = true;
                break;
            }
            "never" => return err(w.pos, "`never` follows `applies on ARCH` and nothing else".to_string()),
            "from" | "until" => {
                args.next();
                let v = match args.next() {
                    Some(Arg::Str(s, p)) => Version::parse(s).ok_or_else(|| {
                        Diagnostic::new(file, *p, format!("expected a kernel version such as \"v5.12-rc3\" or \"v5.10.7\", found \"{s}\""))
                    })?,
                    Some(other) => {
                        return err(
                            other.pos(),
                            format!(
                                "expected a quoted kernel version after `{}`, such as \"v5.12-rc3\", found {}",
                                w.name,
                                other.describe()
                            ),
                        )
                    }
                    None => return err(w.pos, format!("expected a quoted kernel version after `{}`", w.name)),
                };
                let s = span.as_mut().expect("`never` ends the line");
                let slot = if w.name == "from" { &mut s.from } else { &mut s.until };
                if slot.is_some() {
                    return err(w.pos, format!("`{}` is given twice", w.name));
                }
                *slot = Some(v);
                said = true;
            }
            other => return err(w.pos, format!("expected `from`, `until` or a quoted reason, found `{other}`")),
        }
    }
    // `applies on ARCH…` alone: the code existed there in every release the rows speak of.
    if !said && archs.is_empty() {
        return err(line.key.pos, usage.to_string());
    }
    if let Some(Span { from: Some(f), until: Some(u) }) = &span {
        if f >= u {
            return err(line.key.pos, format!("the range is empty: {} is not before {}", f.text, u.text));
        }
    }
    let why = match args.next() {
        None => String::new(),
        Some(Arg::Str(s, _)) => s.clone(),
        Some(other) => return err(other.pos(), format!("expected a quoted reason at the end of `applies`, found {}", other.describe())),
    };
    if let Some(extra) = args.next() {
        return err(extra.pos(), format!("expected the end of the line after the reason, found {}", extra.describe()));
    }
    if !archs.is_empty() {
        for (arch, _) in archs {
            into.archs.push(ArchSpan { arch, span: span.clone(), why: why.clone() });
        }
        return Ok(());
    }
    let span = span.expect("`never` needs architectures");
    let targets: Vec<Option<String>> = if names.is_empty() { vec![None] } else { names.iter().map(|w| Some(w.name.clone())).collect() };
    for policy in targets {
        if into.policies.iter().any(|p| p.policy == policy && p.model == model) {
            let who = match (&policy, model) {
                (None, _) => "the scenario's kernels".to_string(),
                (Some(p), None) => format!("`applies {p}`"),
                (Some(p), Some(m)) => format!("`applies {p} on {}`", m.name()),
            };
            return err(line.key.pos, format!("{who} is given twice"));
        }
        into.policies.push(PolicySpan { policy, model, span: span.clone(), why: why.clone() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn versions_order_as_released() {
        assert!(v("v5.12-rc3") < v("v5.12"));
        assert!(v("v5.12") < v("v5.12.1"));
        assert!(v("v5.12.9") < v("v5.13-rc1"));
        assert!(v("v5.9") < v("v5.10"));
        assert!(v("v6.10") > v("v6.9"));
        for bad in ["5.10", "v5", "v5.x", "v5.10-rc", "v5.10.1-rc2", "v5.10-rc0", ""] {
            assert!(Version::parse(bad).is_none(), "{bad}");
        }
    }

    fn span(from: Option<&str>, until: Option<&str>) -> Span {
        Span { from: from.map(v), until: until.map(v) }
    }

    #[test]
    fn an_arm64_row_of_code_older_than_arm64_support_is_an_anachronism() {
        let a = Applies {
            archs: vec![
                ArchSpan { arch: "x86_64".into(), span: Some(span(Some("v5.7"), None)), why: String::new() },
                ArchSpan { arch: "arm64".into(), span: Some(span(Some("v6.10"), None)), why: String::new() },
            ],
            policies: vec![PolicySpan {
                policy: Some("fix".into()),
                model: None,
                span: span(Some("v5.12-rc3"), Some("v5.19")),
                why: String::new(),
            }],
        };
        let arm = a.row("fix", MemoryModel::Arm64).unwrap();
        assert!(arm.anachronism);
        assert_eq!(arm.text, "applies to: arm64 ≥ v6.10, not to this policy's kernels (≥ v5.12-rc3, < v5.19): an anachronism");
        let x86 = a.row("fix", MemoryModel::X86Tso).unwrap();
        assert_eq!((x86.text.as_str(), x86.anachronism), ("applies to: x86_64 ≥ v5.12-rc3, < v5.19", false));
        let sc = a.row("fix", MemoryModel::Sc).unwrap();
        assert_eq!((sc.text.as_str(), sc.anachronism), ("applies to: x86_64 ≥ v5.12-rc3, < v5.19", false));
        let other = a.row("other", MemoryModel::Arm64).unwrap();
        assert_eq!((other.text.as_str(), other.anachronism), ("applies to: arm64 ≥ v6.10", false));
        assert_eq!(Applies::default().row("fix", MemoryModel::Sc), None);
    }

    #[test]
    fn an_architecture_the_scenario_does_not_name_never_had_the_code() {
        let a =
            Applies { archs: vec![ArchSpan { arch: "x86_64".into(), span: Some(Span::default()), why: String::new() }], policies: vec![] };
        let arm = a.row("p", MemoryModel::Arm64).unwrap();
        assert_eq!((arm.text.as_str(), arm.anachronism), ("applies to: no arm64 kernel: an anachronism", true));
        assert_eq!(a.row("p", MemoryModel::Sc).unwrap().text, "applies to: x86_64");
    }
}
