//! The batch run: [`run`] streams batches from an ingest [`Reader`] (on its own thread), analyses each batch on a
//! rayon pool and appends it to a [`Sink`] on a writer thread, in input order. Memory is bounded by the batches in
//! flight (two queued, one being analysed, one waiting for the writer, one being written), whatever the input size; batch boundaries do not depend on the thread
//! count, so the output is identical for any `--threads`.

use std::io::IsTerminal;
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analyze::{AnalyzeOptions, analyze};
use crate::ingest::Reader;
use crate::lang::Lang;
use crate::lexicon::Resources;
use crate::redact::RedactCounts;
use crate::write::{Sink, WriteError};

/// Batches read ahead of the analysis.
const QUEUED_BATCHES: usize = 2;
/// How often progress is printed when stderr is not a terminal but progress was asked for (`--progress`).
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// Options of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Worker threads; 0 means one per core. Default 0.
    pub threads: usize,
    /// Print progress to stderr: `Some(true)` always, `Some(false)` never, `None` when stderr is a terminal.
    pub progress: Option<bool>,
    /// The inputs' size in bytes, when known: the progress bar's length, for its ETA.
    pub input_bytes: Option<u64>,
}

/// Progress on stderr: on a terminal, a bar over the input bytes with records, MB/s and the time left; otherwise
/// (only when asked for) a plain line every few seconds, which logs keep readable.
enum Progress {
    Off,
    Bar(indicatif::ProgressBar),
    Lines(Instant),
}

impl Progress {
    fn new(wanted: Option<bool>, input_bytes: Option<u64>) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        match (wanted.unwrap_or(terminal), terminal) {
            (false, _) => Progress::Off,
            (true, false) => Progress::Lines(Instant::now()),
            (true, true) => {
                let (bar, template) = match input_bytes {
                    Some(total) => (
                        indicatif::ProgressBar::new(total),
                        "{elapsed_precise} [{wide_bar}] {percent}% {msg} {binary_bytes_per_sec} ETA {eta}",
                    ),
                    None => (
                        indicatif::ProgressBar::new_spinner(),
                        "{elapsed_precise} {spinner} {msg} {binary_bytes_per_sec}",
                    ),
                };
                if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
                Progress::Bar(bar)
            }
        }
    }

    fn update(&mut self, records: u64, bytes: u64, started: Instant) {
        match self {
            Progress::Off => {}
            Progress::Bar(bar) => {
                bar.set_position(bytes);
                bar.set_message(format!("{records} records"));
            }
            Progress::Lines(last) => {
                if last.elapsed() >= PROGRESS_EVERY {
                    *last = Instant::now();
                    let secs = started.elapsed().as_secs_f64().max(1e-9);
                    eprintln!(
                        "hlas: {records} records, {:.0}/s, {:.1} MB/s",
                        records as f64 / secs,
                        bytes as f64 / 1e6 / secs
                    );
                }
            }
        }
    }

    fn finish(self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// The counts of a run. They reconcile: `read == written == ok + errors`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Records read.
    pub read: u64,
    /// Rows written.
    pub written: u64,
    /// Rows analysed without error.
    pub ok: u64,
    /// Rows with `error` set.
    pub errors: u64,
    /// Rows per language, in [`Lang::ALL`] order.
    pub per_lang: [u64; 5],
    /// Rows flagged for QA.
    pub flagged: u64,
    /// Inputs that broke off part-way (messages naming file and line).
    pub damage: Vec<String>,
    /// How inputs were read where that differs from UTF-8 with LF line ends (Windows-1250 values, UTF-16, CR line
    /// ends): not errors, but worth a line on stderr.
    pub notes: Vec<String>,
    /// Input bytes of the analysed texts.
    pub text_bytes: u64,
    /// Personal data masked, per kind (`--redact`).
    pub redacted: RedactCounts,
    /// Wall time.
    pub elapsed: Duration,
}

impl Summary {
    /// True when the counts reconcile.
    #[must_use]
    pub fn reconciles(&self) -> bool {
        self.read == self.written && self.written == self.ok + self.errors
    }

