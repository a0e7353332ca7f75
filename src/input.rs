//! Reading an input file whole, refusing what is not one: a path that names a device, a
//! pipe or a directory (`/dev/zero` would be read forever) or a file larger than any input
//! creditsim reads in one piece.

use std::io::{self, Read};
use std::path::Path;

/// The largest file read whole: scenarios, models, traces, setups and results are far
/// smaller (a million-row trace is about 60 MB).
pub(crate) const MAX_INPUT_BYTES: u64 = 1 << 30;

/// The file's text, or an error saying why it cannot be an input.
pub(crate) fn read_text(path: &Path) -> io::Result<String> {
    let file = std::fs::File::open(path)?;
    refuse_non_file(&file)?;
    let mut text = String::new();
    file.take(MAX_INPUT_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_INPUT_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {MAX_INPUT_BYTES} bytes, the limit on an input file"),
        ));
    }
    Ok(text)
}

/// Refuses a device, pipe or directory: only a regular file has an end to read to.
pub(crate) fn refuse_non_file(file: &std::fs::File) -> io::Result<()> {
    if file.metadata()?.is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "not a regular file (a device, pipe or directory)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_and_a_directory_are_refused_and_a_file_is_read() {
        let refused = |path: &str| read_text(Path::new(path)).unwrap_err().to_string();
        assert!(refused("/dev/zero").contains("not a regular file"));
        assert!(refused("/").contains("not a regular file") || refused("/").contains("directory"));
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        assert!(read_text(&manifest).unwrap().contains("[package]"));
    }
}
