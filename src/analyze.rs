//! Analysis of one record: [`analyze`] runs normalise → tokenize → language → stem → sentiment + emotion →
//! themes → transcript measures → flags, and gathers the [`Evidence`] of every hit. It is a pure function of
//! (record, resources, options): same inputs, same output, on any thread.

use std::collections::BTreeSet;

use crate::emotion::{self, EMOTIONS, Emotions};
use crate::flags::{self, FlagInput, FlagRules};
use crate::ingest::{Body, Record};
use crate::lang::Lang;
use crate::lexicon::{LangLexicon, Resources};
use crate::normalize::normalize;
use crate::redact::{RedactCounts, RedactKinds, redact};
use crate::sentiment::{self, SentimentLabel};
use crate::tokenize::{Doc, TokenKind, tokenize};
use crate::transcript::{Turn, join_customer, repeating_turns};

/// Default limit on the analysed text, in bytes: longer records get a row with `error` set.
pub const DEFAULT_MAX_TEXT_BYTES: usize = 1 << 20;

/// Options of the analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalyzeOptions {
    /// Force this language instead of detecting it. Default: detect.
    pub lang: Option<Lang>,
    /// Flag rules. Default: [`FlagRules::default`] (`lexicons/flags.tsv`).
    pub flags: FlagRules,
    /// Longest text analysed, in bytes. Default: [`DEFAULT_MAX_TEXT_BYTES`] (1 MiB).
    pub max_text_bytes: usize,
    /// Label a text with a strongly positive and a strongly negative sentence `mixed` instead of by its overall
    /// score. Default: off (the label is negative, neutral or positive, as DESIGN.md's contract says).
    pub mixed: bool,
    /// Mask personal data ([`crate::redact`]) right after normalisation, so the analysed text, the evidence spans,
    /// the transcript turns and agent cues all refer to the masked text. Default: off.
    pub redact: bool,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            lang: None,
            flags: FlagRules::default(),
            max_text_bytes: DEFAULT_MAX_TEXT_BYTES,
            mixed: false,
            redact: false,
        }
    }
}

impl AnalyzeOptions {
    /// Forces the language (default: detect).
    #[must_use]
    pub fn with_lang(mut self, lang: Option<Lang>) -> Self {
        self.lang = lang;
        self
    }

    /// Sets the flag rules (default: [`FlagRules::default`]).
    #[must_use]
    pub fn with_flags(mut self, flags: FlagRules) -> Self {
        self.flags = flags;
        self
    }

    /// Labels texts with strong positive and negative sentences `mixed` (default: off).
    #[must_use]
    pub fn with_mixed(mut self, mixed: bool) -> Self {
        self.mixed = mixed;
        self
    }

    /// Masks personal data before the analysis (default: off): see [`crate::redact`].
    #[must_use]
    pub fn with_redact(mut self, redact: bool) -> Self {
        self.redact = redact;
        self
    }

    /// Sets the longest text analysed, in bytes (default 1 MiB).
    #[must_use]
    pub fn with_max_text_bytes(mut self, bytes: usize) -> Self {
        self.max_text_bytes = bytes;
        self
    }
}

/// What kind of hit a piece of evidence is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvidenceKind {
    /// A lexicon word, phrase or emoji that moved the sentiment.
    Sentiment,
    /// A lexicon hit that moved an emotion.
    Emotion,
    /// A theme term, phrase or pattern.
    Theme,
    /// The span behind a QA flag reason.
    Flag,
    /// A sentence of a text with several scored sentences: its label and normalised score, so a text with strong
    /// positive and negative parts shows them.
    Sentence,
}

impl EvidenceKind {
    /// `sentiment`, `emotion`, `theme`, `flag` or `sentence`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Sentiment => "sentiment",
            EvidenceKind::Emotion => "emotion",
            EvidenceKind::Theme => "theme",
            EvidenceKind::Flag => "flag",
            EvidenceKind::Sentence => "sentence",
        }
    }
}

