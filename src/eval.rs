//! Evaluation against labelled data: [`evaluate_file`] reads a TSV in one of the shapes of
//! `../shared/eval/README.md` (told apart by its header), runs hlas over it and computes the figures exactly as
//! that README defines them: language-ID accuracy (per language, length bucket, kind; cs↔sk confusion), sentiment
//! macro-F1 (per language and source; Pearson r with human means), emotion macro-F1 over the eight emotions,
//! stemming pair precision/recall/F1, theme recall/precision and QA-flag rates.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use crate::analyze::{AnalyzeOptions, analyze};
use crate::emotion::EMOTIONS;
use crate::ingest::{Body, Record};
use crate::lang::Lang;
use crate::lexicon::Resources;
use crate::normalize::{fold, normalize, strip_diacritics};
use crate::tokenize::tokenize;

/// An evaluation failure: the file and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The header matches none of the known shapes, or a needed file is missing.
    #[error("{path}: {message}")]
    Shape {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Options of an evaluation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvalOptions {
    /// Language ID: evaluate on the units with diacritics removed (rows that do not change are dropped).
    pub strip_diacritics: bool,
    /// Force this language for the analysis (not for language ID).
    pub lang: Option<Lang>,
    /// Language ID: also score whatlang restricted to ces/pol/slk/eng on the same units, for comparison.
    pub whatlang_baseline: bool,
    /// The QA flag rules the themes file's flag rates are measured with.
    pub flags: crate::flags::FlagRules,
    /// Print up to this many misclassified examples per gold language (language ID), for error analysis.
    pub show_errors: usize,
}

/// The figures: a readable report and the same numbers keyed by name (`sentiment.macro_f1.cs`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvalReport {
    /// Human-readable lines.
    pub lines: Vec<String>,
    /// Every figure by name.
    pub metrics: BTreeMap<String, f64>,
}

impl EvalReport {
    fn put(&mut self, key: String, value: f64) {
        self.metrics.insert(key, value);
    }
}

/// A TSV file as rows of named columns.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

fn read_table(path: &Path) -> Result<Table, EvalError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io { path: name.clone(), source })?;
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap_or("").split('\t').map(|s| s.trim().to_string()).collect();
    let rows = lines.filter(|l| !l.is_empty()).map(|l| l.split('\t').map(str::to_string).collect()).collect();
    Ok(Table { header, rows })
}

/// Evaluates one labelled TSV file.
///
/// # Errors
/// The file cannot be read or has an unknown shape.
pub fn evaluate_file(path: &Path, res: &Resources, opts: &EvalOptions) -> Result<EvalReport, EvalError> {
    let table = read_table(path)?;
    let has = |c: &str| table.col(c).is_some();
    let name = path.display().to_string();
    if has("form") && has("lemma") {
        Ok(eval_lemmas(&table, res))
    } else if has("kind") && has("text") {
        Ok(eval_lid(&table, res, opts))
    } else if has("labels") {
        Ok(eval_emotion(&table, res, opts))
    } else if has("themes") {
        let map_path = path.with_file_name("theme_map.tsv");
        let map = read_table(&map_path).map_err(|_| EvalError::Shape {
            path: name.clone(),
            message: format!("themes evaluation needs {} beside it", map_path.display()),
        })?;
        Ok(eval_themes(&table, &map, res, opts))
    } else if has("label") && has("text") {
        Ok(eval_sentiment(&table, res, opts))
    } else {
        Err(EvalError::Shape {
            path: name,
            message: format!("unknown evaluation file shape (columns: {})", table.header.join(", ")),
        })
    }
}

fn get(row: &[String], idx: Option<usize>) -> &str {
    idx.and_then(|i| row.get(i)).map_or("", String::as_str)
}

fn analyze_texts(texts: &[&str], res: &Resources, opts: &EvalOptions) -> Vec<crate::analyze::Analysis> {
    let aopts = AnalyzeOptions::default().with_lang(opts.lang).with_flags(opts.flags.clone());
    texts
        .par_iter()
        .map(|t| {
            let rec = Record { id: String::new(), body: Body::Text((*t).to_string()), meta: vec![], error: None };
            analyze(&rec, res, &aopts)
        })
        .collect()
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { 100.0 * n as f64 / d as f64 }
}

fn length_bucket(text: &str) -> &'static str {
    match text.chars().count() {
        0..=30 => "<=30",
        31..=80 => "31-80",
        81..=200 => "81-200",
        _ => ">200",
    }
}

