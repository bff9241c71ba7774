//! `hlas explain`: how one text is read, step by step — the language and the points behind it, the tokens and
//! their stems, every lexicon hit with the rules that changed it (negation, intensifiers, contrast, irony...) and
//! its contribution, the theme and flag evidence, and the final scores. [`explain`] builds an [`Explanation`]
//! (serialised as JSON for tools), [`Explanation::render`] writes it for a terminal, and [`find_text`] fetches
//! the text of a row of an output file by its id.

use std::io::BufRead;
use std::path::Path;

use serde::Serialize;

use crate::analyze::{AnalyzeOptions, analyze, stems_for};
use crate::emotion::EMOTIONS;
use crate::ingest::{Body, Record};
use crate::lang::Lang;
use crate::lexicon::Resources;
use crate::tokenize::{TokenKind, char_span, tokenize};

/// Everything `hlas explain` shows about one text.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// The row's id, when explained from an output file.
    pub id: Option<String>,
    /// The analysed text (customer turns joined, for a transcript).
    pub text: String,
    /// Why the text could not be analysed, if it could not.
    pub error: Option<String>,
    /// The detected (or forced) language.
    pub lang: String,
    /// Its confidence, 0..1.
    pub lang_confidence: f32,
    /// Language-ID points per language (cs, pl, sk, en).
    pub lang_points: Vec<Score>,
    /// whatlang's vote and its weight, when it was consulted.
    pub whatlang: Option<Score>,
    /// Words and symbols with their stems (empty stem: not a word).
    pub tokens: Vec<TokenStem>,
    /// Every lexicon hit, what the rules made of it, and its share of the score.
    pub hits: Vec<Hit>,
    /// Each sentence's raw score (the sum of its hits and emphasis).
    pub sentences: Vec<Sentence>,
    /// The document score, −1..1, and its label.
    pub sentiment: f32,
    /// negative, neutral, positive (or mixed).
    pub sentiment_label: String,
    /// Emotion intensities above zero.
    pub emotions: Vec<Score>,
    /// The dominant emotion.
    pub emotion: Option<String>,
    /// Themes with their own sentiment and the words that matched.
    pub themes: Vec<Theme>,
    /// QA: flagged or not, the priority, and each reason with the words behind it.
    pub flagged: bool,
    /// 0..100.
    pub priority: u8,
    /// The flag reasons with their evidence words.
    pub flag_reasons: Vec<Reason>,
    /// Transcript figures, for a transcript.
    pub transcript: Option<TranscriptFacts>,
    /// Personal data masked (`--redact`), per kind; empty when none was.
    pub redacted: Vec<Redaction>,
}

/// Spans of one kind of personal data masked.
#[derive(Clone, Debug, Serialize)]
pub struct Redaction {
    /// The kind: EMAIL, PHONE, IBAN...
    pub kind: String,
    /// How many spans.
    pub count: u64,
}

/// A name (a language, an emotion) and its number.
#[derive(Clone, Debug, Serialize)]
pub struct Score {
    /// The language or emotion.
    pub name: String,
    /// Its points or intensity.
    pub value: f32,
}

impl Score {
    fn new(name: &str, value: f32) -> Score {
        Score { name: name.to_string(), value }
    }
}

/// A token and its stem.
#[derive(Clone, Debug, Serialize)]
pub struct TokenStem {
    /// As written.
    pub surface: String,
    /// The stem the lexicons are matched on; empty for symbols and punctuation.
    pub stem: String,
}

/// One lexicon hit.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    /// The words as written in the text.
    pub text: String,
    /// Character span.
    pub start: u32,
    /// End of the span.
    pub end: u32,
    /// The lexicon entry.
    pub term: String,
    /// The entry's valence.
    pub base: f32,
    /// Its contribution after the rules.
    pub score: f32,
    /// The rules that changed it.
    pub rules: Vec<&'static str>,
}

/// A sentence and its raw score.
#[derive(Clone, Debug, Serialize)]
pub struct Sentence {
    /// The sentence.
    pub text: String,
    /// Sum of its hits plus emphasis.
    pub raw: f32,
}

/// A theme found.
#[derive(Clone, Debug, Serialize)]
pub struct Theme {
    /// Theme id.
    pub theme: String,
    /// The theme's own sentiment (its sentences), −1..1.
    pub sentiment: f32,
    /// Its label.
    pub label: String,
    /// The matched words.
    pub matches: Vec<String>,
}

