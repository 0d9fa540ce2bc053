//! The sweep's HTML page: one self-contained file (no script, no network) with the
//! command, the table and a plot drawn by `plotters` as inline SVG: a heatmap of the
//! p99 longest service outage over two swept parameters, or lines of p50 and p99 with
//! the band between them over one. Files count as a parameter when there are several.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::output::Report;

/// One axis of the plot: its name and its values, and each combination's position.
struct Axis {
    name: String,
    values: Vec<String>,
    positions: Vec<usize>,
}

/// The parameters that vary (files first, when there are several), with every
/// combination's position on each.
fn axes(report: &Report) -> Vec<Axis> {
    let mut axes = Vec::new();
    let mut files: Vec<String> = Vec::new();
    for (file, _) in &report.rows {
        if !files.contains(file) {
            files.push(file.clone());
        }
    }
    let file_positions = report
        .rows
        .iter()
        .map(|(f, _)| files.iter().position(|x| x == f).unwrap_or(0))
        .collect();
    if files.len() > 1 {
        axes.push(Axis {
            name: "file".into(),
            values: files,
            positions: file_positions,
        });
    }
    for (k, setting) in report.settings.iter().enumerate() {
        if setting.values.len() < 2 {
            continue;
        }
        let positions = report
            .rows
            .iter()
            .map(|(_, v)| setting.values.iter().position(|x| *x == v[k]).unwrap_or(0))
            .collect();
        axes.push(Axis {
            name: setting.key.clone(),
            values: setting.values.clone(),
            positions,
        });
    }
    axes
}

fn seconds(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// Why a sweep has no plot.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// One combination: nothing to plot against.
    #[error("nothing was swept (one combination): see the table")]
    NothingSwept,
    /// More swept parameters than a plot shows.
    #[error("the plot shows one or two swept parameters; this sweep has {0}: see the table")]
    TooManyParameters(usize),
    /// More values on one axis than a plot can show readably (and in bounded size).
    #[error("the plot shows at most {PLOT_VALUES_MAX} values per parameter; {name} has {count}: see the table or the CSV")]
    TooManyValues {
        /// The parameter.
        name: String,
        /// How many values it has.
        count: usize,
    },
    /// The drawing library failed.
    #[error("the plot could not be drawn: {0}")]
    Drawing(String),
}

/// The most values of one swept parameter a plot shows: a heatmap of 60 x 60 cells is
/// the most a reader can take in, and keeps the plot under about 1.5 MB.
pub const PLOT_VALUES_MAX: usize = 60;

/// Why `report` cannot be plotted, if it cannot: checked before a sweep runs, so that
/// `--svg` is refused at once rather than after every run.
pub fn plot_problem(report: &Report) -> Option<PlotError> {
    let axes = axes(report);
    match axes.len() {
        0 => return Some(PlotError::NothingSwept),
        1 | 2 => {}
        more => return Some(PlotError::TooManyParameters(more)),
    }
    let wide = axes.iter().find(|a| a.values.len() > PLOT_VALUES_MAX)?;
    Some(PlotError::TooManyValues {
        name: wide.name.clone(),
        count: wide.values.len(),
    })
}

/// The plot as SVG, or why there is none.
pub fn plot_svg(report: &Report) -> Result<String, PlotError> {
    if let Some(problem) = plot_problem(report) {
        return Err(problem);
    }
    let axes = axes(report);
    let mut svg = String::new();
    draw(&mut svg, report, &axes).map_err(|e| PlotError::Drawing(e.to_string()))?;
    Ok(svg)
}

/// Draws the lines of one swept parameter, or the heatmap of two, into `svg`.
fn draw(svg: &mut String, report: &Report, axes: &[Axis]) -> DrawResult {
    let root = SVGBackend::with_string(svg, (760, 460)).into_drawing_area();
    root.fill(&WHITE)?;
    match axes {
        [one] => lines(&root, report, one)?,
        [x, y] => heatmap(&root, report, x, y)?,
        _ => {}
    }
    root.present()?;
    Ok(())
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// p50 and p99 of the longest service outage over one parameter, the band between.
fn lines(root: &DrawingArea<SVGBackend<'_>, Shift>, report: &Report, axis: &Axis) -> DrawResult {
    let n = axis.values.len();
    let mut p50 = vec![0.0; n];
    let mut p99 = vec![0.0; n];
    for (c, a) in report.results.aggregates.iter().enumerate() {
        let x = axis.positions[c];
        p50[x] = seconds(a.percentile_ns(50.0));
        p99[x] = seconds(a.percentile_ns(99.0));
    }
    let top = p99.iter().cloned().fold(0.0, f64::max).max(0.001) * 1.15;
    let mut chart = ChartBuilder::on(root)
        .caption(
            "longest service outage per run: p50 and p99 (band between)",
            ("sans-serif", 18),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)?;
    let names = axis.values.clone();
    chart
        .configure_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc(axis.name.as_str())
        .y_desc("seconds")
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .draw()?;
    let band: Vec<(f64, f64)> = (0..n)
        .map(|i| (i as f64, p99[i]))
        .chain((0..n).rev().map(|i| (i as f64, p50[i])))
        .collect();
    chart.draw_series(std::iter::once(Polygon::new(
        band,
        RGBColor(214, 39, 40).mix(0.18),
    )))?;
    chart
        .draw_series(LineSeries::new(
            (0..n).map(|i| (i as f64, p99[i])),
            RGBColor(214, 39, 40).stroke_width(2),
        ))?
        .label("p99")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RGBColor(214, 39, 40)));
    chart
        .draw_series(LineSeries::new(
            (0..n).map(|i| (i as f64, p50[i])),
            RGBColor(31, 119, 180).stroke_width(2),
        ))?
        .label("p50")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RGBColor(31, 119, 180)));
    chart.draw_series(
        (0..n).map(|i| Circle::new((i as f64, p99[i]), 3, RGBColor(214, 39, 40).filled())),
    )?;
    chart.draw_series(
        (0..n).map(|i| Circle::new((i as f64, p50[i]), 3, RGBColor(31, 119, 180).filled())),
    )?;
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Green (short) to red (long), for `t` from 0 to 1.
fn heat(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let channel = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(
        channel(220.0, 214.0),
        channel(240.0, 39.0),
        channel(220.0, 40.0),
    )
}