/// A hit that moved a score, with its character span in the analysed text.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// What kind of hit.
    pub kind: EvidenceKind,
    /// The lexicon term (prefixed `NOT ` when negated, `IRONIC ` when read as irony), emotion name, theme id, flag
    /// reason, or a sentence's label.
    pub label: String,
    /// Character (Unicode scalar) offset of the first character.
    pub start: u32,
    /// Character offset one past the last character.
    pub end: u32,
    /// Contribution: sentiment points, emotion strength, 1 for themes, the reason's share for flags.
    pub weight: f32,
}

/// Transcript measures.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscriptInfo {
    /// Every turn, as read.
    pub turns: Vec<Turn>,
    /// Compound of the first customer turn.
    pub customer_sentiment_start: f32,
    /// Compound of the last customer turn.
    pub customer_sentiment_end: f32,
    /// Customer turns that repeat an earlier request.
    pub repeated_requests: u32,
    /// Each repeating customer turn with the earlier turn it repeats, as indices into `turns`.
    pub repeats: Vec<(u32, u32)>,
    /// What the agents' turns show: apologies, empathy, rudeness.
    pub agent_cues: Vec<AgentCue>,
}

/// A behaviour cue found in an agent's turn (`lexicons/agent_cues.tsv`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentCue {
    /// The cue's id: apology, empathy or rudeness.
    pub cue: String,
    /// Index of the turn in [`TranscriptInfo::turns`].
    pub turn: u32,
    /// Character span in that turn's text.
    pub start: u32,
    /// End of the span.
    pub end: u32,
    /// The words matched.
    pub text: String,
}

/// The sentiment of one theme in a text: of the clauses that mention it, so that "the staff were lovely but I
/// waited an hour" is agent_attitude positive and wait_time negative.
#[derive(Clone, Debug, PartialEq)]
pub struct ThemeSentiment {
    /// Index into the taxonomy.
    pub theme: usize,
    /// Compound, −1..1, of the sentiment hits in the clauses that mention the theme; when those clauses carry no
    /// sentiment, of the clauses of the same sentences that mention no theme at all ("Čekal jsem hodinu, hrůza.").
    pub sentiment: f32,
    /// Its label.
    pub label: SentimentLabel,
    /// How many times the theme was matched.
    pub mentions: u32,
}

/// The analysis of one record: one output row.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The analysed text (customer turns joined for transcripts); evidence offsets point into it.
    pub text: String,
    /// Detected or forced language.
    pub lang: Lang,
    /// 0..1.
    pub lang_confidence: f32,
    /// Compound, −1..1.
    pub sentiment: f32,
    /// Its label.
    pub sentiment_label: SentimentLabel,
    /// Emotion intensities in [`EMOTIONS`] order.
    pub emotions: Emotions,
    /// Index of the dominant emotion.
    pub emotion: Option<usize>,
    /// Theme indices into the taxonomy, in taxonomy order, each once.
    pub themes: Vec<usize>,
    /// The sentiment of each theme in `themes`, in the same order.
    pub theme_sentiment: Vec<ThemeSentiment>,
    /// Every hit that moved a score, sorted by position.
    pub evidence: Vec<Evidence>,
    /// For QA review.
    pub flagged: bool,
    /// 0–100.
    pub priority: u8,
    /// Reason codes, most serious first.
    pub flag_reasons: Vec<&'static str>,
    /// Words, numbers, emoji and emoticons.
    pub n_tokens: u32,
    /// Why the record could not be analysed; `None` when it was.
    pub error: Option<String>,
    /// Transcript measures; `None` for single texts.
    pub transcript: Option<TranscriptInfo>,
    /// Personal data masked in this record's text (all zero without [`AnalyzeOptions::redact`]).
    pub redacted: RedactCounts,
}

impl Analysis {
    /// A row for a record that could not be analysed: neutral scores, `und`, and the reason.
    #[must_use]
    pub fn failed(text: String, error: String) -> Self {
        Analysis {
            text,
            lang: Lang::Und,
            lang_confidence: 0.0,
            sentiment: 0.0,
            sentiment_label: SentimentLabel::Neutral,
            emotions: [0.0; 8],
            emotion: None,
            themes: Vec::new(),
            theme_sentiment: Vec::new(),
            evidence: Vec::new(),
            flagged: false,
            priority: 0,
            flag_reasons: Vec::new(),
            n_tokens: 0,
            error: Some(error),
            transcript: None,
            redacted: RedactCounts::default(),
        }
    }
}

