//! The figure test: every plot kind, old and new, rendered with awkward
//! inputs (long scenario names, long parameter paths, ten series, two
//! replications, NaN gaps), checked for text that is clipped, cut short or
//! still shows underscores; and realistic samples written to
//! `target/figure-samples/` for a person to look at.

use std::fs;
use std::path::{Path, PathBuf};

use super::text::{record_text, TextBox};
use super::*;
use super::{layout, output, style};

const LONG_SCENARIO: &str = "due_diligence_exemption_with_mass_satisfaction_and_promotion_incentives_reform";
const LONG_PATH: &str = "inspection.levels.county_discipline_inspection_commission_office.detect";

fn samples_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("figure-samples").join(sub)
}

/// A smooth series with a band, NaN at `gaps`.
fn series(label: &str, n: usize, level: f64, slope: f64, gaps: &[usize]) -> Band {
    let x: Vec<f64> = (1..=n).map(|i| i as f64).collect();
    let mean: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(k, t)| if gaps.contains(&k) { f64::NAN } else { level + slope * (1.0 - (-t / 12.0).exp()) + 0.01 * (t * 1.3).sin() })
        .collect();
    let low = mean.iter().map(|m| m - 0.04).collect();
    let high = mean.iter().map(|m| m + 0.04).collect();
    Band { label: label.to_string(), x, mean, low, high }
}

fn scenario(i: usize) -> String {
    match i {
        0 => "status_quo_veto".to_string(),
        1 => LONG_SCENARIO.to_string(),
        _ => format!("reform_variant_{i}_with_a_long_name"),
    }
}

fn info(title: &str, reps: usize) -> FigureInfo {
    FigureInfo {
        title: title.to_string(),
        replications: Some(reps),
        window: Some("last 12 of 96 periods".to_string()),
        interval: Interval::MeanCi95,
        notes: vec![],
    }
}

/// Renders one figure through `f` while recording text, then checks the
/// PNG: every text box inside the canvas, no ellipsis, no underscores, and
/// the outermost pixel columns blank.
fn check(name: &str, f: impl FnOnce(&Path) -> Result<Vec<PathBuf>, PlotError>) {
    let dir = samples_dir("awkward");
    let stem = dir.join(name);
    let (paths, boxes) = record_text(|| f(&stem));
    let paths = paths.unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(paths.len(), 2, "{name}: {paths:?}");
    let img = image::open(&paths[0]).unwrap_or_else(|e| panic!("{name}: cannot read back the PNG: {e}")).to_rgb8();
    let (w, h) = img.dimensions();
    assert!(!boxes.is_empty(), "{name}: no text recorded");
    let clipped: Vec<&TextBox> = boxes.iter().filter(|b| b.x0 < 0 || b.y0 < 0 || b.x1 > w as i32 || b.y1 > h as i32).collect();
    assert!(clipped.is_empty(), "{name}: text outside the {w}x{h} canvas: {clipped:?}");
    let cut: Vec<&TextBox> = boxes.iter().filter(|b| b.text.contains('…') || b.text.contains('_')).collect();
    assert!(cut.is_empty(), "{name}: text cut short or with raw underscores: {cut:?}");
    for x in [0, 1, w - 2, w - 1] {
        let inked = (0..h).filter(|&y| img.get_pixel(x, y).0.iter().any(|c| *c < 200)).count();
        assert_eq!(inked, 0, "{name}: pixel column {x} has {inked} drawn pixels");
    }
    // Text must not spill over the right or left margin either.
    let near_edge: Vec<&TextBox> = boxes.iter().filter(|b| b.x0 < 4 || b.x1 > w as i32 - 4).collect();
    assert!(near_edge.is_empty(), "{name}: text touching the side edges: {near_edge:?}");
}

