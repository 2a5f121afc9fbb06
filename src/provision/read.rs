//! Reading what a plan needs from the server, and no more (spec §10, §11): the group listing,
//! the members and permissions of the facets the file manages (side by side with it), and only
//! when the plan needs them the organization entity (the bootstrap group) and the member counts
//! (the cost of deletes). A plan that changes nothing costs only the listing pages.

use crate::access::Facets;
use crate::desired::Desired;
use crate::error::Error;
use crate::gooddata::{AccessQuery, ApiError, Client};
use crate::group::DEFAULT_BOOTSTRAP_GROUP;
use crate::live::Live;
use crate::plan::{Action, Plan, PlanOptions, compute};

/// The live groups and, for `facets`, members and permissions, read side by side. The
/// bootstrap group is left unknown, and member counts too unless the permission listing gave
/// them (it is the listing they are read from): [`plan`] reads them when the plan needs them.
/// `permission_groups` are the groups whose permissions are read one by one where the server
/// lacks the user-management listing.
pub async fn groups_and_access(
    client: &Client,
    facets: Facets,
    permission_groups: Vec<String>,
) -> Result<Live, ApiError> {
    let query = AccessQuery {
        permission_groups,
        ..AccessQuery::for_facets(facets)
    };
    let (groups, access) = tokio::try_join!(client.list_groups(), client.fetch_access(&query))?;
    let mut live = Live::new(groups);
    live.bootstrap_group = None;
    live.access = access;
    // The permission listing counted every group's users: no second read for deletes.
    live.member_counts = live.access.member_counts.take();
    Ok(live)
}

/// Reads the live state `desired` needs and computes the plan.
///
/// The bootstrap group matters only to a plan that changes or deletes a live group (a create
/// cannot touch it): the plan is first computed with the bootstrap group unknown, which protects
/// nothing, so every change the bootstrap rule could stop shows. When that plan creates at most,
/// the organization entity is not read and the bootstrap group stays unknown (no delete is
/// possible, so none is held for it); otherwise it is read, with the member counts when something
/// is deleted, and the plan computed again. Member counts are read only for a plan with deletes,
/// and not at all when the permission listing already gave them: one read of that listing per
/// plan. A plan that deletes also reads what the lock-out guard needs when the file's facets
/// did not (see `lock_out_reads`).
pub async fn plan(
    client: &Client,
    desired: &Desired,
    options: &PlanOptions,
) -> Result<(Live, Plan), Error> {
    let mut live =
        groups_and_access(client, desired.managed_facets(), permission_groups(desired)).await?;
    let probe = compute(desired, &live, options);
    let (touches_live, deletes) = match &probe {
        Ok(plan) => (
            plan.changes.iter().any(|c| c.action != Action::Create),
            // The default bootstrap group deleted in the probe is most likely the bootstrap
            // group itself, which the second computation keeps: not worth the member counts.
            plan.changes
                .iter()
                .any(|c| c.action == Action::Delete && c.id != DEFAULT_BOOTSTRAP_GROUP),
        ),
        // A problem may be one the bootstrap group's protection solves (a parent that would be
        // deleted): read it, and report what remains.
        Err(_) => (true, true),
    };
    if !touches_live {
        let plan = probe?;
        return Ok((live, plan));
    }
    let counted = live.member_counts.is_some();
    let guarded = live.access.token_user.is_some();
    let (bootstrap, counts, guard) = tokio::try_join!(
        client.bootstrap_group(),
        async {
            if deletes && !counted {
                client.member_counts().await
            } else {
                Ok(None)
            }
        },
        async {
            // Deletes held by --no-delete take nothing away.
            if deletes && !guarded && !options.no_delete {
                lock_out_reads(client).await
            } else {
                Ok(None)
            }
        }
    )?;
    live.bootstrap_group = bootstrap;
    if !counted {
        live.member_counts = counts;
    }
    if let Some(guard) = guard {
        with_lock_out_reads(&mut live, guard);
    }
    let plan = compute(desired, &live, options)?;
    if deletes || !plan.changes.iter().any(|c| c.action == Action::Delete) {
        return Ok((live, plan));
    }
    // The default bootstrap group is not the bootstrap group, and is deleted: what that costs,
    // and whether it locks the token's user out.
    if !guarded
        && plan.actionable().any(|c| c.action == Action::Delete)
        && let Some(guard) = lock_out_reads(client).await?
    {
        with_lock_out_reads(&mut live, guard);
    }
    if counted {
        return Ok((live, plan));
    }
    live.member_counts = client.member_counts().await?;
    let plan = compute(desired, &live, options)?;
    Ok((live, plan))
}

