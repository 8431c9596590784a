//! Escaping user text for the two markups briefs are written in. Report texts, notes and
//! names come from the field and may hold anything: `<script>`, `#set`, `$`, `*`, `@label`.

/// Text for HTML (element content or a quoted attribute value) and for SVG.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for typst markup: every ASCII punctuation character gets a backslash, which typst
/// reads as that character itself (its lexer takes `\` before any non-space character as an
/// escape), so no markup, code, math, label or comment can start inside it. Line breaks and
/// other control characters become spaces, so no list, heading or paragraph starts either.
pub fn typst(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn typst_escapes_every_markup_character() {
        assert_eq!(typst("#set page(width: 1pt)"), r"\#set page\(width\: 1pt\)");
        assert_eq!(
            typst("$x$ *b* _i_ @ref <l>"),
            r"\$x\$ \*b\* \_i\_ \@ref \<l\>"
        );
        assert_eq!(typst("a\n= heading"), r"a \= heading");
        assert_eq!(typst(r"\u{41}"), r"\\u\{41\}");
        assert_eq!(typst("Ngoma, 3 killed"), r"Ngoma\, 3 killed");
    }
}
