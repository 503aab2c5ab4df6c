//! The `run` command (in progress).

use std::process::ExitCode;

/// Arguments of `run`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> ExitCode {
    ExitCode::from(super::EXIT_FAILURE)
}
