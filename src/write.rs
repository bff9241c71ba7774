//! Output: the Arrow schema of the output contract ([`output_schema`]) and the writers — an Arrow IPC or Parquet
//! file ([`TableSink`]), a Hive-partitioned directory of them ([`PartitionedSink`]) and JSON lines
//! ([`JsonlSink`]) — behind the [`Sink`] trait. Files are written to a temporary
//! name beside the destination and renamed when complete, so an interrupted run never leaves a file that looks
//! whole.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, DictionaryArray, Float32Array, Int8Array, ListArray, RecordBatch, StringArray, StructArray,
    UInt8Array, UInt32Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, Fields, Int8Type, Schema, SchemaRef};
use arrow::ipc::writer::FileWriter;

use crate::analyze::Analysis;
use crate::emotion::EMOTIONS;
use crate::ingest::Record;
use crate::lang::Lang;
use crate::sentiment::SentimentLabel;

/// The version of the output contract written to the schema metadata (`hlas.schema_version`).
pub const SCHEMA_VERSION: &str = "2";

/// An error while writing output: names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// Creating, writing or renaming the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The output file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The Parquet writer failed.
    #[error("{path}: {message}")]
    Parquet {
        /// The output file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A partitioned output cannot be made as asked.
    #[error("{path}: {message}")]
    Partition {
        /// The output directory.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Arrow refused a batch (a bug: the schema and the arrays disagree).
    #[error("{path}: {source}")]
    Arrow {
        /// The output file.
        path: PathBuf,
        /// Why.
        source: arrow::error::ArrowError,
    },
}

/// The output columns hlas computes, in contract order after `id` and the input columns.
const ANALYSIS_COLUMNS: [&str; 30] = [
    "text",
    "lang",
    "lang_confidence",
    "sentiment",
    "sentiment_label",
    "anger",
    "anticipation",
    "disgust",
    "fear",
    "joy",
    "sadness",
    "surprise",
    "trust",
    "emotion",
    "themes",
    "theme_sentiment",
    "evidence",
    "flagged",
    "priority",
    "flag_reasons",
    "n_tokens",
    "error",
    "n_turns",
    "customer_sentiment_start",
    "customer_sentiment_end",
    "repeated_requests",
    "turns",
    "repeats",
    "agent_cues",
    "id",
];

/// The output names of input columns: a name that clashes with an output column gets the prefix `input_`.
#[must_use]
pub fn passthrough_names(input_columns: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(input_columns.len());
    for c in input_columns {
        let mut name = c.clone();
        while ANALYSIS_COLUMNS.contains(&name.as_str()) || out.contains(&name) {
            name = format!("input_{name}");
        }
        out.push(name);
    }
    out
}

fn dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
}

fn evidence_fields() -> Fields {
    Fields::from(vec![
        Field::new("kind", DataType::Utf8, false),
        Field::new("label", DataType::Utf8, false),
        Field::new("start", DataType::UInt32, false),
        Field::new("end", DataType::UInt32, false),
        Field::new("weight", DataType::Float32, false),
    ])
}

fn theme_sentiment_fields() -> Fields {
    Fields::from(vec![
        Field::new("theme", DataType::Utf8, false),
        Field::new("sentiment", DataType::Float32, false),
        Field::new("label", DataType::Utf8, false),
        Field::new("mentions", DataType::UInt32, false),
    ])
}

fn turn_fields() -> Fields {
    Fields::from(vec![
        Field::new("role", DataType::Utf8, false),
        Field::new("speaker", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, false),
    ])
}

fn repeat_fields() -> Fields {
    Fields::from(vec![Field::new("turn", DataType::UInt32, false), Field::new("repeats", DataType::UInt32, false)])
}

fn agent_cue_fields() -> Fields {
    Fields::from(vec![
        Field::new("cue", DataType::Utf8, false),
        Field::new("turn", DataType::UInt32, false),
        Field::new("start", DataType::UInt32, false),
        Field::new("end", DataType::UInt32, false),
        Field::new("text", DataType::Utf8, false),
    ])
}

fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, false)))
}

