//! Transcripts: chat and call [`Turn`]s with speaker [`Role`]s, read from JSON arrays (`turns` / `messages`) or from
//! "Speaker: text" lines with localised speaker names (`lexicons/speakers.tsv`). [`join_customer`] builds the
//! analysed text from the customer's turns; [`repeating_turns`] finds customer turns that repeat an earlier one.

use std::collections::{BTreeSet, HashMap};

use crate::normalize::fold;

/// Who speaks a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The customer: their turns are analysed.
    Customer,
    /// A human agent.
    Agent,
    /// A chatbot or voice bot.
    Bot,
    /// System lines ("call transferred", "waiting in queue").
    System,
    /// A speaker name hlas does not know.
    Other,
}

impl Role {
    /// `customer`, `agent`, `bot`, `system` or `other`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Bot => "bot",
            Role::System => "system",
            Role::Other => "other",
        }
    }
}

/// One turn of a transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Turn {
    /// The speaker's role.
    pub role: Role,
    /// The speaker as written in the input.
    pub speaker: String,
    /// What they said.
    pub text: String,
}

/// Localised speaker names → roles, from `lexicons/speakers.tsv`.
#[derive(Clone, Debug, Default)]
pub struct Speakers {
    names: HashMap<String, Role>,
}

impl Speakers {
    /// Builds the table from `(name, role)` pairs; names are folded.
    #[must_use]
    pub fn new(pairs: impl IntoIterator<Item = (String, Role)>) -> Self {
        Speakers { names: pairs.into_iter().map(|(n, r)| (fold(n.trim()), r)).collect() }
    }

    /// The role of a speaker name: exact (folded), or by its first word ("Agent Petra", "Customer 1").
    #[must_use]
    pub fn role_of(&self, speaker: &str) -> Role {
        let f = fold(speaker.trim());
        if let Some(r) = self.names.get(&f) {
            return *r;
        }
        f.split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .next()
            .and_then(|w| self.names.get(w))
            .copied()
            .unwrap_or(Role::Other)
    }

    /// Parses "Speaker: text" lines. Returns `None` unless at least two lines open with a known speaker name and the
    /// text starts with one; lines without a speaker continue the turn before them.
    #[must_use]
    pub fn parse_lines(&self, text: &str) -> Option<Vec<Turn>> {
        let mut turns: Vec<Turn> = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let labelled = trimmed.split_once(':').and_then(|(name, rest)| {
                let name = name.trim();
                let plausible = !name.is_empty() && name.chars().count() <= 40;
                let role = if plausible { self.role_of(name) } else { Role::Other };
                (role != Role::Other).then(|| (role, name, rest.trim()))
            });
            match (labelled, turns.last_mut()) {
                (Some((role, name, rest)), _) => {
                    turns.push(Turn { role, speaker: name.to_string(), text: rest.to_string() })
                }
                (None, Some(last)) => {
                    if !last.text.is_empty() {
                        last.text.push(' ');
                    }
                    last.text.push_str(trimmed);
                }
                (None, None) => return None,
            }
        }
        (turns.len() >= 2).then_some(turns)
    }

    /// Reads turns from a JSON array of objects with a speaker (`speaker`, `role`, `from`, `author`, `sender`) and
    /// a text (`text`, `content`, `message`, `body`).
    ///
    /// # Errors
    /// A message naming the first turn that is not an object or has no text.
    pub fn from_json(&self, turns: &[serde_json::Value]) -> Result<Vec<Turn>, String> {
        let mut out = Vec::with_capacity(turns.len());
        for (i, t) in turns.iter().enumerate() {
            let Some(obj) = t.as_object() else {
                return Err(format!("transcript turn {} is not an object", i + 1));
            };
            let field = |names: &[&str]| names.iter().find_map(|n| obj.get(*n).and_then(|v| v.as_str()));
            let speaker = field(&["speaker", "role", "from", "author", "sender", "name"]).unwrap_or("");
            let Some(text) = field(&["text", "content", "message", "body"]) else {
                return Err(format!("transcript turn {} has no text", i + 1));
            };
            out.push(Turn { role: self.role_of(speaker), speaker: speaker.to_string(), text: text.to_string() });
        }
        Ok(out)
    }
}

