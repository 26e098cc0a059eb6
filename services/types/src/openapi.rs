//! Schemas the OpenAPI derive cannot write for us: types whose JSON form is a plain string,
//! and the kind-specific part of results.

use utoipa::openapi::schema::{AnyOf, Array, KnownFormat, Object, Schema, SchemaFormat, Type};
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

/// `anyOf`, not the `oneOf` a derive would give: the plain variant (no extra fields) is an
/// object like the others, so under `oneOf` a ranked result would match two variants and be
/// invalid.
impl PartialSchema for KindResults {
    fn schema() -> RefOr<Schema> {
        let ranked = Object::builder()
            .property(
                "rounds",
                Array::builder().items(Ref::from_schema_name("RunoffRound")),
            )
            .required("rounds")
            .description(Some(
                "Ranked polls: the instant-runoff rounds, `[]` before the first vote.",
            ));
        let rating = Object::builder()
            .property(
                "distribution",
                Array::builder().items(Ref::from_schema_name("ScoreCount")),
            )
            .property(
                "mean",
                Object::builder()
                    .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                        Type::Number,
                        Type::Null,
                    ]))
                    .description(Some("2 places; `null` before the first vote")),
            )
            .required("distribution")
            .required("mean")
            .description(Some(
                "Rating polls: every score from 1 to the scale, and the mean.",
            ));
        let plain =
            Object::builder().description(Some("Single and multiple-choice polls: nothing more."));
        AnyOf::builder()
            .item(ranked)
            .item(rating)
            .item(plain)
            .into()
    }
}

impl ToSchema for KindResults {}
