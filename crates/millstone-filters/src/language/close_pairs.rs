//! A second opinion for close language pairs that the fastText model confuses.
//!
//! For: Czech/Slovak, Danish/Norwegian (Bokmål), Spanish/Portuguese, Bulgarian/Macedonian and
//! Chinese/Japanese — pairs where lid.176 often puts the right language second. Not for:
//! overruling a model that is sure of itself, or any other language. Indonesian/Malay, lid.176's
//! most frequent confusion, is left out: word frequencies turned more right answers wrong than
//! they fixed (see `tools/language/close_pairs.py`).
//!
//! Two kinds of evidence:
//! - **Words** (all pairs but Chinese/Japanese): a naive-Bayes table of the words whose
//!   frequencies differ most between the two languages (`assets/close_pairs.tsv`, written by
//!   `tools/language/close_pairs.py` from wordfreq's frequency lists: `ln(f_A / f_B)` per word,
//!   clipped to ±5). The text's words are looked up and their ratios summed.
//! - **Kana** (Chinese/Japanese): Japanese is written with kana and Chinese never is, so a text
//!   of Han characters without kana is Chinese, and one whose CJK characters are a tenth or more
//!   kana is Japanese.
//!
//! The model's answer is replaced by its partner only when the partner is among the model's top
//! three answers with probability ≥ [`MIN_PARTNER_PROB`] (the model finds it plausible) and the
//! evidence for the partner is at least [`MIN_EVIDENCE`] (a summed log ratio: e⁴ ≈ 55 to 1).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::fasttext::Prediction;

/// How much probability the model must give the partner before the second opinion may pick it.
pub const MIN_PARTNER_PROB: f32 = 0.05;
/// How strongly the words must favour the partner (sum of `ln(f_partner / f_answer)`).
pub const MIN_EVIDENCE: f32 = 4.0;

static TABLE_TSV: &str = include_str!("../../assets/close_pairs.tsv");
static TABLES: OnceLock<Vec<PairTable>> = OnceLock::new();

/// One pair's word table: `ratio[w] = ln(f_a(w) / f_b(w))`.
struct PairTable {
    a: &'static str,
    b: &'static str,
    ratio: HashMap<&'static str, f32>,
}

fn tables() -> &'static [PairTable] {
    TABLES.get_or_init(|| {
        let mut out: Vec<PairTable> = Vec::new();
        for line in TABLE_TSV.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split('\t');
            let (Some(a), Some(b), Some(w), Some(r)) = (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let Ok(r) = r.parse::<f32>() else { continue };
            let i = match out.iter().position(|t| t.a == a && t.b == b) {
                Some(i) => i,
                None => {
                    out.push(PairTable {
                        a,
                        b,
                        ratio: HashMap::new(),
                    });
                    out.len() - 1
                }
            };
            out[i].ratio.insert(w, r);
        }
        out
    })
}

/// lid.176's code for a language of the pairs, given lid.176's or GlotLID's (ISO 639-3) code.
fn canonical(code: &str) -> &str {
    match code {
        "ces" => "cs",
        "slk" => "sk",
        "dan" => "da",
        "nob" | "nor" | "nb" => "no",
        "spa" => "es",
        "por" => "pt",
        "bul" => "bg",
        "mkd" => "mk",
        "zho" | "cmn" => "zh",
        "jpn" => "ja",
        other => other,
    }
}

/// Summed word evidence for `b` over `a` in `text` (positive: the words favour `b`).
fn word_evidence(table: &PairTable, text: &str) -> f32 {
    let mut sum = 0.0;
    let mut lower = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        lower.clear();
        lower.extend(word.chars().flat_map(char::to_lowercase));
        if let Some(r) = table.ratio.get(lower.as_str()) {
            sum -= r;
        }
    }
    sum
}

/// Which language the evidence in `text` favours over `said` (canonical codes), if it does so
/// by at least [`MIN_EVIDENCE`] (for kana: by the rule in the module docs).
fn evidence_against(said: &str, text: &str) -> Option<&'static str> {
    if said == "zh" || said == "ja" {
        let (mut han, mut kana) = (0usize, 0usize);
        for c in text.chars() {
            match c as u32 {
                0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => kana += 1,
                0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => han += 1,
                _ => {}
            }
        }
        if said == "ja" && kana == 0 && han >= 4 {
            return Some("zh");
        }
        if said == "zh" && kana >= 2 && kana * 10 >= han + kana {
            return Some("ja");
        }
        return None;
    }
    let table = tables().iter().find(|t| t.a == said || t.b == said)?;
    let for_b = word_evidence(table, text);
    if said == table.a && for_b >= MIN_EVIDENCE {
        Some(table.b)
    } else if said == table.b && -for_b >= MIN_EVIDENCE {
        Some(table.a)
    } else {
        None
    }
}

