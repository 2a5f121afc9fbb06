//! A local, in-memory GoodData user-group API (spec §9 and §11): how a new user tries gdgroups
//! without a GoodData account, and the server the test suite runs against.
//!
//! It is written from GoodData's OpenAPI spec and recorded interactions (copied into the
//! gdgroups repository under `tests/fixtures/gooddata/`, where the conformance tests replay
//! them), not from what gdgroups' client sends, and it does not depend on gdgroups: its
//! [`Group`], id rule ([`is_valid_id`]) and seed parsing ([`load_seed`]) are its own.
//!
//! It serves, with bearer auth, problem+json errors, request counters at `/_sandbox/stats`,
//! fault injection ([`Faults`]) and HTTPS when given a certificate ([`TlsConfig`]):
//! - user groups: entity CRUD under `/api/v1/entities/userGroups`, the layout GET (and its
//!   destructive PUT), the organization entity with `bootstrapUserGroup`;
//! - users, workspaces (with parents) and data sources: the entity listings and one user;
//!   `/api/v1/profile` of the token's user ([`SandboxConfig::token_user`]);
//! - `actions/userManagement`: the groups with user counts and direct permissions (or their
//!   absence, as on an older server), members and `addMembers`/`removeMembers`, the direct
//!   permissions of one group or user (GET and POST), `assignPermissions`/`revokePermissions`;
//! - organization permissions: `actions/organization/managePermissions` and the layout
//!   `/api/v1/layout/organization/permissions` (GET, PUT).
//!
//! Every operation and query parameter of the spec on these routes is served, served with a
//! simplification, or answered 501 problem+json as not simulated; none is silently ignored. The
//! conformance table of the crate's `README.md` lists each (it is rendered from the code), and
//! says what every request is checked for: the exact bearer token (no trace id on the 401, as
//! recorded), the query parameters the operation defines (400 for others), the media types it
//! takes and answers in (415, 406), 32-bit paging, `include` kinds that cannot be combined.
//!
//! What the recordings show, it does: assign **sets** each listed workspace's permissions and
//! hierarchy permissions and each listed data source's permissions for each assignee, and
//! answers 200 with an empty body; revoke removes what it lists (an entry left with nothing
//! goes); the member and permission writes answer 204 without a body; a group's deletion takes
//! its memberships and permissions with it. Where the references are silent, the sandbox
//! chooses, and says so here:
//! - Success answers of the entities use `application/vnd.gooddata.api+json` unless `Accept`
//!   asks for `application/json` (the recordings: JSON when asked, the vendor type when `Accept`
//!   was absent). The layouts, actions and the profile always answer `application/json`.
//! - Listings: `include`, `page`, `size`, `metaInclude=page`, `sort` and an RSQL `filter`
//!   (`==`, `!=`, `=in=`, `=out=`, `;`, `,`) on the fields its entities have; meta objects it
//!   does not compute are 501. The user-management listing's `name` keeps the groups whose name
//!   contains it, ignoring case; `workspace` and `dataSource` those with a direct permission
//!   there. Values outside the OpenAPI enums are 400 (in query parameters and bodies alike).
//! - `included` resources carry `links` but no `relationships`; relationships appear only when
//!   `include` asks, and only on entities that have some.
//! - Request bodies must be in a media type the operation lists (415 otherwise); unknown members
//!   are 400, so a misspelt field is not silently dropped. Read-only members (`name`,
//!   `accessSource`) are accepted and ignored.
//! - An unknown group, user, workspace or data source in a request is 404 problem+json, and
//!   nothing of the request is done. Users, workspaces and data sources come only from the seed:
//!   the entity writes of users are not simulated (501); gdgroups never writes them.
//! - `POST …/userGroups/{id}/permissions` (and the user's) sets what it lists, like an assign
//!   with that one assignee; whether the server also drops what the body leaves out is not
//!   recorded. `includeInherited=true` is 501: the sandbox keeps direct assignments only.
//! - A group is an `organizationAdmin`, and a user holds an organization permission (profile,
//!   organization `meta.permissions`), directly or through its groups and their parents.
//!   Permissions are listed in the order the spec declares each enum; organization
//!   permissions in the layout by assignee (users, then groups, by id).
//! - The bootstrap group holds organization `MANAGE` from the start. The token's user exists;
//!   when the seed does not name it, it is a member of the bootstrap group.
//! - The members action answers `{members: [{id, name?}]}` (`UserManagementUserGroupMembers`),
//!   the name being the user's display name when it has one.
//! - The organization shows `bootstrapUser`/`bootstrapUserGroup` only when `include` asks.
//! - The user-group layout PUT must list the bootstrap group unchanged (400 otherwise, as for
//!   any change of it); the groups' own `permissions` are accepted and not kept (every group
//!   reads back `permissions: []`); groups that stay keep their members and permissions.
//! - Every answer but the 401 carries a fresh `X-GDC-TRACE-ID`.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use gdgroups_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::spawn(SandboxConfig::default())?;
//! // point a client at sandbox.url() with the token "sandbox"
//! assert_eq!(sandbox.stats().total(), 0);
//! # Ok(())
//! # }
//! ```

