//! The HTTP client: complete paged listing, writes, retries with backoff, timeouts on every call.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures::{StreamExt, TryStreamExt};
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER,
    USER_AGENT,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::error::snippet;
use super::model::{
    InDocument, ListDocument, OrganizationDocument, Resource, UserManagementGroups,
};
use super::{ApiError, Token};
use crate::group::Group;
use crate::live::Live;

const MEDIA_TYPE: &str = "application/vnd.gooddata.api+json";
const GROUPS: &str = "/api/v1/entities/userGroups";
/// Page size asked for; a server may answer with smaller pages, which the listing handles.
pub(super) const PAGE_SIZE: usize = 500;
/// Writes in flight at once (the steps of an apply) unless `--parallelism` or the library's
/// settings say otherwise; reads go [`READS_PER_WRITE`] times as many at once, over all the
/// listings a plan reads side by side together. The one place the default is written.
pub const DEFAULT_PARALLELISM: u16 = 8;
/// Reads (`GET`s) in flight per unit of parallelism: one budget per [`Client`] (and its clones),
/// shared by every listing, so a plan that reads groups, users, workspaces, data sources and
/// permissions side by side still has at most this many times `--parallelism` reads out at once.
/// A read changes nothing and the plan waits on every page, so reads get more than writes: at 4,
/// the plan that manages every key over 20,000 users (46 pages of 500) reads in 3 round trips at
/// the default parallelism, where 2 took 4 and sat on its §11 limit (`BENCHMARKS.md`).
pub const READS_PER_WRITE: usize = 4;
/// How long a request may take in all, retries included, unless configured otherwise.
pub const DEFAULT_REQUEST_DEADLINE: Duration = Duration::from_secs(300);
/// How many 429 answers one request accepts before giving up.
const MAX_THROTTLED: u32 = 30;
/// A listing longer than this many pages is treated as a misbehaving server, not looped over.
pub(super) const MAX_PAGES: usize = 100_000;

/// What a request's body and answer are: JSON:API documents (the entity API, the default) or
/// plain JSON (the action and layout APIs, which produce and consume `application/json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Media {
    JsonApi,
    Json,
}

impl Media {
    fn as_str(self) -> &'static str {
        match self {
            Media::JsonApi => MEDIA_TYPE,
            Media::Json => "application/json",
        }
    }
}

/// Everything a [`Client`] needs; built from flags, environment and profiles by the CLI.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL, for example `https://acme.cloud.gooddata.com` (no trailing slash needed).
    pub host: String,
    /// The API token.
    pub token: Token,
    /// Timeout of every attempt of a request.
    pub timeout: Duration,
    /// The longest a request may take in all, retries and waits included: past it, the last
    /// error is returned rather than another retry.
    pub request_deadline: Duration,
    /// Allow plain `http://` to a host other than this machine (`--allow-http`): the token
    /// would travel in clear. Loopback hosts need no permission.
    pub allow_http: bool,
    /// Extra trusted root certificates (PEM), for private CAs.
    pub ca_certs_pem: Vec<Vec<u8>>,
    /// Extra headers sent with every request (a profile's `custom_headers`).
    pub headers: Vec<(String, String)>,
    /// Appended to `gdgroups/<version>` in `User-Agent`.
    pub extra_user_agent: Option<String>,
    /// Attempts per request on failures other than 429, the first included.
    pub max_attempts: u32,
    /// At most this many list pages are fetched at once.
    pub parallelism: usize,
}

impl ClientConfig {
    /// A configuration with the defaults of spec §8: 30 s timeout per attempt, 5 attempts, at most
    /// 5 minutes per request in all, 8 parallel pages ([`DEFAULT_PARALLELISM`]).
    pub fn new(host: impl Into<String>, token: Token) -> Self {
        Self {
            host: host.into(),
            token,
            timeout: Duration::from_secs(30),
            request_deadline: DEFAULT_REQUEST_DEADLINE,
            allow_http: false,
            ca_certs_pem: Vec::new(),
            headers: Vec::new(),
            extra_user_agent: None,
            max_attempts: 5,
            parallelism: usize::from(DEFAULT_PARALLELISM),
        }
    }
}

impl std::fmt::Debug for ClientConfig {
    /// The token shows as `***`; custom headers by name only, since they may carry credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ClientConfig")
            .field("host", &self.host)
            .field("token", &self.token)
            .field("timeout", &self.timeout)
            .field("request_deadline", &self.request_deadline)
            .field("allow_http", &self.allow_http)
            .field("ca_certs", &self.ca_certs_pem.len())
            .field("headers", &headers)
            .field("extra_user_agent", &self.extra_user_agent)
            .field("max_attempts", &self.max_attempts)
            .field("parallelism", &self.parallelism)
            .finish()
    }
}

/// A GoodData API client for user groups. Cheap to clone; clones share the connection pool and
/// the rate-limit pause, so all parallel workers back off together.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: String,
    /// The path part of `base` (empty for an organization URL), which every request path
    /// starts with; errors name the path actually requested.
    base_path: String,
    timeout: Duration,
    request_deadline: Duration,
    max_attempts: u32,
    parallelism: usize,
    /// The read budget: a `GET` holds a permit while it is on the wire (not while it waits to
    /// retry), [`READS_PER_WRITE`] × `parallelism` in all.
    reads: tokio::sync::Semaphore,
    /// No request starts before this instant (set by a 429's `Retry-After`).
    paused_until: Mutex<Option<Instant>>,
}

