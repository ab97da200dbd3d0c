//! Tests of the plotting module: every figure writes a real PNG and SVG,
//! odd data never panics, errors are reported, no temporary files remain,
//! and the helpers (ticks, colours, text rendering) behave.

use std::fs;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::layout::{self, Axis};
use super::output::{self, Figure};
use super::series::{untyped_line, LineChart};
use super::text::CrispText;
use super::*;

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn band(label: &str, n: usize, offset: f64) -> Band {
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mean: Vec<f64> = x.iter().map(|t| offset + (t / 10.0).sin()).collect();
    Band { label: label.to_string(), low: mean.iter().map(|m| m - 0.2).collect(), high: mean.iter().map(|m| m + 0.2).collect(), x, mean }
}

fn layers(n: usize) -> (Vec<f64>, Vec<(String, Vec<f64>)>) {
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let a: Vec<f64> = x.iter().map(|t| 0.2 + 0.1 * (t / 8.0).sin()).collect();
    let b: Vec<f64> = x.iter().map(|_| 0.3).collect();
    let c: Vec<f64> = a.iter().zip(&b).map(|(a, b)| 1.0 - a - b).collect();
    (x, vec![("avoiding".to_string(), a), ("minimal".to_string(), b), ("diligent".to_string(), c)])
}

fn bar(label: &str, mean: f64) -> Bar {
    Bar { label: label.to_string(), mean, low: mean - 0.1, high: mean + 0.1 }
}

/// Checks the two written files and returns the SVG text.
fn check_outputs(paths: &[PathBuf], stem: &Path, title: &str) -> String {
    assert_eq!(paths.len(), 2, "{paths:?}");
    let png = PathBuf::from(format!("{}.png", stem.display()));
    let svg = PathBuf::from(format!("{}.svg", stem.display()));
    assert_eq!(paths, &[png.clone(), svg.clone()][..]);
    let bytes = fs::read(&png).expect("png written");
    assert!(bytes.len() > 2000, "png suspiciously small: {}", bytes.len());
    assert_eq!(bytes[..8], PNG_SIGNATURE, "not a PNG");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    assert_eq!(width, 1600);
    let text = fs::read_to_string(&svg).expect("svg written");
    assert!(text.starts_with("<svg"), "svg starts with {:?}", &text[..20.min(text.len())]);
    assert!(text.trim_end().ends_with("</svg>"));
    if !title.is_empty() {
        assert!(text.contains(title), "svg lacks the title {title:?}");
    }
    text
}

fn no_temp_files(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".tmp-"), "temporary file left behind: {name}");
    }
}

