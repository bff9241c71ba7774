//! QA flags: [`evaluate`] applies documented rules to what the earlier stages found and decides whether a QA team
//! should read the interaction, how urgently (priority 0–100) and why (reasons, each with the span that proves it).
//! The thresholds and each reason's priority points are [`FlagRules`], read from `lexicons/flags.tsv` (embedded)
//! or a user's file (`--flags FILE`), which overrides only the keys it names.

use std::path::Path;

use crate::lexicon::{LexiconError, data_lines, format_error};

/// A reason to flag, with its stable code (written to `flag_reasons`). The order is the order of seriousness in
/// which reasons are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlagReason {
    /// A legal threat: lawyer, court, lawsuit.
    LegalThreat,
    /// A regulator or ombudsman named (ČOI, UOKiK, SOI, FCA...).
    RegulatorMention,
    /// A customer in a vulnerable situation: illness, old age, bereavement, hardship.
    Vulnerability,
    /// The customer says they will leave.
    ChurnIntent,
    /// The customer will take it to social media, review sites or the press.
    PublicExposure,
    /// An agent was rude: a rudeness cue in an agent's turn, or staff behaviour described negatively.
    RudeAgent,
    /// Compound sentiment at or below the threshold.
    StronglyNegative,
    /// Anger or disgust at or above the threshold.
    Anger,
    /// The customer had to contact or ask again.
    RepeatedContact,
    /// A transcript whose customer ended in a worse mood than they began.
    EndedWorse,
}

impl FlagReason {
    /// Every reason, in order of seriousness.
    pub const ALL: [FlagReason; 10] = [
        FlagReason::LegalThreat,
        FlagReason::RegulatorMention,
        FlagReason::Vulnerability,
        FlagReason::ChurnIntent,
        FlagReason::PublicExposure,
        FlagReason::RudeAgent,
        FlagReason::StronglyNegative,
        FlagReason::Anger,
        FlagReason::RepeatedContact,
        FlagReason::EndedWorse,
    ];

    /// The code written to the output.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            FlagReason::LegalThreat => "legal_threat",
            FlagReason::RegulatorMention => "regulator_mention",
            FlagReason::Vulnerability => "vulnerability",
            FlagReason::ChurnIntent => "churn_intent",
            FlagReason::PublicExposure => "public_exposure",
            FlagReason::RudeAgent => "rude_agent",
            FlagReason::StronglyNegative => "strongly_negative",
            FlagReason::Anger => "anger",
            FlagReason::RepeatedContact => "repeated_contact",
            FlagReason::EndedWorse => "ended_worse",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The embedded default rules.
const DEFAULT_RULES: &str = include_str!("../lexicons/flags.tsv");

/// Thresholds of the flag rules and the priority points of each reason.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagRules {
    /// Compound at or below which a text is strongly negative.
    pub strongly_negative: f32,
    /// Anger (or disgust) intensity at or above which anger is flagged.
    pub anger: f32,
    /// How much lower the last customer turn must score than the first to count as ending worse.
    pub ended_worse_by: f32,
    /// The agent_attitude theme's own sentiment at or below which a text reports a rude agent.
    pub rude_agent_sentiment: f32,
    /// A theme reason (churn intent, public exposure, repeated contact) needs the text's compound at or below this:
    /// "I'd switch to you in a heartbeat" or a happy "I called again to say thanks" is no case for QA. Legal threats,
    /// regulators and vulnerable customers are flagged whatever the tone.
    pub theme_reason_max_sentiment: f32,
    /// Priority points of each reason, in [`FlagReason::ALL`] order: its share (points/100) of the way to 100
    /// that is still left when it is added.
    pub weights: [f32; 10],
}

impl Default for FlagRules {
    fn default() -> Self {
        let mut rules = FlagRules {
            strongly_negative: 0.0,
            anger: 0.0,
            ended_worse_by: 0.0,
            rude_agent_sentiment: 0.0,
            theme_reason_max_sentiment: 0.0,
            weights: [0.0; 10],
        };
        // The embedded file is tested (`embedded_rules_parse`); were it broken, every threshold would stay 0.
        let _ = rules.apply(Path::new("lexicons/flags.tsv"), DEFAULT_RULES);
        rules
    }
}

