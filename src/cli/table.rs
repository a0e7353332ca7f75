//! Plain-text tables for terminal output: columns padded to their widest cell.

/// Prints `rows` under `headers`, indented by two spaces; the last column is not padded.
pub fn print(headers: &[&str], rows: &[Vec<String>]) {
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
        println!("{}", line.trim_end());
    }
}
