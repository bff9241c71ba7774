//! Sentiment: [`score`] finds lexicon hits (words, phrases, emoji) in a tokenised text and applies the rules around
//! them — negation (separate particles and fused prefixes), intensifiers and diminishers, contrast, emphasis
//! (capitals, letter repetition, exclamation marks) — giving per-sentence scores and a document compound in −1..1.

use crate::emotion::Emotions;
use crate::lang::Lang;
use crate::lexicon::{ContrastKind, LangLexicon, Resources};
use crate::normalize::fold;
use crate::tokenize::{Doc, TokenKind};

/// How far back (in words, within the clause) a negator reaches.
const NEGATION_WINDOW: usize = 3;
/// A negated positive word keeps this share of its valence, with the sign flipped ("not good").
const NEGATED_POSITIVE: f32 = -0.75;
/// Positive hits in a sentence that ends with a question mark keep this share.
const QUESTION: f32 = 0.5;
/// An ironic positive word ("no super" in a complaint) keeps this share of its valence, flipped.
const IRONY: f32 = -0.75;
/// A negated negative word keeps this share, flipped: "not bad" is mildly positive.
const NEGATED_NEGATIVE: f32 = -0.5;
/// Weight of what comes before a contrast word, and after it.
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
/// Emphasis: a word in capitals in a text that is not all capitals, and a word with repeated letters.
const CAPS_BOOST: f32 = 1.25;
const ELONGATION_BOOST: f32 = 1.15;
/// Each exclamation mark (up to three) adds this much to its sentence, in the sentence's direction.
const EXCLAMATION_BOOST: f32 = 0.25;
const MAX_EXCLAMATIONS: usize = 3;
/// Normalisation of the raw sum into −1..1: `x / sqrt(x² + ALPHA)`.
const ALPHA: f32 = 15.0;
/// Compound scores within ±this are neutral.
pub const NEUTRAL_BAND: f32 = 0.15;

/// The three sentiment labels, in the order of the output dictionary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SentimentLabel {
    /// Compound ≤ −[`NEUTRAL_BAND`].
    Negative,
    /// In between.
    Neutral,
    /// Compound ≥ [`NEUTRAL_BAND`].
    Positive,
    /// Only with `--mixed`: a strongly positive and a strongly negative sentence in one text.
    Mixed,
}

impl SentimentLabel {
    /// The labels in dictionary order.
    pub const ALL: [SentimentLabel; 4] =
        [SentimentLabel::Negative, SentimentLabel::Neutral, SentimentLabel::Positive, SentimentLabel::Mixed];

    /// The label for a compound score.
    #[must_use]
    pub fn from_compound(compound: f32) -> Self {
        if compound >= NEUTRAL_BAND {
            SentimentLabel::Positive
        } else if compound <= -NEUTRAL_BAND {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        }
    }

    /// `negative`, `neutral`, `positive` or `mixed`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SentimentLabel::Negative => "negative",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Positive => "positive",
            SentimentLabel::Mixed => "mixed",
        }
    }
}

/// One lexicon hit and what the rules made of it.
#[derive(Clone, Debug, PartialEq)]
pub struct SentimentHit<'r> {
    /// First token of the hit.
    pub tok_start: usize,
    /// One past its last token.
    pub tok_end: usize,
    /// Character span in the text.
    pub char_start: u32,
    /// End of the character span.
    pub char_end: u32,
    /// The lexicon term (as written in the lexicon file).
    pub label: &'r str,
    /// The entry's valence.
    pub base: f32,
    /// The contribution after negation, intensifiers, emphasis and contrast.
    pub score: f32,
    /// Negated by a particle or a fused prefix.
    pub negated: bool,
    /// The factor of an intensifying prefix fused to the word (`superrychlý`), 1 otherwise.
    pub prefix_factor: f32,
    /// Read as irony ("no super" in a complaint): the score's sign was flipped.
    pub ironic: bool,
    /// The rules that changed the score, as [`rule`] bits: what `hlas explain` shows.
    pub rules: u16,
    /// The entry's emotion strengths.
    pub emotions: Emotions,
    /// Index of the sentence it is in.
    pub sentence: usize,
}