/// The stem of every token (empty for tokens that are not words).
#[must_use]
pub fn stems_for(doc: &Doc, lex: &LangLexicon) -> Vec<String> {
    doc.tokens
        .iter()
        .map(
            |t| {
                if t.kind == TokenKind::Word {
                    lex.stemmer.stem(&doc.lookup_form(t)).into_owned()
                } else {
                    String::new()
                }
            },
        )
        .collect()
}

/// Masks the personal data in `text` in place, counting it.
fn mask(text: &mut String, counts: &mut RedactCounts) {
    if let Some(r) = redact(text, RedactKinds::ALL) {
        *text = r.text;
        counts.merge(&r.counts);
    }
}

/// Analyses one record. Never panics on input: a record that cannot be analysed gets [`Analysis::failed`].
#[must_use]
pub fn analyze(rec: &Record, res: &Resources, opts: &AnalyzeOptions) -> Analysis {
    let mut redacted = RedactCounts::default();
    let mut a = analyze_record(rec, res, opts, &mut redacted);
    a.redacted = redacted;
    a
}

/// [`analyze`], counting what was masked in `redacted`.
fn analyze_record(rec: &Record, res: &Resources, opts: &AnalyzeOptions, redacted: &mut RedactCounts) -> Analysis {
    let (text, turns) = match &rec.body {
        Body::Text(t) => {
            let mut t = normalize(t).into_owned();
            // Before the speaker lines are read: every turn and the analysed text come from the masked text.
            if opts.redact {
                mask(&mut t, redacted);
            }
            match res.speakers.parse_lines(&t) {
                Some(turns) => (join_customer(&turns), Some(turns)),
                None => (crate::transcript::Joined { spans: vec![], text: t, turn_index: vec![] }, None),
            }
        }
        Body::Turns(values) => match res.speakers.from_json(values) {
            Ok(mut turns) => {
                for t in &mut turns {
                    t.text = normalize(&t.text).into_owned();
                    // Speakers too: chat exports often name the customer by e-mail. Roles were read before.
                    if opts.redact {
                        mask(&mut t.text, redacted);
                        mask(&mut t.speaker, redacted);
                    }
                }
                (join_customer(&turns), Some(turns))
            }
            Err(e) => return Analysis::failed(String::new(), e),
        },
    };
    if let Some(err) = &rec.error {
        return Analysis::failed(text.text, err.clone());
    }
    if text.text.len() > opts.max_text_bytes {
        let msg = format!("text too long: {} bytes (limit {})", text.text.len(), opts.max_text_bytes);
        return Analysis::failed(text.text, msg);
    }
    if text.text.trim().is_empty() {
        return Analysis::failed(text.text, "empty text".to_string());
    }
    analyze_text(&text.text, &text.spans, &text.turn_index, turns, res, opts)
}

