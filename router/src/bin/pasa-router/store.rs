//! The state file: the core's two record slots ([`pasa_router::Store`]) in one file.
//!
//! The file holds slot 0 and slot 1 back to back, `2 × slot_len` octets. The core's
//! [`pasa_router::RecordStore`] already survives a torn write of one slot (sequence number and
//! CRC per record, RELIABILITY.md F2); this layer adds the file-system half of that promise,
//! that the file itself is never left half-written:
//!
//! - [`FileStore::open`] reads the whole file into memory once; [`Store::write`] only changes
//!   that image;
//! - [`Store::sync`] writes the whole image to `<path>.tmp`, fsyncs it, renames it over `<path>`
//!   and fsyncs the directory (so the rename itself is durable). `rename` is atomic, so after a
//!   crash at any point the file is either the old image or the new one, both complete. A
//!   `<path>.tmp` left by such a crash is removed by the next `open`.
//!
//! A file of the wrong size (written by another build with another slot length, or damaged) is
//! not an error: it is read as far as it goes, zero-filled or cut to `2 × slot_len` in memory,
//! and the record CRCs decide what survives. The next sync writes the right size.
//!
//! The state is small (a node's children table), so rewriting all of it per commit costs
//! little and keeps the file a plain copy of the slots.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use pasa_router::{Store, StoreError};

/// The two state slots of a [`pasa_router::RecordStore`], kept in memory and made durable in one
/// file by [`Store::sync`].
#[derive(Debug)]
pub(crate) struct FileStore {
    path: PathBuf,
    tmp: PathBuf,
    slot_len: usize,
    /// Slot 0 then slot 1.
    image: Vec<u8>,
    /// Size of the file found by `open` (`None`: there was none).
    found_len: Option<u64>,
    /// The error of the last failed sync, with the step and path.
    last_error: Option<io::Error>,
}

impl FileStore {
    /// Opens the state file at `path` with two slots of `slot_len` octets each.
    ///
    /// A missing file gives two zeroed slots (no record); a file of another size is read as far
    /// as it goes. A `<path>.tmp` left by a crash during [`Store::sync`] is removed. Fails if
    /// the file exists but cannot be read, or the leftover cannot be removed (a sync would fail
    /// too); the error names the path.
    pub(crate) fn open(path: &Path, slot_len: usize) -> io::Result<FileStore> {
        let total = slot_len.checked_mul(2).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "state file {}: slot length {slot_len} is too large",
                    path.display()
                ),
            )
        })?;
        let tmp = tmp_path(path);
        match fs::remove_file(&tmp) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(context(e, "removing leftover", &tmp));
            }
            _ => {}
        }
        let mut image = vec![0u8; total];
        let found_len = match File::open(path) {
            Ok(mut file) => {
                let len = file
                    .metadata()
                    .map_err(|e| context(e, "reading state file", path))?
                    .len();
                read_prefix(&mut file, &mut image)
                    .map_err(|e| context(e, "reading state file", path))?;
                Some(len)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(context(e, "opening state file", path)),
        };
        Ok(FileStore {
            path: path.to_path_buf(),
            tmp,
            slot_len,
            image,
            found_len,
            last_error: None,
        })
    }

    /// The state file's path.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the state file when it was opened, `None` if there was none. A size other than
    /// `2 × slot_len` is worth a log line (another slot length, or damage); the records decide
    /// what is still valid.
    pub(crate) fn found_len(&self) -> Option<u64> {
        self.found_len
    }

    /// Why the last [`Store::sync`] failed (which step, which path), since
    /// [`StoreError::Io`] carries only the errno; `None` after a successful sync.
    pub(crate) fn last_error(&self) -> Option<&io::Error> {
        self.last_error.as_ref()
    }

    /// The image's byte range for `len` octets at `offset` of `slot`, if inside the slot.
    fn range(
        &self,
        slot: u8,
        offset: usize,
        len: usize,
    ) -> Result<std::ops::Range<usize>, StoreError> {
        pasa_router::store::image_range(self.slot_len, slot, offset, len)
    }

    /// Writes the image to the temporary file, fsyncs it, renames it over the state file and
    /// fsyncs the directory. A failure comes with its errno, which the message-carrying error
    /// no longer has.
    fn write_file(&self) -> Result<(), Failure> {
        let written = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                // The state says who our neighbours are; no one else needs to read it.
                .mode(0o600)
                .open(&self.tmp)
                .map_err(|e| Failure::new(e, "creating", &self.tmp))?;
            file.write_all(&self.image)
                .map_err(|e| Failure::new(e, "writing", &self.tmp))?;
            file.sync_all()
                .map_err(|e| Failure::new(e, "fsyncing", &self.tmp))
        })();
        if let Err(e) = written {
            // Best effort: a partial temporary file is harmless (open removes it), just untidy.
            let _ = fs::remove_file(&self.tmp);
            return Err(e);
        }
        if let Err(e) = fs::rename(&self.tmp, &self.path) {
            let _ = fs::remove_file(&self.tmp);
            let what = format!("renaming {} to", self.tmp.display());
            return Err(Failure::new(e, &what, &self.path));
        }
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Failure::new(e, "fsyncing directory", dir))
    }
}