/// What the lock-out guard needs (the token's user, its groups, who holds organization
/// permissions), for a plan whose file manages neither members nor organization permissions and
/// so did not read them: deleting a group can still take organization `MANAGE` from the token's
/// user. Read only for a plan that deletes. A server that refuses them (a 4xx: the token may not
/// read organization permissions) leaves the guard unchecked, with a warning, as it was for such
/// files before: `None`.
async fn lock_out_reads(client: &Client) -> Result<Option<crate::live::LiveAccess>, ApiError> {
    let read = client
        .fetch_access(&AccessQuery {
            token_user: true,
            ..AccessQuery::default()
        })
        .await;
    match read {
        Ok(access) => Ok(Some(access)),
        Err(e) if e.status().is_some_and(|s| (400..500).contains(&s)) => {
            tracing::warn!(
                "the deletes are not checked by the lock-out guard: what it reads was refused ({e})"
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// `live` with the lock-out guard's reads: the organization permissions and the token's user.
/// The facets read stay as they were (these values are for the guard, not for the plan).
fn with_lock_out_reads(live: &mut Live, guard: crate::live::LiveAccess) {
    live.access.organization = guard.organization;
    live.access.user_organization = guard.user_organization;
    live.access.token_user = guard.token_user;
}

/// Whether a plan deletes a group while its file manages neither members nor organization
/// permissions: the lock-out guard's reads were not made with the facets, and are needed.
fn needs_lock_out_reads(plan: &Plan, facets: Facets) -> bool {
    !AccessQuery::for_facets(facets).token_user
        && plan.actionable().any(|c| c.action == Action::Delete)
}

/// The live state a saved plan is checked against: what [`plan`] read for it. The bootstrap
/// group is read when the plan changes or deletes a live group, or recorded one: whenever
/// [`plan`] read it; the lock-out guard's reads when the plan deletes, as [`plan`] made them.
pub async fn for_saved(client: &Client, plan: &Plan) -> Result<Live, ApiError> {
    let groups: Vec<String> = plan.source.managed.keys().cloned().collect();
    let facets = plan.source.facets();
    let touches_live = plan.changes.iter().any(|c| c.action != Action::Create)
        || plan.source.bootstrap_group.is_some();
    let guard = needs_lock_out_reads(plan, facets);
    let (mut live, bootstrap, guard) = tokio::try_join!(
        groups_and_access(client, facets, groups),
        async {
            if touches_live {
                client.bootstrap_group().await
            } else {
                Ok(None)
            }
        },
        async {
            if guard {
                lock_out_reads(client).await
            } else {
                Ok(None)
            }
        }
    )?;
    live.bootstrap_group = bootstrap;
    if let Some(guard) = guard {
        with_lock_out_reads(&mut live, guard);
    }
    Ok(live)
}

/// Declared groups whose workspace or data-source permissions the file manages.
fn permission_groups(desired: &Desired) -> Vec<String> {
    desired
        .groups
        .iter()
        .filter(|dg| dg.active)
        .filter(|dg| {
            let access = dg.access();
            access.workspaces.is_some() || access.data_sources.is_some()
        })
        .map(|dg| dg.group.id.clone())
        .collect()
}
