//! The timeline picture: an SVG (or an HTML page that holds it) with one lane per link
//! per server, coloured by the link's state, markers for faults, role changes, client
//! events and log 35115, a time axis and a legend.
//!
//! Failovers happen in milliseconds inside runs of minutes, so a linear axis would
//! squeeze everything that matters into a pixel. The axis is linear only where something
//! happens: each idle stretch longer than [`IDLE_GAP_MIN`] is drawn as a fixed-width
//! break marked on the axis with the time it skips, behind the lanes (a break never
//! hatches over a state). An outage is never broken: its width keeps its true share of
//! the linear time, and its band is labelled with its length. `--linear-time`
//! ([`Options::linear_time`]) draws the whole run linearly. Every segment, marker, fault
//! span and role change has a tooltip with its start, end and length. The output is
//! deterministic (fixed decimals, no clock, no randomness) so it can be snapshot-tested.

use std::fmt::Write as _;

use link_core::{ClientEvent, Instant, LinkState, LogRecord, Role};

use crate::outage::{seconds, Figures, Names, Outage};
use crate::report::RunReport;
use crate::scenario::Fault;
use crate::timeline::describe_fault;
use crate::SimDuration;

mod summary;

pub use summary::{COLUMNS, DETAIL_LIMIT, FAULTS_DRAWN, LANES_DRAWN};

/// How to draw the picture.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Draw time linearly, with no breaks over idle stretches.
    pub linear_time: bool,
}

/// Idle stretches at least this long (and at least 5% of the run) become axis breaks.
pub const IDLE_GAP_MIN: std::time::Duration = std::time::Duration::from_millis(1500);

const WIDTH: f64 = 1200.0;
const LABEL_W: f64 = 170.0;
const PLOT_X0: f64 = LABEL_W + 20.0;
const PLOT_X1: f64 = WIDTH - 30.0;
const BREAK_W: f64 = 44.0;
const LANE_H: f64 = 18.0;
const LANE_GAP: f64 = 9.0;
const HEADER_H: f64 = 24.0;
const LABEL_ROW_H: f64 = 15.0;
/// The outage row under each server's lanes, and the service row under the servers.
const OUTAGE_H: f64 = 14.0;
const OUTAGE_ROW_H: f64 = 22.0;
const SERVICE_H: f64 = 34.0;
const OUTAGE: &str = "#b2182b";

/// The colour of each link state, and its name in the legend.
const STATES: [(LinkState, &str, &str); 5] = [
    (LinkState::Connecting, "#c6dbef", "connecting"),
    (LinkState::Associating, "#6baed6", "associating"),
    (LinkState::AwaitingStatus, "#fdae6b", "awaiting status"),
    (LinkState::Operational, "#a1d99b", "operational"),
    (LinkState::Active, "#1b7837", "active"),
];
const FAULT: &str = "#d62728";
const ROLE: &str = "#6a3d9a";
const SELECTED: &str = "#e6a800";
const CONNECTED: &str = "#1b7837";
const DISCONNECTED: &str = "#d62728";

/// One piece of the axis: virtual times `t0..t1` drawn from `x0` to `x1`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    t0: u64,
    t1: u64,
    x0: f64,
    x1: f64,
    is_break: bool,
}

/// The time axis: pieces covering `0..=end`.
struct Axis {
    pieces: Vec<Piece>,
}