fn eval_lid(t: &Table, res: &Resources, opts: &EvalOptions) -> EvalReport {
    let (lc, kc, xc) = (t.col("lang"), t.col("kind"), t.col("text"));
    let mut units: Vec<(Lang, String, String)> = Vec::new();
    for row in &t.rows {
        let Ok(gold) = get(row, lc).parse::<Lang>() else {
            continue;
        };
        let text = get(row, xc);
        let text = if opts.strip_diacritics {
            let stripped = strip_diacritics(text);
            if stripped == text {
                continue;
            }
            stripped
        } else {
            text.to_string()
        };
        units.push((gold, get(row, kc).to_string(), text));
    }
    let started = Instant::now();
    let guesses: Vec<(Lang, f32)> = units
        .par_iter()
        .map(|(_, _, text)| {
            let norm = normalize(text);
            let g = res.detect_language(&tokenize(&norm, &res.emoticons));
            (g.lang, g.confidence)
        })
        .collect();
    let secs = started.elapsed().as_secs_f64();
    let mut r = EvalReport::default();
    let cond = if opts.strip_diacritics { "no diacritics" } else { "as written" };
    r.lines.push(format!(
        "language ID ({cond}): {} units, {:.0} units/s (all threads)",
        units.len(),
        units.len() as f64 / secs.max(1e-9)
    ));
    let mut by: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut conf_hi = (0usize, 0usize);
    let mut cs_sk = [(0usize, 0usize); 2];
    for ((gold, kind, text), (pred, conf)) in units.iter().zip(&guesses) {
        let ok = gold == pred;
        for key in [
            (gold.code().to_string(), "all".to_string()),
            (gold.code().to_string(), format!("len {}", length_bucket(text))),
            (gold.code().to_string(), format!("kind {kind}")),
            ("all".to_string(), "all".to_string()),
        ] {
            let e = by.entry(key).or_default();
            e.0 += usize::from(ok);
            e.1 += 1;
        }
        if *conf >= 0.9 {
            conf_hi.0 += usize::from(ok);
            conf_hi.1 += 1;
        }
        let sentences = kind.starts_with("sentence");
        match gold {
            Lang::Cs if sentences => {
                cs_sk[0].0 += usize::from(*pred == Lang::Sk);
                cs_sk[0].1 += 1;
            }
            Lang::Sk if sentences => {
                cs_sk[1].0 += usize::from(*pred == Lang::Cs);
                cs_sk[1].1 += 1;
            }
            _ => {}
        }
    }
    let tag = if opts.strip_diacritics { "lid_nodia" } else { "lid" };
    if opts.show_errors > 0 {
        let mut shown: HashMap<Lang, usize> = HashMap::new();
        for ((gold, kind, text), (pred, conf)) in units.iter().zip(&guesses) {
            let n = shown.entry(*gold).or_default();
            if gold != pred && *n < opts.show_errors {
                *n += 1;
                r.lines.push(format!("  error: {gold} read as {pred} ({conf:.2}) [{kind}] {text}"));
            }
        }
    }
    if opts.whatlang_baseline {
        let det = crate::langid::whatlang_allowlist();
        let mut base: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (gold, _, text) in &units {
            let pred = det.detect(text).map(|i| crate::langid::from_whatlang(i.lang()));
            for key in [gold.code().to_string(), "all".to_string()] {
                let e = base.entry(key).or_default();
                e.0 += usize::from(pred == Some(*gold));
                e.1 += 1;
            }
        }
        for (lang, (ok, n)) in &base {
            r.lines.push(format!("  whatlang-allowlist {lang:>4} {:6.1}%  (n={n})", pct(*ok, *n)));
            r.put(format!("{tag}.whatlang_accuracy.{lang}"), pct(*ok, *n));
        }
    }
    for ((lang, slice), (ok, n)) in &by {
        r.lines.push(format!("  {lang:>4} {slice:<22} {:6.1}%  (n={n})", pct(*ok, *n)));
        r.put(format!("{tag}.accuracy.{lang}.{}", slice.replace(' ', "_")), pct(*ok, *n));
    }
    r.lines.push(format!(
        "  cs read as sk (sentences): {:.1}%   sk read as cs (sentences): {:.1}%",
        pct(cs_sk[0].0, cs_sk[0].1),
        pct(cs_sk[1].0, cs_sk[1].1)
    ));
    r.put(format!("{tag}.cs_as_sk"), pct(cs_sk[0].0, cs_sk[0].1));
    r.put(format!("{tag}.sk_as_cs"), pct(cs_sk[1].0, cs_sk[1].1));
    r.lines.push(format!("  confidence >= 0.9: {:.1}% correct (n={})", pct(conf_hi.0, conf_hi.1), conf_hi.1));
    r.put(format!("{tag}.calibration_0.9"), pct(conf_hi.0, conf_hi.1));
    r
}