/// A failed step of a sync: the errno for [`StoreError::Io`], and the error naming the step and
/// path for [`FileStore::last_error`].
struct Failure {
    errno: u16,
    error: io::Error,
}

impl Failure {
    fn new(e: io::Error, what: &str, path: &Path) -> Self {
        let errno = e
            .raw_os_error()
            .and_then(|c| u16::try_from(c).ok())
            .unwrap_or(0);
        Self {
            errno,
            error: context(e, what, path),
        }
    }
}

impl Store for FileStore {
    fn slot_len(&self) -> usize {
        self.slot_len
    }

    fn read(&self, slot: u8, offset: usize, buf: &mut [u8]) -> Result<(), StoreError> {
        let range = self.range(slot, offset, buf.len())?;
        let src = self.image.get(range).ok_or(StoreError::Range {
            offset,
            len: buf.len(),
        })?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Changes the in-memory image only; [`Store::sync`] makes it durable.
    fn write(&mut self, slot: u8, offset: usize, data: &[u8]) -> Result<(), StoreError> {
        let range = self.range(slot, offset, data.len())?;
        let dst = self.image.get_mut(range).ok_or(StoreError::Range {
            offset,
            len: data.len(),
        })?;
        dst.copy_from_slice(data);
        Ok(())
    }

    /// Writes both slots to the file crash-safely (see the module doc). On failure returns
    /// [`StoreError::Io`] with the errno (0 if there was none) and keeps the full error for
    /// [`FileStore::last_error`]; the file is left as it was before.
    fn sync(&mut self, _slot: u8) -> Result<(), StoreError> {
        match self.write_file() {
            Ok(()) => {
                self.last_error = None;
                Ok(())
            }
            Err(Failure { errno, error }) => {
                self.last_error = Some(error);
                Err(StoreError::Io(errno))
            }
        }
    }
}

/// `<path>.tmp`, next to the state file so that the rename stays within one file system.
fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Fills `buf` from `file` until either ends; the rest of `buf` is left as it was.
fn read_prefix(file: &mut File, buf: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match file.read(rest) {
            Ok(0) => break,
            Ok(n) => filled = filled.saturating_add(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `e` with what failed and the path in its message.
fn context(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pasa_router::RecordStore;
    use pasa_router::store::OVERHEAD;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SLOT: usize = 64;

    /// A fresh directory under the system temp dir, removed (after restoring write
    /// permission) on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            static N: AtomicUsize = AtomicUsize::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("pasa-store-{}-{n}-{name}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn state(&self) -> PathBuf {
            self.0.join("state.bin")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// The newest record found: (seq, payload, recovered).
    type Found = Option<(u32, Vec<u8>, bool)>;

    /// Opens the store at `path` and loads its newest record.
    fn load(path: &Path) -> (RecordStore<FileStore>, Found) {
        let mut rs = RecordStore::new(FileStore::open(path, SLOT).unwrap());
        let found = rs.load().unwrap().map(|l| {
            let mut buf = vec![0u8; l.len];
            rs.read_payload(0, &mut buf).unwrap();
            (l.seq, buf, l.recovered)
        });
        (rs, found)
    }

    /// A state file holding "one" (seq 1, slot 0) and "two" (seq 2, slot 1).
    fn two_records(dir: &TempDir) -> Vec<u8> {
        let (mut rs, found) = load(&dir.state());
        assert_eq!(found, None);
        assert_eq!(rs.commit(b"one"), Ok(1));
        assert_eq!(rs.commit(b"two"), Ok(2));
        fs::read(dir.state()).unwrap()
    }

    #[test]
    fn records_survive_close_and_reopen() {
        let dir = TempDir::new("roundtrip");
        let (mut rs, found) = load(&dir.state());
        assert_eq!(found, None);
        assert_eq!(rs.store().found_len(), None);
        assert_eq!(rs.store().path(), dir.state());
        // Nothing is written before the first sync.
        assert!(!dir.state().exists());
        assert_eq!(rs.commit(b"addr=101011"), Ok(1));
        assert_eq!(rs.commit(b"addr=101011 r=1"), Ok(2));
        drop(rs);

        assert_eq!(fs::metadata(dir.state()).unwrap().len(), 2 * SLOT as u64);
        assert!(!tmp_path(&dir.state()).exists());
        let (mut rs, found) = load(&dir.state());
        assert_eq!(found, Some((2, b"addr=101011 r=1".to_vec(), false)));
        assert_eq!(rs.store().found_len(), Some(2 * SLOT as u64));
        assert_eq!(rs.commit(b"three"), Ok(3));
        drop(rs);
        let (_, found) = load(&dir.state());
        assert_eq!(found, Some((3, b"three".to_vec(), false)));
    }

    #[test]
    fn a_crash_before_the_rename_leaves_the_old_file() {
        let dir = TempDir::new("crash");
        let old = two_records(&dir);
        let tmp = tmp_path(&dir.state());
        // A torn temporary file (garbage, shorter than the image) ...
        fs::write(&tmp, [0xA5; 37]).unwrap();
        let (_, found) = load(&dir.state());
        assert_eq!(found, Some((2, b"two".to_vec(), false)));
        assert!(!tmp.exists(), "open removes the leftover");
        // ... and a complete one that was never renamed: the commit did not happen.
        let mut newer = old.clone();
        newer[..SLOT].fill(0xFF);
        fs::write(&tmp, &newer).unwrap();
        let (_, found) = load(&dir.state());
        assert_eq!(found, Some((2, b"two".to_vec(), false)));
        assert!(!tmp.exists());
        assert_eq!(fs::read(dir.state()).unwrap(), old);
    }

    #[test]
    fn a_short_or_long_file_opens_and_the_crcs_decide() {
        let dir = TempDir::new("size");
        let full = two_records(&dir);
        // "one" and "two" are records of 3 + OVERHEAD octets at the start of their slots.
        let one_end = 3 + OVERHEAD;
        let two_end = SLOT + one_end;
        let one = Some((1, b"one".to_vec(), true));
        let two = Some((2, b"two".to_vec(), false));
        let cases = [
            (0, None),
            (1, None),
            (one_end - 1, None),
            (one_end, one.clone()),
            (SLOT, one.clone()),
            (two_end - 1, one),
            (two_end, two.clone()),
            (2 * SLOT - 1, two.clone()),
        ];
        for (len, want) in cases {
            fs::write(dir.state(), &full[..len]).unwrap();
            let (_, found) = load(&dir.state());
            assert_eq!(found, want, "file cut to {len} octets");
        }

        // A longer file (garbage after the slots) keeps its records; the next sync writes the
        // right size.
        let mut long = full.clone();
        long.extend_from_slice(&[0x5A; 100]);
        fs::write(dir.state(), &long).unwrap();
        let (mut rs, found) = load(&dir.state());
        assert_eq!(found, two);
        assert_eq!(rs.store().found_len(), Some(2 * SLOT as u64 + 100));
        assert_eq!(rs.commit(b"three"), Ok(3));
        assert_eq!(fs::metadata(dir.state()).unwrap().len(), 2 * SLOT as u64);
        drop(rs);
        let (_, found) = load(&dir.state());
        assert_eq!(found, Some((3, b"three".to_vec(), false)));
    }

    #[test]
    fn accesses_outside_a_slot_are_range_errors() {
        let dir = TempDir::new("range");
        let mut store = FileStore::open(&dir.state(), SLOT).unwrap();
        let mut two = [0u8; 2];
        assert_eq!(
            store.read(0, SLOT - 1, &mut two),
            Err(StoreError::Range {
                offset: SLOT - 1,
                len: 2
            })
        );
        assert_eq!(
            store.write(1, usize::MAX, &two),
            Err(StoreError::Range {
                offset: usize::MAX,
                len: 2
            })
        );
        assert_eq!(
            store.read(2, 0, &mut two),
            Err(StoreError::Range { offset: 0, len: 2 })
        );
        // Slots do not overlap: the last octets of slot 0 and the first of slot 1.
        assert_eq!(store.write(0, SLOT - 2, &[1, 2]), Ok(()));
        assert_eq!(store.write(1, 0, &[3, 4]), Ok(()));
        assert_eq!(store.read(0, SLOT - 2, &mut two), Ok(()));
        assert_eq!(two, [1, 2]);
        assert_eq!(store.read(1, 0, &mut two), Ok(()));
        assert_eq!(two, [3, 4]);
        // A slot length whose double overflows is refused at open.
        let err = FileStore::open(&dir.state(), usize::MAX).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_vanished_directory_makes_sync_an_io_error() {
        let dir = TempDir::new("vanished");
        let sub = dir.0.join("sub");
        fs::create_dir(&sub).unwrap();
        let state = sub.join("state.bin");
        let mut rs = RecordStore::new(FileStore::open(&state, SLOT).unwrap());
        rs.load().unwrap();
        fs::remove_dir(&sub).unwrap();
        assert_eq!(rs.commit(b"lost"), Err(StoreError::Io(libc::ENOENT as u16)));
        let err = rs.store().last_error().unwrap().to_string();
        assert!(
            err.starts_with(&format!("creating {}: ", tmp_path(&state).display())),
            "{err}"
        );
    }

    /// True when running as root.
    #[allow(unsafe_code)]
    fn is_root() -> bool {
        // SAFETY: geteuid takes no arguments, touches no memory of ours and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }

    #[test]
    fn a_read_only_directory_makes_sync_an_io_error() {
        // Root ignores directory permissions, so the sync would succeed: nothing to test then.
        if is_root() {
            eprintln!("running as root; skipping the read-only directory case");
            return;
        }
        let dir = TempDir::new("readonly");
        let old = two_records(&dir);
        let (mut rs, _) = load(&dir.state());
        fs::set_permissions(&dir.0, fs::Permissions::from_mode(0o555)).unwrap();
        assert_eq!(
            rs.commit(b"three"),
            Err(StoreError::Io(libc::EACCES as u16))
        );
        assert!(rs.store().last_error().is_some());
        // The file is untouched and still loads.
        assert_eq!(fs::read(dir.state()).unwrap(), old);
        drop(rs);
        let (_, found) = load(&dir.state());
        assert_eq!(found, Some((2, b"two".to_vec(), false)));
    }
}
