//! The one CSV writer and the one CSV reader (both on the `csv` crate), so every table is quoted
//! the same way and every file read back is checked the same way.

use std::path::Path;

use crate::error::{DataError, Error};

/// A CSV table built in memory.
pub struct Table {
    w: ::csv::Writer<Vec<u8>>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Table")
    }
}

impl Table {
    /// A table with this header.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut t = Table { w: ::csv::WriterBuilder::new().flexible(true).from_writer(Vec::new()) };
        t.row(header);
        t
    }

    /// An empty table without a header (for rows appended to an existing file).
    pub fn headless() -> Self {
        Table { w: ::csv::WriterBuilder::new().flexible(true).from_writer(Vec::new()) }
    }

    /// Appends a row.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        // Writing into a Vec cannot fail.
        let _ = self.w.write_record(cells);
    }

    /// The CSV bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.w.into_inner().unwrap_or_default()
    }

    /// The CSV text.
    pub fn into_string(self) -> String {
        String::from_utf8(self.into_bytes()).unwrap_or_default()
    }
}

/// One data row read back, with its line number for messages.
#[derive(Debug, Clone)]
pub struct Record {
    /// 1-based line number in the file.
    pub line: u64,
    /// The cells.
    pub cells: ::csv::StringRecord,
}

/// Reads `path`, checks its header is `expected` (when given) and that every row has the
/// header's column count, and calls `f` on every data row. Errors name the file and the line.
pub fn read_rows(path: &Path, expected: Option<&[String]>, mut f: impl FnMut(&Record) -> Result<(), Error>) -> Result<(), Error> {
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut r = ::csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(std::io::BufReader::new(file));
    let header = r.headers().map_err(|e| csv_error(path, &e))?.clone();
    if header.is_empty() {
        return Err(Error::data(path, Some(1), "empty file: no header"));
    }
    if let Some(want) = expected {
        if header.iter().ne(want.iter().map(String::as_str)) {
            return Err(Error::data(path, Some(1), format!("unexpected columns; expected {}", want.join(","))));
        }
    }
    let mut cells = ::csv::StringRecord::new();
    loop {
        match r.read_record(&mut cells) {
            Ok(false) => break,
            Ok(true) => {
                let line = cells.position().map(|p| p.line()).unwrap_or(0);
                if cells.len() != header.len() {
                    return Err(Error::data(path, Some(line), format!("{} columns where the header has {}", cells.len(), header.len())));
                }
                f(&Record { line, cells: cells.clone() })?;
            }
            Err(e) => return Err(csv_error(path, &e)),
        }
    }
    Ok(())
}

fn csv_error(path: &Path, e: &::csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text".to_string(),
        ::csv::ErrorKind::Io(io) => io.to_string(),
        _ => "malformed CSV".to_string(),
    };
    Error::Data(DataError { path: path.to_path_buf(), line, message })
}

/// Parses a number cell (`NaN` for undefined values), naming the file, line and column on error.
pub fn number(path: &Path, rec: &Record, col: usize, name: &str) -> Result<f64, Error> {
    let cell = rec.cells.get(col).unwrap_or("");
    cell.parse::<f64>().map_err(|_| Error::data(path, Some(rec.line), format!("column {name}: {cell:?} is not a number")))
}

/// Parses a whole-number cell.
pub fn whole(path: &Path, rec: &Record, col: usize, name: &str) -> Result<u64, Error> {
    let cell = rec.cells.get(col).unwrap_or("");
    cell.parse::<u64>().map_err(|_| Error::data(path, Some(rec.line), format!("column {name}: {cell:?} is not a whole number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_quoting() {
        let mut t = Table::new(["a", "b"]);
        t.row(["x,y", "plain"]);
        t.row(["say \"hi\"", "0"]);
        assert_eq!(t.into_string(), "a,b\n\"x,y\",plain\n\"say \"\"hi\"\"\",0\n");
    }

    #[test]
    fn short_rows_and_bad_numbers_name_the_line() {
        let dir = std::env::temp_dir().join(format!("cadresim-csv-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t.csv");
        std::fs::write(&p, "a,b\n1,2\n3\n").unwrap();
        let e = read_rows(&p, None, |_| Ok(())).unwrap_err().to_string();
        assert!(e.ends_with("t.csv line 3: 1 columns where the header has 2"), "{e}");
        std::fs::write(&p, "a,b\n1,x\n").unwrap();
        let e = read_rows(&p, None, |r| number(&p, r, 1, "b").map(|_| ())).unwrap_err().to_string();
        assert!(e.ends_with("t.csv line 2: column b: \"x\" is not a number"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
