//! One delivery attempt over HTTP: the target is checked again (SSRF) and the address checked
//! is the one connected to; `https` goes over rustls with the Mozilla roots. Redirects are
//! answers, never followed. The whole attempt has [`TIMEOUT`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use pollcast_http::outbound::{TargetError, TargetPolicy};
use tokio::net::TcpStream;

/// Any 2xx within this is success.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// What the log keeps of a receiver's answer.
pub const EXCERPT: usize = 1024;

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    pub latency_ms: u64,
    /// Why it failed: `timeout`, `dns`, `connect`, `tls`, `forbidden_target`, `http_status`,
    /// or `secret` (its signing secret cannot be opened: nothing was sent).
    pub error: Option<&'static str>,
    /// The first [`EXCERPT`] bytes of the answer's body (lossy UTF-8).
    pub excerpt: String,
    /// The receiver's `Retry-After`, in seconds.
    pub retry_after_secs: Option<u64>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }

    pub(crate) fn failed(error: &'static str, started: Instant) -> Self {
        Outcome {
            status: None,
            latency_ms: started.elapsed().as_millis() as u64,
            error: Some(error),
            excerpt: String::new(),
            retry_after_secs: None,
        }
    }
}

/// The TLS client: rustls (ring) with the Mozilla roots. `None` if it cannot be built, and
/// then every https attempt fails as `tls`.
static TLS: LazyLock<Option<tokio_rustls::TlsConnector>> = LazyLock::new(|| {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .ok()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Some(tokio_rustls::TlsConnector::from(Arc::new(config)))
});

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// Idle keep-alive connections, by where they lead (`scheme://host` and the checked address
/// they were opened to): a delivery reuses one instead of connecting again, but only to the
/// address the target check just allowed.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<HashMap<(String, SocketAddr), Vec<Sender>>>,
}

/// Idle connections kept per target; more are closed.
const IDLE_PER_TARGET: usize = 16;

impl Pool {
    fn take(&self, key: &(String, SocketAddr)) -> Option<Sender> {
        let mut idle = self.idle.lock().ok()?;
        let list = idle.get_mut(key)?;
        while let Some(sender) = list.pop() {
            if sender.is_ready() {
                return Some(sender);
            }
        }
        None
    }

    fn give_back(&self, key: (String, SocketAddr), sender: Sender) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() > 10_000 {
                idle.clear();
            }
            let list = idle.entry(key).or_default();
            if list.len() < IDLE_PER_TARGET {
                list.push(sender);
            }
        }
    }
}

/// Sends `body` with `headers` to `url`, within [`TIMEOUT`].
pub async fn post(
    pool: &Pool,
    policy: &TargetPolicy,
    url: &str,
    headers: &[(&str, String)],
    body: String,
) -> Outcome {
    let started = Instant::now();
    match tokio::time::timeout(TIMEOUT, attempt(pool, policy, url, headers, body, started)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::failed("timeout", started),
    }
}

async fn attempt(
    pool: &Pool,
    policy: &TargetPolicy,
    url: &str,
    headers: &[(&str, String)],
    body: String,
    started: Instant,
) -> Outcome {
    let (url, addrs) = match policy.check(url).await {
        Ok(checked) => checked,
        Err(TargetError::Unresolved) => return Outcome::failed("dns", started),
        Err(_) => return Outcome::failed("forbidden_target", started),
    };
    let host = url.host_str().unwrap_or_default().to_owned();
    let origin = format!("{}://{host}", url.scheme());
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.clone(),
    };
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut request = Request::post(path).header("host", authority);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let Ok(request) = request.body(Full::new(Bytes::from(body))) else {
        return Outcome::failed("connect", started);
    };
    // A kept connection to an address the check allowed just now.
    for addr in &addrs {
        let key = (origin.clone(), *addr);
        if let Some(sender) = pool.take(&key) {
            return exchange(sender, request, started, |s| pool.give_back(key, s)).await;
        }
    }
    let mut stream = None;
    for addr in &addrs {
        if let Ok(s) = TcpStream::connect(addr).await {
            stream = Some((s, *addr));
            break;
        }
    }
    let Some((stream, addr)) = stream else {
        return Outcome::failed("connect", started);
    };
    let _ = stream.set_nodelay(true);
    let key = (origin, addr);
    let sender = if url.scheme() == "https" {
        let Ok(name) =
            rustls::pki_types::ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
        else {
            return Outcome::failed("tls", started);
        };
        let Some(tls) = TLS.as_ref() else {
            return Outcome::failed("tls", started);
        };
        match tls.connect(name, stream).await {
            Ok(tls) => handshake(TokioIo::new(tls)).await,
            Err(_) => return Outcome::failed("tls", started),
        }
    } else {
        handshake(TokioIo::new(stream)).await
    };
    match sender {
        Some(sender) => exchange(sender, request, started, |s| pool.give_back(key, s)).await,
        None => Outcome::failed("connect", started),
    }
}

/// An HTTP/1 connection over `io`, its driver running until the connection ends.
async fn handshake<IO>(io: IO) -> Option<Sender>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(io).await.ok()?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Some(sender)
}

/// One request over `sender`; the connection goes back (`keep`) only if the answer was read
/// to its end.
async fn exchange(
    mut sender: Sender,
    request: Request<Full<Bytes>>,
    started: Instant,
    keep: impl FnOnce(Sender),
) -> Outcome {
    let response = match sender.send_request(request).await {
        Ok(r) => r,
        Err(_) => return Outcome::failed("connect", started),
    };
    let status = response.status().as_u16();
    let retry_after_secs = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    // Only the excerpt is read; a receiver that sends more is cut off there.
    let mut body = response.into_body();
    let mut read = Vec::new();
    let mut ended = false;
    while read.len() <= EXCERPT {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    read.extend_from_slice(&data);
                }
            }
            Some(Err(_)) => break,
            None => {
                ended = true;
                break;
            }
        }
    }
    read.truncate(EXCERPT);
    let excerpt = String::from_utf8_lossy(&read).into_owned();
    drop(body);
    if ended {
        keep(sender);
    }
    Outcome {
        status: Some(status),
        latency_ms: started.elapsed().as_millis() as u64,
        error: (!(200..300).contains(&status)).then_some("http_status"),
        excerpt,
        retry_after_secs,
    }
}
