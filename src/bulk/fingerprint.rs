//! The bulk room: fingerprints. The input's (SHA-256, in the journal's
//! header, so a resume with another file is refused) and each row's (in
//! every journal line, so a resume notices a row that changed). It may
//! touch the rows and the file system (reading the input), nothing else.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::rows::Row;

/// Identifies an input: `sha256:<hex>` of its bytes, or any text the caller
/// chooses. A journal remembers it; resuming with another one is refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InputFingerprint(String);

impl InputFingerprint {
    /// SHA-256 of a file, read in 64 KiB blocks (the file is never held in
    /// memory).
    pub fn of_file(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(Self(format!("sha256:{}", hex(&hasher.finalize()))))
    }

    /// SHA-256 of bytes already in memory.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(format!("sha256:{}", hex(&Sha256::digest(bytes))))
    }

    /// A fingerprint of the caller's own making (a version id, a hash
    /// computed elsewhere).
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text written to the journal.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for InputFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// 16 hex digits (the first 8 bytes of SHA-256) of a row's JSON form.
pub(crate) fn row_hash(row: &Row) -> String {
    let json = serde_json::to_vec(row).unwrap_or_default();
    hex(&Sha256::digest(&json)[..8])
}

/// The hash recorded for an input line that was not a row.
pub(crate) fn error_hash(line: u64, message: &str) -> String {
    let mut h = Sha256::new();
    h.update(line.to_le_bytes());
    h.update(message.as_bytes());
    hex(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints() {
        assert_eq!(
            InputFingerprint::of_bytes(b"abc").as_str(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
