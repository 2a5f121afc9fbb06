//! gdgroups' client for members and permissions against the sandbox: two implementations
//! written from the same references, separately (the sandbox shares no code with gdgroups), that
//! must agree on every read and write of spec §11.

use std::collections::{BTreeMap, BTreeSet};

use gdgroups::access::{
    DataSourcePermission as D, Facets, OrganizationPermission as O, PermissionGrant,
    WorkspacePermission as W, WorkspacePermissions,
};
use gdgroups::gooddata::{AccessQuery, Client, ClientConfig, Token};
use gdgroups_sandbox::{Assignee, Sandbox, SandboxConfig, parse_seed};

use super::conformance::RECORDED_ORGANIZATION;
use super::start;

fn client(sandbox: &Sandbox) -> Client {
    Client::new(&ClientConfig::new(sandbox.url(), Token::new("sandbox"))).expect("client")
}

async fn recorded(config: SandboxConfig) -> Sandbox {
    start(SandboxConfig {
        seed: parse_seed("RECORDED_ORGANIZATION", RECORDED_ORGANIZATION).expect("seed"),
        ..config
    })
    .await
}

fn set<T: Ord + Clone>(items: &[T]) -> BTreeSet<T> {
    items.iter().cloned().collect()
}

fn ids(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

#[tokio::test]
async fn the_client_reads_what_the_sandbox_holds() {
    let sandbox = recorded(SandboxConfig {
        max_page_size: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let live = client(&sandbox)
        .fetch_access(&AccessQuery::for_facets(Facets::ALL))
        .await
        .expect("read");
    assert_eq!(live.users, ids(&["admin", "demo", "demo2"]));
    assert_eq!(live.members_of("adminGroup"), &ids(&["admin", "demo"]));
    assert_eq!(live.members_of("demoGroup"), &ids(&["demo2"]));
    assert!(live.members_of("visitorsGroup").is_empty());
    assert_eq!(live.workspaces, ids(&["demo", "demo_west"]));
    assert_eq!(live.data_sources, ids(&["demo-test-ds"]));
    assert_eq!(
        live.workspaces_of("demoGroup"),
        &BTreeMap::from([(
            "demo".to_string(),
            WorkspacePermissions {
                permissions: set(&[W::View]),
                hierarchy: set(&[W::Analyze]),
            }
        )])
    );
    assert_eq!(
        live.data_sources_of("demoGroup"),
        &BTreeMap::from([("demo-test-ds".to_string(), set(&[D::Use]))])
    );
    assert_eq!(live.organization_of("adminGroup"), &set(&[O::Manage]));
    assert!(live.user_organization.is_empty());
    let me = live.token_user.expect("the token's user");
    assert_eq!(me.id, "admin");
    assert_eq!(me.groups, ids(&["adminGroup"]));
    assert!(live.unrecognized.is_empty(), "{:?}", live.unrecognized);
    // Every listing was read to its end through pages of one.
    let stats = sandbox.stats();
    assert_eq!(stats.count("GET", "/api/v1/entities/users"), 3);
    assert_eq!(stats.status(200), stats.total(), "{stats:?}");
}

#[tokio::test]
async fn the_clients_writes_land_as_the_sandbox_understands_them() {
    let sandbox = recorded(SandboxConfig::default()).await;
    let client = client(&sandbox);
    client
        .add_members("visitorsGroup", &ids(&["demo", "demo2"]))
        .await
        .expect("add");
    client
        .remove_members("adminGroup", &ids(&["demo"]))
        .await
        .expect("remove");
    assert_eq!(sandbox.members("visitorsGroup").unwrap(), ["demo", "demo2"]);
    assert_eq!(sandbox.members("adminGroup").unwrap(), ["admin"]);

    let grant = PermissionGrant {
        groups: ids(&["visitorsGroup", "adminQA1Group"]),
        workspaces: BTreeMap::from([(
            "demo_west".to_string(),
            WorkspacePermissions {
                permissions: set(&[W::Export, W::View]),
                hierarchy: BTreeSet::new(),
            },
        )]),
        data_sources: BTreeMap::from([("demo-test-ds".to_string(), set(&[D::Use]))]),
    };
    client.assign_permissions(&grant).await.expect("assign");
    for group in ["visitorsGroup", "adminQA1Group"] {
        let access = sandbox.access(&Assignee::group(group)).expect("group");
        assert_eq!(
            access.workspaces["demo_west"].permissions,
            set(&[
                gdgroups_sandbox::WorkspacePermission::Export,
                gdgroups_sandbox::WorkspacePermission::View
            ])
        );
        assert_eq!(
            access.data_sources["demo-test-ds"],
            set(&[gdgroups_sandbox::DataSourcePermission::Use])
        );
    }
    let revoke = PermissionGrant {
        groups: ids(&["adminQA1Group"]),
        ..grant
    };
    client.revoke_permissions(&revoke).await.expect("revoke");
    assert!(
        sandbox
            .access(&Assignee::group("adminQA1Group"))
            .unwrap()
            .is_empty()
    );

    client
        .set_organization_permissions(&BTreeMap::from([
            ("visitorsGroup".to_string(), set(&[O::SelfCreateToken])),
            ("adminQA1Group".to_string(), BTreeSet::new()),
        ]))
        .await
        .expect("organization");
    // Read back through the client: the same state from the other side.
    let live = client
        .fetch_access(&AccessQuery::for_facets(Facets::ALL))
        .await
        .expect("read");
    assert_eq!(live.members_of("visitorsGroup"), &ids(&["demo", "demo2"]));
    assert_eq!(
        live.organization_of("visitorsGroup"),
        &set(&[O::SelfCreateToken])
    );
    assert!(live.organization_of("adminQA1Group").is_empty());
    assert_eq!(
        live.workspaces_of("visitorsGroup")["demo_west"].permissions,
        set(&[W::Export, W::View])
    );

    // An unknown user is the sandbox's 404, which the client reports with its status.
    let error = client
        .add_members("visitorsGroup", &ids(&["nobody"]))
        .await
        .expect_err("unknown user");
    assert_eq!(error.status(), Some(404), "{error}");
}

#[tokio::test]
async fn without_the_listing_the_client_reads_each_group_on_its_own() {
    let sandbox = recorded(SandboxConfig {
        user_management: false,
        ..SandboxConfig::default()
    })
    .await;
    let mut query = AccessQuery::for_facets(Facets::ALL);
    query.permission_groups = vec!["demoGroup".into(), "visitorsGroup".into()];
    let live = client(&sandbox).fetch_access(&query).await.expect("read");
    assert_eq!(
        live.data_sources_of("demoGroup"),
        &BTreeMap::from([("demo-test-ds".to_string(), set(&[D::Use]))])
    );
    assert!(live.workspaces_of("visitorsGroup").is_empty());
    let stats = sandbox.stats();
    assert_eq!(
        stats.count(
            "GET",
            "/api/v1/actions/userManagement/userGroups/{id}/permissions"
        ),
        2
    );
}