impl Axis {
    /// Builds the axis around the `moments` where something happens; no stretch that
    /// overlaps one of `linear` (the outages) becomes a break, nor any with `linear_time`.
    fn new(mut moments: Vec<u64>, end: u64, linear: &[(u64, u64)], linear_time: bool) -> Self {
        moments.push(0);
        moments.push(end);
        moments.extend(linear.iter().flat_map(|&(a, b)| [a, b]));
        moments.retain(|t| *t <= end);
        moments.sort_unstable();
        moments.dedup();
        let min_gap = (IDLE_GAP_MIN.as_nanos() as u64).max(end / 20);
        let in_outage = |a: u64, b: u64| linear.iter().any(|&(o0, o1)| a < o1 && o0 < b);
        let spans: Vec<(u64, u64, bool)> = moments
            .windows(2)
            .map(|w| {
                let idle = w[1] - w[0] >= min_gap && !in_outage(w[0], w[1]);
                (w[0], w[1], idle && !linear_time)
            })
            .collect();
        let breaks = spans.iter().filter(|s| s.2).count() as f64;
        let linear: u64 = spans.iter().filter(|s| !s.2).map(|s| s.1 - s.0).sum();
        let room = (PLOT_X1 - PLOT_X0 - breaks * BREAK_W).max(0.0);
        // Without any linear stretch (everything idle), share the room among the breaks.
        let (break_w, scale) = if linear == 0 {
            ((PLOT_X1 - PLOT_X0) / breaks.max(1.0), 0.0)
        } else {
            (BREAK_W, room / linear as f64)
        };
        let mut x = PLOT_X0;
        let pieces = spans
            .into_iter()
            .map(|(t0, t1, is_break)| {
                let w = if is_break {
                    break_w
                } else {
                    (t1 - t0) as f64 * scale
                };
                let piece = Piece {
                    t0,
                    t1,
                    x0: x,
                    x1: x + w,
                    is_break,
                };
                x += w;
                piece
            })
            .collect();
        Axis { pieces }
    }

    /// The x of virtual time `t` (nanoseconds).
    fn x(&self, t: u64) -> f64 {
        let index = self
            .pieces
            .partition_point(|p| p.t1 < t)
            .min(self.pieces.len().saturating_sub(1));
        let Some(p) = self.pieces.get(index) else {
            return PLOT_X0;
        };
        if p.t1 == p.t0 {
            return p.x0;
        }
        let t = t.clamp(p.t0, p.t1);
        p.x0 + (p.x1 - p.x0) * ((t - p.t0) as f64 / (p.t1 - p.t0) as f64)
    }
}

/// Seconds as a short axis label: `0s`, `0.119s`, `30.5s`, `2m`.
fn short_time(nanos: u64) -> String {
    let millis = nanos / 1_000_000;
    if millis % 60_000 == 0 && millis > 0 {
        return format!("{}m", millis / 60_000);
    }
    let text = format!("{}.{:03}", millis / 1000, millis % 1000);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}s")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Places labels on rows so that none overlaps another: returns each label's row.
fn stagger(spans: &[(f64, f64)], rows_max: usize) -> Vec<usize> {
    let mut row_end: Vec<f64> = Vec::new();
    spans
        .iter()
        .map(|(x0, x1)| {
            let row = row_end
                .iter()
                .position(|end| *end + 6.0 <= *x0)
                .unwrap_or(row_end.len());
            let row = row.min(rows_max.saturating_sub(1));
            if row == row_end.len() {
                row_end.push(*x1);
            } else {
                row_end[row] = row_end[row].max(*x1);
            }
            row
        })
        .collect()
}

/// Approximate width of `text` in the 11px sans-serif the picture uses.
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * 6.8
}

/// Where everything goes in the picture of one run.
struct Layout<'a> {
    /// The end of the run, nanoseconds.
    end: u64,
    axis: Axis,
    /// Each fault's x, label and link.
    faults: Vec<(f64, String, Option<&'a str>)>,
    /// Each fault label's row above the lanes.
    fault_rows: Vec<usize>,
    /// The top of the first server's block.
    top: f64,
    /// The links drawn, by index.
    lanes: Vec<usize>,
    lanes_per_server: f64,
    /// Why the picture is a summary, if it is one.
    note: Option<String>,
    server_h: f64,
    /// The top of the service row (a pair only).
    service_top: Option<f64>,
    plot_bottom: f64,
    height: f64,
    linear_time: bool,
}

/// The lanes of server `s` among `lanes` (the links drawn), row by row: each link's
/// index in the report's links and the priority that server gives it.
fn server_lanes(report: &RunReport, lanes: &[usize], s: usize) -> Vec<(usize, i32)> {
    let own = &report.server_links[s];
    lanes
        .iter()
        .filter_map(|&l| own.iter().find(|(link, _)| *link == l).copied())
        .collect()
}

/// Every outage of every server and of the service, as nanosecond intervals.
fn outage_intervals(report: &RunReport) -> Vec<(u64, u64)> {
    let o = &report.summary.outages;
    o.servers
        .iter()
        .chain(std::iter::once(&o.service))
        .flat_map(|f| f.outages.iter())
        .map(|o| (o.from.as_nanos(), o.until.as_nanos()))
        .collect()
}

