//! The harness: a sandbox on a free port, a temporary directory, and the real binary.
//!
//! Every plan a run saves (`--out`) or prints as JSON is checked against the plan schema
//! (`gdgroups schema --plan`), so the schema cannot fall behind what gdgroups writes.

pub mod schema;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gdgroups::group::Group;
use gdgroups_sandbox::{Sandbox, SandboxConfig, Seed, SeedGroup};

pub const TOKEN: &str = "test-token-3f9c";

/// A sandbox and a working directory for one test.
pub struct Env {
    pub sandbox: Sandbox,
    pub dir: tempfile::TempDir,
}

/// What a run of the binary left behind.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// gdgroups' group as the sandbox's own type (the sandbox shares no code with gdgroups).
pub fn to_sandbox(group: &Group) -> gdgroups_sandbox::Group {
    gdgroups_sandbox::Group {
        id: group.id.clone(),
        name: group.name.clone(),
        parents: group.parents.clone(),
    }
}

/// The sandbox's group as gdgroups' type, to compare with what gdgroups declares.
pub fn from_sandbox(group: gdgroups_sandbox::Group) -> Group {
    Group {
        id: group.id,
        name: group.name,
        parents: group.parents,
    }
}

/// Every group the sandbox holds, the bootstrap group included, sorted by id.
pub fn live_groups(sandbox: &Sandbox) -> Vec<Group> {
    sandbox.groups().into_iter().map(from_sandbox).collect()
}

/// A seed of these groups, without members or permissions.
pub fn seed(groups: &[Group]) -> Seed {
    groups
        .iter()
        .map(|g| SeedGroup::new(to_sandbox(g)))
        .collect()
}

impl Env {
    /// A sandbox seeded with `groups` (plus the bootstrap group).
    pub fn new(groups: &[Group]) -> Self {
        Self::with_config(SandboxConfig {
            token: TOKEN.into(),
            seed: seed(groups),
            ..SandboxConfig::default()
        })
    }

    pub fn with_config(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::spawn(config).expect("sandbox starts");
        Self {
            sandbox,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A path in the working directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the working directory.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        fs_err::write(&path, text).expect("write");
        path
    }

    /// Runs the binary in the working directory against the sandbox, without colour or terminal.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_in(
            self.dir.path(),
            args,
            &[
                &[
                    ("GDGROUPS_HOST", self.sandbox.url().as_str()),
                    ("GDGROUPS_TOKEN", TOKEN),
                ],
                env,
            ]
            .concat(),
        )
    }

    /// The sandbox's groups, without the bootstrap group.
    pub fn groups(&self) -> Vec<Group> {
        live_groups(&self.sandbox)
            .into_iter()
            .filter(|g| g.id != "adminGroup")
            .collect()
    }
}

/// Runs the binary with a clean environment (plus `env`) in `dir`.
pub fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gdgroups"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .stdin(Stdio::null());
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    command.env("HOME", dir).env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("binary runs");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    check_plans(dir, args, &run);
    run
}

/// Validates the plans a run wrote against the plan schema: the `--out` file of a plan that
/// succeeded, and the JSON a `plan` or `show` printed with `--format json`.
#[track_caller]
pub fn check_plans(dir: &Path, args: &[&str], run: &Run) {
    const COMMANDS: [&str; 9] = [
        "validate",
        "plan",
        "apply",
        "show",
        "dump",
        "schema",
        "sandbox",
        "completions",
        "man",
    ];
    let command = args.iter().find(|a| COMMANDS.contains(a));
    if command == Some(&"plan")
        && matches!(run.code, 0 | 2)
        && let Some(out) = flag_value(args, "--out")
    {
        let path = dir.join(out);
        let text = fs_err::read_to_string(&path).expect("plan --out wrote the plan");
        schema::assert_valid_plan(&format!("the plan saved by {args:?}"), &text);
    }
    if matches!(command, Some(&"plan" | &"show"))
        && flag_value(args, "--format") == Some("json")
        && !run.stdout.is_empty()
    {
        schema::assert_valid_plan(&format!("the JSON printed by {args:?}"), &run.stdout);
    }
}

/// The value of `--flag VALUE` or `--flag=VALUE`.
fn flag_value<'a>(args: &[&'a str], flag: &str) -> Option<&'a str> {
    args.iter().enumerate().find_map(|(i, a)| {
        if *a == flag {
            args.get(i + 1).copied()
        } else {
            a.strip_prefix(flag)?.strip_prefix('=')
        }
    })
}

/// Replaces the sandbox's port so snapshots are stable.
pub fn redact(text: &str, env: &Env) -> String {
    text.replace(&env.sandbox.url(), "http://127.0.0.1:PORT")
}