#[test]
fn no_text_is_clipped_in_any_figure() {
    let ten: Vec<Band> = (0..10).map(|i| series(&scenario(i), 96, 0.2 + 0.05 * i as f64, 0.1, &[30, 31, 60])).collect();
    let two_reps = |t: &str| info(t, 2);

    check("time_series", |s| time_series(s, &format!("Effort under {LONG_SCENARIO}"), "period (months)", "s", &ten));
    let panels: Vec<(String, Vec<Band>)> = ["s", "m", "formalism", "share_diligent", "output", "sanction_rate"]
        .iter()
        .map(|m| (labels::metric_label(m), ten.clone()))
        .collect();
    check("panel_time_series", |s| panel_time_series(s, "Cadre effort and outcomes by regime (mean, 95% interval)", LONG_PATH, &panels, 3));
    let x: Vec<f64> = (1..=96).map(f64::from).collect();
    let layers = vec![
        ("avoiders (s < 0.25)".to_string(), x.iter().map(|t| if *t == 40.0 { f64::NAN } else { 0.3 }).collect::<Vec<_>>()),
        ("minimal".to_string(), vec![0.3; 96]),
        ("diligent (s ≥ 0.5)".to_string(), vec![0.4; 96]),
    ];
    check("stacked_shares", |s| stacked_shares(s, LONG_SCENARIO, "period (months)", &x, &layers));
    let sp: Vec<SharesPanel> = (0..3).map(|i| (scenario(i), x.clone(), layers.clone())).collect();
    check("stacked_shares_panels", |s| {
        stacked_shares_panels(s, "Avoiders, minimal and diligent cadres by regime", "period (months)", &sp, 2)
    });
    let bs: Vec<Bar> = (0..10).map(|i| Bar { label: scenario(i), mean: 0.3 + 0.02 * i as f64, low: 0.28, high: 0.5 }).collect();
    check("bars", |s| bars(s, &format!("substantive work at the end of the run under {LONG_SCENARIO}"), "s", &bs));
    let groups: Vec<String> = vec![LONG_PATH.to_string(), "regime.penalty".to_string(), "learning.re_experiment".to_string()];
    let sb = |v: f64| Bar { label: String::new(), mean: v, low: v - 0.05, high: v + 0.05 };
    let gs = vec![
        ("first order S1".to_string(), vec![sb(0.3), sb(0.1), sb(f64::NAN)]),
        ("total ST".to_string(), vec![sb(0.4), sb(0.2), sb(0.05)]),
    ];
    check("grouped_bars", |s| grouped_bars(s, "Sobol' indices of s", "share of output variance", &groups, &gs));
    let xs: Vec<f64> = (0..9).map(f64::from).collect();
    let ys: Vec<f64> = (0..6).map(|i| i as f64 * 0.2).collect();
    let z: Vec<Vec<f64>> = ys.iter().map(|y| xs.iter().map(|x| if *x == 3.0 { f64::NAN } else { 0.3 + 0.03 * x * y }).collect()).collect();
    check("heatmap", |s| {
        heatmap(s, "mean substantive work (end-of-run mean)", "regime.penalty", LONG_PATH, &xs, &ys, &z, &labels::metric_label("s"))
    });
    let pts: Vec<(String, f64, f64)> =
        vec![(LONG_PATH.to_string(), 0.4, 0.3), ("regime.penalty".to_string(), 0.2, 0.1), ("learning.lambda".to_string(), 0.01, 0.02)];
    check("scatter_labelled", |s| scatter_labelled(s, "Morris screening of s", "mu*", "sigma", &pts));

    // The typed figures.
    check("shares_figure", |s| {
        shares_figure(
            s,
            &SharesFigure {
                info: two_reps("Avoiders, minimal and diligent cadres by regime"),
                x_label: "period (months)".into(),
                panels: sp.clone(),
                columns: 2,
            },
        )
    });
    check("shares_figure_one", |s| {
        shares_figure(
            s,
            &SharesFigure {
                info: two_reps("Avoiders, minimal and diligent cadres"),
                x_label: "period (months)".into(),
                panels: sp[1..2].to_vec(),
                columns: 0,
            },
        )
    });
    let shares: Vec<Bar> =
        (0..10).map(|i| Bar { label: scenario(i), mean: 0.1 * i as f64, low: 0.1 * i as f64 - 0.15, high: 0.1 * i as f64 + 0.2 }).collect();
    check("bar_figure", |s| {
        bar_figure(
            s,
            &BarFigure {
                info: two_reps("Share of diligent cadres at the end of the run"),
                y_label: labels::metric_label("share_diligent"),
                bars: shares.clone(),
                y_range: YRange::Proportion,
            },
        )
    });
    let classes = |i: usize| Panel {
        title: scenario(i),
        series: vec![
            series("avoiders", 96, 0.2, -0.1, &[10]),
            series("minimal", 96, 0.25, 0.0, &[]),
            series("diligent", 96, 0.3, 0.2, &[50, 51]),
        ],
    };
    check("sanction_by_class", |s| {
        sanction_by_class(
            s,
            &ClassSanctions {
                info: two_reps("Sanction rate by effort class"),
                x_label: "period (months)".into(),
                scenarios: (0..3).map(classes).collect(),
            },
        )
    });
    check("sanction_by_class_one", |s| {
        sanction_by_class(
            s,
            &ClassSanctions {
                info: two_reps("Sanction rate by effort class"),
                x_label: "period (months)".into(),
                scenarios: vec![classes(1)],
            },
        )
    });
    let ratios: Vec<Band> = (0..10).map(|i| series(&scenario(i), 96, 0.8 + 0.1 * i as f64, 0.3, &[5])).collect();
    check("blame_ratio", |s| {
        blame_ratio(s, &BlameRatio { info: two_reps("Blame ratio"), x_label: "period (months)".into(), series: ratios.clone() })
    });
    let levels: Vec<f64> = (0..=4).map(|i| i as f64 / 4.0).collect();
    let effort: Vec<Band> = (0..10)
        .map(|i| Band {
            label: scenario(i),
            x: levels.clone(),
            mean: levels.iter().map(|s| if *s == 0.5 && i == 2 { f64::NAN } else { 0.05 + 0.5 * s + 0.01 * i as f64 }).collect(),
            low: levels.iter().map(|s| 0.5 * s - 0.1).collect(),
            high: levels.iter().map(|s| 0.1 + 0.5 * s + 0.6).collect(),
        })
        .collect();
    check("sanction_by_effort", |s| {
        sanction_by_effort(
            s,
            &EffortSanctions {
                info: two_reps("The more you do, the more you are blamed"),
                s_levels: levels.clone(),
                series: effort.clone(),
            },
        )
    });
    let diffs = |k: usize| DiffPanel {
        metric: labels::metric_label(["s", "share_diligent", "blame_ratio", "sanction_rate"][k]),
        diffs: (1..10)
            .map(|i| Bar {
                label: scenario(i),
                mean: 0.02 * i as f64 - 0.05,
                low: 0.02 * i as f64 - 0.09,
                high: if i == 4 { f64::NAN } else { 0.02 * i as f64 },
            })
            .collect(),
    };
    check("paired_differences", |s| {
        paired_differences(
            s,
            &PairedDifferences {
                info: two_reps("Differences from the status quo"),
                baseline: scenario(0),
                metrics: (0..4).map(diffs).collect(),
                columns: 2,
            },
        )
    });
    let heat = |diverging: bool| HeatmapFigure {
        info: two_reps("Change in substantive work against penalty and exemption"),
        x_label: labels::param_label("regime.penalty"),
        y_label: labels::param_label(LONG_PATH),
        xs: xs.clone(),
        ys: ys.clone(),
        z: z.iter().map(|r| r.iter().map(|v| if diverging { v - 0.4 } else { *v }).collect()).collect(),
        z_label: "Δ substantive work s from the status quo (share of time)".into(),
        marked: Some((2, 5)),
        marked_label: "status quo".into(),
        diverging,
        values: None,
    };
    check("heatmap_figure", |s| heatmap_figure(s, &heat(false)));
    check("heatmap_diverging", |s| heatmap_figure(s, &heat(true)));
    let sweep_x: Vec<f64> = (0..7).map(f64::from).collect();
    let sweep_panels: Vec<Panel> = ["s", "m", "formalism", "share_diligent", "output", "sanction_rate"]
        .iter()
        .map(|m| Panel { title: labels::metric_label(m), series: vec![series("mean, 95% interval", 7, 0.3, 0.2, &[4])] })
        .map(|mut p| {
            p.series[0].x = sweep_x.clone();
            p
        })
        .collect();
    check("sweep_status_quo_line", |s| {
        panel_figure(
            s,
            &PanelFigure {
                info: two_reps(&format!("End-of-run outcomes against {}", labels::label_of(LONG_PATH))),
                x_label: labels::label_of(LONG_PATH),
                panels: sweep_panels.clone(),
                columns: 3,
                x_reference: vec![RefLine { value: 2.0, label: format!("status quo, {} = 2", labels::label_of(LONG_PATH)) }],
                ..PanelFigure::default()
            },
        )
    });
    let params: Vec<String> = vec![LONG_PATH.into(), "regime.penalty".into(), "regime.exempt".into(), "learning.lambda".into()];
    let b = |m: f64| Bar { label: String::new(), mean: m, low: m * 0.6, high: m * 1.5 };
    check("sobol_figure", |s| {
        sobol_figure(
            s,
            &SobolFigure {
                info: two_reps("Sobol' indices of s"),
                samples: 256,
                parameters: params.clone(),
                s1: vec![b(0.1), b(0.4), b(0.05), b(f64::NAN)],
                st: vec![b(0.2), b(0.6), b(0.08), b(0.01)],
            },
        )
    });
    check("morris_figure", |s| {
        morris_figure(
            s,
            &MorrisFigure {
                info: two_reps("Morris screening of s"),
                trajectories: 20,
                parameters: params.clone(),
                mu_star: vec![b(0.4), b(0.2), b(0.02), b(0.3)],
                sigma: vec![0.3, 0.01, 0.03, f64::NAN],
            },
        )
    });
}

