//! Validation-loss curves of several runs in one SVG.

use plotters::prelude::*;

use super::runs::RunView;
use crate::error::ExperimentError;

type LossChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A white canvas with validation-loss axes (updates on x, loss on y with 5% padding).
fn loss_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    caption: &str,
    y_desc: &str,
    x_max: f64,
    (y_min, y_max): (f64, f64),
) -> Result<LossChart<'a, 'b>, String> {
    let pad = ((y_max - y_min) * 0.05).max(1e-6);
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, (y_min - pad)..(y_max + pad))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("optimizer updates")
        .y_desc(y_desc)
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// Draws the legend and writes the SVG: how every chart of the reports ends.
pub(crate) fn finish<'a, 'b, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, CT>,
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// Plots validation loss against optimizer updates, one line per run: the SVG text.
pub fn plot_validation_curves(runs: &[RunView]) -> Result<String, ExperimentError> {
    let finite = |v: f64| v.is_finite();
    let points: Vec<(String, Vec<(f64, f64)>)> = runs
        .iter()
        .map(|run| {
            let name = run.dir.file_name().map_or(run.summary.name.clone(), |n| {
                n.to_string_lossy().into_owned()
            });
            let line = run
                .summary
                .trajectory
                .iter()
                .filter(|e| finite(e.valid_loss))
                .map(|e| (e.update as f64, e.valid_loss))
                .collect();
            (name, line)
        })
        .collect();
    let all: Vec<(f64, f64)> = points.iter().flat_map(|(_, l)| l.iter().copied()).collect();
    if all.is_empty() {
        return Err(ExperimentError::Report {
            what: "the validation curves".into(),
            message: "no finite validation loss to plot".into(),
        });
    }
    let x_max = all.iter().map(|p| p.0).fold(1.0, f64::max);
    let y_min = all.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let y_max = all.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let draw_err = |message: String| ExperimentError::Report {
        what: "plotting the curves".into(),
        message,
    };
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
    let mut chart = loss_chart(
        &root,
        "Validation loss",
        "validation loss",
        x_max,
        (y_min, y_max),
    )
    .map_err(draw_err)?;
    for (i, (name, line)) in points.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(line.iter().copied(), color.stroke_width(2)))
            .map_err(|e| draw_err(e.to_string()))?
            .label(name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        chart
            .draw_series(line.iter().map(|&p| Circle::new(p, 3, color.filled())))
            .map_err(|e| draw_err(e.to_string()))?;
    }
    finish(&mut chart, &root).map_err(draw_err)?;
    drop(chart);
    drop(root);
    Ok(svg)
}

/// Plots each arm's mean validation loss over seeds, with its min–max band: the SVG text.
pub fn plot_arm_curves(arms: &[super::arms::Arm]) -> Result<String, ExperimentError> {
    let series: Vec<BandSeries> = arms
        .iter()
        .map(|a| BandSeries {
            label: format!("{} (n = {})", a.label, a.seeds.len()),
            curve: a.curve.clone(),
        })
        .collect();
    plot_bands(
        "Validation loss: mean over seeds, band = min…max",
        "validation loss",
        &series,
    )
}

/// One line of [`plot_bands`]: its legend and `(update, mean, min, max)` points.
#[derive(Debug, Clone)]
pub struct BandSeries {
    /// The legend entry.
    pub label: String,
    /// `(update, mean, min, max)`.
    pub curve: Vec<(u64, f64, f64, f64)>,
}

/// Plots each series' mean against optimizer updates with its min–max band, `y_desc` on the y
/// axis: the SVG text.
pub fn plot_bands(
    caption: &str,
    y_desc: &str,
    series: &[BandSeries],
) -> Result<String, ExperimentError> {
    let all: Vec<(u64, f64, f64, f64)> = series
        .iter()
        .flat_map(|a| a.curve.iter().copied())
        .collect();
    let finite: Vec<&(u64, f64, f64, f64)> = all
        .iter()
        .filter(|p| p.2.is_finite() && p.3.is_finite())
        .collect();
    if finite.is_empty() {
        return Err(ExperimentError::Report {
            what: caption.to_string(),
            message: format!("no finite {y_desc} to plot"),
        });
    }
    let x_max = finite.iter().map(|p| p.0 as f64).fold(1.0, f64::max);
    let y_min = finite.iter().map(|p| p.2).fold(f64::INFINITY, f64::min);
    // A series that blows up would flatten the others: the axis stops at twice the worst final
    // mean (lines above it are clipped).
    let worst_final = series
        .iter()
        .filter_map(|a| a.curve.last().map(|p| p.1))
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let y_max = finite
        .iter()
        .map(|p| p.3)
        .fold(f64::NEG_INFINITY, f64::max)
        .min(if worst_final > y_min {
            2.0 * worst_final
        } else {
            f64::INFINITY
        });
    let draw_err = |message: String| ExperimentError::Report {
        what: "plotting the curves".into(),
        message,
    };
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
    let mut chart = loss_chart(&root, caption, y_desc, x_max, (y_min, y_max)).map_err(draw_err)?;
    for (i, arm) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points: Vec<&(u64, f64, f64, f64)> = arm
            .curve
            .iter()
            .filter(|p| p.2.is_finite() && p.3.is_finite())
            .collect();
        let band: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.0 as f64, p.3.min(y_max)))
            .chain(points.iter().rev().map(|p| (p.0 as f64, p.2.min(y_max))))
            .collect();
        chart
            .draw_series([Polygon::new(band, color.mix(0.15).filled())])
            .map_err(|e| draw_err(e.to_string()))?;
        let mean: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.0 as f64, p.1.min(y_max)))
            .collect();
        chart
            .draw_series(LineSeries::new(mean, color.stroke_width(2)))
            .map_err(|e| draw_err(e.to_string()))?
            .label(arm.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    finish(&mut chart, &root).map_err(draw_err)?;
    drop(chart);
    drop(root);
    Ok(svg)
}