/// The output schema for the given input columns, with the metadata that traces a result to what produced it.
#[must_use]
pub fn output_schema(input_columns: &[String], lexicon_hash: &str) -> SchemaRef {
    let mut fields = vec![Field::new("id", DataType::Utf8, false)];
    for name in passthrough_names(input_columns) {
        fields.push(Field::new(name, DataType::Utf8, true));
    }
    fields.extend([
        Field::new("text", DataType::Utf8, false),
        Field::new("lang", dict_type(), false),
        Field::new("lang_confidence", DataType::Float32, false),
        Field::new("sentiment", DataType::Float32, false),
        Field::new("sentiment_label", dict_type(), false),
    ]);
    for e in EMOTIONS {
        fields.push(Field::new(e, DataType::Float32, false));
    }
    fields.extend([
        Field::new("emotion", dict_type(), true),
        Field::new("themes", list_of(DataType::Utf8), false),
        Field::new("theme_sentiment", list_of(DataType::Struct(theme_sentiment_fields())), false),
        Field::new("evidence", list_of(DataType::Struct(evidence_fields())), false),
        Field::new("flagged", DataType::Boolean, false),
        Field::new("priority", DataType::UInt8, false),
        Field::new("flag_reasons", list_of(DataType::Utf8), false),
        Field::new("n_tokens", DataType::UInt32, false),
        Field::new("error", DataType::Utf8, true),
        Field::new("n_turns", DataType::UInt32, true),
        Field::new("customer_sentiment_start", DataType::Float32, true),
        Field::new("customer_sentiment_end", DataType::Float32, true),
        Field::new("repeated_requests", DataType::UInt32, true),
        Field::new("turns", list_of(DataType::Struct(turn_fields())), true),
        Field::new("repeats", list_of(DataType::Struct(repeat_fields())), true),
        Field::new("agent_cues", list_of(DataType::Struct(agent_cue_fields())), true),
    ]);
    let metadata: std::collections::HashMap<String, String> = [
        ("hlas.schema_version".to_string(), SCHEMA_VERSION.to_string()),
        ("hlas.version".to_string(), env!("CARGO_PKG_VERSION").to_string()),
        ("hlas.lexicon_hash".to_string(), lexicon_hash.to_string()),
    ]
    .into_iter()
    .collect();
    Arc::new(Schema::new_with_metadata(fields, metadata))
}

/// A dictionary column over a fixed value list: every batch carries the same dictionary, which the IPC file
/// format requires (it allows no dictionary replacement between batches).
fn fixed_dictionary(keys: Vec<Option<i8>>, values: &[&str]) -> ArrayRef {
    let dict = DictionaryArray::<Int8Type>::new(Int8Array::from(keys), Arc::new(StringArray::from(values.to_vec())));
    Arc::new(dict)
}

fn list_array(item: DataType, offsets: Vec<i32>, values: ArrayRef, nulls: Option<NullBuffer>) -> ArrayRef {
    let field = Arc::new(Field::new("item", item, false));
    Arc::new(ListArray::new(field, OffsetBuffer::new(offsets.into()), values, nulls))
}

