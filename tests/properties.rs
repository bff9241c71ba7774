//! Property tests: tokenizing, language detection, stemming and the whole analysis never panic on arbitrary
//! Unicode, spans always fall on character boundaries, and evidence always slices the text.

use std::sync::OnceLock;

use proptest::prelude::*;

use hlas::tokenize::tokenize;
use hlas::{AnalyzeOptions, Body, Lang, Record, Resources, analyze};

fn res() -> &'static Resources {
    static RES: OnceLock<Resources> = OnceLock::new();
    RES.get_or_init(|| Resources::embedded().expect("embedded lexicons"))
}

/// Text that looks like the input: letters of the four languages, digits, punctuation, emoji, odd whitespace,
/// combining marks, and arbitrary code points.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-ZčďěňřšťžůúýáíéóäôĺľŕłąęśźżńćČŘŁ0-9 ,.!?:;'\"()\\n\\t😀😡👍🏻\u{301}\u{200D}\u{FE0F}-]{0,80}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn tokens_fall_on_char_boundaries(s in text()) {
        let doc = tokenize(&s, &res().emoticons);
        prop_assert_eq!(doc.folded.chars().count(), s.chars().count());
        for t in &doc.tokens {
            prop_assert!(s.is_char_boundary(t.start as usize) && s.is_char_boundary(t.end as usize));
            prop_assert!(doc.folded.is_char_boundary(t.fold_start as usize));
            prop_assert!(doc.folded.is_char_boundary(t.fold_end as usize));
            prop_assert!(t.char_start < t.char_end);
        }
    }

    #[test]
    fn detection_never_panics_and_confidence_is_a_probability(s in text()) {
        let doc = tokenize(&s, &res().emoticons);
        let g = res().detect_language(&doc);
        prop_assert!((0.0..=1.0).contains(&g.confidence));
        if g.lang == Lang::Und {
            prop_assert_eq!(g.confidence, 0.0);
        }
    }

    #[test]
    fn stemming_never_panics_or_empties_a_word(s in text()) {
        for lang in Lang::ALL {
            let stemmer = &res().lang(lang).stemmer;
            for w in s.split_whitespace() {
                let folded = hlas::normalize::fold(w);
                let stem = stemmer.stem(&folded);
                prop_assert!(!stem.is_empty() || folded.is_empty(), "{} → empty stem", folded);
                // A stem is never much longer than its word: suffix rules only shorten (a marker adds one
                // letter) and the exception tables map short irregular forms to their lemma, at most 6 letters
                // longer (wie → wiedziec).
                prop_assert!(stem.chars().count() <= folded.chars().count() + 7, "{} → {}", folded, stem);
            }
        }
    }

    #[test]
    fn analysis_never_panics_and_evidence_slices_the_text(s in text()) {
        let rec = Record { id: "p".into(), body: Body::Text(s), meta: vec![], error: None };
        let a = analyze(&rec, res(), &AnalyzeOptions::default());
        let n = a.text.chars().count() as u32;
        prop_assert!((-1.0..=1.0).contains(&a.sentiment));
        for e in &a.evidence {
            prop_assert!(e.start < e.end && e.end <= n, "{:?} in {:?}", e, a.text);
        }
        for v in a.emotions {
            prop_assert!((0.0..=1.0).contains(&v));
        }
    }
}
