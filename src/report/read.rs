//! Reading hlas output: the files behind the command's arguments, their format, and [`Source`], which finds a
//! batch's columns by name and casts them to the types the report reads.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float32Array, Float64Array, Int64Array, ListArray, StringArray,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Schema};
use arrow::record_batch::RecordBatch;

use super::ReportError;
use crate::write::HIVE_NULL;

/// The files behind the arguments: files as given, directories expanded to the readable files under them.
pub(crate) fn input_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ReportError> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|source| ReportError::Io { path: input.clone(), source })?;
        if meta.is_dir() {
            let mut found = Vec::new();
            collect_dir(input, &mut found)?;
            if found.is_empty() {
                return Err(ReportError::EmptyDirectory { path: input.clone() });
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Every `.arrow`, `.ipc`, `.feather` and `.parquet` file under `dir`, skipping hidden and `_`-prefixed names (a
/// run's temporary `.partial` files, `_SUCCESS` markers).
fn collect_dir(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), ReportError> {
    let io = |source| ReportError::Io { path: dir.to_path_buf(), source };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        if path.is_dir() {
            collect_dir(&path, found)?;
        } else {
            let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
            if matches!(ext.as_str(), "arrow" | "ipc" | "feather" | "parquet") {
                found.push(path);
            }
        }
    }
    Ok(())
}

/// The two formats hlas writes rows in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum FileFormat {
    ArrowIpc,
    Parquet,
}

/// The format from the file's first bytes (`ARROW1` or `PAR1`), whatever its extension says.
pub(crate) fn sniff_format(path: &Path) -> Result<FileFormat, ReportError> {
    let mut head = [0u8; 6];
    let mut file = File::open(path).map_err(|source| ReportError::Io { path: path.to_path_buf(), source })?;
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(source) => return Err(ReportError::Io { path: path.to_path_buf(), source }),
        }
    }
    if head[..read].starts_with(b"ARROW1") {
        Ok(FileFormat::ArrowIpc)
    } else if head[..read].starts_with(b"PAR1") {
        Ok(FileFormat::Parquet)
    } else {
        Err(ReportError::UnknownFormat { path: path.to_path_buf() })
    }
}

/// Rows per batch read from a Parquet file (Arrow IPC files come in the batches they were written in).
const PARQUET_BATCH: usize = 8_192;

/// The record batches of one hlas output file, Arrow IPC or Parquet (told by its first bytes).
pub(crate) type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ReportError>>>;

/// Opens an output file: its schema (with the `hlas.*` metadata) and its batches, read one at a time.
///
/// # Errors
/// The file cannot be opened or is neither Arrow IPC nor Parquet.
pub(crate) fn open_batches(path: &Path) -> Result<(arrow::datatypes::SchemaRef, Batches), ReportError> {
    let open = || File::open(path).map_err(|source| ReportError::Io { path: path.to_path_buf(), source });
    let owned = path.to_path_buf();
    match sniff_format(path)? {
        FileFormat::ArrowIpc => {
            let reader = arrow::ipc::reader::FileReader::try_new(std::io::BufReader::new(open()?), None)
                .map_err(|source| ReportError::Arrow { path: owned.clone(), source })?;
            let schema = reader.schema();
            let batches = reader.map(move |b| b.map_err(|source| ReportError::Arrow { path: owned.clone(), source }));
            Ok((schema, Box::new(batches)))
        }
        FileFormat::Parquet => {
            let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(open()?)
                .map_err(|source| ReportError::Parquet { path: owned.clone(), source })?;
            let schema = builder.schema().clone();
            let reader = builder
                .with_batch_size(PARQUET_BATCH)
                .build()
                .map_err(|source| ReportError::Parquet { path: owned.clone(), source })?;
            let batches = reader.map(move |b| b.map_err(|source| ReportError::Arrow { path: owned.clone(), source }));
            Ok((schema, Box::new(batches)))
        }
    }
}

/// A file being read: its path and the `name=value` segments of its path (Hive partitioning), which stand in for
/// columns the file itself lacks.
pub(crate) struct Source {
    pub(crate) path: PathBuf,
    /// (column, value); `None` for Hive's null partition.
    partitions: Vec<(String, Option<String>)>,
}