/// Binary counts for one class.
#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn add(&mut self, gold: bool, pred: bool) {
        match (gold, pred) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
        }
    }
    fn f1(self) -> f64 {
        let d = 2 * self.tp + self.fp + self.fn_;
        if d == 0 { 0.0 } else { 2.0 * self.tp as f64 / d as f64 }
    }
}

fn pearson(xs: &[(f64, f64)]) -> f64 {
    let n = xs.len() as f64;
    if xs.len() < 2 {
        return 0.0;
    }
    let (mx, my) = (xs.iter().map(|p| p.0).sum::<f64>() / n, xs.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    if sxx == 0.0 || syy == 0.0 { 0.0 } else { sxy / (sxx * syy).sqrt() }
}

fn eval_sentiment(t: &Table, res: &Resources, opts: &EvalOptions) -> EvalReport {
    const LABELS: [&str; 3] = ["negative", "neutral", "positive"];
    let (lc, sc, xc, yc, vc) = (t.col("lang"), t.col("source"), t.col("text"), t.col("label"), t.col("score"));
    let rows: Vec<&Vec<String>> = t.rows.iter().filter(|r| LABELS.contains(&get(r, yc))).collect();
    let texts: Vec<&str> = rows.iter().map(|r| get(r, xc)).collect();
    let started = Instant::now();
    let analyses = analyze_texts(&texts, res, opts);
    let secs = started.elapsed().as_secs_f64();
    let mut r = EvalReport::default();
    r.lines.push(format!(
        "sentiment: {} rows (mixed excluded), {:.0} docs/s (all threads)",
        rows.len(),
        rows.len() as f64 / secs.max(1e-9)
    ));
    // (group key) → per-label counts, and (pred, gold score) pairs.
    let mut groups: BTreeMap<String, [Counts; 3]> = BTreeMap::new();
    let mut confusion: BTreeMap<String, [[usize; 3]; 3]> = BTreeMap::new();
    let mut scores: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for (row, a) in rows.iter().zip(&analyses) {
        let gold = LABELS.iter().position(|l| *l == get(row, yc)).unwrap_or(1);
        let pred = LABELS.iter().position(|l| *l == a.sentiment_label.as_str()).unwrap_or(1);
        let lang = get(row, lc).to_string();
        for key in [lang.clone(), format!("{lang}/{}", get(row, sc))] {
            let g = groups.entry(key).or_default();
            for (k, c) in g.iter_mut().enumerate() {
                c.add(gold == k, pred == k);
            }
        }
        confusion.entry(lang.clone()).or_default()[gold][pred] += 1;
        if let Ok(v) = get(row, vc).parse::<f64>() {
            for key in [get(row, sc).to_string(), "all".to_string()] {
                scores.entry(key).or_default().push((f64::from(a.sentiment), v));
            }
        }
    }
    for (key, counts) in &groups {
        let n: usize = counts.iter().map(|c| c.tp + c.fn_).sum();
        let macro_f1 = counts.iter().map(|c| c.f1()).sum::<f64>() / 3.0;
        r.lines.push(format!(
            "  {key:<48} macro-F1 {macro_f1:.3}  (F1 neg {:.2} neu {:.2} pos {:.2}; n={n})",
            counts[0].f1(),
            counts[1].f1(),
            counts[2].f1()
        ));
        r.put(format!("sentiment.macro_f1.{key}"), macro_f1);
    }
    for (lang, m) in &confusion {
        r.lines.push(format!("  {lang} confusion (rows gold neg/neu/pos, columns predicted): {m:?}"));
    }
    for (source, pairs) in &scores {
        let p = pearson(pairs);
        r.lines.push(format!("  Pearson r with human means, {source}: {p:.3} (n={})", pairs.len()));
        r.put(format!("sentiment.pearson.{source}"), p);
    }
    r
}

fn eval_emotion(t: &Table, res: &Resources, opts: &EvalOptions) -> EvalReport {
    let (lc, xc, yc) = (t.col("lang"), t.col("text"), t.col("labels"));
    let texts: Vec<&str> = t.rows.iter().map(|r| get(r, xc)).collect();
    let analyses = analyze_texts(&texts, res, opts);
    let mut per_lang: BTreeMap<String, [Counts; 8]> = BTreeMap::new();
    for (row, a) in t.rows.iter().zip(&analyses) {
        let gold: BTreeSet<&str> = get(row, yc).split(',').map(str::trim).collect();
        let counts = per_lang.entry(get(row, lc).to_string()).or_default();
        for (i, e) in EMOTIONS.iter().enumerate() {
            let pred = a.emotions[i] >= 0.2 || a.emotion == Some(i);
            counts[i].add(gold.contains(e), pred);
        }
    }
    let mut r = EvalReport::default();
    r.lines.push(format!("emotion: {} rows", t.rows.len()));
    for (lang, counts) in &per_lang {
        let macro_f1 = counts.iter().map(|c| c.f1()).sum::<f64>() / 8.0;
        let each: Vec<String> = EMOTIONS.iter().zip(counts).map(|(e, c)| format!("{e} {:.2}", c.f1())).collect();
        r.lines.push(format!("  {lang:<4} macro-F1 {macro_f1:.3}  ({})", each.join(", ")));
        r.put(format!("emotion.macro_f1.{lang}"), macro_f1);
    }
    r
}

fn pairs(n: usize) -> u64 {
    (n as u64) * (n as u64).saturating_sub(1) / 2
}

fn eval_lemmas(t: &Table, res: &Resources) -> EvalReport {
    const CONTENT: [&str; 5] = ["NOUN", "VERB", "ADJ", "ADV", "PROPN"];
    let (lc, fc, mc, uc) = (t.col("lang"), t.col("form"), t.col("lemma"), t.col("upos"));
    let mut distinct: BTreeMap<Lang, BTreeSet<(String, String)>> = BTreeMap::new();
    for row in &t.rows {
        if !CONTENT.contains(&get(row, uc)) {
            continue;
        }
        let Ok(lang) = get(row, lc).parse::<Lang>() else {
            continue;
        };
        distinct.entry(lang).or_default().insert((get(row, fc).to_lowercase(), get(row, mc).to_lowercase()));
    }
    let mut r = EvalReport::default();
    r.lines.push("stemming (pairs of distinct content-word forms):".to_string());
    for (lang, forms) in &distinct {
        let stemmer = &res.lang(*lang).stemmer;
        let mut by_lemma: HashMap<&str, usize> = HashMap::new();
        let mut by_stem: HashMap<String, usize> = HashMap::new();
        let mut by_both: HashMap<(&str, String), usize> = HashMap::new();
        for (form, lemma) in forms {
            let stem = stemmer.stem(&fold(form)).into_owned();
            *by_lemma.entry(lemma).or_default() += 1;
            *by_stem.entry(stem.clone()).or_default() += 1;
            *by_both.entry((lemma, stem)).or_default() += 1;
        }
        let gold: u64 = by_lemma.values().map(|&n| pairs(n)).sum();
        let pred: u64 = by_stem.values().map(|&n| pairs(n)).sum();
        let both: u64 = by_both.values().map(|&n| pairs(n)).sum();
        let p = if pred == 0 { 0.0 } else { both as f64 / pred as f64 };
        let rc = if gold == 0 { 0.0 } else { both as f64 / gold as f64 };
        let f1 = if p + rc == 0.0 { 0.0 } else { 2.0 * p * rc / (p + rc) };
        r.lines.push(format!("  {lang:<4} P {p:.3}  R {rc:.3}  F1 {f1:.3}  ({} forms)", forms.len()));
        r.put(format!("stem.precision.{lang}"), p);
        r.put(format!("stem.recall.{lang}"), rc);
        r.put(format!("stem.f1.{lang}"), f1);
    }
    r
}

fn eval_themes(t: &Table, map: &Table, res: &Resources, opts: &EvalOptions) -> EvalReport {
    let (sc, xc, yc) = (t.col("source"), t.col("text"), t.col("themes"));
    let (ms, mcat, mt) = (map.col("source"), map.col("category"), map.col("themes"));
    // (source, category) → alternatives (empty for "-").
    let mut mapping: HashMap<(String, String), Vec<String>> = HashMap::new();
    let mut mapped_in_source: HashMap<String, BTreeSet<String>> = HashMap::new();
    for row in &map.rows {
        let alts: Vec<String> =
            get(row, mt).split('|').map(str::trim).filter(|s| !s.is_empty() && *s != "-").map(str::to_string).collect();
        mapped_in_source.entry(get(row, ms).to_string()).or_default().extend(alts.iter().cloned());
        mapping.insert((get(row, ms).to_string(), get(row, mcat).to_string()), alts);
    }
    let texts: Vec<&str> = t.rows.iter().map(|r| get(r, xc)).collect();
    let analyses = analyze_texts(&texts, res, opts);
    let mut recall: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut precision: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut flags: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    // Per theme: (theme sentiment label equals the source's polarity, rows with a polarity where the theme was found).
    let mut theme_polarity: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (row, a) in t.rows.iter().zip(&analyses) {
        // The map names a source by its family ("cs-rest-absa" for "cs-rest-absa/cs_rest_m-train").
        let full = get(row, sc);
        let family = full.split('/').next().unwrap_or(full);
        let source = if mapped_in_source.contains_key(full) { full } else { family }.to_string();
        let predicted: BTreeSet<&str> =
            a.themes.iter().filter_map(|&i| res.themes.themes.get(i)).map(|th| th.id.as_str()).collect();
        let mut requirements: Vec<&Vec<String>> = Vec::new();
        for cat in get(row, yc).split('|').filter(|c| !c.is_empty()) {
            let (cat, polarity) = cat.rsplit_once(':').map_or((cat, None), |(c, p)| (c, Some(p)));
            if let Some(alts) = mapping.get(&(source.clone(), cat.to_string()))
                && !alts.is_empty()
            {
                requirements.push(alts);
                // Where the source gives the category's polarity and hlas found the theme, does the theme's own
                // sentiment agree?
                let found = a
                    .theme_sentiment
                    .iter()
                    .find(|t| res.themes.themes.get(t.theme).is_some_and(|th| alts.contains(&th.id)));
                if let (Some(polarity), Some(found)) = (polarity, found) {
                    let e = theme_polarity.entry(alts[0].clone()).or_default();
                    e.0 += usize::from(found.label.as_str() == polarity);
                    e.1 += 1;
                }
            }
        }
        for alts in &requirements {
            let e = recall.entry(alts[0].clone()).or_default();
            e.0 += usize::from(alts.iter().any(|t| predicted.contains(t.as_str())));
            e.1 += 1;
        }
        if let Some(mapped) = mapped_in_source.get(&source) {
            for p in predicted.iter().filter(|p| mapped.contains(**p)) {
                let e = precision.entry((*p).to_string()).or_default();
                e.0 += usize::from(requirements.iter().any(|alts| alts.iter().any(|t| t == p)));
                e.1 += 1;
            }
        }
        if source.contains("complaints") {
            let label = get(row, yc).split('|').next().unwrap_or("").to_string();
            let e = flags.entry(label).or_default();
            e.0 += usize::from(a.flagged);
            e.1 += 1;
        }
    }
    let mut r = EvalReport::default();
    r.lines.push(format!("themes: {} rows", t.rows.len()));
    for (theme, (hit, n)) in &recall {
        let (pc, pn) = precision.get(theme).copied().unwrap_or((0, 0));
        let note = if *n < 50 { " (fewer than 50 gold rows)" } else { "" };
        r.lines.push(format!(
            "  {theme:<26} recall {:.3} (n={n})  precision {:.3} (n={pn}){note}",
            *hit as f64 / *n as f64,
            if pn == 0 { 0.0 } else { pc as f64 / pn as f64 }
        ));
        r.put(format!("themes.recall.{theme}"), *hit as f64 / *n as f64);
        if pn > 0 {
            r.put(format!("themes.precision.{theme}"), pc as f64 / pn as f64);
        }
    }
    for (theme, (agree, n)) in &theme_polarity {
        let share = *agree as f64 / *n as f64;
        r.lines.push(format!("  {theme:<26} theme sentiment agrees with the source's polarity: {share:.3} (n={n})"));
        r.put(format!("themes.polarity_agreement.{theme}"), share);
    }
    for (label, (f, n)) in &flags {
        r.lines.push(format!("  QA flags on {label} rows: {:.1}% flagged (n={n})", pct(*f, *n)));
        r.put(format!("flags.rate.{label}"), pct(*f, *n));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_pearson() {
        let mut c = Counts::default();
        c.add(true, true);
        c.add(true, false);
        c.add(false, true);
        assert!((c.f1() - 0.5).abs() < 1e-9);
        assert!((pearson(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.5)]) - 0.99).abs() < 0.01);
        assert_eq!(pairs(4), 6);
    }

    #[test]
    fn lid_on_a_small_table() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lid.tsv");
        std::fs::write(&p, "id\tlang\tsource\tkind\ttext\n1\tcs\tx\tsentences\tČekal jsem hodinu a nikdo mi nepomohl.\n2\ten\tx\tsentences\tI waited an hour and nobody helped me.\n").unwrap();
        let r = evaluate_file(&p, crate::test_resources(), &EvalOptions::default()).unwrap();
        assert_eq!(r.metrics["lid.accuracy.all.all"], 100.0);
    }
}