    /// A few lines for stderr.
    #[must_use]
    pub fn render(&self) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let mut s = format!(
            "hlas: read {} records, wrote {} rows: {} ok, {} with error, {} flagged ({:.1}s, {:.0} records/s)\n",
            self.read,
            self.written,
            self.ok,
            self.errors,
            self.flagged,
            secs,
            self.read as f64 / secs
        );
        let langs: Vec<String> =
            Lang::ALL.iter().map(|l| format!("{} {}", l.code(), self.per_lang[l.index()])).collect();
        s.push_str(&format!("hlas: languages: {}\n", langs.join(", ")));
        if !self.redacted.is_empty() {
            s.push_str(&format!("hlas: redacted: {}\n", self.redacted));
        }
        for n in &self.notes {
            s.push_str(&format!("hlas: note: {n}\n"));
        }
        for d in &self.damage {
            s.push_str(&format!("hlas: input damaged: {d}\n"));
        }
        if !self.reconciles() {
            s.push_str("hlas: BUG: counts do not reconcile\n");
        }
        s
    }
}

/// An error that stops a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Writing the output failed.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The worker pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    Pool {
        /// Threads asked for.
        threads: usize,
        /// Why.
        message: String,
    },
}

/// Runs the pipeline to the end. The sink is finished (renamed into place) only when every batch was written.
///
/// # Errors
/// Writing failed, or the thread pool could not be built. Damaged inputs are not errors: they are in
/// [`Summary::damage`].
pub fn run(
    mut reader: Reader,
    res: &Resources,
    opts: &AnalyzeOptions,
    run_opts: &RunOptions,
    mut sink: Box<dyn Sink>,
) -> Result<Summary, RunError> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(run_opts.threads)
        .build()
        .map_err(|e| RunError::Pool { threads: run_opts.threads, message: e.to_string() })?;
    let mut progress = Progress::new(run_opts.progress, run_opts.input_bytes);
    let bytes_read = reader.bytes_read();
    let mut summary = Summary::default();
    let (tx, rx) = sync_channel(QUEUED_BATCHES);
    let (reader, sink) = std::thread::scope(|scope| -> Result<(Reader, Box<dyn Sink>), RunError> {
        let producer = scope.spawn(move || {
            loop {
                let batch = reader.next_batch();
                if batch.is_empty() || tx.send(batch).is_err() {
                    break;
                }
            }
            reader
        });
        // Encoding a batch (Parquet's compression above all) overlaps the analysis of the next one: the writer has
        // its own thread and one analysed batch waiting for it.
        let (wtx, wrx) = sync_channel::<(Vec<crate::ingest::Record>, Vec<crate::analyze::Analysis>)>(1);
        let writer = scope.spawn(move || {
            let mut written = 0u64;
            for (batch, analyses) in wrx.iter() {
                if let Err(e) = sink.write(&batch, &analyses) {
                    return (sink, written, Err(e));
                }
                written += analyses.len() as u64;
            }
            (sink, written, Ok(()))
        });
        for batch in rx.iter() {
            summary.read += batch.len() as u64;
            let analyses: Vec<_> = pool.install(|| batch.par_iter().map(|r| analyze(r, res, opts)).collect());
            for a in &analyses {
                if a.error.is_some() {
                    summary.errors += 1;
                } else {
                    summary.ok += 1;
                }
                summary.per_lang[a.lang.index()] += 1;
                summary.flagged += u64::from(a.flagged);
                summary.text_bytes += a.text.len() as u64;
                summary.redacted.merge(&a.redacted);
            }
            // A closed channel means the writer failed; its error is reported below.
            if wtx.send((batch, analyses)).is_err() {
                break;
            }
            progress.update(summary.read, bytes_read.load(std::sync::atomic::Ordering::Relaxed), started);
        }
        // Dropping the receiver stops the producer if writing failed.
        drop(rx);
        drop(wtx);
        let (sink, written, outcome) =
            writer.join().map_err(|_| RunError::Pool { threads: 1, message: "writer thread panicked".into() })?;
        summary.written = written;
        let reader =
            producer.join().map_err(|_| RunError::Pool { threads: 1, message: "reader thread panicked".into() })?;
        outcome?;
        Ok((reader, sink))
    })?;
    progress.finish();
    summary.damage = reader.damage().iter().map(ToString::to_string).collect();
    summary.notes = reader.notes().to_vec();
    sink.finish()?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::PiiKind;

    #[test]
    fn the_summary_reports_redactions_only_when_there_were_some() {
        let mut s = Summary { read: 2, written: 2, ok: 2, ..Summary::default() };
        assert!(!s.render().contains("redacted"));
        s.redacted.add(PiiKind::Email, 12);
        s.redacted.add(PiiKind::Phone, 3);
        s.redacted.add(PiiKind::Iban, 1);
        assert!(s.render().contains("hlas: redacted: 12 EMAIL, 3 PHONE, 1 IBAN\n"), "{}", s.render());
    }
}