fn analyze_text(
    text: &str,
    turn_spans: &[(u32, u32)],
    turn_index: &[usize],
    turns: Option<Vec<Turn>>,
    res: &Resources,
    opts: &AnalyzeOptions,
) -> Analysis {
    let doc = tokenize(text, &res.emoticons);
    let guess = match opts.lang {
        Some(lang) => crate::langid::LangGuess { lang, confidence: 1.0 },
        None => res.detect_language(&doc),
    };
    let lex = res.lang(guess.lang);
    let stems = stems_for(&doc, lex);
    let sent = sentiment::score(&doc, &stems, guess.lang, res);
    let punct = |p: &str| doc.tokens.iter().any(|t| t.kind == TokenKind::Punct && doc.surface(t) == p);
    let tone = emotion::Tone {
        compound: sent.compound,
        asks: punct("?"),
        startled: doc.text.contains("?!") || doc.text.contains("!?"),
    };
    let emo = emotion::score(&sent.hits, tone);
    let clauses = sentiment::clauses(&doc, lex);
    let mut theme_hits = res.themes.find(&doc, &stems, guess.lang);
    // An aspect ("jídlo", "obsluha") is a theme only where its sentence says something about it.
    let opinionated: BTreeSet<usize> =
        sent.hits.iter().map(|h| clauses.sentence[clauses.of_token[h.tok_start]]).collect();
    theme_hits.retain(|h| {
        let tok = doc.token_at(h.char_start);
        !h.aspect || (tok < doc.tokens.len() && opinionated.contains(&clauses.sentence[clauses.of_token[tok]]))
    });

    let mut evidence = Vec::with_capacity(sent.hits.len() * 2 + theme_hits.len());
    // Sentence scores, when more than one sentence carries sentiment: where a text turns.
    let scored: Vec<_> = sent.sentences.iter().filter(|s| s.raw != 0.0).collect();
    if scored.len() > 1 {
        for s in scored {
            let score = sentiment::normalize_score(s.raw);
            let label = SentimentLabel::from_compound(score).as_str().to_string();
            evidence.push(Evidence {
                kind: EvidenceKind::Sentence,
                label,
                start: s.char_start,
                end: s.char_end,
                weight: score,
            });
        }
    }
    let mut most_negative: Option<(f32, (u32, u32))> = None;
    let mut angriest: Option<(f32, (u32, u32))> = None;
    for hit in &sent.hits {
        let span = (hit.char_start, hit.char_end);
        let label = if hit.ironic {
            format!("IRONIC {}", hit.label)
        } else if hit.negated {
            format!("NOT {}", hit.label)
        } else {
            hit.label.to_string()
        };
        evidence.push(Evidence { kind: EvidenceKind::Sentiment, label, start: span.0, end: span.1, weight: hit.score });
        if hit.score < 0.0 && most_negative.is_none_or(|(s, _)| hit.score < s) {
            most_negative = Some((hit.score, span));
        }
        let contributions = emotion::hit_contributions(hit);
        let anger = contributions[0].max(contributions[2]);
        if anger > 0.0 && angriest.is_none_or(|(a, _)| anger > a) {
            angriest = Some((anger, span));
        }
        for (i, &c) in contributions.iter().enumerate() {
            if c >= 0.05 {
                let label = EMOTIONS[i].to_string();
                evidence.push(Evidence { kind: EvidenceKind::Emotion, label, start: span.0, end: span.1, weight: c });
            }
        }
    }
    let mut themes: Vec<usize> = Vec::new();
    let first_span = |id: &str| {
        let t = res.themes.index_of(id)?;
        theme_hits.iter().find(|h| h.theme == t).map(|h| (h.char_start, h.char_end))
    };
    for hit in &theme_hits {
        if !themes.contains(&hit.theme) {
            themes.push(hit.theme);
        }
        let label = res.themes.themes[hit.theme].id.clone();
        evidence.push(Evidence {
            kind: EvidenceKind::Theme,
            label,
            start: hit.char_start,
            end: hit.char_end,
            weight: 1.0,
        });
    }
    themes.sort_unstable();
    let theme_sentiment = theme_sentiments(&doc, &clauses, &sent.hits, &theme_hits, &themes);

    let transcript = turns.map(|turns| {
        let customer = CustomerTurns { spans: turn_spans, index: turn_index };
        transcript_measures(turns, &customer, &doc, &stems, guess.lang, res, &sent.hits)
    });
    let repeated_turn = transcript
        .as_ref()
        .and_then(|(info, first_repeat)| (info.repeated_requests > 0).then_some(*first_repeat).flatten());
    let trajectory = transcript.as_ref().and_then(|(info, _)| {
        let last = *turn_spans.last()?;
        (turn_spans.len() >= 2).then_some((info.customer_sentiment_start, info.customer_sentiment_end, last))
    });
    let flag_input = FlagInput {
        compound: sent.compound,
        most_negative: most_negative.map(|(_, s)| s),
        anger: emo.intensity[0],
        disgust: emo.intensity[2],
        anger_span: angriest.map(|(_, s)| s),
        legal_threat: first_span("legal_threat"),
        regulator: first_span("regulator_mention"),
        vulnerability: first_span("vulnerability"),
        churn_intent: first_span("churn_intent"),
        public_exposure: first_span("public_exposure"),
        repeat_contact: first_span("repeat_contact"),
        agent_attitude: res.themes.index_of("agent_attitude").and_then(|t| {
            let sentiment = theme_sentiment.iter().find(|s| s.theme == t)?.sentiment;
            Some((sentiment, first_span("agent_attitude")?))
        }),
        rude_agent_turn: transcript
            .as_ref()
            .is_some_and(|(info, _)| info.agent_cues.iter().any(|c| c.cue == "rudeness")),
        repeated_turn,
        trajectory,
    };
    let decision = flags::evaluate(&flag_input, &opts.flags);
    for (reason, span) in &decision.reasons {
        if let Some((start, end)) = span {
            let weight = f32::from(decision.priority) / 100.0;
            evidence.push(Evidence {
                kind: EvidenceKind::Flag,
                label: reason.code().to_string(),
                start: *start,
                end: *end,
                weight,
            });
        }
    }
    evidence
        .sort_by(|a, b| (a.start, a.end, a.kind).cmp(&(b.start, b.end, b.kind)).then_with(|| a.label.cmp(&b.label)));

    let n_tokens = doc.tokens.iter().filter(|t| !matches!(t.kind, TokenKind::Punct | TokenKind::Newline)).count();
    Analysis {
        text: text.to_string(),
        lang: guess.lang,
        lang_confidence: guess.confidence,
        sentiment: sent.compound,
        sentiment_label: if opts.mixed && sent.is_mixed() { SentimentLabel::Mixed } else { sent.label },
        emotions: emo.intensity,
        emotion: emo.dominant,
        themes,
        theme_sentiment,
        evidence,
        flagged: decision.flagged,
        priority: decision.priority,
        flag_reasons: decision.reasons.iter().map(|(r, _)| r.code()).collect(),
        n_tokens: n_tokens as u32,
        error: None,
        transcript: transcript.map(|(info, _)| info),
        redacted: RedactCounts::default(),
    }
}

