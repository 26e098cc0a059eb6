//! `docs/architecture.md`'s crate map is the workspace as built: the table lists every crate
//! with its pollcast dependencies (from `cargo metadata`), and no dependency points up a layer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

#[test]
fn the_crate_map_is_the_workspace_and_dependencies_point_down() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let short = |name: &str| name.strip_prefix("pollcast-").unwrap_or(name).to_owned();
    let mut built: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for package in meta["packages"].as_array().unwrap() {
        let deps = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null()) // normal dependencies, not dev or build
            .map(|d| d["name"].as_str().unwrap())
            .filter(|n| n.starts_with("pollcast"))
            .map(short)
            .collect();
        built.insert(package["name"].as_str().unwrap().to_owned(), deps);
    }

    let doc = std::fs::read_to_string(format!("{root}/docs/architecture.md")).unwrap();
    let mut documented = BTreeMap::new();
    let mut layer = BTreeMap::new();
    for row in doc
        .lines()
        .skip_while(|l| *l != "| crate | layer | depends on |")
        .skip(2)
        .take_while(|l| l.starts_with('|'))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_owned();
        let level: u32 = cells[2].split(' ').next().unwrap().parse().unwrap();
        let deps: BTreeSet<String> = match cells[3] {
            "—" => BTreeSet::new(),
            list => list.split(", ").map(str::to_owned).collect(),
        };
        layer.insert(short(&name), level);
        documented.insert(name, deps);
    }
    assert_eq!(
        documented, built,
        "update the crate map in docs/architecture.md"
    );
    for (name, deps) in &built {
        for dep in deps {
            assert!(
                layer[dep] < layer[&short(name)],
                "{name} (layer {}) depends on {dep} (layer {}): dependencies must point down",
                layer[&short(name)],
                layer[dep]
            );
        }
    }
}
