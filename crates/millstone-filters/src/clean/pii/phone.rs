//! Phone numbers: precise rather than greedy. A run of digit groups is a phone number only when
//! its *shape* says so; digits alone never do.
//!
//! A candidate is a run of digit groups (ASCII digits; a group may be a parenthesised area code
//! `(555)` or trunk `(0)`) joined by single separators — `-`, `.`, `/` or up to two spaces (also
//! no-break and thin spaces) on either side of `-` or `/` — optionally starting with `+`. It
//! must not be glued to a word, a decimal or a path (`_ . , - / # @ $ € …` or a letter or digit
//! right before it), nor be followed by a letter, `%`, `°`, a decimal part, `:` and a digit
//! (times), or a currency or unit. It holds 7 to 15 digits (E.164's maximum) and has one of
//! these shapes:
//!
//! | shape | examples |
//! |---|---|
//! | `+` and a country code, ≥ 8 digits (≥ 10 when written without separators) | `+44 20 7946 0958`, `+49 (0)30 123456`, `+33612345678` |
//! | a parenthesised area code (2–5 digits; four digits only with a leading 0) and ≥ 5 digits after it, optionally after one digit | `(555) 123-4567`, `(11) 91234-5678`, `8 (495) 123-45-67` |
//! | North American 3-3-4 (area code not starting with 0 or 1), optionally after `1` | `555-123-4567`, `1-800-555-0199`, `212.555.0143` |
//! | a national trunk prefix: first group `0…` of 2–5 digits, every group ≥ 2 digits, 9–13 digits (15 after `00`); dots only if every separator is a dot | `0171 1234567`, `030/1234567`, `01 23 45 67 89`, `03-1234-5678` |
//! | a Chinese mobile 3-4-4 starting `13`…`19` | `138 0013 8000` |
//! | French `0 8xx` special numbers; Spanish nine digits ending in pairs, starting 6–9 | `0 800 12 34 56`, `93 123 45 67` |
//! | ending in `ddd-dd-dd` with ≥ 10 digits | `8 800 555-35-35` |
//! | anything else of 7–15 digits right after a phone word (`Tel`, `phone`, `Fax`, `mobile`, `Handy`, `téléphone`, `teléfono`, `телефон`, `電話`, `电话`, …) that does not read as a grouped amount (`1 234 567`) | `Tel. 912 345 678`, `Telefon: 0301234567` |
//!
//! A run is never a phone number when it holds a date (`2024-03-12`, `12.03.2024`, `3/12/24`)
//! or a range of years (`1990-2000`), when it is an ISBN (13 digits starting 978/979; 10 digits in
//! ≥ 4 dashed groups ending in one digit), a DOI (`10.1234/…`), or an identifier named just before
//! it (`ISBN`, `ISSN`, `DOI`, `IBAN`, `EAN`, `PMID`, …), or right after a code of letters and
//! digits (`DE89 3704 …`). Long runs (two numbers in a row, a number and a count) are cut at
//! a space to the longest prefix that has a shape.
//!
//! Not found, knowingly: local numbers without area code or phone word (`555-0123`), numbers
//! grouped like amounts without a phone word (Spanish `912 345 678`), vanity numbers
//! (`1-800-FLOWERS`), numbers written with full-width or non-ASCII digits, and extensions after
//! `ext.`. Never found: two one-digit groups in a row (`1 2 3 4 5 6 7`), more than five pairs, or
//! four or more equal groups of three or more digits without a `+` (`012 013 023 123`), which
//! are sequences and lists.

use std::ops::Range;

const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;
/// Groups kept for the shape checks; a longer run is skipped whole.
const MAX_GROUPS: usize = 12;
/// How far back (bytes) phone and identifier words are looked for.
const KEYWORD_WINDOW: usize = 40;

