//! A webhook receiver on loopback for tests: it records every request (path, headers, body,
//! when) and answers by path.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// What the receiver got: path, headers, body, when.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
    pub at: Instant,
}

#[derive(Clone, Default)]
pub struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn on(&self, path: &str) -> Vec<Received> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    pub async fn wait_for(&self, path: &str, n: usize, within: Duration) -> Vec<Received> {
        let until = Instant::now() + within;
        loop {
            let got = self.on(path);
            if got.len() >= n || Instant::now() > until {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `/ok` answers 204; `/flaky` 500 twice per webhook-id, then 200; `/gone` 410; `/gone-slow`
/// 410 after 1.5 s (time for an edit meanwhile); `/dead` never answers.
async fn receive(state: web::Data<Receiver>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let path = req.path().to_owned();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect::<HashMap<_, _>>();
    let id = headers.get("webhook-id").cloned().unwrap_or_default();
    let seen = {
        let mut got = state.got.lock().unwrap();
        got.push(Received {
            path: path.clone(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        got.iter()
            .filter(|r| r.path == path && r.headers.get("webhook-id") == Some(&id))
            .count()
    };
    match path.as_str() {
        "/flaky" if seen <= 2 => HttpResponse::InternalServerError().body("not yet"),
        "/once" if seen <= 1 => HttpResponse::InternalServerError().body("once more"),
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(50)).await;
            HttpResponse::NoContent().finish()
        }
        "/gone" => HttpResponse::Gone().body("we moved"),
        "/gone-slow" => {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            HttpResponse::Gone().body("we moved")
        }
        "/dead" => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            HttpResponse::Ok().finish()
        }
        _ => HttpResponse::NoContent().finish(),
    }
}

pub async fn start_receiver() -> (Receiver, String, actix_web::dev::ServerHandle) {
    let receiver = Receiver::default();
    let data = web::Data::new(receiver.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(receive))
    })
    .workers(2)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    (receiver, format!("http://127.0.0.1:{port}"), handle)
}
