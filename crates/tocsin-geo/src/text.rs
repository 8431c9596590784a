//! Finding place names in free text (an SMS with no structured place field).
//!
//! Word n-grams of up to four words are looked up, longest first, left to right, never
//! overlapping. What makes this usable on real messages is what it refuses: numbers, names of
//! fewer than three Latin letters, a stoplist of common words that happen to be towns ("Of" in
//! Turkey, "Man" in Côte d'Ivoire, "Police" in Poland), and lowercase words whose only towns
//! are small — a reporter writes "goma" in lowercase, but "mission" in lowercase is no town.
//! Countries named in the same text then settle ambiguous towns ("Tripoli … Lebanon").

use std::ops::Range;

use serde::Serialize;

use crate::gazetteer::Gazetteer;
use crate::normalise::{is_latin, normalise, words, Word};
use crate::resolve::Resolution;

/// Longest name looked for, in words (ideographs count one each).
const MAX_WORDS: usize = 4;
/// A lowercase word is taken for a place only if some place of that name is this big.
const LOWERCASE_MIN_POPULATION: u64 = 100_000;
/// A one-word alternate name found in text counts only for a place this big.
const ALTERNATE_MIN_POPULATION: u64 = 100_000;
/// A place found in running text is less certain than one typed in a place field.
const CAPITALISED_FACTOR: f64 = 0.9;
const LOWERCASE_FACTOR: f64 = 0.75;
/// Confidence factor when a country named elsewhere in the text chose among candidates.
const CONTEXT_CHOSE_FACTOR: f64 = 0.85;

/// Common words of the languages reports arrive in that are also the names (or alternate
/// names) of towns in the gazetteer, in normalised form and sorted (a test checks the order).
/// Function words of English, French, Spanish, Swahili and Arabic; then the words that most
/// often came out as wrong places when scanning ACLED event notes, English tweets and
/// Levantine Arabic posts (`examples/evaluate_acled.rs`): "Union", "Bank" (West Bank), "Mon"
/// (Mon State, not the Indian town), "كان" ("was", Caen), "بشار" (Bashar, Béchar), first names.
const STOPWORDS: &[&str] = &[
    "about",
    "abu",
    "after",
    "again",
    "against",
    "airport",
    "all",
    "alliance",
    "also",
    "an",
    "and",
    "any",
    "are",
    "army",
    "as",
    "at",
    "au",
    "aux",
    "avec",
    "baja",
    "bank",
    "bar",
    "bath",
    "be",
    "been",
    "before",
    "best",
    "but",
    "by",
    "cabo",
    "camp",
    "can",
    "car",
    "central",
    "chin",
    "city",
    "colonia",
    "come",
    "con",
    "confederation",
    "dans",
    "date",
    "de",
    "del",
    "delgado",
    "des",
    "did",
    "dis",
    "do",
    "du",
    "east",
    "el",
    "en",
    "es",
    "est",
    "et",
    "federal",
    "for",
    "forest",
    "from",
    "george",
    "god",
    "green",
    "had",
    "has",
    "have",
    "he",
    "her",
    "his",
    "hope",
    "how",
    "il",
    "in",
    "independence",
    "into",
    "is",
    "island",
    "it",
    "its",
    "kan",
    "kani",
    "kanye",
    "kim",
    "kwa",
    "la",
    "las",
    "le",
    "les",
    "lil",
    "lopez",
    "los",
    "mai",
    "male",
    "man",
    "many",
    "march",
    "may",
    "me",
    "mission",
    "mobile",
    "mon",
    "more",
    "most",
    "much",
    "my",
    "na",
    "new",
    "nice",
    "no",
    "nor",
    "north",
    "not",
    "now",
    "obama",
    "of",
    "okay",
    "on",
    "one",
    "or",
    "orange",
    "our",
    "out",
    "par",
    "para",
    "pas",
    "per",
    "police",
    "por",
    "pour",
    "que",
    "qui",
    "reading",
    "said",
    "sam",
    "same",
    "san",
    "say",
    "she",
    "so",
    "south",
    "split",
    "sur",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "they",
    "this",
    "time",
    "to",
    "town",
    "two",
    "un",
    "una",
    "une",
    "union",
    "university",
    "up",
    "us",
    "van",
    "very",
    "village",
    "wadi",
    "was",
    "we",
    "wells",
    "were",
    "west",
    "what",
    "when",
    "where",
    "which",
    "who",
    "will",
    "with",
    "ya",
    "you",
    "young",
    "الجميل",
    "اللي",
    "الي",
    "بس",
    "بشار",
    "تاني",
    "دوله",
    "سنه",
    "سوري",
    "شو",
    "علي",
    "عن",
    "في",
    "فينا",
    "كان",
    "كمان",
    "كيف",
    "مع",
    "من",
    "منا",
    "هاد",
    "هيك",
    "وين",
];

