//! The tools, each declared once: its name, what it does, the scope it needs, its input
//! schema and its hints. A caller is offered the tools its scopes allow, and may call only
//! those.

use std::sync::Arc;

use pollcast_types::Scope;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

pub struct ToolDef {
    pub name: &'static str,
    pub description: &'static str,
    pub scope: Scope,
    /// Changes nothing.
    pub read_only: bool,
    /// Destroys something that cannot be had back (votes).
    pub destructive: bool,
    pub input: fn() -> Value,
}

fn poll_id_only() -> Value {
    json!({
        "type": "object",
        "properties": {"poll_id": {"type": "string", "description": "The poll's id"}},
        "required": ["poll_id"],
        "additionalProperties": false
    })
}

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        name: "list_polls",
        description: "List the workspace's polls, newest first: id, question, kind, status and total votes.",
        scope: Scope::PollsRead,
        read_only: true,
        destructive: false,
        input: || {
            json!({
                "type": "object",
                "properties": {
                    "status": {"type": "string", "enum": ["draft", "scheduled", "open", "closed"],
                               "description": "Only polls in this status"},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100,
                              "description": "At most this many (default 20)"}
                },
                "additionalProperties": false
            })
        },
    },
    ToolDef {
        name: "get_poll",
        description: "A poll (owner view: settings, options, embed code) and its live results.",
        scope: Scope::PollsRead,
        read_only: true,
        destructive: false,
        input: poll_id_only,
    },
    ToolDef {
        name: "poll_summary",
        description: "A short written summary of a poll's results, for a report or a message: the question, the status, the votes and each option's share (or the top answers of an open-text poll).",
        scope: Scope::PollsRead,
        read_only: true,
        destructive: false,
        input: poll_id_only,
    },
    ToolDef {
        name: "create_poll",
        description: "Create a poll. The arguments are the body of POST /v1/polls: question, options [{label}], kind (single, multiple, ranked, rating, open_text), dedupe, closes_at, ...",
        scope: Scope::PollsWrite,
        read_only: false,
        destructive: false,
        input: || {
            json!({
                "type": "object",
                "properties": {
                    "question": {"type": "string", "minLength": 1, "maxLength": 500},
                    "options": {"type": "array", "items": {
                        "type": "object", "properties": {"label": {"type": "string"}},
                        "required": ["label"]}},
                    "kind": {"type": "string",
                             "enum": ["single", "multiple", "ranked", "rating", "open_text"]},
                    "dedupe": {"type": "string", "enum": ["none", "browser", "ip", "verified"]},
                    "draft": {"type": "boolean"}
                },
                "required": ["question"]
            })
        },
    },
    ToolDef {
        name: "open_poll",
        description: "Open a poll for votes (a draft, a scheduled or a closed poll).",
        scope: Scope::PollsWrite,
        read_only: false,
        destructive: false,
        input: poll_id_only,
    },
    ToolDef {
        name: "close_poll",
        description: "Close a poll: it takes no more votes; its results stay. It can be opened again.",
        scope: Scope::PollsWrite,
        read_only: false,
        destructive: false,
        input: poll_id_only,
    },
    ToolDef {
        name: "reset_poll",
        description: "Reset a poll: every vote and result is cleared for good.",
        scope: Scope::PollsWrite,
        read_only: false,
        destructive: true,
        input: poll_id_only,
    },
];

impl ToolDef {
    pub fn find(name: &str) -> Option<&'static ToolDef> {
        TOOLS.iter().find(|t| t.name == name)
    }

    pub fn tool(&self) -> Tool {
        let schema: JsonObject = match (self.input)() {
            Value::Object(map) => map,
            _ => JsonObject::new(),
        };
        Tool::new(self.name, self.description, Arc::new(schema)).with_annotations(
            ToolAnnotations::new()
                .read_only(self.read_only)
                .destructive(self.destructive)
                .idempotent(self.name != "create_poll")
                .open_world(false),
        )
    }
}