/// The rules that can change a hit's score, as bits of [`SentimentHit::rules`]. A bit set costs nothing on the
/// hot path and lets `hlas explain` say why a word counted as it did.
pub mod rule {
    /// Negated by a particle before it ("not good", "nie jest dobrze") or a fused prefix ("nefunguje").
    pub const NEGATED: u16 = 1;
    /// Negated by a negated opinion verb that opens its clause ("I don't think it is good").
    pub const RAISED_NEGATION: u16 = 1 << 1;
    /// Strengthened by an intensifier before it or fused to it ("very", "strašně", "superrychlý").
    pub const INTENSIFIED: u16 = 1 << 2;
    /// Weakened by a diminisher before it ("a bit", "trochu").
    pub const DIMINISHED: u16 = 1 << 3;
    /// Written in capitals in a text that is not all capitals.
    pub const CAPS: u16 = 1 << 4;
    /// Written with a stretched letter ("suuuper").
    pub const ELONGATED: u16 = 1 << 5;
    /// Praise in a question, which asks rather than asserts.
    pub const QUESTION: u16 = 1 << 6;
    /// Read as irony after a marker ("no super" in a complaint).
    pub const IRONY: u16 = 1 << 7;
    /// After a contrast word ("but", "ale"), which weighs more.
    pub const AFTER_CONTRAST: u16 = 1 << 8;
    /// Before a contrast word, or in a concessive clause ("although"), which weighs less.
    pub const BEFORE_CONTRAST: u16 = 1 << 9;

    const NAMES: [(u16, &str); 10] = [
        (NEGATED, "negated"),
        (RAISED_NEGATION, "negated by an opinion verb"),
        (INTENSIFIED, "intensified"),
        (DIMINISHED, "diminished"),
        (CAPS, "capitals"),
        (ELONGATED, "stretched letters"),
        (QUESTION, "in a question"),
        (IRONY, "irony"),
        (AFTER_CONTRAST, "after a contrast"),
        (BEFORE_CONTRAST, "before a contrast / concessive"),
    ];

    /// The names of the rules set in `bits`, in a fixed order.
    #[must_use]
    pub fn names(bits: u16) -> Vec<&'static str> {
        NAMES.iter().filter(|(b, _)| bits & b != 0).map(|(_, n)| *n).collect()
    }
}

/// A sentence's span and raw score (the sum of its hits plus emphasis).
#[derive(Clone, Debug, PartialEq)]
pub struct SentenceScore {
    /// Character span of the sentence.
    pub char_start: u32,
    /// End of the character span.
    pub char_end: u32,
    /// Raw (unnormalised) score.
    pub raw: f32,
}

/// The sentiment of a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Sentiment<'r> {
    /// Document compound, −1..1.
    pub compound: f32,
    /// Its label.
    pub label: SentimentLabel,
    /// Every hit, in text order.
    pub hits: Vec<SentimentHit<'r>>,
    /// Every sentence, in text order.
    pub sentences: Vec<SentenceScore>,
}

/// Hits beyond this many are damped, so that a long, mildly negative complaint stays mildly negative instead of
/// its many small hits adding up to the extreme: past [`UNDAMPED_HITS`] hits the sum counts as that many times
/// the mean hit (a text of strong words still scores strongly).
const UNDAMPED_HITS: f32 = 3.0;

/// What the raw sum is divided by: 1 up to [`UNDAMPED_HITS`] hits, then hits / [`UNDAMPED_HITS`].
pub fn length_damping(hits: usize) -> f32 {
    (hits as f32 / UNDAMPED_HITS).max(1.0)
}

/// A sentence whose own normalised score reaches ±this is strong; a text with one strong sentence of each sign is
/// `mixed` when the caller asks for that label.
pub const MIXED_SENTENCE: f32 = 0.3;

impl Sentiment<'_> {
    /// True if one sentence is strongly positive and another strongly negative ([`MIXED_SENTENCE`]).
    #[must_use]
    pub fn is_mixed(&self) -> bool {
        let strong = |sign: f32| self.sentences.iter().any(|s| normalize_score(s.raw) * sign >= MIXED_SENTENCE);
        strong(1.0) && strong(-1.0)
    }
}

