//! The SEPA basic Latin character set (`a-z A-Z 0-9 / - ? : ( ) . , ' +` and space), which every
//! bank accepts: text is converted to it when a file is written, the stored data keeps the
//! original.

/// Whether `c` is in the SEPA basic Latin set.
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '/' | '-' | '?' | ':' | '(' | ')' | '.' | ',' | '\'' | '+' | ' '
        )
}

/// The SEPA spelling of a letter or sign outside the set; `None` drops it.
fn substitute(c: char) -> Option<&'static str> {
    Some(match c {
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ª' => "a",
        'Æ' => "AE",
        'æ' => "ae",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'Ð' | 'Ď' | 'Đ' => "D",
        'ð' | 'ď' | 'đ' => "d",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'Ĥ' | 'Ħ' => "H",
        'ĥ' | 'ħ' => "h",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'Ĳ' => "IJ",
        'ĳ' => "ij",
        'Ĵ' => "J",
        'ĵ' => "j",
        'Ķ' => "K",
        'ķ' | 'ĸ' => "k",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "L",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' | 'Ŋ' => "N",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'º' => "o",
        'Œ' => "OE",
        'œ' => "oe",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => "S",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'ſ' => "s",
        'ß' => "ss",
        'Ţ' | 'Ť' | 'Ŧ' | 'Ț' => "T",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'Þ' => "TH",
        'þ' => "th",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'Ŵ' => "W",
        'ŵ' => "w",
        'Ý' | 'Ŷ' | 'Ÿ' => "Y",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'ź' | 'ż' | 'ž' => "z",
        '&' => "+",
        '_' | '–' | '—' | '‐' | '‑' => "-",
        '"' | '‘' | '’' | '‚' | '“' | '”' | '„' | '`' | '´' => "'",
        '€' => "EUR",
        '[' | '{' | '<' => "(",
        ']' | '}' | '>' => ")",
        '!' | ';' => ".",
        '#' | '*' | '=' | '@' | '%' | '$' | '^' | '|' | '~' | '\\' | '\t' | '\n' | '\r' => " ",
        _ => return None,
    })
}

/// `s` in the SEPA basic Latin set: accented letters spelled without accents (é→e, ß→ss, Ø→O,
/// ł→l), `&` as `+`, other signs as their nearest allowed one or a space; letters of other
/// scripts and emoji dropped. Runs of spaces become one; the ends are trimmed. May be empty (an
/// all-Cyrillic name): callers refuse that rather than write an empty element.
pub fn to_basic(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if allowed(c) {
            out.push(c);
        } else if let Some(sub) = substitute(c) {
            out.push_str(sub);
        } else if c.is_whitespace() {
            out.push(' ');
        }
    }
    let mut collapsed = String::with_capacity(out.len());
    for word in out.split(' ').filter(|w| !w.is_empty()) {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

/// `to_basic(s)` cut to at most `max` characters (ASCII, so also bytes), trimmed at the end.
pub fn clip(s: &str, max: usize) -> String {
    let mut basic = to_basic(s);
    basic.truncate(max);
    basic.trim_end().to_string()
}

/// Whether `s` is a SEPA identifier (MsgId, PmtInfId, EndToEndId, MndtId): 1 to 35 characters
/// of `a-z A-Z 0-9 / - ? : ( ) . , ' +`, no space, not starting or ending with `/`, no `//`.
pub fn is_identifier(s: &str) -> bool {
    (1..=35).contains(&s.len())
        && s.chars().all(|c| c != ' ' && allowed(c))
        && !s.starts_with('/')
        && !s.ends_with('/')
        && !s.contains("//")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accented_latin_is_spelled_without_accents() {
        assert_eq!(to_basic("Zoë Ødegård & Søn"), "Zoe Odegard + Son");
        assert_eq!(to_basic("Łukasz Straße"), "Lukasz Strasse");
        assert_eq!(to_basic("Ærøskøbing, Œuvre"), "AEroskobing, OEuvre");
        assert_eq!(to_basic("Ștefan Țară"), "Stefan Tara");
        assert_eq!(to_basic("Čížek Dvořák"), "Cizek Dvorak");
    }

    #[test]
    fn signs_become_allowed_ones_and_other_scripts_drop() {
        assert_eq!(to_basic("<Test> \"Co\" 😀  €5"), "(Test) 'Co' EUR5");
        assert_eq!(to_basic("a_b;c@d"), "a-b.c d");
        assert_eq!(to_basic("Иван Петров"), "");
        assert_eq!(to_basic("李 Wang"), "Wang");
        assert_eq!(to_basic("  spaced \t out\n"), "spaced out");
    }

    #[test]
    fn clip_cuts_after_converting() {
        assert_eq!(clip("Ødegård", 4), "Odeg");
        assert_eq!(clip("ab cd", 3), "ab");
        assert_eq!(clip(&"x".repeat(200), 140).len(), 140);
    }

    #[test]
    fn identifiers_follow_the_restricted_set() {
        assert!(is_identifier("trx-abc123-1-k3j9x8w7"));
        assert!(is_identifier("FIETS-0001"));
        assert!(is_identifier("A/B:C(1).2,3'+?"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("has space"));
        assert!(!is_identifier("trx_underscore"));
        assert!(!is_identifier("/start"));
        assert!(!is_identifier("end/"));
        assert!(!is_identifier("a//b"));
        assert!(!is_identifier(&"x".repeat(36)));
        assert!(!is_identifier("Zoë"));
    }
}
