//! Streaming sha256 and byte counts, for files on disk and for bytes in flight.

use std::io;
use std::path::Path;

use sha2::{Digest as _, Sha256};
use tokio::io::AsyncReadExt;

/// Read size for files: large enough to keep syscalls few, small enough for steady progress.
pub(crate) const CHUNK: usize = 64 * 1024;

/// The sha256 and length of some bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Digest {
    /// Lowercase hex, as sha256sum prints it.
    pub sha256: String,
    pub bytes: u64,
}

impl Digest {
    pub fn matches(&self, sha256: &str, bytes: u64) -> bool {
        self.bytes == bytes && self.sha256 == sha256
    }
}

/// Hashes bytes as they pass, so a download is verified without reading it twice.
#[derive(Default)]
pub(crate) struct Hasher {
    sha256: Sha256,
    bytes: u64,
}

impl Hasher {
    pub fn update(&mut self, chunk: &[u8]) {
        self.sha256.update(chunk);
        self.bytes += chunk.len() as u64;
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn finish(self) -> Digest {
        Digest {
            sha256: hex::encode(self.sha256.finalize()),
            bytes: self.bytes,
        }
    }
}

/// The digest of the file at `path`, read in chunks so large files cost little memory.
pub(crate) async fn digest_file(path: &Path) -> io::Result<Digest> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Hasher::default();
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            return Ok(hasher.finish());
        }
        hasher.update(&buffer[..read]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // FIPS 180-2 test vector for "abc".
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn hashes_across_chunk_boundaries_like_one_pass() {
        let mut hasher = Hasher::default();
        hasher.update(b"a");
        hasher.update(b"");
        hasher.update(b"bc");
        let digest = hasher.finish();
        assert_eq!(digest.sha256, ABC);
        assert_eq!(digest.bytes, 3);
        assert!(digest.matches(ABC, 3));
        assert!(!digest.matches(ABC, 4));
    }

    #[tokio::test]
    async fn digests_a_file_larger_than_one_chunk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.bin");
        let content: Vec<u8> = (0..CHUNK * 3 + 17).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).expect("write");

        let digest = digest_file(&path).await.expect("digest");
        assert_eq!(digest.bytes, content.len() as u64);
        assert_eq!(digest.sha256, hex::encode(Sha256::digest(&content)));
    }

    #[tokio::test]
    async fn a_missing_file_is_not_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let error = digest_file(&dir.path().join("absent")).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
