//! The messages of `/live` as the OpenAPI document describes them (`LiveMessage`, one of
//! `LiveResults` and `LiveStatus`), so that clients generated from it get their types. The
//! frames themselves are serialised once by whoever publishes (`pollcast_wire`'s
//! `ResultsMessage` and `StatusMessage`) and stamped with `viewers` by `viewers::stamp`; the
//! test below holds these schemas to the frames of every kind.

use utoipa::openapi::schema::{
    AllOf, Array, Discriminator, KnownFormat, Object, ObjectBuilder, OneOf, Schema, SchemaFormat,
    Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// A message of `/live`: a WebSocket text frame, or an SSE event's `data`.
pub struct LiveMessage;

/// A poll's full results, on connect and after every change.
pub struct LiveResults;

/// A lifecycle change, sent just before the results that show it.
pub struct LiveStatus;

fn only(value: &str) -> Object {
    Object::builder()
        .schema_type(Type::String)
        .enum_values(Some([value]))
        .build()
}

fn count() -> ObjectBuilder {
    Object::builder()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
}

impl PartialSchema for LiveMessage {
    fn schema() -> RefOr<Schema> {
        OneOf::builder()
            .item(Ref::from_schema_name("LiveResults"))
            .item(Ref::from_schema_name("LiveStatus"))
            .discriminator(Some(Discriminator::with_mapping(
                "type",
                [
                    ("results", "#/components/schemas/LiveResults"),
                    ("status", "#/components/schemas/LiveStatus"),
                ],
            )))
            .description(Some(
                "A WebSocket text frame, or an SSE event's `data` (the event's name is the \
                 `type`, its `id` the `seq` of results).",
            ))
            .into()
    }
}
impl ToSchema for LiveMessage {}

impl PartialSchema for LiveResults {
    fn schema() -> RefOr<Schema> {
        let fields = Object::builder()
            .property("type", only("results"))
            .property("poll_id", Object::builder().schema_type(Type::String))
            .property(
                "seq",
                count().description(Some(
                    "Only grows: of two messages the one with the larger `seq` is the newer.",
                )),
            )
            .property("status", Ref::from_schema_name("PollStatus"))
            .property("total_votes", count())
            .property(
                "options",
                Array::builder()
                    .items(Ref::from_schema_name("OptionCount"))
                    .description(Some(
                        "Per option its votes (its first preferences, for ranked polls); `[]` \
                         for rating and open-text polls.",
                    )),
            )
            .property(
                "viewers",
                count().description(Some(
                    "How many watch the poll (WebSocket and SSE), over every instance.",
                )),
            );
        let fields = [
            "type",
            "poll_id",
            "seq",
            "status",
            "total_votes",
            "options",
            "viewers",
        ]
        .into_iter()
        .fold(fields, |object, name| object.required(name));
        AllOf::builder()
            .item(Ref::from_schema_name("KindResults"))
            .item(fields)
            .description(Some(
                "A poll's full results, on connect and after every change (at most one per \
                 100 ms per poll): a missed message needs nothing.",
            ))
            .into()
    }
}
impl ToSchema for LiveResults {}

impl PartialSchema for LiveStatus {
    fn schema() -> RefOr<Schema> {
        Object::builder()
            .property("type", only("status"))
            .property("poll_id", Object::builder().schema_type(Type::String))
            .property(
                "status",
                Object::builder()
                    .schema_type(Type::String)
                    .enum_values(Some(["open", "closed", "deleted"])),
            )
            .required("type")
            .required("poll_id")
            .required("status")
            .description(Some(
                "A lifecycle change, sent just before the results that show it; after \
                 `deleted` nothing more comes.",
            ))
            .into()
    }
}
impl ToSchema for LiveStatus {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeSet;

    use pollcast_types::{
        KindResults, OptionCount, OptionId, PollId, PollStatus, ResultsSnapshot, ScoreCount,
        TermCount, Timestamp,
    };
    use pollcast_wire::{ResultsMessage, StatusMessage};
    use serde_json::Value;

    use super::*;
    use crate::hub::Frame;
    use crate::viewers::Viewers;

    /// The properties an object schema (or the objects of an `allOf`) names: all, required.
    fn properties(schema: &Value, document: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut all = BTreeSet::new();
        let mut required = BTreeSet::new();
        let parts = schema["allOf"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![schema.clone()]);
        for part in parts {
            let part = match part["$ref"].as_str() {
                Some(r) => document[r.trim_start_matches("#/components/schemas/")].clone(),
                None => part,
            };
            all.extend(part["properties"].as_object().unwrap().keys().cloned());
            required.extend(
                part["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| r.as_str().unwrap().to_owned()),
            );
        }
        (all, required)
    }

    fn schemas() -> Value {
        let mut map = serde_json::Map::new();
        for (name, schema) in [
            ("LiveResults", LiveResults::schema()),
            ("LiveStatus", LiveStatus::schema()),
            ("KindResults", KindResults::schema()),
        ] {
            map.insert(name.into(), serde_json::to_value(schema).unwrap());
        }
        Value::Object(map)
    }

    #[test]
    fn every_kind_of_results_frame_has_the_documented_fields() {
        let schemas = schemas();
        let (documented, required) = properties(&schemas["LiveResults"], &schemas);
        let kinds = [
            KindResults::Plain {},
            KindResults::Ranked { rounds: Vec::new() },
            KindResults::Rating {
                distribution: vec![ScoreCount { score: 1, votes: 2 }],
                mean: Some(1.0),
            },
            KindResults::OpenText {
                terms: vec![TermCount {
                    text: "fast".into(),
                    count: 2,
                }],
                total_entries: 2,
            },
        ];
        for detail in kinds {
            let snapshot = ResultsSnapshot {
                poll_id: PollId::parse("p1").unwrap(),
                seq: 3,
                total_votes: 2,
                options: vec![OptionCount {
                    id: OptionId::parse("o1").unwrap(),
                    votes: 2,
                }],
                updated_at: Timestamp::from_millis(0),
                detail,
            };
            let json = ResultsMessage::new(&snapshot, PollStatus::Open).to_json();
            let stamped = Viewers::default().stamp(
                &snapshot.poll_id,
                Frame {
                    seq: snapshot.seq,
                    text: json.into(),
                    status: None,
                },
            );
            let frame: Value = serde_json::from_str(&stamped.text).unwrap();
            let keys: BTreeSet<String> = frame.as_object().unwrap().keys().cloned().collect();
            assert!(
                keys.is_subset(&documented),
                "undocumented: {keys:?} vs {documented:?}"
            );
            assert!(
                required.is_subset(&keys),
                "missing: {required:?} vs {keys:?}"
            );
            assert_eq!(frame["type"], "results");
        }
    }

    #[test]
    fn a_status_frame_has_the_documented_fields() {
        let schemas = schemas();
        let (documented, required) = properties(&schemas["LiveStatus"], &schemas);
        let id = PollId::parse("p1").unwrap();
        for status in ["open", "closed", "deleted"] {
            let json = StatusMessage {
                kind: "status",
                poll_id: &id,
                status,
            }
            .to_json();
            let frame: Value = serde_json::from_str(&json).unwrap();
            let keys: BTreeSet<String> = frame.as_object().unwrap().keys().cloned().collect();
            assert_eq!(keys, documented);
            assert_eq!(keys, required);
            let allowed = &schemas["LiveStatus"]["properties"]["status"]["enum"];
            assert!(allowed.as_array().unwrap().contains(&frame["status"]));
        }
    }
}
