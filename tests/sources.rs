//! Sources ship with the product (issue 10): a reader who clones the repository can
//! follow every citation without any file from outside it.
//!
//! - No text file of the repository names a path outside it: no absolute path into a
//!   home, work or temporary folder, and no run of `../` that climbs above the
//!   repository root from the file's own folder.
//! - Every fact id cited anywhere (`RE-28`, ranges `RE-16...RE-20`) has its row in
//!   `docs/sources.md`, and every "§8.x" / "§9" of the scenario files and the scenario
//!   guide names a section there.
//! - Every row of `docs/sources.md` has a figure, a date and at least one http(s) address,
//!   and every anchored row is read by the parser the report uses.
//! - The run report links each fact id of the scenario's description to a Sources entry
//!   it carries itself (figure, date, publication, address).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use chokepoint::report::pages::escape;
use chokepoint::report::sources::{self, SOURCES_MD};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files that are not checked for fact ids: they hold made-up ids on purpose (the unit
/// tests of the id syntax, and this file).
const ID_FIXTURES: [&str; 2] = ["src/report/sources.rs", "tests/sources.rs"];

/// Every text file of the repository that people write: the top-level files (but `.git`
/// and `Cargo.lock`) and the
/// folders `src`, `tests`, `benches`, `docs`, `scenarios`, `assets` and `.ci`, plus
/// `output/README.md` (the rest of `output/` is generated and git-ignored). Binary files
/// (not UTF-8, e.g. fonts) are left out. Paths are relative to the root, with `/`.
fn text_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let root = root();
    let mut paths = Vec::new();
    for e in fs::read_dir(&root).expect("repository root") {
        let p = e.expect("dir entry").path();
        // `.git` (a file in a worktree) is git's, `Cargo.lock` is generated.
        if p.is_file()
            && p.file_name()
                .is_some_and(|n| n != "Cargo.lock" && n != ".git")
        {
            paths.push(p);
        }
    }
    for dir in [
        "src",
        "tests",
        "benches",
        "docs",
        "scenarios",
        "assets",
        ".ci",
    ] {
        walk(&root.join(dir), &mut paths);
    }
    paths.push(root.join("output/README.md"));
    let mut out = Vec::new();
    for p in paths {
        let Ok(text) = fs::read_to_string(&p) else {
            continue; // not UTF-8: a binary file
        };
        let rel = p.strip_prefix(&root).expect("under root");
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.push((rel, text));
    }
    assert!(
        out.iter().any(|(p, _)| p == "docs/sources.md")
            && out
                .iter()
                .any(|(p, _)| p == "scenarios/rare_earth_magnets.toml")
            && out.iter().any(|(p, _)| p == "README.md"),
        "the walk missed files it must see"
    );
    out
}