impl FlagRules {
    /// The defaults with the keys of a rules file applied on top.
    ///
    /// # Errors
    /// A line that is not `key<TAB>number`, an unknown key, or a value out of range, named by file and line.
    pub fn from_file(path: &Path) -> Result<Self, LexiconError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| LexiconError::Io { path: path.to_path_buf(), source })?;
        let mut rules = FlagRules::default();
        rules.apply(path, &text)?;
        Ok(rules)
    }

    /// Applies the `key<TAB>value` lines of a rules file.
    fn apply(&mut self, path: &Path, text: &str) -> Result<(), LexiconError> {
        for dl in data_lines(text) {
            let [key, value] = dl.cols.as_slice() else {
                return Err(format_error(path, dl.line, "expected key<TAB>value"));
            };
            let number: f32 = value
                .parse()
                .ok()
                .filter(|v: &f32| v.is_finite())
                .ok_or_else(|| format_error(path, dl.line, &format!("{key}: '{value}' is not a number")))?;
            let in_range = |lo: f32, hi: f32| {
                if (lo..=hi).contains(&number) {
                    Ok(number)
                } else {
                    Err(format_error(path, dl.line, &format!("{key}: {number} is outside {lo}..{hi}")))
                }
            };
            match *key {
                "strongly_negative" => self.strongly_negative = in_range(-1.0, 1.0)?,
                "anger" => self.anger = in_range(0.0, 1.0)?,
                "ended_worse_by" => self.ended_worse_by = in_range(0.0, 2.0)?,
                "rude_agent_sentiment" => self.rude_agent_sentiment = in_range(-1.0, 1.0)?,
                "theme_reason_max_sentiment" => self.theme_reason_max_sentiment = in_range(-1.0, 1.0)?,
                other => {
                    let reason = other
                        .strip_prefix("weight.")
                        .and_then(|code| FlagReason::ALL.into_iter().find(|r| r.code() == code));
                    let Some(reason) = reason else {
                        let codes: Vec<&str> = FlagReason::ALL.iter().map(|r| r.code()).collect();
                        return Err(format_error(
                            path,
                            dl.line,
                            &format!(
                                "unknown key '{other}' (strongly_negative, anger, ended_worse_by, \
                                 rude_agent_sentiment, theme_reason_max_sentiment, or weight.REASON with REASON one \
                                 of {})",
                                codes.join(", ")
                            ),
                        ));
                    };
                    self.weights[reason.index()] = in_range(0.0, 100.0)?;
                }
            }
        }
        Ok(())
    }

    fn weight(&self, reason: FlagReason) -> f32 {
        self.weights[reason.index()]
    }
}

/// What the rules look at. Spans are character spans in the analysed text; `None` where nothing points anywhere.
#[derive(Clone, Debug, Default)]
pub struct FlagInput {
    /// Document compound.
    pub compound: f32,
    /// The most negative sentiment hit's span.
    pub most_negative: Option<(u32, u32)>,
    /// Anger intensity.
    pub anger: f32,
    /// Disgust intensity.
    pub disgust: f32,
    /// Span of the strongest anger or disgust hit.
    pub anger_span: Option<(u32, u32)>,
    /// First span of the legal_threat theme, when found.
    pub legal_threat: Option<(u32, u32)>,
    /// First span of the regulator_mention theme.
    pub regulator: Option<(u32, u32)>,
    /// First span of the vulnerability theme.
    pub vulnerability: Option<(u32, u32)>,
    /// First span of the churn_intent theme.
    pub churn_intent: Option<(u32, u32)>,
    /// First span of the public_exposure theme.
    pub public_exposure: Option<(u32, u32)>,
    /// First span of the repeat_contact theme.
    pub repeat_contact: Option<(u32, u32)>,
    /// The agent_attitude theme's own sentiment and first span.
    pub agent_attitude: Option<(f32, (u32, u32))>,
    /// Transcripts: an agent turn with a rudeness cue (the span lies in that turn, not in the analysed text).
    pub rude_agent_turn: bool,
    /// Transcripts: repeated requests and the span of the first repeating turn.
    pub repeated_turn: Option<(u32, u32)>,
    /// Transcripts: first and last customer turn scores, and the last turn's span.
    pub trajectory: Option<(f32, f32, (u32, u32))>,
}

