//! The plots people look at, written as SVG next to `report.json`:
//!
//! - `state_by_depth.svg`: forwarding state per node (octets, mean over the nodes at each
//!   depth) against tree depth, for PASA, RPL storing and RPL non-storing. The y axis is
//!   logarithmic when the values span more than two decades (RPL storing near the root is
//!   often 10⁴–10⁷ times PASA), linear otherwise. A log axis cannot show zero: a series that is
//!   zero at some depths (RPL non-storing below the root, RPL storing at the leaves) says so in
//!   its legend entry, and its line is broken there.
//! - `header_by_depth.svg`: routing header octets per packet against the destination's depth,
//!   the same three series, on a linear axis.
//!
//! Where two series have the same value (PASA's header is often RPL storing's 4 octets), PASA
//! is drawn last, on top of RPL storing's dashed line and larger open triangles, and the
//! legend says at which depths they coincide.
//!
//! Drawn with `plotters`' SVG backend alone (no `ttf` feature): text goes into the SVG as
//! `<text>` elements for the viewer to render, and plotters only estimates text extents for
//! layout, so no font files, font-kit or system libraries are needed to build or to run.

use std::io;
use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::report::{DepthRow, Report};

/// File name of the forwarding-state plot.
pub const STATE_SVG: &str = "state_by_depth.svg";
/// File name of the routing-header plot.
pub const HEADER_SVG: &str = "header_by_depth.svg";

/// Series names, as the legends show them.
pub const SERIES: [&str; 3] = ["PASA", "RPL storing", "RPL non-storing"];

/// Picture size, pixels.
const SIZE: (u32, u32) = (900, 560);

/// Colours (Okabe–Ito, distinguishable with colour-blindness): blue, vermillion, green.
const COLORS: [RGBColor; 3] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
];

/// Writes `state_by_depth.svg` and `header_by_depth.svg` into `dir` (created if missing) and
/// returns their paths.
pub fn write_plots(report: &Report, dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let rows = &report.by_depth;
    let n = report.topology.nodes;
    let what = format!(
        "{}, {n} node{}",
        report.topology.source,
        if n == 1 { "" } else { "s" }
    );
    let state = Figure {
        title: format!("Forwarding state per node by depth: {what}"),
        x_desc: "tree depth (hops from the root)",
        y_desc: "forwarding state per node (octets, mean per depth)",
        series: series(rows, |r| {
            [r.state_pasa, r.state_rpl_storing, r.state_rpl_non_storing]
        }),
        allow_log: true,
    };
    let header = Figure {
        title: format!("Routing header per packet by destination depth: {what}"),
        x_desc: "destination depth (hops from the root)",
        y_desc: "routing header per packet (octets)",
        series: series(rows, |r| {
            [
                r.header_pasa,
                r.header_rpl_storing,
                r.header_rpl_non_storing,
            ]
        }),
        allow_log: false,
    };
    let mut paths = Vec::new();
    for (name, fig) in [(STATE_SVG, state), (HEADER_SVG, header)] {
        let path = dir.join(name);
        std::fs::write(&path, fig.render()?)?;
        paths.push(path);
    }
    Ok(paths)
}

/// The three series of one figure: (depth, value) points.
type Series = [Vec<(f64, f64)>; 3];

fn series(rows: &[DepthRow], pick: impl Fn(&DepthRow) -> [f64; 3]) -> Series {
    let mut s: Series = Default::default();
    for r in rows {
        for (k, v) in pick(r).into_iter().enumerate() {
            s[k].push((f64::from(r.depth), v));
        }
    }
    s
}

struct Figure {
    title: String,
    x_desc: &'static str,
    y_desc: &'static str,
    series: Series,
    allow_log: bool,
}

