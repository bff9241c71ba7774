//! Theme fixtures, hand-written per language under `testdata/themes/<lang>.tsv` (`theme<TAB>yes|no<TAB>text`):
//! every `yes` sentence must be tagged with its theme and every `no` sentence (a near miss) must not, both as
//! written and with the diacritics stripped. Every theme of the default taxonomy needs at least 10 of each kind
//! and 5 near misses in every language, so recall on clear-cut sentences is tested theme by theme.

use hlas::analyze::{AnalyzeOptions, analyze};
use hlas::{Lang, Record, Resources};
use std::collections::BTreeMap;

/// The fixtures of `testdata/<dir>/<lang>.tsv` as (line, id, must be found, text); the agent cue fixtures
/// (`testdata/agent_cues/`) share the format.
fn fixtures(dir: &str, lang: Lang) -> Vec<(usize, String, bool, String)> {
    let path = format!("{}/testdata/{dir}/{}.tsv", env!("CARGO_MANIFEST_DIR"), lang.code());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#') && !l.starts_with("theme\t"))
        .map(|(n, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() == 3 && matches!(cols[1], "yes" | "no"), "{path}:{}: bad fixture line", n + 1);
            (n + 1, cols[0].to_string(), cols[1] == "yes", cols[2].to_string())
        })
        .collect()
}

/// Checks one language's fixtures of `dir` against `found` (the ids found in a text), as written and without
/// diacritics, and that every id has at least `min_yes` and `min_no` of them; returns the failures.
fn check_language(
    dir: &str,
    lang: Lang,
    ids: &[String],
    min_yes: usize,
    min_no: usize,
    found: impl Fn(&str) -> Vec<String>,
) -> Vec<String> {
    let mut failures = Vec::new();
    let mut counts: BTreeMap<&str, (usize, usize)> = ids.iter().map(|id| (id.as_str(), (0, 0))).collect();
    let rows = fixtures(dir, lang);
    for (line, id, yes, text) in &rows {
        let Some(c) = counts.get_mut(id.as_str()) else {
            failures.push(format!("{dir}/{lang}.tsv:{line}: unknown id {id}"));
            continue;
        };
        if *yes {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
        for variant in [text.clone(), hlas::normalize::strip_diacritics(text)] {
            let got = found(&variant);
            if got.contains(id) != *yes {
                let want = if *yes { "missed" } else { "wrongly found" };
                failures.push(format!("{dir}/{lang}.tsv:{line}: {id} {want} in {variant:?} (found {got:?})"));
            }
        }
    }
    for (id, (yes, no)) in counts {
        if yes < min_yes || no < min_no {
            failures.push(format!(
                "{dir}/{lang}.tsv: {id} has {yes} yes and {no} no fixtures (need {min_yes} and {min_no})"
            ));
        }
    }
    failures
}

#[test]
fn every_theme_is_found_in_its_fixtures_and_not_in_its_near_misses() {
    let res = Resources::embedded().expect("embedded lexicons");
    let ids: Vec<String> = res.themes.themes.iter().map(|t| t.id.clone()).collect();
    let mut failures = Vec::new();
    for lang in Lang::KNOWN {
        let opts = AnalyzeOptions::default().with_lang(Some(lang));
        failures.extend(check_language("themes", lang, &ids, 10, 5, |text| {
            let a = analyze(&Record::text(text), &res, &opts);
            a.themes.iter().map(|&t| res.themes.themes[t].id.clone()).collect()
        }));
    }
    assert!(failures.is_empty(), "{} theme fixture failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_agent_cue_is_found_in_its_fixtures_and_not_in_its_near_misses() {
    let res = Resources::embedded().expect("embedded lexicons");
    let ids: Vec<String> = res.agent_cues.themes.iter().map(|t| t.id.clone()).collect();
    let mut failures = Vec::new();
    for lang in Lang::KNOWN {
        failures.extend(check_language("agent_cues", lang, &ids, 8, 4, |text| {
            let doc = hlas::tokenize::tokenize(text, &res.emoticons);
            let stems = hlas::analyze::stems_for(&doc, res.lang(lang));
            res.agent_cues.find(&doc, &stems, lang).iter().map(|h| res.agent_cues.themes[h.theme].id.clone()).collect()
        }));
    }
    assert!(failures.is_empty(), "{} agent cue fixture failures:\n{}", failures.len(), failures.join("\n"));
}