#[test]
fn proportion_axes_are_fixed_and_clipping_is_stated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let b = Band {
        label: "a_b".into(),
        x: vec![1.0, 2.0, 3.0],
        mean: vec![0.3, 0.31, 0.32],
        low: vec![-0.1, 0.2, 0.2],
        high: vec![0.5, 0.5, 1.2],
    };
    let fig = LineFigure { info: info("Shares", 3), series: vec![b.clone()], y_range: YRange::Proportion, ..LineFigure::default() };
    let stem = dir.path().join("p");
    let (r, boxes) = record_text(|| line_figure(&stem, &fig));
    r.expect("rendered");
    let texts: Vec<&str> = boxes.iter().map(|b| b.text.as_str()).collect();
    let caption = texts.join(" ");
    assert!(caption.contains("clipped to [0, 1]"), "{texts:?}");
    assert!(caption.contains("Only 3 replications"), "{texts:?}");
    assert!(texts.contains(&"0.0") && texts.contains(&"1.0"), "y axis not fixed at [0, 1]: {texts:?}");
    assert!(texts.contains(&"a b"), "scenario name not spaced: {texts:?}");
    // The same data on an automatic axis is announced as zoomed.
    let auto = LineFigure { y_range: YRange::Auto, series: vec![Band { low: vec![], high: vec![], ..b }], ..fig };
    let (r, boxes) = record_text(|| line_figure(&stem, &auto));
    r.expect("rendered");
    let caption: String = boxes.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join(" ");
    assert!(caption.contains("y axis zoomed to ["), "{caption}");
    assert!(!caption.contains("clipped"), "{caption}");
}

