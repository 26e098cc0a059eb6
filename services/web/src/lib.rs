//! web: what site owners paste and visitors see. `embed.js` (served immutable at
//! `/embed/v1.js`), the poll page for every kind (hosted at `/p/{id}`, embedded at
//! `/embed/{id}`), oEmbed, and the front door `/`. The form vote `POST /p/{id}/vote` is
//! vote-ingest's (the same checks and the same exactly-once path as the API); it answers a
//! bad form with this crate's page.
//!
//! Everything a visitor reads is in `web/`: templates, locales (one Fluent file per language),
//! static assets. They are compiled into the binary.

pub mod assets;
pub mod headers;
pub mod i18n;
pub mod page;
pub mod render;
mod routes;
pub mod theme;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use pollcast_runtime::{Context, PollCache, Service};

pub struct WebState {
    pub context: Context,
    pub polls: PollCache,
}

#[derive(Clone)]
pub struct Web {
    state: web::Data<WebState>,
}

impl Web {
    pub fn new(context: &Context) -> Self {
        Self {
            state: web::Data::new(WebState {
                context: context.clone(),
                polls: PollCache::new(context.store.clone(), Duration::from_secs(1)),
            }),
        }
    }

    pub fn into_service(self) -> Arc<dyn Service> {
        Arc::new(self)
    }
}

impl Service for Web {
    fn name(&self) -> &'static str {
        "web"
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.state.clone())
            .route("/", web::get().to(routes::front))
            .route("/p/{poll_id}", web::get().to(routes::hosted_page))
            .route("/embed/v1.js", web::get().to(routes::embed_script_v1))
            .route("/embed.js", web::get().to(routes::embed_script_alias))
            .route("/embed/{poll_id}", web::get().to(routes::embedded_page))
            .route("/oembed", web::get().to(routes::oembed))
            .route("/docs/{name}", web::get().to(routes::doc))
            .route("/static/accent/{file}", web::get().to(routes::accent_css))
            .route("/static/{file:.+}", web::get().to(routes::asset));
    }
}