/// The decision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flags {
    /// For QA review.
    pub flagged: bool,
    /// 0–100, higher is more urgent.
    pub priority: u8,
    /// The reasons, most serious first, each with the span that triggered it.
    pub reasons: Vec<(FlagReason, Option<(u32, u32)>)>,
}

/// Applies the rules.
#[must_use]
pub fn evaluate(input: &FlagInput, rules: &FlagRules) -> Flags {
    let mut reasons: Vec<(FlagReason, Option<(u32, u32)>)> = Vec::new();
    let mut extra = 0.0f32;
    let mut theme_reason = |reason: FlagReason, span: Option<(u32, u32)>, needs_negative: bool| {
        if let Some(span) = span
            && (!needs_negative || input.compound <= rules.theme_reason_max_sentiment)
        {
            reasons.push((reason, Some(span)));
        }
    };
    theme_reason(FlagReason::LegalThreat, input.legal_threat, false);
    theme_reason(FlagReason::RegulatorMention, input.regulator, false);
    theme_reason(FlagReason::Vulnerability, input.vulnerability, false);
    theme_reason(FlagReason::ChurnIntent, input.churn_intent, true);
    theme_reason(FlagReason::PublicExposure, input.public_exposure, true);
    theme_reason(FlagReason::RepeatedContact, input.repeat_contact.or(input.repeated_turn), true);
    let rude_text = input.agent_attitude.filter(|(s, _)| *s <= rules.rude_agent_sentiment).map(|(_, span)| span);
    if rude_text.is_some() || input.rude_agent_turn {
        reasons.push((FlagReason::RudeAgent, rude_text));
    }
    if input.compound <= rules.strongly_negative {
        reasons.push((FlagReason::StronglyNegative, input.most_negative));
        // Up to 15 more for how far below the threshold it is.
        let depth = (rules.strongly_negative - input.compound) / (1.0 + rules.strongly_negative).max(0.05);
        extra += 15.0 * depth.clamp(0.0, 1.0);
    }
    if input.anger.max(input.disgust) >= rules.anger {
        reasons.push((FlagReason::Anger, input.anger_span));
    }
    if let Some((start, end, span)) = input.trajectory
        && end < 0.0
        && start - end >= rules.ended_worse_by
    {
        reasons.push((FlagReason::EndedWorse, Some(span)));
    }
    reasons.sort_by_key(|(r, _)| *r);
    // A reason worth no points (weight 0 in the rules file) is switched off.
    reasons.retain(|(r, _)| rules.weight(*r) > 0.0);
    // Reasons combine like independent chances that the case needs a human (noisy-or): each adds its points'
    // share of what is left below 100, so more reasons always rank higher and the scale never saturates into ties.
    let priority = if reasons.is_empty() {
        0.0
    } else {
        let left =
            reasons.iter().map(|(r, _)| rules.weight(*r)).chain([extra]).fold(1.0, |left, w| left * (1.0 - w / 100.0));
        100.0 * (1.0 - left)
    };
    Flags { flagged: !reasons.is_empty(), priority: priority.round().clamp(0.0, 100.0) as u8, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rules_parse() {
        let mut rules = FlagRules::default();
        rules.apply(Path::new("lexicons/flags.tsv"), DEFAULT_RULES).unwrap();
        assert!(rules.strongly_negative < 0.0 && rules.anger > 0.0);
        assert!(rules.weights.iter().all(|&w| w > 0.0), "every reason has points by default");
    }

    #[test]
    fn a_rules_file_overrides_only_its_keys_and_names_bad_lines() {
        let mut rules = FlagRules::default();
        rules.apply(Path::new("my.tsv"), "# mine\nanger\t0.9\nweight.anger\t0\n").unwrap();
        assert!((rules.anger - 0.9).abs() < 1e-6);
        assert!((rules.strongly_negative - FlagRules::default().strongly_negative).abs() < 1e-6);
        let err = rules.apply(Path::new("my.tsv"), "\nanger\tlots\n").unwrap_err().to_string();
        assert!(err.contains("my.tsv:2") && err.contains("not a number"), "{err}");
        let err = rules.apply(Path::new("my.tsv"), "weight.nonsense\t5\n").unwrap_err().to_string();
        assert!(err.contains("unknown key") && err.contains("legal_threat"), "{err}");
        let err = rules.apply(Path::new("my.tsv"), "anger\t3\n").unwrap_err().to_string();
        assert!(err.contains("outside"), "{err}");
    }

    #[test]
    fn a_zero_weight_switches_a_reason_off() {
        let mut rules = FlagRules::default();
        rules.apply(Path::new("x"), "weight.anger\t0\n").unwrap();
        let f = evaluate(&FlagInput { anger: 0.9, anger_span: Some((0, 3)), ..Default::default() }, &rules);
        assert!(!f.flagged);
    }

    #[test]
    fn calm_text_is_not_flagged() {
        let f = evaluate(&FlagInput { compound: 0.4, ..Default::default() }, &FlagRules::default());
        assert!(!f.flagged);
        assert_eq!(f.priority, 0);
    }

    #[test]
    fn a_happy_customer_mentioning_a_competitor_is_not_churn() {
        let rules = FlagRules::default();
        let happy = FlagInput { compound: 0.7, churn_intent: Some((0, 5)), ..Default::default() };
        assert!(!evaluate(&happy, &rules).flagged);
        let unhappy = FlagInput { compound: -0.3, churn_intent: Some((0, 5)), ..Default::default() };
        assert_eq!(evaluate(&unhappy, &rules).reasons[0].0, FlagReason::ChurnIntent);
        let legal = FlagInput { compound: 0.2, legal_threat: Some((0, 5)), ..Default::default() };
        assert!(evaluate(&legal, &rules).flagged, "a legal threat is flagged whatever the tone");
    }

    #[test]
    fn angry_legal_repeat_caller_outranks_a_mildly_negative_review() {
        let rules = FlagRules::default();
        let serious = evaluate(
            &FlagInput {
                compound: -0.8,
                anger: 0.7,
                legal_threat: Some((0, 5)),
                repeat_contact: Some((6, 10)),
                ..Default::default()
            },
            &rules,
        );
        let mild = evaluate(&FlagInput { compound: -0.55, ..Default::default() }, &rules);
        assert!(serious.flagged && mild.flagged);
        assert!(serious.priority > mild.priority);
        assert_eq!(serious.reasons[0].0, FlagReason::LegalThreat);
    }

    #[test]
    fn a_rude_agent_is_flagged_from_a_transcript_or_from_the_customers_words() {
        let rules = FlagRules::default();
        let turn = evaluate(&FlagInput { rude_agent_turn: true, ..Default::default() }, &rules);
        assert_eq!(turn.reasons, vec![(FlagReason::RudeAgent, None)]);
        let described = FlagInput { agent_attitude: Some((-0.6, (2, 7))), ..Default::default() };
        assert_eq!(evaluate(&described, &rules).reasons, vec![(FlagReason::RudeAgent, Some((2, 7)))]);
        let kind = FlagInput { agent_attitude: Some((0.6, (2, 7))), ..Default::default() };
        assert!(!evaluate(&kind, &rules).flagged);
    }

    #[test]
    fn ending_worse_needs_a_negative_end() {
        let rules = FlagRules::default();
        let worse = evaluate(&FlagInput { trajectory: Some((0.2, -0.5, (3, 9))), ..Default::default() }, &rules);
        assert_eq!(worse.reasons, vec![(FlagReason::EndedWorse, Some((3, 9)))]);
        let calmer = evaluate(&FlagInput { trajectory: Some((0.8, 0.3, (3, 9))), ..Default::default() }, &rules);
        assert!(!calmer.flagged);
    }
}