#[test]
fn bad_typed_input_is_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let s = dir.path().join("bad");
    let fig =
        HeatmapFigure { xs: vec![0.0, 1.0], ys: vec![0.0], z: vec![vec![1.0, 2.0]], marked: Some((2, 0)), ..HeatmapFigure::default() };
    let e = heatmap_figure(&s, &fig).expect_err("marked cell outside");
    assert!(e.to_string().contains("marked cell (2, 0)"), "{e}");
    let e = sobol_figure(&s, &SobolFigure { parameters: vec!["regime.penalty".into()], ..SobolFigure::default() }).expect_err("lengths");
    assert!(e.to_string().contains("1 parameters but 0 S1"), "{e}");
    let e = morris_figure(&s, &MorrisFigure { parameters: vec!["a".into()], ..MorrisFigure::default() }).expect_err("lengths");
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");
    let bad = Band { label: "x".into(), x: vec![1.0], mean: vec![], ..Band::default() };
    let e = blame_ratio(&s, &BlameRatio { series: vec![bad], ..BlameRatio::default() }).expect_err("shape");
    assert!(e.to_string().contains("mean"), "{e}");
    assert_eq!(fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(0), 0, "files written for bad input");
}

/// Rows of a tidy CSV as maps from column name to text.
fn read_tidy(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap_or("").split(',').map(str::to_string).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_string)).collect()).collect()
}

