//! pollcast over the Model Context Protocol (the official Rust SDK, `rmcp`): polls as tools
//! for AI assistants. `pollcast mcp` serves it over stdio with the key in `POLLCAST_API_KEY`;
//! the `mcp` service serves it at `/mcp` over streamable HTTP with a Bearer key. Either way
//! the key's scopes decide the tools: `polls:read` lists and reads polls, `polls:write` also
//! creates, opens, closes and resets them (reset marked destructive). See docs/clients.md.

mod calls;
mod http;
mod tools;

use std::sync::Arc;
use std::time::Duration;

use pollcast_auth::Caller;
use pollcast_runtime::{Context, PollCache};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler};

pub use http::Mcp;
pub use tools::TOOLS;

/// One MCP server: over stdio with the caller fixed at start, or per HTTP request with the
/// caller the request's Bearer key names.
#[derive(Clone)]
pub struct PollcastMcp {
    context: Context,
    polls: Arc<PollCache>,
    fixed: Option<Caller>,
}

impl PollcastMcp {
    fn new(context: &Context, polls: Arc<PollCache>, fixed: Option<Caller>) -> Self {
        Self {
            context: context.clone(),
            polls,
            fixed,
        }
    }

    fn cache(context: &Context) -> Arc<PollCache> {
        Arc::new(PollCache::new(
            context.store.clone(),
            Duration::from_secs(1),
        ))
    }

    fn caller(&self, ctx: &RequestContext<RoleServer>) -> Result<Caller, ErrorData> {
        if let Some(c) = &self.fixed {
            return Ok(c.clone());
        }
        rmcp_actix_web::transport::on_request_extensions(&ctx.extensions)
            .and_then(|e| e.get::<Caller>())
            .cloned()
            .ok_or_else(|| ErrorData::invalid_request("an API key is needed", None))
    }
}

impl ServerHandler for PollcastMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("pollcast", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Polls of one pollcast workspace: list and read them, summarise their results, \
                 and (with a write key) create, open, close and reset them.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = self.caller(&context)?;
        Ok(ListToolsResult::with_all_items(
            TOOLS
                .iter()
                .filter(|t| t.scope.is_granted_by(&caller.scopes))
                .map(tools::ToolDef::tool)
                .collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = self.caller(&context)?;
        // A tool the key's scopes do not offer is as unknown as one that does not exist.
        let def = tools::ToolDef::find(&request.name)
            .filter(|t| t.scope.is_granted_by(&caller.scopes))
            .ok_or_else(|| {
                ErrorData::invalid_params(format!("no tool `{}` for this key", request.name), None)
            })?;
        let args = request.arguments.unwrap_or_default();
        let result = match calls::call(self, &caller, def.name, args).await {
            Ok(calls::Answer::Data(value)) => CallToolResult::structured(value),
            Ok(calls::Answer::Text(text)) => {
                CallToolResult::success(vec![ContentBlock::text(text)])
            }
            // The problem as the model should read it: its stable code, and what to fix.
            Err(e) => {
                let mut text = format!(
                    "{}: {}",
                    e.code.as_str(),
                    e.detail.as_deref().unwrap_or(e.code.title())
                );
                for f in &e.errors {
                    text.push_str(&format!("\n{}: {}", f.field, f.message));
                }
                CallToolResult::error(vec![ContentBlock::text(text)])
            }
        };
        Ok(result.into())
    }
}

/// `pollcast mcp`: serves `context`'s polls over stdin/stdout to the holder of `api_key`
/// until the client hangs up.
pub async fn serve_stdio(context: &Context, api_key: &str) -> Result<(), String> {
    use rmcp::ServiceExt;
    let auth = pollcast_auth::Authenticator::new(context);
    let caller = pollcast_auth::authenticate(&auth, api_key)
        .await
        .map_err(|e| format!("POLLCAST_API_KEY: {}", e.detail.unwrap_or_default()))?;
    let server = PollcastMcp::new(context, PollcastMcp::cache(context), Some(caller))
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| e.to_string())?;
    server.waiting().await.map_err(|e| e.to_string())?;
    Ok(())
}
