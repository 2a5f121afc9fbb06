//! The quickstart: no GoodData account needed.
//!
//! Starts the sandbox (a local GoodData user-group API) in-process, seeded with
//! `examples/seed.yaml`, then runs the real `gdgroups` commands against it:
//! `plan`, `apply --auto-approve`, and `plan` again, which shows no changes.
//!
//! Run it with `cargo run --example quickstart`.

#![allow(clippy::print_stdout, clippy::print_stderr)] // an example program talks to its user

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use gdgroups::context::Context;
use gdgroups_sandbox::{self as sandbox, Sandbox, SandboxConfig};

fn main() -> ExitCode {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let seed = match sandbox::load_seed(&examples.join("seed.yaml")) {
        Ok(seed) => seed,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let token = "sandbox";
    let server = match Sandbox::spawn(SandboxConfig {
        token: token.into(),
        seed,
        ..SandboxConfig::default()
    }) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("cannot start the sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "Sandbox running at {} (seeded from examples/seed.yaml).\n",
        server.url()
    );

    // The same code path as the `gdgroups` binary, with the sandbox as the organization.
    let mut ctx = Context::from_process();
    ctx.env.insert("GDGROUPS_HOST".into(), server.url());
    ctx.env.insert("GDGROUPS_TOKEN".into(), token.into());
    let file = examples.join("groups.yaml");
    let file = file.to_string_lossy();
    let gdgroups = |args: &[&str]| -> u8 {
        println!("$ gdgroups {}", args.join(" "));
        let argv = std::iter::once("gdgroups")
            .chain(args.iter().copied())
            .map(OsString::from);
        let code = gdgroups::run(argv, &ctx);
        println!();
        code
    };

    let steps: [(&[&str], u8); 3] = [
        (&["plan", "-f", &file], 0),
        (&["apply", "-f", &file, "--auto-approve"], 0),
        (&["plan", "-f", &file, "--detailed-exitcode"], 0),
    ];
    for (args, expected) in steps {
        let code = gdgroups(args);
        if code != expected {
            eprintln!(
                "quickstart: `gdgroups {}` exited with {code}, expected {expected}",
                args.join(" ")
            );
            return ExitCode::FAILURE;
        }
    }
    println!(
        "Done: the second plan shows no changes. Next: edit examples/groups.yaml and plan again, or read the README."
    );
    ExitCode::SUCCESS
}
