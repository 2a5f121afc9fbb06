//! `gdgroups schema`: print the JSON Schema of `groups.yaml` (for editors and CI checks), or with
//! `--plan` that of a saved plan (for policy checks of `plan.json`).

use super::Ctx;
use crate::cli::SchemaArgs;
use crate::error::{Error, Exit};

/// The schema as committed in `groups.schema.json`: pretty JSON with a final newline.
pub fn schema_text() -> String {
    let mut text =
        serde_json::to_string_pretty(&crate::desired::schema::json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// Runs `schema`.
pub fn run(args: &SchemaArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    if args.plan {
        ctx.out.data(&crate::plan::schema::schema_text());
    } else {
        ctx.out.data(&schema_text());
    }
    Ok(Exit::Success)
}