impl<'a> Layout<'a> {
    fn of(
        report: &'a RunReport,
        options: Options,
        lanes: Vec<usize>,
        note: Option<String>,
    ) -> Self {
        // A summary's columns are equal stretches of time: drawn linearly.
        let summarized = note.is_some();
        let options = Options {
            linear_time: options.linear_time || summarized,
        };
        let end = report.summary.end.as_nanos();
        let mut moments: Vec<u64> = Vec::new();
        for (_, history) in &report.servers {
            for lane in &history.link_states {
                moments.extend(lane.iter().map(|(t, _)| t.as_nanos()));
            }
            moments.extend(history.roles.iter().map(|(t, _)| t.as_nanos()));
            moments.extend(history.client_events.iter().map(|(t, _)| t.as_nanos()));
        }
        for fault in &report.faults {
            moments.push(fault.at().as_nanos());
            moments.push(fault.healed_at().as_nanos());
        }
        let axis = Axis::new(moments, end, &outage_intervals(report), options.linear_time);
        // Fault labels above the lanes, staggered so none overlaps.
        let faults: Vec<(f64, String, Option<&str>)> = report
            .faults
            .iter()
            .filter(|f| f.at().as_nanos() <= end)
            .map(|f| (axis.x(f.at().as_nanos()), describe_fault(f), f.link()))
            .collect();
        let spans: Vec<(f64, f64)> = faults
            .iter()
            .map(|(x, text, _)| (*x, x + text_width(text) + 4.0))
            .collect();
        let fault_rows = stagger(&spans, 4);
        let label_rows = fault_rows.iter().max().map_or(0, |r| r + 1);
        let top = 92.0 + label_rows as f64 * LABEL_ROW_H;
        let lanes_per_server = (0..report.servers.len())
            .map(|s| server_lanes(report, &lanes, s).len())
            .max()
            .unwrap_or(0) as f64;
        let server_h = HEADER_H + lanes_per_server * (LANE_H + LANE_GAP) + OUTAGE_ROW_H + 8.0;
        let servers_bottom = top + report.servers.len() as f64 * server_h;
        let pair = report.servers.len() > 1;
        let service_top = pair.then_some(servers_bottom);
        let plot_bottom = servers_bottom + if pair { SERVICE_H } else { 0.0 };
        Layout {
            end,
            axis,
            faults,
            fault_rows,
            top,
            lanes,
            lanes_per_server,
            note,
            server_h,
            service_top,
            plot_bottom,
            height: plot_bottom + if summarized { 68.0 } else { 50.0 },
            linear_time: options.linear_time,
        }
    }
}

/// The SVG picture of a run.
pub fn svg(report: &RunReport) -> String {
    svg_with(report, Options::default())
}

/// The SVG picture of a run, drawn as `options` say: in full, or, for a run with more
/// than [`DETAIL_LIMIT`] elements or [`LANES_DRAWN`] links, in summary (its title says
/// so).
pub fn svg_with(report: &RunReport, options: Options) -> String {
    let drawn = summary::drawn(report);
    let report = drawn.report.as_ref().unwrap_or(report);
    let layout = Layout::of(report, options, drawn.lanes, drawn.note);
    let mut out = String::new();
    let w = &mut out;
    title(w, report, &layout);
    break_backgrounds(w, &layout);
    for (s, (server_name, history)) in report.servers.iter().enumerate() {
        server_block(w, report, &layout, s, (server_name, history));
    }
    fault_spans(w, report, &layout);
    if let Some(y) = layout.service_top {
        let names = report.names();
        let row = OutageRow {
            figures: &report.summary.outages.service,
            who: "service",
            service: true,
        };
        outage_row(w, &layout, &names, row, y + 8.0);
    }
    time_axis(w, &layout);
    if let Some(note) = &layout.note {
        let _ = writeln!(
            w,
            r##"<text class="summary" x="20" y="{:.1}" fill="#8a4b00">{}</text>"##,
            layout.height - 8.0,
            escape(note)
        );
    }
    let _ = writeln!(w, "</svg>");
    out
}

