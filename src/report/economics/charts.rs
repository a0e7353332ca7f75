//! SVG line charts of monthly series, drawn by plotters: no JavaScript, no fonts to load
//! (the browser renders the text), so the page stays self-contained.

use plotters::prelude::*;

/// `text` with the characters that HTML and SVG give meaning to escaped (the page and its
/// charts share it).
pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One line of a chart: a name for the legend and a value per month (from month 1).
pub(super) struct Series {
    pub name: String,
    pub values: Vec<f64>,
    /// Dashed lines mark the second quantity of a pair (expired against consumed).
    pub dashed: bool,
}

/// A chart of `series` over `months` months, as an SVG document; or a short note in place
/// of the chart when there is nothing to draw or drawing failed.
pub(super) fn line_chart(title: &str, y_label: &str, months: u32, series: &[Series]) -> String {
    if series.is_empty() {
        return format!(
            "<p class=\"note\">{}: nothing to draw (no known values).</p>",
            escape(title)
        );
    }
    let mut svg = String::new();
    match draw(&mut svg, title, y_label, months, series) {
        Ok(()) => svg,
        Err(why) => format!(
            "<p class=\"note\">chart {} could not be drawn: {}</p>",
            escape(title),
            escape(&why)
        ),
    }
}

fn draw(
    svg: &mut String,
    title: &str,
    y_label: &str,
    months: u32,
    series: &[Series],
) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0f64, f64::max);
    // Headroom above the highest point keeps the legend off the lines.
    let y_max = if top > 0.0 { top * 1.35 } else { 1.0 };
    let decimals = if y_max < 10.0 { 1 } else { 0 };
    let root = SVGBackend::with_string(svg, (820, 380)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let x_range = 0.5f64..(f64::from(months) + 0.5);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range, 0f64..y_max)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .x_desc("month")
        .y_desc(y_label)
        .x_labels(months.min(24) as usize)
        .x_label_formatter(&|x| format!("{:.0}", x))
        .y_label_formatter(&|y| format!("{y:.decimals$}"))
        .draw()
        .map_err(|e| fail(&e))?;
    for (i, s) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let style = color.stroke_width(2);
        let points: Vec<(f64, f64)> = (s.values.iter().enumerate())
            .map(|(m, v)| (m as f64 + 1.0, *v))
            .collect();
        let drawn = match s.dashed {
            true => chart.draw_series(DashedLineSeries::new(points, 6, 4, style)),
            false => chart.draw_series(LineSeries::new(points, style)),
        };
        drawn
            .map_err(|e| fail(&e))?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}