/// Builds one record batch from records and their analyses (same length, same order).
///
/// # Errors
/// Only if the arrays disagree with the schema, which would be a bug.
pub fn build_batch(
    schema: &SchemaRef,
    records: &[Record],
    analyses: &[Analysis],
    theme_ids: &[String],
) -> Result<RecordBatch, arrow::error::ArrowError> {
    // ANALYSIS_COLUMNS includes `id`, so what is left are the passthrough columns.
    let n_meta = schema.fields().len() - ANALYSIS_COLUMNS.len();
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    cols.push(Arc::new(StringArray::from_iter_values(records.iter().map(|r| r.id.as_str()))));
    for c in 0..n_meta {
        cols.push(Arc::new(records.iter().map(|r| r.meta.get(c).and_then(|v| v.as_deref())).collect::<StringArray>()));
    }
    cols.push(Arc::new(StringArray::from_iter_values(analyses.iter().map(|a| a.text.as_str()))));
    let langs: Vec<&str> = Lang::ALL.iter().map(|l| l.code()).collect();
    cols.push(fixed_dictionary(analyses.iter().map(|a| Some(a.lang.index() as i8)).collect(), &langs));
    cols.push(Arc::new(Float32Array::from_iter_values(analyses.iter().map(|a| a.lang_confidence))));
    cols.push(Arc::new(Float32Array::from_iter_values(analyses.iter().map(|a| a.sentiment))));
    let labels: Vec<&str> = SentimentLabel::ALL.iter().map(|l| l.as_str()).collect();
    let label_keys = analyses
        .iter()
        .map(|a| SentimentLabel::ALL.iter().position(|l| *l == a.sentiment_label).map(|i| i as i8))
        .collect();
    cols.push(fixed_dictionary(label_keys, &labels));
    for e in 0..EMOTIONS.len() {
        cols.push(Arc::new(Float32Array::from_iter_values(analyses.iter().map(|a| a.emotions[e]))));
    }
    cols.push(fixed_dictionary(analyses.iter().map(|a| a.emotion.map(|i| i as i8)).collect(), &EMOTIONS));

    // themes: List<Utf8>
    let mut offsets = vec![0i32];
    let mut values: Vec<&str> = Vec::new();
    for a in analyses {
        values.extend(a.themes.iter().map(|&t| theme_ids.get(t).map_or("", String::as_str)));
        offsets.push(values.len() as i32);
    }
    cols.push(list_array(DataType::Utf8, offsets, Arc::new(StringArray::from(values)), None));

    // theme_sentiment: List<Struct{theme, sentiment, label, mentions}>
    let per_theme: Vec<&crate::analyze::ThemeSentiment> =
        analyses.iter().flat_map(|a| a.theme_sentiment.iter()).collect();
    let offsets = list_offsets(analyses, |a| a.theme_sentiment.len());
    let ts_struct = StructArray::new(
        theme_sentiment_fields(),
        vec![
            Arc::new(StringArray::from_iter_values(
                per_theme.iter().map(|t| theme_ids.get(t.theme).map_or("", String::as_str)),
            )),
            Arc::new(Float32Array::from_iter_values(per_theme.iter().map(|t| t.sentiment))),
            Arc::new(StringArray::from_iter_values(per_theme.iter().map(|t| t.label.as_str()))),
            Arc::new(UInt32Array::from_iter_values(per_theme.iter().map(|t| t.mentions))),
        ],
        None,
    );
    cols.push(list_array(DataType::Struct(theme_sentiment_fields()), offsets, Arc::new(ts_struct), None));

    // evidence: List<Struct{kind, label, start, end, weight}>
    let evidence: Vec<&crate::analyze::Evidence> = analyses.iter().flat_map(|a| a.evidence.iter()).collect();
    let offsets = list_offsets(analyses, |a| a.evidence.len());
    let ev_struct = StructArray::new(
        evidence_fields(),
        vec![
            Arc::new(StringArray::from_iter_values(evidence.iter().map(|e| e.kind.as_str()))),
            Arc::new(StringArray::from_iter_values(evidence.iter().map(|e| e.label.as_str()))),
            Arc::new(UInt32Array::from_iter_values(evidence.iter().map(|e| e.start))),
            Arc::new(UInt32Array::from_iter_values(evidence.iter().map(|e| e.end))),
            Arc::new(Float32Array::from_iter_values(evidence.iter().map(|e| e.weight))),
        ],
        None,
    );
    cols.push(list_array(DataType::Struct(evidence_fields()), offsets, Arc::new(ev_struct), None));

    cols.push(Arc::new(BooleanArray::from(analyses.iter().map(|a| a.flagged).collect::<Vec<_>>())));
    cols.push(Arc::new(UInt8Array::from_iter_values(analyses.iter().map(|a| a.priority))));
    let mut offsets = vec![0i32];
    let mut reasons: Vec<&str> = Vec::new();
    for a in analyses {
        reasons.extend(a.flag_reasons.iter().copied());
        offsets.push(reasons.len() as i32);
    }
    cols.push(list_array(DataType::Utf8, offsets, Arc::new(StringArray::from(reasons)), None));
    cols.push(Arc::new(UInt32Array::from_iter_values(analyses.iter().map(|a| a.n_tokens))));
    cols.push(Arc::new(analyses.iter().map(|a| a.error.as_deref()).collect::<StringArray>()));

    // Transcript columns: null for single texts.
    let tr = |f: &dyn Fn(&crate::analyze::TranscriptInfo) -> f32| -> Float32Array {
        analyses.iter().map(|a| a.transcript.as_ref().map(f)).collect()
    };
    cols.push(Arc::new(
        analyses.iter().map(|a| a.transcript.as_ref().map(|t| t.turns.len() as u32)).collect::<UInt32Array>(),
    ));
    cols.push(Arc::new(tr(&|t| t.customer_sentiment_start)));
    cols.push(Arc::new(tr(&|t| t.customer_sentiment_end)));
    cols.push(Arc::new(
        analyses.iter().map(|a| a.transcript.as_ref().map(|t| t.repeated_requests)).collect::<UInt32Array>(),
    ));
    let turns: Vec<&crate::transcript::Turn> =
        analyses.iter().flat_map(|a| a.transcript.iter().flat_map(|t| t.turns.iter())).collect();
    let offsets = list_offsets(analyses, |a| a.transcript.as_ref().map_or(0, |t| t.turns.len()));
    let turn_struct = StructArray::new(
        turn_fields(),
        vec![
            Arc::new(StringArray::from_iter_values(turns.iter().map(|t| t.role.as_str()))),
            Arc::new(StringArray::from_iter_values(turns.iter().map(|t| t.speaker.as_str()))),
            Arc::new(StringArray::from_iter_values(turns.iter().map(|t| t.text.as_str()))),
        ],
        None,
    );
    let nulls = NullBuffer::from(analyses.iter().map(|a| a.transcript.is_some()).collect::<Vec<_>>());
    cols.push(list_array(DataType::Struct(turn_fields()), offsets, Arc::new(turn_struct), Some(nulls.clone())));

    // repeats: List<Struct{turn, repeats}>, null for single texts.
    let repeats: Vec<(u32, u32)> =
        analyses.iter().flat_map(|a| a.transcript.iter().flat_map(|t| t.repeats.iter().copied())).collect();
    let offsets = list_offsets(analyses, |a| a.transcript.as_ref().map_or(0, |t| t.repeats.len()));
    let rep_struct = StructArray::new(
        repeat_fields(),
        vec![
            Arc::new(UInt32Array::from_iter_values(repeats.iter().map(|r| r.0))),
            Arc::new(UInt32Array::from_iter_values(repeats.iter().map(|r| r.1))),
        ],
        None,
    );
    cols.push(list_array(DataType::Struct(repeat_fields()), offsets, Arc::new(rep_struct), Some(nulls.clone())));

    // agent_cues: List<Struct{cue, turn, start, end, text}>, null for single texts.
    let cues: Vec<&crate::analyze::AgentCue> =
        analyses.iter().flat_map(|a| a.transcript.iter().flat_map(|t| t.agent_cues.iter())).collect();
    let offsets = list_offsets(analyses, |a| a.transcript.as_ref().map_or(0, |t| t.agent_cues.len()));
    let cue_struct = StructArray::new(
        agent_cue_fields(),
        vec![
            Arc::new(StringArray::from_iter_values(cues.iter().map(|c| c.cue.as_str()))),
            Arc::new(UInt32Array::from_iter_values(cues.iter().map(|c| c.turn))),
            Arc::new(UInt32Array::from_iter_values(cues.iter().map(|c| c.start))),
            Arc::new(UInt32Array::from_iter_values(cues.iter().map(|c| c.end))),
            Arc::new(StringArray::from_iter_values(cues.iter().map(|c| c.text.as_str()))),
        ],
        None,
    );
    cols.push(list_array(DataType::Struct(agent_cue_fields()), offsets, Arc::new(cue_struct), Some(nulls)));

    RecordBatch::try_new(schema.clone(), cols)
}

