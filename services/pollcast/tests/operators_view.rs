//! What operators deploy beside pollcast holds together: every metric the alert rules
//! (`deploy/prometheus/alerts.yml`) and the Grafana dashboard (`deploy/grafana/pollcast.json`)
//! name is one pollcast exports; the rules pass `promtool check rules`; every Kubernetes
//! overlay renders (`kubectl kustomize`) and every object in it validates strictly
//! (`kubernetes-validate --strict`); the settings file the pods read is one pollcast accepts.
//! promtool (Debian's `prometheus`), kubectl and kubernetes-validate (PyPI) are installed by
//! `.ci/run`; without one, its test says SKIPPED, unless POLLCAST_REQUIRE_DEPLOY_TOOLS=1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Label names the queries group or filter by: not metrics.
const LABELS: &[&str] = &[
    "le", "route", "shard", "kind", "status", "method", "by", "poll_id",
];

/// The identifiers a PromQL query reads as series: those followed by `{`, `[` or `)`.
fn metrics_in_query(query: &str, out: &mut BTreeSet<String>) {
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_lowercase() && (i == 0 || !is_ident(bytes[i - 1])) {
            let start = i;
            while i < bytes.len() && is_ident(bytes[i]) {
                i += 1;
            }
            let name = &query[start..i];
            let next = bytes.get(i).copied();
            if matches!(next, Some(b'{' | b'[' | b')'))
                && name.contains('_')
                && !LABELS.contains(&name)
            {
                out.insert(name.to_owned());
            }
        } else {
            i += 1;
        }
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every metric name in a `counter!`, `gauge!` or `histogram!` of the services' sources.
fn exported() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut dirs = vec![repo().join("services")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("tests") && !path.ends_with("target") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for macro_name in ["counter!(", "gauge!(", "histogram!("] {
                    for (at, _) in text.match_indices(macro_name) {
                        let rest = text[at + macro_name.len()..].trim_start();
                        if let Some(name) = rest.strip_prefix('"').and_then(|r| r.split('"').next())
                        {
                            names.insert(name.to_owned());
                        }
                    }
                }
            }
        }
    }
    names
}

#[test]
fn every_metric_the_alerts_and_the_dashboard_name_is_exported() {
    let mut named = BTreeSet::new();
    let alerts = std::fs::read_to_string(repo().join("deploy/prometheus/alerts.yml")).unwrap();
    for line in alerts.lines() {
        let line = line.trim();
        if !line.starts_with('#') {
            metrics_in_query(line, &mut named);
        }
    }
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("deploy/grafana/pollcast.json")).unwrap(),
    )
    .unwrap();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            metrics_in_query(target["expr"].as_str().unwrap(), &mut named);
        }
    }
    assert!(named.len() >= 10, "the queries were read: {named:?}");
    let exported = exported();
    let missing: Vec<&String> = named
        .iter()
        .filter(|name| {
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(name);
            !exported.contains(*name) && !exported.contains(base)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "named by the alerts or the dashboard, exported by no service: {missing:?}"
    );
}

fn tool(name: &str, test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        pollcast_store::test_support::gate::skip(
            "DEPLOY_TOOLS",
            test,
            &format!("{name} is not installed (.ci/run installs it)"),
        );
    }
    found
}

#[test]
fn the_alert_rules_pass_promtool() {
    let Some(promtool) = tool("promtool", "the_alert_rules_pass_promtool") else {
        return;
    };
    let out = Command::new(promtool)
        .args(["check", "rules"])
        .arg(repo().join("deploy/prometheus/alerts.yml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "promtool check rules: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_kubernetes_overlay_renders_and_validates_strictly() {
    let test = "every_kubernetes_overlay_renders_and_validates_strictly";
    let (Some(kubectl), Some(validate)) =
        (tool("kubectl", test), tool("kubernetes-validate", test))
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let k8s = repo().join("deploy/k8s");
    let mut rendered = vec![("backing".to_owned(), k8s.join("backing"))];
    for overlay in std::fs::read_dir(k8s.join("overlays")).unwrap() {
        let overlay = overlay.unwrap().path();
        let name = overlay.file_name().unwrap().to_string_lossy().into_owned();
        rendered.push((name, overlay));
    }
    assert!(rendered.len() >= 3, "backing, small and large");
    for (name, path) in rendered {
        let out = Command::new(&kubectl)
            .arg("kustomize")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl kustomize {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let yaml = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&yaml, &out.stdout).unwrap();
        let kinds = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("kind: "))
            .count();
        assert!(kinds > 1, "{name} renders objects");
        // The version kubectl here is: validation against the schemas of the cluster it
        // talks to. Custom resources (ServiceMonitor, ScyllaCluster) have no schema there:
        // kubernetes-validate warns, and they are checked by rendering only.
        let out = Command::new(&validate)
            .args(["--strict", "--quiet", "-k", "1.32.0"])
            .arg(&yaml)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "kubernetes-validate {name}: {said}");
        for line in said.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                line.contains("Couldn't find schema for kind ServiceMonitor")
                    || line.contains("Couldn't find schema for kind ScyllaCluster"),
                "kubernetes-validate {name}: {line}"
            );
        }
    }
}

#[test]
fn the_settings_file_of_the_kubernetes_pods_is_accepted() {
    let settings = pollcast_config::Opts {
        config: Some(repo().join("deploy/k8s/base/pollcast.toml")),
        ..Default::default()
    }
    .resolve()
    .unwrap();
    assert_eq!(settings.redis_wait_replicas, 1);
    assert!(settings.store.starts_with("scylla://"));
}