/// A QA flag reason.
#[derive(Clone, Debug, Serialize)]
pub struct Reason {
    /// The reason.
    pub reason: String,
    /// The words behind it (none for score-based reasons such as strongly_negative).
    pub words: Vec<String>,
}

/// What a transcript adds.
#[derive(Clone, Debug, Serialize)]
pub struct TranscriptFacts {
    /// Turns.
    pub turns: usize,
    /// Customer sentiment at the start and at the end.
    pub customer_sentiment_start: f32,
    /// At the end.
    pub customer_sentiment_end: f32,
    /// Customer turns that repeat an earlier request.
    pub repeated_requests: u32,
    /// Agent cues (apology, empathy, rudeness...) with their turn and words.
    pub agent_cues: Vec<AgentCue>,
}

/// A cue of agent behaviour in a transcript.
#[derive(Clone, Debug, Serialize)]
pub struct AgentCue {
    /// The cue.
    pub cue: String,
    /// The turn it is in (0-based).
    pub turn: u32,
    /// The words.
    pub text: String,
}

/// Explains one text, as `hlas analyze` would read it.
#[must_use]
pub fn explain(text: &str, lang: Option<Lang>, res: &Resources) -> Explanation {
    explain_with(text, &AnalyzeOptions::default().with_lang(lang), res)
}

/// Explains one text, as `hlas analyze` with these options would read it (`--lang`, `--redact`).
#[must_use]
pub fn explain_with(text: &str, opts: &AnalyzeOptions, res: &Resources) -> Explanation {
    let rec = Record { id: "explain".into(), body: Body::Text(text.to_string()), meta: vec![], error: None };
    let a = analyze(&rec, res, opts);
    let doc = tokenize(&a.text, &res.emoticons);
    let (_, lang_ev) = res.detect_language_with_evidence(&doc);
    let stems = stems_for(&doc, res.lang(a.lang));
    let tokens = doc
        .tokens
        .iter()
        .zip(&stems)
        .filter(|(t, _)| t.kind != TokenKind::Newline)
        .map(|(t, s)| TokenStem { surface: doc.surface(t).to_string(), stem: s.clone() })
        .collect();
    let (hits, sentences) = if a.lang == Lang::Und {
        (Vec::new(), Vec::new())
    } else {
        let s = crate::sentiment::score(&doc, &stems, a.lang, res);
        let hits = s
            .hits
            .iter()
            .map(|h| Hit {
                text: char_span(&a.text, h.char_start, h.char_end).to_string(),
                start: h.char_start,
                end: h.char_end,
                term: h.label.to_string(),
                base: h.base,
                score: h.score,
                rules: crate::sentiment::rule::names(h.rules),
            })
            .collect();
        let sentences = s
            .sentences
            .iter()
            .filter(|x| x.char_end > x.char_start)
            .map(|x| Sentence { text: char_span(&a.text, x.char_start, x.char_end).to_string(), raw: x.raw })
            .collect();
        (hits, sentences)
    };
    let words_of = |kind: crate::analyze::EvidenceKind, label: &str| -> Vec<String> {
        let mut w: Vec<String> = a
            .evidence
            .iter()
            .filter(|e| e.kind == kind && e.label == label)
            .map(|e| char_span(&a.text, e.start, e.end).to_string())
            .collect();
        w.dedup();
        w
    };
    let themes = a
        .theme_sentiment
        .iter()
        .filter_map(|t| {
            let id = &res.themes.themes.get(t.theme)?.id;
            Some(Theme {
                theme: id.clone(),
                sentiment: t.sentiment,
                label: t.label.as_str().to_string(),
                matches: words_of(crate::analyze::EvidenceKind::Theme, id),
            })
        })
        .collect();
    let flag_reasons = a
        .flag_reasons
        .iter()
        .map(|r| Reason { reason: (*r).to_string(), words: words_of(crate::analyze::EvidenceKind::Flag, r) })
        .collect();
    Explanation {
        id: None,
        error: a.error.clone(),
        lang: a.lang.code().to_string(),
        lang_confidence: a.lang_confidence,
        lang_points: Lang::KNOWN.iter().zip(lang_ev.scores).map(|(l, p)| Score::new(l.code(), p)).collect(),
        whatlang: lang_ev.whatlang.map(|(l, p)| Score::new(l.code(), p)),
        tokens,
        hits,
        sentences,
        sentiment: a.sentiment,
        sentiment_label: a.sentiment_label.as_str().to_string(),
        emotions: EMOTIONS.iter().zip(a.emotions).filter(|(_, v)| *v > 0.0).map(|(e, v)| Score::new(e, v)).collect(),
        emotion: a.emotion.map(|i| EMOTIONS[i].to_string()),
        themes,
        flagged: a.flagged,
        priority: a.priority,
        flag_reasons,
        transcript: a.transcript.as_ref().map(|t| TranscriptFacts {
            turns: t.turns.len(),
            customer_sentiment_start: t.customer_sentiment_start,
            customer_sentiment_end: t.customer_sentiment_end,
            repeated_requests: t.repeated_requests,
            agent_cues: t
                .agent_cues
                .iter()
                .map(|c| AgentCue { cue: c.cue.to_string(), turn: c.turn, text: c.text.clone() })
                .collect(),
        }),
        redacted: a.redacted.iter().map(|(k, n)| Redaction { kind: k.name().to_string(), count: n }).collect(),
        text: a.text,
    }
}

