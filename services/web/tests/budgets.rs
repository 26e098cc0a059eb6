//! What a visitor downloads, against its budgets (issue 11): `embed.js` under 3 KB gzipped,
//! and a poll page's HTML, CSS and script together under 20 KB gzipped. The sizes are also
//! printed (`cargo test -p pollcast-web --test budgets -- --nocapture`) for
//! `docs/benchmarks.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use askama::Template;
use flate2::Compression;
use flate2::write::GzEncoder;
use pollcast_types::{NewPoll, PollStatus, Timestamp, WorkspaceId};
use pollcast_web::assets;
use pollcast_web::i18n::Lang;
use pollcast_web::page::{PollPage, View, Visitor};
use pollcast_web::theme::Theme;

fn gzipped(text: &str) -> usize {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap().len()
}

#[test]
fn embed_js_is_under_3_kb_gzipped() {
    let size = gzipped(assets::EMBED_V1);
    println!(
        "embed/v1.js: {} bytes, {size} gzipped",
        assets::EMBED_V1.len()
    );
    println!("embed/v1.js integrity: {}", assets::embed_v1_integrity());
    assert!(size < 3 * 1024, "{size} bytes gzipped");
}

#[test]
fn a_poll_page_is_under_20_kb_gzipped_with_its_css_and_script() {
    let new: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "Which day should the launch be on?",
        "options": [{"label": "Monday"}, {"label": "Tuesday"}, {"label": "Wednesday"},
                    {"label": "Thursday"}, {"label": "Friday"}]
    }))
    .unwrap();
    let poll = new
        .into_poll(WorkspaceId::generate(), 0, Timestamp::now())
        .unwrap();
    for lang in Lang::ALL {
        let view = View {
            lang,
            theme: Theme::Auto,
            accent: None,
            embed: true,
            hide_results: false,
        };
        let html = PollPage::new(
            "https://polls.example",
            &poll,
            PollStatus::Open,
            None,
            view,
            &Visitor::default(),
            None,
        )
        .render()
        .unwrap();
        let (css, js) = (
            assets::find("poll.css").unwrap().body,
            assets::find("poll.js").unwrap().body,
        );
        let total = gzipped(&html) + gzipped(css) + gzipped(js);
        println!(
            "poll page ({}): HTML {} + CSS {} + JS {} = {total} bytes gzipped",
            lang.code(),
            gzipped(&html),
            gzipped(css),
            gzipped(js)
        );
        assert!(total < 20 * 1024, "{total} bytes gzipped");
    }
}
