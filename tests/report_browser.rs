//! End to end: `chokepoint run` writes the charts and `report.html`; `chokepoint report`
//! re-renders them from the saved files alone; the report opens in headless Chromium
//! with every chart present at a non-zero size and no script error, and a screenshot is
//! saved (`target/tmp/report_browser/report.png`).
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the browser test fails
//! with instructions, unless `CHOKEPOINT_SKIP_BROWSER=1` is set.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("report_browser")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn chokepoint(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(args)
        .output()
        .expect("chokepoint runs");
    assert!(
        out.status.success(),
        "chokepoint {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One small run shared by the tests of this binary.
fn run_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tmp("run");
        chokepoint(&[
            "run",
            "scenarios/tutorial.toml",
            "-n",
            "200",
            "--seed",
            "11",
            "--quiet",
            "--out",
            d.to_str().unwrap(),
        ]);
        d
    })
}

const CHARTS: [&str; 10] = [
    "shortfall_distribution",
    "exceedance",
    "comparison",
    "cost_risk",
    "autonomy",
    "durations",
    "stock_ndpr",
    "stock_mcu",
    // The section on the worst futures: a run that writes its report records its drivers.
    "drivers_ranking",
    "drivers_peeling",
];

#[test]
fn run_writes_charts_report_and_scenario_copy() {
    let d = run_dir();
    for c in CHARTS {
        for ext in ["svg", "png"] {
            let p = d.join("charts").join(format!("{c}.{ext}"));
            assert!(
                p.metadata().is_ok_and(|m| m.len() > 1000),
                "{} missing",
                p.display()
            );
        }
    }
    let scn = std::fs::read_to_string(d.join("scenario.toml")).unwrap();
    assert_eq!(
        scn,
        std::fs::read_to_string("scenarios/tutorial.toml").unwrap()
    );
    let html = std::fs::read_to_string(d.join("report.html")).unwrap();
    for needle in [
        "Headline findings",
        "Cost-effectiveness",
        "Export embargo by CN",
        "SHA-256",
        "Under <b>Status quo</b>",
    ] {
        assert!(html.contains(needle), "report lacks {needle:?}");
    }
    // Self-contained: nothing fetched (the SVG namespace URI is only a name).
    for fetch in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(!html.contains(fetch), "report fetches something: {fetch}");
    }
}

#[test]
fn report_rerenders_the_same_page_from_saved_files() {
    let d = run_dir();
    let copy = tmp("rerender");
    for f in [
        "summary.json",
        "replications.csv",
        "daily.csv",
        "run.json",
        "scenario.toml",
    ] {
        std::fs::copy(d.join(f), copy.join(f)).unwrap();
    }
    chokepoint(&[
        "report",
        copy.to_str().unwrap(),
        "--format",
        "svg",
        "--quiet",
    ]);
    assert!(copy.join("charts/exceedance.svg").exists());
    assert!(
        !copy.join("charts/exceedance.png").exists(),
        "--format svg writes no PNG"
    );
    let a = std::fs::read_to_string(d.join("report.html")).unwrap();
    let b = std::fs::read_to_string(copy.join("report.html")).unwrap();
    assert!(a == b, "report from saved files differs from the run's");
}