impl Explanation {
    /// The explanation for a terminal: one section a line or a block, numbers to three decimals.
    #[must_use]
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut o = String::new();
        if let Some(id) = &self.id {
            let _ = writeln!(o, "id: {id}");
        }
        let _ = writeln!(o, "text: {}", self.text);
        if !self.redacted.is_empty() {
            let kinds: Vec<String> = self.redacted.iter().map(|r| format!("{} {}", r.count, r.kind)).collect();
            let _ = writeln!(o, "redacted: {}", kinds.join(", "));
        }
        if let Some(e) = &self.error {
            let _ = writeln!(o, "error: {e}");
            return o;
        }
        let points: Vec<String> = self.lang_points.iter().map(|s| format!("{} {:.2}", s.name, s.value)).collect();
        let whatlang =
            self.whatlang.as_ref().map_or("not consulted".to_string(), |s| format!("{} +{:.2}", s.name, s.value));
        let _ = writeln!(o, "language: {} (confidence {:.2})", self.lang, self.lang_confidence);
        let _ = writeln!(o, "  points: {} (whatlang: {whatlang})", points.join(", "));
        let toks: Vec<String> = self
            .tokens
            .iter()
            .map(|t| if t.stem.is_empty() { t.surface.clone() } else { format!("{}→{}", t.surface, t.stem) })
            .collect();
        let _ = writeln!(o, "tokens: {}", toks.join(" "));
        let _ = writeln!(o, "sentiment hits:");
        if self.hits.is_empty() {
            let _ = writeln!(o, "  none");
        }
        for h in &self.hits {
            let rules = if h.rules.is_empty() { String::new() } else { format!("  ({})", h.rules.join(", ")) };
            let _ = writeln!(
                o,
                "  {:<24} [{}..{}] {:<22} {:>+6.2} → {:>+6.2}{rules}",
                format!("\"{}\"", h.text),
                h.start,
                h.end,
                h.term,
                h.base,
                h.score
            );
        }
        if self.sentences.len() > 1 {
            let _ = writeln!(o, "sentences:");
            for s in &self.sentences {
                let _ = writeln!(o, "  {:>+6.2}  {}", s.raw, s.text);
            }
        }
        let _ = writeln!(o, "sentiment: {:.3} ({})", self.sentiment, self.sentiment_label);
        let emotions: Vec<String> = self.emotions.iter().map(|s| format!("{} {:.2}", s.name, s.value)).collect();
        let emotions = if emotions.is_empty() { "none".to_string() } else { emotions.join(", ") };
        let dominant = self.emotion.as_deref().map_or(String::new(), |e| format!(" → {e}"));
        let _ = writeln!(o, "emotions: {emotions}{dominant}");
        let _ = writeln!(o, "themes:");
        if self.themes.is_empty() {
            let _ = writeln!(o, "  none");
        }
        for t in &self.themes {
            let _ =
                writeln!(o, "  {:<24} {:<8} {:>+6.2}  \"{}\"", t.theme, t.label, t.sentiment, t.matches.join("\", \""));
        }
        let _ = writeln!(o, "flagged: {} (priority {})", self.flagged, self.priority);
        for r in &self.flag_reasons {
            let words = if r.words.is_empty() { String::new() } else { format!("  \"{}\"", r.words.join("\", \"")) };
            let _ = writeln!(o, "  {}{words}", r.reason);
        }
        if let Some(t) = &self.transcript {
            let _ = writeln!(
                o,
                "transcript: {} turns, customer start {:+.2} → end {:+.2}, {} repeated requests",
                t.turns, t.customer_sentiment_start, t.customer_sentiment_end, t.repeated_requests
            );
            for c in &t.agent_cues {
                let _ = writeln!(o, "  agent cue {:<9} turn {} \"{}\"", c.cue, c.turn, c.text);
            }
        }
        o
    }
}