/// The opening of the SVG, the title, the legend, and the fault lines and labels.
fn title(w: &mut String, report: &RunReport, layout: &Layout<'_>) {
    let (height, end) = (layout.height, layout.end);
    let _ = writeln!(
        w,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">"#
    );
    let _ = writeln!(w, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        w,
        r##"<defs><pattern id="break" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2.5" height="7" fill="#ffffff" fill-opacity="0.85"/></pattern></defs>"##
    );
    let _ = writeln!(
        w,
        r##"<text x="20" y="26" font-size="16" font-weight="bold" fill="#222">{}</text>"##,
        escape(&report.summary.name)
    );
    let time = match layout.linear_time {
        true => "time drawn linearly",
        false => "idle stretches are drawn as breaks ≈ (outages never are)",
    };
    let _ = writeln!(
        w,
        r##"<text x="20" y="44" fill="#555">seed {} · {} of virtual time · {time}</text>"##,
        report.summary.seed,
        SimDuration(std::time::Duration::from_nanos(end))
    );
    legend(w, 20.0, 64.0);

    // Fault labels; their lines and spans are drawn on the servers they affect.
    for ((x, text, _), row) in layout.faults.iter().zip(&layout.fault_rows) {
        let y = 86.0 + *row as f64 * LABEL_ROW_H;
        let _ = writeln!(
            w,
            r#"<text x="{x:.1}" y="{y:.1}" fill="{FAULT}">⚡ {}</text>"#,
            escape(text)
        );
    }
}

/// `from..until` in words: `from 30.001s to 40.320s (10.319s)`.
fn span_words(from: u64, until: u64) -> String {
    format!(
        "from {} to {} ({})",
        Instant::from_nanos(from),
        Instant::from_nanos(until),
        seconds(std::time::Duration::from_nanos(until.saturating_sub(from)))
    )
}

/// The servers (by index) a fault affects: the one it names, else every server.
fn affected_servers(report: &RunReport, fault: &Fault) -> Vec<usize> {
    match fault.server() {
        Some(name) => report
            .servers
            .iter()
            .position(|(n, _)| n == name)
            .into_iter()
            .collect(),
        None => (0..report.servers.len()).collect(),
    }
}

/// Each fault on the servers it affects: a dashed line over each affected server's
/// block at its start, and a span from start to heal over the lane of its link.
fn fault_spans(w: &mut String, report: &RunReport, layout: &Layout<'_>) {
    let axis = &layout.axis;
    for fault in report
        .faults
        .iter()
        .filter(|f| f.at().as_nanos() <= layout.end)
    {
        let (t0, t1) = (
            fault.at().as_nanos(),
            fault.healed_at().as_nanos().min(layout.end),
        );
        let (x0, x1) = (axis.x(t0), axis.x(t1));
        let tip = format!(
            "FAULT {} · {}",
            escape(&describe_fault(fault)),
            span_words(t0, t1)
        );
        let link = fault
            .link()
            .and_then(|l| report.links.iter().position(|(n, _)| n == l));
        for s in affected_servers(report, fault) {
            let own = &report.server_links[s];
            if link.is_some_and(|l| own.iter().all(|(link, _)| *link != l)) {
                continue; // A connector this server does not use.
            }
            // Its lane's row, when its link is drawn.
            let lane = link.and_then(|l| {
                server_lanes(report, &layout.lanes, s)
                    .iter()
                    .position(|(drawn, _)| *drawn == l)
            });
            let y0 = layout.top + s as f64 * layout.server_h;
            let y1 = y0 + layout.server_h - 8.0;
            let _ = writeln!(
                w,
                r#"<line x1="{x0:.1}" y1="{y0:.1}" x2="{x0:.1}" y2="{y1:.1}" stroke="{FAULT}" stroke-width="1" stroke-dasharray="4 3"><title>{tip}</title></line>"#
            );
            let Some(l) = lane else { continue };
            let y = y0 + HEADER_H + l as f64 * (LANE_H + LANE_GAP) - 2.0;
            let _ = writeln!(
                w,
                r#"<rect class="fault-span" x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{FAULT}" fill-opacity="0.12" stroke="{FAULT}" stroke-width="1.2" stroke-dasharray="3 2"><title>{tip}</title></rect>"#,
                (x1 - x0).max(2.0),
                LANE_H + 4.0
            );
        }
    }
}