/// Maps an unbounded raw score into −1..1.
#[must_use]
pub fn normalize_score(raw: f32) -> f32 {
    if raw == 0.0 { 0.0 } else { raw / (raw * raw + ALPHA).sqrt() }
}

fn is_sentence_end(doc: &Doc, i: usize) -> bool {
    let t = &doc.tokens[i];
    match t.kind {
        TokenKind::Newline => true,
        TokenKind::Punct => matches!(doc.surface(t), "." | "!" | "?" | "…"),
        _ => false,
    }
}

fn is_clause_break(doc: &Doc, i: usize) -> bool {
    let t = &doc.tokens[i];
    is_sentence_end(doc, i) || (t.kind == TokenKind::Punct && matches!(doc.surface(t), "," | ";" | ":" | "(" | ")"))
}

/// The clauses of a text: a clause ends at clause punctuation (`, ; : ( )`) or a sentence end, and a contrast word
/// ("ale", "but", "i když") opens a new one, so "Personál byl milý, ale čekali jsme hodinu" has two. Themes take
/// their own sentiment from the clauses that mention them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clauses {
    /// The clause of every token.
    pub of_token: Vec<usize>,
    /// The sentence of every clause.
    pub sentence: Vec<usize>,
}

/// The contrast word or phrase (up to three words) that starts at token `i`, as (kind, number of words).
fn contrast_at_token(doc: &Doc, lex: &LangLexicon, i: usize) -> Option<(ContrastKind, usize)> {
    let t = &doc.tokens[i];
    if t.kind != TokenKind::Word || !lex.starts_phrase_rule(doc.folded(t)) {
        return None;
    }
    let words: Vec<&str> =
        doc.tokens[i..].iter().take(3).take_while(|t| t.kind == TokenKind::Word).map(|t| doc.folded(t)).collect();
    lex.contrast_at(&words)
}

/// Splits a tokenised text into [`Clauses`].
#[must_use]
pub fn clauses(doc: &Doc, lex: &LangLexicon) -> Clauses {
    let mut of_token = Vec::with_capacity(doc.tokens.len());
    let mut sentence = vec![0];
    let mut open = false;
    for i in 0..doc.tokens.len() {
        if open && contrast_at_token(doc, lex, i).is_some() {
            sentence.push(*sentence.last().unwrap_or(&0));
        }
        of_token.push(sentence.len() - 1);
        open = true;
        if is_clause_break(doc, i) {
            let s = *sentence.last().unwrap_or(&0);
            sentence.push(if is_sentence_end(doc, i) { s + 1 } else { s });
            open = false;
        }
    }
    Clauses { of_token, sentence }
}