/// An error finding a row in an output file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FindError {
    /// The file cannot be read.
    #[error("{path}: {message}")]
    Read {
        /// The output file.
        path: String,
        /// Why.
        message: String,
    },
    /// No row has the id.
    #[error("{path}: no row with id `{id}`")]
    NotFound {
        /// The output file.
        path: String,
        /// The id asked for.
        id: String,
    },
}

/// The text of the row with `id` in an hlas output file (JSONL by its extension, else Arrow IPC or Parquet by its
/// first bytes), with the
/// lexicon hash it was written with (`None` for JSONL, which has no metadata).
///
/// # Errors
/// The file cannot be read, is not an hlas output, or has no such row.
pub fn find_text(path: &Path, id: &str) -> Result<(String, Option<String>), FindError> {
    let name = path.display().to_string();
    let err = |message: String| FindError::Read { path: name.clone(), message };
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if ext == "jsonl" || ext == "ndjson" {
        let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| err(format!("line {}: {e}", n + 1)))?;
            let row: serde_json::Value =
                serde_json::from_str(&line).map_err(|e| err(format!("line {}: {e}", n + 1)))?;
            if row.get("id").and_then(|v| v.as_str()) == Some(id) {
                let text = row.get("text").and_then(|v| v.as_str()).ok_or_else(|| err("no `text` field".into()))?;
                return Ok((text.to_string(), None));
            }
        }
        return Err(FindError::NotFound { path: name, id: id.to_string() });
    }
    let (schema, batches) = crate::report::read::open_batches(path).map_err(|e| err(e.to_string()))?;
    let hash = schema.metadata().get("hlas.lexicon_hash").cloned();
    let (Ok(id_col), Ok(text_col)) = (schema.index_of("id"), schema.index_of("text")) else {
        return Err(err("not an hlas output: no `id` and `text` columns".into()));
    };
    for batch in batches {
        let batch = batch.map_err(|e| err(e.to_string()))?;
        let ids = batch.column(id_col).as_any().downcast_ref::<arrow::array::StringArray>();
        let texts = batch.column(text_col).as_any().downcast_ref::<arrow::array::StringArray>();
        let (Some(ids), Some(texts)) = (ids, texts) else {
            return Err(err("not an hlas output: `id` and `text` are not text columns".into()));
        };
        if let Some(k) = (0..batch.num_rows()).find(|&k| ids.value(k) == id) {
            return Ok((texts.value(k).to_string(), hash));
        }
    }
    Err(FindError::NotFound { path: name, id: id.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_named_on_the_hits_they_changed() {
        let res = crate::test_resources();
        let e = explain("The staff were not helpful, but the delivery was very fast.", Some(Lang::En), res);
        let helpful = e.hits.iter().find(|h| h.text == "helpful").expect("helpful is a hit");
        assert!(helpful.rules.contains(&"negated"), "{:?}", helpful.rules);
        assert!(helpful.score < 0.0);
        let fast = e.hits.iter().find(|h| h.text.contains("fast")).expect("fast is a hit");
        assert!(fast.rules.contains(&"after a contrast"), "{:?}", fast.rules);
        let rendered = e.render();
        assert!(rendered.contains("negated") && rendered.contains("sentiment:"), "{rendered}");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["lang"], "en");
        assert!(json["hits"].as_array().is_some_and(|h| !h.is_empty()));
    }

    #[test]
    fn themes_and_flags_carry_their_words() {
        let res = crate::test_resources();
        let e = explain("Čekal jsem 40 minut na lince a podám na vás žalobu.", None, res);
        assert_eq!(e.lang, "cs");
        let wait = e.themes.iter().find(|t| t.theme == "wait_time").expect("wait_time");
        assert!(wait.matches.iter().any(|m| m.contains("40 minut")), "{:?}", wait.matches);
        let legal = e.flag_reasons.iter().find(|r| r.reason == "legal_threat").expect("legal_threat");
        assert!(legal.words.iter().any(|w| w.contains("žalob")), "{:?}", legal.words);
    }
}
