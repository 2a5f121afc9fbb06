//! `gdgroups dump`: write the live groups as a canonical `groups.yaml`, to adopt an organization.
//! Invariant (tested): dump, then plan, shows no changes.

use super::{Ctx, connect};
use crate::cli::DumpArgs;
use crate::desired::dump::to_yaml;
use crate::error::{Error, Exit};
use crate::gooddata::DEFAULT_PARALLELISM;
use crate::plan::document::write_atomically;

/// Runs `dump`.
pub async fn run(args: &DumpArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let client = connect(ctx, usize::from(DEFAULT_PARALLELISM))?;
    ctx.out
        .status(&format!("Reading the user groups of {} …", client.host()));
    let live = client.fetch_live().await?;
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
    let text = to_yaml(&groups, live.bootstrap_group.as_slice(), &header);
    match &args.output {
        Some(path) => {
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