/// The offsets of a list column with `len(analysis)` items per row.
fn list_offsets(analyses: &[Analysis], len: impl Fn(&Analysis) -> usize) -> Vec<i32> {
    let mut offsets = Vec::with_capacity(analyses.len() + 1);
    offsets.push(0i32);
    let mut count = 0;
    for a in analyses {
        count += len(a);
        offsets.push(count as i32);
    }
    offsets
}

/// Where analysed rows go, batch after batch, in input order.
pub trait Sink: Send {
    /// Appends one batch.
    ///
    /// # Errors
    /// Writing failed.
    fn write(&mut self, records: &[Record], analyses: &[Analysis]) -> Result<(), WriteError>;

    /// Completes the output (renames the temporary file into place).
    ///
    /// # Errors
    /// Flushing or renaming failed.
    fn finish(self: Box<Self>) -> Result<(), WriteError>;
}

/// A file written under a temporary name and renamed into place by [`AtomicFile::commit`]; removed if dropped
/// before that.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl AtomicFile {
    /// Creates the temporary file beside `dest`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(dest: &Path) -> Result<(Self, BufWriter<File>), WriteError> {
        let name = dest.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        remove_stale_partials(dest, &name);
        let tmp = dest.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|source| {
            let source = if source.kind() == std::io::ErrorKind::NotFound {
                std::io::Error::new(source.kind(), "cannot create the file: its directory does not exist")
            } else {
                source
            };
            WriteError::Io { path: dest.to_path_buf(), source }
        })?;
        Ok((AtomicFile { tmp, dest: dest.to_path_buf(), committed: false }, BufWriter::with_capacity(1 << 20, file)))
    }

    /// Renames the finished file into place.
    ///
    /// # Errors
    /// The rename failed.
    pub fn commit(mut self) -> Result<(), WriteError> {
        std::fs::rename(&self.tmp, &self.dest).map_err(|source| WriteError::Io { path: self.dest.clone(), source })?;
        self.committed = true;
        Ok(())
    }
}

