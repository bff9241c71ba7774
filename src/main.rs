//! The `hlas` command line. Only argument handling and printing live here; the work is in the library.
//!
//! Exit codes: 0 success (rows with `error` set are still success); 1 an error stopped the run (nothing was
//! written); 2 the command line was wrong; 3 the output was written but an input broke off part-way (a truncated
//! gzip): the rows read before the damage are in the output, and the damage is reported on stderr.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use hlas::analyze::{AnalyzeOptions, DEFAULT_MAX_TEXT_BYTES};
use hlas::eval::{EvalOptions, evaluate_file};
use hlas::flags::FlagRules;
use hlas::ingest::{
    DEFAULT_BATCH_SIZE, DEFAULT_MAX_GZIP_RATIO, IngestOptions, InputFormat, Reader, TextEncoding, plan, record_limit,
};
use hlas::report::{ReportOptions, write_report};
use hlas::run::{RunOptions, run};
use hlas::write::{JsonlSink, PartitionKey, PartitionedSink, Sink, TableFormat, TableSink, output_schema};
use hlas::{Lang, LexiconSource, Resources};

#[derive(Parser)]
#[command(
    name = "hlas",
    version,
    about = "Analyse customer feedback and transcripts in Czech, Polish, Slovak and English",
    after_help = "Examples:
  hlas analyze testdata/feedback.csv -o out.parquet
  hlas explain \"Čekal jsem 40 minut a nikdo mi nepomohl.\"
  hlas eval ../shared/eval/sentiment.tsv

Run `hlas help <command>` for a command's options and examples."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the lexicons and the taxonomy come from.
#[derive(clap::Args)]
struct ResourceArgs {
    /// A lexicon directory with the layout of lexicons/ (default: the embedded lexicons).
    #[arg(long, value_name = "DIR")]
    lexicons: Option<PathBuf>,
    /// A theme taxonomy file replacing the default (format: lexicons/README.md).
    #[arg(long, value_name = "FILE")]
    themes: Option<PathBuf>,
    /// A theme file extending the taxonomy: new themes, or more terms for existing ones (repeatable).
    #[arg(long, value_name = "FILE")]
    extra_themes: Vec<PathBuf>,
    /// QA flag rules overriding the defaults key by key (format: lexicons/flags.tsv).
    #[arg(long, value_name = "FILE")]
    flags: Option<PathBuf>,
}

impl ResourceArgs {
    fn load(&self) -> Result<Resources> {
        let source = self.lexicons.clone().map_or(LexiconSource::Embedded, LexiconSource::Dir);
        Ok(Resources::load(&source, self.themes.as_deref(), &self.extra_themes)?)
    }

