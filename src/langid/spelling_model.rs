//! A character-trigram model of how each language spells its words, trained when the lexicons load on the words
//! the project wrote for that language (function words, common word forms, sentiment terms), folded to ASCII.
//!
//! It gives a vote for words that no list knows ("zastavkou", "kontroverznostou"): their letter sequences still
//! look Slovak rather than Czech or Polish. The model is trained on word types, not running text, so it knows
//! spelling, not frequency, which is what an unknown word needs. Hand-written rather than a crate: it is forty
//! lines, trains in milliseconds on our own files, and no crate offers a model over our own vocabulary.

use rustc_hash::FxHashMap;

/// Added to every trigram count (Lidstone smoothing), so a trigram one language lacks is unlikely, not impossible.
const SMOOTHING: f32 = 0.5;

/// Per-language log probabilities of character trigrams of `^word$`.
#[derive(Debug, Default)]
pub struct SpellingModel {
    /// Trigram key → log P(trigram | language) per language (index in [`crate::lang::Lang::KNOWN`]).
    log_probs: FxHashMap<u64, [f32; 4]>,
    /// log P of a trigram a language never showed, per language.
    unseen: [f32; 4],
}

/// Packs three characters into one key; `^` and `$` mark the word's edges.
fn key(a: char, b: char, c: char) -> u64 {
    (u64::from(a as u32) << 42) | (u64::from(b as u32) << 21) | u64::from(c as u32)
}

/// Calls `f` with each trigram key of `^word$`.
fn for_each_trigram(word: &str, mut f: impl FnMut(u64)) {
    let mut window = ['^', '^', '^'];
    let mut filled = 1;
    for c in word.chars().chain(['$']) {
        window = [window[1], window[2], c];
        filled += 1;
        if filled >= 3 {
            f(key(window[0], window[1], window[2]));
        }
    }
}

impl SpellingModel {
    /// Trains on folded words per language (index in [`crate::lang::Lang::KNOWN`]).
    #[must_use]
    pub fn train(words: [Vec<&str>; 4]) -> Self {
        let mut counts: FxHashMap<u64, [f32; 4]> = FxHashMap::default();
        let mut totals = [0.0f32; 4];
        for (lang, list) in words.iter().enumerate() {
            for w in list {
                for_each_trigram(w, |k| {
                    counts.entry(k).or_default()[lang] += 1.0;
                    totals[lang] += 1.0;
                });
            }
        }
        let vocabulary = counts.len().max(1) as f32;
        let denominators = totals.map(|t| t + SMOOTHING * vocabulary);
        let log_probs = counts
            .into_iter()
            .map(|(k, c)| (k, std::array::from_fn(|i| ((c[i] + SMOOTHING) / denominators[i]).ln())))
            .collect();
        let unseen = denominators.map(|d| (SMOOTHING / d).ln());
        SpellingModel { log_probs, unseen }
    }

    /// The posterior probability of each language for one folded word, with uniform priors and the word's
    /// log-likelihoods averaged per trigram (so long words do not get overconfident) and sharpened by `sharpness`.
    #[must_use]
    pub fn posteriors(&self, word: &str, sharpness: f32) -> [f32; 4] {
        let mut log_lik = [0.0f32; 4];
        let mut n = 0usize;
        for_each_trigram(word, |k| {
            n += 1;
            let lp = self.log_probs.get(&k).unwrap_or(&self.unseen);
            for i in 0..4 {
                log_lik[i] += lp[i];
            }
        });
        let n = n.max(1) as f32;
        let scaled = log_lik.map(|l| l / n * sharpness);
        let max = scaled.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp = scaled.map(|s| (s - max).exp());
        let sum: f32 = exp.iter().sum();
        exp.map(|e| e / sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words<'a>(list: &[&'a str]) -> Vec<&'a str> {
        list.to_vec()
    }

    #[test]
    fn a_word_is_closest_to_the_language_whose_spelling_it_shares() {
        let model = SpellingModel::train([
            words(&["jsou", "budou", "dlouho", "pouze", "kouzlo"]),
            words(&["szczegol", "szkoda", "czekac", "wszystko"]),
            words(&["mlieko", "viera", "piatok", "niekto"]),
            words(&["the", "there", "think", "thing"]),
        ]);
        let argmax = |p: [f32; 4]| (0..4).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(0);
        assert_eq!(argmax(model.posteriors("nejsou", 2.0)), 0);
        assert_eq!(argmax(model.posteriors("szczeka", 2.0)), 1);
        assert_eq!(argmax(model.posteriors("vieko", 2.0)), 2);
        assert_eq!(argmax(model.posteriors("those", 2.0)), 3);
        let total: f32 = model.posteriors("x", 1.0).iter().sum();
        assert!((total - 1.0).abs() < 1e-4);
    }

    #[test]
    fn empty_and_odd_words_do_not_panic() {
        let model = SpellingModel::train(Default::default());
        for w in ["", "a", "ß", "😀", "\u{0}"] {
            let p = model.posteriors(w, 2.0);
            assert!(p.iter().all(|x| x.is_finite()));
        }
    }
}
