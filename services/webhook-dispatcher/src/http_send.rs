//! One delivery attempt over HTTP: the target is checked again (SSRF) and the address checked
//! is the one connected to; `https` goes over rustls with the Mozilla roots. Redirects are
//! answers, never followed. The whole attempt has [`TIMEOUT`].

use std::sync::{Arc, LazyLock};
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
    /// Why it failed: `timeout`, `dns`, `connect`, `tls`, `forbidden_target` or `http_status`.
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

    fn failed(error: &'static str, started: Instant) -> Self {
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

/// Sends `body` with `headers` to `url`, within [`TIMEOUT`].
pub async fn post(
    policy: &TargetPolicy,
    url: &str,
    headers: &[(&str, String)],
    body: String,
) -> Outcome {
    let started = Instant::now();
    match tokio::time::timeout(TIMEOUT, attempt(policy, url, headers, body, started)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::failed("timeout", started),
    }
}

async fn attempt(
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
    let mut stream = None;
    for addr in &addrs {
        if let Ok(s) = TcpStream::connect(addr).await {
            stream = Some(s);
            break;
        }
    }
    let Some(stream) = stream else {
        return Outcome::failed("connect", started);
    };
    let _ = stream.set_nodelay(true);
    let host = url.host_str().unwrap_or_default().to_owned();
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
    if url.scheme() == "https" {
        let Ok(name) =
            rustls::pki_types::ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
        else {
            return Outcome::failed("tls", started);
        };
        let Some(tls) = TLS.as_ref() else {
            return Outcome::failed("tls", started);
        };
        match tls.connect(name, stream).await {
            Ok(tls) => exchange(TokioIo::new(tls), request, started).await,
            Err(_) => Outcome::failed("tls", started),
        }
    } else {
        exchange(TokioIo::new(stream), request, started).await
    }
}

async fn exchange<IO>(io: IO, request: Request<Full<Bytes>>, started: Instant) -> Outcome
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let Ok((mut sender, connection)) = hyper::client::conn::http1::handshake(io).await else {
        return Outcome::failed("connect", started);
    };
    let driver = tokio::spawn(connection);
    let response = match sender.send_request(request).await {
        Ok(r) => r,
        Err(_) => {
            driver.abort();
            return Outcome::failed("connect", started);
        }
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
    while read.len() < EXCERPT {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    read.extend_from_slice(&data);
                }
            }
            _ => break,
        }
    }
    read.truncate(EXCERPT);
    let excerpt = String::from_utf8_lossy(&read).into_owned();
    driver.abort();
    Outcome {
        status: Some(status),
        latency_ms: started.elapsed().as_millis() as u64,
        error: (!(200..300).contains(&status)).then_some("http_status"),
        excerpt,
        retry_after_secs,
    }
}