/// The y axis: a range in plotted units (log10 of the value on a log axis) and its ticks.
struct Axis {
    log: bool,
    range: std::ops::Range<f64>,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Axis {
    fn new(series: &Series, allow_log: bool) -> Self {
        let values = || series.iter().flatten().map(|&(_, v)| v);
        let max = values().fold(0.0f64, f64::max);
        let min_pos = values().filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min);
        if allow_log && min_pos.is_finite() && max / min_pos > 100.0 {
            let lo = min_pos.log10().floor();
            // A decade of headroom for the legend.
            let top = max.log10().ceil().max(lo + 1.0) + 1.0;
            let bold: Vec<f64> = (lo as i32..=top as i32).map(f64::from).collect();
            let light = bold
                .iter()
                .flat_map(|&d| (2..10).map(move |m| d + f64::from(m).log10()))
                .filter(|&y| y < top)
                .collect();
            return Self {
                log: true,
                range: lo..top,
                bold,
                light,
            };
        }
        let max = if max > 0.0 { max } else { 1.0 };
        let step = nice_step(max / 5.0);
        // Headroom for the legend above the highest point.
        let top = (max * 1.3 / step).ceil() * step;
        let bold = (0..)
            .map(|i| f64::from(i) * step)
            .take_while(|&y| y <= top + step / 1e6)
            .collect();
        Self {
            log: false,
            range: 0.0..top,
            bold,
            light: Vec::new(),
        }
    }

    /// Where a value goes on the axis; `None` for a value a log axis cannot show.
    fn place(&self, v: f64) -> Option<f64> {
        match (self.log, v > 0.0) {
            (true, true) => Some(v.log10()),
            (true, false) => None,
            (false, _) => Some(v),
        }
    }

    fn label(&self, y: f64) -> String {
        if self.log {
            let e = y.round() as i32;
            if e < 4 {
                format!("{}", 10f64.powi(e))
            } else {
                format!("10^{e}")
            }
        } else if y.fract().abs() < 1e-9 {
            format!("{y:.0}")
        } else {
            format!("{y:.1}")
        }
    }
}

/// A linear f64 axis with the ticks given: plotters' own `with_key_points` keeps f64's
/// formatting option, which the mesh cannot label.
struct Ticks {
    inner: RangedCoordf64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ticks {
    fn new(range: std::ops::Range<f64>, bold: Vec<f64>, light: Vec<f64>) -> Self {
        Self {
            inner: range.into(),
            bold,
            light,
        }
    }
}

impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * p)
}