/// Scores a tokenised text. `stems[i]` is the stem of token `i` (empty for non-words).
#[must_use]
pub fn score<'r>(doc: &Doc, stems: &[String], lang: Lang, res: &'r Resources) -> Sentiment<'r> {
    let lex = res.lang(lang);
    let n = doc.tokens.len();
    // Sentence index of every token, and sentence spans.
    let mut sentence_of = vec![0usize; n];
    let mut sentence_bounds: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, sentence) in sentence_of.iter_mut().enumerate() {
        *sentence = sentence_bounds.len();
        if is_sentence_end(doc, i) {
            sentence_bounds.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < n || sentence_bounds.is_empty() {
        sentence_bounds.push((start, n));
    }

    let mut hits = find_hits(doc, stems, lex, res, &sentence_of);
    let all_caps_text = {
        let words = doc.tokens.iter().filter(|t| t.kind == TokenKind::Word);
        let (caps, total) = words.fold((0, 0), |(c, t), w| (c + usize::from(w.caps), t + 1));
        total > 0 && caps * 2 > total
    };
    // Tokens inside multi-word hits: a negator there belongs to its phrase ("bez problémů") and negates nothing
    // after it.
    let mut in_phrase = vec![false; n];
    for hit in hits.iter().filter(|h| h.tok_end - h.tok_start > 1) {
        in_phrase[hit.tok_start..hit.tok_end].iter_mut().for_each(|c| *c = true);
    }
    for hit in &mut hits {
        apply_rules(doc, lex, hit, all_caps_text, &in_phrase);
    }
    apply_raised_negation(doc, lex, &mut hits, &sentence_of);
    // A question asks rather than asserts ("Je to dobrá volba?"): its praise counts for less. Its negative words
    // stay, because a complaint is often asked ("Proč to zase nefunguje?").
    for (si, &(start, end)) in sentence_bounds.iter().enumerate() {
        let asks = (start..end).rev().find(|&k| doc.tokens[k].kind != TokenKind::Newline).is_some_and(|k| {
            let t = &doc.tokens[k];
            t.kind == TokenKind::Punct && doc.surface(t) == "?"
        });
        if asks {
            hits.iter_mut().filter(|h| h.sentence == si && h.score > 0.0).for_each(|h| {
                h.score *= QUESTION;
                h.rules |= rule::QUESTION;
            });
        }
    }
    apply_irony(doc, lex, &mut hits);
    apply_contrast(doc, lex, &mut hits, &sentence_of, &sentence_bounds);

    let mut sentences: Vec<SentenceScore> = sentence_bounds
        .iter()
        .map(|&(s, e)| SentenceScore {
            char_start: doc.tokens.get(s).map_or(0, |t| t.char_start),
            char_end: if e > s { doc.tokens[e - 1].char_end } else { 0 },
            raw: 0.0,
        })
        .collect();
    for hit in &hits {
        sentences[hit.sentence].raw += hit.score;
    }
    for (sentence, &(s, e)) in sentences.iter_mut().zip(&sentence_bounds) {
        let bangs = (s..e).filter(|&i| doc.tokens[i].kind == TokenKind::Punct && doc.surface(&doc.tokens[i]) == "!");
        let bangs = bangs.count().min(MAX_EXCLAMATIONS) as f32;
        if sentence.raw != 0.0 {
            sentence.raw += sentence.raw.signum() * EXCLAMATION_BOOST * bangs;
        }
    }
    let raw: f32 = sentences.iter().map(|s| s.raw).sum();
    let compound = normalize_score(raw / length_damping(hits.len()));
    Sentiment { compound, label: SentimentLabel::from_compound(compound), hits, sentences }
}

/// Finds phrase, word and emoji hits; a phrase covers its words so they are not counted again.
fn find_hits<'r>(
    doc: &Doc,
    stems: &[String],
    lex: &'r LangLexicon,
    res: &'r Resources,
    sentence_of: &[usize],
) -> Vec<SentimentHit<'r>> {
    let mut hits = Vec::new();
    let n = doc.tokens.len();
    let mut i = 0;
    while i < n {
        let t = &doc.tokens[i];
        let mut found: Option<(&'r crate::lexicon::Entry, usize, bool)> = None;
        let mut prefix_factor = 1.0;
        match t.kind {
            TokenKind::Word => {
                let run_end = (i..n).find(|&j| doc.tokens[j].kind != TokenKind::Word).unwrap_or(n);
                if run_end - i > 1
                    && let Some((entry, len)) = lex.lookup_phrase(&stems[i..run_end])
                {
                    found = Some((lex.entry(entry), len, false));
                }
                if found.is_none() {
                    let form = doc.lookup_form(t);
                    if lex.intensifier(&form).is_some() && next_word_is_sentiment(doc, stems, lex, i) {
                        // "terribly good": the intensifier modifies the next word; it is not a hit of its own.
                        i += 1;
                        continue;
                    }
                    if let Some(hit) = lex.lookup(&form, &stems[i]) {
                        found = Some((lex.entry(hit.entry), 1, hit.prefix_negated));
                        prefix_factor = hit.prefix_factor;
                    } else if let Some(e) = res.emoji_exact(doc.surface(t)) {
                        found = Some((e, 1, false));
                    }
                }
            }
            TokenKind::Emoji | TokenKind::Emoticon => {
                if let Some(e) = res.emoji(doc.surface(t)) {
                    found = Some((e, 1, false));
                }
            }
            _ => {}
        }
        let Some((entry, len, prefix_negated)) = found else {
            i += 1;
            continue;
        };
        if entry.valence == 0.0 && entry.emotions.iter().all(|&e| e == 0.0) {
            // A blocker phrase ("kind regards", "happy to help"): it hides its words from scoring.
            i += len;
            continue;
        }
        let last = &doc.tokens[i + len - 1];
        hits.push(SentimentHit {
            tok_start: i,
            tok_end: i + len,
            char_start: t.char_start,
            char_end: last.char_end,
            label: &entry.term,
            base: entry.valence,
            score: entry.valence,
            negated: prefix_negated,
            prefix_factor,
            ironic: false,
            rules: if prefix_negated { rule::NEGATED } else { 0 }
                | if prefix_factor > 1.0 { rule::INTENSIFIED } else { 0 },
            emotions: entry.emotions,
            sentence: sentence_of[i],
        });
        i += len;
    }
    hits
}

