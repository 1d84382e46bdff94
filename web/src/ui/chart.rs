//! Charts drawn with plotters into an SVG string, which the page inserts as markup.

use plotters::prelude::*;

const INK: RGBColor = RGBColor(0x1d, 0x1f, 0x23);
const ACCENT: RGBColor = RGBColor(0x24, 0x56, 0xc7);
const GRID: RGBColor = RGBColor(0xdf, 0xe2, 0xe6);

/// The bars of [`states_by_depth`]: `(depth, states first found at that depth)`, the initial
/// state alone at depth 0, and no bar for a depth that found nothing new.
fn bars(curve: &[(u32, u64)]) -> Vec<(u32, u64)> {
    let mut bars: Vec<(u32, u64)> = vec![(0, 1)];
    let mut before = 1;
    for &(d, found) in curve {
        bars.push((d + 1, found.saturating_sub(before)));
        before = found;
    }
    bars.retain(|b| b.1 > 0);
    bars
}

/// The states at each depth of the breadth-first search (how many steps from the initial state
/// they first appear), from the explorer's counts `(d, states found so far while expanding
/// level d)`: how wide the state space is, step by step.
/// `None` when there is nothing to draw or plotters fails (the panel then shows no chart).
pub fn states_by_depth(curve: &[(u32, u64)], width: u32, height: u32) -> Option<String> {
    if curve.is_empty() {
        return None;
    }
    let bars = bars(curve);
    let max_depth = bars.iter().map(|p| p.0).max().unwrap_or(1).max(1);
    let max_states = bars.iter().map(|p| p.1).max().unwrap_or(1).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..(max_depth as f64 + 1.0), 0u64..(max_states + max_states / 10 + 1))
            .ok()?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID.mix(0.5))
            .bold_line_style(GRID)
            .axis_style(INK.mix(0.6))
            .label_style(("sans-serif", 14).into_font().color(&INK))
            .axis_desc_style(("sans-serif", 14).into_font().color(&INK))
            .x_desc("search depth (steps from the initial state)")
            .y_desc("states")
            .x_labels(10)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_labels(5)
            .draw()
            .ok()?;
        chart
            .draw_series(bars.iter().map(|&(d, n)| Rectangle::new([(d as f64 + 0.1, 0), (d as f64 + 0.9, n)], ACCENT.mix(0.75).filled())))
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn each_bar_counts_the_states_new_at_its_depth() {
        assert_eq!(bars(&[(0, 3), (1, 7), (2, 7), (3, 8)]), vec![(0, 1), (1, 2), (2, 4), (4, 1)]);
    }

    #[wasm_bindgen_test]
    fn no_curve_draws_no_chart_and_a_curve_draws_an_svg() {
        assert_eq!(states_by_depth(&[], 560, 240), None);
        let svg = states_by_depth(&[(0, 3), (1, 7)], 560, 240).expect("plotters draws the bars");
        assert!(svg.starts_with("<svg") && svg.contains("width=\"560\""), "{}", &svg[..svg.len().min(120)]);
        assert!(svg.contains("search depth"), "the x axis is named");
    }
}
