//! hlas ("voice" in Czech and Slovak): fast, offline analysis of customer feedback, reviews and chat transcripts
//! in Czech, Polish, Slovak and English. One analysed row per interaction — language, sentiment, emotions,
//! customer-experience themes with evidence, a QA flag with its reasons — written as Apache Arrow.
//!
//! The main types: [`Resources`] (lexicons and taxonomy, built once, shared by `&`), [`Record`] (one input
//! interaction), [`analyze`] (a pure function from a record to an [`Analysis`]), and [`run::run`] (the streaming
//! batch pipeline from an ingest [`ingest::Reader`] to a [`write::Sink`]).
//!
//! ```
//! use hlas::{AnalyzeOptions, Body, Record, Resources, analyze};
//!
//! let res = Resources::embedded()?;
//! let rec = Record { id: "1".into(), body: Body::Text("Čekal jsem 40 minut, hrozné!".into()), meta: vec![], error: None };
//! let a = analyze(&rec, &res, &AnalyzeOptions::default());
//! assert_eq!(a.lang.code(), "cs");
//! assert!(a.sentiment < 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod analyze;
pub mod emotion;
pub mod eval;
pub mod explain;
pub mod flags;
pub mod ingest;
pub mod lang;
pub mod langid;
pub mod lexicon;
pub mod normalize;
/// `--redact`: personal data (e-mails, phones, IBANs, cards, birth numbers, PESEL/NIP/REGON/IČO/DIČ, addresses)
/// masked with typed placeholders before analysis, so no output column derived from the text holds it.
pub mod redact;
/// `hlas report`: one self-contained HTML page (charts and the QA queue) from hlas output, aggregated while
/// streaming so its memory and size do not grow with the rows.
pub mod report;
pub mod run;
pub mod sentiment;
pub mod stem;
pub mod themes;
pub mod tokenize;
pub mod transcript;
pub mod write;

pub use analyze::{Analysis, AnalyzeOptions, Evidence, EvidenceKind, analyze};
pub use ingest::{Body, IngestOptions, InputFormat, Record};
pub use lang::Lang;
pub use lexicon::{LexiconSource, Resources};

/// The embedded resources, loaded once for the unit tests.
#[cfg(test)]
pub(crate) fn test_resources() -> &'static Resources {
    static RES: std::sync::OnceLock<Resources> = std::sync::OnceLock::new();
    RES.get_or_init(|| Resources::embedded().expect("embedded lexicons load"))
}