    fn flag_rules(&self) -> Result<FlagRules> {
        Ok(match &self.flags {
            Some(path) => FlagRules::from_file(path)?,
            None => FlagRules::default(),
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// Arrow IPC file.
    Arrow,
    /// Parquet, zstd-compressed.
    Parquet,
    /// JSON lines.
    Jsonl,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse input files and write one row per record (Arrow IPC, Parquet or JSONL).
    #[command(after_help = "Examples:
  hlas analyze testdata/feedback.csv testdata/chats.csv -o out.arrow
  hlas analyze exports/*.csv.gz -o out.parquet --text-col message --id-col ticket
  hlas analyze big.jsonl -o parts --partition-by lang        (parts/lang=cs/part-0.parquet, ...)
  zcat feed.tsv.gz | hlas analyze - -o - | head              (stdin in, JSONL out)
  hlas analyze tickets.csv -o out.parquet --redact           (e-mails, phones, IBANs... become [EMAIL], [PHONE]...)

Exit codes: 0 done (rows with `error` set included); 1 an error stopped the run, nothing written;
2 bad command line; 3 written, but an input broke off part-way (see stderr).")]
    Analyze {
        /// Input files (CSV, TSV, JSONL, JSON, text; optionally .gz); `-` reads stdin.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output file: .arrow / .ipc / .feather (Arrow IPC), .parquet or .jsonl; `-` writes JSONL to stdout.
        /// With --partition-by, a directory that does not exist yet.
        #[arg(short, long)]
        output: PathBuf,
        /// Output format (default: from the output's extension; Parquet for a partitioned directory).
        #[arg(long)]
        format: Option<OutputFormat>,
        /// Write a Hive-style directory, one sub-directory per value (`OUT/lang=cs/part-0.parquet`) that DuckDB,
        /// polars and pyarrow.dataset read as one table: `lang`, `sentiment_label` or an input column.
        #[arg(long, value_name = "COLUMN")]
        partition_by: Option<String>,
        /// Input format (default: from each input's extension; stdin is sniffed).
        #[arg(long)]
        input_format: Option<InputFormat>,
        /// Column or JSON key holding the text.
        #[arg(long, default_value = "text")]
        text_col: String,
        /// Column or JSON key holding the id (absent: `<file>:<line>`).
        #[arg(long, default_value = "id")]
        id_col: String,
        /// Force the language (cs, pl, sk, en) instead of detecting it.
        #[arg(long)]
        lang: Option<Lang>,
        /// Worker threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Records per batch.
        #[arg(long, default_value_t = DEFAULT_BATCH_SIZE)]
        batch_size: usize,
        /// Longest text analysed, in bytes; longer records get a row with `error` set. A record over twice this
        /// plus 64 KiB is not even held in memory: its start is kept, the rest skipped.
        #[arg(long, default_value_t = DEFAULT_MAX_TEXT_BYTES)]
        max_text_bytes: usize,
        /// Text encoding of the inputs. auto: UTF-8, and a value (CSV field, line) that is not valid UTF-8 but reads
        /// cleanly as Windows-1250 is read as Windows-1250. A byte order mark (UTF-8, UTF-16) always wins.
        #[arg(long, value_enum, default_value_t = TextEncoding::Auto)]
        encoding: TextEncoding,
        /// Stop a gzip input that expands more than this many times its compressed size, after its first 64 MiB
        /// (a gzip bomb); 0: no limit.
        #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_GZIP_RATIO)]
        max_gzip_ratio: u64,
        /// Label a text with a strongly positive and a strongly negative sentence `mixed` (sentiment_label gets a
        /// fourth value); without it every text is negative, neutral or positive by its overall score.
        #[arg(long)]
        mixed: bool,
        /// Mask personal data before anything is written: e-mails, phone numbers, IBANs, payment cards, birth
        /// numbers (rodné číslo), PESEL, NIP, REGON, IČO, DIČ and addresses become [EMAIL], [PHONE], [IBAN]...
        /// in `text`, `turns` and every span. Numbers only with a valid checksum. The id and the other input
        /// columns are written unchanged: drop or hash them.
        #[arg(long)]
        redact: bool,
        /// Progress on stderr (default: when stderr is a terminal).
        #[arg(long, overrides_with = "no_progress")]
        progress: bool,
        /// No progress on stderr.
        #[arg(long)]
        no_progress: bool,
        /// Print nothing on stderr but errors and warnings (no progress, no summary).
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        resources: ResourceArgs,
    },
    /// Measure hlas against a labelled TSV (the shapes of ../shared/eval) and print the figures.
    #[command(after_help = "Examples:
  hlas eval ../shared/eval/lid.tsv ../shared/eval/sentiment.tsv
  hlas eval --json ../shared/eval/themes.tsv > figures.json
  hlas eval --themes my_themes.tsv ../shared/eval/themes.tsv")]
    Eval {
        /// Labelled files: lid.tsv, sentiment.tsv, emotion.tsv, lemmas.tsv, themes.tsv.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Language ID on the units with diacritics removed.
        #[arg(long)]
        strip_diacritics: bool,
        /// Force the language for sentiment, emotion and themes.
        #[arg(long)]
        lang: Option<Lang>,
        /// Language ID: also score whatlang (allowlist ces/pol/slk/eng) on the same units.
        #[arg(long)]
        whatlang_baseline: bool,
        /// Language ID: print up to N misclassified units per language.
        #[arg(long, default_value_t = 0, value_name = "N")]
        show_errors: usize,
        /// Print the figures as JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        resources: ResourceArgs,
    },
    /// Show how one text is read: language and its evidence, tokens and stems, every lexicon and theme hit with
    /// the rules that changed it and its contribution, flags, scores.
    #[command(after_help = "Examples:
  hlas explain \"Čekal jsem 40 minut a nikdo mi nepomohl.\"
  hlas explain --file complaint.txt --json
  hlas explain --id fb-cs-wait out.parquet
  hlas explain --redact \"Volejte mi na 603 123 456, čekám už týden!\"")]
    Explain {
        /// The text; or, with --id, the output file (.arrow, .parquet, .jsonl) to take the row from.
        #[arg(required_unless_present = "file")]
        text: Option<String>,
        /// Read the text from a file (`-`: stdin).
        #[arg(long, value_name = "FILE", conflicts_with = "id")]
        file: Option<PathBuf>,
        /// Explain the row with this id of the output file given instead of a text.
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Force the language.
        #[arg(long)]
        lang: Option<Lang>,
        /// Mask personal data first, as `hlas analyze --redact` does (e-mails, phones, IBANs, cards, birth
        /// numbers, PESEL, NIP, REGON, IČO, DIČ, addresses).
        #[arg(long)]
        redact: bool,
        #[command(flatten)]
        resources: ResourceArgs,
    },
    /// Write one self-contained HTML report (totals, sentiment, themes, emotions, trend, QA queue) from hlas output.
    #[command(after_help = "Examples:
  hlas analyze testdata/feedback.csv -o out.parquet && hlas report out.parquet -o report.html
  hlas report parts/ -o report.html --top 500 --title \"Week 40\"   (every .arrow/.parquet file under parts/)
  hlas report out.arrow -o report.html --date-col created_at")]
    Report {
        /// hlas output: Arrow IPC (.arrow, .ipc, .feather) or Parquet files, or directories holding them.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The HTML file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Column holding each row's date, for the weekly trend (default: `date` when the input has it).
        #[arg(long, value_name = "NAME")]
        date_col: Option<String>,
        /// Rows in the QA queue: the flagged rows of highest priority.
        #[arg(long, value_name = "N", default_value_t = hlas::report::DEFAULT_TOP)]
        top: usize,
        /// The page title (default: "hlas report").
        #[arg(long, value_name = "TEXT")]
        title: Option<String>,
    },
    /// Stem words read one a line from stdin, writing one stem a line.
    #[command(after_help = "Example:
  printf 'reklamace\\nreklamaci\\n' | hlas stem --lang cs")]
    Stem {
        /// The language.
        #[arg(long)]
        lang: Lang,
        #[command(flatten)]
        resources: ResourceArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            // A closed stdout (`hlas ... | head`) is not an error.
            if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) {
                return ExitCode::SUCCESS;
            }
            // Errors that name their cause in their own message would print it twice with `{:#}`: add a cause only
            // when the message does not already say it.
            let mut message = e.to_string();
            for cause in e.chain().skip(1) {
                let cause = cause.to_string();
                if !message.contains(&cause) {
                    message = format!("{message}: {cause}");
                }
            }
            eprintln!("hlas: error: {message}");
            ExitCode::from(1)
        }
    }
}

fn dispatch(command: Command) -> Result<ExitCode> {
    match command {
        Command::Analyze {
            inputs,
            output,
            format,
            partition_by,
            input_format,
            text_col,
            id_col,
            lang,
            threads,
            batch_size,
            max_text_bytes,
            encoding,
            max_gzip_ratio,
            mixed,
            redact,
            progress,
            no_progress,
            quiet,
            resources,
        } => {
            let res = resources.load()?;
            let ingest = IngestOptions {
                text_col,
                id_col,
                format: input_format,
                batch_size,
                encoding,
                max_record_bytes: record_limit(max_text_bytes),
                max_gzip_ratio,
            };
            let plan = plan(&inputs, &ingest)?;
            let format = match (format, &partition_by) {
                (Some(f), _) => f,
                (None, Some(_)) => OutputFormat::Parquet,
                (None, None) => output_format_of(&output)?,
            };
            let theme_ids: Vec<String> = res.themes.themes.iter().map(|t| t.id.clone()).collect();
            let schema = output_schema(&plan.columns, &res.hash);
            let table = match format {
                OutputFormat::Arrow => Some(TableFormat::Arrow),
                OutputFormat::Parquet => Some(TableFormat::Parquet),
                OutputFormat::Jsonl => None,
            };
            let sink: Box<dyn Sink> = match (table, partition_by) {
                (Some(t), Some(key)) => {
                    Box::new(PartitionedSink::create(&output, schema, theme_ids, t, PartitionKey::parse(&key))?)
                }
                (Some(t), None) => Box::new(TableSink::create(&output, schema, theme_ids, t)?),
                (None, Some(_)) => bail!("--partition-by writes Arrow or Parquet files; use --format parquet or arrow"),
                (None, None) => Box::new(JsonlSink::create(&output, &plan.columns, theme_ids)?),
            };
            let opts = AnalyzeOptions::default()
                .with_lang(lang)
                .with_max_text_bytes(max_text_bytes)
                .with_mixed(mixed)
                .with_redact(redact)
                .with_flags(resources.flag_rules()?);
            let progress = if no_progress || quiet {
                Some(false)
            } else if progress {
                Some(true)
            } else {
                None
            };
            let input_bytes = plan.input_bytes();
            let summary = run(Reader::new(plan), &res, &opts, &RunOptions { threads, progress, input_bytes }, sink)?;
            if !quiet {
                eprint!("{}", summary.render());
            } else {
                for d in &summary.damage {
                    eprintln!("hlas: input damaged: {d}");
                }
            }
            if !summary.reconciles() {
                bail!("internal error: record counts do not reconcile");
            }
            Ok(if summary.damage.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
        Command::Eval { files, strip_diacritics, lang, whatlang_baseline, show_errors, json, resources } => {
            let res = resources.load()?;
            let flags = resources.flag_rules()?;
            let opts = EvalOptions { strip_diacritics, lang, whatlang_baseline, show_errors, flags };
            let mut all = std::collections::BTreeMap::new();
            for file in &files {
                let report = evaluate_file(file, &res, &opts)?;
                if json {
                    all.extend(report.metrics);
                } else {
                    println!("== {}", file.display());
                    for line in &report.lines {
                        println!("{line}");
                    }
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { text, file, id, json, lang, redact, resources } => {
            let res = resources.load()?;
            let mut warning = None;
            let text = match (text, file, &id) {
                (_, Some(file), _) if file == Path::new("-") => {
                    let mut s = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("reading stdin")?;
                    s
                }
                (_, Some(file), _) => std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
                    .trim_end()
                    .to_string(),
                (Some(output), None, Some(id)) => {
                    let (text, hash) = hlas::explain::find_text(Path::new(&output), id)?;
                    if hash.as_ref().is_some_and(|h| *h != res.hash) {
                        warning = Some(format!(
                            "{output} was written with other lexicons (hash {}; now {}): the row may differ",
                            hash.unwrap_or_default(),
                            res.hash
                        ));
                    }
                    text
                }
                (Some(text), None, None) => text,
                (None, None, _) => bail!("give a text, --file FILE, or --id ID with an output file"),
            };
            let opts = AnalyzeOptions::default().with_lang(lang).with_redact(redact);
            let mut explanation = hlas::explain::explain_with(&text, &opts, &res);
            explanation.id = id;
            if let Some(w) = warning {
                eprintln!("hlas: warning: {w}");
            }
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &explanation)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", explanation.render())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { inputs, output, date_col, top, title } => {
            let opts = ReportOptions::default().with_date_col(date_col).with_top(top).with_title(title);
            let s = write_report(&inputs, &output, &opts)?;
            eprintln!(
                "hlas: report: {} rows from {} file(s), {} flagged, {} in the QA queue: {} ({} KB)",
                s.rows,
                s.files,
                s.flagged,
                s.queued,
                output.display(),
                s.bytes.div_ceil(1024)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Stem { lang, resources } => {
            let res = resources.load()?;
            let stemmer = &res.lang(lang).stemmer;
            let stdin = std::io::stdin();
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for line in stdin.lock().lines() {
                let word = line.context("reading stdin")?;
                writeln!(out, "{}", stemmer.stem(&hlas::normalize::fold(word.trim())))?;
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn output_format_of(path: &Path) -> Result<OutputFormat> {
    if path == Path::new("-") {
        return Ok(OutputFormat::Jsonl);
    }
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "arrow" | "ipc" | "feather" => Ok(OutputFormat::Arrow),
        "parquet" | "pq" => Ok(OutputFormat::Parquet),
        "jsonl" | "ndjson" => Ok(OutputFormat::Jsonl),
        _ => bail!(
            "{}: cannot tell the output format from the extension; name it .arrow, .parquet or .jsonl, or use --format",
            path.display()
        ),
    }
}
