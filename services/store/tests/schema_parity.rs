#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The SQLite and ScyllaDB schemas must describe the same tables and columns, every migration
//! of both read, so the store traits keep fitting both backends. A CQL table beyond SQLite's is
//! another access path to one of them (`<table>_by_<key>`, with a subset of its columns).

use std::collections::{BTreeMap, BTreeSet};

/// Every migration file of a backend, in order, as one script.
fn migrations(dir: &str, ext: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../schema")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{dir:?}");
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Columns only the CQL schema has, each for a reason of its own.
const CQL_ONLY_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "webhook_attempts",
        "bucket",
        "the hour, so no endpoint's log is one partition",
    ),
    (
        "poll_events",
        "bucket",
        "the hour, so the outbox is not one partition",
    ),
    (
        "webhooks",
        "failing_since",
        "health in cells of its own, written alone (SQLite rewrites the body in a transaction)",
    ),
    (
        "webhooks",
        "disabled_reason",
        "health in cells of its own, written alone (SQLite rewrites the body in a transaction)",
    ),
];
/// CQL tables that are neither a twin nor an access path.
const CQL_ONLY_TABLES: &[(&str, &str)] = &[(
    "webhooks_by_workspace_count",
    "the per-workspace limit, changed only by compare-and-set",
)];

/// Table name → (columns, primary-key text) of every CREATE TABLE in a DDL script.
fn tables(ddl: &str) -> BTreeMap<String, (BTreeSet<String>, String)> {
    let text: String = ddl
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeMap::new();
    for chunk in text.split("CREATE TABLE").skip(1) {
        let head = chunk.split('(').next().unwrap();
        let name = head
            .replace("IF NOT EXISTS", "")
            .replace("{KEYSPACE}.", "")
            .trim()
            .to_owned();
        let open = chunk.find('(').unwrap();
        let mut depth = 0;
        let mut end = open;
        for (i, c) in chunk[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let body = &chunk[open + 1..end];
        let mut columns = BTreeSet::new();
        let mut pk = String::new();
        for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if line.starts_with("PRIMARY KEY") {
                pk = line.replace(' ', "");
            } else {
                let col = line.split_whitespace().next().unwrap().to_owned();
                if line.contains("PRIMARY KEY") {
                    pk = format!("PRIMARYKEY({col})");
                }
                columns.insert(col);
            }
        }
        out.insert(name, (columns, pk));
    }
    // Columns added by later migrations.
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("ALTER TABLE ") {
            let mut words = rest.split_whitespace();
            let table = words.next().unwrap().to_owned();
            // `ADD COLUMN <name>` (SQLite) or `ADD <name>` (CQL).
            let mut column = words.nth(1).unwrap();
            if column == "COLUMN" {
                column = words.next().unwrap();
            }
            out.get_mut(&table).unwrap().0.insert(column.to_owned());
        }
    }
    out
}

#[test]
fn every_sqlite_table_has_a_scylla_twin_with_the_same_columns() {
    let sqlite = tables(&migrations("sqlite", "sql"));
    let scylla = tables(&migrations("scylla", "cql"));
    assert_eq!(sqlite.len(), 15, "{sqlite:?}");
    for (name, (cols, _)) in &sqlite {
        let (twin, _) = scylla
            .get(name)
            .unwrap_or_else(|| panic!("table {name} is missing from the CQL schema"));
        let mut twin = twin.clone();
        for (table, column, _) in CQL_ONLY_COLUMNS {
            if table == name {
                assert!(
                    twin.remove(*column),
                    "{table}.{column} is listed but absent"
                );
            }
        }
        assert_eq!(cols, &twin, "columns of {name} differ");
    }
    for (name, (cols, _)) in &scylla {
        if sqlite.contains_key(name) || name == "schema_migrations" {
            continue;
        }
        if CQL_ONLY_TABLES.iter().any(|(t, _)| t == name) {
            continue;
        }
        let base = name
            .rsplit_once("_by_")
            .map(|(base, _)| base)
            .filter(|b| scylla.contains_key(*b))
            .unwrap_or_else(|| panic!("CQL table {name} is neither a twin nor <table>_by_<key>"));
        let (base_cols, _) = &scylla[base];
        assert!(
            cols.is_subset(base_cols),
            "{name} has columns its table {base} does not: {:?}",
            cols.difference(base_cols).collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_vote_log_is_partitioned_by_poll_epoch_and_bucket_and_clustered_by_vote_id() {
    let scylla = tables(&migrations("scylla", "cql"));
    let sqlite = tables(&migrations("sqlite", "sql"));
    // The epoch in the partition key: a reset drops whole partitions, never reads old rows.
    assert_eq!(
        scylla["votes_by_poll"].1,
        "PRIMARYKEY((poll_id,epoch,bucket),vote_id)"
    );
    assert_eq!(
        sqlite["votes_by_poll"].1,
        "PRIMARYKEY(poll_id,bucket,vote_id)"
    );
}