/// A place name found in text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mention {
    /// Byte range of the name in the text.
    pub span: Range<usize>,
    pub resolution: Resolution,
}

impl Mention {
    pub fn confidence(&self) -> f64 {
        self.resolution.confidence()
    }
}

impl Gazetteer {
    /// Finds the place names in `text`, most confident first. Every mention is a known name:
    /// resolved, or ambiguous between countries.
    pub fn find_in_text(&self, text: &str) -> Vec<Mention> {
        let words = words(text);
        let mut mentions = Vec::new();
        let mut start = 0;
        while start < words.len() {
            let longest = MAX_WORDS.min(words.len() - start);
            let found = (1..=longest).rev().find_map(|count| {
                let group = &words[start..start + count];
                self.mention_at(text, group).map(|mention| (count, mention))
            });
            match found {
                Some((count, mention)) => {
                    mentions.push(mention);
                    start += count;
                }
                None => start += 1,
            }
        }
        self.settle_with_context(&mut mentions);
        mentions.sort_by(|a, b| {
            b.confidence()
                .total_cmp(&a.confidence())
                .then_with(|| a.span.start.cmp(&b.span.start))
        });
        mentions
    }

    /// The mention formed by a run of words, if they make a place name worth reporting.
    fn mention_at(&self, text: &str, group: &[Word]) -> Option<Mention> {
        let joinable = group
            .windows(2)
            .all(|pair| is_joining_gap(&text[pair[0].span.end..pair[1].span.start]));
        if !joinable {
            return None;
        }
        let span = group[0].span.start..group[group.len() - 1].span.end;
        let surface = &text[span.clone()];
        let any_number = group
            .iter()
            .any(|word| text[word.span.clone()].chars().all(|c| c.is_numeric()));
        if any_number {
            return None;
        }
        let key = normalise(surface);
        if !long_enough(&key) || STOPWORDS.binary_search(&key.as_str()).is_ok() {
            return None;
        }
        if group.len() == 1 && is_acronym(surface) {
            return None;
        }
        let mut postings = self.postings(&key);
        // Up to two proclitics: "وبحلب", "and in Aleppo".
        let mut bare = key.as_str();
        for _ in 0..2 {
            if !postings.is_empty() {
                break;
            }
            bare = strip_arabic_proclitic(bare)?;
            if STOPWORDS.binary_search(&bare).is_ok() {
                return None;
            }
            postings = self.postings(bare);
        }
        let lowercase = surface
            .chars()
            .next()
            .is_some_and(|first| first.is_lowercase());
        if !lowercase {
            // A one-word alternate name of a small place is too often an ordinary word
            // ("Human" for Uman, "Plaza" for Llodio); kept when it is the start of the
            // place's own name ("Buthidaung" for Buthidaung Town).
            let telling: Vec<_> = postings
                .iter()
                .copied()
                .filter(|&posting| {
                    group.len() > 1
                        || posting.is_primary()
                        || self.candidate(posting).population >= ALTERNATE_MIN_POPULATION
                        || self.primary_name_starts_with(posting, bare)
                })
                .collect();
            let resolution = self.rank(&telling, surface, None, None, CAPITALISED_FACTOR)?;
            return Some(Mention { span, resolution });
        }
        // In lowercase only a big place's own name counts: "goma", not "grenade" (an
        // alternate name of Granada) nor "laws" (Laos in Kabyle).
        let big: Vec<_> = postings
            .iter()
            .copied()
            .filter(|&posting| {
                posting.is_primary()
                    && self.candidate(posting).population >= LOWERCASE_MIN_POPULATION
            })
            .collect();
        let resolution = self.rank(&big, surface, None, None, LOWERCASE_FACTOR)?;
        Some(Mention { span, resolution })
    }