/// The customer's side of a transcript, joined with line breaks, and where each customer turn sits in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Joined {
    /// The analysed text.
    pub text: String,
    /// Character span of each analysed turn in `text`, in turn order.
    pub spans: Vec<(u32, u32)>,
    /// The index of each analysed turn among all the turns.
    pub turn_index: Vec<usize>,
}

/// Joins the customer's turns; when no turn is the customer's, the turns of unknown speakers; failing that, every
/// turn that is not a system line.
#[must_use]
pub fn join_customer(turns: &[Turn]) -> Joined {
    let pick = |pred: &dyn Fn(&Turn) -> bool| turns.iter().enumerate().filter(|(_, t)| pred(t)).collect::<Vec<_>>();
    let mut chosen = pick(&|t| t.role == Role::Customer);
    if chosen.is_empty() {
        chosen = pick(&|t| t.role == Role::Other);
    }
    if chosen.is_empty() {
        chosen = pick(&|t| t.role != Role::System);
    }
    let mut text = String::new();
    let mut spans = Vec::with_capacity(chosen.len());
    let turn_index = chosen.iter().map(|(k, _)| *k).collect();
    let mut chars = 0u32;
    for (i, (_, t)) in chosen.iter().enumerate() {
        if i > 0 {
            text.push('\n');
            chars += 1;
        }
        let n = t.text.chars().count() as u32;
        text.push_str(&t.text);
        spans.push((chars, chars + n));
        chars += n;
    }
    Joined { text, spans, turn_index }
}

/// The customer turns whose content words (stems) largely repeat an earlier turn's (at least two shared and at
/// least half of the shorter turn), each as (turn, the earliest turn it repeats). `turn_stems` holds each customer
/// turn's content stems; indices are into it.
#[must_use]
pub fn repeating_turns(turn_stems: &[BTreeSet<String>]) -> Vec<(usize, usize)> {
    (0..turn_stems.len())
        .filter_map(|k| {
            let cur = &turn_stems[k];
            let earlier = turn_stems[..k].iter().position(|prev| {
                let shared = cur.intersection(prev).count();
                let smaller = cur.len().min(prev.len());
                shared >= 2 && smaller > 0 && shared * 2 >= smaller
            })?;
            Some((k, earlier))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speakers() -> Speakers {
        Speakers::new(
            [("zákazník", Role::Customer), ("operátor", Role::Agent), ("customer", Role::Customer), ("bot", Role::Bot)]
                .map(|(n, r)| (n.to_string(), r)),
        )
    }

    #[test]
    fn parses_localised_speaker_lines() {
        let turns = speakers()
            .parse_lines(
                "Zákazník: Dobrý den\nOperátor: Dobrý den, jak pomohu?\npokračování\nZakaznik: Nefunguje mi to",
            )
            .unwrap();
        assert_eq!(turns.len(), 3);
        assert_eq!(turns[1].text, "Dobrý den, jak pomohu? pokračování");
        assert_eq!(turns[2].role, Role::Customer);
        assert!(speakers().parse_lines("Poznámka: jen text").is_none());
        assert!(speakers().parse_lines("Cena: 100 Kč\nZákazník: ok").is_none(), "must open with a speaker");
    }

    #[test]
    fn joins_customer_turns_with_spans() {
        let turns = speakers().parse_lines("Customer: hi\nbot: hello\nCustomer: it broke").unwrap();
        let j = join_customer(&turns);
        assert_eq!(j.text, "hi\nit broke");
        assert_eq!(j.spans, vec![(0, 2), (3, 11)]);
    }

    #[test]
    fn json_turns_need_text() {
        let v: Vec<serde_json::Value> =
            serde_json::from_str(r#"[{"role":"customer","text":"a"},{"role":"agent"}]"#).unwrap();
        assert_eq!(speakers().from_json(&v).unwrap_err(), "transcript turn 2 has no text");
    }

    #[test]
    fn counts_repeated_requests() {
        let set = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect::<BTreeSet<_>>();
        let turns = [
            set(&["zmen", "tarif", "prosim"]),
            set(&["hello"]),
            set(&["zmen", "tarif"]),
            set(&["tarif", "zmen", "uz"]),
        ];
        assert_eq!(repeating_turns(&turns), vec![(2, 0), (3, 0)]);
    }
}