/// A partition value as written in a path: `%XX` escapes decoded (Hive escapes `/`, `=`, `%`, `:`, spaces and
/// more this way). Hand-written: a dozen lines, no crate worth it. A broken escape is kept as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Source {
    pub(crate) fn new(path: &Path) -> Self {
        let partitions = path
            .parent()
            .into_iter()
            .flat_map(|p| p.components())
            .filter_map(|c| {
                let c = c.as_os_str().to_string_lossy();
                let (k, v) = c.split_once('=')?;
                Some((percent_decode(k), (v != HIVE_NULL).then(|| percent_decode(v))))
            })
            .collect();
        Source { path: path.to_path_buf(), partitions }
    }

    pub(crate) fn has_column(&self, schema: &Schema, name: &str) -> bool {
        schema.index_of(name).is_ok() || self.partitions.iter().any(|(k, _)| k == name)
    }

    /// The column `name` of the batch, or the path's value for it repeated, or `None`.
    pub(crate) fn column(&self, batch: &RecordBatch, name: &str) -> Option<ArrayRef> {
        if let Some(col) = batch.column_by_name(name) {
            return Some(col.clone());
        }
        let (_, value) = self.partitions.iter().find(|(k, _)| k == name)?;
        Some(Arc::new(std::iter::repeat_n(value.as_deref(), batch.num_rows()).collect::<StringArray>()))
    }

    fn type_error(&self, column: &str, found: &DataType, expected: &'static str) -> ReportError {
        ReportError::ColumnType { path: self.path.clone(), column: column.to_string(), found: found.clone(), expected }
    }

    /// A column cast to `to`, or `None` when absent.
    fn cast_column(
        &self,
        batch: &RecordBatch,
        name: &str,
        to: &DataType,
        expected: &'static str,
    ) -> Result<Option<ArrayRef>, ReportError> {
        let Some(col) = self.column(batch, name) else { return Ok(None) };
        if col.data_type() == to {
            return Ok(Some(col));
        }
        cast(&col, to).map(Some).map_err(|_| self.type_error(name, col.data_type(), expected))
    }

    pub(crate) fn strings(&self, batch: &RecordBatch, name: &str) -> Result<Option<StringArray>, ReportError> {
        Ok(self.cast_column(batch, name, &DataType::Utf8, "text")?.map(|a| a.as_string::<i32>().clone()))
    }

    pub(crate) fn floats(&self, batch: &RecordBatch, name: &str) -> Result<Option<Float32Array>, ReportError> {
        Ok(self
            .cast_column(batch, name, &DataType::Float32, "a number")?
            .map(|a| a.as_primitive::<arrow::datatypes::Float32Type>().clone()))
    }

    pub(crate) fn ints(&self, batch: &RecordBatch, name: &str) -> Result<Option<Int64Array>, ReportError> {
        Ok(self
            .cast_column(batch, name, &DataType::Int64, "an integer")?
            .map(|a| a.as_primitive::<arrow::datatypes::Int64Type>().clone()))
    }

    pub(crate) fn bools(&self, batch: &RecordBatch, name: &str) -> Result<Option<BooleanArray>, ReportError> {
        Ok(self.cast_column(batch, name, &DataType::Boolean, "true/false")?.map(|a| a.as_boolean().clone()))
    }

    /// A list column as a 32-bit-offset list (a large list is cast down).
    fn list(&self, batch: &RecordBatch, name: &str) -> Result<Option<ListArray>, ReportError> {
        let Some(col) = self.column(batch, name) else { return Ok(None) };
        match col.data_type() {
            DataType::List(_) => Ok(Some(col.as_list::<i32>().clone())),
            DataType::LargeList(field) => cast(&col, &DataType::List(field.clone()))
                .map(|a| Some(a.as_list::<i32>().clone()))
                .map_err(|_| self.type_error(name, col.data_type(), "a list")),
            other => Err(self.type_error(name, other, "a list")),
        }
    }

    /// A list of strings (`themes`, `flag_reasons`).
    pub(crate) fn string_list(&self, batch: &RecordBatch, name: &str) -> Result<Option<StrList>, ReportError> {
        let Some(list) = self.list(batch, name)? else { return Ok(None) };
        let values = cast(list.values(), &DataType::Utf8)
            .map_err(|_| self.type_error(name, list.values().data_type(), "a list of text"))?;
        Ok(Some(StrList { values: values.as_string::<i32>().clone(), list }))
    }

    /// A list of structs, with the named fields of its items cast to text or integers.
    pub(crate) fn struct_list(
        &self,
        batch: &RecordBatch,
        name: &str,
        text_fields: &[&str],
        number_fields: &[&str],
    ) -> Result<Option<StructList>, ReportError> {
        let Some(list) = self.list(batch, name)? else { return Ok(None) };
        let Some(items) = list.values().as_struct_opt() else {
            return Err(self.type_error(name, list.data_type(), "a list of structs"));
        };
        let field = |f: &str, to: &DataType, expected| -> Result<ArrayRef, ReportError> {
            let col = items.column_by_name(f).ok_or_else(|| self.type_error(name, list.data_type(), expected))?;
            cast(col, to).map_err(|_| self.type_error(&format!("{name}.{f}"), col.data_type(), expected))
        };
        let mut texts = Vec::new();
        for f in text_fields {
            texts.push(field(f, &DataType::Utf8, "a list of structs with text fields")?.as_string::<i32>().clone());
        }
        let mut numbers = Vec::new();
        for f in number_fields {
            let col = field(f, &DataType::Float64, "a list of structs with number fields")?;
            numbers.push(col.as_primitive::<arrow::datatypes::Float64Type>().clone());
        }
        Ok(Some(StructList { list, texts, numbers }))
    }
}