    /// Ambiguous towns are settled by a country named elsewhere in the same text.
    fn settle_with_context(&self, mentions: &mut [Mention]) {
        let named: Vec<_> = mentions
            .iter()
            .filter_map(|mention| mention.resolution.place())
            .filter(|place| place.kind == crate::PlaceKind::Country)
            .map(|place| place.situation.clone())
            .collect();
        for mention in mentions.iter_mut() {
            let Resolution::Ambiguous { candidates } = &mention.resolution else {
                continue;
            };
            let mut in_named = candidates
                .iter()
                .filter(|candidate| named.contains(&candidate.situation));
            if let (Some(chosen), None) = (in_named.next(), in_named.next()) {
                let mut chosen = chosen.clone();
                chosen.confidence *= CONTEXT_CHOSE_FACTOR;
                mention.resolution = Resolution::Resolved(chosen);
            }
        }
    }
}

/// What may stand between the words of one name: a space, a hyphen, a dot ("St. Louis").
/// Nothing at all only between ideographs.
fn is_joining_gap(gap: &str) -> bool {
    gap.chars().count() <= 3
        && gap
            .chars()
            .all(|c| c == ' ' || c == '-' || c == '.' || c == '\u{00A0}')
}

/// Three Latin letters at least ("Bo" and "Ur" are towns, and words); two in other scripts.
fn long_enough(key: &str) -> bool {
    let letters = key.chars().filter(|c| !c.is_whitespace()).count();
    let latin = key.chars().all(|c| c.is_ascii() || is_latin(c));
    letters >= if latin { 3 } else { 2 }
}

/// "SNA", "UN", "JWS": in running text, a short word in capitals is an acronym, not a town.
fn is_acronym(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    letters <= 4 && word.chars().any(char::is_uppercase) && !word.chars().any(char::is_lowercase)
}