fn next_word_is_sentiment(doc: &Doc, stems: &[String], lex: &LangLexicon, i: usize) -> bool {
    match doc.tokens.get(i + 1) {
        Some(next) if next.kind == TokenKind::Word => lex.lookup(&doc.lookup_form(next), &stems[i + 1]).is_some(),
        _ => false,
    }
}

/// Negation, intensifiers and emphasis for one hit, from the words just before it in its clause.
fn apply_rules(doc: &Doc, lex: &LangLexicon, hit: &mut SentimentHit, all_caps_text: bool, in_phrase: &[bool]) {
    let mut factor = hit.prefix_factor;
    // A phrase that carries its own negator ("nie działa", "no complaints") has its polarity built in; with
    // negative concord, a negator before it ("nic nie działa") does not flip it back.
    // The same holds for a lexicalised negative word written with the fused prefix ("nikdo mi nepomohl").
    let phrase_negates = (hit.tok_start..hit.tok_end).any(|k| lex.is_negator(doc.folded(&doc.tokens[k])))
        || (!hit.negated
            && lex.has_neg_prefix(doc.folded(&doc.tokens[hit.tok_start]))
            && lex.has_neg_prefix(&fold(hit.label)));
    let mut negated = hit.negated;
    let mut words_back = 0;
    let mut j = hit.tok_start;
    let mut prev_folded: Option<String> = None;
    while j > 0 && words_back < NEGATION_WINDOW {
        j -= 1;
        if is_clause_break(doc, j) || lex.is_contrast(doc.folded(&doc.tokens[j])) {
            break;
        }
        let t = &doc.tokens[j];
        if t.kind != TokenKind::Word {
            continue;
        }
        words_back += 1;
        let folded = doc.folded(t);
        // Negative concord: Czech, Slovak and Polish stack negatives ("nikdo nic nevyřešil") without cancelling.
        // Emoji and emoticons say what they say: "not 👍" is not a thumbs down turned positive.
        let symbol = matches!(doc.tokens[hit.tok_start].kind, TokenKind::Emoji | TokenKind::Emoticon);
        if lex.is_negator(folded) && !phrase_negates && !in_phrase[j] && !symbol {
            negated = true;
        }
        if words_back <= 2 {
            let two_word = prev_folded.as_ref().map(|p| format!("{folded} {p}"));
            let f = two_word.and_then(|w| lex.intensifier(&w)).or_else(|| lex.intensifier(folded));
            if let Some(f) = f {
                // The word right before counts fully, the one before it somewhat less.
                factor *= if words_back == 1 { f } else { 1.0 + (f - 1.0) * 0.7 };
            }
        }
        prev_folded = Some(folded.to_string());
    }
    let mut v = hit.base * factor;
    if factor > hit.prefix_factor {
        hit.rules |= rule::INTENSIFIED;
    } else if factor < hit.prefix_factor {
        hit.rules |= rule::DIMINISHED;
    }
    if negated {
        v *= if hit.base > 0.0 { NEGATED_POSITIVE } else { NEGATED_NEGATIVE };
        hit.rules |= rule::NEGATED;
    }
    let first = &doc.tokens[hit.tok_start];
    if first.caps && !all_caps_text {
        v *= CAPS_BOOST;
        hit.rules |= rule::CAPS;
    }
    if first.elongated {
        v *= ELONGATION_BOOST;
        hit.rules |= rule::ELONGATED;
    }
    hit.negated = negated;
    hit.score = v;
}

