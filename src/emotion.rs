//! Emotions: Plutchik's eight, scored from the same lexicon hits as sentiment ([`score`]), respecting negation.

use crate::sentiment::SentimentHit;

/// Plutchik's eight emotions, in the fixed order of every emotion array and of the output columns.
pub const EMOTIONS: [&str; 8] = ["anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust"];

/// Indexes into [`EMOTIONS`] of the emotions the rules name: a negated positive word ("nejsem spokojený") reads as
/// sadness, irony as anger and disgust, a question as anticipation, "?!" as surprise, and the text's tone feeds
/// anger, disgust, sadness, joy and trust.
const ANGER: usize = 0;
const ANTICIPATION: usize = 1;
const DISGUST: usize = 2;
const JOY: usize = 4;
const SADNESS: usize = 5;
const SURPRISE: usize = 6;
const TRUST: usize = 7;

/// One strength or intensity per emotion, in [`EMOTIONS`] order.
pub type Emotions = [f32; 8];

/// How the text's compound feeds emotions: (emotion index, weight); a positive weight for positive texts, a
/// negative one for negative texts.
const TONE: [(usize, f32); 5] = [(ANGER, -0.35), (DISGUST, -0.2), (SADNESS, -0.3), (JOY, 0.4), (TRUST, 0.3)];

/// Below this intensity no emotion is called dominant.
pub const DOMINANT_MIN: f32 = 0.15;

/// The emotion intensities of a text and the dominant one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EmotionScores {
    /// Intensity of each emotion, 0..1.
    pub intensity: Emotions,
    /// Index into [`EMOTIONS`] of the strongest emotion, if any reaches [`DOMINANT_MIN`].
    pub dominant: Option<usize>,
}

/// How much one hit contributes to each emotion: the entry's strengths, scaled by how much the rules around the
/// word (intensifiers, emphasis, contrast) changed its valence. A negated word does not evoke its emotions; a
/// negated positive word evokes some sadness instead.
#[must_use]
pub fn hit_contributions(hit: &SentimentHit) -> Emotions {
    let mut out = [0.0; 8];
    let base = hit.base.abs().max(0.5);
    let scale = (hit.score.abs() / base).clamp(0.0, 2.0);
    if hit.ironic {
        // "no super, zase nefunguje": irony is contempt and anger, not joy.
        out[ANGER] = 0.4 * scale;
        out[DISGUST] = 0.3 * scale;
        return out;
    }
    if hit.negated {
        if hit.base > 0.0 {
            out[SADNESS] = 0.4 * scale;
        }
        return out;
    }
    for (o, s) in out.iter_mut().zip(hit.emotions.iter()) {
        *o = s * scale;
    }
    out
}

/// What the text as a whole says besides its words: its sentiment and its punctuation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tone {
    /// The sentiment compound, −1..1.
    pub compound: f32,
    /// The text asks something (a question mark): interest, which Plutchik files under anticipation.
    pub asks: bool,
    /// "?!" or "!?": astonishment.
    pub startled: bool,
}

/// Anticipation from a question, surprise from "?!".
const QUESTION_ANTICIPATION: f32 = 0.25;
const STARTLED_SURPRISE: f32 = 0.4;

/// Accumulates the hits' contributions into intensities: `1 − e^(−sum)`, so one strong word gives about 0.5 and
/// several add up without passing 1.
/// The text's tone adds a little: its sentiment (anger, sadness, disgust or joy, trust) and its punctuation.
#[must_use]
pub fn score(hits: &[SentimentHit], tone: Tone) -> EmotionScores {
    let compound = tone.compound;
    let mut acc = [0.0f32; 8];
    for hit in hits {
        for (a, c) in acc.iter_mut().zip(hit_contributions(hit)) {
            *a += c;
        }
    }
    // The text's overall tone: a complaint carries some anger and sadness even where no single word names them,
    // praise some joy and trust.
    for (i, w) in TONE {
        let tone = if w > 0.0 { compound.max(0.0) } else { (-compound).max(0.0) };
        acc[i] += w.abs() * tone;
    }
    if tone.asks {
        acc[ANTICIPATION] += QUESTION_ANTICIPATION;
    }
    if tone.startled {
        acc[SURPRISE] += STARTLED_SURPRISE;
    }
    let intensity = acc.map(|a| 1.0 - (-a).exp());
    let mut dominant = None;
    let mut best = DOMINANT_MIN;
    for (i, &v) in intensity.iter().enumerate() {
        if v >= best && dominant.is_none_or(|d: usize| v > intensity[d]) {
            best = v;
            dominant = Some(i);
        }
    }
    EmotionScores { intensity, dominant }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(base: f32, score: f32, negated: bool, emotions: Emotions) -> SentimentHit<'static> {
        SentimentHit {
            tok_start: 0,
            tok_end: 1,
            char_start: 0,
            char_end: 1,
            label: "x",
            base,
            score,
            negated,
            prefix_factor: 1.0,
            ironic: false,
            rules: 0,
            emotions,
            sentence: 0,
        }
    }

    #[test]
    fn anger_word_makes_anger_dominant() {
        let s = score(&[hit(-3.0, -3.0, false, [0.9, 0.0, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0])], Tone::default());
        assert_eq!(s.dominant, Some(0));
        assert!(s.intensity[0] > 0.5 && s.intensity[0] < 1.0);
    }

    #[test]
    fn negation_suppresses_joy_and_leaves_sadness() {
        let s = score(&[hit(2.0, -1.5, true, [0.0, 0.0, 0.0, 0.0, 0.9, 0.0, 0.0, 0.0])], Tone::default());
        assert_eq!(s.intensity[4], 0.0);
        assert!(s.intensity[SADNESS] > 0.2);
    }

    #[test]
    fn nothing_means_no_dominant_emotion() {
        assert_eq!(score(&[], Tone::default()).dominant, None);
        let complaint = score(&[], Tone { compound: -0.9, ..Tone::default() });
        assert!(complaint.intensity[0] > 0.2 && complaint.intensity[4] == 0.0, "a strong complaint carries anger");
        let asked = score(&[], Tone { asks: true, startled: true, ..Tone::default() });
        assert!(asked.intensity[ANTICIPATION] > 0.2 && asked.intensity[SURPRISE] > 0.3);
    }
}
