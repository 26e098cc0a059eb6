#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The SQLite and ScyllaDB schemas must describe the same tables, columns and vote-log key, so
//! the `Store` trait, written against SQLite first, keeps fitting ScyllaDB.

use std::collections::{BTreeMap, BTreeSet};

const SQLITE: &str = concat!(
    include_str!("../../../schema/sqlite/0001_init.sql"),
    include_str!("../../../schema/sqlite/0002_vote_epoch.sql"),
    include_str!("../../../schema/sqlite/0003_idempotency.sql")
);
const SCYLLA: &str = include_str!("../../../schema/scylla/0001_init.cql");

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
            let column = words.nth(2).unwrap().to_owned(); // ADD COLUMN <name>
            out.get_mut(&table).unwrap().0.insert(column);
        }
    }
    out
}

#[test]
fn every_sqlite_table_has_a_scylla_twin_with_the_same_columns() {
    let sqlite = tables(SQLITE);
    let scylla = tables(SCYLLA);
    assert!(sqlite.len() >= 5, "{sqlite:?}");
    for (name, (cols, _)) in &sqlite {
        let (twin, _) = scylla
            .get(name)
            .unwrap_or_else(|| panic!("table {name} is missing from the CQL schema"));
        assert_eq!(cols, twin, "columns of {name} differ");
    }
}

#[test]
fn the_vote_log_is_partitioned_by_poll_and_bucket_and_clustered_by_vote_id() {
    let scylla = tables(SCYLLA);
    let sqlite = tables(SQLITE);
    assert_eq!(
        scylla["votes_by_poll"].1,
        "PRIMARYKEY((poll_id,bucket),vote_id)"
    );
    assert_eq!(
        sqlite["votes_by_poll"].1,
        "PRIMARYKEY(poll_id,bucket,vote_id)"
    );
}