/// Words that make the number after them a phone number (lower case). Letter words must be
/// whole words: `Telemed` or `hotel` hold no `tel`, `calls` is not `call`.
#[rustfmt::skip]
const PHONE_WORDS: &[&str] = &[
    "tel", "tél", "telefon", "telephone", "téléphone", "telefono", "teléfono", "telefone", "telf",
    "phone", "ph", "fon", "fone", "fax", "mobil", "mobile", "móvil", "movil", "cell", "cellphone",
    "celular", "handy", "call", "calling", "ring", "ruf", "rufnummer", "appel", "appelez",
    "appeler", "llame", "llama", "llamar", "llámanos", "llámenos", "whatsapp", "sms", "hotline",
    "helpline", "infolinia", "contact", "kontakt", "contacto", "contato", "contactez", "tlf",
    "puh", "puhelin", "тел", "телефон", "моб", "звоните", "факс", "電話", "电话", "手机", "手機", "携帯",
    "전화", "هاتف",
];

/// Words that make the number after them an identifier (lower case, whole words); they win
/// over a phone shape (`VAT-ID: PL 957-107-23-74`, `Charity ID: 05-0559626`).
#[rustfmt::skip]
const IDENTIFIER_WORDS: &[&str] = &[
    "isbn", "issn", "doi", "iban", "bic", "swift", "ean", "gtin", "upc", "sku", "asin", "isin",
    "pmid", "pmcid", "arxiv", "siret", "siren", "id", "uid", "ein", "vat", "nif", "cif", "ssn",
    "kvk", "ust", "routing", "acct", "serial", "patent", "invoice", "ref", "nip", "regon", "krs",
    "inn", "ogrn", "kpp", "cpf", "cnpj", "dni", "nie", "tracking", "kundennummer", "kundennr",
    "mitgliedsnummer", "bestellnummer", "auftragsnummer", "rechnungsnummer", "référence",
    "referencia",
];

/// Words and symbols after a number that make it an amount or a measure.
#[rustfmt::skip]
const AMOUNT_AFTER: &[&str] = &[
    "€", "$", "£", "¥", "₽", "₹", "%", "eur", "euro", "euros", "usd", "dollar", "dollars", "gbp",
    "chf", "jpy", "rub", "руб", "рублей", "yen", "円", "元", "kr", "km", "kg", "mb", "gb",
];

/// Symbols right before or after a number that make it an amount.
fn is_currency(c: char) -> bool {
    matches!(
        c,
        '$' | '€'
            | '£'
            | '¥'
            | '₹'
            | '₽'
            | '₩'
            | '₺'
            | '₴'
            | '¢'
            | '₪'
            | '₫'
            | '฿'
            | '円'
            | '元'
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Punct {
    None,
    Dash,
    Dot,
    Slash,
}

/// The separator before a group: its punctuation and whether it has spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sep {
    punct: Punct,
    space: bool,
}

const ADJACENT: Sep = Sep {
    punct: Punct::None,
    space: false,
};

/// One digit group: its digits are `start..end`; a parenthesised group has `(` before and `)`
/// after them.
#[derive(Clone, Copy, Debug)]
struct Group {
    start: usize,
    end: usize,
    paren: bool,
    /// The separator before this group (meaningless for the first).
    sep: Sep,
}

impl Group {
    fn len(&self) -> usize {
        self.end - self.start
    }

    fn outer_end(&self) -> usize {
        self.end + usize::from(self.paren)
    }
}

/// What the scanner should do with the digit run at hand.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A phone number; scanning goes on after it.
    Phone(Range<usize>),
    /// Not one; scanning goes on from here.
    Skip(usize),
}

/// The candidate run: an optional `+`, then groups.
struct Run<'t> {
    text: &'t str,
    start: usize,
    plus: bool,
    groups: [Group; MAX_GROUPS],
    n: usize,
    /// More than [`MAX_GROUPS`] groups: a table row or a list of numbers, not one number.
    overflow: bool,
    /// Where the run ends, including groups past [`MAX_GROUPS`].
    end: usize,
}