/// Negated opinion verbs ("nemyslím si, že", "nie sądzę, żeby", "I don't think") negate the clause they
/// introduce: a hit after one in the same sentence, not negated already, is negated ("I don't think the app is
/// good" is not positive). The verbs are `raise` lines in negators.tsv, up to three words as written.
fn apply_raised_negation(doc: &Doc, lex: &LangLexicon, hits: &mut [SentimentHit], sentence_of: &[usize]) {
    let words: Vec<(usize, &str)> = doc
        .tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == TokenKind::Word)
        .map(|(i, t)| (i, doc.folded(t)))
        .collect();
    // Token index where each raiser ends, with its sentence.
    let mut raisers: Vec<(usize, usize)> = Vec::new();
    for start in 0..words.len() {
        if !lex.starts_phrase_rule(words[start].1) {
            continue;
        }
        for len in 1..=3.min(words.len() - start) {
            let phrase: Vec<&str> = words[start..start + len].iter().map(|(_, w)| *w).collect();
            if lex.is_negation_raiser(&phrase.join(" ")) {
                let end = words[start + len - 1].0;
                raisers.push((end, sentence_of[end]));
            }
        }
    }
    if raisers.is_empty() {
        return;
    }
    for hit in hits.iter_mut().filter(|h| !h.negated) {
        let after_raiser = raisers.iter().any(|&(end, s)| end < hit.tok_start && s == hit.sentence);
        if after_raiser {
            hit.negated = true;
            hit.rules |= rule::RAISED_NEGATION;
            hit.score *= if hit.base > 0.0 { NEGATED_POSITIVE } else { NEGATED_NEGATIVE };
        }
    }
}

/// Irony: in a text with negative evidence, a positive word right after an irony marker ("no super", "oh great",
/// "no pięknie") is read as its opposite, weakened. Without negative evidence the marker is just a particle
/// ("no super, díky" stays positive).
fn apply_irony(doc: &Doc, lex: &LangLexicon, hits: &mut [SentimentHit]) {
    if !hits.iter().any(|h| h.score < 0.0) {
        return;
    }
    for hit in hits.iter_mut().filter(|h| h.score > 0.0 && !h.negated) {
        // The words of the clause before the hit: the marker must open the clause and stand right before it.
        let clause_start = (0..hit.tok_start).rev().find(|&j| is_clause_break(doc, j)).map_or(0, |j| j + 1);
        let before: Vec<&str> = doc.tokens[clause_start..hit.tok_start]
            .iter()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| doc.folded(t))
            .collect();
        let marked = match before.as_slice() {
            [one] => lex.is_irony_marker(one),
            [a, b] => lex.is_irony_marker(&format!("{a} {b}")),
            _ => false,
        };
        if marked {
            hit.score *= IRONY;
            hit.ironic = true;
            hit.rules |= rule::IRONY;
        }
    }
}

