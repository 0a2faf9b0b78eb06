//! One measure as an SVG chart, made on the server: both partners' lines (told apart by
//! colour, dash and marker shape, never colour alone), the cut-off, reliable improvement
//! and deterioration marked on the points where they are reached, and the treatment plan's
//! phases shaded along the time axis. It carries a title and a description; the page puts
//! the same numbers in a table beside it. No script.

use chrono::{DateTime, Utc};

use super::{
    catalogue::{Change, Measure},
    phases::Phase,
    series::Line,
};
use crate::{types::TimeZone, when};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 44.0;
/// Each partner's stroke: a colour and a dash, so print and colour-blind readers tell them
/// apart too.
const STYLES: [(&str, &str); 2] = [("#2f5d62", ""), ("#b5562b", "6 4")];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart for `measure`; `id` makes its element ids unique on a page.
pub fn svg(measure: &Measure, lines: &[Line], phases: &[Phase], tz: TimeZone, id: &str) -> String {
    let times: Vec<DateTime<Utc>> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.at))
        .collect();
    let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else {
        return String::new();
    };
    // A day either side, so a lone point is not on the edge.
    let start = *first - chrono::Duration::days(1);
    let end = *last + chrono::Duration::days(1);
    let span = (end - start).num_seconds().max(1) as f64;
    let x = |at: DateTime<Utc>| {
        let clamped = at.clamp(start, end);
        LEFT + (clamped - start).num_seconds() as f64 / span * (WIDTH - LEFT - RIGHT)
    };
    let range = f64::from(measure.max - measure.min).max(1.0);
    let y = |v: f64| TOP + (f64::from(measure.max) - v) / range * (HEIGHT - TOP - BOTTOM);

    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="measure-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{title_id} {desc_id}" data-measure="{}">"#,
        measure.slug
    );
    out.push_str(&format!(
        r#"<title id="{title_id}">{}</title>"#,
        escape(measure.name)
    ));
    let summary: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            let (a, b) = (l.points.first()?, l.points.last()?);
            Some(format!(
                "{}: {} responses, from {} to {}",
                l.name,
                l.points.len(),
                a.score,
                b.score
            ))
        })
        .collect();
    out.push_str(&format!(
        r#"<desc id="{desc_id}">{}. Range {} to {}{}. {}. The table beside the chart has every score.</desc>"#,
        escape(&summary.join("; ")),
        measure.min,
        measure.max,
        measure
            .cutoff
            .map(|c| format!(", cut-off {c} ({})", measure.cutoff_meaning))
            .unwrap_or_default(),
        if measure.higher_is_better() {
            "Higher is better"
        } else {
            "Lower is better"
        }
    ));
    // Phases first, so everything else is drawn over them.
    for (i, p) in phases.iter().enumerate() {
        let (x0, x1) = (x(p.from), x(p.to.unwrap_or(end)));
        if x1 <= x0 {
            continue;
        }
        out.push_str(&format!(
            r##"<g class="phase" data-phase="{name}"><rect x="{x0:.1}" y="{TOP}" width="{w:.1}" height="{h:.1}" fill="{fill}" /><text x="{tx:.1}" y="{ty}" font-size="11" fill="#555">{name}</text></g>"##,
            name = escape(&p.name),
            w = x1 - x0,
            h = HEIGHT - TOP - BOTTOM,
            fill = if i % 2 == 0 { "#eef3f3" } else { "#f7f1ea" },
            tx = x0 + 4.0,
            ty = TOP - 8.0,
        ));
    }
    // Axes: the range at left, the first and last dates below.
    let (x_left, x_right, y_bottom) = (LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM);
    out.push_str(&format!(
        r##"<g class="axes" stroke="#888" stroke-width="1"><line x1="{x_left}" y1="{TOP}" x2="{x_left}" y2="{y_bottom}" /><line x1="{x_left}" y1="{y_bottom}" x2="{x_right}" y2="{y_bottom}" /></g>"##
    ));
    for v in [measure.min, measure.max] {
        out.push_str(&format!(
            r##"<text class="tick" x="{tx}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#333">{v}</text>"##,
            tx = LEFT - 6.0,
            ty = y(f64::from(v)) + 4.0,
        ));
    }
    for (at, anchor) in [(*first, "start"), (*last, "end")] {
        out.push_str(&format!(
            r##"<text class="date" x="{tx:.1}" y="{ty}" font-size="11" text-anchor="{anchor}" fill="#333">{d}</text>"##,
            tx = x(at),
            ty = HEIGHT - BOTTOM + 16.0,
            d = when::day(at.with_timezone(&tz.tz()).date_naive()),
        ));
    }
    if let Some(c) = measure.cutoff {
        out.push_str(&format!(
            r##"<g class="cutoff" data-value="{c}"><line x1="{x_left}" y1="{cy:.1}" x2="{x_right}" y2="{cy:.1}" stroke="#8a1c1c" stroke-width="1" stroke-dasharray="2 3" /><text x="{tx}" y="{ty:.1}" font-size="11" text-anchor="start" fill="#8a1c1c">cut-off {c}</text></g>"##,
            cy = y(c),
            tx = x_left + 4.0,
            ty = y(c) - 4.0,
        ));
    }
    for (n, line) in lines.iter().enumerate() {
        if line.points.is_empty() {
            continue;
        }
        let (colour, dash) = STYLES[n % STYLES.len()];
        let points: Vec<String> = line
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.at), y(f64::from(p.score))))
            .collect();
        out.push_str(&format!(
            r#"<g class="partner" data-participant="{pid}" data-name="{name}"><polyline fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}" points="{pts}" />"#,
            pid = line.participant_id,
            name = escape(&line.name),
            pts = points.join(" "),
        ));
        for p in &line.points {
            let (cx, cy) = (x(p.at), y(f64::from(p.score)));
            // The first partner's points are circles, the second's squares.
            if n % 2 == 0 {
                out.push_str(&format!(
                    r#"<circle class="point" cx="{cx:.1}" cy="{cy:.1}" r="3.5" fill="{colour}" data-score="{s}" data-at="{at}" />"#,
                    s = p.score,
                    at = p.at.to_rfc3339(),
                ));
            } else {
                out.push_str(&format!(
                    r#"<rect class="point" x="{rx:.1}" y="{ry:.1}" width="7" height="7" fill="{colour}" data-score="{s}" data-at="{at}" />"#,
                    rx = cx - 3.5,
                    ry = cy - 3.5,
                    s = p.score,
                    at = p.at.to_rfc3339(),
                ));
            }
            // A reliable change is marked with a labelled triangle: up for better.
            if let Some(kind) = p.mark.as_str() {
                let (dy, glyph, fill) = match p.mark {
                    Change::Improved => (-12.0, "▲", "#1d6b2f"),
                    _ => (18.0, "▼", "#8a1c1c"),
                };
                out.push_str(&format!(
                    r#"<text class="mark" data-mark="{kind}" data-participant="{pid}" x="{cx:.1}" y="{ty:.1}" font-size="12" text-anchor="middle" fill="{fill}">{glyph}</text>"#,
                    pid = line.participant_id,
                    ty = cy + dy,
                ));
            }
        }
        out.push_str("</g>");
    }
    // The legend, in the bottom margin.
    for (n, line) in lines.iter().enumerate() {
        let (colour, dash) = STYLES[n % STYLES.len()];
        let lx = LEFT + n as f64 * 200.0;
        let ly = HEIGHT - 10.0;
        out.push_str(&format!(
            r##"<g class="legend"><line x1="{lx}" y1="{ly}" x2="{lx2}" y2="{ly}" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}" /><text x="{tx}" y="{ty}" font-size="11" fill="#333">{name}</text></g>"##,
            lx2 = lx + 24.0,
            tx = lx + 30.0,
            ty = ly + 4.0,
            name = escape(&line.name),
        ));
    }
    out.push_str("</svg>");
    out
}
