//! Plain-text tables for terminal output: columns padded to their widest cell.

/// Appends `rows` under `headers` to `out`, indented by two spaces; the last column is not
/// padded.
pub fn render(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::from(" ");
        for (i, cell) in row.iter().enumerate() {
            let pad = if i + 1 == row.len() { 0 } else { widths[i] };
            line.push_str(&format!(" {cell:<pad$}"));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// Writes `text` to stdout. A closed pipe (`creditsim vendors | head`) is not an error: the
/// reader has what it wanted.
pub fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