#[test]
fn every_function_writes_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let series = vec![band("baseline", 96, 0.0), band("strict audit", 96, 1.0)];

    let stem = d.join("ts");
    let p = time_series(&stem, "Effort over time", "period", "effort", &series).unwrap();
    let svg = check_outputs(&p, &stem, "Effort over time");
    for label in ["period", "effort", "baseline", "strict audit"] {
        assert!(svg.contains(label), "svg lacks {label:?}");
    }

    let stem = d.join("panels");
    let panels = vec![
        ("effort".to_string(), series.clone()),
        ("corruption (%)".to_string(), vec![band("baseline", 96, 3.0)]),
        ("promotions".to_string(), series.clone()),
    ];
    let p = panel_time_series(&stem, "Key metrics", "period", &panels, 2).unwrap();
    let svg = check_outputs(&p, &stem, "Key metrics");
    assert!(svg.contains("corruption (%)"));

    let stem = d.join("shares");
    let (x, l) = layers(96);
    let p = stacked_shares(&stem, "Types of cadres", "period", &x, &l).unwrap();
    let svg = check_outputs(&p, &stem, "Types of cadres");
    assert!(svg.contains("share of cadres"));
    assert!(svg.contains("diligent"));

    let stem = d.join("shares_panels");
    let sp = vec![("baseline".to_string(), x.clone(), l.clone()), ("strict".to_string(), x.clone(), l.clone())];
    let p = stacked_shares_panels(&stem, "Types by scenario", "period", &sp, 2).unwrap();
    check_outputs(&p, &stem, "Types by scenario");

    let stem = d.join("bars");
    let bs = vec![bar("baseline", 0.5), bar("strict audit", 0.7), bar("rotation", 0.6)];
    let p = bars(&stem, "Final effort", "effort", &bs).unwrap();
    let svg = check_outputs(&p, &stem, "Final effort");
    assert!(svg.contains("strict audit"));

    let stem = d.join("grouped");
    let groups: Vec<String> = ["audit_probability", "penalty"].iter().map(|s| s.to_string()).collect();
    let sobol = vec![("S1".to_string(), vec![bar("", 0.3), bar("", 0.1)]), ("ST".to_string(), vec![bar("", 0.4), bar("", 0.2)])];
    let p = grouped_bars(&stem, "Sobol indices", "index", &groups, &sobol).unwrap();
    let svg = check_outputs(&p, &stem, "Sobol indices");
    assert!(svg.contains("penalty") && svg.contains("ST"));

    let stem = d.join("heat");
    let xs: Vec<f64> = (0..10).map(|i| i as f64 * 0.1).collect();
    let ys: Vec<f64> = (0..8).map(|i| i as f64).collect();
    let z: Vec<Vec<f64>> = ys.iter().map(|y| xs.iter().map(|x| x * y).collect()).collect();
    let p = heatmap(&stem, "Grid sweep", "audit p", "penalty", &xs, &ys, &z, "share").unwrap();
    let svg = check_outputs(&p, &stem, "Grid sweep");
    assert!(svg.contains("share"));
    // Lowest and highest cells take the ends of viridis.
    assert!(svg.contains("#440154"), "no dark viridis cell");
    assert!(svg.contains("#FDE725"), "no light viridis cell");

    let stem = d.join("morris");
    let pts = vec![("audit_probability".to_string(), 0.4, 0.3), ("penalty".to_string(), 0.2, 0.1), ("noise".to_string(), 0.01, 0.02)];
    let p = scatter_labelled(&stem, "Morris screening", "mu*", "sigma", &pts).unwrap();
    let svg = check_outputs(&p, &stem, "Morris screening");
    assert!(svg.contains("audit probability") && svg.contains("noise"));

    no_temp_files(d);
}

/// Runs every function on one kind of odd input; each must return without
/// panicking, and an `Ok` must have produced valid files.
fn odd_inputs(d: &Path, tag: &str, xs: Vec<f64>, ys: Vec<f64>) {
    let n = xs.len();
    let b = Band {
        label: "odd".to_string(),
        x: xs.clone(),
        mean: ys.clone(),
        low: ys.iter().map(|v| v - 1.0).collect(),
        high: ys.iter().map(|v| v + 1.0).collect(),
    };
    let title = format!("odd {tag}");
    let check = |name: &str, r: Result<Vec<PathBuf>, PlotError>| {
        let stem = d.join(format!("{tag}_{name}"));
        let p = r.unwrap_or_else(|e| panic!("{tag}/{name}: {e}"));
        check_outputs(&p, &stem, &title);
    };
    let s = |name: &str| d.join(format!("{tag}_{name}"));
    check("ts", time_series(&s("ts"), &title, "x", "y", std::slice::from_ref(&b)));
    check("panels", panel_time_series(&s("panels"), &title, "x", &[("p".to_string(), vec![b.clone()])], 3));
    let l = vec![("a".to_string(), ys.clone()), ("b".to_string(), ys.clone())];
    check("shares", stacked_shares(&s("shares"), &title, "x", &xs, &l));
    check("sp", stacked_shares_panels(&s("sp"), &title, "x", &[("s".to_string(), xs.clone(), l)], 0));
    let bs: Vec<Bar> = ys.iter().map(|v| bar("b", *v)).collect();
    check("bars", bars(&s("bars"), &title, "y", &bs));
    let groups: Vec<String> = (0..n).map(|i| format!("g{i}")).collect();
    check("grouped", grouped_bars(&s("grouped"), &title, "y", &groups, &[("s".to_string(), bs)]));
    let pts: Vec<(String, f64, f64)> = xs.iter().zip(&ys).map(|(x, y)| ("p".to_string(), *x, *y)).collect();
    check("scatter", scatter_labelled(&s("scatter"), &title, "x", "y", &pts));
    // The heat map needs finite, monotonic coordinates: use indices and put
    // the odd values in z.
    let grid: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let z: Vec<Vec<f64>> = (0..n).map(|_| ys.clone()).collect();
    check("heat", heatmap(&s("heat"), &title, "x", "y", &grid, &grid, &z, "z"));
}

