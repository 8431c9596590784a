//! Which language a report is written in, so analysts can route it to someone who reads it
//! and the gazetteer can try place names in that language first.
//!
//! Detection is `whatlang` (script, then trigrams within it; 69 languages, among them Amharic,
//! Arabic, Burmese, English, French, Akan, Zulu and Shona). `whatlang` has no
//! Swahili, the lingua franca of much of East and Central Africa, so Latin-script text is first
//! checked against a short list of Swahili function words, which are frequent and unlike those
//! of the other languages Tocsin's users write in. A guess that is not reliable, or text too
//! short to judge, gives `None`: a wrong language is worse than none for routing.
//!
//! A deployment detects among the languages its reports arrive in ([`LanguageDetector::among`]):
//! fewer candidates decide short texts better, and cost less — scoring a text's trigrams
//! against each candidate's profile is most of the time detection takes, and whatlang has 36
//! Latin-script profiles where a deployment usually needs a handful.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::Serialize;
use whatlang::{Lang, Script};

/// Fewer letters than this are not judged: "ok", "P: Bor" say nothing about a language.
pub const MIN_LETTERS: usize = 12;

/// The least confidence returned. whatlang's own "reliable" mark (above 0.9) refuses most texts
/// of SMS length, even plain English ones; at 0.5 the leading language is still well ahead of
/// the runner-up. A deployment that knows its languages should use [`LanguageDetector::among`],
/// which decides short texts far better.
pub const MIN_CONFIDENCE: f64 = 0.5;

/// A detected language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectedLanguage {
    /// ISO 639-1 code where the language has one (`en`, `fr`, `sw`, `am`, `ar`, `my`),
    /// otherwise ISO 639-3.
    pub code: String,
    /// The language's English name.
    pub name: &'static str,
    /// From [`MIN_CONFIDENCE`] to 1.
    pub confidence: f64,
}

/// The language of `text` among all those known, or `None` when the text is too short or the
/// guess unreliable.
pub fn detect_language(text: &str) -> Option<DetectedLanguage> {
    LanguageDetector::all().detect(text)
}

/// A detector, for all languages or only those a deployment expects.
#[derive(Debug, Clone)]
pub struct LanguageDetector {
    detector: whatlang::Detector,
    swahili: bool,
}

impl LanguageDetector {
    /// Every language whatlang knows, and Swahili.
    pub fn all() -> Self {
        LanguageDetector {
            detector: whatlang::Detector::new(),
            swahili: true,
        }
    }

    /// Only the languages named by ISO 639-1 or 639-3 code (`en`, `fra`, `sw`…): fewer
    /// candidates make short texts decidable. `all` stands for every language known. Names an
    /// unknown code in the error.
    pub fn among<S: AsRef<str>>(codes: &[S]) -> Result<Self, String> {
        let mut allowed = Vec::new();
        let mut swahili = false;
        for code in codes {
            let code = code.as_ref().trim().to_ascii_lowercase();
            if code == "all" {
                return Ok(LanguageDetector::all());
            }
            match known(&code) {
                Some(Known::Swahili) => swahili = true,
                Some(Known::Whatlang(lang)) => allowed.push(lang),
                None => {
                    return Err(format!(
                        "{code:?} is not a language code Tocsin can detect (use ISO 639-1 or 639-3 codes such as en, fr, ar, sw, am)"
                    ))
                }
            }
        }
        if allowed.is_empty() && !swahili {
            return Err("name at least one language to detect".to_string());
        }
        Ok(LanguageDetector {
            detector: whatlang::Detector::with_allowlist(allowed),
            swahili,
        })
    }

    /// Whether [`LanguageDetector::among`] accepts `code`.
    pub fn knows(code: &str) -> bool {
        known(&code.trim().to_ascii_lowercase()).is_some()
    }

    /// The language of `text`, or `None` when the text is too short or the guess unreliable.
    pub fn detect(&self, text: &str) -> Option<DetectedLanguage> {
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        if letters < MIN_LETTERS {
            return None;
        }
        if self.swahili && whatlang::detect_script(text) == Some(Script::Latin) {
            if let Some(confidence) = swahili_confidence(text) {
                return Some(DetectedLanguage {
                    code: "sw".to_string(),
                    name: "Swahili",
                    confidence,
                });
            }
        }
        let info = self.detector.detect(text)?;
        if info.confidence() < MIN_CONFIDENCE {
            return None;
        }
        let lang = info.lang();
        Some(DetectedLanguage {
            code: iso_639_1(lang).unwrap_or(lang.code()).to_string(),
            name: lang.eng_name(),
            confidence: info.confidence(),
        })
    }
}

/// A language code the detector can look for.
enum Known {
    Swahili,
    Whatlang(Lang),
}

fn known(code: &str) -> Option<Known> {
    if matches!(code, "sw" | "swa" | "swh") {
        return Some(Known::Swahili);
    }
    Lang::all()
        .iter()
        .copied()
        .find(|&lang| lang.code() == code || iso_639_1(lang) == Some(code))
        .map(Known::Whatlang)
}