/// The p99 longest service outage over two parameters, one labelled cell each.
fn heatmap(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    report: &Report,
    x: &Axis,
    y: &Axis,
) -> DrawResult {
    let (nx, ny) = (x.values.len(), y.values.len());
    let mut cells = vec![vec![0u64; ny]; nx];
    for (c, a) in report.results.aggregates.iter().enumerate() {
        cells[x.positions[c]][y.positions[c]] = a.percentile_ns(99.0);
    }
    let top = cells.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(
            "p99 of the longest service outage per run (seconds)",
            ("sans-serif", 18),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(90)
        .build_cartesian_2d(0f64..nx as f64, 0f64..ny as f64)?;
    let (xs, ys) = (x.values.clone(), y.values.clone());
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(nx * 2 + 1)
        .y_labels(ny * 2 + 1)
        .x_label_formatter(&|v| centre_label(*v, &xs))
        .y_label_formatter(&|v| centre_label(*v, &ys))
        .x_desc(x.name.as_str())
        .y_desc(y.name.as_str())
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .draw()?;
    for (i, column) in cells.iter().enumerate() {
        for (j, &value) in column.iter().enumerate() {
            let (x0, y0) = (i as f64, j as f64);
            let colour = heat(value as f64 / top as f64);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                colour.filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                WHITE.stroke_width(2),
            )))?;
            let label = format!("{:.3}s", seconds(value));
            let style = ("sans-serif", 15).into_font().color(&BLACK).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ),
            );
            chart.draw_series(std::iter::once(Text::new(
                label,
                (x0 + 0.5, y0 + 0.5),
                style,
            )))?;
        }
    }
    Ok(())
}

/// The label of the cell whose centre is at `v` (cells span whole units).
fn centre_label(v: f64, names: &[String]) -> String {
    let cell = v - 0.5;
    let i = cell.round();
    if (cell - i).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The whole page: `command` (as the user ran it), the plot and the table.
pub fn html(report: &Report, command: &str) -> String {
    let plot = match plot_svg(report) {
        Ok(svg) => svg,
        Err(why) => format!(
            "<p class=\"note\">No plot: {}</p>",
            escape(&why.to_string())
        ),
    };
    let mut rows = String::new();
    for (i, a) in report.results.aggregates.iter().enumerate() {
        let cell = |ns: u64| format!("<td>{:.3}s</td>", seconds(ns));
        rows.push_str(&format!(
            "<tr><th>{}</th><td>{}</td>{}{}{}{}<td>{:.4}%</td><td>{:.2}</td><td>{}</td><td class=\"{}\">{}</td></tr>\n",
            escape(&report.label(i)),
            a.runs,
            cell(a.percentile_ns(50.0)),
            cell(a.percentile_ns(90.0)),
            cell(a.percentile_ns(99.0)),
            cell(a.percentile_ns(100.0)),
            100.0 * a.availability(),
            a.failovers_per_run(),
            a.never_up,
            if a.violations > 0 { "bad" } else { "" },
            a.violations
        ));
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>linksim sweep</title>
<style>
body {{ font-family: sans-serif; margin: 24px; color: #222; }}
code {{ background: #f4f4f4; padding: 2px 4px; }}
table {{ border-collapse: collapse; margin-top: 16px; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}
th {{ text-align: left; background: #fafafa; }}
td.bad {{ background: #fdd; font-weight: bold; }}
.note {{ color: #666; }}
</style></head><body>
<h1>How long is the service down?</h1>
<p><code>{command}</code></p>
<p class="note">Seeds {seeds}. Each run's figure is its longest <em>service</em> outage: the time the server that was primary at that moment had no active link (a lone server's own). Percentiles are over runs, by nearest rank; availability is the service's up time over all runs' time.</p>
<div id="plot">{plot}</div>
<table id="results">
<tr><th>combination</th><th>runs</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>availability</th><th>failovers per run</th><th>never up</th><th>violations</th></tr>
{rows}</table>
</body></html>
"#,
        command = escape(command),
        seeds = escape(&report.seeds),
    )
}
