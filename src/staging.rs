//! All-or-nothing output folders: every command that writes a folder writes into a
//! staging folder beside its target and swaps it in at the end (`docs/storage.md`,
//! "Output folders are all-or-nothing").
//!
//! - [`Staging::begin`] removes the debris of earlier runs that were killed (only what
//!   is provably ours: a `.NAME.staging-ID.lock` file whose `flock` nobody holds any
//!   more, since the kernel releases it when its process dies, even on SIGKILL), then
//!   creates `.NAME.staging-ID/` beside the target `NAME` (same folder, hence the same
//!   file system, so renames work) and its lock file.
//! - Files are written into [`Staging::dir`] (with [`crate::report::write_atomic`]).
//! - [`Staging::commit`] first links every entry of the old folder that the new one
//!   does not have into the staging folder (hard links, a copy where links fail), so the
//!   result is the old folder overlaid by the new files exactly as when files were
//!   written in place (an analysis's subfolder, a sweep's `points/`, the data files of a
//!   run beside an analysis stay), then swaps the two folders with one
//!   `renameat2(RENAME_EXCHANGE)` on Linux (atomic: the target is at every instant wholly
//!   old or wholly new), and removes the old folder. Where the exchange is not supported,
//!   two renames (`NAME` → `.NAME.old-ID`, staging → `NAME`); a kill between them leaves
//!   no `NAME`, and the next run renames `.NAME.old-ID` back.
//! - Dropping an uncommitted [`Staging`] removes it (errors, the sweep's test stop).
//! - [`abort_cleanup`] is for the last moments of a process (SIGINT/SIGTERM, a panic):
//!   it takes the file-system lock for good, so that no file is created or renamed any
//!   more, removes every staging folder and every temporary file being written, and
//!   returns; the caller then exits.
//!
//! Fault injection for the tests: `CHOKEPOINT_FAULT_AFTER=N` aborts the process (as a
//! crash would, no cleanup) after `N` steps, a step being a finished file or the moment
//! just before a swap.
//!
//! A layer beside [`crate::store`]: file-system only, used by `report` (the atomic
//! writer) and the command line; depends on nothing else in the crate.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Environment variable: abort the process after this many steps (tests only).
pub const FAULT_AFTER_ENV: &str = "CHOKEPOINT_FAULT_AFTER";

