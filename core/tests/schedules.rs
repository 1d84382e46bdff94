//! Schedules round-trip: for random schedules of every scenario of the catalog, both
//! spellings (`format_names`, and `encode` as bare letters and as `t=` copied from a link)
//! read back through the one parser as the same choices.

use racelab_core::lab::{schedule, Catalog, Choice};
use racelab_core::rng::Rng;

/// A random schedule over `threads` threads: runs of one choice, most of them a thread's
/// step, some a store-buffer drain or an access performed early.
fn random_schedule(rng: &mut Rng, threads: usize) -> Vec<Choice> {
    let mut out = Vec::new();
    for _ in 0..rng.below(40) {
        let t = rng.index(threads) as u8;
        let c = match rng.below(10) {
            0 => Choice::Drain(t),
            1 => Choice::Early(t, rng.below(120) as u16),
            _ => Choice::Run(t),
        };
        let n = if rng.below(3) == 0 { 1 } else { 1 + rng.below(12) as usize };
        out.extend(std::iter::repeat_n(c, n));
    }
    out
}

#[test]
fn both_spellings_of_random_schedules_read_back_the_same_choices() {
    let catalog = Catalog::builtin();
    let mut rng = Rng::new(9);
    let mut checked = 0;
    for sc in &catalog.scenarios {
        let layout = &sc.layout;
        for _ in 0..200 {
            let s = random_schedule(&mut rng, layout.threads.len());
            let names = schedule::format_names(&s, layout);
            assert_eq!(schedule::parse(&names, layout).as_ref(), Ok(&s), "{}: names `{names}`", sc.id);
            let letters = schedule::encode(&s);
            assert_eq!(schedule::parse(&letters, layout).as_ref(), Ok(&s), "{}: letters `{letters}`", sc.id);
            let link = format!("{}{letters}", schedule::COMPACT_PREFIX);
            assert_eq!(schedule::parse(&link, layout).as_ref(), Ok(&s), "{}: `{link}`", sc.id);
            checked += 1;
        }
    }
    assert!(catalog.scenarios.len() > 10 && checked == 200 * catalog.scenarios.len(), "{checked}");
}

#[test]
fn a_trace_of_the_catalog_reads_back_by_both_spellings() {
    let catalog = Catalog::builtin();
    for sc in &catalog.scenarios {
        for t in &sc.traces {
            let names = schedule::format_names(&t.schedule, &sc.layout);
            assert_eq!(schedule::parse(&names, &sc.layout), Ok(t.schedule.clone()), "{} {}", sc.id, t.name);
            assert_eq!(schedule::parse(&schedule::encode(&t.schedule), &sc.layout), Ok(t.schedule.clone()), "{} {}", sc.id, t.name);
        }
    }
}