#[test]
fn odd_data_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    odd_inputs(d, "empty", vec![], vec![]);
    odd_inputs(d, "single", vec![3.0], vec![0.5]);
    odd_inputs(d, "allnan", vec![0.0, 1.0, 2.0], vec![nan, nan, nan]);
    odd_inputs(d, "somenan", vec![0.0, 1.0, 2.0, 3.0, 4.0], vec![1.0, nan, 2.0, inf, 1.5]);
    odd_inputs(d, "constant", vec![0.0, 1.0, 2.0], vec![7.0, 7.0, 7.0]);
    odd_inputs(d, "zeros", vec![0.0, 1.0, 2.0], vec![0.0, 0.0, 0.0]);
    odd_inputs(d, "negative", vec![0.0, 1.0, 2.0], vec![-3.0, -1.0, -2.0]);
    odd_inputs(d, "huge", vec![0.0, 1.0, 2.0], vec![1e250, -1e250, 1e301]);
    odd_inputs(d, "tiny", vec![0.0, 1.0, 2.0], vec![1e-300, 2e-300, 5e-324]);
    odd_inputs(d, "nanx", vec![nan, 1.0, 1.0], vec![1.0, 2.0, 3.0]);
    no_temp_files(d);
}

#[test]
fn many_and_long_labels_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let long = "an extremely long category label that cannot possibly fit under one bar";
    let bs: Vec<Bar> = (0..30).map(|i| bar(&format!("{long} {i}"), i as f64)).collect();
    let stem = d.join("many_bars");
    let p = bars(&stem, &"A very long title ".repeat(10), "y", &bs).unwrap();
    check_outputs(&p, &stem, "");
    let series: Vec<Band> = (0..12).map(|i| band(&format!("{long} {i}"), 50, i as f64)).collect();
    let stem = d.join("many_series");
    let p = time_series(&stem, "Twelve series", "x", "y", &series).unwrap();
    check_outputs(&p, &stem, "Twelve series");
    let panels: Vec<(String, Vec<Band>)> = (0..7).map(|i| (format!("panel {i}"), series[..3].to_vec())).collect();
    let stem = d.join("many_panels");
    let p = panel_time_series(&stem, "Seven panels", "x", &panels, 3).unwrap();
    check_outputs(&p, &stem, "Seven panels");
    let pts: Vec<(String, f64, f64)> = (0..60).map(|i| (format!("p{i}"), (i % 7) as f64, (i % 5) as f64)).collect();
    let stem = d.join("crowded");
    let p = scatter_labelled(&stem, "Crowded", "x", "y", &pts).unwrap();
    check_outputs(&p, &stem, "Crowded");
    no_temp_files(d);
}

#[test]
fn mismatched_shapes_are_rejected_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = d.join("bad");
    let mut b = band("x", 10, 0.0);
    b.mean.pop();
    let e = time_series(&s, "t", "x", "y", &[b]).unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");
    assert!(e.to_string().contains("mean"), "{e}");

    let mut b = band("x", 10, 0.0);
    b.low.clear();
    let e = panel_time_series(&s, "t", "x", &[("p".to_string(), vec![b])], 2).unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");

    let (x, mut l) = layers(10);
    l[1].1.push(0.1);
    let e = stacked_shares(&s, "t", "x", &x, &l).unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");
    let e = stacked_shares_panels(&s, "t", "x", &[("a".to_string(), x, l)], 1).unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");

    let groups = vec!["a".to_string(), "b".to_string()];
    let e = grouped_bars(&s, "t", "y", &groups, &[("s".to_string(), vec![bar("", 1.0)])]).unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");

    let xs = [0.0, 1.0];
    let ys = [0.0, 1.0, 2.0];
    let e = heatmap(&s, "t", "x", "y", &xs, &ys, &vec![vec![0.0; 2]; 2], "z").unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");
    let e = heatmap(&s, "t", "x", "y", &xs, &ys[..2], &[vec![0.0; 2], vec![0.0; 3]], "z").unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");
    let e = heatmap(&s, "t", "x", "y", &[0.0, f64::NAN], &ys[..2], &vec![vec![0.0; 2]; 2], "z").unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");
    let e = heatmap(&s, "t", "x", "y", &[0.0, 2.0, 1.0], &ys[..1], &[vec![0.0; 3]], "z").unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");

    let e = bars(Path::new(""), "t", "y", &[]).unwrap_err();
    assert!(matches!(e, PlotError::InvalidInput(_)), "{e}");

    assert_eq!(fs::read_dir(d).unwrap().count(), 0, "files written for bad input");
}

