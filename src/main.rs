//! The `chokepoint` command line: a thin layer over the library.
//!
//! Exit codes: 0 success; 1 a run failed (I/O, or a target not met); 2 bad input
//! (usage errors, invalid scenario files).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
