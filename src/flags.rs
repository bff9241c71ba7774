//! QA flags: [`evaluate`] applies documented rules to what the earlier stages found and decides whether a QA team
//! should read the interaction, how urgently (priority 0–100) and why (reasons, each with the span that proves it).

/// A reason to flag, with its stable code (written to `flag_reasons`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlagReason {
    /// A legal threat: lawyer, court, lawsuit.
    LegalThreat,
    /// The customer says they will leave.
    ChurnIntent,
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
    /// The code written to the output.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            FlagReason::LegalThreat => "legal_threat",
            FlagReason::ChurnIntent => "churn_intent",
            FlagReason::StronglyNegative => "strongly_negative",
            FlagReason::Anger => "anger",
            FlagReason::RepeatedContact => "repeated_contact",
            FlagReason::EndedWorse => "ended_worse",
        }
    }

    /// How much the reason adds to the priority.
    fn weight(self) -> f32 {
        match self {
            FlagReason::LegalThreat => 40.0,
            FlagReason::ChurnIntent => 30.0,
            FlagReason::StronglyNegative => 25.0,
            FlagReason::Anger => 20.0,
            FlagReason::RepeatedContact => 15.0,
            FlagReason::EndedWorse => 15.0,
        }
    }
}

/// Thresholds of the flag rules.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagThresholds {
    /// Compound at or below which a text is strongly negative. Default −0.5.
    pub strongly_negative: f32,
    /// Anger (or disgust) intensity at or above which anger is flagged. Default 0.4.
    pub anger: f32,
    /// How much lower the last customer turn must score than the first to count as ending worse. Default 0.3.
    pub worse_by: f32,
}

impl Default for FlagThresholds {
    fn default() -> Self {
        FlagThresholds { strongly_negative: -0.5, anger: 0.4, worse_by: 0.3 }
    }
}

/// What the rules look at. Spans are character spans in the analysed text; `None` where nothing points anywhere.
#[derive(Clone, Debug, Default)]
pub struct FlagInput {
    /// Document compound.
    pub compound: f32,
    /// The most negative sentiment hit's span.
    pub most_negative: Option<(u32, u32)>,
    /// Anger and disgust intensities, and the span of the hit that contributed most to them.
    pub anger: f32,
    /// Disgust intensity.
    pub disgust: f32,
    /// Span of the strongest anger or disgust hit.
    pub anger_span: Option<(u32, u32)>,
    /// First span of the legal_threat, churn_intent and repeat_contact themes, when found.
    pub legal_threat: Option<(u32, u32)>,
    /// See `legal_threat`.
    pub churn_intent: Option<(u32, u32)>,
    /// See `legal_threat`.
    pub repeat_contact: Option<(u32, u32)>,
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
pub fn evaluate(input: &FlagInput, th: &FlagThresholds) -> Flags {
    let mut reasons: Vec<(FlagReason, Option<(u32, u32)>)> = Vec::new();
    let mut extra = 0.0f32;
    if let Some(span) = input.legal_threat {
        reasons.push((FlagReason::LegalThreat, Some(span)));
    }
    if let Some(span) = input.churn_intent {
        reasons.push((FlagReason::ChurnIntent, Some(span)));
    }
    if input.compound <= th.strongly_negative {
        reasons.push((FlagReason::StronglyNegative, input.most_negative));
        // Up to 15 more for how far below the threshold it is.
        let depth = (th.strongly_negative - input.compound) / (1.0 + th.strongly_negative).max(0.05);
        extra += 15.0 * depth.clamp(0.0, 1.0);
    }
    if input.anger.max(input.disgust) >= th.anger {
        reasons.push((FlagReason::Anger, input.anger_span));
    }
    if let Some(span) = input.repeat_contact.or(input.repeated_turn) {
        reasons.push((FlagReason::RepeatedContact, Some(span)));
    }
    if let Some((start, end, span)) = input.trajectory
        && end < 0.0
        && start - end >= th.worse_by
    {
        reasons.push((FlagReason::EndedWorse, Some(span)));
    }
    reasons.sort_by_key(|(r, _)| *r);
    let priority = if reasons.is_empty() { 0.0 } else { reasons.iter().map(|(r, _)| r.weight()).sum::<f32>() + extra };
    Flags { flagged: !reasons.is_empty(), priority: priority.round().clamp(0.0, 100.0) as u8, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calm_text_is_not_flagged() {
        let f = evaluate(&FlagInput { compound: 0.4, ..Default::default() }, &FlagThresholds::default());
        assert!(!f.flagged);
        assert_eq!(f.priority, 0);
    }

    #[test]
    fn angry_legal_repeat_caller_outranks_a_mildly_negative_review() {
        let th = FlagThresholds::default();
        let serious = evaluate(
            &FlagInput {
                compound: -0.8,
                anger: 0.7,
                legal_threat: Some((0, 5)),
                repeat_contact: Some((6, 10)),
                ..Default::default()
            },
            &th,
        );
        let mild = evaluate(&FlagInput { compound: -0.55, ..Default::default() }, &th);
        assert!(serious.flagged && mild.flagged);
        assert!(serious.priority > mild.priority);
        assert_eq!(serious.reasons[0].0, FlagReason::LegalThreat);
    }

    #[test]
    fn ending_worse_needs_a_negative_end() {
        let th = FlagThresholds::default();
        let worse = evaluate(&FlagInput { trajectory: Some((0.2, -0.5, (3, 9))), ..Default::default() }, &th);
        assert_eq!(worse.reasons, vec![(FlagReason::EndedWorse, Some((3, 9)))]);
        let calmer = evaluate(&FlagInput { trajectory: Some((0.8, 0.3, (3, 9))), ..Default::default() }, &th);
        assert!(!calmer.flagged);
    }
}
