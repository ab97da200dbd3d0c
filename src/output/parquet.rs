//! Parquet copies of the big tables (`--format parquet`): the rows of experiments and the
//! per-period, per-county and per-cadre rows of a run, with typed columns (`scenario` as UTF-8
//! strings, integers as INT64, `seed` as unsigned INT64, everything else as DOUBLE).
//!
//! Each copy is made from the CSV the same command wrote, so the two hold the same values by
//! construction (and a test reads both back and compares every cell). Written with the pure-Rust
//! `parquet` crate, uncompressed, in row groups of [`ROW_GROUP`] rows, so memory stays bounded
//! whatever the size of the table. Without the `parquet` cargo feature, asking for Parquet is an
//! error naming the field.

use std::path::Path;

use crate::error::Error;
use crate::output::Staging;

/// Rows per row group.
pub const ROW_GROUP: usize = 65_536;

/// The Parquet file beside a CSV table: `runs.csv` → `runs.parquet`.
pub fn name_of(csv: &str) -> String {
    format!("{}.parquet", csv.strip_suffix(".csv").unwrap_or(csv))
}

/// How a column is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text.
    Text,
    /// A signed 64-bit integer.
    Int,
    /// An unsigned 64-bit integer (the seed).
    UInt,
    /// A 64-bit float (`NaN` for undefined values).
    Float,
}

/// Integer columns of the tables, by name (besides whole-number parameters).
pub const INT_COLUMNS: &[&str] = &[
    "point",
    "rep",
    "period",
    "county",
    "township",
    "cadre",
    "n",
    "innovate",
    "corrupt",
    "sanctioned",
    "promoted",
    "rank",
    "block_left",
    "tenure",
    "draws",
];

/// The type of the column named `name`, as every table of cadresim writes it.
pub fn column_type(name: &str) -> ColumnType {
    match name {
        "scenario" | "metric" | "parameter" | "parameter_a" | "parameter_b" => ColumnType::Text,
        "seed" => ColumnType::UInt,
        _ if INT_COLUMNS.contains(&name) => ColumnType::Int,
        _ => match crate::params::spec_for(name).map(|s| s.kind) {
            Some(crate::params::Kind::Int { .. }) => ColumnType::Int,
            _ => ColumnType::Float,
        },
    }
}

/// Writes the Parquet copy of the staged table `csv_name` into the staging area.
pub fn stage_copy(staging: &mut Staging, csv_name: &str) -> Result<(), Error> {
    let csv = staging.path(csv_name)?;
    let out = staging.path(&name_of(csv_name))?;
    write_from_csv(&csv, &out)
}

#[cfg(not(feature = "parquet"))]
/// Without the `parquet` feature: an error naming the field.
pub fn write_from_csv(_csv: &Path, _out: &Path) -> Result<(), Error> {
    Err(crate::error::SpecError::new(
        "format",
        Some("parquet".into()),
        "this build of cadresim has no Parquet support (cargo feature `parquet`); use csv",
    )
    .into())
}

#[cfg(feature = "parquet")]
/// Writes `out` (Parquet) with the rows of the CSV table `csv`, each column typed by
/// [`column_type`]; a cell that does not parse as its column's type is an error naming the file,
/// line and column.
pub fn write_from_csv(csv: &Path, out: &Path) -> Result<(), Error> {
    imp::write(csv, out)
}

#[cfg(feature = "parquet")]
mod imp {
    use std::path::Path;
    use std::sync::Arc;

    use parquet::basic::{IntType, LogicalType, Repetition, Type as Physical};
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::Type;

    use super::{column_type, ColumnType, ROW_GROUP};
    use crate::error::Error;
    use crate::output::csv::{number, read_rows, Record};

    enum Column {
        Text(Vec<ByteArray>),
        Int(Vec<i64>),
        Float(Vec<f64>),
    }

    fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
        Error::data(path, None, format!("cannot write Parquet: {e}"))
    }

    fn schema(path: &Path, names: &[String]) -> Result<Type, Error> {
        let mut fields = Vec::with_capacity(names.len());
        for name in names {
            let (physical, logical) = match column_type(name) {
                ColumnType::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                ColumnType::Int => (Physical::INT64, Some(LogicalType::Integer(IntType { bit_width: 64, is_signed: true }))),
                ColumnType::UInt => (Physical::INT64, Some(LogicalType::Integer(IntType { bit_width: 64, is_signed: false }))),
                ColumnType::Float => (Physical::DOUBLE, None),
            };
            let field = Type::primitive_type_builder(name, physical)
                .with_repetition(Repetition::REQUIRED)
                .with_logical_type(logical)
                .build()
                .map_err(|e| failed(path, e))?;
            fields.push(Arc::new(field));
        }
        Type::group_type_builder("schema").with_fields(fields).build().map_err(|e| failed(path, e))
    }

    fn empty(names: &[String]) -> Vec<Column> {
        names
            .iter()
            .map(|n| match column_type(n) {
                ColumnType::Text => Column::Text(Vec::with_capacity(ROW_GROUP)),
                ColumnType::Int | ColumnType::UInt => Column::Int(Vec::with_capacity(ROW_GROUP)),
                ColumnType::Float => Column::Float(Vec::with_capacity(ROW_GROUP)),
            })
            .collect()
    }

    fn flush<W: std::io::Write + Send>(path: &Path, w: &mut SerializedFileWriter<W>, cols: &mut [Column]) -> Result<(), Error> {
        let mut rg = w.next_row_group().map_err(|e| failed(path, e))?;
        for c in cols.iter_mut() {
            let Some(mut col) = rg.next_column().map_err(|e| failed(path, e))? else { break };
            match c {
                Column::Text(v) => col.typed::<ByteArrayType>().write_batch(v, None, None).map(|_| v.clear()),
                Column::Int(v) => col.typed::<Int64Type>().write_batch(v, None, None).map(|_| v.clear()),
                Column::Float(v) => col.typed::<DoubleType>().write_batch(v, None, None).map(|_| v.clear()),
            }
            .map_err(|e| failed(path, e))?;
            col.close().map_err(|e| failed(path, e))?;
        }
        rg.close().map_err(|e| failed(path, e))?;
        Ok(())
    }

    pub(super) fn write(csv: &Path, out: &Path) -> Result<(), Error> {
        let header = first_line(csv)?;
        let names: Vec<String> = header.iter().map(String::from).collect();
        let file = std::fs::File::create(out).map_err(Error::io(out))?;
        let props = Arc::new(WriterProperties::builder().set_created_by(format!("cadresim {}", env!("CARGO_PKG_VERSION"))).build());
        let mut w =
            SerializedFileWriter::new(std::io::BufWriter::new(file), Arc::new(schema(out, &names)?), props).map_err(|e| failed(out, e))?;
        let mut cols = empty(&names);
        let mut rows = 0usize;
        let mut written = false;
        read_rows(csv, Some(&names), |rec: &Record| {
            for (k, c) in cols.iter_mut().enumerate() {
                let cell = rec.cells.get(k).unwrap_or("");
                match c {
                    Column::Text(v) => v.push(ByteArray::from(cell)),
                    Column::Int(v) => {
                        let x = if column_type(&names[k]) == ColumnType::UInt {
                            cell.parse::<u64>().map(|u| u as i64).ok()
                        } else {
                            cell.parse::<i64>().ok()
                        };
                        let x = x.ok_or_else(|| {
                            Error::data(csv, Some(rec.line), format!("column {}: {cell:?} is not a whole number", names[k]))
                        })?;
                        v.push(x);
                    }
                    Column::Float(v) => v.push(number(csv, rec, k, &names[k])?),
                }
            }
            rows += 1;
            if rows.is_multiple_of(ROW_GROUP) {
                flush(out, &mut w, &mut cols)?;
                written = true;
            }
            Ok(())
        })?;
        if !rows.is_multiple_of(ROW_GROUP) || !written {
            flush(out, &mut w, &mut cols)?;
        }
        w.close().map_err(|e| failed(out, e))?;
        Ok(())
    }

    fn first_line(csv: &Path) -> Result<::csv::StringRecord, Error> {
        let file = std::fs::File::open(csv).map_err(Error::io(csv))?;
        let mut r = ::csv::ReaderBuilder::new().has_headers(true).from_reader(std::io::BufReader::new(file));
        r.headers().cloned().map_err(|e| Error::data(csv, Some(1), format!("cannot read the header: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_typed_by_name_and_by_the_registry() {
        assert_eq!(column_type("scenario"), ColumnType::Text);
        assert_eq!(column_type("seed"), ColumnType::UInt);
        for c in ["point", "rep", "period", "county", "township", "cadre", "population.cadres"] {
            assert_eq!(column_type(c), ColumnType::Int, "{c}");
        }
        for c in ["s", "blame_ratio", "regime.penalty", "mean"] {
            assert_eq!(column_type(c), ColumnType::Float, "{c}");
        }
        assert_eq!(name_of("runs_window.csv"), "runs_window.parquet");
    }
}