/// What follows a contrast word weighs more than what precedes it: within the sentence, or across the sentence
/// break when the contrast word opens its sentence ("Personál milý. Ale čekali jsme hodinu."). A concessive word
/// ("although", "i když", "chociaż") works the other way round: the clause it opens weighs less than the rest of
/// its sentence ("The food was awful, although the staff were nice" is negative). Contrast entries may be phrases
/// of up to three words ("on the other hand", "mimo to").
fn apply_contrast(
    doc: &Doc,
    lex: &LangLexicon,
    hits: &mut [SentimentHit],
    sentence_of: &[usize],
    bounds: &[(usize, usize)],
) {
    let mut c = 0;
    while c < doc.tokens.len() {
        let Some((kind, len)) = contrast_at_token(doc, lex, c) else {
            c += 1;
            continue;
        };
        let s = sentence_of[c];
        let (s_start, s_end) = bounds[s];
        let after_start = c + len;
        // The clauses that weigh less and more (an empty range where a kind has only one).
        let (lighter, heavier): ([std::ops::Range<usize>; 2], [std::ops::Range<usize>; 2]) = match kind {
            ContrastKind::But => {
                let opens_sentence = (s_start..c).all(|k| doc.tokens[k].kind != TokenKind::Word);
                let before = if opens_sentence && s > 0 { bounds[s - 1].0..bounds[s - 1].1 } else { s_start..c };
                ([before, 0..0], [after_start..s_end, 0..0])
            }
            ContrastKind::Although => {
                // The concessive clause runs to the next clause break; the rest of the sentence is the main one.
                let clause_end = (after_start..s_end).find(|&k| is_clause_break(doc, k)).unwrap_or(s_end);
                ([after_start..clause_end, 0..0], [s_start..c, clause_end..s_end])
            }
        };
        for hit in hits.iter_mut() {
            if lighter.iter().any(|r| r.contains(&hit.tok_start)) {
                hit.score *= BEFORE_CONTRAST;
                hit.rules |= rule::BEFORE_CONTRAST;
            } else if heavier.iter().any(|r| r.contains(&hit.tok_start)) {
                hit.score *= AFTER_CONTRAST;
                hit.rules |= rule::AFTER_CONTRAST;
            }
        }
        c += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::stems_for;
    use crate::tokenize::tokenize;

    fn compound(text: &str, lang: Lang) -> f32 {
        let res = crate::test_resources();
        let doc = tokenize(text, &res.emoticons);
        let stems = stems_for(&doc, res.lang(lang));
        score(&doc, &stems, lang, res).compound
    }

    #[test]
    fn clear_polarity_in_every_language() {
        assert!(compound("Skvělá obsluha, moc ochotná paní.", Lang::Cs) > 0.3);
        assert!(compound("Hrozná zkušenost, neschopný personál.", Lang::Cs) < -0.3);
        assert!(compound("Świetna obsługa, bardzo miła pani.", Lang::Pl) > 0.3);
        assert!(compound("Tragiczna obsługa, beznadziejny personel.", Lang::Pl) < -0.3);
        assert!(compound("Výborná obsluha, veľmi milá pani.", Lang::Sk) > 0.3);
        assert!(compound("Hrozná skúsenosť, neschopný personál.", Lang::Sk) < -0.3);
        assert!(compound("Excellent service, really helpful staff.", Lang::En) > 0.3);
        assert!(compound("Terrible experience, rude and useless staff.", Lang::En) < -0.3);
    }

    #[test]
    fn negation_flips_and_weakens() {
        let good = compound("the service was good", Lang::En);
        let not_good = compound("the service was not good", Lang::En);
        assert!(good > 0.0 && not_good < 0.0 && not_good.abs() < good);
        assert!(compound("not bad at all", Lang::En) > 0.0);
        assert!(compound("nie polecam", Lang::Pl) < 0.0);
    }

    #[test]
    fn fused_negation_and_negative_concord() {
        assert!(compound("aplikace nefunguje", Lang::Cs) < 0.0);
        assert!(compound("nikdo mi nepomohl", Lang::Cs) < 0.0, "stacked negatives stay negative");
    }

    #[test]
    fn a_phrase_keeps_its_negator_to_itself() {
        assert!(compound("bez problémů 👍", Lang::Cs) > 0.3, "the thumbs up is not negated by the phrase's bez");
        assert!(compound("nikdy to nefunguje", Lang::Cs) < 0.0, "negative concord");
    }

    #[test]
    fn intensifiers_strengthen_and_diacritics_do_not_matter() {
        let plain = compound("obsluha byla ochotná", Lang::Cs);
        let very = compound("obsluha byla velmi ochotná", Lang::Cs);
        assert!(very > plain && plain > 0.0);
        assert!((compound("obsluha byla velmi ochotna", Lang::Cs) - very).abs() < 1e-6);
    }

    #[test]
    fn contrast_weighs_the_second_clause() {
        let c = compound("The staff were nice but the wait was horrible and awful.", Lang::En);
        assert!(c < 0.0, "{c}");
    }

    #[test]
    fn emphasis_strengthens() {
        let plain = compound("terrible service", Lang::En);
        let loud = compound("TERRIBLE service!!!", Lang::En);
        assert!(loud < plain);
    }

    #[test]
    fn emoji_score_in_any_language() {
        assert!(compound("😡😡", Lang::Und) < 0.0);
        assert!(compound(":)", Lang::Und) > 0.0);
    }
}
