//! The refresh study's plots: L(β) per workload, and the rule's gap against R₀.

use plotters::prelude::*;

use super::summary::RefreshStudySummary;
use crate::error::ExperimentError;
use crate::study::refresh::analysis::Aggregate;

/// β on an axis where the paper's grid is evenly spaced: −log₁₀(1 − β).
fn x_of(beta: f64) -> f64 {
    -(1.0 - beta).log10()
}

fn beta_label(x: &f64) -> String {
    format!("{:.3}", 1.0 - 10f64.powf(-x))
}

fn err(what: &'static str) -> impl Fn(String) -> ExperimentError {
    move |message| ExperimentError::Report {
        what: format!("plotting {what}"),
        message,
    }
}

/// One panel per workload: L(β), the oracle (green), the rule's β (red) and the pilot β (grey).
pub fn loss_vs_beta(summary: &RefreshStudySummary) -> Result<String, ExperimentError> {
    let e = err("L(β)");
    let n = summary.workloads.len();
    let cols = n.clamp(1, 3);
    let rows = n.div_ceil(cols);
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, (420 * cols as u32, 300 * rows as u32))
        .into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
    for (panel, w) in root
        .split_evenly((rows, cols))
        .iter()
        .zip(&summary.workloads)
    {
        let points: Vec<(f64, f64)> = w
            .losses
            .betas
            .iter()
            .zip(&w.losses.loss)
            .filter(|(_, l)| l.is_finite())
            .map(|(&b, &l)| (x_of(b), l))
            .collect();
        let (x0, x1) = (
            x_of(w.losses.betas[0]),
            x_of(*w.losses.betas.last().unwrap()),
        );
        let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.08).max(1e-4);
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!("{} (T_ES {})", w.name, w.losses.t_es),
                ("sans-serif", 16),
            )
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d((x0 - 0.1)..(x1 + 0.1), (lo - pad)..(hi + pad))
            .map_err(|x| e(x.to_string()))?;
        chart
            .configure_mesh()
            .x_labels(5)
            .x_label_formatter(&beta_label)
            .x_desc("β")
            .y_desc("min validation loss")
            .draw()
            .map_err(|x| e(x.to_string()))?;
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                BLUE.stroke_width(2),
            ))
            .map_err(|x| e(x.to_string()))?;
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))
            .map_err(|x| e(x.to_string()))?;
        let marks = [
            (summary.pilot_beta, RGBColor(140, 140, 140), 7),
            (w.oracle.0, RGBColor(0, 150, 0), 9),
            (w.rule_beta, RED, 5),
        ];
        for (beta, color, size) in marks {
            if let Some(i) = w.losses.betas.iter().position(|&b| b == beta) {
                let p = (x_of(beta), w.losses.loss[i]);
                chart
                    .draw_series([Circle::new(p, size, color.stroke_width(2))])
                    .map_err(|x| e(x.to_string()))?;
            }
        }
    }
    root.present().map_err(|x| e(x.to_string()))?;
    drop(root);
    Ok(svg)
}

/// Mean and max gap of the rule against R₀ (log scale), with R₀ = 1000 the paper's choice.
pub fn gap_vs_r0(summary: &RefreshStudySummary) -> Result<Option<String>, ExperimentError> {
    let e = err("the gap against R₀");
    let sweep = &summary.r0_sweep;
    if sweep.is_empty() {
        return Ok(None);
    }
    let max_gap = sweep.iter().map(|(_, a)| a.max).fold(0.0, f64::max);
    let (r_lo, r_hi) = (sweep[0].0, sweep[sweep.len() - 1].0);
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, (720, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Refresh rule: gap to the oracle vs R₀", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(
            (r_lo * 0.8..r_hi * 1.25).log_scale(),
            0.0..(max_gap * 1.1).max(0.1),
        )
        .map_err(|x| e(x.to_string()))?;
    chart
        .configure_mesh()
        .x_desc("R₀ (profile-scaled)")
        .y_desc("gap %")
        .draw()
        .map_err(|x| e(x.to_string()))?;
    type Value = fn(&Aggregate) -> f64;
    let lines: [(&str, RGBColor, Value); 2] =
        [("max gap", RED, |a| a.max), ("mean gap", BLUE, |a| a.mean)];
    for (name, color, value) in lines {
        let points: Vec<(f64, f64)> = sweep.iter().map(|(r, a)| (*r, value(a))).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(|x| e(x.to_string()))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
            .map_err(|x| e(x.to_string()))?;
    }
    crate::report::plot::finish(&mut chart, &root).map_err(e)?;
    drop(chart);
    drop(root);
    Ok(Some(svg))
}