/// The break columns, drawn before the lanes so that the lanes paint over them: a
/// break shows between lanes and on the axis, never over a state.
fn break_backgrounds(w: &mut String, layout: &Layout<'_>) {
    for piece in layout.axis.pieces.iter().filter(|p| p.is_break) {
        let _ = writeln!(
            w,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="url(#break)" fill-opacity="0.6"><title>{} of idle time skipped</title></rect>"##,
            piece.x0 + 3.0,
            layout.top,
            (piece.x1 - piece.x0 - 6.0).max(0.0),
            layout.plot_bottom - layout.top,
            short_time(piece.t1 - piece.t0)
        );
    }
}

/// Whose outages an outage row draws.
struct OutageRow<'a> {
    figures: &'a Figures,
    who: &'a str,
    service: bool,
}

/// A row of outage bands at `y`, each labelled with its length, with the row's name.
fn outage_row(w: &mut String, layout: &Layout<'_>, names: &Names<'_>, row: OutageRow<'_>, y: f64) {
    let label = if row.service {
        "service (primary) out"
    } else {
        "no active link"
    };
    let _ = writeln!(
        w,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="{OUTAGE}" font-style="italic">{label}</text>"##,
        PLOT_X0 - 8.0,
        y + OUTAGE_H - 3.0
    );
    for outage in &row.figures.outages {
        outage_band(w, layout, names, &row, outage, y);
    }
}

fn outage_band(
    w: &mut String,
    layout: &Layout<'_>,
    names: &Names<'_>,
    row: &OutageRow<'_>,
    o: &Outage,
    y: f64,
) {
    let (t0, t1) = (o.from.as_nanos(), o.until.as_nanos());
    let (x0, x1) = (layout.axis.x(t0), layout.axis.x(t1));
    let width = (x1 - x0).max(2.0);
    let tip = format!(
        "{} out {} · {}",
        escape(row.who),
        span_words(t0, t1),
        escape(&crate::outage::describe(o, names, row.service))
    );
    let _ = writeln!(
        w,
        r#"<rect class="outage" x="{x0:.1}" y="{y:.1}" width="{width:.1}" height="{OUTAGE_H}" fill="{OUTAGE}" fill-opacity="0.28" stroke="{OUTAGE}"><title>{tip}</title></rect>"#
    );
    let text = format!("{} out", seconds(o.length()));
    let fits = text_width(&text) + 6.0 <= width;
    let (x, anchor) = if fits {
        ((x0 + x1) / 2.0, "middle")
    } else {
        (x0 + width + 3.0, "start")
    };
    let _ = writeln!(
        w,
        r#"<text class="outage-label" x="{x:.1}" y="{:.1}" text-anchor="{anchor}" font-weight="bold" fill="{OUTAGE}">{text}<title>{tip}</title></text>"#,
        y + OUTAGE_H - 3.0
    );
}

/// One server's block: its name and roles over time, and a lane per link.
fn server_block(
    w: &mut String,
    report: &RunReport,
    layout: &Layout<'_>,
    s: usize,
    (server_name, history): (&String, &crate::History),
) {
    let (axis, top, server_h) = (&layout.axis, layout.top, layout.server_h);
    let y0 = top + s as f64 * server_h;
    // Server header: name and its role over time.
    let _ = writeln!(
        w,
        r##"<text x="20" y="{:.1}" font-size="13" font-weight="bold" fill="#222">{}</text>"##,
        y0 + 15.0,
        escape(server_name)
    );
    let roles = &history.roles;
    let role_spans: Vec<(f64, f64)> = roles
        .iter()
        .map(|(t, r)| {
            let x = axis.x(t.as_nanos());
            (x, x + text_width(r.as_str()) + 14.0)
        })
        .collect();
    let role_rows = stagger(&role_spans, 2);
    for (i, ((t, role), row)) in roles.iter().zip(&role_rows).enumerate() {
        let x = axis.x(t.as_nanos());
        let y = y0 + 15.0 - *row as f64 * 11.0;
        let mark = if *role == Role::Primary { "◆" } else { "◇" };
        let until = roles.get(i + 1).map_or(layout.end, |(t, _)| t.as_nanos());
        let _ = writeln!(
            w,
            r#"<text x="{x:.1}" y="{y:.1}" fill="{ROLE}">{mark} {}<title>{} {} {}</title></text>"#,
            role.as_str(),
            escape(server_name),
            role.as_str(),
            span_words(t.as_nanos(), until)
        );
    }
    for (row, (l, priority)) in server_lanes(report, &layout.lanes, s)
        .into_iter()
        .enumerate()
    {
        let y = y0 + HEADER_H + row as f64 * (LANE_H + LANE_GAP);
        let label = (report.links[l].0.clone(), priority);
        link_lane(w, report, layout, (server_name, history), (l, &label, y));
    }
    let names = report.names();
    let row = OutageRow {
        figures: &report.summary.outages.servers[s],
        who: server_name,
        service: false,
    };
    let y = y0 + HEADER_H + layout.lanes_per_server * (LANE_H + LANE_GAP);
    outage_row(w, layout, &names, row, y);
}