mod access;
mod api;
mod catalog;
mod diagnostic;
mod faults;
mod group;
mod problem;
mod rsql;
mod seed;
mod stats;
mod store;
mod tls;
mod user;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

pub use access::{
    Access, Assignee, AssigneeKind, DataSourcePermission, OrganizationPermission, WorkspaceAccess,
    WorkspacePermission,
};
pub use catalog::{DEFAULT_DATA_SOURCE_SCHEMA, DEFAULT_DATA_SOURCE_TYPE, DataSource, Workspace};
pub use diagnostic::{SeedProblem, Span};
pub use faults::{Faults, parse_rate_limit};
pub use group::{DEFAULT_BOOTSTRAP_GROUP, Group, ID_PATTERN, MAX_NAME_CHARS, is_valid_id};
pub use seed::{Seed, SeedError, SeedGroup, SeedUser, load_seed, parse_seed};
pub use stats::Stats;
pub use tls::{TlsConfig, TlsError};
pub use user::User;

/// The user the token belongs to unless configured otherwise: the bootstrap user of a fresh
/// GoodData.CN (`admin`, as in the recordings).
pub const DEFAULT_TOKEN_USER: &str = "admin";

use store::Store;

/// How a sandbox starts.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The bearer token every API request must carry.
    pub token: String,
    /// The largest page the listing serves; a larger `size` is cut down to it (as a real
    /// server may do). `None`: no cap.
    pub max_page_size: Option<usize>,
    /// The group no request may change or delete; created when the seed lacks it. It holds
    /// organization `MANAGE`.
    pub bootstrap_group: String,
    /// The organization the sandbox starts with.
    pub seed: Seed,
    /// The user the token belongs to (`GET /api/v1/profile`). When the seed does not name it,
    /// it is created as a member of the bootstrap group, and so an organization admin.
    pub token_user: String,
    /// Injected latency, rate limit, failures and dropped connections.
    pub faults: Faults,
    /// Serve HTTPS with this certificate and key; `None`: plain HTTP.
    pub tls: Option<TlsConfig>,
    /// Serve the listings of the user-management action: `GET
    /// /api/v1/actions/userManagement/userGroups` (user counts and direct permissions of every
    /// group) and `GET …/userGroups/{id}/members`. `false` stands for an older server without
    /// them: they answer 404 problem+json exactly like an unknown route (stats still count them
    /// under their route template), while the per-group permissions, the member changes and
    /// assign/revoke stay.
    pub user_management: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            token: "sandbox".to_string(),
            max_page_size: None,
            bootstrap_group: DEFAULT_BOOTSTRAP_GROUP.to_string(),
            seed: Seed::default(),
            token_user: DEFAULT_TOKEN_USER.to_string(),
            faults: Faults::default(),
            tls: None,
            user_management: true,
        }
    }
}

/// State shared by every request handler.
#[derive(Debug)]
pub(crate) struct Shared {
    store: Mutex<Store>,
    stats: Mutex<Stats>,
    token: String,
    /// Whose profile `GET /api/v1/profile` answers.
    token_user: String,
    max_page_size: Option<usize>,
    faults: faults::FaultState,
    /// Whether the user-management routes exist (see [`SandboxConfig::user_management`]).
    user_management: bool,
    /// Used for links when a request has no usable `Host` header.
    listen: SocketAddr,
    /// `http` or `https`, for links.
    scheme: &'static str,
}

/// A lock that survives a panicked holder: every critical section leaves the data consistent
/// (validation happens before mutation), so the data is still good.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running sandbox. Dropping it shuts the server down.
#[derive(Debug)]
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    finished: Option<oneshot::Receiver<()>>,
}

impl Sandbox {
    /// Binds `listen` (port 0 picks a free port) and serves on the current tokio runtime.
    ///
    /// Fails when the address cannot be bound or the seed is inconsistent (a parent that is
    /// not seeded, a cycle, an invalid id).
    pub async fn start(listen: SocketAddr, config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let (sandbox, server) = Self::prepare(listener, config)?;
        tokio::spawn(server);
        Ok(sandbox)
    }

    /// Starts a sandbox on `127.0.0.1` and a free port, on its own thread and runtime, for
    /// tests that are not async.
    pub fn spawn(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("gdgroups-sandbox")
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (sandbox, server) = Self::prepare(listener, config)?;
        std::thread::Builder::new()
            .name("gdgroups-sandbox".to_string())
            .spawn(move || runtime.block_on(server))?;
        Ok(sandbox)
    }

