//! Shared, cheaply clonable file contents: a memory map of a file on disk or a buffer read from an
//! archive. Parsers borrow `&[u8]` from it; nothing is copied to get there.

use memmap2::Mmap;
use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

#[derive(Clone)]
pub enum Bytes {
    Mapped(Arc<Mmap>),
    Owned(Arc<Vec<u8>>),
}

impl Bytes {
    pub fn empty() -> Bytes {
        Bytes::Owned(Arc::new(Vec::new()))
    }

    pub fn from_vec(v: Vec<u8>) -> Bytes {
        Bytes::Owned(Arc::new(v))
    }

    /// Maps a file read-only. Zero-byte files cannot be mapped on every platform, so they are empty.
    pub fn map_file(path: &Path) -> io::Result<Bytes> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        if len == 0 {
            return Ok(Bytes::empty());
        }
        // SAFETY: the map is read-only; a bundle is an input the tool never writes. If another process
        // truncates the file while we read it, the OS may deliver SIGBUS: support bundles are copies
        // at rest, and this is the documented trade-off of memmap2 that ripgrep makes too.
        #[allow(unsafe_code)]
        let map = unsafe { Mmap::map(&file)? };
        Ok(Bytes::Mapped(Arc::new(map)))
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.len())
    }
}
