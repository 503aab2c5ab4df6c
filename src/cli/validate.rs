//! The `validate` command (in progress).

use std::process::ExitCode;

/// Arguments of `validate`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> ExitCode {
    ExitCode::from(super::EXIT_FAILURE)
}
