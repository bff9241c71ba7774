//! Fixtures for every sentiment rule, per language, each written with and without diacritics: the rules must read
//! a customer who types "nefunguje" the same as one who types "nefunguje" on a phone without a Czech keyboard.
//! The texts are written by the project.

use hlas::analyze::{AnalyzeOptions, analyze};
use hlas::{Lang, Record, Resources};
use std::sync::OnceLock;

fn res() -> &'static Resources {
    static RES: OnceLock<Resources> = OnceLock::new();
    RES.get_or_init(|| Resources::embedded().expect("embedded lexicons"))
}

/// The compound of `text` read as `lang`, checked to be the same without diacritics.
fn compound(text: &str, lang: Lang) -> f32 {
    let opts = AnalyzeOptions::default().with_lang(Some(lang));
    let score = |t: &str| analyze(&Record::text(t), res(), &opts).sentiment;
    let with = score(text);
    let plain = hlas::normalize::strip_diacritics(text);
    let without = score(&plain);
    assert!((with - without).abs() < 0.15, "{text:?}: {with:.3} with diacritics, {without:.3} without ({plain:?})");
    with
}

fn positive(text: &str, lang: Lang) {
    let c = compound(text, lang);
    assert!(c >= 0.05, "{text:?} should be positive, got {c:.3}");
}

fn negative(text: &str, lang: Lang) {
    let c = compound(text, lang);
    assert!(c <= -0.05, "{text:?} should be negative, got {c:.3}");
}

fn neutral(text: &str, lang: Lang) {
    let c = compound(text, lang);
    assert!(c.abs() < 0.05, "{text:?} should be neutral, got {c:.3}");
}

#[test]
fn negation_particles_and_fused_prefixes() {
    negative("Aplikace vůbec nefunguje.", Lang::Cs);
    negative("Nejsem spokojený s vyřízením.", Lang::Cs);
    negative("Nikdo mi nepomohl.", Lang::Cs);
    negative("Aplikácia vôbec nefunguje.", Lang::Sk);
    negative("Nie som spokojný s vybavením.", Lang::Sk);
    negative("Aplikacja w ogóle nie działa.", Lang::Pl);
    negative("Nie jestem zadowolony z obsługi.", Lang::Pl);
    negative("The app does not work and I am not happy.", Lang::En);
}

#[test]
fn negated_opinion_verbs_negate_their_clause() {
    negative("Nemyslím si, že je to dobré řešení.", Lang::Cs);
    negative("Nemyslím si, že je to dobré riešenie.", Lang::Sk);
    negative("Nie sądzę, żeby to było dobre rozwiązanie.", Lang::Pl);
    negative("I don't think the new app is any good.", Lang::En);
}

#[test]
fn no_complaints_family_is_positive() {
    positive("Žádný problém, vše proběhlo bez problémů.", Lang::Cs);
    positive("Nemám výhrady, doporučuji.", Lang::Cs);
    positive("Bez problémov, žiadne výhrady.", Lang::Sk);
    positive("Nie mam zastrzeżeń, wszystko bez problemu.", Lang::Pl);
    positive("No complaints at all, no problems.", Lang::En);
}

#[test]
fn negated_negatives_are_mildly_positive() {
    let not_bad = compound("not bad", Lang::En);
    let good = compound("good", Lang::En);
    assert!(not_bad > 0.0 && not_bad < good, "not bad {not_bad:.3}, good {good:.3}");
    positive("Není to špatné.", Lang::Cs);
    positive("Nie je to zlé.", Lang::Sk);
    positive("Nie jest źle.", Lang::Pl);
}

#[test]
fn intensifiers_and_diminishers() {
    let base = compound("Paní byla ochotná.", Lang::Cs);
    let very = compound("Paní byla velmi ochotná.", Lang::Cs);
    let bit = compound("Paní byla trochu ochotná.", Lang::Cs);
    assert!(very > base && base > bit && bit > 0.0, "{very} {base} {bit}");
    assert!(compound("Strašně dlouhé a hrozně drahé.", Lang::Cs) < compound("dlouhé a drahé", Lang::Cs));
    assert!(compound("bardzo miła obsługa", Lang::Pl) > compound("miła obsługa", Lang::Pl));
    assert!(compound("veľmi milá obsluha", Lang::Sk) > compound("milá obsluha", Lang::Sk));
    assert!(compound("extremely helpful", Lang::En) > compound("helpful", Lang::En));
}

#[test]
fn intensifying_prefixes() {
    assert!(compound("superrychlé", Lang::Cs) > compound("rychlé", Lang::Cs));
    assert!(compound("megaochotná paní", Lang::Cs) > compound("ochotná paní", Lang::Cs));
    assert!(compound("przepiękny widok", Lang::Pl) > compound("piękny widok", Lang::Pl));
    assert!(compound("superochotný personál", Lang::Sk) > compound("ochotný personál", Lang::Sk));
}

#[test]
fn contrast_weighs_the_second_clause() {
    negative("Paní byla milá, ale reklamaci mi zamítli a jsem naštvaný.", Lang::Cs);
    positive("Čekal jsem dlouho a bylo to otravné, ale nakonec skvělé vyřízení.", Lang::Cs);
    negative("Pani była miła, ale reklamację odrzucili i jestem wściekły.", Lang::Pl);
    negative("Pani bola milá, ale reklamáciu zamietli a som nahnevaný.", Lang::Sk);
    negative("The staff were nice, but the refund was refused and I am furious.", Lang::En);
    positive("On the other hand, the staff were lovely.", Lang::En);
}