/// Removes the `.<name>.partial-<pid>` files (or directories) beside `dest` that a run killed before it could
/// clean up left behind (SIGKILL, a power cut: `Drop` never ran). Only where the process table is visible in
/// `/proc`: a partial is stale when its process is gone, and the partial of a run still going is left alone. (A
/// run in another PID namespace writing the same name in a shared directory looks gone; two runs writing one
/// output race at the rename anyway.) Best effort: what cannot be removed stays, and is never read as output.
fn remove_stale_partials(dest: &Path, name: &str) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let prefix = format!(".{name}.partial-");
    let own = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || pid == own || proc.join(pid).exists() {
            continue;
        }
        let path = entry.path();
        let _ = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The table formats: Arrow IPC file and Parquet (zstd), both with the schema of [`output_schema`] and its metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    /// Arrow IPC file (`.arrow`, `.ipc`, `.feather`).
    Arrow,
    /// Parquet, zstd-compressed (`.parquet`).
    Parquet,
}

impl TableFormat {
    /// The file extension, without the dot.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Arrow => "arrow",
            TableFormat::Parquet => "parquet",
        }
    }
}

/// Rows per Parquet row group. The Parquet writer holds a row group in memory (encoded) until it is full, so this
/// bounds the writer's memory; 64 Ki rows of short feedback is a few MB, and big enough for good compression and
/// for readers to skip groups by their statistics.
pub const PARQUET_ROW_GROUP_ROWS: usize = 64 * 1024;

enum TableWriter {
    Arrow(FileWriter<BufWriter<File>>),
    Parquet(parquet::arrow::ArrowWriter<BufWriter<File>>),
}

/// One Arrow IPC or Parquet file, written batch by batch under a temporary name and renamed into place by
/// [`TableFile::finish`].
pub struct TableFile {
    writer: TableWriter,
    file: AtomicFile,
}

impl TableFile {
    /// Starts a file at `dest`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(dest: &Path, schema: &SchemaRef, format: TableFormat) -> Result<Self, WriteError> {
        let (file, out) = AtomicFile::create(dest)?;
        let writer = match format {
            TableFormat::Arrow => TableWriter::Arrow(
                FileWriter::try_new(out, schema).map_err(|source| WriteError::Arrow { path: dest.into(), source })?,
            ),
            TableFormat::Parquet => {
                use parquet::basic::{Compression, ZstdLevel};
                use parquet::file::metadata::KeyValue;
                use parquet::file::properties::WriterProperties;
                // The Arrow schema (with its metadata) travels in the file as `ARROW:schema`, which pyarrow and
                // polars read back; the hlas.* keys are also plain key-value metadata for readers that only see
                // Parquet's own (DuckDB's parquet_kv_metadata).
                let kv: Vec<KeyValue> =
                    schema.metadata().iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())).collect();
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
                    .set_max_row_group_row_count(Some(PARQUET_ROW_GROUP_ROWS))
                    .set_key_value_metadata(Some(kv))
                    .set_created_by(format!("hlas {}", env!("CARGO_PKG_VERSION")))
                    .build();
                let w = parquet::arrow::ArrowWriter::try_new(out, schema.clone(), Some(props))
                    .map_err(|e| parquet_error(dest, e))?;
                TableWriter::Parquet(w)
            }
        };
        Ok(TableFile { writer, file })
    }

    /// The destination path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.file.dest
    }

    /// Appends a batch.
    ///
    /// # Errors
    /// Writing failed.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), WriteError> {
        match &mut self.writer {
            TableWriter::Arrow(w) => {
                w.write(batch).map_err(|source| WriteError::Arrow { path: self.file.dest.clone(), source })
            }
            TableWriter::Parquet(w) => w.write(batch).map_err(|e| parquet_error(&self.file.dest, e)),
        }
    }

    /// Writes the footer, syncs the file and renames it into place.
    ///
    /// # Errors
    /// Flushing, syncing or renaming failed.
    pub fn finish(self) -> Result<(), WriteError> {
        let path = self.file.dest.clone();
        let out = match self.writer {
            TableWriter::Arrow(mut w) => {
                w.finish().map_err(|source| WriteError::Arrow { path: path.clone(), source })?;
                w.into_inner().map_err(|source| WriteError::Arrow { path: path.clone(), source })?
            }
            TableWriter::Parquet(w) => w.into_inner().map_err(|e| parquet_error(&path, e))?,
        };
        let file = out.into_inner().map_err(|e| WriteError::Io { path: path.clone(), source: e.into_error() })?;
        file.sync_all().map_err(|source| WriteError::Io { path, source })?;
        self.file.commit()
    }
}

