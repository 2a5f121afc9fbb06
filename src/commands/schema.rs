//! `gdgroups schema`: print the JSON Schema of `groups.yaml`, for editors and CI checks.

use super::Ctx;
use crate::error::{Error, Exit};

/// The schema as committed in `groups.schema.json`: pretty JSON with a final newline.
pub fn schema_text() -> String {
    let mut text =
        serde_json::to_string_pretty(&crate::desired::schema::json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// Runs `schema`.
pub fn run(ctx: &Ctx<'_>) -> Result<Exit, Error> {
    ctx.out.data(&schema_text());
    Ok(Exit::Success)
}