/// The sentiment of every theme found: see [`ThemeSentiment`].
fn theme_sentiments(
    doc: &Doc,
    clauses: &sentiment::Clauses,
    hits: &[sentiment::SentimentHit],
    theme_hits: &[crate::themes::ThemeHit],
    themes: &[usize],
) -> Vec<ThemeSentiment> {
    // The clauses each theme hit covers.
    let clauses_of = |h: &crate::themes::ThemeHit| {
        let first = doc.token_at(h.char_start);
        let last = doc.tokens.partition_point(|t| t.char_start < h.char_end);
        (first..last.max(first + 1).min(doc.tokens.len())).map(|i| clauses.of_token[i])
    };
    let themed: BTreeSet<usize> = theme_hits.iter().flat_map(clauses_of).collect();
    themes
        .iter()
        .map(|&theme| {
            let mine: BTreeSet<usize> = theme_hits.iter().filter(|h| h.theme == theme).flat_map(clauses_of).collect();
            let clause_of_hit = |h: &&sentiment::SentimentHit| clauses.of_token[h.tok_start];
            let mut scores: Vec<f32> =
                hits.iter().filter(|h| mine.contains(&clause_of_hit(h))).map(|h| h.score).collect();
            if scores.is_empty() {
                let sentences: BTreeSet<usize> = mine.iter().map(|&c| clauses.sentence[c]).collect();
                scores = hits
                    .iter()
                    .filter(|h| {
                        let c = clause_of_hit(h);
                        !themed.contains(&c) && sentences.contains(&clauses.sentence[c])
                    })
                    .map(|h| h.score)
                    .collect();
            }
            let raw: f32 = scores.iter().sum();
            let compound = sentiment::normalize_score(raw / sentiment::length_damping(scores.len()));
            ThemeSentiment {
                theme,
                sentiment: compound,
                label: SentimentLabel::from_compound(compound),
                mentions: theme_hits.iter().filter(|h| h.theme == theme).count() as u32,
            }
        })
        .collect()
}

/// Where the customer's turns are: their character spans in the analysed text and their indices among all turns.
struct CustomerTurns<'a> {
    spans: &'a [(u32, u32)],
    index: &'a [usize],
}