/// A list-of-text column of one batch.
pub(crate) struct StrList {
    list: ListArray,
    values: StringArray,
}

impl StrList {
    /// The strings of row `row` (none for a null list).
    pub(crate) fn row(&self, row: usize) -> impl Iterator<Item = &str> {
        let range = list_range(&self.list, row);
        range.filter(|&j| self.values.is_valid(j)).map(|j| self.values.value(j))
    }
}

/// A list-of-struct column of one batch, its item fields as text (`texts`) and numbers (`numbers`), in the order
/// asked for.
pub(crate) struct StructList {
    list: ListArray,
    texts: Vec<StringArray>,
    numbers: Vec<Float64Array>,
}

impl StructList {
    pub(crate) fn items(&self, row: usize) -> std::ops::Range<usize> {
        list_range(&self.list, row)
    }

    pub(crate) fn text(&self, field: usize, item: usize) -> Option<&str> {
        let col = self.texts.get(field)?;
        col.is_valid(item).then(|| col.value(item))
    }

    pub(crate) fn number(&self, field: usize, item: usize) -> Option<f64> {
        let col = self.numbers.get(field)?;
        col.is_valid(item).then(|| col.value(item))
    }
}

/// The indexes into a list's values of row `row`'s items; empty for a null list or a row out of range.
fn list_range(list: &ListArray, row: usize) -> std::ops::Range<usize> {
    if row >= list.len() || list.is_null(row) {
        return 0..0;
    }
    let offsets = list.value_offsets();
    let (start, end) = (offsets[row].max(0) as usize, offsets[row + 1].max(0) as usize);
    start..end.max(start).min(list.values().len())
}

/// The value of a text column at a row; `None` when the column is absent or the value null.
pub(crate) fn value_at(col: &Option<StringArray>, row: usize) -> Option<&str> {
    col.as_ref().filter(|c| c.is_valid(row)).map(|c| c.value(row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_segments_stand_in_for_columns() {
        let source =
            Source::new(Path::new("run/lang=cs/channel=web%20chat/date=__HIVE_DEFAULT_PARTITION__/part-0.parquet"));
        assert_eq!(
            source.partitions,
            vec![
                ("lang".to_string(), Some("cs".to_string())),
                ("channel".to_string(), Some("web chat".to_string())),
                ("date".to_string(), None),
            ]
        );
        assert_eq!(percent_decode("a%3Db%2"), "a=b%2");
        assert_eq!(percent_decode("%C4%8D"), "č");
    }
}