/// Is there a phone number starting at the digit at `at` (the byte before it is not a digit)?
/// It may start with a `+` or `(` just before `at`, but not before `floor`, and ends before
/// `limit`.
pub(super) fn phone_at(text: &str, at: usize, floor: usize, limit: usize) -> Outcome {
    let b = text.as_bytes();
    let mut start = at;
    if at > floor && matches!(b[at - 1], b'+' | b'(') {
        start = at - 1;
        if b[start] == b'(' && start > floor && b[start - 1] == b'+' {
            start -= 1;
        }
    }
    let mut run = parse(text, start, limit);
    if run.n == 0 && start < at {
        // `(1234567)` is not an area code: read the digits on their own.
        run = parse(text, at, limit);
    }
    if run.n == 0 {
        return Outcome::Skip(at + 1);
    }
    // A run that is not a number may still end in one that starts with an area code in
    // parentheses (`Open 24/7 (877) 555-0142`): look again from there.
    let retry = run.groups[1..run.n]
        .iter()
        .find(|g| g.paren && g.sep.space)
        .map_or(run.end, |g| g.start);
    let skip = Outcome::Skip(retry.max(at + 1));
    if run.overflow
        || run.groups[..run.n].iter().any(|g| g.len() > MAX_DIGITS)
        || bad_before(text, run.start)
        || run.is_list()
        || run.is_identifier()
    {
        return skip;
    }
    let digits: usize = run.groups[..run.n].iter().map(Group::len).sum();
    let words = if digits >= MIN_DIGITS {
        words_before(text, run.start)
    } else {
        Words::None
    };
    if words == Words::Identifier {
        return skip;
    }
    let quoted = matches!(text[..run.start].chars().next_back(), Some('"' | '\''));
    for k in (1..=run.n).rev() {
        if k < run.n && !run.groups[k].sep.space {
            continue;
        }
        let digits: usize = run.groups[..k].iter().map(Group::len).sum();
        if digits < MIN_DIGITS {
            break;
        }
        if digits > MAX_DIGITS || run.prefix_is_not_a_phone(k) {
            continue;
        }
        let end = run.groups[k - 1].outer_end();
        if run.has_shape(k, digits) {
            return Outcome::Phone(run.start..end);
        }
        // A phone word is weaker evidence: not for amounts (`Tel. 1 234 567`) nor for quoted
        // values (`"Phone Control","id":"12097489011"`).
        if words == Words::Phone
            && (!run.is_amount(k) || run.groups[0].len() == 3)
            && !(quoted && text[end..].starts_with(['"', '\'']))
        {
            return Outcome::Phone(run.start..end);
        }
    }
    skip
}

/// Read groups and separators from `start` (a `+`, `(` or digit).
fn parse(text: &str, start: usize, limit: usize) -> Run<'_> {
    let b = text.as_bytes();
    let mut run = Run {
        text,
        start,
        plus: b[start] == b'+',
        groups: [Group {
            start: 0,
            end: 0,
            paren: false,
            sep: ADJACENT,
        }; MAX_GROUPS],
        n: 0,
        overflow: false,
        end: start,
    };
    let mut i = start + usize::from(run.plus);
    let mut sep = ADJACENT;
    loop {
        let group = if b.get(i) == Some(&b'(') {
            let ds = i + 1;
            let mut j = ds;
            while j < limit && b[j].is_ascii_digit() && j - ds < 6 {
                j += 1;
            }
            if j == ds || j - ds > 5 || j >= limit || b[j] != b')' {
                break;
            }
            Group {
                start: ds,
                end: j,
                paren: true,
                sep,
            }
        } else if i < limit && b[i].is_ascii_digit() {
            let ds = i;
            let mut j = i;
            while j < limit && b[j].is_ascii_digit() {
                j += 1;
            }
            Group {
                start: ds,
                end: j,
                paren: false,
                sep,
            }
        } else {
            break;
        };
        if run.n < MAX_GROUPS {
            run.groups[run.n] = group;
            run.n += 1;
        } else {
            run.overflow = true;
        }
        i = group.outer_end();
        run.end = i;
        match separator(b, i, limit, group.paren) {
            Some((next, s)) => {
                sep = s;
                i = next;
            }
            None => break,
        }
    }
    run
}