/// A successful answer.
pub(super) struct Answer {
    /// `METHOD /path` as requested, to name it in errors.
    pub(super) request: String,
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
}

/// The result of a call plus whether it took more than one attempt (a retried write may already
/// have been carried out by an attempt whose answer was lost).
pub(super) struct Sent {
    pub(super) result: Result<Answer, ApiError>,
    pub(super) retried: bool,
}

impl Client {
    /// Builds a client. Fails on an invalid header, certificate or URL, and on plain `http://`
    /// to a host other than this machine unless `allow_http` (the rule the CLI applies).
    pub fn new(config: &ClientConfig) -> Result<Self, String> {
        check_host(&config.host, config.allow_http)?;
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.token.expose()))
            .map_err(|_| {
                "the token contains characters that cannot be sent in a header".to_string()
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(ACCEPT, HeaderValue::from_static(MEDIA_TYPE));
        let mut agent = format!("gdgroups/{}", env!("CARGO_PKG_VERSION"));
        if let Some(extra) = &config.extra_user_agent {
            agent = format!("{agent} {extra}");
        }
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&agent).map_err(|_| format!("invalid user agent `{agent}`"))?,
        );
        for (name, value) in &config.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name `{name}`"))?;
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| format!("invalid value for header `{name}`"))?;
            // A profile's header may carry a credential: never logged, never in `Debug`.
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .pool_max_idle_per_host(64);
        for pem in &config.ca_certs_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("cannot read the CA certificate: {e}"))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot set up HTTP: {e}"))?;
        let base = config.host.trim_end_matches('/').to_string();
        let base_path = base
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|at| rest[at..].to_string()))
            .unwrap_or_default();
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                base_path,
                timeout: config.timeout,
                request_deadline: config.request_deadline,
                max_attempts: config.max_attempts.max(1),
                parallelism: config.parallelism.max(1),
                reads: tokio::sync::Semaphore::new(config.parallelism.max(1) * READS_PER_WRITE),
                paused_until: Mutex::new(None),
            }),
        })
    }

    /// The base URL requests go to.
    pub fn host(&self) -> &str {
        &self.inner.base
    }

    /// How many requests of one listing are queued at once; the read budget
    /// ([`READS_PER_WRITE`]) decides how many of all listings' are on the wire.
    pub(super) fn parallelism(&self) -> usize {
        self.inner.parallelism * READS_PER_WRITE
    }

    /// `METHOD /path` as it goes to the server (base path included, query left out): what
    /// errors and logs name.
    pub(super) fn request_line(&self, method: &Method, path: &str) -> String {
        let path = path.split('?').next().unwrap_or(path);
        format!("{method} {}{path}", self.inner.base_path)
    }

    /// The live organization: every group and the bootstrap group, fetched concurrently. Costs
    /// the list pages plus the organization lookup, in the time of the listing. Member counts are
    /// left out: they are only worth their requests when a plan deletes something.
    pub async fn fetch_live(&self) -> Result<Live, ApiError> {
        let (groups, bootstrap) = tokio::try_join!(self.list_groups(), self.bootstrap_group())?;
        let mut live = Live::new(groups);
        live.bootstrap_group = bootstrap;
        Ok(live)
    }

    /// Every user group, complete: the first page tells the total, the rest are fetched in
    /// parallel, and the count is checked against `totalElements` (a server may cap the page size).
    pub async fn list_groups(&self) -> Result<Vec<Group>, ApiError> {
        let first = self.list_page(0, PAGE_SIZE).await?;
        let total = first
            .meta
            .as_ref()
            .and_then(|m| m.page.as_ref())
            .and_then(|p| p.total_elements);
        let page_len = first.data.len();
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        collect(&mut groups, first.data);
        let Some(total) = total else {
            return self.list_sequentially(groups, page_len).await;
        };
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        if page_len < total {
            if page_len == 0 {
                return Err(self.malformed_listing(format!(
                    "the first page is empty but totalElements is {total}"
                )));
            }
            let pages = total.div_ceil(page_len);
            if pages > MAX_PAGES {
                return Err(self.malformed_listing(format!(
                    "{pages} pages of {page_len} is more than gdgroups reads"
                )));
            }
            let rest: Vec<ListDocument> = futures::stream::iter(1..pages)
                .map(|page| self.list_page(page, PAGE_SIZE))
                .buffer_unordered(self.parallelism())
                .try_collect()
                .await?;
            for doc in rest {
                collect(&mut groups, doc.data);
            }
        }
        if groups.len() != total {
            return Err(self.malformed_listing(format!(
                "the server announced {total} groups but the pages held {}; the groups probably changed while they were read, so run the command again",
                groups.len()
            )));
        }
        Ok(groups.into_values().collect())
    }

    /// Paging for a server without `meta.page`: stop on a short or empty page, never on `links.next`.
    async fn list_sequentially(
        &self,
        mut groups: BTreeMap<String, Group>,
        first_len: usize,
    ) -> Result<Vec<Group>, ApiError> {
        if first_len == 0 {
            return Ok(groups.into_values().collect());
        }
        let page_size = first_len;
        for page in 1..MAX_PAGES {
            let doc = self.list_page(page, PAGE_SIZE).await?;
            let len = doc.data.len();
            collect(&mut groups, doc.data);
            if len < page_size {
                return Ok(groups.into_values().collect());
            }
        }
        Err(self.malformed_listing(format!("more than {MAX_PAGES} pages")))
    }

    fn malformed_listing(&self, reason: String) -> ApiError {
        ApiError::Malformed {
            request: self.request_line(&Method::GET, GROUPS),
            status: 200,
            reason,
            snippet: String::from("(several pages)"),
        }
    }

    async fn list_page(&self, page: usize, size: usize) -> Result<ListDocument, ApiError> {
        let path = format!("{GROUPS}?include=parents&page={page}&size={size}&metaInclude=page");
        let answer = self.send(Method::GET, &path, None).await.result?;
        let doc: ListDocument = parse(&answer)?;
        if let Some(bad) = doc.data.iter().find(|r| r.kind != super::model::TYPE) {
            return Err(ApiError::Malformed {
                request: answer.request.clone(),
                status: answer.status.as_u16(),
                reason: format!("an entry of type `{}` in a user-group listing", bad.kind),
                snippet: snippet(&answer.body),
            });
        }
        Ok(doc)
    }

    /// One group, or `None` when it does not exist.
    pub async fn get_group(&self, id: &str) -> Result<Option<Group>, ApiError> {
        let path = format!("{GROUPS}/{id}?include=parents");
        match self.send(Method::GET, &path, None).await.result {
            Ok(answer) => {
                #[derive(serde::Deserialize)]
                struct One {
                    data: Resource,
                }
                let one: One = parse(&answer)?;
                Ok(Some(one.data.into_group()))
            }
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a group. A retried create that meets 409 is done if the live group matches.
    pub async fn create_group(&self, group: &Group) -> Result<(), ApiError> {
        let body = body_of(group);
        let sent = self.send(Method::POST, GROUPS, Some(body)).await;
        match sent.result {
            Ok(_) => Ok(()),
            Err(e) if sent.retried && e.status() == Some(409) => self.confirm(group, e).await,
            Err(e) => Err(e),
        }
    }

    /// Replaces a group's name and parents.
    pub async fn update_group(&self, group: &Group) -> Result<(), ApiError> {
        let path = format!("{GROUPS}/{}", group.id);
        self.send(Method::PUT, &path, Some(body_of(group)))
            .await
            .result
            .map(|_| ())
    }

    /// Deletes a group. A retried delete that meets 404 is done if the group is gone.
    pub async fn delete_group(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("{GROUPS}/{id}");
        let sent = self.send(Method::DELETE, &path, None).await;
        match sent.result {
            Ok(_) => Ok(()),
            Err(e) if sent.retried && e.status() == Some(404) => match self.get_group(id).await? {
                None => Ok(()),
                Some(_) => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    async fn confirm(&self, group: &Group, original: ApiError) -> Result<(), ApiError> {
        match self.get_group(&group.id).await? {
            Some(live) if &live == group => Ok(()),
            _ => Err(original),
        }
    }

    /// The organization's bootstrap group, where the server says; `None` when it does not.
    pub async fn bootstrap_group(&self) -> Result<Option<String>, ApiError> {
        // `/entities/organization` redirects to the organization's own URL; the query string is
        // added there, since a redirect drops it.
        let mut path = "/api/v1/entities/organization".to_string();
        for _ in 0..5 {
            let answer = match self.send(Method::GET, &path, None).await.result {
                Ok(answer) => answer,
                Err(e) if matches!(e.status(), Some(403..=405)) => {
                    tracing::warn!(
                        "cannot read the organization's bootstrap group ({e}); deletes are held until it is named with --bootstrap-group or under protected:"
                    );
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            if answer.status.is_redirection() {
                let location = answer
                    .headers
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let location = location.strip_prefix(&self.inner.base).unwrap_or(location);
                if !location.starts_with('/') {
                    return Ok(None);
                }
                path = format!(
                    "{}?include=bootstrapUserGroup",
                    location.split('?').next().unwrap_or(location)
                );
                continue;
            }
            let doc: OrganizationDocument = parse(&answer)?;
            return Ok(doc
                .data
                .relationships
                .and_then(|r| r.bootstrap_user_group)
                .and_then(|r| r.data)
                .map(|l| l.id));
        }
        Err(ApiError::Malformed {
            request: self.request_line(&Method::GET, &path),
            status: 302,
            reason: "too many redirects".into(),
            snippet: String::new(),
        })
    }

    /// Users per group from the user-management action; `None` when the server does not offer
    /// it, or when the listing cannot be read completely (pages that fall short of the announced
    /// total, more pages than gdgroups reads): a count is known or it is unknown, never a guess.
    /// The first page tells the total; the rest are fetched in parallel.
    pub async fn member_counts(&self) -> Result<Option<BTreeMap<String, u64>>, ApiError> {
        let Some(first) = self.member_page(0).await? else {
            return Ok(None);
        };
        let page_len = first.user_groups.len();
        let total = usize::try_from(first.total_count).unwrap_or(usize::MAX);
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        counts.extend(first.user_groups.into_iter().map(|g| (g.id, g.user_count)));
        let unknown = |why: String| {
            tracing::warn!("the member counts of deletes are unknown: {why}");
            Ok(None)
        };
        if page_len < total {
            if page_len == 0 {
                return unknown(format!(
                    "the user-management listing announced {total} groups on an empty first page"
                ));
            }
            let pages = total.div_ceil(page_len);
            if pages > MAX_PAGES {
                return unknown(format!(
                    "the user-management listing has {pages} pages, more than gdgroups reads"
                ));
            }
            let rest: Vec<Option<UserManagementGroups>> = futures::stream::iter(1..pages)
                .map(|page| self.member_page(page))
                .buffer_unordered(self.parallelism())
                .try_collect()
                .await?;
            for doc in rest {
                let Some(doc) = doc else {
                    return unknown("a page of the user-management listing was refused".into());
                };
                counts.extend(doc.user_groups.into_iter().map(|g| (g.id, g.user_count)));
            }
        }
        if counts.len() != total {
            return unknown(format!(
                "the user-management listing announced {total} groups but its pages held {}",
                counts.len()
            ));
        }
        Ok(Some(counts))
    }

    async fn member_page(&self, page: usize) -> Result<Option<UserManagementGroups>, ApiError> {
        let path =
            format!("/api/v1/actions/userManagement/userGroups?page={page}&size={PAGE_SIZE}");
        // An action: it answers `application/json` only, so that is what `Accept` asks for.
        match self
            .send_as(Media::Json, Method::GET, &path, None)
            .await
            .result
        {
            Ok(answer) => parse(&answer).map(Some),
            Err(e) if matches!(e.status(), Some(400 | 403..=405 | 501)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends one JSON:API request; see [`Client::send_as`].
    async fn send(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> Sent {
        self.send_as(Media::JsonApi, method, path, body).await
    }

    /// Sends one request, retrying transient failures with capped, jittered exponential
    /// backoff. Every wait is at least the backoff step, even when `Retry-After` asks for less
    /// (`0`, or a date in the past), and the whole request, retries and waits included, ends by
    /// its deadline: past it, the last error is returned.
    pub(super) async fn send_as(
        &self,
        media: Media,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Sent {
        let request = self.request_line(&method, path);
        let url = format!("{}{path}", self.inner.base);
        let first = Instant::now();
        let deadline = first + self.inner.request_deadline;
        let gave_up = |last: Option<ApiError>| ApiError::Deadline {
            request: request.clone(),
            after: first.elapsed(),
            last: last.map(Box::new),
        };
        // Rate limiting is the server pacing us, not failing: it has a budget of its own.
        let (mut attempt, mut failures, mut throttled) = (0_u32, 0_u32, 0_u32);
        let mut last: Option<ApiError> = None;
        loop {
            attempt += 1;
            // A read waits for its turn in the read budget first (the semaphore is never
            // closed, so acquiring cannot fail); its timeout runs from when it is sent.
            let permit = if method == Method::GET {
                self.inner.reads.acquire().await.ok()
            } else {
                None
            };
            self.wait_for_pause(deadline).await;
            let Some(left) = deadline
                .checked_duration_since(Instant::now())
                .filter(|left| !left.is_zero())
            else {
                return Sent {
                    result: Err(gave_up(last)),
                    retried: attempt > 1,
                };
            };
            let started = Instant::now();
            let mut builder = self
                .inner
                .http
                .request(method.clone(), &url)
                .timeout(self.inner.timeout.min(left));
            if media != Media::JsonApi {
                builder = builder.header(ACCEPT, media.as_str());
            }
            if let Some(body) = &body {
                builder = builder
                    .header(CONTENT_TYPE, media.as_str())
                    .body(body.clone());
            }
            let outcome = self.attempt(builder, &request).await;
            drop(permit);
            let elapsed = started.elapsed();
            let (retry_after, error) = match outcome {
                Ok(answer) => {
                    let trace_id = answer
                        .headers
                        .get("x-gdc-trace-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    tracing::debug!(request = %request, status = answer.status.as_u16(), ms = elapsed.as_millis(), trace_id, "answer");
                    return Sent {
                        result: Ok(answer),
                        retried: attempt > 1,
                    };
                }
                Err((retry_after, error)) => (retry_after, error),
            };
            tracing::debug!(request = %request, status = ?error.status(), trace_id = ?error.trace_id(), ms = elapsed.as_millis(), "failed");
            if error.status() == Some(429) {
                throttled += 1;
            } else {
                failures += 1;
            }
            if !error.is_transient()
                || failures >= self.inner.max_attempts
                || throttled > MAX_THROTTLED
            {
                return Sent {
                    result: Err(error),
                    retried: attempt > 1,
                };
            }
            let step = backoff(attempt);
            let delay = retry_after.map_or(step, |asked| asked.max(step));
            if Instant::now() + delay >= deadline {
                return Sent {
                    result: Err(gave_up(Some(error))),
                    retried: attempt > 1,
                };
            }
            if error.status() == Some(429) {
                self.pause_all(delay);
            }
            tracing::info!(request = %request, attempt, delay_ms = delay.as_millis(), "retrying: {error}");
            last = Some(error);
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: the answer, or the error plus the server's `Retry-After`.
    async fn attempt(
        &self,
        builder: reqwest::RequestBuilder,
        request: &str,
    ) -> Result<Answer, (Option<Duration>, ApiError)> {
        let response = builder
            .send()
            .await
            .map_err(|e| (None, self.transport_error(request, &e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| (None, self.transport_error(request, &e)))?
            .to_vec();
        if status.is_success() || status.is_redirection() {
            return Ok(Answer {
                request: request.to_string(),
                status,
                headers,
                body,
            });
        }
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        Err((retry_after, status_error(request, status, &headers, &body)))
    }

    fn transport_error(&self, request: &str, error: &reqwest::Error) -> ApiError {
        if error.is_timeout() {
            return ApiError::Timeout {
                request: request.to_string(),
                after: self.inner.timeout,
            };
        }
        // The source chain says what actually happened (refused, reset, TLS); the top says little.
        let mut message = error.to_string();
        let mut hint = None;
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            message = format!("{message}: {s}");
            hint = hint.or_else(|| certificate_hint(s));
            source = s.source();
        }
        if let Some(hint) = hint {
            // A rejected certificate stays rejected: retrying only delays the hint.
            return ApiError::Certificate {
                request: request.to_string(),
                message: format!("{message} ({hint})"),
            };
        }
        if let Some(message) = wrong_scheme(&self.inner.base, error) {
            // The server will not start speaking the other protocol: no retries.
            return ApiError::WrongScheme {
                request: request.to_string(),
                message,
            };
        }
        if error.is_connect() {
            // The chain is for whoever debugs the network (`-v`); the error says what to check.
            tracing::debug!(request = %request, "cannot connect: {message}");
            let (cause, check) = unreachable_cause(error);
            return ApiError::Unreachable {
                request: request.to_string(),
                host: self.inner.base.clone(),
                cause,
                check: check.to_string(),
            };
        }
        ApiError::Transport {
            request: request.to_string(),
            message,
        }
    }

    /// Waits while the server asked every worker to pause, but not past `deadline`.
    async fn wait_for_pause(&self, deadline: Instant) {
        let until = *self
            .inner
            .paused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(until) = until {
            tokio::time::sleep_until(until.min(deadline).into()).await;
        }
    }

    fn pause_all(&self, delay: Duration) {
        let mut guard = self
            .inner
            .paused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let until = Instant::now() + delay;
        if guard.is_none_or(|current| current < until) {
            *guard = Some(until);
        }
    }
}

/// Plain http is allowed to loopback only, unless `allow_http`: the token would travel in clear.
pub(crate) fn check_host(host: &str, allow_http: bool) -> Result<(), String> {
    let Some((scheme, rest)) = host.split_once("://") else {
        return Err(format!("`{host}` is not a URL; write it as https://{host}"));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    // A URL copied from the API documentation or a browser: gdgroups adds `/api/v1` itself, so
    // every request would go to `/api/v1/api/v1/…` and fail with a 404 for a path nobody wrote.
    let path = rest[authority.len()..].trim_end_matches('/');
    if path.to_ascii_lowercase().ends_with("/api/v1") {
        let prefix = &path[..path.len() - "/api/v1".len()];
        return Err(format!(
            "the host `{host}` ends in `/api/v1`, which gdgroups adds itself (requests would go \
             to `{path}/api/v1/…`); set the host to the organization URL alone: \
             {scheme}://{authority}{prefix}"
        ));
    }
    let hostname = authority
        .rsplit_once(':')
        .filter(|(h, port)| {
            !h.is_empty() && port.chars().all(|c| c.is_ascii_digit()) && !authority.ends_with(']')
        })
        .map_or(authority, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" => {
            let loopback = hostname.eq_ignore_ascii_case("localhost")
                || hostname
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback || allow_http {
                Ok(())
            } else {
                Err(format!(
                    "refusing plain http:// to `{hostname}`: the token would travel in clear; use https://, or pass --allow-http (`ClientConfig::allow_http` in code) if you must"
                ))
            }
        }
        other => Err(format!(
            "unsupported URL scheme `{other}` in `{host}`; use https://"
        )),
    }
}

/// What to do about a rejected server certificate, when `error` is one.
fn certificate_hint(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    use rustls::CertificateError as E;
    // rustls' error arrives wrapped in `io::Error`s (two, through hyper-rustls), whose
    // `source()` skips the wrapped error, so the chain walk never reaches it.
    let mut error: &(dyn std::error::Error + 'static) = error;
    let tls = loop {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            break tls;
        }
        error = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    };
    let rustls::Error::InvalidCertificate(problem) = tls else {
        return None;
    };
    match problem {
        E::UnknownIssuer => Some(
            "the server's certificate is not signed by a CA this machine trusts; for a private CA, pass --ca-cert PATH or set SSL_CERT_FILE",
        ),
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            Some("the server's certificate is for another host name: check --host")
        }
        E::Expired | E::ExpiredContext { .. } | E::NotValidYet | E::NotValidYetContext { .. } => {
            Some("the server's certificate is out of date: check it, and this machine's clock")
        }
        _ => None,
    }
}

/// What to say when the server speaks another protocol than `base`'s scheme, where that shows:
/// over `https://`, TLS reading a plain-HTTP answer as a record it cannot parse (rustls' "received
/// corrupt message of type `InvalidContentType`"); over `http://`, an answer that does not start
/// like HTTP (hyper's "invalid HTTP version parsed": a TLS server's alert, for one).
fn wrong_scheme(base: &str, error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let (scheme, rest) = base.split_once("://")?;
    let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
    let mut source = Some(error);
    while let Some(e) = source {
        chain.push(e);
        // As in `certificate_hint`: the `io::Error`s hide rustls' error from `source()`.
        source = e.source().or_else(|| {
            e.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|inner| inner as &(dyn std::error::Error + 'static))
        });
    }
    if scheme.eq_ignore_ascii_case("https")
        && chain.iter().any(|e| {
            matches!(
                e.downcast_ref::<rustls::Error>(),
                Some(rustls::Error::InvalidMessage(_))
            )
        })
    {
        return Some(format!(
            "the server at {base} does not speak TLS: its answer is not a TLS record (\"{error}\"), as when it serves plain HTTP. If it does, write the host as http://{rest} (plain http is allowed to loopback hosts; to any other only with --allow-http, as the token then travels in clear)",
            error = chain.last().map(ToString::to_string).unwrap_or_default(),
        ));
    }
    if scheme.eq_ignore_ascii_case("http")
        && chain
            .iter()
            .any(|e| e.to_string().contains("invalid HTTP version parsed"))
    {
        return Some(format!(
            "the server at {base} did not answer in HTTP (\"invalid HTTP version parsed\"), as when it speaks HTTPS. If it does, write the host as https://{rest}"
        ));
    }
    None
}

/// Why a connection could not be made, in a few words, and what to check.
fn unreachable_cause(error: &(dyn std::error::Error + 'static)) -> (String, &'static str) {
    let mut innermost = error.to_string();
    let mut source = Some(error);
    while let Some(e) = source {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return (
                "the connection was refused".into(),
                "check that the server is running and listens at that address and port, and \
                 check the host (--host, GDGROUPS_HOST or the profile)",
            );
        }
        // hyper's resolver says only this much about itself; the lookup error follows it.
        if e.to_string() == "dns error" {
            return (
                "its name could not be resolved".into(),
                "check the host name for typos (--host, GDGROUPS_HOST or the profile), and \
                 this machine's network, DNS or VPN",
            );
        }
        innermost = e.to_string();
        source = e.source();
    }
    (
        innermost,
        "check the host (--host, GDGROUPS_HOST or the profile), and this machine's network, \
         proxy or firewall",
    )
}

fn collect(groups: &mut BTreeMap<String, Group>, data: Vec<Resource>) {
    for resource in data {
        let group = resource.into_group();
        groups.insert(group.id.clone(), group);
    }
}

fn body_of(group: &Group) -> Vec<u8> {
    serde_json::to_vec(&InDocument::new(group)).unwrap_or_default()
}

pub(super) fn parse<T: DeserializeOwned>(answer: &Answer) -> Result<T, ApiError> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        let location = answer.headers.get(LOCATION).and_then(|v| v.to_str().ok());
        let looks_like = if let (true, Some(location)) = (answer.status.is_redirection(), location) {
            format!("a redirect to `{location}`, which API calls do not follow (check --host: the organization URL, without a path)")
        } else if answer.body.first() == Some(&b'<') {
            "HTML, not JSON (a proxy or login page?)".to_string()
        } else {
            format!("not the expected JSON ({e})")
        };
        ApiError::Malformed {
            request: answer.request.clone(),
            status: answer.status.as_u16(),
            reason: looks_like,
            snippet: snippet(&answer.body),
        }
    })
}

/// An error status with what the body says: problem+json `{detail, traceId}` or a 429's
/// `{error, message}`; the trace id falls back to the `X-GDC-TRACE-ID` header.
fn status_error(request: &str, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
    #[derive(serde::Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct Problem {
        detail: Option<String>,
        title: Option<String>,
        message: Option<String>,
        trace_id: Option<String>,
    }
    let problem: Problem = serde_json::from_slice(body).unwrap_or_default();
    let trace_id = problem.trace_id.or_else(|| {
        headers
            .get("x-gdc-trace-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    let detail = problem
        .detail
        .or(problem.message)
        .or(problem.title)
        .or_else(|| {
            (!body.is_empty() && serde_json::from_slice::<serde_json::Value>(body).is_err())
                .then(|| format!("the answer starts with {}", snippet(body)))
        });
    ApiError::Status {
        request: request.to_string(),
        status: status.as_u16(),
        detail,
        trace_id,
    }
}

/// `Retry-After` in seconds or as an HTTP date, capped at 5 minutes.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let delay = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let when = httpdate::parse_http_date(value).ok()?;
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    };
    Some(delay.min(Duration::from_secs(300)))
}

/// 200 ms, 400 ms, … capped at 10 s, with jitter over the upper half so parallel workers spread out.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(200).saturating_mul(1 << attempt.saturating_sub(1).min(6));
    let capped = base.min(Duration::from_secs(10));
    let jitter = jitter_fraction();
    capped / 2 + capped.mul_f64(jitter / 2.0)
}

/// A random number in [0, 1), from the operating system's random source. Should that fail,
/// std's randomly keyed hasher over the clock stands in: parallel workers still spread out.
fn jitter_fraction() -> f64 {
    let mut bytes = [0_u8; 8];
    let bits = if getrandom::getrandom(&mut bytes).is_ok() {
        u64::from_le_bytes(bytes)
    } else {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        hasher.write_u128(now.as_nanos());
        hasher.finish()
    };
    #[allow(clippy::cast_precision_loss)] // 53 bits: exact in an f64
    let fraction = (bits >> 11) as f64 / (1_u64 << 53) as f64;
    fraction
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::{StatusCode as AxumStatus, header};
    use axum::response::{IntoResponse, Response};

    use super::*;

    /// A server that answers request `n` (from 0) for `path` with `answer(n, path)` and notes
    /// when each came.
    struct Server {
        url: String,
        arrivals: Arc<Mutex<Vec<Instant>>>,
        _runtime: tokio::runtime::Runtime,
    }

    fn serve(answer: impl Fn(usize, &str) -> Response + Send + Sync + 'static) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let seen = arrivals.clone();
        let calls = Arc::new(AtomicUsize::new(0));
        let answer = Arc::new(answer);
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            seen.lock().expect("lock").push(Instant::now());
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            async move { answer(n, uri.path()) }
        });
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        runtime.spawn(async move { axum::serve(listener, app).await });
        Server {
            url,
            arrivals,
            _runtime: runtime,
        }
    }

    fn empty_listing() -> Response {
        (
            [(header::CONTENT_TYPE, MEDIA_TYPE)],
            r#"{"data":[],"meta":{"page":{"size":500,"number":0,"totalElements":0,"totalPages":0}}}"#,
        )
            .into_response()
    }

    /// Runs `future` on a fresh runtime, failing (rather than hanging the suite) if it takes
    /// longer than a minute: far beyond what any of these requests needs, even on a loaded
    /// machine.
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async { tokio::time::timeout(Duration::from_secs(60), future).await })
            .expect("no hang")
    }

    #[test]
    fn a_retry_after_of_zero_or_in_the_past_still_waits_the_backoff_step() {
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(3600));
        for retry_after in ["0".to_string(), past] {
            let server = serve(move |n, _| match n {
                0 | 1 => (
                    AxumStatus::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, retry_after.clone())],
                    "{}",
                )
                    .into_response(),
                2 => (
                    AxumStatus::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, retry_after.clone())],
                    "",
                )
                    .into_response(),
                _ => empty_listing(),
            });
            let client =
                Client::new(&ClientConfig::new(&server.url, Token::new("t"))).expect("client");
            block_on(client.list_groups()).expect("listed after three retries");
            let arrivals = server.arrivals.lock().expect("lock").clone();
            assert_eq!(arrivals.len(), 4);
            // The k-th retry waits at least the lower end of its jittered step: 100, 200, 400 ms.
            for (k, pair) in arrivals.windows(2).enumerate() {
                let floor = Duration::from_millis(100 << k);
                assert!(
                    pair[1] - pair[0] >= floor,
                    "retry {k}: {:?} < {floor:?}",
                    pair[1] - pair[0]
                );
            }
        }
    }

    #[test]
    fn an_organization_the_token_may_not_read_leaves_the_bootstrap_group_unknown() {
        for status in [
            AxumStatus::FORBIDDEN,
            AxumStatus::NOT_FOUND,
            AxumStatus::METHOD_NOT_ALLOWED,
        ] {
            let server = serve(move |_, path| {
                if path.contains("/organization") {
                    status.into_response()
                } else {
                    empty_listing()
                }
            });
            let client =
                Client::new(&ClientConfig::new(&server.url, Token::new("t"))).expect("client");
            let live = block_on(client.fetch_live()).expect("live");
            assert_eq!(
                live.bootstrap_group, None,
                "{status}: not assumed to be adminGroup"
            );
        }
    }

    /// A user-management page: `ids` with 3 users each, announcing `total` groups.
    fn member_page(ids: &[&str], total: usize) -> Response {
        let items: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"id":"{id}","userCount":3,"organizationAdmin":false}}"#))
            .collect();
        (
            [(header::CONTENT_TYPE, "application/json")],
            format!(
                r#"{{"totalCount":{total},"userGroups":[{}]}}"#,
                items.join(",")
            ),
        )
            .into_response()
    }

    #[test]
    fn member_counts_are_complete_or_unknown() {
        // Pages of two; the listing announces five groups but its pages hold four.
        let server = serve(|n, _| match n {
            0 => member_page(&["a", "b"], 5),
            1 | 2 => member_page(&["c", "d"], 5),
            _ => member_page(&[], 5),
        });
        let client = Client::new(&ClientConfig::new(&server.url, Token::new("t"))).expect("client");
        assert_eq!(block_on(client.member_counts()).expect("no error"), None);

        // More pages than gdgroups reads: unknown, not the first pages' counts.
        let server = serve(|_, _| member_page(&["a"], MAX_PAGES + 1));
        let client = Client::new(&ClientConfig::new(&server.url, Token::new("t"))).expect("client");
        assert_eq!(block_on(client.member_counts()).expect("no error"), None);
        assert_eq!(server.arrivals.lock().expect("lock").len(), 1);

        // Complete: every group counted.
        let server = serve(|n, _| match n {
            0 => member_page(&["a", "b"], 3),
            _ => member_page(&["c"], 3),
        });
        let client = Client::new(&ClientConfig::new(&server.url, Token::new("t"))).expect("client");
        let counts = block_on(client.member_counts())
            .expect("no error")
            .expect("complete");
        assert_eq!(counts.len(), 3);
    }

    #[test]
    fn retries_stop_at_the_request_deadline() {
        let server = serve(|_, _| (AxumStatus::SERVICE_UNAVAILABLE, "busy").into_response());
        let mut config = ClientConfig::new(&server.url, Token::new("t"));
        config.max_attempts = 1_000;
        config.request_deadline = Duration::from_millis(1_500);
        let client = Client::new(&config).expect("client");
        let error = block_on(client.list_groups()).expect_err("gives up");
        let attempts = server.arrivals.lock().expect("lock").len();
        assert!((2..20).contains(&attempts), "{attempts} attempts");
        let text = error.to_string();
        assert!(
            text.contains("--request-deadline") && text.contains("503"),
            "{text}"
        );
        assert_eq!(error.status(), Some(503));
    }

    #[test]
    fn jitter_is_spread_over_its_whole_range() {
        let draws: Vec<f64> = (0..2_000).map(|_| jitter_fraction()).collect();
        assert!(draws.iter().all(|f| (0.0..1.0).contains(f)));
        let distinct: BTreeSet<u64> = draws.iter().map(|f| f.to_bits()).collect();
        assert!(
            distinct.len() > 1_990,
            "{} distinct of 2000",
            distinct.len()
        );
        for quarter in 0..4 {
            let lo = f64::from(quarter) / 4.0;
            let n = draws
                .iter()
                .filter(|f| (lo..lo + 0.25).contains(*f))
                .count();
            assert!((350..650).contains(&n), "{n} draws in quarter {quarter}");
        }
    }

    #[test]
    fn neither_the_token_nor_custom_header_values_show_in_debug() {
        let mut config = ClientConfig::new("https://x.example.com", Token::new("tok-8c1f"));
        config.headers = vec![("X-Api-Key".into(), "hdr-5e2a".into())];
        let client = Client::new(&config).expect("client");
        for shown in [format!("{config:?}"), format!("{client:?}")] {
            assert!(
                !shown.contains("tok-8c1f") && !shown.contains("hdr-5e2a"),
                "{shown}"
            );
        }
        assert!(format!("{config:?}").contains("X-Api-Key"));
        assert_eq!(
            format!("{} {:?}", config.token, config.token),
            "*** Token(***)"
        );
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60));
        let d = parse_retry_after(&future).expect("date");
        assert!(
            d > Duration::from_secs(50) && d <= Duration::from_secs(60),
            "{d:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("99999"), Some(Duration::from_secs(300)));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        for attempt in 1..20 {
            let d = backoff(attempt);
            assert!(d <= Duration::from_secs(10), "{d:?}");
            assert!(d >= Duration::from_millis(100), "{d:?}");
        }
        assert!(backoff(5) > backoff(1));
    }

    #[test]
    fn certificate_errors_get_a_hint_through_their_io_wrappers() {
        use rustls::CertificateError as E;
        let wrapped = |problem: E| {
            std::io::Error::other(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(problem),
            ))
        };
        let hint = |problem| certificate_hint(&wrapped(problem));
        assert!(hint(E::UnknownIssuer).is_some_and(|h| h.contains("--ca-cert PATH")));
        assert!(hint(E::NotValidForName).is_some_and(|h| h.contains("--host")));
        assert!(hint(E::Expired).is_some_and(|h| h.contains("clock")));
        assert_eq!(hint(E::Revoked), None);
        assert_eq!(certificate_hint(&std::io::Error::other("reset")), None);
    }

    #[test]
    fn unreachable_servers_get_a_cause_and_what_to_check() {
        #[derive(Debug)]
        struct Wrapper(&'static str, Box<dyn std::error::Error + Send + Sync>);
        impl std::fmt::Display for Wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(self.1.as_ref())
            }
        }
        let refused = Wrapper(
            "tcp connect error",
            Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
        );
        let (cause, check) =
            unreachable_cause(&Wrapper("client error (Connect)", Box::new(refused)));
        assert_eq!(cause, "the connection was refused");
        assert!(check.contains("server is running"), "{check}");
        let dns = Wrapper(
            "dns error",
            Box::new(std::io::Error::other(
                "failed to lookup address information",
            )),
        );
        let (cause, check) = unreachable_cause(&Wrapper("client error (Connect)", Box::new(dns)));
        assert_eq!(cause, "its name could not be resolved");
        assert!(check.contains("typos"), "{check}");
        let other = Wrapper(
            "client error (Connect)",
            Box::new(std::io::Error::other("no route")),
        );
        assert_eq!(unreachable_cause(&other).0, "no route");
    }

    #[test]
    fn error_bodies_give_detail_and_trace() {
        let mut headers = HeaderMap::new();
        headers.insert("x-gdc-trace-id", HeaderValue::from_static("hdr"));
        let e = status_error(
            "POST /x",
            StatusCode::CONFLICT,
            &headers,
            br#"{"title":"Conflict","status":409,"detail":"exists","traceId":"t1"}"#,
        );
        assert_eq!((e.detail(), e.trace_id()), (Some("exists"), Some("t1")));
        let e = status_error(
            "POST /x",
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            br#"{"error":"Too Many Requests","message":"slow down"}"#,
        );
        assert_eq!((e.detail(), e.trace_id()), (Some("slow down"), Some("hdr")));
        let e = status_error(
            "GET /x",
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>bad gateway</html>",
        );
        assert!(e.detail().is_some_and(|d| d.contains("<html>")));
    }
}
