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

use hlas::analyze::{AnalyzeOptions, DEFAULT_MAX_TEXT_BYTES, stems_for};
use hlas::eval::{EvalOptions, evaluate_file};
use hlas::flags::FlagRules;
use hlas::ingest::{DEFAULT_BATCH_SIZE, IngestOptions, InputFormat, Reader, plan};
use hlas::report::{ReportOptions, write_report};
use hlas::run::{RunOptions, run};
use hlas::write::{ArrowSink, JsonlSink, Sink, output_schema};
use hlas::{Body, Lang, LexiconSource, Record, Resources};

#[derive(Parser)]
#[command(
    name = "hlas",
    version,
    about = "Analyse customer feedback and transcripts in Czech, Polish, Slovak and English"
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
    /// JSON lines.
    Jsonl,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse input files and write one row per record (Arrow IPC or JSONL).
    Analyze {
        /// Input files (CSV, TSV, JSONL, JSON, text; optionally .gz); `-` reads stdin.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output file: .arrow / .ipc / .feather (Arrow IPC) or .jsonl; `-` writes JSONL to stdout.
        #[arg(short, long)]
        output: PathBuf,
        /// Output format (default: from the output's extension).
        #[arg(long)]
        format: Option<OutputFormat>,
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
        /// Longest text analysed, in bytes; longer records get a row with `error` set.
        #[arg(long, default_value_t = DEFAULT_MAX_TEXT_BYTES)]
        max_text_bytes: usize,
        /// Label a text with a strongly positive and a strongly negative sentence `mixed` (sentiment_label gets a
        /// fourth value); without it every text is negative, neutral or positive by its overall score.
        #[arg(long)]
        mixed: bool,
        /// Progress on stderr (default: when stderr is a terminal).
        #[arg(long, overrides_with = "no_progress")]
        progress: bool,
        /// No progress on stderr.
        #[arg(long)]
        no_progress: bool,
        #[command(flatten)]
        resources: ResourceArgs,
    },
    /// Measure hlas against a labelled TSV (the shapes of ../shared/eval) and print the figures.
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
    /// Show how one text is analysed: tokens, stems, hits and their contributions, scores.
    Explain {
        /// The text.
        text: String,
        /// Force the language.
        #[arg(long)]
        lang: Option<Lang>,
        #[command(flatten)]
        resources: ResourceArgs,
    },
    /// Write one self-contained HTML report (totals, sentiment, themes, emotions, trend, QA queue) from hlas output.
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
            eprintln!("hlas: error: {e:#}");
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
            input_format,
            text_col,
            id_col,
            lang,
            threads,
            batch_size,
            max_text_bytes,
            mixed,
            progress,
            no_progress,
            resources,
        } => {
            let res = resources.load()?;
            let ingest = IngestOptions { text_col, id_col, format: input_format, batch_size };
            let plan = plan(&inputs, &ingest)?;
            let format = match format {
                Some(f) => f,
                None => output_format_of(&output)?,
            };
            let theme_ids: Vec<String> = res.themes.themes.iter().map(|t| t.id.clone()).collect();
            let sink: Box<dyn Sink> = match format {
                OutputFormat::Arrow => {
                    let schema = output_schema(&plan.columns, &res.hash);
                    Box::new(ArrowSink::create(&output, schema, theme_ids)?)
                }
                OutputFormat::Jsonl => Box::new(JsonlSink::create(&output, &plan.columns, theme_ids)?),
            };
            let opts = AnalyzeOptions::default()
                .with_lang(lang)
                .with_max_text_bytes(max_text_bytes)
                .with_mixed(mixed)
                .with_flags(resources.flag_rules()?);
            let progress = if progress {
                Some(true)
            } else if no_progress {
                Some(false)
            } else {
                None
            };
            let summary = run(Reader::new(plan), &res, &opts, &RunOptions { threads, progress }, sink)?;
            eprint!("{}", summary.render());
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
        Command::Explain { text, lang, resources } => {
            let res = resources.load()?;
            explain(&text, lang, &res)?;
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
        "jsonl" | "ndjson" => Ok(OutputFormat::Jsonl),
        _ => bail!("{}: cannot tell the output format from the extension; use --format arrow|jsonl", path.display()),
    }
}

fn explain(text: &str, lang: Option<Lang>, res: &Resources) -> Result<()> {
    let rec = Record { id: "explain".into(), body: Body::Text(text.to_string()), meta: vec![], error: None };
    let a = hlas::analyze(&rec, res, &AnalyzeOptions::default().with_lang(lang));
    let mut out = std::io::stdout().lock();
    if let Some(e) = &a.error {
        writeln!(out, "error: {e}")?;
        return Ok(());
    }
    writeln!(out, "language: {} (confidence {:.2})", a.lang, a.lang_confidence)?;
    let doc = hlas::tokenize::tokenize(&a.text, &res.emoticons);
    let (_, lang_ev) = res.detect_language_with_evidence(&doc);
    let points: Vec<String> = Lang::KNOWN.iter().zip(lang_ev.scores).map(|(l, p)| format!("{l} {p:.2}")).collect();
    let whatlang = lang_ev.whatlang.map_or("not consulted".to_string(), |(l, p)| format!("{l} +{p:.2}"));
    writeln!(out, "language evidence: {} (whatlang: {whatlang})", points.join(", "))?;
    let stems = stems_for(&doc, res.lang(a.lang));
    let toks: Vec<String> = doc
        .tokens
        .iter()
        .zip(&stems)
        .filter(|(t, _)| t.kind != hlas::tokenize::TokenKind::Newline)
        .map(|(t, s)| if s.is_empty() { doc.surface(t).to_string() } else { format!("{}→{s}", doc.surface(t)) })
        .collect();
    writeln!(out, "tokens: {}", toks.join(" "))?;
    writeln!(out, "evidence:")?;
    for e in &a.evidence {
        let span = hlas::tokenize::char_span(&a.text, e.start, e.end);
        writeln!(
            out,
            "  {:<9} {:<28} {:>7.3}  [{}..{}] \"{span}\"",
            e.kind.as_str(),
            e.label,
            e.weight,
            e.start,
            e.end
        )?;
    }
    writeln!(out, "sentiment: {:.3} ({})", a.sentiment, a.sentiment_label.as_str())?;
    let emotions: Vec<String> = hlas::emotion::EMOTIONS
        .iter()
        .zip(a.emotions)
        .filter(|(_, v)| *v > 0.0)
        .map(|(e, v)| format!("{e} {v:.2}"))
        .collect();
    writeln!(out, "emotions: {}", if emotions.is_empty() { "none".to_string() } else { emotions.join(", ") })?;
    let themes: Vec<String> = a
        .theme_sentiment
        .iter()
        .map(|t| format!("{} ({} {:.2})", res.themes.themes[t.theme].id, t.label.as_str(), t.sentiment))
        .collect();
    writeln!(out, "themes: {}", if themes.is_empty() { "none".to_string() } else { themes.join(", ") })?;
    writeln!(out, "flagged: {} (priority {}; {})", a.flagged, a.priority, a.flag_reasons.join(", "))?;
    if let Some(t) = &a.transcript {
        writeln!(
            out,
            "transcript: {} turns, customer start {:.2} → end {:.2}, {} repeated requests",
            t.turns.len(),
            t.customer_sentiment_start,
            t.customer_sentiment_end,
            t.repeated_requests
        )?;
        for c in &t.agent_cues {
            writeln!(out, "  agent cue {:<9} turn {} [{}..{}] \"{}\"", c.cue, c.turn, c.start, c.end, c.text)?;
        }
    }
    Ok(())
}
