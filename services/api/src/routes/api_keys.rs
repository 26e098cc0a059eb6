use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_http::ApiError;
use pollcast_http::pagination::{self, Page, PageQuery, after_cursor};
use pollcast_types::{ApiKeyId, ApiKeyRecord, ErrorCode, FieldError, Scope, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ApiState;
use crate::idempotency::{self, Created};
use pollcast_auth::Caller;
use pollcast_auth::workspaces::issue_key;

/// The body of `POST /v1/api-keys`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// 1 to 100 characters, for people: "CMS integration".
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// At least one.
    #[schema(min_items = 1)]
    scopes: Vec<Scope>,
}

/// An API key as listed; the key itself only in the response that created it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ApiKey)]
pub struct KeyView<'a> {
    #[schema(value_type = String)]
    id: &'a ApiKeyId,
    name: &'a str,
    scopes: &'a [Scope],
    created_at: Timestamp,
    revoked_at: Option<Timestamp>,
    /// Only in the creating response: the key itself, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
}

fn view(k: &ApiKeyRecord) -> KeyView<'_> {
    KeyView {
        id: &k.id,
        name: &k.name,
        scopes: &k.scopes,
        created_at: k.created_at,
        revoked_at: k.revoked_at,
        key: None,
    }
}

/// `POST /v1/api-keys` (admin); honours `Idempotency-Key` (a retry gets the same key).
#[utoipa::path(
    post, path = "/v1/api-keys", operation_id = "create_api_key", tag = "keys", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first response")),
    request_body = NewKey,
    responses((status = 201, description = "Created; `key` is shown in this response only", body = KeyView)),
)]
pub async fn create(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let body = body.into_inner();
    idempotency::once(&state, &caller, &req, &body, || async {
        let NewKey { name, scopes } = idempotency::parse(body.clone())?;
        let issued = create_key(&state.context, &caller.workspace_id, &name, scopes).await?;
        tracing::info!(key = %issued.record.id, workspace = %caller.workspace_id, "api key created");
        let view = KeyView {
            key: Some(&issued.secret),
            ..view(&issued.record)
        };
        Ok(Created {
            body: serde_json::to_value(&view).map_err(ApiError::internal)?,
            location: None,
            secret_fields: &["key"],
        })
    })
    .await
}

/// Checks and stores a new key of a workspace (its secret is in the answer, to show once):
/// what `POST /v1/api-keys` and the console both do.
pub async fn create_key(
    context: &pollcast_runtime::Context,
    workspace: &pollcast_types::WorkspaceId,
    name: &str,
    mut scopes: Vec<Scope>,
) -> Result<pollcast_auth::workspaces::IssuedKey, ApiError> {
    let name = name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1 to 100 characters"));
    }
    if scopes.is_empty() {
        errors.push(FieldError::new("scopes", "must name at least one scope"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();
    let issued = issue_key(workspace, name, scopes);
    context.store.insert_api_key(&issued.record).await?;
    Ok(issued)
}

/// `GET /v1/api-keys` (admin), newest first.
#[utoipa::path(
    get, path = "/v1/api-keys", operation_id = "list_api_keys", tag = "keys", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of keys, newest first", body = Page<KeyView>)),
)]
pub async fn list(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after(query.cursor.as_deref())?;
    let keys = state
        .context
        .store
        .api_keys(&caller.workspace_id, after.as_ref(), limit + 1)
        .await?;
    let page = pagination::page(
        keys,
        limit,
        |k| after_cursor(k.created_at.as_millis(), k.id.as_str()),
        |k| serde_json::to_value(view(k)).unwrap_or_default(),
    );
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(page))
}

/// `DELETE /v1/api-keys/{id}` (admin): revoked at once, for the key and its tokens.
#[utoipa::path(
    delete, path = "/v1/api-keys/{key_id}", operation_id = "revoke_api_key", tag = "keys", security(("bearer" = [])),
    params(("key_id" = String, Path, description = "The key's id")),
    responses((status = 204, description = "Revoked")),
)]
pub async fn revoke(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let id = ApiKeyId::parse(&path).ok_or(ErrorCode::NotFound)?;
    let revoked = state
        .context
        .store
        .revoke_api_key(&caller.workspace_id, &id, Timestamp::now())
        .await?;
    if !revoked {
        return Err(ErrorCode::NotFound.into());
    }
    tracing::info!(key = %id, workspace = %caller.workspace_id, "api key revoked");
    Ok(HttpResponse::NoContent().finish())
}
