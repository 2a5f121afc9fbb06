//! The library API against the sandbox: the same engine as the CLI, driven from code.

use std::sync::{Arc, Mutex};

use gdgroups::apply::Outcome;
use gdgroups::error::Error;
use gdgroups::gooddata::{ClientConfig, Token};
use gdgroups::group::Group;
use gdgroups::plan::safety::Thresholds;
use gdgroups::provision::{GroupRecord, IncrementalRecord, Provisioner};
use gdgroups_sandbox::{Faults, Sandbox, SandboxConfig};

use crate::common::{TOKEN, seed};

fn sandbox(groups: &[Group], faults: Faults) -> Sandbox {
    Sandbox::spawn(SandboxConfig {
        token: TOKEN.into(),
        seed: seed(groups),
        faults,
        ..SandboxConfig::default()
    })
    .expect("sandbox")
}

fn provisioner(sandbox: &Sandbox) -> Provisioner {
    Provisioner::with_config(&ClientConfig::new(sandbox.url(), Token::new(TOKEN)))
        .expect("provisioner")
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

fn managed(sandbox: &Sandbox) -> Vec<Group> {
    crate::common::live_groups(sandbox)
        .into_iter()
        .filter(|g| g.id != "adminGroup")
        .collect()
}

#[test]
fn full_load_makes_the_organization_equal_to_the_records() {
    let sb = sandbox(
        &[
            Group::new("analysts").with_name("Analysts"),
            Group::new("old"),
        ],
        Faults::default(),
    );
    let records = vec![
        GroupRecord::new("analysts", Some("Data Analysts"), &[]).expect("record"),
        GroupRecord::new("marketing", Some("Marketing"), &["analysts"]).expect("record"),
    ];
    let report = block_on(provisioner(&sb).full_load(records)).expect("full load");
    assert!(report.is_complete(), "{report:?}");
    // The live groups are listed once, for the plan and the apply together.
    let stats = sb.stats();
    assert_eq!(
        stats.count("GET", "/api/v1/entities/userGroups"),
        1,
        "{stats:?}"
    );
    assert_eq!(
        (
            report.done(gdgroups::plan::Action::Create),
            report.done(gdgroups::plan::Action::Update),
            report.done(gdgroups::plan::Action::Delete)
        ),
        (1, 1, 1)
    );
    assert_eq!(
        managed(&sb),
        [
            Group::new("analysts").with_name("Data Analysts"),
            Group::new("marketing")
                .with_name("Marketing")
                .with_parents(["analysts"])
        ]
    );
    let json = serde_json::to_value(&report).expect("report serializes like apply --report");
    assert!(json["changes"].as_array().is_some_and(|c| c.len() == 3));
}

#[test]
fn incremental_load_touches_only_listed_groups() {
    let sb = sandbox(
        &[
            Group::new("gone"),
            Group::new("stay"),
            Group::new("rename").with_name("Old"),
        ],
        Faults::default(),
    );
    let records = vec![
        IncrementalRecord::new("gone", None, &[], false).expect("record"),
        IncrementalRecord::new("missing", None, &[], false).expect("record"),
        IncrementalRecord::new("rename", Some("New"), &[], true).expect("record"),
        IncrementalRecord::new("fresh", None, &["stay"], true).expect("record"),
    ];
    let report = block_on(provisioner(&sb).incremental_load(records)).expect("incremental load");
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(
        managed(&sb),
        [
            Group::new("fresh").with_parents(["stay"]),
            Group::new("rename").with_name("New"),
            Group::new("stay")
        ]
    );
}

#[test]
fn contradicting_and_invalid_records_are_typed_errors_and_change_nothing() {
    let sb = sandbox(&[Group::new("a")], Faults::default());
    let records = vec![
        IncrementalRecord::new("x", Some("One"), &[], true).expect("record"),
        IncrementalRecord::new("x", Some("Two"), &[], true).expect("record"),
    ];
    let error = block_on(provisioner(&sb).incremental_load(records)).expect_err("contradiction");
    assert!(matches!(error, Error::Input(_)), "{error:?}");
    let records = vec![GroupRecord::new("b", None, &["nope"]).expect("record")];
    let error = block_on(provisioner(&sb).full_load(records)).expect_err("unknown parent");
    assert!(error.to_string().contains("nope"), "{error}");
    assert_eq!(managed(&sb), [Group::new("a")]);
}

#[test]
fn a_delete_threshold_refuses_with_a_typed_error() {
    let live: Vec<Group> = (0..5).map(|i| Group::new(format!("g{i}"))).collect();
    let sb = sandbox(&live, Faults::default());
    let thresholds = Thresholds {
        max_deletes: Some(2),
        ..Thresholds::default()
    };
    let p = provisioner(&sb).thresholds(Thresholds {
        max_delete_percent: 100.0,
        ..thresholds
    });
    let error = block_on(p.full_load(vec![GroupRecord::new("g0", None, &[]).expect("record")]))
        .expect_err("refused");
    assert!(
        matches!(&error, Error::Refused(m) if m.contains("--max-deletes")),
        "{error:?}"
    );
    assert_eq!(managed(&sb).len(), 5, "nothing changed");
}

#[test]
fn a_partial_failure_is_in_the_report_with_status_and_trace() {
    let sb = sandbox(
        &[],
        Faults {
            refuse_writes: vec!["bad".into()],
            ..Faults::default()
        },
    );
    let records = vec![
        GroupRecord::new("bad", None, &[]).expect("record"),
        GroupRecord::new("child", None, &["bad"]).expect("record"),
        GroupRecord::new("good", None, &[]).expect("record"),
    ];
    let report = block_on(provisioner(&sb).full_load(records)).expect("ran");
    let failed: Vec<_> = report.failed().collect();
    assert_eq!(failed.len(), 1);
    assert!(
        matches!(&failed[0].outcome, Outcome::Failed { http_status: Some(500), trace_id: Some(t), .. } if !t.is_empty())
    );
    let skipped: Vec<&str> = report.not_attempted().map(|c| c.id.as_str()).collect();
    assert_eq!(skipped, ["child"]);
    assert_eq!(managed(&sb), [Group::new("good")]);
}

/// A `tracing` layer that records the `gdgroups::apply` events, as a program's subscriber would.
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<(String, String)>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Collector {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Fields(Option<String>, Option<String>);
        impl tracing::field::Visit for Fields {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                match field.name() {
                    "id" => self.0 = Some(value.to_string()),
                    "outcome" => self.1 = Some(value.to_string()),
                    _ => {}
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        if event.metadata().target() != "gdgroups::apply" {
            return;
        }
        let mut fields = Fields(None, None);
        event.record(&mut fields);
        if let (Some(id), Some(outcome)) = (fields.0, fields.1) {
            self.0.lock().expect("lock").push((id, outcome));
        }
    }
}

#[test]
fn every_operation_is_one_tracing_event() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let sb = sandbox(
        &[Group::new("old")],
        Faults {
            refuse_writes: vec!["bad".into()],
            ..Faults::default()
        },
    );
    let collector = Collector::default();
    let subscriber = tracing_subscriber::registry().with(collector.clone());
    let records = vec![
        GroupRecord::new("new", None, &[]).expect("record"),
        GroupRecord::new("bad", None, &[]).expect("record"),
    ];
    // Other tests reach the same call sites at the same time, on threads without a
    // subscriber. tracing caches each call site's interest for all threads, and while only
    // one dispatcher exists it asks just the registering thread's own default: a call site
    // first reached by another test would be cached as "never" and this test would miss its
    // events (it did, about one run in six). With a second dispatcher alive, tracing asks
    // every live dispatcher, this test's collector included.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let report = tracing::subscriber::with_default(subscriber, || {
        block_on(provisioner(&sb).full_load(records))
    })
    .expect("ran");
    let mut events = collector.0.lock().expect("lock").clone();
    events.sort();
    assert_eq!(
        events,
        [
            ("bad".to_string(), "failed".to_string()),
            ("new".to_string(), "done".to_string()),
            ("old".to_string(), "done".to_string())
        ]
    );
    assert_eq!(report.changes.len(), events.len());
}

#[test]
fn a_configured_provisioner_follows_the_cli_host_rules() {
    let plain = ClientConfig::new("http://acme.example.com", Token::new(TOKEN));
    let error = Provisioner::with_config(&plain).expect_err("plain http to a remote host");
    assert!(
        matches!(&error, Error::Config(m) if m.contains("travel in clear") && m.contains("allow_http")),
        "{error:?}"
    );
    let mut allowed = plain.clone();
    allowed.allow_http = true;
    assert!(Provisioner::with_config(&allowed).is_ok());
    let error = Provisioner::with_config(&ClientConfig::new("acme.example.com", Token::new(TOKEN)))
        .expect_err("not a URL");
    assert!(
        matches!(&error, Error::Config(m) if m.contains("https://acme.example.com")),
        "{error:?}"
    );
    assert!(
        Provisioner::with_config(&ClientConfig::new("http://127.0.0.1:9", Token::new(TOKEN)))
            .is_ok()
    );
}
