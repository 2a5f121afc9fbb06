//! The listing: size cap, `meta.page`, `links.next` on every page, ordering, includes, and
//! invalid paging parameters.

use serde_json::{Value, json};

use super::{get, start, start_recorded};
use crate::group::Group;
use crate::{SandboxConfig, SeedGroup};

/// 999 groups plus the bootstrap group: 1,000 in all.
async fn thousand(max_page_size: Option<usize>) -> crate::Sandbox {
    let seed = (0..999)
        .map(|i| SeedGroup::new(Group::new(format!("g{i:04}"))))
        .collect();
    start(SandboxConfig {
        max_page_size,
        seed,
        ..SandboxConfig::default()
    })
    .await
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn capped_size_meta_and_next_on_every_page() {
    let sandbox = thousand(Some(100)).await;
    let base = sandbox.url();
    let mut seen = Vec::new();
    for page in 0..10 {
        let body = get(
            &sandbox,
            &format!("/api/v1/entities/userGroups?page={page}&size=500&metaInclude=page"),
        )
        .await
        .json();
        assert_eq!(
            body["meta"]["page"],
            json!({"size": 100, "number": page, "totalElements": 1000, "totalPages": 10})
        );
        assert_eq!(body["data"].as_array().expect("data").len(), 100);
        assert_eq!(
            body["links"]["next"],
            format!(
                "{base}/api/v1/entities/userGroups?page={}&size=500&metaInclude=page",
                page + 1
            )
        );
        seen.extend(ids(&body));
    }
    let all: Vec<String> = sandbox.groups().into_iter().map(|g| g.id).collect();
    assert_eq!(seen, all, "pages cover every group once, ascending");
    assert!(seen.windows(2).all(|w| w[0] < w[1]));

    for page in [10, 11, 500] {
        let body = get(
            &sandbox,
            &format!("/api/v1/entities/userGroups?size=500&page={page}&metaInclude=page"),
        )
        .await
        .json();
        assert_eq!(body["data"], json!([]));
        assert_eq!(body["meta"]["page"]["number"], page);
        assert_eq!(body["meta"]["page"]["totalElements"], 1000);
        assert_eq!(
            body["links"]["next"],
            format!(
                "{base}/api/v1/entities/userGroups?size=500&page={}&metaInclude=page",
                page + 1
            )
        );
    }
}

#[tokio::test]
async fn defaults_and_meta_variants() {
    let sandbox = thousand(None).await;
    let body = get(&sandbox, "/api/v1/entities/userGroups").await.json();
    assert_eq!(body["data"].as_array().expect("data").len(), 20);
    assert!(body.get("meta").is_none());
    assert!(body.get("included").is_none());
    assert_eq!(
        body["links"],
        json!({
            "self": format!("{}/api/v1/entities/userGroups", sandbox.url()),
            "next": format!("{}/api/v1/entities/userGroups?page=1", sandbox.url()),
        })
    );
    for meta in ["all", "ALL", "page,all"] {
        let body = get(
            &sandbox,
            &format!("/api/v1/entities/userGroups?size=1000&metaInclude={meta}"),
        )
        .await
        .json();
        assert_eq!(
            body["meta"]["page"],
            json!({"size": 1000, "number": 0, "totalElements": 1000, "totalPages": 1}),
            "{meta}"
        );
    }
    let descending = get(&sandbox, "/api/v1/entities/userGroups?sort=id,desc&size=2")
        .await
        .json();
    assert_eq!(ids(&descending), ["g0998", "g0997"]);
}

#[tokio::test]
async fn include_adds_relationships_and_deduplicated_included() {
    let sandbox = start_recorded().await;
    sandbox.upsert_group(Group::new("zeta").with_parents(["demoGroup", "adminGroup"]));
    for include in ["parents", "userGroups", "ALL"] {
        let body = get(
            &sandbox,
            &format!("/api/v1/entities/userGroups?include={include}&size=100"),
        )
        .await
        .json();
        let included: Vec<&str> = body["included"]
            .as_array()
            .expect("included")
            .iter()
            .map(|g| g["id"].as_str().expect("id"))
            .collect();
        assert_eq!(included, ["adminGroup", "demoGroup"], "{include}");
        let zeta = &body["data"][4];
        assert_eq!(
            zeta["relationships"]["parents"]["data"],
            json!([{"id": "adminGroup", "type": "userGroup"}, {"id": "demoGroup", "type": "userGroup"}])
        );
        assert!(
            body["data"][0].get("relationships").is_none(),
            "no parents, no key"
        );
    }
    // Only parents referenced by this page are included.
    let body = get(
        &sandbox,
        "/api/v1/entities/userGroups?include=parents&size=1&page=2",
    )
    .await
    .json();
    assert_eq!(ids(&body), ["demoGroup"]);
    assert!(body.get("included").is_none());
    let body = get(&sandbox, "/api/v1/entities/userGroups?size=100")
        .await
        .json();
    assert!(body.get("included").is_none());
    assert!(
        body["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|g| g.get("relationships").is_none())
    );
}

#[tokio::test]
async fn invalid_paging_parameters_are_400() {
    let sandbox = start_recorded().await;
    for query in [
        "page=-1",
        "size=-5",
        "size=0",
        "page=abc",
        "size=1.5",
        "include=users",
        "metaInclude=everything",
        "sort=title",
        "filter=title==x",
    ] {
        let answer = get(&sandbox, &format!("/api/v1/entities/userGroups?{query}")).await;
        let detail = answer.problem(400);
        assert!(!detail.is_empty(), "{query}");
    }
    let detail = get(&sandbox, "/api/v1/entities/userGroups?page=-1")
        .await
        .problem(400);
    assert!(detail.contains("`page`"), "{detail}");
}

#[tokio::test]
async fn links_follow_the_request_host() {
    let sandbox = start_recorded().await;
    let body = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/entities/userGroups/demoGroup?include=ALL",
            sandbox.url()
        ))
        .bearer_auth("sandbox")
        .header("host", "gooddata.example:8443")
        .send()
        .await
        .expect("answered")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(
        body["links"]["self"],
        "http://gooddata.example:8443/api/v1/entities/userGroups/demoGroup?include=ALL"
    );
    let own = get(&sandbox, "/api/v1/entities/userGroups/demoGroup")
        .await
        .json();
    assert_eq!(
        own["links"]["self"],
        format!("{}/api/v1/entities/userGroups/demoGroup", sandbox.url())
    );
}

#[tokio::test]
async fn hundred_thousand_groups_page_quickly() {
    let seed = (0..100_000)
        .map(|i| SeedGroup::new(Group::new(format!("g{i:06}"))))
        .collect();
    let sandbox = start(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await;
    let started = std::time::Instant::now();
    let body = get(
        &sandbox,
        "/api/v1/entities/userGroups?page=4999&size=20&metaInclude=page",
    )
    .await
    .json();
    assert_eq!(ids(&body).first().map(String::as_str), Some("g099979"));
    assert_eq!(body["meta"]["page"]["totalPages"], 5001);
    // A generous bound, for a loaded machine: this takes milliseconds, a walk over the map per
    // page would still pass, but an O(n²) one (10¹⁰ steps in a debug build) not.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}
