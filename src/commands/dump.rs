//! `gdgroups dump`: write the live groups as a canonical `groups.yaml`, to adopt an organization.
//! Invariant (tested): dump, then plan, shows no changes.

use super::{Ctx, connect};
use crate::cli::DumpArgs;
use crate::desired::dump::to_yaml_with_access;
use crate::error::{Error, Exit};
use crate::gooddata::AccessQuery;
use crate::gooddata::DEFAULT_PARALLELISM;
use crate::plan::document::write_atomically;

/// Runs `dump`.
pub async fn run(args: &DumpArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    // Before the server is asked, and again just before the write.
    refuse_to_overwrite(args)?;
    let client = connect(ctx, usize::from(DEFAULT_PARALLELISM))?;
    ctx.out
        .status(&format!("Reading the user groups of {} …", client.host()));
    let live = client.fetch_live().await?;
    let facets = args.facets();
    // The groups are known first, so a server without the permissions listing can be asked
    // group by group.
    let query = AccessQuery {
        facets,
        token_user: false,
        permission_groups: live.groups.keys().cloned().collect(),
    };
    let access = client.fetch_access(&query).await?;
    for unknown in &access.unrecognized {
        let place = match &unknown.target {
            Some(target) => format!("{} `{target}`", unknown.facet.key()),
            None => unknown.facet.key().to_string(),
        };
        ctx.out.always(&format!(
            "warning: `{}` holds permission `{}` on {place}, which this version of gdgroups does not know: it is not in the file, and a plan that changes that set will refuse to drop it",
            unknown.assignee, unknown.name
        ));
    }
    let groups: Vec<_> = live
        .groups
        .values()
        .filter(|g| live.bootstrap_group.as_ref() != Some(&g.id))
        .cloned()
        .collect();
    if live.bootstrap_group.is_none() {
        ctx.out.status(
            "The organization's bootstrap group could not be read: list it under `protected:` in the dumped file (plans hold deletes until it is named).",
        );
    }
    let header = format!(
        "The user groups of {} as gdgroups dumped them.\n\
         Review, commit, then `gdgroups plan` shows no changes. The bootstrap group is protected.",
        client.host()
    );
    let text = to_yaml_with_access(
        &groups,
        |id: &str| access.group_access(id),
        facets,
        live.bootstrap_group.as_slice(),
        &header,
    );
    match &args.output {
        Some(path) => {
            refuse_to_overwrite(args)?;
            write_atomically(path, text.as_bytes()).map_err(Error::Io)?;
            ctx.out.status(&format!(
                "Wrote {} groups to {}.",
                groups.len(),
                path.display()
            ));
        }
        None => ctx.out.data(&text),
    }
    Ok(Exit::Success)
}

/// `-o FILE` over an existing file needs `--force`: the file is most often the groups file
/// itself, with comments and edits a dump does not have.
fn refuse_to_overwrite(args: &DumpArgs) -> Result<(), Error> {
    match &args.output {
        Some(path) if !args.force && path.symlink_metadata().is_ok() => {
            Err(Error::Refused(format!(
                "{} exists; not replacing it with the dump. Pass --force to replace it, or name \
                 another file with -o",
                path.display()
            )))
        }
        _ => Ok(()),
    }
}
