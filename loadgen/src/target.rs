//! The pollcast under test: loopback-only URLs, HTTP clients bound to chosen source
//! addresses, and the setup calls (polls, voter tokens, results).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde_json::{Value, json};

pub type AnyError = Box<dyn std::error::Error>;

/// Refuses any base URL that is not a loopback address: load goes nowhere else.
pub fn check_loopback(base: &str) -> Result<(), AnyError> {
    let host = base
        .trim_start_matches("http://")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    if host == "localhost" || host.starts_with("127.") || host == "[::1]" {
        Ok(())
    } else {
        Err(format!("refusing to send load to {host}: loopback addresses only").into())
    }
}

/// `host:port` of a base URL and the address it resolves to.
pub fn server_addr(base: &str) -> Result<(String, std::net::SocketAddr), AnyError> {
    use std::net::ToSocketAddrs;
    let host = base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let with_port = if host.contains(':') {
        host.clone()
    } else {
        format!("{host}:80")
    };
    let addr = with_port
        .to_socket_addrs()?
        .find(std::net::SocketAddr::is_ipv4)
        .ok_or_else(|| format!("{host} has no IPv4 address"))?;
    Ok((host, addr))
}

/// The `n`-th of `count` source addresses: 127.0.0.1, 127.0.0.2, ...
pub fn source_addr(n: usize, count: u8) -> IpAddr {
    let k = (n % usize::from(count.max(1))) as u8;
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + k))
}

/// A client keeping up to `connections` connections, from `local` if given.
pub fn client(connections: usize, local: Option<IpAddr>) -> awc::Client {
    let mut connector = awc::Connector::new().limit(connections.max(100));
    if let Some(addr) = local {
        connector = connector.local_address(addr);
    }
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .connector(connector)
        .finish()
}

pub fn ws_base(base: &str) -> String {
    base.replacen("http", "ws", 1)
}

/// Creates a four-option poll; returns the poll object.
pub async fn create_poll(
    client: &awc::Client,
    base: &str,
    api_key: &str,
    name: &str,
    dedupe: &str,
) -> Result<Value, AnyError> {
    let body = json!({
        "question": name,
        "options": [{"label": "a"}, {"label": "b"}, {"label": "c"}, {"label": "d"}],
        "dedupe": dedupe
    });
    let mut res = client
        .post(format!("{base}/v1/polls"))
        .bearer_auth(api_key)
        .send_json(&body)
        .await
        .map_err(|e| e.to_string())?;
    let poll: Value = res.json().await.map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("creating a poll failed: {poll}").into());
    }
    Ok(poll)
}

/// Mints `n` voter tokens, 64 at a time.
pub async fn mint_voters(
    client: &awc::Client,
    base: &str,
    n: usize,
) -> Result<Vec<String>, AnyError> {
    use futures_util::StreamExt;
    let url = format!("{base}/v1/voters");
    let results: Vec<Result<String, String>> = futures_util::stream::iter(0..n)
        .map(|_| {
            let url = url.clone();
            async move {
                let mut res = client.post(url).send().await.map_err(|e| e.to_string())?;
                let body: Value = res.json().await.map_err(|e| e.to_string())?;
                body["voter_token"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("minting a voter token answered {body}"))
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    results
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(Into::into)
}

/// The votes a poll's results count now.
pub async fn counted(
    client: &awc::Client,
    base: &str,
    api_key: &str,
    poll: &str,
) -> Result<u64, AnyError> {
    let mut res = client
        .get(format!("{base}/v1/polls/{poll}/results"))
        .bearer_auth(api_key)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let body: Value = res.json().await.map_err(|e| e.to_string())?;
    body["total_votes"]
        .as_u64()
        .ok_or_else(|| format!("results answered {body}").into())
}

/// [`counted`], retried up to 5 times over about 3 s (waiting out a `429`'s `Retry-After`
/// is the caller's settle loop's business; this only rides out a blip). The last error if
/// every try failed.
pub async fn counted_retrying(
    client: &awc::Client,
    base: &str,
    api_key: &str,
    poll: &str,
) -> Result<u64, String> {
    let mut last = String::new();
    for attempt in 0..5u32 {
        match counted(client, base, api_key, poll).await {
            Ok(n) => return Ok(n),
            Err(e) => last = e.to_string(),
        }
        actix_web::rt::time::sleep(Duration::from_millis(100 << attempt)).await;
    }
    Err(last)
}

/// Resident memory of a process in KiB, from /proc.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU seconds (user + system) this process has used, from /proc (clock ticks are 1/100 s
/// on Linux).
pub fn own_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command.
    (ticks(11) + ticks(12)) / 100.0
}