/// Byte length of a space character at `i`: space, no-break space, thin or narrow no-break space.
fn space_at(b: &[u8], i: usize) -> usize {
    match b.get(i..) {
        Some([b' ', ..]) => 1,
        Some([0xc2, 0xa0, ..]) => 2,
        Some([0xe2, 0x80, 0x89 | 0xaf, ..]) => 3,
        _ => 0,
    }
}

/// The separator at `i` (after a group) and where the next group starts, if one follows.
fn separator(b: &[u8], i: usize, limit: usize, after_paren: bool) -> Option<(usize, Sep)> {
    let mut j = i;
    let mut spaces = 0;
    let mut skip_spaces = |j: &mut usize| {
        for _ in 0..2 {
            let w = space_at(b, *j);
            if w == 0 {
                break;
            }
            *j += w;
            spaces += 1;
        }
    };
    skip_spaces(&mut j);
    let punct = match b.get(j) {
        Some(b'-') => Punct::Dash,
        Some(b'.') => Punct::Dot,
        Some(b'/') => Punct::Slash,
        _ => Punct::None,
    };
    if punct != Punct::None {
        j += 1;
        skip_spaces(&mut j);
    }
    let sep = Sep {
        punct,
        space: spaces > 0,
    };
    if j >= limit {
        return None;
    }
    let next_digit = b[j].is_ascii_digit();
    let next_paren = b[j] == b'(' && b.get(j + 1).is_some_and(u8::is_ascii_digit);
    let ok = match (punct, sep.space) {
        (Punct::None, false) => (after_paren && next_digit) || next_paren,
        (Punct::Dot, true) => false,
        _ => next_digit || next_paren,
    };
    ok.then_some((j, sep))
}

/// Does the character before `start` glue the run to something that is not a phone number?
fn bad_before(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let Some(c) = before.chars().next_back() else {
        return false;
    };
    if !text.as_bytes()[start].is_ascii_digit() {
        // `Tel.+49 …`, `Tel:(030) …`: only a word or an operator glues a `+` or `(`.
        return is_word_char(c) || matches!(c, '+' | '-' | '/' | '=' | '&' | '@' | '#');
    }
    if is_word_char(c)
        || is_currency(c)
        || matches!(
            c,
            '_' | '.'
                | ','
                | '-'
                | '/'
                | '\\'
                | '#'
                | '@'
                | '%'
                | '&'
                | '='
                | '~'
                | '^'
                | '+'
                | '№'
                | '§'
                | '°'
                | '×'
        )
    {
        return true;
    }
    // The word before (across one space): a currency, or a code of letters and digits such as
    // the `DE89` that starts an IBAN.
    let rest = before.strip_suffix([' ', '\u{a0}']).unwrap_or(before);
    let mut token_start = rest.len();
    for (n, (i, c)) in rest.char_indices().rev().enumerate() {
        if c.is_whitespace() {
            break;
        }
        if n == 32 {
            return false;
        }
        token_start = i;
    }
    let token = &rest[token_start..];
    let token = token.trim_end_matches([':', '.']);
    token.chars().next_back().is_some_and(is_currency)
        || [
            "usd", "eur", "gbp", "chf", "rs", "r$", "us$", "inr", "rub", "jpy",
        ]
        .iter()
        .any(|w| token.eq_ignore_ascii_case(w))
        || (token.bytes().all(|b| b.is_ascii_alphanumeric())
            && token.bytes().any(|b| b.is_ascii_digit())
            && token.bytes().any(|b| b.is_ascii_alphabetic()))
}

/// A letter or digit of a script written with spaces between words (Latin, Greek, Cyrillic, …):
/// digits glued to one belong to a word. CJK text has no spaces, so a number glued to it is not.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || (c.is_alphanumeric() && (c as u32) < 0x2e80)
}

/// What the nearest telling word before a run says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Words {
    None,
    Phone,
    Identifier,
}

