//! `report.pdf`: a run's `report.html` printed to PDF by a headless Chromium
//! (`--headless --print-to-pdf`), for `chokepoint report OUT_DIR --pdf` and
//! `chokepoint run --pdf`.
//!
//! The page's print CSS decides the layout (A4 landscape, headings kept with what follows,
//! table rows, a table's group of rows (a material's, a strategy's) and charts never
//! split); the browser only prints it. The browser is `CHOKEPOINT_CHROMIUM` when set,
//! else the first of `chromium`, `chromium-browser`, `google-chrome`,
//! `google-chrome-stable` on the `PATH`, else `/usr/bin/chromium`. The PDF is written to a
//! temporary file beside the target and renamed into place, so a reader never sees half a
//! PDF. Depends on nothing else of the crate but [`super::temp_path`].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// File name of the printed report, beside `report.html`.
pub const REPORT_PDF: &str = "report.pdf";

/// How to install a browser, for the error messages.
pub const INSTALL_HINT: &str = "install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`; \
     `scripts/test.sh` installs it too) or set CHOKEPOINT_CHROMIUM to a Chromium or Chrome binary";

/// The longest a browser may take to print a report.
const TIMEOUT: Duration = Duration::from_secs(180);

/// Why no PDF was written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No browser found.
    #[error("cannot write report.pdf: no Chromium found (looked for {looked}); {INSTALL_HINT}")]
    NoBrowser {
        /// Where it looked.
        looked: String,
    },
    /// The page to print is missing.
    #[error("cannot write report.pdf: '{}' does not exist; render it first", path.display())]
    NoPage {
        /// The page.
        path: PathBuf,
    },
    /// The browser failed, timed out or wrote no PDF.
    #[error("{browser} did not print '{}' to PDF: {why}", page.display())]
    Browser {
        /// The browser binary.
        browser: String,
        /// The page.
        page: PathBuf,
        /// What went wrong (with the end of the browser's stderr).
        why: String,
    },
    /// The file system refused.
    #[error("could not write '{}': {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The browser to print with: `CHOKEPOINT_CHROMIUM` (a path, or a name looked up on the
/// `PATH`; it must exist), else the first known name on the `PATH`, else
/// `/usr/bin/chromium`.
pub fn find_browser() -> Result<PathBuf, PdfError> {
    let on_path = |name: &str| -> Option<PathBuf> {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    };
    if let Some(v) = std::env::var_os("CHOKEPOINT_CHROMIUM").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(&v);
        // A bare name is looked up on the PATH, anything else taken as a path.
        let found = if p.components().count() == 1 && !p.is_absolute() {
            on_path(&v.to_string_lossy())
        } else {
            p.is_file().then(|| p.clone())
        };
        return found.ok_or_else(|| PdfError::NoBrowser {
            looked: format!("CHOKEPOINT_CHROMIUM={}, which is not a file", p.display()),
        });
    }
    const NAMES: [&str; 4] = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    if let Some(p) = NAMES.iter().find_map(|n| on_path(n)) {
        return Ok(p);
    }
    let fallback = Path::new("/usr/bin/chromium");
    if fallback.is_file() {
        return Ok(fallback.to_path_buf());
    }
    Err(PdfError::NoBrowser {
        looked: format!(
            "CHOKEPOINT_CHROMIUM, {} on the PATH, /usr/bin/chromium",
            NAMES.join(", ")
        ),
    })
}

/// A `file://` URL of the absolute path `p`, bytes outside the unreserved set and `/`
/// percent-encoded.
fn file_url(p: &Path) -> String {
    let mut out = String::from("file://");
    for b in p.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Prints `page` (an HTML file) to `out` with `browser`, atomically: the browser writes
/// `.NAME.tmp` beside `out`, which is checked to be a PDF, synced and renamed over `out`.
pub fn print_to_pdf(browser: &Path, page: &Path, out: &Path) -> Result<(), PdfError> {
    let page_abs = page.canonicalize().map_err(|_| PdfError::NoPage {
        path: page.to_path_buf(),
    })?;
    let tmp = super::temp_path(out);
    let _ = std::fs::remove_file(&tmp);
    // A fresh profile: never the user's, and no lock shared with a running browser.
    let profile = std::env::temp_dir().join(format!(
        "chokepoint-pdf-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        // No date, title, URL or page number the page did not ask for (both spellings:
        // newer and older Chromium).
        "--no-pdf-header-footer",
        "--print-to-pdf-no-header",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("--print-to-pdf={}", tmp.display()));
    if running_as_root() {
        // Chromium refuses to start its sandbox as root; the page is our own local file.
        cmd.arg("--no-sandbox");
    }
    cmd.arg(file_url(&page_abs));
    let fail = |why: String| PdfError::Browser {
        browser: browser.display().to_string(),
        page: page.to_path_buf(),
        why,
    };
    let result = run_with_timeout(&mut cmd).map_err(&fail);
    let _ = std::fs::remove_dir_all(&profile);
    let (ok, stderr) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let tail = || {
        let lines: Vec<&str> = stderr.lines().rev().take(5).collect();
        let lines: Vec<&str> = lines.into_iter().rev().collect();
        if lines.is_empty() {
            String::new()
        } else {
            format!("; its last messages:\n{}", lines.join("\n"))
        }
    };
    let is_pdf = std::fs::File::open(&tmp)
        .and_then(|mut f| {
            let mut head = [0u8; 5];
            f.read_exact(&mut head)?;
            Ok(&head == b"%PDF-")
        })
        .unwrap_or(false);
    if !ok || !is_pdf {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(format!(
            "{}{}",
            if ok {
                "it wrote no PDF"
            } else {
                "it exited with an error"
            },
            tail()
        )));
    }
    let io = |source| PdfError::Io {
        path: out.to_path_buf(),
        source,
    };
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// Writes `dir/report.pdf` from `dir/report.html` with the browser [`find_browser`]
/// chooses; returns the PDF's path.
pub fn write_report_pdf(dir: &Path) -> Result<PathBuf, PdfError> {
    let page = dir.join("report.html");
    if !page.is_file() {
        return Err(PdfError::NoPage { path: page });
    }
    let browser = find_browser()?;
    let out = dir.join("report.pdf");
    print_to_pdf(&browser, &page, &out)?;
    Ok(out)
}

#[cfg(unix)]
fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(not(unix))]
fn running_as_root() -> bool {
    false
}

/// Runs `cmd` to completion (killed after [`TIMEOUT`]); whether it succeeded, and its
/// stderr. Stdout and stderr are read on threads so that a chatty browser never blocks.
fn run_with_timeout(cmd: &mut Command) -> Result<(bool, String), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("it could not start: {e}"))?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut v);
        }
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut v);
        }
        String::from_utf8_lossy(&v).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => {}
            Err(e) => return Err(format!("waiting for it failed: {e}")),
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("it did not finish within {} s", TIMEOUT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = out_reader.join();
    let stderr = err_reader.join().unwrap_or_default();
    Ok((status.success(), stderr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_escape_what_a_url_cannot_hold() {
        assert_eq!(
            file_url(Path::new("/a b/report#2.html")),
            "file:///a%20b/report%232.html"
        );
    }
}
