//! Proof-of-work from the client's side: solving a protected poll's challenges before a run
//! (so the run measures the server, not the solver), and the attacker's cost per difficulty.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pollcast_auth::altcha;
use serde_json::{Value, json};

use crate::target::{AnyError, check_loopback, client};

/// Writes `count` vote bodies to `out`, one per line: `body` with the proof of a challenge
/// from `url`, each challenge its own.
pub async fn write_bodies(
    url: &str,
    count: u64,
    concurrency: usize,
    body: &str,
    out: &std::path::Path,
) -> Result<(), AnyError> {
    check_loopback(url)?;
    let template: Value = serde_json::from_str(body)?;
    let proofs = solved(&client(concurrency, None), url, count, concurrency).await?;
    let mut lines = String::with_capacity(proofs.len() * (body.len() + 400));
    for proof in proofs {
        let mut vote = template.clone();
        vote["proof"] = json!(proof);
        lines.push_str(&serde_json::to_string(&vote)?);
        lines.push('\n');
    }
    std::fs::write(out, lines)?;
    Ok(())
}

/// `count` challenges from `url` (a poll's `/challenge`), solved on every core: their proofs.
async fn solved(
    client: &awc::Client,
    url: &str,
    count: u64,
    concurrency: usize,
) -> Result<Vec<String>, AnyError> {
    let started = Instant::now();
    let fetched: Vec<Result<Value, String>> = futures_util::stream::iter(0..count)
        .map(|_| async move {
            let mut res = client.get(url).send().await.map_err(|e| e.to_string())?;
            if !res.status().is_success() {
                return Err(format!("GET {url}: {}", res.status()));
            }
            res.json::<Value>().await.map_err(|e| e.to_string())
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let challenges = fetched.into_iter().collect::<Result<Vec<_>, _>>()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = challenges.len().div_ceil(threads).max(1);
    let proofs = std::thread::scope(|s| {
        let workers: Vec<_> = challenges
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().filter_map(solve).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect::<Vec<_>>()
    });
    eprintln!(
        "solved {} of {count} challenges in {:.1} s",
        proofs.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(proofs)
}

fn solve(c: &Value) -> Option<String> {
    let challenge = altcha::Challenge {
        algorithm: altcha::ALGORITHM,
        challenge: c["challenge"].as_str()?.to_owned(),
        salt: c["salt"].as_str()?.to_owned(),
        signature: c["signature"].as_str()?.to_owned(),
        maxnumber: c["maxnumber"].as_u64()?,
    };
    let number = altcha::solve(&challenge.challenge, &challenge.salt, challenge.maxnumber)?;
    Some(altcha::payload(&challenge, number))
}

/// Solves fresh challenges on one core for `secs` at each of `maxnumbers`; prints proofs per
/// second (what one core of a forger yields) and the mean time per proof.
pub fn forge_cost(maxnumbers: &[u64], secs: Duration) -> Result<(), AnyError> {
    let key = altcha::Key::new(b"a throwaway key: the cost of solving does not depend on it");
    let mut rows = Vec::new();
    for &maxnumber in maxnumbers {
        let started = Instant::now();
        let mut solved = 0u64;
        while started.elapsed() < secs {
            let c = altcha::create(&key, maxnumber, i64::MAX / 2000, &[("poll", "p")]);
            if altcha::solve(&c.challenge, &c.salt, c.maxnumber).is_some() {
                solved += 1;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        rows.push(json!({
            "maxnumber": maxnumber,
            "proofs": solved,
            "seconds": elapsed,
            "proofs_per_second_per_core": solved as f64 / elapsed,
            "ms_per_proof": elapsed * 1000.0 / solved.max(1) as f64,
        }));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({"scenario": "forge-cost", "levels": rows}))?
    );
    Ok(())
}
