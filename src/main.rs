//! The `chokepoint` command line: a thin layer over the library.
//!
//! Exit codes: 0 success; 1 a run failed (I/O, or a target not met); 2 bad input
//! (usage errors, invalid scenario files).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    cli::main()
}

/// Rust ignores SIGPIPE, so printing to a closed pipe (`chokepoint run | head`) would
/// panic; restore the default so the process ends quietly, as command-line tools do.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called once at start, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