/// A proxy in front of a server that answers some requests itself: the sandbox stands for a
/// real GoodData, and the proxy for what the sandbox does not do (an organization entity the
/// token may not read, a listing that stops short), without changing the sandbox.
pub struct Proxy {
    url: String,
    /// The most requests that were in flight through the proxy at once.
    peak: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Every write that passed, in the order they were answered: `METHOD /path → status`.
    writes: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

/// Counts a request in flight until dropped, raising the peak.
struct InFlight {
    now: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl InFlight {
    fn enter(
        now: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
        peak: &std::sync::atomic::AtomicUsize,
    ) -> Self {
        use std::sync::atomic::Ordering::SeqCst;
        let current = now.fetch_add(1, SeqCst) + 1;
        peak.fetch_max(current, SeqCst);
        Self { now: now.clone() }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// What the proxy answers itself: `Some` for requests it intercepts (by method and path with
/// query), `None` for those it forwards.
pub type Intercept = dyn Fn(&str, &str) -> Option<axum::response::Response> + Send + Sync;

impl Proxy {
    pub fn spawn(target: &str, intercept: Box<Intercept>) -> Self {
        Self::spawn_with(target, intercept, false)
    }

    /// A proxy that answers every write with 403, as GoodData does, while the token's user does
    /// not hold organization `MANAGE`: before each write it asks the target for the token's
    /// profile (`permissions` lists what the user holds, directly or through its groups). The
    /// sandbox itself does not check permissions; this stands for a server that does. Writes are
    /// logged in order ([`Proxy::writes`]); run the client at `--parallelism 1` for an exact
    /// order (a check and its write are not atomic).
    pub fn manage_gate(target: &str) -> Self {
        Self::spawn_with(target, Box::new(|_, _| None), true)
    }

    /// The writes that reached the proxy, in the order they were answered.
    pub fn writes(&self) -> Vec<String> {
        self.writes.lock().expect("writes").clone()
    }

    fn spawn_with(target: &str, intercept: Box<Intercept>, gate: bool) -> Self {
        use axum::body::Body;
        use axum::extract::Request;
        use axum::response::IntoResponse as _;

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let target = target.trim_end_matches('/').to_string();
        let intercept: std::sync::Arc<Intercept> = intercept.into();
        let now = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (now_in, peak_in) = (now.clone(), peak.clone());
        let writes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writes_in = writes.clone();
        // Redirects go back to the client, as the API sends them.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let app = axum::Router::new().fallback(move |request: Request| {
            let (target, intercept, http) = (target.clone(), intercept.clone(), http.clone());
            let in_flight = InFlight::enter(&now_in, &peak_in);
            let writes = writes_in.clone();
            async move {
                let _in_flight = in_flight;
                let method = request.method().as_str().to_string();
                let path = request
                    .uri()
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_string();
                if let Some(answer) = intercept(&method, &path) {
                    return answer;
                }
                let write = method != "GET";
                if gate && write {
                    let mut profile = http.get(format!("{target}/api/v1/profile"));
                    if let Some(auth) = request.headers().get("authorization") {
                        profile = profile.header("authorization", auth.as_bytes());
                    }
                    let profile: serde_json::Value = profile
                        .send()
                        .await
                        .expect("the profile")
                        .json()
                        .await
                        .expect("profile JSON");
                    let manages = profile["permissions"]
                        .as_array()
                        .is_some_and(|p| p.iter().any(|p| p == "MANAGE"));
                    if !manages {
                        writes
                            .lock()
                            .expect("writes")
                            .push(format!("{method} {path} → 403"));
                        return problem(403, "the token's user does not hold organization MANAGE");
                    }
                }
                let mut forward = http.request(
                    reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                    format!("{target}{path}"),
                );
                for (name, value) in request.headers() {
                    if name != "host" {
                        forward = forward.header(name.as_str(), value.as_bytes());
                    }
                }
                let body = axum::body::to_bytes(request.into_body(), usize::MAX)
                    .await
                    .expect("body");
                let answer = forward.body(body).send().await.expect("the target answers");
                if write {
                    writes
                        .lock()
                        .expect("writes")
                        .push(format!("{method} {path} → {}", answer.status().as_u16()));
                }
                let mut response =
                    axum::response::Response::builder().status(answer.status().as_u16());
                for (name, value) in answer.headers() {
                    if name != "transfer-encoding" && name != "content-length" {
                        response = response.header(name.as_str(), value.as_bytes());
                    }
                }
                let bytes = answer.bytes().await.expect("answer body");
                response
                    .body(Body::from(bytes))
                    .unwrap_or_else(|_| axum::http::StatusCode::BAD_GATEWAY.into_response())
            }
        });
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            peak,
            writes,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The most requests that were in flight through the proxy at once so far.
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A problem+json answer, as GoodData sends errors.
pub fn problem(status: u16, detail: &str) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let status = axum::http::StatusCode::from_u16(status).expect("status");
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
        format!(
            r#"{{"title":"{status}","status":{},"detail":"{detail}","traceId":"proxy"}}"#,
            status.as_u16()
        ),
    )
        .into_response()
}