/// What can go wrong while staging an output folder; every message names the path.
#[derive(Debug, thiserror::Error)]
pub enum StagingError {
    /// The target exists and is not a folder.
    #[error("'{}' is not a folder; choose another --out", path.display())]
    NotAFolder {
        /// The target.
        path: PathBuf,
    },
    /// A file-system operation failed.
    #[error("could not {what} '{}': {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

fn io_err<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StagingError + 'a {
    move |source| StagingError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// What the process has in flight on disk: staging folders (with their lock files) and
/// temporary files being written. Guarded by one mutex that every creation and rename
/// of a file takes, so that [`abort_cleanup`] sees a still picture.
#[derive(Default)]
struct Registry {
    stagings: Vec<(PathBuf, PathBuf)>,
    temps: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    stagings: Vec::new(),
    temps: Vec::new(),
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

static STEPS: AtomicUsize = AtomicUsize::new(0);
static SEQ: AtomicU64 = AtomicU64::new(0);

/// Counts one step and aborts the process when [`FAULT_AFTER_ENV`] says so.
fn fault_step() {
    static AFTER: OnceLock<Option<usize>> = OnceLock::new();
    let after = *AFTER.get_or_init(|| {
        std::env::var(FAULT_AFTER_ENV)
            .ok()
            .and_then(|v| v.trim().parse().ok())
    });
    if let Some(n) = after {
        let done = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
        if done >= n {
            eprintln!("{FAULT_AFTER_ENV}: aborting after {done} steps");
            std::process::abort();
        }
    }
}

/// Creates `dir` (and its parents) and the temporary file `tmp` in it, recording `tmp`
/// so that [`abort_cleanup`] can remove it. The error says whether the folder (`true`)
/// or the file failed.
///
/// # Errors
/// The failing step and its cause.
pub fn create_temp(dir: &Path, tmp: &Path) -> Result<File, (bool, io::Error)> {
    let mut reg = registry();
    fs::create_dir_all(dir).map_err(|e| (true, e))?;
    let f = File::create(tmp).map_err(|e| (false, e))?;
    reg.temps.push(tmp.to_path_buf());
    Ok(f)
}

/// Renames the finished temporary file `tmp` over `path` (or removes it when `keep` is
/// false), and forgets it; counts one step of [`FAULT_AFTER_ENV`] after a rename.
///
/// # Errors
/// The rename's cause (the temporary file is then removed).
pub fn finish_temp(tmp: &Path, path: &Path, keep: bool) -> io::Result<()> {
    let result = {
        let mut reg = registry();
        reg.temps.retain(|t| t != tmp);
        let r = if keep { fs::rename(tmp, path) } else { Ok(()) };
        if !keep || r.is_err() {
            let _ = fs::remove_file(tmp);
        }
        r
    };
    if keep && result.is_ok() {
        fault_step();
    }
    result
}

/// Ends what is in flight at the end of a process: takes the file-system lock for good
/// (waiting at most a few seconds for a rename or a swap under way), removes every
/// temporary file being written and every staging folder with its lock file. Call it
/// just before exiting (signal handler, panic hook); no file is created afterwards.
pub fn abort_cleanup() {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let guard = loop {
        match REGISTRY.try_lock() {
            Ok(g) => break Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => break Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => {
                if std::time::Instant::now() > deadline {
                    break None;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    };
    let Some(reg) = guard else { return };
    for t in &reg.temps {
        let _ = fs::remove_file(t);
    }
    for (dir, lock) in &reg.stagings {
        remove_tree(dir);
        let _ = fs::remove_file(lock);
    }
    // Hold the lock until the process ends: nothing may create files any more.
    std::mem::forget(reg);
}

/// Removes a folder tree, retrying a few times (a file may still be closing).
fn remove_tree(dir: &Path) {
    for _ in 0..5 {
        match fs::remove_dir_all(dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            _ => return,
        }
    }
}

/// A staging folder for one output folder (see the module docs).
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    lock: PathBuf,
    old: PathBuf,
    _lock_file: File,
    done: bool,
    discard: Vec<std::ffi::OsString>,
}

/// The parent folder (`.` for a bare name) and file name of `target`.
fn split(target: &Path) -> (PathBuf, String) {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    (parent, name)
}

impl Staging {
    /// Cleans up debris of killed runs beside `target`, then creates a staging folder
    /// for it (see the module docs).
    ///
    /// # Errors
    /// The target is not a folder, or a folder or file cannot be created.
    pub fn begin(target: &Path) -> Result<Staging, StagingError> {
        // A symbolic link to a folder: stage beside the folder it names.
        let target = match fs::symlink_metadata(target) {
            Ok(m) if m.file_type().is_symlink() => {
                fs::canonicalize(target).map_err(io_err("resolve", target))?
            }
            _ => target.to_path_buf(),
        };
        if target.exists() && !target.is_dir() {
            return Err(StagingError::NotAFolder { path: target });
        }
        let (parent, name) = split(&target);
        fs::create_dir_all(&parent).map_err(io_err("create the folder", &parent))?;
        clean_stale(&target);
        let id = format!(
            "{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let dir = parent.join(format!(".{name}.staging-{id}"));
        let lock = parent.join(format!(".{name}.staging-{id}.lock"));
        let old = parent.join(format!(".{name}.old-{id}"));
        let mut reg = registry();
        let lock_file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
            .map_err(io_err("create", &lock))?;
        lock_exclusive(&lock_file);
        {
            use std::io::Write;
            let _ = writeln!(&lock_file, "{}", std::process::id());
        }
        if let Err(e) = fs::create_dir(&dir) {
            let _ = fs::remove_file(&lock);
            return Err(StagingError::Io {
                what: "create the folder",
                path: dir,
                source: e,
            });
        }
        reg.stagings.push((dir.clone(), lock.clone()));
        Ok(Staging {
            target,
            dir,
            lock,
            old,
            _lock_file: lock_file,
            done: false,
            discard: Vec::new(),
        })
    }

    /// The staging folder: write the outputs here.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Names an entry at the top of the old folder that [`Staging::commit`] must not
    /// carry over: a file of an earlier run that this one replaces by its absence (a
    /// `replications.csv` when this run writes Parquet, a `daily.csv` when it writes no
    /// daily bands), which would otherwise sit beside files that do not describe it.
    pub fn discard(&mut self, name: &str) {
        self.discard.push(name.into());
    }

    /// The target folder the outputs go to on [`Staging::commit`].
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Links the old folder's other entries in, swaps the staging folder in and removes
    /// the old one (see the module docs).
    ///
    /// # Errors
    /// An entry cannot be carried over or a rename fails; the target is then untouched
    /// (or, after a failed second rename, restored) and the staging folder is removed.
    pub fn commit(mut self) -> Result<(), StagingError> {
        let reg = registry();
        let had_target = self.target.is_dir();
        if had_target {
            carry_over(&self.target, &self.dir, &self.discard)?;
        }
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        drop(reg);
        fault_step();
        let mut reg = registry();
        if had_target {
            self.swap()?;
            // The staging name now holds the old folder.
            remove_tree(&self.dir);
            remove_tree(&self.old);
        } else {
            fs::rename(&self.dir, &self.target).map_err(io_err("move into place", &self.dir))?;
        }
        let (parent, _) = split(&self.target);
        if let Ok(d) = File::open(&parent) {
            let _ = d.sync_all();
        }
        let _ = fs::remove_file(&self.lock);
        reg.stagings.retain(|(d, _)| d != &self.dir);
        self.done = true;
        Ok(())
    }

    /// Swaps the staging folder and the target: one atomic exchange where supported,
    /// else two renames through `.NAME.old-ID`.
    fn swap(&self) -> Result<(), StagingError> {
        if exchange(&self.dir, &self.target).is_ok() {
            return Ok(());
        }
        fs::rename(&self.target, &self.old).map_err(io_err("move aside", &self.target))?;
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            let _ = fs::rename(&self.old, &self.target);
            return Err(StagingError::Io {
                what: "move into place",
                path: self.dir.clone(),
                source: e,
            });
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let mut reg = registry();
            remove_tree(&self.dir);
            let _ = fs::remove_file(&self.lock);
            reg.stagings.retain(|(d, _)| d != &self.dir);
        }
    }
}

/// Links (or copies) every entry of `old` that `new` lacks into `new`, recursively, but
/// for the top-level entries named in `discard`.
fn carry_over(old: &Path, new: &Path, discard: &[std::ffi::OsString]) -> Result<(), StagingError> {
    for entry in fs::read_dir(old).map_err(io_err("read the folder", old))? {
        let entry = entry.map_err(io_err("read the folder", old))?;
        if discard.contains(&entry.file_name()) {
            continue;
        }
        let from = entry.path();
        let to = new.join(entry.file_name());
        let ft = entry.file_type().map_err(io_err("read", &from))?;
        if ft.is_dir() {
            if to.exists() && !to.is_dir() {
                continue;
            }
            fs::create_dir_all(&to).map_err(io_err("create the folder", &to))?;
            carry_over(&from, &to, &[])?;
        } else if fs::symlink_metadata(&to).is_err() {
            if ft.is_symlink() {
                let dest = fs::read_link(&from).map_err(io_err("read", &from))?;
                symlink(&dest, &to).map_err(io_err("link", &to))?;
            } else if fs::hard_link(&from, &to).is_err() {
                fs::copy(&from, &to).map_err(io_err("copy", &from))?;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(dest: &Path, at: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(dest, at)
}

#[cfg(not(unix))]
fn symlink(dest: &Path, at: &Path) -> io::Result<()> {
    fs::copy(dest, at).map(|_| ())
}

/// Removes the debris of killed runs beside `target`: for every
/// `.NAME.staging-ID.lock` whose lock nobody holds, the staging folder, and the old
/// folder `.NAME.old-ID` (renamed back to `NAME` when `NAME` is missing: a kill
/// between the two renames of a swap). Returns how many were cleaned.
pub fn clean_stale(target: &Path) -> usize {
    let (parent, name) = split(target);
    let prefix = format!(".{name}.staging-");
    let Ok(entries) = fs::read_dir(&parent) else {
        return 0;
    };
    let mut cleaned = 0;
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(id) = file
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".lock"))
        else {
            continue;
        };
        let lock = entry.path();
        let Ok(f) = fs::OpenOptions::new().write(true).open(&lock) else {
            continue;
        };
        if !try_lock_exclusive(&f) {
            continue; // its process is alive
        }
        let old = parent.join(format!(".{name}.old-{id}"));
        if old.is_dir() {
            if target.exists() {
                remove_tree(&old);
            } else {
                let _ = fs::rename(&old, target);
            }
        }
        remove_tree(&parent.join(format!(".{name}.staging-{id}")));
        let _ = fs::remove_file(&lock);
        cleaned += 1;
    }
    cleaned
}

#[cfg(unix)]
fn lock_exclusive(f: &File) {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor we own; failure only loses stale cleanup.
    unsafe {
        libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB);
    }
}

#[cfg(unix)]
fn try_lock_exclusive(f: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor we own.
    unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

#[cfg(not(unix))]
fn lock_exclusive(_f: &File) {}

#[cfg(not(unix))]
fn try_lock_exclusive(_f: &File) -> bool {
    false // without flock nothing is provably dead: leave it
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths relative to the current folder.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Bytes written between two writeback requests of a [`Writeback`] file: 8 MiB, large
/// enough that the requests cost nothing beside the writes, small enough that a run's
/// `replications.csv` (about 1 kB per future) is mostly on disk by its last byte.
pub const WRITEBACK_BYTES: u64 = 8 << 20;

/// A file written front to back that asks the kernel to start writing its pages to disk
/// every [`WRITEBACK_BYTES`] (Linux: `sync_file_range(SYNC_FILE_RANGE_WRITE)` on the bytes
/// written since the last request, which starts their writeback without waiting for it).
/// The `sync_all` that makes a finished file durable before it is renamed into place then
/// finds most of it on disk already, instead of writing the whole file out while every
/// other thread of the run waits (about 0.25 s for the 127 MB `replications.csv` of
/// 100,000 futures of `scenarios/bench.toml`). Elsewhere, and for small files, a plain
/// file. The requests are hints: their errors are ignored, and the caller's `sync_all`
/// reports what matters.
#[derive(Debug)]
pub struct Writeback {
    file: File,
    written: u64,
    requested: u64,
}

impl Writeback {
    /// Wraps `file`, positioned at its start.
    pub fn new(file: File) -> Self {
        Writeback {
            file,
            written: 0,
            requested: 0,
        }
    }

    /// The file.
    pub fn into_inner(self) -> File {
        self.file
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    #[cfg(target_os = "linux")]
    fn request(&mut self) {
        use std::os::fd::AsRawFd;
        let (Ok(from), Ok(len)) = (
            i64::try_from(self.requested),
            i64::try_from(self.written - self.requested),
        ) else {
            return;
        };
        // SAFETY: a file descriptor this writer owns, and a range of it; the call only
        // schedules the writeback of pages already written.
        unsafe {
            libc::sync_file_range(
                self.file.as_raw_fd(),
                from,
                len,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
        self.requested = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn request(&mut self) {
        self.requested = self.written;
    }
}

impl io::Write for Writeback {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.requested >= WRITEBACK_BYTES {
            self.request();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file written through [`Writeback`] in pieces of odd sizes holds every byte in
    /// order, and writeback was asked for each time [`WRITEBACK_BYTES`] more had been
    /// written since the last request (up to the write that crossed the mark). Dropping
    /// the requests fails it.
    #[test]
    fn a_writeback_file_holds_its_bytes_and_asks_for_writeback_as_it_goes() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let mut w = Writeback::new(File::create(&path).unwrap());
        let piece: Vec<u8> = (0..1_000_003u32).map(|i| (i % 251) as u8).collect();
        let mut requests = Vec::new();
        for _ in 0..20 {
            w.write_all(&piece).unwrap();
            if requests.last() != Some(&w.requested) {
                requests.push(w.requested);
            }
        }
        // 1,000,003 bytes a piece: 8 MiB (8,388,608) more than at the last request after
        // 9 pieces, then 9 pieces later again.
        assert_eq!(requests, [0, 9 * 1_000_003, 18 * 1_000_003]);
        assert_eq!(w.written(), 20 * 1_000_003);
        w.into_inner().sync_all().unwrap();
        let back = fs::read(&path).unwrap();
        assert_eq!(back.len(), 20 * 1_000_003);
        assert!(back.chunks(piece.len()).all(|c| c == &piece[..]));
    }

    fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(base, &p, out);
                } else {
                    let rel = p.strip_prefix(base).unwrap().display().to_string();
                    out.push((rel, fs::read(&p).unwrap()));
                }
            }
        }
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    #[test]
    fn commit_overlays_and_drop_removes() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        fs::create_dir_all(target.join("sub")).unwrap();
        fs::write(target.join("a.txt"), "old a").unwrap();
        fs::write(target.join("b.txt"), "old b").unwrap();
        fs::write(target.join("sub/c.txt"), "old c").unwrap();
        // An uncommitted staging folder leaves nothing behind.
        {
            let s = Staging::begin(&target).unwrap();
            fs::write(s.dir().join("a.txt"), "half").unwrap();
        }
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"old a");
        let s = Staging::begin(&target).unwrap();
        fs::write(s.dir().join("a.txt"), "new a").unwrap();
        s.commit().unwrap();
        assert_eq!(
            tree(&target),
            vec![
                ("a.txt".into(), b"new a".to_vec()),
                ("b.txt".into(), b"old b".to_vec()),
                ("sub/c.txt".into(), b"old c".to_vec()),
            ]
        );
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_debris_of_a_dead_process_is_removed_and_a_half_swap_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        // A kill between the two renames: no target, the old folder aside, the staged one.
        fs::create_dir_all(tmp.path().join(".out.old-1-0")).unwrap();
        fs::write(tmp.path().join(".out.old-1-0/x"), "old").unwrap();
        fs::create_dir_all(tmp.path().join(".out.staging-1-0")).unwrap();
        fs::write(tmp.path().join(".out.staging-1-0.lock"), "1").unwrap();
        // Not ours (no lock file): left alone.
        fs::create_dir_all(tmp.path().join(".out.staging-2-0")).unwrap();
        assert_eq!(clean_stale(&target), 1);
        assert_eq!(fs::read(target.join("x")).unwrap(), b"old");
        assert!(!tmp.path().join(".out.staging-1-0").exists());
        assert!(!tmp.path().join(".out.staging-1-0.lock").exists());
        assert!(tmp.path().join(".out.staging-2-0").exists());
        // A live lock (held by this process) is not touched.
        let s = Staging::begin(&target).unwrap();
        assert_eq!(clean_stale(&target), 0);
        assert!(s.dir().is_dir());
    }

    #[test]
    fn a_file_target_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("f");
        fs::write(&target, "x").unwrap();
        assert!(matches!(
            Staging::begin(&target),
            Err(StagingError::NotAFolder { .. })
        ));
    }
}