/// The nearest phone or identifier word within [`KEYWORD_WINDOW`] bytes before `start`, if at
/// most four digits stand between it and `start` (so that the word is about this number, not
/// an earlier one: `Call us (800) 555-0100 Routing # 265075087`).
fn words_before(text: &str, start: usize) -> Words {
    let mut from = start.saturating_sub(KEYWORD_WINDOW);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let window = text[from..start].to_lowercase();
    let is_letter = |c: Option<char>| c.is_some_and(char::is_alphabetic);
    let last_end = |list: &[&str]| {
        list.iter()
            .filter_map(|w| {
                window
                    .match_indices(*w)
                    .map(|(i, _)| (i, i + w.len()))
                    .filter(|&(i, e)| {
                        !w.as_bytes()[0].is_ascii_alphabetic()
                            || (!is_letter(window[..i].chars().next_back())
                                && !is_letter(window[e..].chars().next()))
                    })
                    .map(|(_, e)| e)
                    .last()
            })
            .max()
    };
    let (phone, identifier) = (last_end(PHONE_WORDS), last_end(IDENTIFIER_WORDS));
    let (words, end) = match (phone, identifier) {
        (Some(p), Some(i)) if p > i => (Words::Phone, p),
        (Some(p), None) => (Words::Phone, p),
        (_, Some(i)) => (Words::Identifier, i),
        (None, None) => return Words::None,
    };
    if window[end..].bytes().filter(u8::is_ascii_digit).count() > 4 {
        return Words::None;
    }
    words
}

