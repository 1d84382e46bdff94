//! Short labels more than one page shows.

/// `race 1A`, or `litmus` for the litmus suite.
pub fn race_tag(race: &str) -> String {
    if race == "litmus" {
        race.to_string()
    } else {
        format!("race {race}")
    }
}
