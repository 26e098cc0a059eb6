//! Schemas the OpenAPI derive cannot write for us: types whose JSON form is a plain string,
//! and the kind-specific part of results.

use utoipa::openapi::schema::{Array, KnownFormat, Object, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::KindResults;

/// An opaque URL-safe id of at most `max_len` characters.
pub fn id_schema(max_len: usize) -> RefOr<Schema> {
    Object::builder()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_-]+$"))
        .min_length(Some(1))
        .max_length(Some(max_len))
        .description(Some("An opaque id: never assume its format."))
        .into()
}

/// An RFC 3339 UTC time, with milliseconds.
pub fn timestamp_schema() -> RefOr<Schema> {
    Object::builder()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .examples(["2026-11-23T10:15:30.123Z"])
        .into()
}

/// One object whose fields each belong to some kinds, not the `anyOf` of one object per kind
/// it was: client generators (openapi-python-client among them) cannot merge an `anyOf` into
/// the results' `allOf`, and an `anyOf` whose plain variant is any object said nothing a
/// validator could check anyway.
impl PartialSchema for KindResults {
    fn schema() -> RefOr<Schema> {
        Object::builder()
            .property(
                "rounds",
                Array::builder()
                    .items(Ref::from_schema_name("RunoffRound"))
                    .description(Some(
                        "Ranked polls: the instant-runoff rounds, `[]` before the first vote.",
                    )),
            )
            .property(
                "distribution",
                Array::builder()
                    .items(Ref::from_schema_name("ScoreCount"))
                    .description(Some("Rating polls: every score from 1 to the scale.")),
            )
            .property(
                "mean",
                Object::builder()
                    .schema_type(SchemaType::from_iter([Type::Number, Type::Null]))
                    .description(Some(
                        "Rating polls: the mean score, 2 places; `null` before the first vote.",
                    )),
            )
            .property(
                "terms",
                Array::builder()
                    .items(Ref::from_schema_name("TermCount"))
                    .description(Some(
                        "Open-text polls: the cloud's terms, most entries first (ties \
                         alphabetical), at most 100; terms hidden or awaiting approval are \
                         left out.",
                    )),
            )
            .property(
                "total_entries",
                Object::builder()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(0))
                    .description(Some("Open-text polls: entries counted, shown or not.")),
            )
            .description(Some(
                "What only some kinds have: `rounds` (ranked), `distribution` and `mean` \
                 (rating), `terms` and `total_entries` (open text); single and multiple-choice \
                 polls have none of them.",
            ))
            .into()
    }
}

impl ToSchema for KindResults {}
