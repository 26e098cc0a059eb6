//! The static assets, compiled in. `embed.js` has a versioned URL that never changes
//! (`/embed/v1.js`, cached for a year, SRI-hashable) and an alias that may (`/embed.js`).

/// `/embed/v1.js`: what a site owner pastes. Changing it means a `/embed/v2.js`.
pub const EMBED_V1: &str = include_str!("../../../web/embed/v1.js");

pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

/// `/static/{name}`.
pub const STATIC: &[Asset] = &[
    Asset {
        name: "poll.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/static/poll.js"),
    },
    Asset {
        name: "poll.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../../web/static/poll.css"),
    },
    Asset {
        name: "console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/static/console.js"),
    },
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../../web/static/console.css"),
    },
    Asset {
        name: "cloud.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/static/cloud.js"),
    },
    Asset {
        name: "pow-worker.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/static/pow-worker.js"),
    },
    // Vendored libraries (web/static/vendor/README.md: versions, licences, sources).
    Asset {
        name: "vendor/uPlot-1.6.32.iife.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/static/vendor/uPlot-1.6.32.iife.min.js"),
    },
    Asset {
        name: "vendor/uPlot-1.6.32.min.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../../web/static/vendor/uPlot-1.6.32.min.css"),
    },
    Asset {
        name: "vendor/js-sha256-0.11.1.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/static/vendor/js-sha256-0.11.1.min.js"),
    },
];

pub fn find(name: &str) -> Option<&'static Asset> {
    STATIC.iter().find(|a| a.name == name)
}

/// The `integrity` attribute for `/embed/v1.js` (SHA-384, base64), as `docs/embedding.md`
/// publishes it.
pub fn embed_v1_integrity() -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha384::digest(EMBED_V1.as_bytes());
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The integrators' documents, served as Markdown at `/docs/{name}.md` so the front door can
/// link to what this server does, whatever repository it was built from.
pub const DOCS: &[(&str, &str)] = &[
    ("embedding", include_str!("../../../docs/embedding.md")),
    ("webhooks", include_str!("../../../docs/webhooks.md")),
    ("api", include_str!("../../../docs/api.md")),
];