/// One link's lane in one server's block: its label, its states over time, and the
/// markers of log 35115 and the client notifications.
fn link_lane(
    w: &mut String,
    report: &RunReport,
    layout: &Layout<'_>,
    (server_name, history): (&String, &crate::History),
    (l, (link_name, priority), y): (usize, &(String, i32), f64),
) {
    let (axis, end) = (&layout.axis, layout.end);
    let _ = writeln!(
        w,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#333">{} ({priority})</text>"##,
        PLOT_X0 - 8.0,
        y + 13.0,
        escape(link_name)
    );
    let _ = writeln!(
        w,
        r##"<rect x="{PLOT_X0:.1}" y="{y:.1}" width="{:.1}" height="{LANE_H}" fill="#f3f3f3"/>"##,
        PLOT_X1 - PLOT_X0
    );
    let lane = &history.link_states[l];
    for (i, (t, state)) in lane.iter().enumerate() {
        let Some((_, colour, _)) = STATES.iter().find(|(s, _, _)| s == state) else {
            continue;
        };
        let until = lane.get(i + 1).map_or(end, |(t, _)| t.as_nanos());
        let (x0, x1) = (axis.x(t.as_nanos()), axis.x(until));
        let width = (x1 - x0).max(1.5);
        let _ = writeln!(
            w,
            r#"<rect x="{x0:.1}" y="{y:.1}" width="{width:.1}" height="{LANE_H}" fill="{colour}"><title>{} {}: {} {}</title></rect>"#,
            escape(server_name),
            escape(link_name),
            state.as_str(),
            span_words(t.as_nanos(), until)
        );
    }
    // Markers on this lane: log 35115, client events.
    for entry in &history.logs {
        if let LogRecord::LinkSelected { link, .. } = entry.record {
            if link.index() == l {
                let x = axis.x(entry.at.as_nanos());
                let _ = writeln!(
                    w,
                    r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="14" fill="{SELECTED}" stroke="#7a5a00" stroke-width="0.4">★<title>log 35115 at {}: {}</title></text>"##,
                    y - 1.0,
                    entry.at,
                    escape(&entry.record.text(&report.config).to_string())
                );
            }
        }
    }
    for (t, event) in &history.client_events {
        if event.link().index() != l {
            continue;
        }
        let x = axis.x(t.as_nanos());
        let (mark, colour) = match event {
            ClientEvent::LinkConnected { .. } => ("▲", CONNECTED),
            ClientEvent::LinkDisconnected { .. } => ("✖", DISCONNECTED),
        };
        let _ = writeln!(
            w,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="12" font-weight="bold" fill="{colour}">{mark}<title>{} at {t}</title></text>"#,
            y + LANE_H + 10.0,
            event.name()
        );
    }
}