fn parquet_error(path: &Path, e: parquet::errors::ParquetError) -> WriteError {
    WriteError::Parquet { path: path.to_path_buf(), message: e.to_string() }
}

/// Writes one Arrow IPC or Parquet file.
pub struct TableSink {
    out: TableFile,
    schema: SchemaRef,
    theme_ids: Vec<String>,
}

impl TableSink {
    /// Starts a file at `dest`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(
        dest: &Path,
        schema: SchemaRef,
        theme_ids: Vec<String>,
        format: TableFormat,
    ) -> Result<Self, WriteError> {
        let out = TableFile::create(dest, &schema, format)?;
        Ok(TableSink { out, schema, theme_ids })
    }
}

impl Sink for TableSink {
    fn write(&mut self, records: &[Record], analyses: &[Analysis]) -> Result<(), WriteError> {
        let batch = build_batch(&self.schema, records, analyses, &self.theme_ids)
            .map_err(|source| WriteError::Arrow { path: self.out.path().to_path_buf(), source })?;
        self.out.write(&batch)
    }

    fn finish(self: Box<Self>) -> Result<(), WriteError> {
        self.out.finish()
    }
}

/// What a partitioned run splits its output by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionKey {
    /// The detected language (`lang=cs/`).
    Lang,
    /// The sentiment label (`sentiment_label=negative/`).
    SentimentLabel,
    /// An input column, by its output name (`channel=email/`).
    Column(String),
}

impl PartitionKey {
    /// Parses `--partition-by`: `lang`, `sentiment_label`, or the name of an input column.
    #[must_use]
    pub fn parse(name: &str) -> PartitionKey {
        match name {
            "lang" => PartitionKey::Lang,
            "sentiment_label" => PartitionKey::SentimentLabel,
            other => PartitionKey::Column(other.to_string()),
        }
    }

    /// The column name, as written in the directory names.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            PartitionKey::Lang => "lang",
            PartitionKey::SentimentLabel => "sentiment_label",
            PartitionKey::Column(c) => c,
        }
    }
}

/// The most partitions one run may create: each holds an open file, and a key with thousands of values (an id, a
/// free-text column) is a mistake better reported than turned into thousands of tiny files.
pub const MAX_PARTITIONS: usize = 256;

/// The directory name Hive-style readers (pyarrow.dataset, polars, DuckDB, Spark) use for a missing value.
pub(crate) const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// A partition value made safe for a directory name: bytes outside `[A-Za-z0-9_.-]` and a leading dot are
/// percent-encoded, which is how Hive-style readers decode them.
fn hive_escape(value: &str) -> String {
    if value.is_empty() {
        return HIVE_NULL.to_string();
    }
    let mut out = String::with_capacity(value.len());
    for (i, b) in value.bytes().enumerate() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && i > 0) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes a Hive-partitioned directory: `DIR/<key>=<value>/part-0.<ext>`, one Arrow IPC or Parquet file per value,
/// each with the schema less the key column (readers take the key from the directory name, as Hive and Spark
/// lay it out). The directory is built under a temporary name and renamed into place when the run completes.
pub struct PartitionedSink {
    dir: PathBuf,
    tmp: PathBuf,
    key: PartitionKey,
    key_index: usize,
    format: TableFormat,
    schema: SchemaRef,
    file_schema: SchemaRef,
    theme_ids: Vec<String>,
    files: std::collections::BTreeMap<String, TableFile>,
    committed: bool,
}

