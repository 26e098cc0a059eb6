//! `/docs/api`: the API reference, rendered on the server from the same OpenAPI document
//! `/v1/openapi.json` serves. Not a vendored Redoc or Scalar bundle: both inject `<style>`
//! elements or `style` attributes at run time, which pollcast's CSP (no `unsafe-inline`)
//! refuses, and a page of plain HTML needs no script to be read, searched or navigated by
//! keyboard (docs/clients.md says more).

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};
use askama::Template;
use pollcast_http::ApiError;
use pulldown_cmark::{Event, Parser, html};
use serde_json::{Map, Value};

use crate::{ApiState, OPENAPI_DOCUMENT};

/// The document's view, built once: it is compiled in and never changes.
static REFERENCE: LazyLock<Reference> = LazyLock::new(|| {
    let document: Value = serde_json::from_str(OPENAPI_DOCUMENT).unwrap_or(Value::Null);
    Reference::of(&document)
});

#[derive(Template)]
#[template(path = "reference.html")]
struct ReferencePage<'a> {
    reference: &'a Reference,
    base: &'a str,
}

/// `/docs/api`.
pub async fn reference_page(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let html = ReferencePage {
        reference: &REFERENCE,
        base: &state.context.settings.public_url,
    }
    .render()
    .map_err(ApiError::internal)?;
    Ok(crate::page::html_response(html, "public, max-age=300"))
}

struct Reference {
    title: String,
    version: String,
    intro: String,
    sections: Vec<Section>,
    schemas: Vec<SchemaView>,
}

struct Section {
    name: String,
    description: String,
    operations: Vec<Operation>,
}

struct Operation {
    id: String,
    method: &'static str,
    path: String,
    summary: String,
    description: String,
    /// `None`: no key needed; `Some(true)`: a key is needed; `Some(false)`: a key is optional.
    key_required: Option<bool>,
    parameters: Vec<Field>,
    body: Option<String>,
    responses: Vec<Response>,
}

/// A parameter, or a property of a schema.
struct Field {
    name: String,
    /// Where a parameter goes (`path`, `query`, `header`); empty for a property.
    location: String,
    required: bool,
    ty: String,
    description: String,
}

struct Response {
    status: String,
    description: String,
    ty: String,
}

