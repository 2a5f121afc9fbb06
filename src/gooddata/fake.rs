//! Test support: a tiny HTTP/1.1 server that answers from a closure and records every request,
//! to test the client's paging, bodies and error handling without the sandbox; and the recorded
//! bodies of the cassettes in `tests/fixtures/gooddata/cassettes/`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Client, ClientConfig, Token};

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or(&self.target)
    }

    /// A query parameter's value.
    pub fn query(&self, name: &str) -> Option<&str> {
        let query = self.target.split_once('?')?.1;
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// A header's value (names compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// An answer.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(value: &Value) -> Self {
        Self {
            status: 200,
            content_type: Some("application/json"),
            body: value.to_string().into_bytes(),
        }
    }

    pub fn status(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: (!body.is_empty()).then_some("application/problem+json"),
            body: body.as_bytes().to_vec(),
        }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// The running fake; it stops when dropped.
pub(crate) struct Fake {
    port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Fake {
    pub async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, seen) = (handler.clone(), seen.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &*handler, &seen).await;
                });
            }
        });
        Self {
            port,
            requests,
            task,
        }
    }

    /// A client for it: one attempt per request, so a test sees each failure as it is.
    pub fn client(&self) -> Client {
        let mut config = ClientConfig::new(
            format!("http://127.0.0.1:{}", self.port),
            Token::new("fake-token"),
        );
        config.max_attempts = 1;
        config.timeout = Duration::from_secs(10);
        config.parallelism = 4;
        Client::new(&config).expect("client")
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (headers, then a `Content-Length` body), answers, closes.
async fn serve(
    mut stream: TcpStream,
    handler: &Handler,
    seen: &Mutex<Vec<Request>>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let target = first.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let request = Request {
        method,
        target,
        headers,
        body,
    };
    let reply = handler(&request);
    seen.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(request);
    let content_type = reply
        .content_type
        .map_or(String::new(), |t| format!("Content-Type: {t}\r\n"));
    let out = format!(
        "HTTP/1.1 {} Fake\r\nContent-Length: {}\r\nConnection: close\r\n{content_type}\r\n",
        reply.status,
        reply.body.len()
    );
    stream.write_all(out.as_bytes()).await?;
    stream.write_all(&reply.body).await?;
    stream.shutdown().await
}

/// The interactions of a recorded cassette.
pub(crate) fn cassette(name: &str) -> Vec<Value> {
    let path = format!(
        "{}/tests/fixtures/gooddata/cassettes/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = fs_err::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let document: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    document["interactions"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no interactions"))
        .clone()
}

/// The recorded interaction of `cassette` whose request is `method uri-path` (the first one).
pub(crate) fn recorded(name: &str, method: &str, path: &str) -> Value {
    cassette(name)
        .into_iter()
        .find(|i| {
            i["request"]["method"] == method
                && i["request"]["uri"]
                    .as_str()
                    .and_then(|u| u.strip_prefix("http://localhost:3000"))
                    .is_some_and(|u| u.split('?').next() == Some(path))
        })
        .unwrap_or_else(|| panic!("{name}: no {method} {path}"))
}