/// The time axis: its line, the labels of the breaks, and the ticks.
fn time_axis(w: &mut String, layout: &Layout<'_>) {
    let (axis, end) = (&layout.axis, layout.end);
    let plot_bottom = layout.plot_bottom;
    let axis_y = plot_bottom + 4.0;
    let _ = writeln!(
        w,
        r##"<line x1="{PLOT_X0:.1}" y1="{axis_y:.1}" x2="{PLOT_X1:.1}" y2="{axis_y:.1}" stroke="#444"/>"##
    );
    let mut last_label_end = f64::MIN;
    let mut last_break_label_end = f64::MIN;
    let tick = |w: &mut String, x: f64, text: &str, last: &mut f64| {
        let _ = writeln!(
            w,
            r##"<line x1="{x:.1}" y1="{axis_y:.1}" x2="{x:.1}" y2="{:.1}" stroke="#444"/>"##,
            axis_y + 5.0
        );
        let width = text_width(text);
        if x - width / 2.0 > *last + 4.0 {
            let _ = writeln!(
                w,
                r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#333">{text}</text>"##,
                axis_y + 17.0
            );
            *last = x + width / 2.0;
        }
    };
    for piece in &axis.pieces {
        if piece.is_break {
            let (x0, x1) = (piece.x0, piece.x1);
            let label = format!("≈ +{}", short_time(piece.t1 - piece.t0));
            let width = text_width(&label);
            let centre = (x0 + x1) / 2.0;
            if centre - width / 2.0 > last_break_label_end + 4.0 {
                let _ = writeln!(
                    w,
                    r##"<text x="{centre:.1}" y="{:.1}" text-anchor="middle" fill="#777">{label}</text>"##,
                    axis_y + 31.0
                );
                last_break_label_end = centre + width / 2.0;
            }
            tick(w, x0, &short_time(piece.t0), &mut last_label_end);
        } else {
            let span = piece.t1 - piece.t0;
            let width = piece.x1 - piece.x0;
            tick(w, piece.x0, &short_time(piece.t0), &mut last_label_end);
            if span > 0 && width > 160.0 {
                let step = nice_step(span, width);
                let mut t = piece.t0.div_ceil(step) * step;
                while t < piece.t1 {
                    if t > piece.t0 {
                        tick(w, axis.x(t), &short_time(t), &mut last_label_end);
                    }
                    t += step;
                }
            }
        }
    }
    tick(w, PLOT_X1, &short_time(end), &mut last_label_end);
}

/// A tick step of 1, 2 or 5 × 10^k ns giving about 90 px between ticks.
fn nice_step(span: u64, width: f64) -> u64 {
    let wanted = (span as f64 * 90.0 / width).max(1.0);
    let mut step: u64 = 1_000_000; // 1 ms
    loop {
        for m in [1, 2, 5] {
            if (step * m) as f64 >= wanted {
                return step * m;
            }
        }
        step *= 10;
    }
}

fn legend(w: &mut String, x: f64, y: f64) {
    let mut x = x;
    for (_, colour, name) in STATES {
        let _ = writeln!(
            w,
            r#"<rect x="{x:.1}" y="{:.1}" width="14" height="10" fill="{colour}"/>"#,
            y - 9.0
        );
        let _ = writeln!(
            w,
            r##"<text x="{:.1}" y="{y:.1}" fill="#333">{name}</text>"##,
            x + 18.0
        );
        x += 24.0 + text_width(name);
    }
    for (mark, colour, name) in [
        ("★", SELECTED, "log 35115"),
        ("▲", CONNECTED, "EventLinkConnected"),
        ("✖", DISCONNECTED, "EventLinkDisconnected"),
        ("⚡", FAULT, "fault"),
        ("◆", ROLE, "role change"),
    ] {
        let _ = writeln!(
            w,
            r#"<text x="{x:.1}" y="{y:.1}" fill="{colour}">{mark}</text>"#
        );
        let _ = writeln!(
            w,
            r##"<text x="{:.1}" y="{y:.1}" fill="#333">{name}</text>"##,
            x + 14.0
        );
        x += 24.0 + text_width(name);
    }
}

/// The most timeline lines an HTML page holds (`linksim run` prints them all, and the
/// trace has every step).
pub const PAGE_TIMELINE_LINES: usize = 2_000;

/// The timeline as a page shows it (this HTML page, and the browser playground's): its
/// first [`PAGE_TIMELINE_LINES`] lines, and a line saying how many more there are.
pub fn page_timeline(report: &RunReport) -> String {
    let shown = report.timeline.len().min(PAGE_TIMELINE_LINES);
    let mut text = crate::format_timeline(&report.timeline[..shown]);
    let more = (report.timeline.len() - shown) as u64 + report.timeline_omitted;
    if more > 0 {
        let _ = writeln!(
            text,
            "... and {more} more lines (linksim run prints the timeline whole; --trace FILE has every step)"
        );
    }
    text
}

