//! The `schema` command: print the JSON Schema (draft-07) of the scenario format.

use super::CliError;

/// Arguments of `schema`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Prints the schema on stdout.
pub fn run(_args: Args) -> Result<(), CliError> {
    let s = serde_json::to_string_pretty(&chokepoint::scenario::json_schema())
        .map_err(|e| CliError::Failure(format!("cannot serialise the schema: {e}")))?;
    println!("{s}");
    Ok(())
}
