//! Bounds on what intake will read, so a hostile or broken bundle cannot exhaust memory or time.

/// Limits applied while opening a bundle. Every limit that trips becomes a `problem` on the file it
/// concerns; the rest of the bundle is still read.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Total uncompressed bytes read from archives of one bundle.
    pub max_total_bytes: u64,
    /// Largest single archive member read into memory.
    pub max_member_bytes: u64,
    /// Largest uncompressed/compressed ratio accepted for one member (zip bombs).
    pub max_ratio: u64,
    /// Most members listed from one bundle (all archives together).
    pub max_members: usize,
    /// Deepest nesting of archives inside archives (the bundle archive itself is depth 1).
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_total_bytes: 16 << 30,
            max_member_bytes: 2 << 30,
            // Text logs compress 10-50x; highly repetitive IIS logs reach ~150x. Bombs are >1000x.
            max_ratio: 500,
            max_members: 200_000,
            max_depth: 5,
        }
    }
}