/// Depths written as ranges: "1-3, 5".
fn ranges(depths: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < depths.len() {
        let mut j = i;
        while j + 1 < depths.len() && depths[j + 1] == depths[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            depths[i].to_string()
        } else {
            format!("{}-{}", depths[i], depths[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

fn to_io<E: std::fmt::Display>(e: E) -> io::Error {
    io::Error::other(format!("cannot draw the plot: {e}"))
}

impl Figure {
    /// Series `k`'s legend entry: its name, and what the plot cannot show by itself.
    fn legend_label(&self, k: usize, axis: &Axis) -> String {
        let mut notes = Vec::new();
        let depths = |f: &dyn Fn(usize) -> bool| -> Vec<u32> {
            (0..self.series[k].len())
                .filter(|&i| f(i))
                .map(|i| self.series[k][i].0 as u32)
                .collect()
        };
        let at = |d: &[u32]| {
            if d.len() == self.series[k].len() {
                "at every depth".to_string()
            } else {
                format!(
                    "at depth{} {}",
                    if d.len() > 1 { "s" } else { "" },
                    ranges(d)
                )
            }
        };
        if axis.log {
            let zeros = depths(&|i| self.series[k][i].1 <= 0.0);
            if !zeros.is_empty() {
                notes.push(format!("0 {}, not shown", at(&zeros)));
            }
        }
        if k > 0 {
            let same = depths(&|i| {
                self.series[0]
                    .get(i)
                    .is_some_and(|p| p.1 == self.series[k][i].1 && axis.place(p.1).is_some())
            });
            if !same.is_empty() {
                notes.push(format!("= PASA {}", at(&same)));
            }
        }
        if notes.is_empty() {
            SERIES[k].to_string()
        } else {
            format!("{} ({})", SERIES[k], notes.join("; "))
        }
    }

    /// The SVG text.
    fn render(&self) -> io::Result<String> {
        let axis = Axis::new(&self.series, self.allow_log);
        let depth_max = self
            .series
            .iter()
            .flatten()
            .map(|&(d, _)| d)
            .fold(0.0f64, f64::max);
        let pad = if depth_max < 1.0 { 0.5 } else { 0.3 };
        let x_step = (depth_max / 15.0).ceil().max(1.0);
        let x_ticks: Vec<f64> = (0..)
            .map(|i| f64::from(i) * x_step)
            .take_while(|&x| x <= depth_max)
            .collect();

        // Each series as runs of consecutive points the axis can show.
        let placed: Vec<Vec<Vec<(f64, f64)>>> = self
            .series
            .iter()
            .map(|s| {
                let mut runs = vec![Vec::new()];
                for &(d, v) in s {
                    match axis.place(v) {
                        Some(y) => runs.last_mut().expect("never empty").push((d, y)),
                        None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
                        None => {}
                    }
                }
                runs.retain(|r| !r.is_empty());
                runs
            })
            .collect();

        // The legend goes in the upper corner the data leaves emptier.
        let height = |x_lo: f64, x_hi: f64| {
            placed
                .iter()
                .flatten()
                .flatten()
                .filter(|&&(x, _)| x >= x_lo && x <= x_hi)
                .map(|&(_, y)| y)
                .fold(axis.range.start, f64::max)
        };
        let third = (depth_max + 2.0 * pad) / 3.0;
        let corner =
            if height(-pad, -pad + third) <= height(depth_max + pad - third, depth_max + pad) {
                SeriesLabelPosition::UpperLeft
            } else {
                SeriesLabelPosition::UpperRight
            };

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            root.fill(&WHITE).map_err(to_io)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(&self.title, ("sans-serif", 22))
                .margin(16)
                .margin_right(28)
                .x_label_area_size(52)
                .y_label_area_size(if axis.log { 78 } else { 70 })
                .build_cartesian_2d(
                    Ticks::new(-pad..depth_max + pad, x_ticks, Vec::new()),
                    Ticks::new(axis.range.clone(), axis.bold.clone(), axis.light.clone()),
                )
                .map_err(to_io)?;
            let x_fmt = |x: &f64| format!("{x:.0}");
            let y_fmt = |y: &f64| axis.label(*y);
            let y_desc = match self.y_desc.strip_suffix(')') {
                Some(open) if axis.log => format!("{open}; log scale)"),
                _ if axis.log => format!("{} (log scale)", self.y_desc),
                _ => self.y_desc.to_string(),
            };
            chart
                .configure_mesh()
                .x_desc(self.x_desc)
                .y_desc(y_desc)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .label_style(("sans-serif", 15))
                .axis_desc_style(("sans-serif", 17))
                .bold_line_style(BLACK.mix(0.15))
                .light_line_style(BLACK.mix(0.05))
                .draw()
                .map_err(to_io)?;

            // Legend entries in series order; the data is drawn after, PASA last so that it
            // stays on top where the baselines have the same value.
            for (k, &color) in COLORS.iter().enumerate() {
                let style = line_style(k, color);
                chart
                    .draw_series(LineSeries::new(std::iter::empty(), style))
                    .map_err(to_io)?
                    .label(self.legend_label(k, &axis))
                    .legend(move |(x, y)| {
                        // A line through the marker; RPL storing's with a gap, as dashed.
                        let gap = if k == 1 { 3 } else { 0 };
                        EmptyElement::at((x + 10, y))
                            + PathElement::new(vec![(-10, 0), (-gap, 0)], style)
                            + PathElement::new(vec![(gap, 0), (10, 0)], style)
                            + marker(k, color)
                    });
            }
            for k in [1, 2, 0] {
                let color = COLORS[k];
                let style = line_style(k, color);
                for run in &placed[k] {
                    if k == 1 {
                        chart
                            .draw_series(DashedLineSeries::new(run.iter().copied(), 7, 5, style))
                            .map_err(to_io)?;
                    } else {
                        chart
                            .draw_series(LineSeries::new(run.iter().copied(), style))
                            .map_err(to_io)?;
                    }
                    chart
                        .draw_series(run.iter().map(|&p| EmptyElement::at(p) + marker(k, color)))
                        .map_err(to_io)?;
                }
            }
            chart
                .configure_series_labels()
                .position(corner)
                .margin(12)
                .label_font(("sans-serif", 15))
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK.mix(0.4))
                .draw()
                .map_err(to_io)?;
            root.present().map_err(to_io)?;
        }
        Ok(svg)
    }
}

/// Series `k`'s line: PASA solid and thick, RPL storing dashed, RPL non-storing solid.
fn line_style(k: usize, color: RGBColor) -> ShapeStyle {
    color.stroke_width(if k == 0 { 3 } else { 2 })
}

/// Series `k`'s marker, relative to its point: a filled circle, a larger open triangle (so
/// that a PASA point drawn on it still shows it), a filled square.
fn marker<DB: DrawingBackend>(k: usize, color: RGBColor) -> DynElement<'static, DB, (i32, i32)> {
    match k {
        0 => Circle::new((0, 0), 5, color.filled()).into_dyn(),
        1 => PathElement::new(
            vec![(0, -10), (9, 6), (-9, 6), (0, -10)],
            color.stroke_width(2),
        )
        .into_dyn(),
        _ => Rectangle::new([(-5, -5), (5, 5)], color.filled()).into_dyn(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::run::{self, TrafficPlan};
    use crate::{Sim, SimConfig, report};

    fn kary_report() -> Report {
        let topo = pasa_topology::generate::kary(2, 2, 1).expect("fits");
        let mut sim: Sim = Sim::new(topo, SimConfig::default()).expect("valid");
        let boot = run::bootstrap(&mut sim).expect("bootstraps");
        let traffic = run::traffic(&mut sim, &TrafficPlan::default());
        report::build(&sim, boot, traffic, BTreeMap::new())
    }

    fn temp_dir(name: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()))
    }

    /// The contents of the SVG's `<text>` elements, trimmed and unescaped.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim()))
            .map(|t| {
                t.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&")
            })
            .collect()
    }

    #[test]
    fn plots_are_written_as_svg_with_series_and_axes() {
        let r = kary_report();
        let dir = temp_dir("pasa-plot");
        let paths = write_plots(&r, &dir).unwrap();
        assert_eq!(paths, vec![dir.join(STATE_SVG), dir.join(HEADER_SVG)]);
        for (path, y_desc) in paths.iter().zip([
            "forwarding state per node (octets, mean per depth",
            "routing header per packet (octets",
        ]) {
            let svg = std::fs::read_to_string(path).unwrap();
            let t = svg.trim();
            assert!(t.starts_with("<svg") || t.starts_with("<?xml"), "{path:?}");
            assert!(t.ends_with("</svg>"), "{path:?}");
            let texts = texts(&svg);
            for name in SERIES {
                // The legend entry: the name, maybe followed by a note in brackets.
                assert!(
                    texts
                        .iter()
                        .any(|t| *t == name || t.starts_with(&format!("{name} ("))),
                    "{path:?} lacks {name}: {texts:?}"
                );
            }
            assert!(
                texts.iter().any(|t| t.starts_with(y_desc)),
                "{path:?} lacks its y label: {texts:?}"
            );
            assert!(
                texts
                    .iter()
                    .any(|t| t.ends_with("depth (hops from the root)")),
                "{path:?} lacks its x label: {texts:?}"
            );
            let title = format!("{}, {} nodes", r.topology.source, r.topology.nodes);
            assert!(
                texts.iter().any(|t| t.ends_with(&title)),
                "{path:?} lacks its title: {texts:?}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn state_axis_goes_logarithmic_past_two_decades() {
        let r = kary_report();
        let state = series(&r.by_depth, |r| {
            [r.state_pasa, r.state_rpl_storing, r.state_rpl_non_storing]
        });
        let max = state.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
        let min = state
            .iter()
            .flatten()
            .map(|p| p.1)
            .filter(|&v| v > 0.0)
            .fold(f64::INFINITY, f64::min);
        assert_eq!(Axis::new(&state, true).log, max / min > 100.0);
        let wide: Series = [
            vec![(0.0, 16.0), (1.0, 32.0)],
            vec![(0.0, 50_000.0), (1.0, 0.0)],
            vec![(0.0, 25_000.0), (1.0, 0.0)],
        ];
        let a = Axis::new(&wide, true);
        assert!(a.log);
        assert_eq!(a.place(0.0), None);
        assert_eq!((a.label(1.0), a.label(5.0)), ("10".into(), "10^5".into()));
        assert!(!Axis::new(&wide, false).log);
        assert_eq!(ranges(&[1, 2, 3, 5]), "1-3, 5");
    }
}