impl PartitionedSink {
    /// Starts a partitioned output at `dir`, which must not exist yet.
    ///
    /// # Errors
    /// `dir` exists, the key is not a column of the output, or the temporary directory cannot be created.
    pub fn create(
        dir: &Path,
        schema: SchemaRef,
        theme_ids: Vec<String>,
        format: TableFormat,
        key: PartitionKey,
    ) -> Result<Self, WriteError> {
        let io = |source| WriteError::Io { path: dir.to_path_buf(), source };
        if dir.exists() {
            return Err(WriteError::Partition {
                path: dir.to_path_buf(),
                message: "the output directory already exists; remove it or name a new one".into(),
            });
        }
        let key_index = schema.index_of(key.name()).map_err(|_| WriteError::Partition {
            path: dir.to_path_buf(),
            message: format!(
                "cannot partition by `{}`: not a column (use lang, sentiment_label or an input column)",
                key.name()
            ),
        })?;
        match schema.field(key_index).data_type() {
            DataType::Utf8 | DataType::Dictionary(_, _) => {}
            _ => {
                return Err(WriteError::Partition {
                    path: dir.to_path_buf(),
                    message: format!("cannot partition by `{}`: only text columns make partitions", key.name()),
                });
            }
        }
        let name = dir.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        remove_stale_partials(dir, &name);
        let tmp = dir.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).map_err(io)?;
        let fields: Vec<_> =
            schema.fields().iter().enumerate().filter(|(i, _)| *i != key_index).map(|(_, f)| f.clone()).collect();
        let file_schema = Schema::new_with_metadata(fields, schema.metadata().clone());
        Ok(PartitionedSink {
            dir: dir.to_path_buf(),
            tmp,
            key,
            key_index,
            format,
            schema,
            file_schema: Arc::new(file_schema),
            theme_ids,
            files: std::collections::BTreeMap::new(),
            committed: false,
        })
    }

    /// The key's value of every row, as a string (`""` for a null).
    fn row_values(&self, batch: &RecordBatch) -> Vec<String> {
        let col = batch.column(self.key_index);
        let strings = arrow::compute::cast(col, &DataType::Utf8).ok();
        let strings = strings.as_ref().and_then(|a| a.as_any().downcast_ref::<StringArray>());
        (0..batch.num_rows())
            .map(|i| match strings {
                Some(s) if arrow::array::Array::is_valid(s, i) => s.value(i).to_string(),
                _ => String::new(),
            })
            .collect()
    }
}