impl Run<'_> {
    fn digits(&self, g: &Group) -> &[u8] {
        &self.text.as_bytes()[g.start..g.end]
    }

    fn value(&self, g: &Group) -> u32 {
        self.digits(g)
            .iter()
            .take(9)
            .fold(0, |v, d| v * 10 + u32::from(d - b'0'))
    }

    /// `012 013 023 123`, `01 02 03 04 05 06`: without a `+`, four or more groups of the same
    /// length of three or more digits, or more than five pairs (French numbers are five pairs),
    /// are a list or a sequence, not a number.
    fn is_list(&self) -> bool {
        let groups = &self.groups[..self.n];
        let len = groups[0].len();
        !self.plus
            && ((self.n >= 4 && len >= 3) || (self.n > 5 && len == 2))
            && groups.iter().all(|g| g.len() == len && !g.paren)
    }

    /// An ISBN or a DOI, whatever prefix is taken.
    fn is_identifier(&self) -> bool {
        let groups = &self.groups[..self.n];
        let digits: usize = groups.iter().map(Group::len).sum();
        let first = self.digits(&groups[0]);
        if digits == 13 && !self.plus && (first.starts_with(b"978") || first.starts_with(b"979")) {
            return true;
        }
        let dashed = groups[1..]
            .iter()
            .all(|g| g.sep.punct == Punct::Dash && !g.paren);
        if digits == 10 && self.n >= 4 && dashed && groups[self.n - 1].len() == 1 {
            return true;
        }
        // `10.1234/…`
        first == b"10"
            && self.n >= 2
            && groups[1].sep
                == Sep {
                    punct: Punct::Dot,
                    space: false,
                }
            && groups[1].len() >= 4
            && self.text.as_bytes().get(groups[1].end) == Some(&b'/')
    }

    /// A date, a range of years, an amount, misplaced parentheses, or glued to what follows.
    fn prefix_is_not_a_phone(&self, k: usize) -> bool {
        let groups = &self.groups[..k];
        let b = self.text.as_bytes();
        let end = groups[k - 1].outer_end();
        // Parentheses hold a country's trunk `(0)` or an area code: once, first or after a
        // short group (`+44 (0)20`, `8 (495)`), never last.
        let parens = groups.iter().filter(|g| g.paren).count();
        match groups.iter().position(|g| g.paren) {
            Some(p) if parens > 1 || p + 1 == k || p > 1 || (p == 1 && groups[0].len() > 3) => {
                return true
            }
            _ => {}
        }
        // ` / ` only between the area code and the number (`030 / 1234567`).
        if groups[1..]
            .iter()
            .skip(1)
            .any(|g| g.sep.punct == Punct::Slash && g.sep.space)
        {
            return true;
        }
        let rest = &self.text[end..];
        let mut chars = rest.chars();
        match chars.next() {
            Some(c) if is_word_char(c) || is_currency(c) => return true,
            Some('_' | '%' | '@' | '°' | '‰' | '′' | '″') => return true,
            Some(':' | ',' | '.') if b.get(end + 1).is_some_and(u8::is_ascii_digit) => return true,
            _ => {}
        }
        let next_word = rest
            .trim_start_matches([' ', '\u{a0}'])
            .split(|c: char| c.is_whitespace() || c == ',' || c == '.' || c == ')')
            .next()
            .unwrap_or("");
        if !next_word.is_empty()
            && rest.len() - rest.trim_start_matches([' ', '\u{a0}']).len() <= 2
            && AMOUNT_AFTER.iter().any(|w| next_word.to_lowercase() == *w)
        {
            return true;
        }
        for w in groups.windows(2) {
            let (a, c) = (&w[0], &w[1]);
            // `1 2 3 4 5 6 7`: no number has two one-digit groups in a row.
            if a.len() == 1 && c.len() == 1 {
                return true;
            }
            // A subscriber number of six or more digits ends the number: `030 1234567 24` is a
            // number and something else.
            if a.len() >= 6 && c.sep.space {
                return true;
            }
            let year = |g: &Group| g.len() == 4 && (1000..=2199).contains(&self.value(g));
            if !a.paren
                && !c.paren
                && matches!(c.sep.punct, Punct::Dash | Punct::Slash)
                && year(a)
                && year(c)
            {
                return true;
            }
        }
        for w in groups.windows(3) {
            let (x, y, z) = (&w[0], &w[1], &w[2]);
            if x.paren || y.paren || z.paren || y.sep != z.sep || y.sep.space {
                continue;
            }
            if !matches!(y.sep.punct, Punct::Dash | Punct::Dot | Punct::Slash) {
                continue;
            }
            let (vx, vy, vz) = (self.value(x), self.value(y), self.value(z));
            let day_month = |d: u32, m: u32| (1..=31).contains(&d) && (1..=12).contains(&m);
            let short = |g: &Group| g.len() <= 2;
            let dm = day_month(vx, vy) || day_month(vy, vx);
            if short(x) && short(y) && z.len() == 4 && dm && (1000..=2199).contains(&vz) {
                return true;
            }
            if x.len() == 4 && short(y) && short(z) && day_month(vz, vy) {
                return true;
            }
            if k == 3 && short(x) && short(y) && z.len() == 2 && dm {
                return true;
            }
        }
        false
    }

    /// Grouped like an amount: `1 234 567`, `12.345.678`.
    fn is_amount(&self, k: usize) -> bool {
        let groups = &self.groups[..k];
        let first = &groups[0];
        k >= 2
            && !self.plus
            && !first.paren
            && first.len() <= 3
            && self.digits(first)[0] != b'0'
            && groups[1..].iter().all(|g| {
                g.len() == 3
                    && !g.paren
                    && g.sep == groups[1].sep
                    && matches!(g.sep.punct, Punct::None | Punct::Dot)
            })
    }

    /// One of the shapes in the module docs (all but the phone-word one).
    fn has_shape(&self, k: usize, digits: usize) -> bool {
        let groups = &self.groups[..k];
        let lens: Vec<usize> = groups.iter().map(Group::len).collect();
        let d0 = self.digits(&groups[0]);
        if self.plus {
            return d0[0] != b'0' && digits >= 8 && (k >= 2 || digits >= 10);
        }
        // A parenthesised area code, first or after one digit.
        let paren_at = match groups.iter().position(|g| g.paren) {
            Some(0) => Some(0),
            Some(1) if lens[0] == 1 => Some(1),
            _ => None,
        };
        if let Some(p) = paren_at {
            let area = self.digits(&groups[p]);
            let after: usize = lens[p + 1..].iter().sum();
            return (2..=5).contains(&area.len())
                && (area.len() <= 3 || area[0] == b'0')
                && after >= 5
                && lens[p + 1] >= 3;
        }
        if groups.iter().any(|g| g.paren) {
            return false;
        }
        let same_sep = groups[1..].iter().all(|g| g.sep == groups[1].sep);
        let starts_2_9 = |g: &Group| (b'2'..=b'9').contains(&self.digits(g)[0]);
        // North American 3-3-4, optionally after `1`.
        let nanp = match lens.as_slice() {
            [3, 3, 4] => Some(0),
            [1, 3, 3, 4] if d0 == b"1" => Some(1),
            _ => None,
        };
        if let Some(a) = nanp {
            if same_sep && starts_2_9(&groups[a]) {
                return true;
            }
        }
        // Chinese mobile 3-4-4.
        if lens == [3, 4, 4]
            && same_sep
            && groups[1].sep.punct != Punct::Dot
            && d0[0] == b'1'
            && (b'3'..=b'9').contains(&d0[1])
        {
            return true;
        }
        // French `0 800 12 34 56` (special-rate and free numbers).
        if lens == [1, 3, 2, 2, 2]
            && d0 == b"0"
            && !groups[1..].iter().any(|g| g.sep.punct != Punct::None)
        {
            return true;
        }
        // Spanish nine digits in pairs after a first group (`93 123 45 67`, `655 12 34 56`).
        if (lens == [2, 3, 2, 2] || lens == [3, 2, 2, 2])
            && (b'6'..=b'9').contains(&d0[0])
            && groups[1..].iter().all(|g| {
                g.sep
                    == Sep {
                        punct: Punct::None,
                        space: true,
                    }
            })
        {
            return true;
        }
        // A national trunk prefix.
        let dotted = groups[1..].iter().any(|g| g.sep.punct == Punct::Dot);
        let max = if d0.starts_with(b"00") { 15 } else { 13 };
        let trunk = d0.len() >= 2 && d0[0] == b'0' && (d0[1] != b'0' || d0.get(2) > Some(&b'0'));
        if k >= 2
            && trunk
            && (2..=5).contains(&d0.len())
            && lens.iter().all(|&l| l >= 2)
            && (9..=max).contains(&digits)
            && (!dotted
                || groups[1..].iter().all(|g| {
                    g.sep
                        == Sep {
                            punct: Punct::Dot,
                            space: false,
                        }
                }))
        {
            return true;
        }
        // `… ddd-dd-dd`
        let dashed = |g: &Group| {
            g.sep
                == Sep {
                    punct: Punct::Dash,
                    space: false,
                }
        };
        k >= 3
            && digits >= 10
            && lens[k - 3..] == [3, 2, 2]
            && dashed(&groups[k - 2])
            && dashed(&groups[k - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The phone numbers a simple left-to-right scan finds in `text`.
    fn phones(text: &str) -> Vec<&str> {
        let b = text.as_bytes();
        let (mut i, mut floor, mut out) = (0, 0, Vec::new());
        while i < b.len() {
            if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
                i += 1;
                continue;
            }
            match phone_at(text, i, floor, b.len()) {
                Outcome::Phone(r) => {
                    i = r.end;
                    floor = r.end;
                    out.push(&text[r]);
                }
                Outcome::Skip(to) => i = to,
            }
        }
        out
    }

    #[test]
    fn shapes() {
        for (text, want) in [
            ("Call +44 20 7946 0958 today", "+44 20 7946 0958"),
            ("Tel. +49 30 123456", "+49 30 123456"),
            ("+49 (0)30 1234567", "+49 (0)30 1234567"),
            ("+33612345678", "+33612345678"),
            ("(555) 123-4567", "(555) 123-4567"),
            ("ring (555)123-4567.", "(555)123-4567"),
            ("555-123-4567", "555-123-4567"),
            ("1-800-555-0199", "1-800-555-0199"),
            ("212.555.0143", "212.555.0143"),
            ("0171 1234567", "0171 1234567"),
            ("030/1234567", "030/1234567"),
            ("030 / 123 456 78", "030 / 123 456 78"),
            ("01 23 45 67 89", "01 23 45 67 89"),
            ("01.23.45.67.89", "01.23.45.67.89"),
            ("03-1234-5678", "03-1234-5678"),
            ("(11) 91234-5678", "(11) 91234-5678"),
            ("8 (495) 123-45-67", "8 (495) 123-45-67"),
            ("8 800 555-35-35", "8 800 555-35-35"),
            ("138 0013 8000", "138 0013 8000"),
            ("Tel. 912 345 678", "912 345 678"),
            ("Telefon: 0301234567", "0301234567"),
            ("电话：010-12345678", "010-12345678"),
            ("お電話は03-1234-5678まで", "03-1234-5678"),
            (
                "tel\u{a0}020\u{a0}7946\u{a0}0958",
                "020\u{a0}7946\u{a0}0958",
            ),
            ("Open 24/7 (877) 555-0142", "(877) 555-0142"),
            ("Tel : (+1) 650 555-0142", "650 555-0142"),
            ("ring Jack on 07700 900123.", "07700 900123"),
        ] {
            assert_eq!(phones(text), [want], "{text}");
        }
    }

    #[test]
    fn a_phone_word_is_about_the_next_number_only() {
        assert_eq!(
            phones("Call us (800) 555-0142 Routing # 265075087"),
            ["(800) 555-0142"]
        );
    }

    #[test]
    fn two_numbers_in_a_row() {
        assert_eq!(
            phones("Tel. 030 1234567 0171 7654321"),
            ["030 1234567", "0171 7654321"]
        );
        assert_eq!(phones("Tel 030 1234567 24 Stunden"), ["030 1234567"]);
    }

    #[test]
    fn not_phones() {
        for text in [
            "2024-03-12",
            "12.03.2024",
            "3/12/2024",
            "am 01.02.2024 um 10.30",
            "1990-2000",
            "pp. 1023-1045",
            "$1,234.56",
            "€ 1 234 567",
            "1 234 567 habitants",
            "12.345.678 Einwohner",
            "ISBN 978-3-16-148410-0",
            "978-3-16-148410-0",
            "0-306-40615-2",
            "10.1000/182",
            "doi:10.1038/nature12373",
            "version 10.0.19045.3803",
            "order 123456789012",
            "4111 1111 1111 1111",
            "52.520008, 13.404954",
            "48.85661 2.35222",
            "IBAN DE89 3704 0044 0532 0130 00",
            "DE89 3704 0044 0532 0130 00",
            "08.30 - 12.00 Uhr",
            "12:30:45",
            "call 555-0123x",
            "ID 0301234567",
            "#5551234567",
            "Hotel 1234567",
            "Tel. 1 234 567",
            "(2019) 123-145",
            "555-0123",
            "1 2 3 4 5 6 7 8 9",
            "+12.5%",
            "Fax 1234567890123456",
            "Current (18) / 17 / 16 / 15 / 14",
            "$50.00 (16480)16480 reviews",
            "VAT-ID: PL 957-107-23-74",
            "Charity ID: 05-0559626",
            "makes 11 recursive calls 3628800",
            "Telemed J E Health 2016 Dec;22(12):991-1000",
            "012 013 023 123",
            "000 001 010 011 100",
            "\"Phone Control\",\"rValueUID\":\"12097489011\"",
        ] {
            assert!(phones(text).is_empty(), "{text}: {:?}", phones(text));
        }
    }

    #[test]
    fn long_runs_stay_bounded() {
        let text = "0".repeat(100_000);
        assert!(phones(&text).is_empty());
        let text = "01 ".repeat(50_000);
        assert!(phones(&text).is_empty());
        let text = "(1".repeat(50_000);
        assert!(phones(&text).is_empty());
    }
}