/// Arabic writes "and", "in", "to" as one letter joined to the next word ("وحلب", "بحلب"):
/// the name without it, if enough is left.
fn strip_arabic_proclitic(key: &str) -> Option<&str> {
    let mut chars = key.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    // "ف" and "ك" are left out: they start too many ordinary words ("كمان", "also").
    let is_proclitic = matches!(first, 'و' | 'ب' | 'ل');
    (is_proclitic && rest.chars().count() >= 3).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PlaceKind;

    const SAMPLE: &str = r#"{
      "1": {"geonameid": 1, "name": "Goma", "latitude": -1.67, "longitude": 29.23,
            "countrycode": "CD", "population": 432587, "admin1code": "", "alternatenames": []},
      "2": {"geonameid": 2, "name": "Tripoli", "latitude": 32.88, "longitude": 13.18,
            "countrycode": "LY", "population": 1302947, "admin1code": "", "alternatenames": []},
      "3": {"geonameid": 3, "name": "Tripoli", "latitude": 34.43, "longitude": 35.84,
            "countrycode": "LB", "population": 229398, "admin1code": "", "alternatenames": []},
      "4": {"geonameid": 4, "name": "Of", "latitude": 40.9, "longitude": 40.3,
            "countrycode": "TR", "population": 31951, "admin1code": "", "alternatenames": []},
      "5": {"geonameid": 5, "name": "Mission", "latitude": 26.2, "longitude": -98.3,
            "countrycode": "US", "population": 83298, "admin1code": "", "alternatenames": []},
      "6": {"geonameid": 6, "name": "Bunia", "latitude": 1.56, "longitude": 30.25,
            "countrycode": "CD", "population": 96764, "admin1code": "", "alternatenames": []},
      "7": {"geonameid": 7, "name": "Aleppo", "latitude": 36.2, "longitude": 37.16,
            "countrycode": "SY", "population": 2098210, "admin1code": "",
            "alternatenames": ["حلب"]},
      "8": {"geonameid": 8, "name": "New York City", "latitude": 40.7, "longitude": -74.0,
            "countrycode": "US", "population": 8804190, "admin1code": "",
            "alternatenames": ["New York"]},
      "9": {"geonameid": 9, "name": "Caen", "latitude": 49.18, "longitude": -0.37,
            "countrycode": "FR", "population": 105512, "admin1code": "",
            "alternatenames": ["كان"]}
    }"#;

    fn gazetteer() -> Gazetteer {
        Gazetteer::from_geonames_slice(SAMPLE.as_bytes()).unwrap()
    }

    fn found(gazetteer: &Gazetteer, text: &str) -> Vec<String> {
        let mut mentions = gazetteer.find_in_text(text);
        mentions.sort_by_key(|mention| mention.span.start);
        mentions
            .iter()
            .map(|mention| text[mention.span.clone()].to_string())
            .collect()
    }

    #[test]
    fn stoplist_is_sorted_for_binary_search() {
        let mut sorted = STOPWORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(STOPWORDS, sorted.as_slice());
        for word in STOPWORDS {
            assert_eq!(&normalise(word), word, "stopwords are stored normalised");
        }
    }

    #[test]
    fn finds_towns_and_skips_common_words() {
        let gazetteer = gazetteer();
        let text = "Men of the Mission militia burned 40 houses near Goma last night. \
                    Of those who fled to Bunia, 3 are missing.";
        assert_eq!(found(&gazetteer, text), ["Goma", "Bunia"]);
    }

    #[test]
    fn lowercase_words_need_a_big_town() {
        let gazetteer = gazetteer();
        // Goma is big enough to be written in lowercase; Bunia (97,000) is not.
        assert_eq!(found(&gazetteer, "shooting in goma and bunia"), ["goma"]);
    }

    #[test]
    fn longest_name_wins_and_arabic_proclitics_are_stripped() {
        let gazetteer = gazetteer();
        assert_eq!(
            found(&gazetteer, "Flights from New York to Goma"),
            ["New York", "Goma"]
        );
        let text = "قصف في حلب وبحلب";
        assert_eq!(found(&gazetteer, text), ["حلب", "وبحلب"]);
        assert_eq!(found(&gazetteer, "قصف وحلب"), ["وحلب"]);
        // "وكان" is "and (it) was", not "and Caen".
        assert!(found(&gazetteer, "وكان في كان").is_empty());
    }

    #[test]
    fn a_country_in_the_text_settles_an_ambiguous_town() {
        let gazetteer = gazetteer();
        let mentions = gazetteer.find_in_text("Clashes in Tripoli, in the north of Lebanon");
        let tripoli = mentions
            .iter()
            .find(|mention| mention.span == (11..18))
            .expect("Tripoli found");
        assert_eq!(tripoli.resolution.place().unwrap().country_iso2, "LB");
        let lebanon = mentions.iter().find_map(|mention| {
            mention
                .resolution
                .place()
                .filter(|p| p.kind == PlaceKind::Country)
        });
        assert_eq!(lebanon.unwrap().situation.as_str(), "LBN");
        // Without the country the town stays ambiguous.
        let alone = gazetteer.find_in_text("Clashes in Tripoli");
        assert!(matches!(alone[0].resolution, Resolution::Ambiguous { .. }));
    }

    #[test]
    fn mentions_are_ranked_by_confidence() {
        let gazetteer = gazetteer();
        let mentions = gazetteer.find_in_text("goma then Aleppo");
        assert_eq!(mentions.len(), 2);
        assert!(mentions[0].confidence() >= mentions[1].confidence());
        assert_eq!(mentions[0].span, 10..16);
    }
}
