//! The `chokepoint` command line: a thin layer over the library.
//!
//! Exit codes: 0 success; 1 a run failed (I/O, or a target not met); 2 bad input
//! (usage errors, invalid scenario files); 70 an internal error (a panic: a bug);
//! 130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM. An interrupted or failed command
//! leaves its output folder as it was (`chokepoint::staging`).

mod cli;

use std::process::ExitCode;

/// Exit code of an internal error (a panic), as `EX_SOFTWARE` of sysexits.h.
const EXIT_INTERNAL: i32 = 70;

fn main() -> ExitCode {
    keep_freed_memory();
    restore_sigpipe();
    install_panic_hook();
    install_signal_handlers();
    cli::main()
}

/// Turns any panic into "internal error, please report" with exit code 70, after
/// removing the staging folders and temporary files in flight, so that a panic is never
/// mistaken for success nor leaves a half-written folder.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "internal error: {msg}{at}\n\
             This is a bug in chokepoint {}, not a problem with your input; please report it \
             with the command line and the scenario file. No output folder was changed.",
            env!("CARGO_PKG_VERSION")
        );
        chokepoint::staging::abort_cleanup();
        std::process::exit(EXIT_INTERNAL);
    }));
}

/// SIGINT and SIGTERM end the process cleanly: a watcher thread removes the staging
/// folders and temporary files in flight (an output folder being replaced stays whole:
/// a swap under way finishes first) and exits with 128 + the signal number (130, 143).
#[cfg(unix)]
fn install_signal_handlers() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return; // the default handlers stay: still no half-written folder is swapped in
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            chokepoint::staging::abort_cleanup();
            let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
            eprintln!("\ninterrupted ({name}); output folders were left as they were");
            std::process::exit(128 + sig);
        }
    });
}

#[cfg(not(unix))]
fn install_signal_handlers() {}

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

/// Largest block glibc's `malloc` serves from its heaps rather than a mapping of its own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;

/// Fixes glibc's `malloc` thresholds where by default they move with the program's
/// history: a block between 128 kB and 32 MB (a column of the statistics is 800 kB at
/// 100,000 futures) gets a mapping of its own, zeroed page by page on first touch and
/// returned on `free`, until a block of that size happens to be freed, which raises the
/// threshold above it. Which came first decided whether the statistics of a 100,000-future
/// run took 112,000 page faults or 205,000 (0.3 s of system time on one thread). Fixed
/// at the highest value the default would reach (32 MB, and twice that for giving the
/// free top of a heap back to the system), the memory a run frees is reused. Only the
/// command line sets this; the library leaves the allocator alone.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: called once at start, before any thread exists; both are valid options and
    // values (mallopt returns 0 for a value it refuses and changes nothing then).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}
