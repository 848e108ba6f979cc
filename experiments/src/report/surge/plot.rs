//! The surge heat map: each cell's final training loss (mean over its seeds) over (batch size,
//! learning rate), the fastest rate per batch size for each target loss with its near-tie set
//! (a bar), and the fitted laws through them.

use burn_balanced_adam::surge::{power_law_lr, surge_lr};
use plotters::prelude::*;

use super::fit::{SurgeRun, TargetFit};
use crate::error::ExperimentError;

/// Spacing of sorted, distinct values (their median gap; 1 for a single value).
fn cell(values: &[f64]) -> f64 {
    let mut gaps: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    gaps.get(gaps.len() / 2).copied().unwrap_or(1.0)
}

fn distinct(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values.dedup();
    values
}

/// The heat map (x: log₂ B, y: log₁₀ lr) with the optima and fits of every target.
pub fn plot_surge(runs: &[SurgeRun], fits: &[TargetFit]) -> Result<String, ExperimentError> {
    let e = |message: String| ExperimentError::Report {
        what: "plotting the surge map".into(),
        message,
    };
    let xs = distinct(runs.iter().map(|r| r.batch.log2()).collect());
    let ys = distinct(runs.iter().map(|r| r.lr.log10()).collect());
    if xs.is_empty() || ys.is_empty() {
        return Err(e("no runs to plot".into()));
    }
    let (dx, dy) = (cell(&xs), cell(&ys));
    // One value per (batch, lr) cell: the mean final loss of its seeds (`None` if any diverged).
    let mut keys: Vec<(f64, f64)> = runs.iter().map(|r| (r.batch, r.lr)).collect();
    keys.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    keys.dedup();
    let cell_loss: Vec<(f64, f64, Option<f64>)> = keys
        .into_iter()
        .map(|(batch, lr)| {
            let finals: Option<Vec<f64>> = runs
                .iter()
                .filter(|r| r.batch == batch && r.lr == lr)
                .map(|r| r.curve.last().map(|p| p.1).filter(|l| l.is_finite()))
                .collect();
            let mean = finals.map(|f| f.iter().sum::<f64>() / f.len() as f64);
            (batch, lr, mean)
        })
        .collect();
    let losses: Vec<f64> = cell_loss.iter().filter_map(|c| c.2).collect();
    let lo = losses.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = losses.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, (900, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
    let x_range = (xs[0] - dx / 2.0)..(xs[xs.len() - 1] + dx / 2.0);
    let y_range = (ys[0] - dy / 2.0)..(ys[ys.len() - 1] + dy / 2.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Final training loss (blue {lo:.3} … red {hi:.3}); fastest lr per target"),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range.clone(), y_range)
        .map_err(|x| e(x.to_string()))?;
    chart
        .configure_mesh()
        .x_desc("batch size")
        .y_desc("learning rate")
        .x_label_formatter(&|x| format!("{:.0}", 2f64.powf(*x)))
        .y_label_formatter(&|y| format!("{:.0e}", 10f64.powf(*y)))
        .draw()
        .map_err(|x| e(x.to_string()))?;
    let cells = cell_loss.iter().map(|&(batch, lr, loss)| {
        let (x, y) = (batch.log2(), lr.log10());
        let color = match loss {
            Some(l) => {
                let t = if hi > lo { (l - lo) / (hi - lo) } else { 0.0 };
                HSLColor(0.66 * (1.0 - t), 0.75, 0.55).filled()
            }
            None => RGBColor(60, 60, 60).filled(), // diverged
        };
        Rectangle::new(
            [(x - dx / 2.0, y - dy / 2.0), (x + dx / 2.0, y + dy / 2.0)],
            color,
        )
    });
    chart.draw_series(cells).map_err(|x| e(x.to_string()))?;
    for (i, fit) in fits.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let optima: Vec<(f64, f64)> = fit
            .optima
            .iter()
            .map(|o| (o.batch.log2(), o.lr.log10()))
            .collect();
        chart
            .draw_series(
                optima
                    .iter()
                    .map(|&p| Circle::new(p, 6, color.stroke_width(3))),
            )
            .map_err(|x| e(x.to_string()))?
            .label(format!("target {}", fit.target))
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.stroke_width(3)));
        // The near-tie set: a bar from its smallest to its largest rate.
        for o in &fit.optima {
            let (lo, hi) = o.tie_range();
            let bar = [(o.batch.log2(), lo.log10()), (o.batch.log2(), hi.log10())];
            chart
                .draw_series(LineSeries::new(bar, color.stroke_width(3)))
                .map_err(|x| e(x.to_string()))?;
        }
        let Some((b_noise, ..)) = fit.noise_scale else {
            continue;
        };
        let steps = 100;
        let grid =
            |k: usize| x_range.start + (x_range.end - x_range.start) * k as f64 / steps as f64;
        if let Some(eps) = fit.eps_max {
            let line =
                (0..=steps).map(|k| (grid(k), surge_lr(2f64.powf(grid(k)), b_noise, eps).log10()));
            chart
                .draw_series(LineSeries::new(line, color.stroke_width(2)))
                .map_err(|x| e(x.to_string()))?;
        }
        if let Some(eps) = fit.power_law_eps_max {
            let line = (0..=steps).map(|k| {
                (
                    grid(k),
                    power_law_lr(2f64.powf(grid(k)), b_noise, eps, 0.5).log10(),
                )
            });
            chart
                .draw_series(LineSeries::new(line, color.mix(0.5).stroke_width(1)))
                .map_err(|x| e(x.to_string()))?;
        }
    }
    crate::report::plot::finish(&mut chart, &root).map_err(e)?;
    drop(chart);
    drop(root);
    Ok(svg)
}
