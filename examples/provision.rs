//! Provisioning from code, as `gooddata-pipelines` users do in Python: build validated records
//! from an export, run a full load, get a report back.
//!
//! Run it with `cargo run --example provision` (it starts a local sandbox). Against a real
//! organization, build the provisioner with `Provisioner::new(host, token)` or
//! `Provisioner::from_env()` instead.

#![allow(clippy::print_stdout, clippy::print_stderr)] // an example program talks to its user

use std::path::Path;
use std::process::ExitCode;

use gdgroups::apply::Outcome;
use gdgroups::gooddata::{ClientConfig, Token};
use gdgroups::provision::{GroupRecord, Provisioner};
use gdgroups_sandbox::{Sandbox, SandboxConfig};

fn main() -> ExitCode {
    // Log every operation, the way the Python library's users subscribe a logger.
    tracing_subscriber::fmt()
        .with_env_filter("gdgroups::apply=info")
        .with_target(false)
        .init();

    let sandbox = match Sandbox::spawn(SandboxConfig::default()) {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("cannot start the sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let export = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hr-export.csv");
    let records = match read_export(&export) {
        Ok(records) => records,
        Err(e) => {
            eprintln!("{}: {e}", export.display());
            return ExitCode::FAILURE;
        }
    };

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let config = ClientConfig::new(sandbox.url(), Token::new("sandbox"));
        let provisioner = Provisioner::with_config(&config)?;
        provisioner.full_load(records).await
    });
    match result {
        Ok(report) => {
            for change in &report.changes {
                let how = match &change.outcome {
                    Outcome::Done => "done".to_string(),
                    other => format!("{other:?}"),
                };
                println!("{:<8} {:<22} {how}", change.action.verb(), change.id);
            }
            if report.is_complete() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The export's columns are the HR system's, not gdgroups': map them to records here.
fn read_export(path: &Path) -> Result<Vec<GroupRecord>, String> {
    let text = fs_err::read_to_string(path).map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let [id, name, parents] = cells[..] else {
            return Err(format!("line {}: expected 3 columns", number + 1));
        };
        let parents: Vec<&str> = parents.split('|').filter(|p| !p.is_empty()).collect();
        let name = (!name.is_empty()).then_some(name);
        records.push(
            GroupRecord::new(id, name, &parents)
                .map_err(|e| format!("line {}: {e}", number + 1))?,
        );
    }
    Ok(records)
}
