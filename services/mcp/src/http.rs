//! `/mcp`: the MCP server over streamable HTTP (`rmcp-actix-web`), behind the API's own
//! authentication: a request without a valid Bearer key is `401` problem+json before it
//! reaches the protocol.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, HttpMessage, web};
use pollcast_auth::{Authenticator, Caller};
use pollcast_runtime::{Context, Service};
use rmcp_actix_web::transport::{LocalSessionManager, StreamableHttpService};

use crate::PollcastMcp;

pub struct Mcp {
    auth: web::Data<Authenticator>,
    /// Built once, shared by every HTTP worker: its sessions live in it, and a client's next
    /// request may reach any worker.
    http: StreamableHttpService<PollcastMcp, LocalSessionManager>,
}

impl Mcp {
    pub fn new(context: &Context) -> Self {
        let factory_context = context.clone();
        let polls = PollcastMcp::cache(context);
        let http = StreamableHttpService::builder()
            .service_factory(Arc::new(move || {
                Ok(PollcastMcp::new(&factory_context, polls.clone(), None))
            }))
            .session_manager(Arc::new(LocalSessionManager::default()))
            .allowed_hosts(allowed_hosts(context))
            .on_request_fn(|req, extensions| {
                if let Some(caller) = req.extensions().get::<Caller>() {
                    extensions.insert(caller.clone());
                }
            })
            .build();
        Self {
            auth: web::Data::new(Authenticator::new(context)),
            http,
        }
    }

    pub fn into_service(self) -> Arc<dyn Service> {
        Arc::new(self)
    }
}

/// The names a client may reach this server by: rmcp refuses any other `Host` (a
/// DNS-rebinding defence), so the public URL's host and the loopback names.
fn allowed_hosts(context: &Context) -> Vec<String> {
    let mut hosts = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Ok(url) = url::Url::parse(&context.settings.public_url)
        && let Some(host) = url.host_str()
    {
        hosts.push(host.trim_matches(['[', ']']).to_owned());
    }
    hosts
}

/// Who is calling: the API's own check of the Bearer key; its `Caller` goes to the tools.
async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let caller = Caller::extract(req.request()).await?;
    req.extensions_mut().insert(caller);
    next.call(req).await
}

impl Service for Mcp {
    fn name(&self) -> &'static str {
        "mcp"
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.service(
            web::scope("/mcp")
                .app_data(self.auth.clone())
                .wrap(from_fn(authenticate))
                .service(self.http.clone().scope()),
        );
    }
}
