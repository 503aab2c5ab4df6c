//! The `schema` command: print the JSON Schema (draft-07) of the scenario format.

use std::process::ExitCode;

/// Arguments of `schema`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Prints the schema on stdout.
pub fn run(_args: Args) -> ExitCode {
    match serde_json::to_string_pretty(&chokepoint::scenario::json_schema()) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot serialise the schema: {e}");
            ExitCode::from(super::EXIT_FAILURE)
        }
    }
}
