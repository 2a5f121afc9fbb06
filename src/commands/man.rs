//! `gdgroups man`: man pages generated from the clap definitions, so they never drift from the
//! real flags. One page per command, each with every option, the exit codes and the
//! environment variables; the pages refer to each other as `gdgroups-plan(1)` and so on.

use std::path::Path;

use clap::CommandFactory as _;
use clap_mangen::roff::{Roff, bold, roman};

use super::Ctx;
use crate::cli::{Cli, ManArgs};
use crate::error::{Error, Exit};

/// The exit codes (README, spec §6), for the EXIT STATUS section.
const EXIT_CODES: [(&str, &str); 7] = [
    (
        "0",
        "Success; for plan, also when there are changes, unless --detailed-exitcode.",
    ),
    (
        "1",
        "An error before any change: bad input, authentication, network, server.",
    ),
    ("2", "plan --detailed-exitcode: there are changes."),
    (
        "3",
        "apply partly failed: some operations done, some failed or skipped. Read the report and run apply again.",
    ),
    (
        "4",
        "Refused by a safety rule: a stale or edited plan, a delete threshold, a protected group, no approval, a file that would be overwritten. Nothing changed. A refused plan is still printed, ending with what apply would need.",
    ),
    ("64", "Usage error: bad flags."),
    (
        "130",
        "Interrupted (Ctrl-C, SIGTERM): before any change at once; during apply, running operations finish and none start.",
    ),
];

/// The environment variables gdgroups reads, for the ENVIRONMENT section.
const ENVIRONMENT: [(&str, &str); 9] = [
    (
        "GDGROUPS_HOST",
        "The organization URL, e.g. https://acme.cloud.gooddata.com (--host wins over it).",
    ),
    (
        "GOODDATA_HOST",
        "The organization URL, when GDGROUPS_HOST is not set.",
    ),
    (
        "GDGROUPS_TOKEN",
        "The API token. There is no token option: command lines leak into ps and shell history.",
    ),
    (
        "GOODDATA_TOKEN",
        "The API token, when GDGROUPS_TOKEN is not set.",
    ),
    (
        "HOME",
        "Where the profiles file is looked for: ~/.gooddata/profiles.yaml (see --profile, --profiles-file).",
    ),
    (
        "SSL_CERT_FILE",
        "An extra trusted CA certificate (PEM), as --ca-cert.",
    ),
    (
        "GDGROUPS_LOG",
        "A tracing filter for the log on stderr; overrides what -v and -vv choose.",
    ),
    ("NO_COLOR", "No colours, unless --color always."),
    (
        "CLICOLOR_FORCE",
        "Colours even without a terminal, unless --color never or NO_COLOR.",
    ),
];

/// Runs `man`: prints gdgroups.1, or writes every page into `--dir`.
pub fn run(args: &ManArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let pages = pages().map_err(|e| Error::Io(format!("cannot render the man pages: {e}")))?;
    let Some(dir) = &args.dir else {
        let (_, top) = pages
            .first()
            .ok_or_else(|| Error::Io("no man page".into()))?;
        ctx.out.data(&String::from_utf8_lossy(top));
        return Ok(Exit::Success);
    };
    fs_err::create_dir_all(dir).map_err(|e| Error::Io(e.to_string()))?;
    for (name, page) in &pages {
        crate::plan::document::write_atomically(&dir.join(name), page).map_err(Error::Io)?;
    }
    ctx.out.status(&format!(
        "Wrote {} man pages to {}: {}. Read them with `man {}` when the directory is in MANPATH.",
        pages.len(),
        dir.display(),
        pages
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        Path::new(&pages[0].0).with_extension("").display()
    ));
    Ok(Exit::Success)
}

/// Every page as (file name, roff): gdgroups.1 first, then one per command in help order.
pub fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    // As clap_mangen::generate_to does: `help` is no command of its own in a manual.
    let mut top = Cli::command().disable_help_subcommand(true);
    top.build();
    let mut commands = vec![top.clone()];
    commands.extend(top.get_subcommands().filter(|c| !c.is_hide_set()).cloned());
    let names: Vec<String> = commands.iter().map(page_name).collect();
    commands
        .into_iter()
        .map(|command| {
            let man = clap_mangen::Man::new(command.clone());
            let mut page = Vec::new();
            man.render(&mut page)?;
            let see_also: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|n| *n != page_name(&command))
                .collect();
            page.extend_from_slice(common_sections(&see_also).to_roff().as_bytes());
            Ok((man.get_filename(), page))
        })
        .collect()
}

/// `gdgroups-plan`: the page's name, as other pages refer to it.
fn page_name(command: &clap::Command) -> String {
    command
        .get_display_name()
        .unwrap_or_else(|| command.get_name())
        .to_string()
}

/// EXIT STATUS, ENVIRONMENT and SEE ALSO: the same on every page.
fn common_sections(see_also: &[&str]) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(meaning)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(meaning)]);
    }
    roff.control("SH", ["SEE ALSO"]);
    let mut refs = Vec::new();
    for (i, name) in see_also.iter().enumerate() {
        if i > 0 {
            refs.push(roman(", "));
        }
        refs.push(bold(*name));
        refs.push(roman("(1)"));
    }
    roff.text(refs);
    roff
}