#[test]
fn unwritable_destination_gives_io_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A regular file where a directory is needed fails even for root.
    let file = d.join("not_a_dir");
    fs::write(&file, b"x").unwrap();
    let e = bars(&file.join("sub").join("stem"), "t", "y", &[bar("a", 1.0)]).unwrap_err();
    assert!(matches!(e, PlotError::Io { .. }), "{e}");
    assert!(std::error::Error::source(&e).is_some());
    let e = bars(&file.join("stem"), "t", "y", &[bar("a", 1.0)]).unwrap_err();
    assert!(matches!(e, PlotError::Io { .. }), "{e}");

    // A read-only directory (only meaningful when not running as root).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = d.join("ro");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        let root = fs::write(ro.join("probe"), b"x").is_ok();
        if !root {
            let e = bars(&ro.join("stem"), "t", "y", &[bar("a", 1.0)]).unwrap_err();
            assert!(matches!(e, PlotError::Io { .. }), "{e}");
            assert_eq!(fs::read_dir(&ro).unwrap().count(), 0);
        }
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    }
    no_temp_files(d);
}

#[test]
fn creates_directories_keeps_dotted_stems_and_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("out").join("plots").join("sweep_p0.5");
    let first = bars(&stem, "First", "y", &[bar("a", 1.0)]).unwrap();
    assert!(first[0].ends_with("sweep_p0.5.png"), "{first:?}");
    check_outputs(&first, &stem, "First");
    let second = bars(&stem, "Second", "y", &[bar("a", 2.0)]).unwrap();
    let svg = check_outputs(&second, &stem, "Second");
    assert!(!svg.contains("First"));
    assert_eq!(fs::read_dir(stem.parent().unwrap()).unwrap().count(), 2);
}

#[test]
fn concurrent_renders_do_not_interfere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let d = d.clone();
            std::thread::spawn(move || {
                let stem = d.join("same");
                let title = format!("Thread {i}");
                time_series(&stem, &title, "x", "y", &[band("a", 30, 0.0)]).unwrap()
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let svg = fs::read_to_string(d.join("same.svg")).unwrap();
    assert!(svg.contains("Thread "));
    assert_eq!(fs::read_dir(&d).unwrap().count(), 2);
}

/// Renders `fig` into an RGB buffer through the same path as the PNG file.
fn raster<F: Figure>(fig: &F) -> (Vec<u8>, u32, u32) {
    style::ensure_fonts().unwrap();
    let (w, h) = fig.size();
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let backend = CrispText(BitMapBackend::with_buffer(&mut buf, (w, h)));
        output::draw_on(backend.into_drawing_area(), fig).unwrap();
    }
    (buf, w, h)
}

fn dark_pixels(buf: &[u8], w: u32, rows: std::ops::Range<u32>) -> usize {
    rows.flat_map(|y| (0..w).map(move |x| ((y * w + x) * 3) as usize))
        .filter(|&i| buf[i] < 100 && buf[i + 1] < 100 && buf[i + 2] < 100)
        .count()
}

#[test]
fn png_text_is_actually_drawn() {
    let series = [band("", 20, 0.0)];
    let with_title = LineChart(&untyped_line("A title that must show up", "", "", &series));
    let untitled = untyped_line("", "", "", &series);
    let without = LineChart(&untitled);
    let (buf, w, _) = raster(&with_title);
    let inked = dark_pixels(&buf, w, 0..layout::title_height("x"));
    assert!(inked > 2000, "title strip has only {inked} dark pixels");
    // Without a title the top of the canvas stays blank.
    let (buf, w, _) = raster(&without);
    assert_eq!(dark_pixels(&buf, w, 0..20), 0);
}

/// The PNG file holds exactly the pixels drawn (the encoder is lossless and the file path draws
/// what the in-memory path draws), and is compressed better than the fastest level that
/// plotters' own encoder used (which made figures two to three times larger).
#[test]
fn png_files_hold_the_drawn_pixels_compressed() {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let series = [band("first", 200, 0.0), band("second", 200, 0.5)];
    let chart = untyped_line("Two bands", "period", "value", &series);
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("bands");
    output::render(&stem, &LineChart(&chart)).unwrap();
    let file = fs::read(dir.path().join("bands.png")).unwrap();
    let decoded = image::load_from_memory_with_format(&file, image::ImageFormat::Png).unwrap().into_rgb8();
    let (pixels, w, h) = raster(&LineChart(&chart));
    assert_eq!((decoded.width(), decoded.height()), (w, h));
    assert!(decoded.as_raw() == &pixels, "the PNG's pixels differ from the drawing");
    let mut fast = Vec::new();
    PngEncoder::new_with_quality(&mut fast, CompressionType::Fast, FilterType::Adaptive)
        .write_image(&pixels, w, h, image::ColorType::Rgb8)
        .unwrap();
    assert!(file.len() * 10 < fast.len() * 9, "{} bytes, no smaller than the fastest level's {}", file.len(), fast.len());
}