#[test]
fn a_concessive_clause_weighs_less() {
    negative("The food was awful, although the staff were nice.", Lang::En);
    negative("Jídlo bylo hrozné, i když obsluha byla milá.", Lang::Cs);
    negative("Jedlo bolo hrozné, hoci obsluha bola milá.", Lang::Sk);
    negative("Jedzenie było okropne, chociaż obsługa była miła.", Lang::Pl);
    positive("Although it was expensive, the service was excellent.", Lang::En);
}

#[test]
fn emphasis_strengthens() {
    assert!(compound("TERRIBLE service", Lang::En) < compound("terrible service", Lang::En));
    assert!(compound("hrozné!!!", Lang::Cs) < compound("hrozné", Lang::Cs));
    assert!(compound("suuuper", Lang::Cs) > compound("super", Lang::Cs));
    assert!(compound("okropne 😡", Lang::Pl) < compound("okropne", Lang::Pl));
    // Emoticons starting with '=' are emoticons, not exact-form marks; a word is never read as an emoticon.
    assert!(compound("=)", Lang::En) > 0.0 && compound("=(", Lang::En) < 0.0);
    assert_eq!(compound("Dear team", Lang::En), 0.0);
}

#[test]
fn politeness_formulas_are_not_sentiment() {
    neutral("Dobrý den, prosím o zaslání faktury. Děkuji předem, s pozdravem Novák", Lang::Cs);
    neutral("Dobrý deň, prosím o zaslanie faktúry. S pozdravom", Lang::Sk);
    neutral("Dzień dobry, proszę o przesłanie faktury. Z poważaniem", Lang::Pl);
    neutral("Dear team, kindly send me the invoice. Kind regards", Lang::En);
}

#[test]
fn questions_and_requests_are_not_complaints() {
    neutral("Kdy mi přijde faktura?", Lang::Cs);
    neutral("Kedy mi príde faktúra?", Lang::Sk);
    neutral("Kiedy przyjdzie faktura?", Lang::Pl);
    neutral("When will I get the invoice?", Lang::En);
    // A question asks rather than asserts: its words count for less.
    assert!(compound("Je to dobrá volba?", Lang::Cs) < compound("Je to dobrá volba.", Lang::Cs));
    // Everyday words whose stem a sentiment word shares are not sentiment: "help" is not "helpful", "přímo"
    // (directly) is not "prima" (great).
    neutral("I need help with my account, I was wondering about my bill.", Lang::En);
    neutral("Volal jsem přímo na pobočku, nemohu číst fakturu.", Lang::Cs);
    neutral("Wczoraj był mecz.", Lang::Pl);
}

#[test]
fn irony_markers_in_a_complaint() {
    negative("No super, zase to nefunguje.", Lang::Cs);
    negative("No super, zase to nefunguje.", Lang::Sk);
    negative("No pięknie, znowu nie działa.", Lang::Pl);
    negative("Oh great, it crashed again.", Lang::En);
    positive("No super, díky moc.", Lang::Cs);
    negative("Díky moc za nic.", Lang::Cs);
    negative("Vďaka za nič.", Lang::Sk);
    negative("Dzięki za nic.", Lang::Pl);
    negative("Thanks for nothing.", Lang::En);
}

#[test]
fn long_mild_complaints_do_not_saturate() {
    let text = "Objednávka přišla o den později. Krabice byla trochu pomačkaná. Návod byl zmatený. \
                Podpora odpověděla pomalu. Faktura měla chybu. Celkově trochu zklamání.";
    let c = compound(text, Lang::Cs);
    assert!(c < 0.0 && c > -0.8, "a long mild complaint: {c:.3}");
}

#[test]
fn mixed_texts_show_their_sentences_and_can_be_labelled_mixed() {
    let text = "Personál byl naprosto skvělý a ochotný. Ale jídlo bylo hrozné a studené, katastrofa.";
    let opts = AnalyzeOptions::default().with_lang(Some(Lang::Cs));
    let a = analyze(&Record::text(text), res(), &opts);
    let sentences: Vec<_> = a.evidence.iter().filter(|e| e.kind.as_str() == "sentence").collect();
    assert_eq!(sentences.len(), 2);
    assert!(sentences[0].weight > 0.3 && sentences[1].weight < -0.3);
    assert_ne!(a.sentiment_label.as_str(), "mixed", "mixed only when asked for");
    let a = analyze(&Record::text(text), res(), &opts.with_mixed(true));
    assert_eq!(a.sentiment_label.as_str(), "mixed");
}

#[test]
fn a_limiting_only_weighs_the_defect_after_praise() {
    // "Only" opening a sentence after praise introduces the reservation a reviewer cares about.
    negative("Vysavač dobře vysává. Jen je strašně hlučný a filtr se hned ucpal, nefunguje.", Lang::Cs);
    negative("Vysávač dobre vysáva. Len je strašne hlučný a filter sa hneď upchal, nefunguje.", Lang::Sk);
    negative("Looks nice, except that it broke after a week and the support was useless.", Lang::En);
}

#[test]
fn a_framing_adverb_is_not_praise() {
    // "Honestly," frames a complaint; it says nothing good about the service ("They were honest" still does).
    neutral("Honestly, this is the third time I am calling about the same bill.", Lang::En);
    positive("The technician was honest with me about the cost.", Lang::En);
}