/// Trajectory, repeated requests and agent cues of a transcript; also the span of the first repeating turn.
fn transcript_measures(
    turns: Vec<Turn>,
    customer: &CustomerTurns,
    doc: &Doc,
    stems: &[String],
    lang: Lang,
    res: &Resources,
    hits: &[sentiment::SentimentHit],
) -> (TranscriptInfo, Option<(u32, u32)>) {
    let lex = res.lang(lang);
    let spans = customer.spans;
    let turn_score = |&(s, e): &(u32, u32)| {
        let raw: f32 = hits.iter().filter(|h| h.char_start >= s && h.char_end <= e).map(|h| h.score).sum();
        sentiment::normalize_score(raw)
    };
    let start = spans.first().map_or(0.0, turn_score);
    let end = spans.last().map_or(0.0, turn_score);
    let turn_stems: Vec<BTreeSet<String>> = spans
        .iter()
        .map(|&(s, e)| {
            doc.tokens
                .iter()
                .enumerate()
                .filter(|(_, t)| t.kind == TokenKind::Word && t.char_start >= s && t.char_end <= e)
                .filter(|(_, t)| !lex.is_function_word(doc.folded(t)))
                .map(|(i, _)| stems[i].clone())
                .filter(|s| s.chars().count() >= 3)
                .collect()
        })
        .collect();
    let repeating = repeating_turns(&turn_stems);
    let first_repeat = repeating.first().map(|&(k, _)| spans[k]);
    let overall = |k: usize| customer.index.get(k).copied().unwrap_or(k) as u32;
    let repeats = repeating.iter().map(|&(k, earlier)| (overall(k), overall(earlier))).collect();
    let agent_cues = agent_cues(&turns, lang, res);
    let info = TranscriptInfo {
        turns,
        customer_sentiment_start: start,
        customer_sentiment_end: end,
        repeated_requests: repeating.len() as u32,
        repeats,
        agent_cues,
    };
    (info, first_repeat)
}

