//! Load generator for pollcast: see `loadgen --help` and docs/benchmarks.md.

mod baseline;
mod cli;
mod closed_loop;
mod engine;
mod profile;
mod proof_of_work;
mod report;
mod sender;
mod stats;
mod target;
mod viewers;
mod webhook_receiver;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use cli::{Cli, Scenario};
use engine::Run;
use profile::Profile;
use target::AnyError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = actix_web::rt::System::new();
    match runtime.block_on(dispatch(cli.scenario)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(scenario: Scenario) -> Result<(), AnyError> {
    let run = match scenario {
        Scenario::Steady(opts) => Run {
            scenario: "steady",
            profile: Profile::Constant { rate: opts.rate() },
            duration: opts.duration_secs.unwrap_or(60.0),
            hold: opts.hold_secs.unwrap_or(0.0),
            opts,
        },
        Scenario::Spike { common, spike } => Run {
            scenario: "spike",
            profile: Profile::Spike {
                base: common.rate(),
                peak: common.rate() * spike.spike_factor,
                at: spike.spike_at_secs,
                hold: spike.spike_hold_secs,
            },
            duration: common
                .duration_secs
                .unwrap_or(spike.spike_at_secs + 1.0 + spike.spike_hold_secs + 10.0),
            hold: common.hold_secs.unwrap_or(0.0),
            opts: common,
        },
        Scenario::Viewers(opts) => Run {
            scenario: "viewers",
            // Votes only if asked for: the scenario measures connections.
            profile: Profile::Constant {
                rate: opts.rate.unwrap_or(0.0),
            },
            duration: opts.duration_secs.unwrap_or(0.0),
            hold: opts.hold_secs.unwrap_or(10.0),
            opts,
        },
        Scenario::Soak(opts) => Run {
            scenario: "soak",
            profile: Profile::Constant { rate: opts.rate() },
            duration: opts.duration_secs.unwrap_or(1800.0),
            hold: opts.hold_secs.unwrap_or(0.0),
            opts,
        },
        Scenario::Pipeline(a) => {
            return closed_loop::pipeline(
                &a.target.base,
                &a.target.api_key,
                a.votes,
                a.concurrency.max(1),
                a.polls.max(1),
                Duration::from_secs(a.timeout_secs),
            )
            .await;
        }
        Scenario::Latency(a) => {
            return closed_loop::latency(
                &a.target.base,
                &a.target.api_key,
                a.samples.max(1),
                Duration::from_millis(a.interval_ms),
            )
            .await;
        }
        Scenario::BaselineServer {
            listen,
            workers,
            redis,
        } => {
            return baseline::serve(&listen, workers, redis.as_deref()).await;
        }
        Scenario::WebhookReceiver { listen, workers } => {
            return webhook_receiver::serve(&listen, workers).await;
        }
        Scenario::Ceiling {
            url,
            requests,
            concurrency,
            body,
        } => return baseline::ceiling(&url, requests, concurrency, &body).await,
        Scenario::Proofs {
            url,
            count,
            concurrency,
            body,
            out,
        } => return proof_of_work::write_bodies(&url, count, concurrency, &body, &out).await,
        Scenario::ForgeCost { maxnumbers, secs } => {
            return proof_of_work::forge_cost(&maxnumbers, Duration::from_secs(secs));
        }
        Scenario::Export(a) => {
            return closed_loop::export(&a.target.base, &a.target.api_key, &a.poll, a.server_pid)
                .await;
        }
    };
    let out_dir = run.opts.out_dir.clone();
    let report = engine::run(run).await?;
    let (json, html) = report::write(&out_dir, &report)?;
    println!("{}", report::summary(&report));
    println!("  reports: {} {}", json.display(), html.display());
    Ok(())
}
