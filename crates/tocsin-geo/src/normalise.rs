//! Name normalisation and word splitting, shared by the index and every lookup.
//!
//! One function decides what two spellings have in common, so the gazetteer and the text
//! scanner can never disagree: NFKC, lower case, Latin diacritics folded ("Bangui" = "bangui",
//! "Kankan" = "Kánkán", "Łódź" = "lodz"), apostrophes dropped ("N'Djamena" = "ndjamena"),
//! every other run of punctuation or space turned into one space. Other scripts keep their
//! letters; Arabic gets the light folding search engines use (hamza forms of alef, alef maqsura,
//! ta marbuta, vowel marks), because reporters type those inconsistently.

use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The normalised form of a name: the key the index is built on.
pub fn normalise(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    // Most names are ASCII or already in NFKC: skip the normalising iterator for them, which
    // halves the time to index GeoNames.
    let already_nfkc = input.is_ascii()
        || unicode_normalization::is_nfkc_quick(input.chars())
            == unicode_normalization::IsNormalized::Yes;
    if already_nfkc {
        fold_into(&mut out, input.chars());
    } else {
        fold_into(&mut out, input.nfkc());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The folding of `normalise`, on characters already in NFKC.
fn fold_into(out: &mut String, chars: impl Iterator<Item = char>) {
    // Whether the last letter written was Latin: decides if a stray combining mark (one NFKC
    // could not compose) is a diacritic to drop or part of an Indic or other syllable.
    let mut after_latin = false;
    for c in chars {
        if is_apostrophe(c) || is_arabic_decoration(c) {
            continue;
        }
        if is_combining_mark(c) {
            if !after_latin && !out.is_empty() && !out.ends_with(' ') {
                out.push(c);
            }
            continue;
        }
        if c.is_alphanumeric() {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
                after_latin = true;
            } else if is_latin(c) {
                push_folded_latin(out, c);
                after_latin = true;
            } else {
                let c = fold_arabic(c);
                out.extend(c.to_lowercase());
                after_latin = false;
            }
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
}

/// A word of running text and where it lies (byte offsets into the text). Han and kana
/// characters are a word each, because those scripts put no spaces between words; names in
/// them are then found as runs of adjacent one-character words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub span: Range<usize>,
}

/// Splits running text into words: runs of letters, digits and combining marks, with
/// apostrophes kept when they sit between letters ("Cox's"). Han and kana characters are
/// one word each.
pub fn words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        if is_ideographic(c) {
            if let Some(begin) = start.take() {
                words.push(Word { span: begin..index });
            }
            words.push(Word {
                span: index..index + c.len_utf8(),
            });
            continue;
        }
        let inside_word = is_word_char(c)
            || (start.is_some()
                && (is_apostrophe(c) || is_arabic_decoration(c))
                && chars.peek().is_some_and(|&(_, next)| is_word_char(next)));
        match (inside_word, start) {
            (true, None) => start = Some(index),
            (false, Some(begin)) => {
                words.push(Word { span: begin..index });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        words.push(Word {
            span: begin..text.len(),
        });
    }
    words
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}'
            | '\u{2018}'
            | '\u{02BC}'
            | '\u{02BB}'
            | '\u{02BF}'
            | '\u{02BE}'
            | '`'
            | '\u{00B4}'
    )
}

/// Arabic vowel marks, dagger alef and tatweel: optional in writing, dropped for matching.
fn is_arabic_decoration(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}')
}

fn fold_arabic(c: char) -> char {
    match c {
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ى' | 'ی' => 'ي',
        'ة' => 'ه',
        'ک' => 'ك',
        other => other,
    }
}

/// Latin letters outside ASCII: Latin-1 Supplement, Extended-A/B, IPA, Extended Additional,
/// Extended-C/D/E.
pub fn is_latin(c: char) -> bool {
    matches!(
        c,
        '\u{00C0}'..='\u{024F}'
            | '\u{0250}'..='\u{02AF}'
            | '\u{1E00}'..='\u{1EFF}'
            | '\u{2C60}'..='\u{2C7F}'
            | '\u{A720}'..='\u{A7FF}'
            | '\u{AB30}'..='\u{AB6F}'
    )
}

fn push_folded_latin(out: &mut String, c: char) {
    match deunicode::deunicode_char(c) {
        Some(ascii) if !ascii.is_empty() => {
            for folded in ascii.chars() {
                if folded.is_ascii_alphanumeric() {
                    out.push(folded.to_ascii_lowercase());
                }
            }
        }
        _ => out.extend(c.to_lowercase()),
    }
}

/// Han ideographs and Japanese kana: scripts written without spaces between words.
pub fn is_ideographic(c: char) -> bool {
    matches!(
        c,
        '\u{3040}'..='\u{30FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2FFFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_names_fold_case_diacritics_and_punctuation() {
        assert_eq!(normalise("  Bar-le-Duc "), "bar le duc");
        assert_eq!(normalise("Kánkán"), "kankan");
        assert_eq!(normalise("Łódź"), "lodz");
        assert_eq!(normalise("N'Djamena"), "ndjamena");
        assert_eq!(normalise("Cox’s Bazar"), "coxs bazar");
        assert_eq!(normalise("São  Tomé, (STP)"), "sao tome stp");
        assert_eq!(normalise("Straße"), "strasse");
        // A decomposed accent (e + U+0301) folds like the composed one.
        assert_eq!(normalise("Ngozi\u{301}"), "ngozi");
        assert_eq!(normalise("Soudan du Sud"), "soudan du sud");
    }

    #[test]
    fn other_scripts_keep_their_letters() {
        assert_eq!(normalise("Алеппо"), "алеппо");
        assert_eq!(normalise("حَلَب"), "حلب");
        assert_eq!(normalise("إدلب"), "ادلب");
        assert_eq!(normalise("阿勒颇"), "阿勒颇");
        // Devanagari vowel signs are combining marks that must stay.
        assert_eq!(normalise("दिल्ली"), "दिल्ली");
        assert_eq!(normalise("ＡＢＣ"), "abc");
    }

    #[test]
    fn empty_and_punctuation_only_inputs_are_empty() {
        assert_eq!(normalise(""), "");
        assert_eq!(normalise(" ,.;-() "), "");
        assert_eq!(normalise("\u{301}"), "");
    }

    #[test]
    fn words_keep_inner_apostrophes_and_split_ideographs() {
        let text = "Shelling in Cox's Bazar, 'Goma' 阿勒颇 حلب.";
        let found: Vec<&str> = words(text).iter().map(|w| &text[w.span.clone()]).collect();
        assert_eq!(
            found,
            ["Shelling", "in", "Cox's", "Bazar", "Goma", "阿", "勒", "颇", "حلب"]
        );
    }
}