/// A self-contained HTML page that leads with the answer: the scenario's name and a
/// pass/fail badge, the verdicts and the outage figures, then the picture (as wide as the
/// page, and scrolled sideways rather than shrunk past reading on a narrow screen), then
/// the timeline.
pub fn html(report: &RunReport) -> String {
    html_with(report, Options::default())
}

/// The page's style: a readable column, the badge, the picture's frame.
const PAGE_STYLE: &str = "body { font-family: DejaVu Sans, Arial, sans-serif; margin: 16px; color: #222; max-width: 1240px; }
h1 { font-size: 20px; margin: 0 0 6px; }
.badge { display: inline-block; padding: 3px 10px; border-radius: 4px; font-weight: bold; color: #fff; }
.badge.pass { background: #1b7837; }
.badge.fail { background: #b2182b; }
.description { color: #444; }
pre { font-size: 12px; background: #f7f7f7; padding: 8px; overflow-x: auto; }
#verdicts, #outages { white-space: pre-wrap; overflow-wrap: anywhere; }
.picture { overflow-x: auto; border: 1px solid #ddd; }
.picture svg { display: block; width: 100%; min-width: 760px; height: auto; }";

/// [`html`], the picture drawn as `options` say.
pub fn html_with(report: &RunReport, options: Options) -> String {
    let outcome = report.outcome_words();
    let class = match outcome.as_str() {
        "PASS" => "pass",
        _ => "fail",
    };
    let description = report.description.trim();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{name} · linksim</title>\n<style>\n{PAGE_STYLE}\n</style>\n</head>\n<body>\n<h1>{name} <span class=\"badge {class}\" id=\"outcome\">{outcome}</span></h1>\n<p class=\"description\">{description}</p>\n<h2>Verdicts</h2>\n<pre id=\"verdicts\">{verdicts}</pre>\n<h2>Outages</h2>\n<pre id=\"outages\">{outages}</pre>\n<div class=\"picture\" id=\"picture\">\n{svg}</div>\n<h2>Timeline</h2>\n<pre id=\"timeline\">{timeline}</pre>\n</body>\n</html>\n",
        name = escape(&report.summary.name),
        outcome = escape(&outcome),
        description = escape(description),
        verdicts = escape(&report.verdicts_only()),
        outages = escape(&report.outage_text()),
        svg = svg_with(report, options),
        timeline = escape(&page_timeline(report)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_stretches_become_breaks_and_busy_ones_get_the_room() {
        let ms = |n: u64| n * 1_000_000;
        let axis = Axis::new(
            vec![ms(0), ms(100), ms(30_000), ms(30_400)],
            ms(60_000),
            &[],
            false,
        );
        let breaks: Vec<_> = axis.pieces.iter().filter(|p| p.is_break).collect();
        assert_eq!(breaks.len(), 2, "{:?}", axis.pieces);
        // 100 ms at the start gets as much room as a fifth of the linear time (500 ms).
        let first = axis.x(ms(100)) - axis.x(0);
        let room = PLOT_X1 - PLOT_X0 - 2.0 * BREAK_W;
        assert!(
            (first - room / 5.0).abs() < 0.5,
            "{first} vs {}",
            room / 5.0
        );
        // Monotonic, and the whole run spans the plot.
        let xs: Vec<f64> = (0..=60).map(|s| axis.x(ms(s * 1000))).collect();
        assert!(xs.windows(2).all(|w| w[0] <= w[1]));
        assert!((axis.x(ms(60_000)) - PLOT_X1).abs() < 0.5);
    }

    #[test]
    fn labels_are_staggered_so_none_overlaps() {
        let rows = stagger(
            &[(0.0, 100.0), (50.0, 150.0), (120.0, 200.0), (300.0, 350.0)],
            4,
        );
        assert_eq!(rows, [0, 1, 0, 0]);
    }

    #[test]
    fn short_times_are_short() {
        assert_eq!(short_time(0), "0s");
        assert_eq!(short_time(119_000_000), "0.119s");
        assert_eq!(short_time(30_500_000_000), "30.5s");
        assert_eq!(short_time(120_000_000_000), "2m");
    }
}