/// Frequent Swahili words that are not (or are rarely) words of English, French, Portuguese or
/// the Bantu languages whatlang knows (Zulu, Shona). `na`, `ya`, `wa`, `kwa`, `za` are the
/// connectives nearly every Swahili sentence uses.
const SWAHILI_WORDS: &[&str] = &[
    "na",
    "ya",
    "wa",
    "kwa",
    "za",
    "katika",
    "ni",
    "kuwa",
    "hii",
    "hiyo",
    "huu",
    "hizi",
    "hao",
    "watu",
    "mtu",
    "sana",
    "leo",
    "jana",
    "lakini",
    "pia",
    "kama",
    "bado",
    "baada",
    "kabla",
    "hapa",
    "pale",
    "huko",
    "wote",
    "kila",
    "wengi",
    "zaidi",
    "hadi",
    "tangu",
    "sasa",
    "yetu",
    "wetu",
    "yao",
    "wao",
    "sisi",
    "mimi",
    "wewe",
    "cha",
    "vya",
    "juu",
    "chini",
    "ndani",
    "nje",
    "kijiji",
    "mji",
    "nyumba",
    "askari",
    "polisi",
    "wanajeshi",
    "silaha",
    "wameuawa",
    "waliuawa",
    "wamechoma",
    "walichoma",
    "wanawake",
    "watoto",
    "wanaume",
    "hakuna",
    "kuna",
    "nimeona",
    "tumeona",
    "wameshambulia",
    "walishambulia",
    "shambulio",
    "mapigano",
    "risasi",
];

/// A confidence when enough of the words are Swahili, else `None`.
fn swahili_confidence(text: &str) -> Option<f64> {
    // Every Latin-script report is checked, so the words are looked up in a set rather than
    // compared with each of the list's.
    static WORDS: LazyLock<HashSet<&'static str>> =
        LazyLock::new(|| SWAHILI_WORDS.iter().copied().collect());
    let lower = text.to_lowercase();
    let (mut words, mut hits) = (0usize, 0usize);
    for word in lower
        .split(|c: char| !c.is_alphabetic())
        .filter(|word| !word.is_empty())
    {
        words += 1;
        hits += usize::from(WORDS.contains(word));
    }
    // At least two hits and a fifth of the words: one "na" in a French sentence about a
    // Congolese place name is not Swahili.
    if hits < 2 || hits * 5 < words {
        return None;
    }
    let share = hits as f64 / words as f64;
    Some((share * 2.5).clamp(MIN_CONFIDENCE, 1.0))
}

/// ISO 639-1 codes for whatlang's languages that have one.
fn iso_639_1(lang: Lang) -> Option<&'static str> {
    let code = match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        // A language added by a later whatlang keeps its ISO 639-3 code.
        #[allow(unreachable_patterns)]
        _ => return None,
    };
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<String> {
        detect_language(text).map(|detected| detected.code)
    }

    #[test]
    fn detects_the_languages_reports_arrive_in() {
        assert_eq!(
            code("Armed men came to the village at night and burned the houses near the school")
                .as_deref(),
            Some("en")
        );
        assert_eq!(
            code(
                "Des hommes armés sont entrés dans le village cette nuit et ont brûlé les maisons"
            )
            .as_deref(),
            Some("fr")
        );
        assert_eq!(
            code("Watu wenye silaha walikuja kijijini usiku na wamechoma nyumba za watu wengi")
                .as_deref(),
            Some("sw")
        );
        assert_eq!(
            code("دخل مسلحون إلى القرية ليلا وأحرقوا المنازل القريبة من المدرسة").as_deref(),
            Some("ar")
        );
        assert_eq!(
            code("የታጠቁ ሰዎች ማታ ወደ መንደሩ መጥተው ቤቶችን አቃጠሉ").as_deref(),
            Some("am")
        );
        assert_eq!(
            code("လက်နက်ကိုင်အဖွဲ့ဝင်များ ညဘက် ရွာထဲသို့ ဝင်ရောက်ပြီး အိမ်များကို မီးရှို့ခဲ့သည်").as_deref(),
            Some("my")
        );
    }

    #[test]
    fn short_or_ambiguous_text_gives_none() {
        assert_eq!(detect_language(""), None);
        assert_eq!(detect_language("P: Bor; N: 30"), None);
        assert_eq!(detect_language("12345 67890 !!!! ????"), None);
    }

    #[test]
    fn a_stray_swahili_word_does_not_make_french_swahili() {
        assert_eq!(
            code("Les miliciens sont arrivés à Beni na ont attaqué le marché central ce matin")
                .as_deref(),
            Some("fr")
        );
    }

    #[test]
    fn a_known_set_of_languages_decides_short_texts() {
        let detector = LanguageDetector::among(&["en", "fra", "ar", "sw"]).unwrap();
        let code = |text| detector.detect(text).map(|detected| detected.code);
        assert_eq!(code("armed men burning houses").as_deref(), Some("en"));
        assert_eq!(code("Tirs près de l'école ce matin").as_deref(), Some("fr"));
        assert_eq!(code("watu wengi wameuawa jana").as_deref(), Some("sw"));
        assert!(LanguageDetector::among(&["xx"])
            .unwrap_err()
            .contains("\"xx\""));
        // Without the allow-list the same short English text is too uncertain to name.
        assert_eq!(detect_language("armed men burning houses"), None);
        let all = LanguageDetector::among(&["all"]).unwrap();
        assert_eq!(all.detect("armed men burning houses"), None);
        assert!(LanguageDetector::among::<&str>(&[])
            .unwrap_err()
            .contains("at least one"));
        assert!(LanguageDetector::knows("AM") && LanguageDetector::knows("swa"));
        assert!(!LanguageDetector::knows("ha"));
    }

    #[test]
    fn confidence_is_a_probability() {
        let detected = detect_language("Armed men came to the village at night").unwrap();
        assert!((0.0..=1.0).contains(&detected.confidence));
        assert_eq!(detected.name, "English");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_confidence_stays_in_range(text in "\\PC{0,300}") {
            if let Some(detected) = detect_language(&text) {
                proptest::prop_assert!((0.0..=1.0).contains(&detected.confidence));
            }
        }
    }
}