impl Sink for PartitionedSink {
    fn write(&mut self, records: &[Record], analyses: &[Analysis]) -> Result<(), WriteError> {
        let batch = build_batch(&self.schema, records, analyses, &self.theme_ids)
            .map_err(|source| WriteError::Arrow { path: self.dir.clone(), source })?;
        let values = self.row_values(&batch);
        let mut distinct: Vec<&String> = values.iter().collect();
        distinct.sort();
        distinct.dedup();
        let mut columns = batch.columns().to_vec();
        columns.remove(self.key_index);
        let rest = RecordBatch::try_new(self.file_schema.clone(), columns)
            .map_err(|source| WriteError::Arrow { path: self.dir.clone(), source })?;
        for value in distinct {
            let mask: BooleanArray = values.iter().map(|v| Some(v == value)).collect();
            let part = arrow::compute::filter_record_batch(&rest, &mask)
                .map_err(|source| WriteError::Arrow { path: self.dir.clone(), source })?;
            if !self.files.contains_key(value) {
                if self.files.len() == MAX_PARTITIONS {
                    return Err(WriteError::Partition {
                        path: self.dir.clone(),
                        message: format!(
                            "`{}` has more than {MAX_PARTITIONS} values; partition by a column with fewer",
                            self.key.name()
                        ),
                    });
                }
                let sub = self.tmp.join(format!("{}={}", hive_escape(self.key.name()), hive_escape(value)));
                std::fs::create_dir_all(&sub).map_err(|source| WriteError::Io { path: sub.clone(), source })?;
                let file = sub.join(format!("part-0.{}", self.format.extension()));
                self.files.insert(value.clone(), TableFile::create(&file, &self.file_schema, self.format)?);
            }
            if let Some(f) = self.files.get_mut(value) {
                f.write(&part)?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), WriteError> {
        for (_, f) in std::mem::take(&mut self.files) {
            f.finish()?;
        }
        std::fs::rename(&self.tmp, &self.dir).map_err(|source| WriteError::Io { path: self.dir.clone(), source })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartitionedSink {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Writes JSON lines: one object a row, with the same columns as the Arrow output.
pub struct JsonlSink {
    out: Box<dyn Write + Send>,
    file: Option<AtomicFile>,
    path: PathBuf,
    passthrough: Vec<String>,
    theme_ids: Vec<String>,
}

impl JsonlSink {
    /// Starts a JSONL file at `dest`, or standard output when `dest` is `-`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(dest: &Path, input_columns: &[String], theme_ids: Vec<String>) -> Result<Self, WriteError> {
        let passthrough = passthrough_names(input_columns);
        if dest == Path::new("-") {
            let out = Box::new(BufWriter::new(std::io::stdout()));
            return Ok(JsonlSink { out, file: None, path: dest.into(), passthrough, theme_ids });
        }
        let (file, out) = AtomicFile::create(dest)?;
        Ok(JsonlSink { out: Box::new(out), file: Some(file), path: dest.into(), passthrough, theme_ids })
    }

    fn row(&self, r: &Record, a: &Analysis) -> serde_json::Value {
        use serde_json::{Value, json};
        let mut m = serde_json::Map::new();
        m.insert("id".into(), json!(r.id));
        for (name, v) in self.passthrough.iter().zip(&r.meta) {
            m.insert(name.clone(), v.as_ref().map_or(Value::Null, |s| json!(s)));
        }
        m.insert("text".into(), json!(a.text));
        m.insert("lang".into(), json!(a.lang.code()));
        m.insert("lang_confidence".into(), json!(a.lang_confidence));
        m.insert("sentiment".into(), json!(a.sentiment));
        m.insert("sentiment_label".into(), json!(a.sentiment_label.as_str()));
        for (e, v) in EMOTIONS.iter().zip(a.emotions) {
            m.insert((*e).into(), json!(v));
        }
        m.insert("emotion".into(), a.emotion.map_or(Value::Null, |i| json!(EMOTIONS[i])));
        let themes: Vec<&str> = a.themes.iter().map(|&t| self.theme_ids.get(t).map_or("", String::as_str)).collect();
        m.insert("themes".into(), json!(themes));
        let per_theme: Vec<Value> = a
            .theme_sentiment
            .iter()
            .map(|t| {
                let theme = self.theme_ids.get(t.theme).map_or("", String::as_str);
                json!({"theme": theme, "sentiment": t.sentiment, "label": t.label.as_str(), "mentions": t.mentions})
            })
            .collect();
        m.insert("theme_sentiment".into(), Value::Array(per_theme));
        let evidence: Vec<Value> = a
            .evidence
            .iter()
            .map(|e| json!({"kind": e.kind.as_str(), "label": e.label, "start": e.start, "end": e.end, "weight": e.weight}))
            .collect();
        m.insert("evidence".into(), Value::Array(evidence));
        m.insert("flagged".into(), json!(a.flagged));
        m.insert("priority".into(), json!(a.priority));
        m.insert("flag_reasons".into(), json!(a.flag_reasons));
        m.insert("n_tokens".into(), json!(a.n_tokens));
        m.insert("error".into(), json!(a.error));
        let t = a.transcript.as_ref();
        m.insert("n_turns".into(), json!(t.map(|t| t.turns.len())));
        m.insert("customer_sentiment_start".into(), json!(t.map(|t| t.customer_sentiment_start)));
        m.insert("customer_sentiment_end".into(), json!(t.map(|t| t.customer_sentiment_end)));
        m.insert("repeated_requests".into(), json!(t.map(|t| t.repeated_requests)));
        let turns = t.map(|t| {
            t.turns
                .iter()
                .map(|u| json!({"role": u.role.as_str(), "speaker": u.speaker, "text": u.text}))
                .collect::<Vec<_>>()
        });
        m.insert("turns".into(), json!(turns));
        let repeats = t.map(|t| t.repeats.iter().map(|r| json!({"turn": r.0, "repeats": r.1})).collect::<Vec<_>>());
        m.insert("repeats".into(), json!(repeats));
        let cues = t.map(|t| {
            t.agent_cues
                .iter()
                .map(|c| json!({"cue": c.cue, "turn": c.turn, "start": c.start, "end": c.end, "text": c.text}))
                .collect::<Vec<_>>()
        });
        m.insert("agent_cues".into(), json!(cues));
        Value::Object(m)
    }
}

impl Sink for JsonlSink {
    fn write(&mut self, records: &[Record], analyses: &[Analysis]) -> Result<(), WriteError> {
        for (r, a) in records.iter().zip(analyses) {
            let row = self.row(r, a);
            serde_json::to_writer(&mut self.out, &row)
                .map_err(|e| WriteError::Io { path: self.path.clone(), source: e.into() })?;
            self.out.write_all(b"\n").map_err(|source| WriteError::Io { path: self.path.clone(), source })?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), WriteError> {
        self.out.flush().map_err(|source| WriteError::Io { path: self.path.clone(), source })?;
        drop(self.out);
        match self.file.take() {
            Some(f) => f.commit(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clashing_input_columns_get_a_prefix() {
        let names = passthrough_names(&["date".into(), "lang".into(), "input_lang".into(), "text".into()]);
        assert_eq!(names, vec!["date", "input_lang", "input_input_lang", "input_text"]);
    }

    #[test]
    fn schema_carries_metadata() {
        let s = output_schema(&["date".into()], "abc");
        assert_eq!(s.metadata()["hlas.schema_version"], SCHEMA_VERSION);
        assert_eq!(s.metadata()["hlas.lexicon_hash"], "abc");
        assert_eq!(s.field(0).name(), "id");
        assert_eq!(s.field(1).name(), "date");
        assert_eq!(s.field(2).name(), "text");
    }
}