#[test]
fn no_charts_skips_them() {
    let d = tmp("nocharts");
    chokepoint(&[
        "run",
        "scenarios/tutorial.toml",
        "-n",
        "20",
        "--quiet",
        "--no-charts",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert!(d.join("summary.json").exists());
    assert!(!d.join("report.html").exists() && !d.join("charts").exists());
}

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHOKEPOINT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(PathBuf::from)
}

/// Runs a headless browser command, killing it after two minutes so that a hung browser
/// fails the test instead of stalling CI. Stdout is read on a thread so that a large
/// `--dump-dom` cannot fill the pipe and block the browser.
fn run_browser(cmd: &mut Command) -> std::process::Output {
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for chromium") {
            break st;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    std::process::Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn report_opens_in_headless_chromium_without_errors() {
    let Some(browser) = chromium() else {
        if std::env::var("CHOKEPOINT_SKIP_BROWSER").is_ok_and(|v| v == "1") {
            eprintln!("CHOKEPOINT_SKIP_BROWSER=1: browser test skipped");
            return;
        }
        panic!(
            "chromium not found: install it (`apt-get install chromium`, as .ci/run does), \
             point CHOKEPOINT_CHROMIUM at a Chromium binary, or set CHOKEPOINT_SKIP_BROWSER=1 \
             to skip this test"
        );
    };
    let d = run_dir();
    let page = format!(
        "file://{}",
        d.join("report.html").canonicalize().unwrap().display()
    );
    let profile = tmp("profile");

    let out = run_browser(headless(&browser, &profile).arg("--dump-dom").arg(&page));
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-check=\"ok\""),
        "page check failed (status {}):\n{}\nstderr:\n{}",
        out.status,
        dom.lines()
            .find(|l| l.contains("data-check"))
            .unwrap_or("no data-check attribute: the check script did not run"),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dom.matches("<figure class=\"chart\"").count(), CHARTS.len());

    let shot = tmp("screenshot").join("report.png");
    let out = run_browser(
        headless(&browser, &profile)
            .arg(format!("--screenshot={}", shot.display()))
            .arg("--window-size=1400,4000")
            .arg(&page),
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot at {}: {e}\n{}",
            shot.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    assert_eq!((be(&png[16..20]), be(&png[20..24])), (1400, 4000));
}

#[test]
fn analysis_page_opens_in_headless_chromium_without_errors() {
    let Some(browser) = chromium() else {
        if std::env::var("CHOKEPOINT_SKIP_BROWSER").is_ok_and(|v| v == "1") {
            eprintln!("CHOKEPOINT_SKIP_BROWSER=1: browser test skipped");
            return;
        }
        panic!(
            "chromium not found: install it, point CHOKEPOINT_CHROMIUM at a Chromium binary, \
             or set CHOKEPOINT_SKIP_BROWSER=1 to skip this test"
        );
    };
    // An analysis folder inside the run's folder, so the page links back to its report.
    let d = run_dir().join("sensitivity");
    chokepoint(&[
        "sensitivity",
        "scenarios/tutorial.toml",
        "--material",
        "ndpr",
        "--paths",
        "material.ndpr.stockpile_days,material.ndpr.private_days",
        "--sobol",
        "4",
        "--bootstrap",
        "20",
        "-n",
        "20",
        "--quiet",
        "--out",
        d.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(d.join("report.html")).unwrap();
    assert!(
        html.contains("href=\"../report.html\""),
        "links back to the run"
    );
    let page = format!(
        "file://{}",
        d.join("report.html").canonicalize().unwrap().display()
    );
    let out = run_browser(
        headless(&browser, &tmp("profile-analysis"))
            .arg("--dump-dom")
            .arg(&page),
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-check=\"ok\""),
        "analysis page check failed:\n{}",
        dom.lines()
            .find(|l| l.contains("data-check"))
            .unwrap_or("no data-check attribute: the check script did not run")
    );
    assert_eq!(dom.matches("<figure class=\"chart\"").count(), 2);
}

/// The browser for a browser test, or `None` (after a notice) when the test is skipped:
/// outside CI with `CHOKEPOINT_SKIP_BROWSER=1`. Otherwise a missing browser fails.
fn browser_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(b) = chromium() {
        return Some(b);
    }
    if std::env::var("CHOKEPOINT_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("CHOKEPOINT_SKIP_BROWSER=1: browser test {test} skipped");
        return None;
    }
    panic!(
        "chromium not found: install it (`apt-get install chromium`, as .ci/run does), point \
         CHOKEPOINT_CHROMIUM at a Chromium binary, or set CHOKEPOINT_SKIP_BROWSER=1 to skip"
    );
}

/// A copy of the shared run's saved files in a folder of its own (`report` rewrites the
/// charts and the page, which the other tests read).
fn run_copy(name: &str) -> PathBuf {
    let copy = tmp(name);
    for f in [
        "summary.json",
        "replications.csv",
        "daily.csv",
        "run.json",
        "scenario.toml",
    ] {
        std::fs::copy(run_dir().join(f), copy.join(f)).unwrap();
    }
    copy
}

/// The number of page objects of a PDF: `/Type /Page` (or `/Type/Page`) not followed by
/// `s` (that is `/Pages`, the page tree). Chromium writes page dictionaries uncompressed.
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let mut n = 0;
    for pat in ["/Type /Page", "/Type/Page"] {
        let mut rest = &text[..];
        while let Some(i) = rest.find(pat) {
            rest = &rest[i + pat.len()..];
            if !rest.starts_with('s') {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn report_pdf_is_printed_by_headless_chromium() {
    let Some(browser) = browser_or_skip("report_pdf_is_printed_by_headless_chromium") else {
        return;
    };
    let d = run_copy("pdf");
    let out = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(["report", d.to_str().unwrap(), "--format", "svg", "--pdf"])
        .env("CHOKEPOINT_CHROMIUM", &browser)
        .output()
        .expect("chokepoint runs");
    assert!(
        out.status.success(),
        "report --pdf failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("report.pdf"),
        "lists report.pdf among the files written"
    );
    let pdf = std::fs::read(d.join("report.pdf")).expect("report.pdf written");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let pages = pdf_pages(&pdf);
    // The tutorial's report: a page of findings and tables, then eight charts that never
    // split (A4 landscape holds one or two), so several pages, well under a hundred.
    assert!((3..100).contains(&pages), "{pages} pages");
    assert!(
        !d.join(".report.pdf.tmp").exists(),
        "the temporary file is renamed into place"
    );
    // The print rules the PDF follows: headings stay with what follows them; table rows,
    // charts and the recommendation never split across pages.
    let html = std::fs::read_to_string(d.join("report.html")).unwrap();
    let print = &html[html.find("@media print").expect("print CSS")..];
    let print = &print[..print.find("\n}\n").expect("print CSS ends")];
    for rule in [
        "h1, h2, h3, h4 { break-after: avoid;",
        "figure.chart, tr, tbody.group, p.recommendation { break-inside: avoid;",
    ] {
        assert!(print.contains(rule), "print CSS lacks {rule:?}:\n{print}");
    }
    // Grouped tables have one tbody per group (kept on one page) and no row-span cell,
    // whose text a page break would leave on the page before.
    assert!(!html.contains("rowspan"), "a row-span cell is left");
    assert!(html.contains("<tbody class=group>"), "groups in tbody");
}

/// `run --pdf` prints the fresh run's report.html to report.pdf inside its staging
/// folder, so it appears with the run; a later run without `--pdf` does not leave that
/// PDF beside outputs it no longer describes.
#[test]
fn run_pdf_prints_the_report() {
    let Some(browser) = browser_or_skip("run_pdf_prints_the_report") else {
        return;
    };
    let d = tmp("run_pdf");
    let run = |pdf: bool| {
        let mut args = vec![
            "run",
            "scenarios/tutorial.toml",
            "-n",
            "100",
            "--format",
            "svg",
            "--out",
            d.to_str().unwrap(),
        ];
        if pdf {
            args.push("--pdf");
        }
        let out = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
            .args(&args)
            .env("CHOKEPOINT_CHROMIUM", &browser)
            .output()
            .expect("chokepoint runs");
        assert!(
            out.status.success(),
            "run {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let stdout = run(true);
    assert!(
        stdout.contains("report.pdf"),
        "lists report.pdf among the files written:\n{stdout}"
    );
    let pdf = std::fs::read(d.join("report.pdf")).expect("report.pdf written");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(
        (3..100).contains(&pdf_pages(&pdf)),
        "{} pages",
        pdf_pages(&pdf)
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.parent().unwrap())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.starts_with(".run_pdf").then_some(n)
        })
        .collect();
    assert!(leftovers.is_empty(), "staging debris: {leftovers:?}");
    run(false);
    assert!(
        !d.join("report.pdf").exists(),
        "a run without --pdf leaves no earlier run's report.pdf"
    );
}

/// The character ranges `scripts/subset-fonts.sh` keeps in the embedded font.
fn subset_ranges() -> Vec<(u32, u32)> {
    let script = std::fs::read_to_string("scripts/subset-fonts.sh").unwrap();
    let start = script.find("UNICODES=\"").expect("UNICODES in the script") + 10;
    let list = &script[start..start + script[start..].find('"').unwrap()];
    list.replace("\\\n", "")
        .split(',')
        .map(|r| {
            let r = r.trim().trim_start_matches("U+");
            let (a, b) = r.split_once("-U+").or(r.split_once('-')).unwrap_or((r, r));
            let hex = |h: &str| u32::from_str_radix(h.trim_start_matches("U+"), 16).unwrap();
            (hex(a), hex(b))
        })
        .collect()
}

/// The text of an HTML page a reader sees (charts included): no style, script or tags.
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    for (open, close) in [("<style>", "</style>"), ("<script>", "</script>")] {
        while let Some(i) = s.find(open) {
            let j = i + s[i..].find(close).expect("closed") + close.len();
            s.replace_range(i..j, " ");
        }
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn report_embeds_its_font_and_the_font_covers_the_text() {
    use base64::Engine as _;
    let html = std::fs::read_to_string(run_dir().join("report.html")).unwrap();
    // Two faces, regular and bold, each the committed subset byte for byte.
    let mut faces = Vec::new();
    let mut rest = &html[..];
    while let Some(i) = rest.find("url(data:font/woff2;base64,") {
        rest = &rest[i + 27..];
        let b64 = &rest[..rest.find(')').unwrap()];
        faces.push(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("valid base64"),
        );
    }
    assert_eq!(faces.len(), 2, "two @font-face rules");
    assert_eq!(
        faces[0],
        std::fs::read("assets/fonts/report/DejaVuSans.woff2").unwrap()
    );
    assert_eq!(
        faces[1],
        std::fs::read("assets/fonts/report/DejaVuSans-Bold.woff2").unwrap()
    );
    assert!(faces.iter().all(|f| f.starts_with(b"wOF2")));
    for rule in [
        "font-family: \"Chokepoint Sans\"; font-style: normal; font-weight: 400;",
        "font-family: \"Chokepoint Sans\"; font-style: normal; font-weight: 700;",
        "body { font-family: \"Chokepoint Sans\",",
        "figure.chart svg text { font-family: \"Chokepoint Sans\",",
    ] {
        assert!(html.contains(rule), "report lacks {rule:?}");
    }
    // Every character the report shows (its charts' text included) is in the subset.
    let ranges = subset_ranges();
    assert!(ranges.len() > 10, "{ranges:?}");
    let mut missing: Vec<char> = visible_text(&html)
        .chars()
        .filter(|c| !c.is_whitespace())
        .filter(|&c| !ranges.iter().any(|&(a, b)| (a..=b).contains(&u32::from(c))))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    assert!(missing.is_empty(), "not in the font subset: {missing:?}");
}