#[test]
fn embedded_fonts_load() {
    style::ensure_fonts().unwrap();
    assert!(style::glyph_font(false).is_some());
    assert!(style::glyph_font(true).is_some());
    let (w, h) = layout::measure(&layout::font(style::TICK), "0.25");
    assert!(w > 30 && h > 15, "{w}x{h}");
}

#[test]
fn ticks_are_nice_and_labels_consistent() {
    let a = Axis::fixed(0.0, 1.0, 5);
    assert_eq!(a.ticks.len(), 6);
    let labels: Vec<String> = a.ticks.iter().map(|t| a.label(*t)).collect();
    assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);

    let a = Axis::fixed(0.0, 95.0, 8);
    assert_eq!(a.label(a.ticks[1]), "10");

    let a = Axis::fixed(-0.13, 0.07, 5);
    let labels: Vec<String> = a.ticks.iter().map(|t| a.label(*t)).collect();
    assert!(labels.contains(&"0.00".to_string()), "{labels:?}");
    assert!(!labels.iter().any(|l| l == "-0.00"), "{labels:?}");

    // Degenerate and empty inputs get a usable range.
    let a = Axis::auto([5.0, 5.0], 0.05, false, 5);
    assert!(a.lo < 5.0 && a.hi > 5.0 && !a.ticks.is_empty());
    let a = Axis::auto([0.0, 0.0], 0.05, true, 5);
    assert_eq!((a.lo, a.hi), (0.0, 1.0));
    let a = Axis::auto([f64::NAN], 0.05, false, 5);
    assert_eq!((a.lo, a.hi), (0.0, 1.0));
    // With `zero`, non-negative data start exactly at zero.
    let a = Axis::auto([0.2, 0.7], 0.05, true, 5);
    assert_eq!(a.lo, 0.0);
    assert!(a.hi > 0.7);
    // Large values switch to scientific notation.
    let a = Axis::fixed(0.0, 3e7, 5);
    assert!(a.label(1e7).contains('e'), "{}", a.label(1e7));
    // Explicit ticks print with the decimals they need.
    let a = Axis::at(0.0, 1.0, vec![0.05, 0.1, 0.5]);
    assert_eq!(a.label(0.1), "0.10");
}

#[test]
fn runs_split_at_gaps() {
    let v = [1.0, f64::NAN, 2.0, 3.0, f64::INFINITY, 4.0];
    let r = layout::runs(v.len(), |i| layout::ok(v[i]));
    assert_eq!(r, vec![0..1, 2..4, 5..6]);
    assert!(layout::runs(0, |_| true).is_empty());
}

#[test]
fn viridis_matches_published_endpoints_and_is_monotonic_in_lightness() {
    assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
    assert_eq!(viridis(1.0), RGBColor(0xFD, 0xE7, 0x25));
    // matplotlib viridis(0.5) = (0.127568, 0.566949, 0.550556).
    let RGBColor(r, g, b) = viridis(0.5);
    assert!((i32::from(r) - 33).abs() <= 2, "{r}");
    assert!((i32::from(g) - 145).abs() <= 2, "{g}");
    assert!((i32::from(b) - 140).abs() <= 2, "{b}");
    assert_eq!(viridis(-1.0), viridis(0.0));
    assert_eq!(viridis(f64::NAN), style::MISSING);
    let luma = |c: RGBColor| 0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
    let mut prev = -1.0;
    for i in 0..=100 {
        let l = luma(viridis(f64::from(i) / 100.0));
        assert!(l > prev, "lightness not increasing at {i}");
        prev = l;
    }
}

#[test]
fn errors_display_clearly() {
    let e = PlotError::InvalidInput("x".into());
    assert_eq!(e.to_string(), "cannot plot this data: x");
    let e = PlotError::Io { path: PathBuf::from("/a/b.png"), source: std::io::Error::other("denied") };
    assert_eq!(e.to_string(), "cannot write /a/b.png: denied");
}
