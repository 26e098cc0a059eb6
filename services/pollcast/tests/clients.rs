//! The SDKs in `schema/clients/`: each language's own test suite against a real `pollcast
//! serve` child process (a key, a poll of each kind, votes, results, the vote log's pages,
//! CSV, live results, a verified webhook from the suite's own receiver), each package as it
//! would be published, and the generated code regenerated from `schema/openapi.json` and
//! compared with what is checked in. Needs node, python3 and `schema/clients/setup.sh`
//! (`.ci/run` runs it): without them the tests say so and pass, unless
//! `POLLCAST_REQUIRE_CLIENTS=1` (set in CI), where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/deployment.rs"]
mod deployment;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use deployment::{Proc, free_port, wait_ready, workspace_key};
use pollcast_testkit::TestEnv;

fn clients() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/clients")
}

fn python() -> PathBuf {
    clients().join("python/.venv/bin/python")
}

/// Why the SDK tests cannot run here, if they cannot.
fn missing() -> Option<String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !clients()
        .join("typescript/node_modules/.bin/openapi-ts")
        .exists()
    {
        return Some(
            "schema/clients/typescript has no node_modules (schema/clients/setup.sh)".into(),
        );
    }
    if !python().exists() {
        return Some("schema/clients/python has no .venv (schema/clients/setup.sh)".into());
    }
    None
}

fn skipped(test: &str) -> bool {
    match missing() {
        Some(why) => {
            pollcast_store::test_support::gate::skip("CLIENTS", test, &why);
            true
        }
        None => false,
    }
}

/// Runs `program args` in `dir` with `env` added; panics with its output if it fails, and
/// says how long it took.
fn run(what: &str, dir: &Path, program: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let started = Instant::now();
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{stderr}"
    );
    println!(
        "{what}: passed in {:.1} s\n{stdout}{stderr}",
        started.elapsed().as_secs_f64()
    );
    output
}

/// A `pollcast serve` of every service over the environment's Redis and store, whose
/// webhooks may go to this machine (the suites' receivers), and an admin key made by
/// `pollcast workspace create`.
async fn serve(env: &TestEnv) -> (Proc, String) {
    let dir = env.data_path();
    let key = workspace_key(&dir, &env.store_args());
    let mut args = env.store_args();
    args.extend([
        "--webhook-allow-http".into(),
        "--webhook-allow-private".into(),
        "127.0.0.0/8".into(),
    ]);
    let mut proc = Proc {
        name: "serve".into(),
        services: Box::leak(pollcast_config::ALL_SERVICES.join(",").into_boxed_str()),
        port: free_port(),
        dir,
        redis_url: env.redis_url(),
        store_args: args,
        child: None,
        starts: 0,
    };
    proc.start();
    wait_ready(std::slice::from_mut(&mut proc)).await;
    (proc, key)
}

#[actix_web::test]
async fn the_typescript_sdk_works_against_a_live_server() {
    if skipped("the_typescript_sdk_works_against_a_live_server") {
        return;
    }
    let env = TestEnv::new().await;
    let (server, key) = serve(&env).await;
    let base = server.base();
    let dir = clients().join("typescript");
    let npm = Path::new("npm");
    tokio::task::spawn_blocking(move || {
        // `npm test` compiles (strict TypeScript over the generated code) and runs node:test.
        run(
            "typescript sdk suite",
            &dir,
            npm,
            &["test"],
            &[("BASE", &base), ("API_KEY", &key)],
        );
        let packed = run("npm pack", &dir, npm, &["pack", "--dry-run", "--json"], &[]);
        let files = String::from_utf8_lossy(&packed.stdout);
        for file in [
            "dist/index.js",
            "dist/index.d.ts",
            "dist/rest/sdk.gen.js",
            "README.md",
        ] {
            assert!(
                files.contains(&format!("\"{file}\"")),
                "{file} is not in the package:\n{files}"
            );
        }
        assert!(
            !files.contains("\"test/"),
            "the tests are in the package:\n{files}"
        );
    })
    .await
    .unwrap();
    drop(server);
    env.finish().await;
}

#[actix_web::test]
async fn the_python_sdk_works_against_a_live_server() {
    if skipped("the_python_sdk_works_against_a_live_server") {
        return;
    }
    let env = TestEnv::new().await;
    let (server, key) = serve(&env).await;
    let base = server.base();
    let dir = clients().join("python");
    let wheels = tempfile::tempdir().unwrap();
    tokio::task::spawn_blocking(move || {
        run(
            "python sdk suite",
            &dir,
            &python(),
            &[
                "-W",
                "error::ResourceWarning",
                "-m",
                "unittest",
                "discover",
                "-v",
                "-s",
                "tests",
            ],
            &[("BASE", &base), ("API_KEY", &key)],
        );
        // The hand-written part, as pyproject.toml's [tool.ruff] says (the generated part
        // is the drift test's).
        let ruff = dir.join(".venv/bin/ruff");
        run(
            "ruff check",
            &dir,
            &ruff,
            &["check", "--no-cache", "."],
            &[],
        );
        run(
            "ruff format",
            &dir,
            &ruff,
            &["format", "--no-cache", "--check", "."],
            &[],
        );
        let out = wheels.path().to_str().unwrap();
        run(
            "python wheel",
            &dir,
            &python(),
            &[
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                "--no-build-isolation",
                "-w",
                out,
                ".",
            ],
            &[],
        );
        let wheel = std::fs::read_dir(wheels.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let listing = run(
            "wheel contents",
            &dir,
            &python(),
            &["-m", "zipfile", "-l", wheel.to_str().unwrap()],
            &[],
        );
        let files = String::from_utf8_lossy(&listing.stdout);
        for file in [
            "pollcast/__init__.py",
            "pollcast/live.py",
            "pollcast/rest/api/polls/create_poll.py",
            "pollcast/py.typed",
        ] {
            assert!(files.contains(file), "{file} is not in the wheel:\n{files}");
        }
        assert!(
            !files.contains("tests/"),
            "the tests are in the wheel:\n{files}"
        );
    })
    .await
    .unwrap();
    drop(server);
    env.finish().await;
}

/// The generated halves are exactly what the pinned generators make of the checked-in
/// OpenAPI document (which `pollcast-openapi`'s own test holds to the code): an API change
/// without `schema/clients/generate.sh` fails here.
#[test]
fn the_generated_code_matches_the_openapi_document() {
    if skipped("the_generated_code_matches_the_openapi_document") {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    run(
        "regenerating the SDKs",
        &clients(),
        &clients().join("generate.sh"),
        &[out.path().to_str().unwrap()],
        &[],
    );
    for (fresh, checked_in) in [
        ("typescript", "typescript/src/rest"),
        ("python", "python/pollcast/rest"),
    ] {
        let diff = Command::new("diff")
            .args(["-ru", "--exclude=__pycache__"])
            .arg(clients().join(checked_in))
            .arg(out.path().join(fresh))
            .output()
            .unwrap();
        assert!(
            diff.status.success(),
            "schema/clients/{checked_in} is not what schema/openapi.json generates; run \
             schema/clients/generate.sh and commit:\n{}",
            String::from_utf8_lossy(&diff.stdout)
        );
    }
}