    fn prepare(
        listener: tokio::net::TcpListener,
        config: SandboxConfig,
    ) -> std::io::Result<(Sandbox, impl Future<Output = ()> + Send + 'static)> {
        let addr = listener.local_addr()?;
        let store = config
            .seed
            .build(&config.bootstrap_group, &config.token_user)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            stats: Mutex::new(Stats::default()),
            token: config.token,
            token_user: config.token_user,
            max_page_size: config.max_page_size,
            faults: faults::FaultState::new(config.faults),
            user_management: config.user_management,
            listen: addr,
            scheme: if config.tls.is_some() {
                "https"
            } else {
                "http"
            },
        });
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let (finished_tx, finished_rx) = oneshot::channel::<()>();
        let app = api::router(shared.clone());
        let server = async move {
            // Either an explicit shutdown or the handle being dropped ends the server.
            let shutdown = async {
                let _ = shutdown_rx.await;
            };
            let served = match config.tls {
                None => serve(listener, app, shutdown).await,
                Some(tls) => match tls::TlsListener::new(listener, &tls) {
                    Ok(listener) => serve(listener, app, shutdown).await,
                    Err(error) => Err(error),
                },
            };
            if let Err(error) = served {
                tracing::error!(%error, "the sandbox server stopped");
            }
            let _ = finished_tx.send(());
        };
        let sandbox = Sandbox {
            shared,
            addr,
            shutdown: Some(shutdown_tx),
            finished: Some(finished_rx),
        };
        Ok((sandbox, server))
    }

    /// The base URL: `http://127.0.0.1:PORT`, or `https://…` when it serves TLS.
    pub fn url(&self) -> String {
        format!("{}://{}", self.shared.scheme, self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The current groups, sorted by id.
    pub fn groups(&self) -> Vec<Group> {
        lock(&self.shared.store).all()
    }

    /// The ids of a group's members, sorted; `None` when the group does not exist.
    pub fn members(&self, id: &str) -> Option<Vec<String>> {
        let members = lock(&self.shared.store).members(id)?;
        Some(members.into_iter().map(|user| user.id).collect())
    }

    /// Every user, sorted by id.
    pub fn users(&self) -> Vec<User> {
        lock(&self.shared.store)
            .all_users()
            .into_iter()
            .map(|row| row.user)
            .collect()
    }

    /// The ids of a user's groups, sorted; `None` when the user does not exist.
    pub fn user_groups(&self, id: &str) -> Option<Vec<String>> {
        lock(&self.shared.store).user(id).map(|row| row.groups)
    }

    /// Inserts or replaces a user directly, as another client (or an identity provider) would:
    /// `groups` become its groups (those that do not exist are left out). Its permissions are
    /// kept.
    pub fn upsert_user<I, S>(&self, user: User, groups: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let groups: BTreeSet<String> = groups.into_iter().map(Into::into).collect();
        lock(&self.shared.store).upsert_user_unchecked(user, Some(groups));
    }

    /// Removes a user directly, with its memberships and permissions.
    pub fn remove_user(&self, id: &str) {
        lock(&self.shared.store).remove_user_unchecked(id);
    }

    /// What a user or group may reach directly; `None` when it does not exist.
    pub fn access(&self, assignee: &Assignee) -> Option<Access> {
        lock(&self.shared.store).access(assignee).cloned()
    }

    /// Replaces what an existing user or group may reach directly, without the API's checks
    /// (workspaces and data sources it names need not exist); `false` when there is no such
    /// assignee.
    pub fn set_access(&self, assignee: &Assignee, access: Access) -> bool {
        lock(&self.shared.store).set_access(assignee, access.normalized())
    }

    /// Inserts or replaces a group directly, without the API's checks (no parent, cycle or
    /// bootstrap rule), to stand for "another client changed the live state". Members of an
    /// existing group are kept.
    pub fn upsert_group(&self, group: Group) {
        lock(&self.shared.store).upsert_unchecked(group, None);
    }

    /// Sets the members of a group directly (users that do not exist are created with just
    /// their id); ignored when the group does not exist.
    pub fn set_members<I, S>(&self, id: &str, members: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let members: BTreeSet<String> = members.into_iter().map(Into::into).collect();
        lock(&self.shared.store).set_members(id, &members);
    }

    /// Removes a group directly, as a DELETE would (children lose it as a parent), but without
    /// the bootstrap rule.
    pub fn remove_group(&self, id: &str) {
        lock(&self.shared.store).remove_unchecked(id);
    }

    /// The request counters (also served at `GET /_sandbox/stats`).
    pub fn stats(&self) -> Stats {
        lock(&self.shared.stats).clone()
    }

    /// Zeroes the request counters (also `POST /_sandbox/reset-stats`).
    pub fn reset_stats(&self) {
        *lock(&self.shared.stats) = Stats::default();
    }

    /// Serves until the server stops. Dropping the returned future (for example in a
    /// `select!` with Ctrl-C) drops the sandbox and so shuts it down.
    pub async fn wait(mut self) {
        if let Some(finished) = self.finished.take() {
            let _ = finished.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// The one serving path for HTTP and HTTPS: only the listener differs.
async fn serve<L>(
    listener: L,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