/// The behaviour cues of every agent turn, read in the transcript's language.
fn agent_cues(turns: &[Turn], lang: Lang, res: &Resources) -> Vec<AgentCue> {
    let lex = res.lang(lang);
    let mut cues = Vec::new();
    for (k, turn) in turns.iter().enumerate().filter(|(_, t)| t.role == crate::transcript::Role::Agent) {
        let doc = tokenize(&turn.text, &res.emoticons);
        let stems = stems_for(&doc, lex);
        for hit in res.agent_cues.find(&doc, &stems, lang) {
            let text = crate::tokenize::char_span(&turn.text, hit.char_start, hit.char_end);
            cues.push(AgentCue {
                cue: res.agent_cues.themes[hit.theme].id.clone(),
                turn: k as u32,
                start: hit.char_start,
                end: hit.char_end,
                text,
            });
        }
    }
    cues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(text: &str) -> Record {
        Record { id: "t".into(), body: Body::Text(text.into()), meta: vec![], error: None }
    }

    fn slice(text: &str, e: &Evidence) -> String {
        text.chars().skip(e.start as usize).take((e.end - e.start) as usize).collect()
    }

    #[test]
    fn evidence_slices_the_text() {
        let res = crate::test_resources();
        let a = analyze(&rec("Čekal jsem 40 minut, hrozná obsluha! 😡"), res, &AnalyzeOptions::default());
        assert_eq!(a.lang, Lang::Cs);
        assert!(a.sentiment < 0.0);
        assert!(!a.evidence.is_empty());
        for e in &a.evidence {
            assert!(e.end > e.start && e.end as usize <= a.text.chars().count());
            assert!(!slice(&a.text, e).trim().is_empty());
        }
        assert!(a.evidence.iter().any(|e| e.kind == EvidenceKind::Theme && e.label == "wait_time"));
    }

    #[test]
    fn empty_and_too_long_texts_get_errors() {
        let res = crate::test_resources();
        let opts = AnalyzeOptions::default().with_max_text_bytes(10);
        assert_eq!(analyze(&rec("   "), res, &opts).error.as_deref(), Some("empty text"));
        assert!(analyze(&rec("a much longer text"), res, &opts).error.unwrap().starts_with("text too long"));
    }

    #[test]
    fn redact_masks_before_the_analysis() {
        let res = crate::test_resources();
        let text = "Čekal jsem 40 minut, hrozná obsluha! Volejte 603 123 456 nebo pište na jan@example.cz 😡";
        let plain = analyze(&rec(text), res, &AnalyzeOptions::default());
        assert_eq!((plain.text.as_str(), plain.redacted.total()), (text, 0));
        let masked = analyze(&rec(text), res, &AnalyzeOptions::default().with_redact(true));
        assert_eq!(masked.text, "Čekal jsem 40 minut, hrozná obsluha! Volejte [PHONE] nebo pište na [EMAIL] 😡");
        assert_eq!(masked.redacted.to_string(), "1 EMAIL, 1 PHONE");
        // Placeholders are no words: the text reads as it would without the data.
        let without =
            analyze(&rec(&text.replace("603 123 456", "").replace("jan@example.cz", "")), res, &Default::default());
        assert_eq!(
            (masked.sentiment, &masked.themes, masked.n_tokens),
            (without.sentiment, &without.themes, without.n_tokens)
        );
        assert_eq!(masked.lang, Lang::Cs);
        for e in &masked.evidence {
            assert!(e.end as usize <= masked.text.chars().count());
            // Only a whole sentence may hold a placeholder.
            assert!(e.kind == EvidenceKind::Sentence || !slice(&masked.text, e).contains('['), "{e:?}");
        }
        // A row that is not analysed still carries only the masked text.
        let opts = AnalyzeOptions::default().with_redact(true).with_max_text_bytes(10);
        let failed = analyze(&rec("jan@example.cz napsal dlouhý text"), res, &opts);
        assert!(failed.error.as_deref().is_some_and(|e| e.starts_with("text too long")));
        assert_eq!((failed.text.as_str(), failed.redacted.total()), ("[EMAIL] napsal dlouhý text", 1));
    }

    #[test]
    fn redact_masks_json_turns_and_speakers() {
        let res = crate::test_resources();
        let turns: Vec<serde_json::Value> = serde_json::from_str(
            r#"[{"speaker":"customer","text":"Pište na eva@example.cz, čekám už týden."},
                {"speaker":"agent","text":"Omlouváme se, napíšeme na eva@example.cz."},
                {"speaker":"eva@example.cz","text":"Díky."}]"#,
        )
        .unwrap();
        let r = Record { id: "t".into(), body: Body::Turns(turns), meta: vec![], error: None };
        let a = analyze(&r, res, &AnalyzeOptions::default().with_redact(true));
        let t = a.transcript.expect("a transcript");
        assert_eq!(a.text, "Pište na [EMAIL], čekám už týden.");
        assert_eq!(t.turns[1].text, "Omlouváme se, napíšeme na [EMAIL].");
        assert_eq!(t.turns[2].speaker, "[EMAIL]");
        assert_eq!(a.redacted.get(crate::redact::PiiKind::Email), 3);
        for c in &t.agent_cues {
            assert_eq!(crate::tokenize::char_span(&t.turns[c.turn as usize].text, c.start, c.end), c.text);
        }
    }

    #[test]
    fn forced_language_is_used() {
        let res = crate::test_resources();
        let a = analyze(&rec("ok"), res, &AnalyzeOptions::default().with_lang(Some(Lang::Sk)));
        assert_eq!((a.lang, a.lang_confidence), (Lang::Sk, 1.0));
    }

    #[test]
    fn transcript_lines_are_split_into_turns() {
        let res = crate::test_resources();
        let text = "Zákazník: Chci změnit tarif.\nOperátor: Moment prosím.\nZákazník: Chci změnit tarif, už potřetí!\nOperátor: Přepojím vás.\nZákazník: Tohle je hrozné, pořád čekám a nikdo mi nepomohl.";
        let a = analyze(&rec(text), res, &AnalyzeOptions::default());
        let t = a.transcript.expect("a transcript");
        assert_eq!(t.turns.len(), 5);
        assert!(!a.text.contains("Operátor"), "only customer turns are analysed: {}", a.text);
        assert!(t.repeated_requests >= 1);
        assert!(t.customer_sentiment_end < 0.0);
        assert!(a.flagged);
    }
}
