//! Where each policy × model row applies, as the races of `traces/` say it and the views carry it.

use racelab_core::lab::view;
use racelab_core::{Catalog, MemoryModel};

fn catalog() -> Catalog {
    let c = Catalog::builtin();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    c
}

/// The races (not the litmus tests nor the published validation tests).
fn is_race(file: &str) -> bool {
    !file.starts_with("litmus/") && !file.starts_with("validation/")
}

#[test]
fn every_row_of_every_race_says_where_it_applies() {
    let c = catalog();
    let mut rows = 0;
    for sc in c.scenarios.iter().filter(|s| is_race(&s.file)) {
        let v = view::scenario(sc);
        for p in &sc.policies {
            for &m in &sc.models {
                let a = v.applies_to(&p.name, m).unwrap_or_else(|| panic!("{} {} {}: no applies", sc.id, p.name, m.name()));
                assert!(a.text.starts_with("applies to: "), "{}", a.text);
                rows += 1;
            }
        }
    }
    assert!(rows > 60, "{rows} rows");
}

#[test]
fn race3_arm64_uffd_wp_rows_say_arm64_from_v6_10_and_are_anachronisms() {
    let c = catalog();
    let sc = c.scenario("race3").unwrap();
    let v = view::scenario(sc);
    for p in &sc.policies {
        let arm = v.applies_to(&p.name, MemoryModel::Arm64).unwrap();
        assert!(arm.text.contains("arm64 ≥ v6.10"), "{}", arm.text);
        assert!(arm.anachronism, "{}: {}", p.name, arm.text);
        let x86 = v.applies_to(&p.name, MemoryModel::X86Tso).unwrap();
        assert!(x86.text.starts_with("applies to: x86_64 ≥ v5."), "{}", x86.text);
        assert!(!x86.anachronism, "{}", x86.text);
    }
    let merged = v.applies_to("merged_6ce64428", MemoryModel::Arm64).unwrap();
    assert_eq!(merged.text, "applies to: arm64 ≥ v6.10, not to this policy's kernels (≥ v5.12-rc3, < v5.19): an anachronism");
}

#[test]
fn uffd_wp_races_apply_to_arm64_only_from_v6_10_under_page_anon_exclusive() {
    let c = catalog();
    for id in ["race1a", "race1b"] {
        let v = view::scenario(c.scenario(id).unwrap());
        let base = v.applies_to("v5_10", MemoryModel::Sc).unwrap();
        assert_eq!((base.text.as_str(), base.anachronism), ("applies to: x86_64 ≥ v5.9, < v5.12-rc3", false), "{id}");
        let now = v.applies_to("anon_exclusive", MemoryModel::Sc).unwrap();
        assert_eq!(now.text, "applies to: x86_64 ≥ v5.19; arm64 ≥ v6.10", "{id}");
        let old = v.applies_to("mapcount_reuse", MemoryModel::Sc).unwrap();
        assert_eq!(old.text, "applies to: x86_64 ≥ v5.7, < v5.9", "{id}");
    }
}

#[test]
fn soft_dirty_races_never_apply_to_arm64() {
    let c = catalog();
    for id in ["race2", "race2sd", "race5a", "race5b"] {
        let sc = c.scenario(id).unwrap();
        let arm = sc.applies.archs.iter().find(|a| a.arch == "arm64").unwrap_or_else(|| panic!("{id}: no arm64 line"));
        assert_eq!(arm.span, None, "{id}");
        let v = view::scenario(sc);
        let base = v.applies_to("v5_10", MemoryModel::Sc).unwrap();
        assert!(base.text.contains("ppc64") && !base.text.contains("arm64"), "{id}: {}", base.text);
    }
}

#[test]
fn fork_races_on_arm64_apply_where_the_policy_existed() {
    let c = catalog();
    let v = view::scenario(c.scenario("race4a").unwrap());
    let seq = v.applies_to("write_protect_seq", MemoryModel::Arm64).unwrap();
    assert_eq!((seq.text.as_str(), seq.anachronism), ("applies to: arm64 ≥ v5.11-rc1, < v5.19", false));
    let v = view::scenario(c.scenario("race4b").unwrap());
    let rc7 = v.applies_to("wrprotect_first", MemoryModel::Arm64).unwrap();
    assert_eq!((rc7.text.as_str(), rc7.anachronism), ("applies to: arm64 ≥ v5.9-rc7, < v5.9", false));
}

#[test]
fn a_litmus_test_says_nothing_about_where_it_applies() {
    let c = catalog();
    let sc = c.scenario("litmus_sb").unwrap();
    assert!(view::scenario(sc).applies.is_empty());
    assert_eq!(sc.applies_to(0, MemoryModel::Sc), None);
}