struct SchemaView {
    name: String,
    description: String,
    ty: String,
    fields: Vec<Field>,
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

impl Reference {
    fn of(document: &Value) -> Self {
        let info = &document["info"];
        let tags = document["tags"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut sections: Vec<Section> = tags
            .iter()
            .map(|tag| Section {
                name: text(tag, "name").to_owned(),
                description: markdown(text(tag, "description")),
                operations: Vec::new(),
            })
            .collect();
        for (path, item) in object(&document["paths"]) {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let tag = op["tags"][0].as_str().unwrap_or("other");
                let index = match sections.iter().position(|s| s.name == tag) {
                    Some(index) => index,
                    None => {
                        sections.push(Section {
                            name: tag.to_owned(),
                            description: String::new(),
                            operations: Vec::new(),
                        });
                        sections.len() - 1
                    }
                };
                sections[index]
                    .operations
                    .push(Operation::of(document, path, method, op));
            }
        }
        let schemas = object(&document["components"]["schemas"])
            .map(|(name, schema)| SchemaView {
                name: name.clone(),
                description: markdown(text(schema, "description")),
                ty: type_of(schema),
                fields: properties(schema),
            })
            .collect();
        Self {
            title: text(info, "title").to_owned(),
            version: text(info, "version").to_owned(),
            intro: markdown(text(info, "description")),
            sections,
            schemas,
        }
    }
}

impl Operation {
    fn of(document: &Value, path: &str, method: &'static str, op: &Value) -> Self {
        let security = op["security"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let anonymous = security.iter().any(|s| object(s).next().is_none());
        let key_required = (!security.is_empty()).then_some(!anonymous);
        let parameters = op["parameters"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|p| Field {
                name: text(p, "name").to_owned(),
                location: text(p, "in").to_owned(),
                required: p["required"].as_bool().unwrap_or(false),
                ty: type_of(&p["schema"]),
                description: markdown(text(p, "description")),
            })
            .collect();
        let body = op
            .get("requestBody")
            .map(|body| content_type(&body["content"]));
        let responses = object(&op["responses"])
            .map(|(status, response)| {
                let response = resolve(document, response);
                Response {
                    status: status.clone(),
                    description: markdown(text(response, "description")),
                    ty: content_type(&response["content"]),
                }
            })
            .collect();
        Self {
            id: text(op, "operationId").to_owned(),
            method,
            path: path.to_owned(),
            summary: markdown(text(op, "summary")),
            description: markdown(text(op, "description")),
            key_required,
            parameters,
            body,
            responses,
        }
    }

    fn method_upper(&self) -> String {
        self.method.to_ascii_uppercase()
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn object(value: &Value) -> impl Iterator<Item = (&String, &Value)> {
    value.as_object().into_iter().flat_map(Map::iter)
}

/// A `$ref` to a response followed to what it names.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => document.pointer(pointer).unwrap_or(value),
        None => value,
    }
}

/// Each media type of a body and its type, as HTML: `application/json: <a>Poll</a>`.
fn content_type(content: &Value) -> String {
    object(content)
        .map(|(media, m)| format!("<code>{}</code> {}", escape(media), type_of(&m["schema"])))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A schema's type in a few words, as HTML with links to the named schemas.
fn type_of(schema: &Value) -> String {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        let name = escape(name);
        return format!("<a href=\"#schema-{name}\">{name}</a>");
    }
    for (key, joiner) in [("allOf", " and "), ("anyOf", " or "), ("oneOf", " or ")] {
        if let Some(parts) = schema[key].as_array() {
            return parts.iter().map(type_of).collect::<Vec<_>>().join(joiner);
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        return values
            .iter()
            .map(|v| format!("<code>{}</code>", escape(&v.to_string())))
            .collect::<Vec<_>>()
            .join(" | ");
    }
    let names: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let shown: Vec<String> = names
        .iter()
        .map(|&name| match name {
            "array" => format!("array of {}", type_of(&schema["items"])),
            "object" if schema["properties"].is_object() => "object (below)".to_owned(),
            "object" => match schema.get("additionalProperties") {
                Some(values) if values.is_object() => format!("map of {}", type_of(values)),
                _ => "object".to_owned(),
            },
            "null" => "null".to_owned(),
            other => match schema["format"].as_str() {
                Some(format) => format!("{} ({})", escape(other), escape(format)),
                None => escape(other),
            },
        })
        .collect();
    if shown.is_empty() {
        return if schema["properties"].is_object() {
            "object (below)".to_owned()
        } else {
            "any".to_owned()
        };
    }
    shown.join(" | ")
}

/// The properties of an object schema, or of the objects an `allOf` joins.
fn properties(schema: &Value) -> Vec<Field> {
    let mut fields = Vec::new();
    let parts: Vec<&Value> = match schema["allOf"].as_array() {
        Some(parts) => parts.iter().collect(),
        None => vec![schema],
    };
    for part in parts {
        let required: Vec<&str> = part["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (name, property) in object(&part["properties"]) {
            fields.push(Field {
                name: name.clone(),
                location: String::new(),
                required: required.contains(&name.as_str()),
                ty: type_of(property),
                description: markdown(text(property, "description")),
            });
        }
    }
    fields
}

/// A description's Markdown as HTML. Raw HTML in it is shown as text, never passed through.
fn markdown(text: &str) -> String {
    let events = Parser::new(text).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn markdown_is_rendered_and_raw_html_is_shown_as_text() {
        let html = markdown("A `code` <script>alert(1)</script> <b>bold</b>");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
    }

    #[test]
    fn types_link_to_their_schemas_and_escape_what_they_show() {
        assert_eq!(
            type_of(&json!({"type": "array", "items": {"$ref": "#/components/schemas/Poll"}})),
            "array of <a href=\"#schema-Poll\">Poll</a>"
        );
        assert_eq!(
            type_of(&json!({"type": ["integer", "null"], "format": "int64"})),
            "integer (int64) | null"
        );
        assert_eq!(
            type_of(&json!({"enum": ["a<b"]})),
            "<code>&quot;a&lt;b&quot;</code>"
        );
    }

    #[test]
    fn every_operation_and_schema_of_the_document_is_on_the_page() {
        let document: Value = serde_json::from_str(OPENAPI_DOCUMENT).unwrap();
        let reference = Reference::of(&document);
        let operations: usize = reference.sections.iter().map(|s| s.operations.len()).sum();
        let in_document: usize = object(&document["paths"])
            .map(|(_, item)| METHODS.iter().filter(|m| item.get(**m).is_some()).count())
            .sum();
        assert_eq!(operations, in_document);
        assert!(
            reference
                .sections
                .iter()
                .all(|s| s.operations.iter().all(|o| !o.id.is_empty()))
        );
        assert_eq!(
            reference.schemas.len(),
            object(&document["components"]["schemas"]).count()
        );
    }
}