/// Where the second opinion overrules the model: the index (into `top`, the model's answers best
/// first as (code, probability)) of the answer to use instead of the first. `None`: keep it.
pub fn overrule(text: &str, top: &[(&str, f32)]) -> Option<usize> {
    let (said, _) = *top.first()?;
    let other = evidence_against(canonical(said), text)?;
    top.iter()
        .take(3)
        .position(|(code, p)| canonical(code) == other && *p >= MIN_PARTNER_PROB)
}

/// Apply [`overrule`] to the model's `predictions` (best first; `code_of` gives a label's
/// language code): the partner moves to the front with both probabilities added, and the
/// overruled answer leaves the list.
pub fn apply<'a>(text: &str, code_of: impl Fn(u32) -> &'a str, predictions: &mut Vec<Prediction>) {
    let mut top = [("", 0f32); 3];
    let n = predictions.len().min(3);
    for (slot, p) in top.iter_mut().zip(predictions.iter()) {
        *slot = (code_of(p.label), p.prob);
    }
    if let Some(i) = overrule(text, &top[..n]).filter(|&i| i > 0) {
        let mut partner = predictions.remove(i);
        partner.prob += predictions[0].prob;
        predictions[0] = partner;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slovak_words_overrule_a_czech_answer() {
        let sk = "Každý má právo na slobodu myslenia, svedomia a náboženstva; toto právo zahŕňa \
            aj voľnosť zmeniť svoje náboženstvo alebo vieru.";
        assert_eq!(overrule(sk, &[("cs", 0.6), ("sk", 0.38)]), Some(1));
        let cs = "Každý má právo na svobodu myšlení, svědomí a náboženství; toto právo zahrnuje \
            i svobodu změnit své náboženství nebo víru.";
        assert_eq!(overrule(cs, &[("cs", 0.6), ("sk", 0.38)]), None);
        assert_eq!(overrule(cs, &[("sk", 0.5), ("cs", 0.45)]), Some(1));
    }

    #[test]
    fn danish_and_norwegian_by_their_function_words() {
        let no = "Alle mennesker er født frie og med samme menneskeverd og menneskerettigheter. \
            De er utstyrt med fornuft og samvittighet og bør handle mot hverandre i brorskapets ånd.";
        assert_eq!(overrule(no, &[("da", 0.55), ("no", 0.4)]), Some(1));
        let da = "Alle mennesker er født frie og lige i værdighed og rettigheder. De er udstyret \
            med fornuft og samvittighed, og de bør handle mod hverandre i en broderskabets ånd.";
        assert_eq!(overrule(da, &[("da", 0.55), ("no", 0.4)]), None);
    }

    #[test]
    fn an_implausible_partner_is_not_chosen() {
        // Norwegian words, but the model gives Norwegian almost nothing.
        let no = "Alle mennesker er født frie og med samme menneskeverd og menneskerettigheter.";
        assert_eq!(
            overrule(no, &[("da", 0.97), ("sv", 0.02), ("no", 0.01)]),
            None
        );
    }

    #[test]
    fn a_quoted_name_does_not_flip_a_document() {
        let es = "El equipo viajó ayer a São Paulo para jugar el partido de vuelta.";
        assert_eq!(overrule(es, &[("es", 0.6), ("pt", 0.3)]), None);
    }

    #[test]
    fn kana_decide_between_chinese_and_japanese() {
        let zh = "人人生而自由，在尊严和权利上一律平等。";
        assert_eq!(overrule(zh, &[("ja", 0.55), ("zh", 0.4)]), Some(1));
        let ja =
            "すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。";
        assert_eq!(overrule(ja, &[("ja", 0.9), ("zh", 0.08)]), None);
        assert_eq!(overrule(ja, &[("zh", 0.5), ("ja", 0.45)]), Some(1));
        // Too few Han characters to say anything.
        assert_eq!(overrule("東京 Tokyo", &[("ja", 0.5), ("zh", 0.4)]), None);
    }

    #[test]
    fn glotlid_codes_are_understood() {
        let sk = "Každý má právo na slobodu myslenia, svedomia a náboženstva; toto právo zahŕňa \
            aj voľnosť zmeniť svoje náboženstvo alebo vieru.";
        assert_eq!(overrule(sk, &[("ces", 0.6), ("slk", 0.38)]), Some(1));
    }

    #[test]
    fn other_languages_are_left_alone() {
        assert_eq!(overrule("ľ ä ô voľnosť", &[("en", 0.5), ("sk", 0.4)]), None);
        assert_eq!(overrule("", &[]), None);
    }

    #[test]
    fn the_table_has_every_pair() {
        let pairs: Vec<(&str, &str)> = tables().iter().map(|t| (t.a, t.b)).collect();
        for p in [("cs", "sk"), ("da", "no"), ("es", "pt"), ("bg", "mk")] {
            assert!(pairs.contains(&p), "{p:?} missing");
        }
        assert!(tables().iter().all(|t| t.ratio.len() > 1000));
    }
}