/// `line` without its web addresses (the path of a URL may name any folder).
fn without_urls(line: &str) -> String {
    line.split_whitespace()
        .filter(|w| !w.contains("http://") && !w.contains("https://"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Problems with paths outside the repository in the text of file `rel`.
fn outside_paths(rel: &str, text: &str) -> Vec<String> {
    // Folders in which no repository file lives. Built from parts so that this file does
    // not name them itself.
    let roots: Vec<String> = ["work", "home", "Users", "root", "mnt", "tmp"]
        .iter()
        .map(|r| format!("/{r}/"))
        .collect();
    let up = format!("{}/", "..");
    // Depth of the file's folder below the root: how many `../` stay inside.
    let depth = rel.matches('/').count();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = without_urls(line);
        let b = line.as_bytes();
        for r in &roots {
            for (at, _) in line.match_indices(r.as_str()) {
                let before = if at == 0 { b' ' } else { b[at - 1] };
                if !(before.is_ascii_alphanumeric() || before == b'.' || before == b'_') {
                    problems.push(format!("{rel}:{}: absolute path {r}...: {line}", n + 1));
                }
            }
        }
        if line.contains(":\\Users\\") {
            problems.push(format!("{rel}:{}: Windows user path: {line}", n + 1));
        }
        let mut i = 0;
        while let Some(at) = line[i..].find(up.as_str()) {
            let start = i + at;
            let mut k = 0;
            while line[start + k * up.len()..].starts_with(up.as_str()) {
                k += 1;
            }
            if k > depth {
                problems.push(format!(
                    "{rel}:{}: {k} x '{up}' from a folder {depth} deep leaves the repository: {line}",
                    n + 1
                ));
            }
            i = start + k * up.len();
        }
    }
    problems
}

#[test]
fn no_path_outside_the_repository() {
    let mut problems = Vec::new();
    for (rel, text) in text_files() {
        problems.extend(outside_paths(&rel, &text));
    }
    assert!(
        problems.is_empty(),
        "paths outside the repository:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_path_check_catches_what_it_guards() {
    let up = format!("{}/", "..");
    let abs = format!("see {}work{}notes.md", '/', '/');
    assert!(
        !outside_paths("docs/x.md", &abs).is_empty(),
        "absolute path"
    );
    let two_up = format!("see {up}{up}notes.md");
    assert!(
        !outside_paths("docs/x.md", &two_up).is_empty(),
        "climbs above root"
    );
    assert!(outside_paths("docs/x.md", &format!("see {up}README.md")).is_empty());
    assert!(outside_paths("src/report/x.rs", &two_up).is_empty());
    let url = format!("https://example.org{}home{}page", '/', '/');
    assert!(
        outside_paths("docs/x.md", &url).is_empty(),
        "URLs are not paths"
    );
}

#[test]
fn every_cited_fact_has_its_source() {
    let mut missing = Vec::new();
    let mut cited = BTreeSet::new();
    for (rel, text) in text_files() {
        if ID_FIXTURES.contains(&rel.as_str()) {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            for id in sources::cited_ids(line) {
                if sources::find(&id).is_none() {
                    missing.push(format!("{rel}:{}: {id}", n + 1));
                }
                cited.insert(id);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "fact ids with no row in docs/sources.md:\n{}",
        missing.join("\n")
    );
    // The scenario library cites a hundred facts or so; an empty set would mean the scan
    // found nothing to check.
    assert!(cited.len() >= 50, "only {} fact ids cited", cited.len());
}

#[test]
fn every_cited_section_exists() {
    let anchors: BTreeSet<String> = SOURCES_MD
        .match_indices("<a id=\"s")
        .map(|(at, _)| {
            let rest = &SOURCES_MD[at + 7..];
            rest[..rest.find('"').expect("closed anchor")].to_string()
        })
        .collect();
    let mut missing = Vec::new();
    for (rel, text) in text_files() {
        let cites_sources =
            (rel.starts_with("scenarios/") && rel.ends_with(".toml")) || rel == "docs/scenarios.md";
        if !cites_sources {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices('§') {
                let num: String = line[at + '§'.len_utf8()..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                let num = num.trim_end_matches('.');
                let anchor = format!("s{}", num.replace('.', "-"));
                if !anchors.contains(&anchor) {
                    missing.push(format!("{rel}:{}: §{num}", n + 1));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "sections with no anchor in docs/sources.md:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_source_row_is_complete() {
    let rows = sources::entries();
    // Every anchored fact row is read (a row the parser skips would hide from the report).
    let anchored = SOURCES_MD
        .lines()
        .filter(|l| l.trim_start().starts_with("| <a id=\""))
        .count();
    assert_eq!(rows.len(), anchored, "rows read vs anchored rows");
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for s in rows {
        let id = &s.id;
        if !seen.insert(id.clone()) {
            problems.push(format!("{id}: listed twice"));
        }
        if sources::cited_ids(id) != [id.clone()] {
            problems.push(format!("{id}: not a fact id"));
        }
        let anchor = format!("<a id=\"{}\"></a>{id} |", sources::anchor(id));
        if !SOURCES_MD.contains(&anchor) {
            problems.push(format!("{id}: anchor is not the lower-case id"));
        }
        if s.figure.trim().len() < 10 {
            problems.push(format!("{id}: no figure"));
        }
        if matches!(s.date.trim(), "" | "-" | "—") {
            problems.push(format!("{id}: no date"));
        }
        if s.publication.trim().is_empty() {
            problems.push(format!("{id}: no publication"));
        }
        if s.addresses.is_empty() {
            problems.push(format!("{id}: no http(s) address"));
        }
        for a in &s.addresses {
            let host = a.split("://").nth(1).unwrap_or("");
            if !host.split('/').next().unwrap_or("").contains('.') {
                problems.push(format!("{id}: address without a host: {a}"));
            }
        }
        if s.grade.trim().is_empty() {
            problems.push(format!("{id}: no grade"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn report_carries_the_sources_it_cites() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sources_report");
    let _ = fs::remove_dir_all(&out);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args([
            "run",
            "scenarios/rare_earth_magnets.toml",
            "-n",
            "40",
            "--quiet",
        ])
        .args(["--format", "svg", "--out"])
        .arg(&out)
        .current_dir(root())
        .output()
        .expect("chokepoint runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let html = fs::read_to_string(out.join("report.html")).expect("report.html");
    let scn =
        chokepoint::scenario::load_scenario(&root().join("scenarios/rare_earth_magnets.toml"))
            .expect("flagship loads");
    let cited = sources::cited_ids(scn.description());
    assert!(cited.len() >= 10, "the flagship cites {cited:?}");
    for id in &cited {
        let a = sources::anchor(id);
        let s = sources::find(id).expect("checked above");
        let entry_at = html
            .find(&format!("<li id=\"src-{a}\">"))
            .unwrap_or_else(|| panic!("no Sources entry for {id}"));
        let entry = &html[entry_at..entry_at + html[entry_at..].find("</li>").expect("closed")];
        assert!(
            entry.contains(&format!("href=\"{}\"", escape(&s.addresses[0]))),
            "{id}: entry lacks its address: {entry}"
        );
        assert!(
            entry.contains(&escape(&s.date)),
            "{id}: entry lacks its date: {entry}"
        );
    }
    // Every link to a fact lands on an entry of the report itself.
    let link = "class=fact href=\"#";
    for (at, _) in html.match_indices(link) {
        let target = &html[at + link.len()..];
        let target = &target[..target.find('"').expect("closed")];
        assert!(
            html.contains(&format!("<li id=\"{target}\">")),
            "link to #{target} has no entry"
        );
    }
    assert!(
        html.contains("class=fact href=\"#src-re-28\""),
        "RE-28 is linked"
    );
}
