//! Reports: the run's JSON as it is, and an HTML page with the summary, what would make the
//! numbers untrustworthy, and charts drawn as inline SVG (viewable offline, no scripts).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Writes `<dir>/<scenario>.json` and `<dir>/<scenario>.html`; returns their paths.
pub fn write(dir: &Path, report: &Value) -> std::io::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let name = report["scenario"].as_str().unwrap_or("run");
    let json_path = dir.join(format!("{name}.json"));
    let html_path = dir.join(format!("{name}.html"));
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
    )?;
    std::fs::write(&html_path, html(report))?;
    Ok((json_path, html_path))
}

/// The few lines printed at the end of a run.
pub fn summary(r: &Value) -> String {
    let f = |v: &Value| v.as_f64().map_or("-".to_owned(), |x| format!("{x:.1}"));
    let mut out = format!(
        "{}: {} votes accepted ({}/s), counted {}, lost {}\n  HTTP (from due time) p50 {} ms, p99 {} ms, max {} ms\n  vote-to-screen p50 {} ms, p99 {} ms (each frame's oldest vote: p99 {} ms; {} viewers connected, {} failed)\n  arrivals due {}, dropped {}; loadgen CPU {}%",
        r["scenario"].as_str().unwrap_or(""),
        r["votes"]["accepted"],
        f(&r["votes"]["accepted_per_second"]),
        r["votes"]["counted"],
        r["votes"]["lost"],
        f(&r["http_latency_ms"]["p50"]),
        f(&r["http_latency_ms"]["p99"]),
        f(&r["http_latency_ms"]["max"]),
        f(&r["vote_to_screen_ms"]["p50"]),
        f(&r["vote_to_screen_ms"]["p99"]),
        f(&r["vote_to_screen_frame_worst_ms"]["p99"]),
        r["viewers"]["connected_at_end"],
        r["viewers"]["failed"],
        r["arrivals"]["due"],
        r["arrivals"]["dropped"],
        f(&r["machine"]["loadgen_cpu_percent"]),
    );
    for w in r["trust"]["warnings"].as_array().into_iter().flatten() {
        let _ = write!(out, "\n  warning: {}", w.as_str().unwrap_or(""));
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One series of a chart: a name, a colour, and (t, value) points.
struct Series<'a> {
    name: &'a str,
    colour: &'a str,
    points: Vec<(f64, f64)>,
}

fn series<'a>(timeline: &[Value], field: &str, name: &'a str, colour: &'a str) -> Series<'a> {
    Series {
        name,
        colour,
        points: timeline
            .iter()
            .filter_map(|s| Some((s["t"].as_f64()?, s[field].as_f64()?)))
            .collect(),
    }
}

fn chart(title: &str, unit: &str, all: &[Series<'_>]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 220.0;
    const PAD: f64 = 48.0;
    let xs = all.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = all.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let x_max = xs.fold(1.0_f64, f64::max);
    let y_max = ys.fold(0.0_f64, f64::max).max(1e-9) * 1.1;
    let x = |t: f64| PAD + t / x_max * (W - 2.0 * PAD);
    let y = |v: f64| H - PAD + -(v / y_max) * (H - 2.0 * PAD);
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\">",
        escape(title)
    );
    let _ = write!(
        svg,
        "<line x1=\"{PAD}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" class=\"axis\"/><line x1=\"{PAD}\" y1=\"{PAD}\" x2=\"{PAD}\" y2=\"{b}\" class=\"axis\"/>",
        b = H - PAD,
        r = W - PAD
    );
    for frac in [0.0, 0.5, 1.0] {
        let v = y_max / 1.1 * frac;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{v:.1}</text>",
            PAD - 4.0,
            y(v) + 4.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{x_max:.0} s</text><text x=\"{PAD}\" y=\"{}\" class=\"tick\">{}</text>",
        W - PAD,
        H - PAD + 16.0,
        PAD - 12.0,
        escape(unit)
    );
    for (i, s) in all.iter().enumerate() {
        if s.points.is_empty() {
            continue;
        }
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/><text x=\"{}\" y=\"{}\" class=\"legend\" fill=\"{}\">{}</text>",
            s.colour,
            path.join(" "),
            PAD + 8.0 + 150.0 * i as f64,
            PAD - 20.0,
            s.colour,
            escape(s.name)
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn row(label: &str, v: &Value) -> String {
    let text = match v {
        Value::Number(n) => n.as_f64().map_or(n.to_string(), |x| {
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.2}")
            }
        }),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    };
    format!(
        "<tr><th>{}</th><td>{}</td></tr>",
        escape(label),
        escape(&text)
    )
}

fn html(r: &Value) -> String {
    let timeline = r["timeline"].as_array().cloned().unwrap_or_default();
    let warnings: Vec<String> = r["trust"]["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| format!("<li>{}</li>", escape(w.as_str().unwrap_or(""))))
        .collect();
    let trust = if warnings.is_empty() {
        "<p class=\"ok\">Nothing found that would make these numbers untrustworthy: no dropped \
         arrivals, no lost viewers, every accepted vote counted.</p>"
            .to_owned()
    } else {
        format!("<ul class=\"warn\">{}</ul>", warnings.join(""))
    };
    let mut table = String::new();
    for (label, v) in [
        ("votes accepted", &r["votes"]["accepted"]),
        ("accepted per second", &r["votes"]["accepted_per_second"]),
        ("votes counted", &r["votes"]["counted"]),
        ("votes lost", &r["votes"]["lost"]),
        ("HTTP p50 ms (from due time)", &r["http_latency_ms"]["p50"]),
        ("HTTP p99 ms", &r["http_latency_ms"]["p99"]),
        ("HTTP p99.9 ms", &r["http_latency_ms"]["p999"]),
        ("HTTP max ms", &r["http_latency_ms"]["max"]),
        (
            "service time p99 ms (from send)",
            &r["http_service_time_ms"]["p99"],
        ),
        ("vote-to-screen p50 ms", &r["vote_to_screen_ms"]["p50"]),
        ("vote-to-screen p99 ms", &r["vote_to_screen_ms"]["p99"]),
        (
            "each frame's oldest vote p99 ms",
            &r["vote_to_screen_frame_worst_ms"]["p99"],
        ),
        (
            "viewers timing every vote",
            &r["viewers"]["timing_every_vote"],
        ),
        (
            "viewers connected at end",
            &r["viewers"]["connected_at_end"],
        ),
        (
            "viewers failed / disconnected",
            &Value::String(format!(
                "{} / {}",
                r["viewers"]["failed"], r["viewers"]["disconnected"]
            )),
        ),
        ("server RSS max KiB", &r["viewers"]["server_rss_kib"]["max"]),
        (
            "arrivals due / dropped",
            &Value::String(format!(
                "{} / {}",
                r["arrivals"]["due"], r["arrivals"]["dropped"]
            )),
        ),
        (
            "generator schedule lag p99 ms",
            &r["arrivals"]["schedule_lag_ms"]["p99"],
        ),
        (
            "wait for a free connection p99 ms",
            &r["arrivals"]["queue_wait_ms"]["p99"],
        ),
        ("loadgen CPU %", &r["machine"]["loadgen_cpu_percent"]),
        ("errors by kind", &r["errors"]),
    ] {
        table.push_str(&row(label, v));
    }
    let charts = [
        chart(
            "HTTP latency from due time (ms)",
            "ms",
            &[
                series(&timeline, "http_p50_ms", "p50", "#2563eb"),
                series(&timeline, "http_p99_ms", "p99", "#dc2626"),
            ],
        ),
        chart(
            "Vote-to-screen (ms)",
            "ms",
            &[
                series(&timeline, "v2s_p50_ms", "p50", "#2563eb"),
                series(&timeline, "v2s_p99_ms", "p99", "#dc2626"),
                series(
                    &timeline,
                    "v2s_frame_worst_p99_ms",
                    "p99 of each frame's oldest vote",
                    "#9ca3af",
                ),
            ],
        ),
        chart(
            "Throughput (votes per second)",
            "votes/s",
            &[
                series(&timeline, "due", "due", "#9ca3af"),
                series(&timeline, "accepted", "accepted", "#16a34a"),
            ],
        ),
        chart(
            "Errors and dropped arrivals per second",
            "per s",
            &[
                series(&timeline, "errors", "errors", "#dc2626"),
                series(&timeline, "dropped", "dropped", "#f59e0b"),
            ],
        ),
        chart(
            "Hot poll: accepted but not yet counted",
            "votes",
            &[series(
                &timeline,
                "hot_poll_uncounted_votes",
                "uncounted",
                "#7c3aed",
            )],
        ),
        chart(
            "Server resident memory (KiB) and viewers",
            "KiB",
            &[series(&timeline, "server_rss_kib", "RSS KiB", "#0891b2")],
        ),
    ]
    .join("\n");
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>pollcast loadgen: {name}</title>\
<style>body{{font:14px/1.4 system-ui,sans-serif;max-width:760px;margin:2rem auto;color:#111}}\
th{{text-align:left;font-weight:500;padding-right:1rem}}td{{font-variant-numeric:tabular-nums}}\
.axis{{stroke:#9ca3af}}.tick,.legend{{font-size:11px;fill:#6b7280}}.legend{{font-weight:600}}\
.warn li{{color:#b91c1c}}.ok{{color:#15803d}}figure{{margin:1.5rem 0}}figcaption{{font-weight:600}}\
pre{{background:#f3f4f6;padding:.5rem;overflow:auto}}</style></head><body>\
<h1>pollcast loadgen: {name}</h1><p>{profile}, {duration} s, against {base}</p>\
<h2>Can these numbers be trusted?</h2>{trust}<h2>Summary</h2><table>{table}</table>{charts}\
<h2>Configuration</h2><pre>{config}</pre></body></html>\n",
        name = escape(r["scenario"].as_str().unwrap_or("")),
        profile = escape(&r["profile"].to_string()),
        duration = r["duration_secs"],
        base = escape(r["base"].as_str().unwrap_or("")),
        config = escape(&serde_json::to_string_pretty(&r["config"]).unwrap_or_default()),
    )
}