/// Renders the typed paradox figures from a real `compare` output directory
/// (`CADRESIM_SAMPLE_COMPARE`, default `target/figure-samples/real/compare`,
/// made with `cadresim compare ... --out`) into `target/figure-samples/real/`,
/// for a person to look at. Ignored by default: it needs that directory.
#[test]
#[ignore]
fn real_samples_from_a_compare_run() {
    let dir = std::env::var("CADRESIM_SAMPLE_COMPARE").map(PathBuf::from).unwrap_or_else(|_| samples_dir("real").join("compare"));
    let ts = read_tidy(&dir.join("timeseries.csv"));
    let cmp = read_tidy(&dir.join("comparison.csv"));
    assert!(!ts.is_empty() && !cmp.is_empty(), "no compare output in {}", dir.display());
    let num = |r: &std::collections::HashMap<String, String>, k: &str| r.get(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    let mut scenarios: Vec<String> = Vec::new();
    for r in &ts {
        if !scenarios.contains(&r["scenario"]) {
            scenarios.push(r["scenario"].clone());
        }
    }
    let reps = ts.first().map(|r| num(r, "n") as usize);
    let band = |scn: &str, metric: &str, label: &str| {
        let rows: Vec<_> = ts.iter().filter(|r| r["scenario"] == scn && r["metric"] == metric).collect();
        Band {
            label: label.to_string(),
            x: rows.iter().map(|r| num(r, "period")).collect(),
            mean: rows.iter().map(|r| num(r, "mean")).collect(),
            low: rows.iter().map(|r| num(r, "ci_low")).collect(),
            high: rows.iter().map(|r| num(r, "ci_high")).collect(),
        }
    };
    let info = |title: &str| FigureInfo {
        title: title.to_string(),
        replications: reps,
        window: Some("every period".into()),
        interval: Interval::MeanCi95,
        notes: vec![],
    };
    let out = samples_dir("real");
    let classes: Vec<Panel> = scenarios
        .iter()
        .map(|s| Panel {
            title: s.clone(),
            series: vec![band(s, "sanction_rate_avoiders", "avoiders (s < 0.25)"), band(s, "sanction_rate_diligent", "diligent (s ≥ 0.5)")],
        })
        .collect();
    sanction_by_class(
        &out.join("sanction_by_class"),
        &ClassSanctions {
            info: info("Sanction rate of avoiders and diligent cadres"),
            x_label: "period (months)".into(),
            scenarios: classes,
        },
    )
    .expect("sanction_by_class");
    let ratios: Vec<Band> = scenarios.iter().map(|s| band(s, "blame_ratio", s)).collect();
    blame_ratio(
        &out.join("blame_ratio"),
        &BlameRatio { info: info("Blame ratio by regime"), x_label: "period (months)".into(), series: ratios },
    )
    .expect("blame_ratio");
    let metrics = ["s", "share_diligent", "formalism", "sanction_rate", "wrongful_sanctions", "blame_ratio"];
    let panels: Vec<DiffPanel> = metrics
        .iter()
        .map(|m| DiffPanel {
            metric: labels::metric_label(m),
            diffs: cmp
                .iter()
                .filter(|r| r["metric"] == *m && r["scenario"] != scenarios[0])
                .map(|r| Bar {
                    label: r["scenario"].clone(),
                    mean: num(r, "diff"),
                    low: num(r, "diff_ci_low"),
                    high: num(r, "diff_ci_high"),
                })
                .collect(),
        })
        .collect();
    let mut di = info("Paired differences from the status quo (end-of-run window)");
    di.window = Some("end-of-run window".into());
    paired_differences(
        &out.join("paired_differences"),
        &PairedDifferences { info: di, baseline: scenarios[0].clone(), metrics: panels, columns: 3 },
    )
    .expect("paired_differences");
}

/// A figure that writes one word across the right edge of the canvas.
struct OverTheEdge;

impl output::Figure for OverTheEdge {
    fn size(&self) -> (u32, u32) {
        (400, 200)
    }

    fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), PlotError> {
        use plotters::prelude::*;
        root.draw(&Text::new("clipped label".to_string(), (360, 100), layout::font(style::LABEL).color(&BLACK)))?;
        Ok(())
    }
}

#[test]
fn the_text_recorder_sees_text_that_leaves_the_canvas() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (r, boxes) = record_text(|| output::render(&dir.path().join("edge"), &OverTheEdge));
    r.expect("rendered");
    assert_eq!(boxes.len(), 1, "{boxes:?}");
    assert_eq!(boxes[0].text, "clipped label");
    assert!(boxes[0].x0 >= 360 && boxes[0].x1 > 400, "box should extend past the 400 px canvas: {:?}", boxes[0]);
    // Outside a recording nothing is kept.
    let (_, none) = record_text(|| ());
    assert!(none.is_empty());
}
