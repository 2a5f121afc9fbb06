//! The `gdgroups` binary: all logic lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    let ctx = gdgroups::context::Context::from_process();
    ExitCode::from(gdgroups::run(std::env::args_os(), &ctx))
}
