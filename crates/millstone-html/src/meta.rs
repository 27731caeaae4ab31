//! Page metadata: title, author, publication date and language, from `<meta>` elements, JSON-LD,
//! `<time>` and `<html lang>`, in that order of trust.
//!
//! Not for: validating or normalising dates (the page's own string is returned, trimmed).

use crate::dom::Dom;

/// Metadata found on a page; empty strings when absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `og:title`, else `<title>`.
    pub title: String,
    /// `author` / `article:author` meta, else JSON-LD `author.name`.
    pub author: String,
    /// `article:published_time` / `datePublished` / `date` meta, else JSON-LD, else `<time>`.
    pub date: String,
    /// `<html lang>`, else `og:locale` / `content-language`.
    pub lang: String,
}

fn meta<'a>(dom: &'a Dom, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| {
        dom.metas
            .iter()
            .find(|m| m.key == *k && !m.content.is_empty())
            .map(|m| m.content.as_str())
    })
}

/// The string value following `"key"` in a JSON-LD text (first occurrence), if any.
fn json_ld_string(ld: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\"");
    let at = ld.find(&needle)? + needle.len();
    let rest = ld[at..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('[').map_or(rest, str::trim_start);
    if let Some(body) = rest.strip_prefix('"') {
        let end = body.find('"')?;
        return Some(body[..end].trim().to_owned());
    }
    if rest.starts_with('{') {
        // An object: its "name".
        let end = rest.find('}').unwrap_or(rest.len());
        return json_ld_string(&rest[..end], "name");
    }
    None
}

/// Reads the metadata of a parsed page.
pub fn metadata(dom: &Dom) -> Metadata {
    let title = meta(dom, &["og:title", "twitter:title"])
        .map(str::to_owned)
        .unwrap_or_else(|| dom.title.split_whitespace().collect::<Vec<_>>().join(" "));
    let author = meta(
        dom,
        &[
            "author",
            "article:author",
            "dc.creator",
            "parsely-author",
            "sailthru.author",
        ],
    )
    .filter(|a| !a.starts_with("http"))
    .map(str::to_owned)
    .or_else(|| {
        dom.json_ld
            .iter()
            .find_map(|ld| json_ld_string(ld, "author"))
    })
    .unwrap_or_default();
    let date = meta(
        dom,
        &[
            "article:published_time",
            "datepublished",
            "date",
            "dc.date",
            "publish-date",
            "pubdate",
            "og:published_time",
        ],
    )
    .map(str::to_owned)
    .or_else(|| {
        dom.json_ld
            .iter()
            .find_map(|ld| json_ld_string(ld, "datePublished"))
    })
    .or_else(|| (!dom.time.is_empty()).then(|| dom.time.clone()))
    .unwrap_or_default();
    let lang = if dom.lang.is_empty() {
        meta(dom, &["og:locale", "content-language", "language"])
            .unwrap_or("")
            .to_ascii_lowercase()
            .replace('_', "-")
    } else {
        dom.lang.clone()
    };
    Metadata {
        title: title.trim().to_owned(),
        author: author.trim().to_owned(),
        date: date.trim().to_owned(),
        lang,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom::parse;

    #[test]
    fn meta_json_ld_and_time() {
        let dom = parse(
            "<html lang=de><head><title> Page  title | Site </title>\
             <meta property='article:published_time' content='2024-05-01T10:00:00Z'>\
             <script type='application/ld+json'>{\"@type\":\"Article\",\"author\":{\"@type\":\"Person\",\"name\":\"Jo Doe\"}}</script>\
             </head><body><time datetime='2023-01-01'>x</time></body></html>",
        );
        let m = metadata(&dom);
        assert_eq!(m.title, "Page title | Site");
        assert_eq!(m.author, "Jo Doe");
        assert_eq!(m.date, "2024-05-01T10:00:00Z");
        assert_eq!(m.lang, "de");
        let dom = parse("<meta property=og:locale content=en_GB><time datetime=2020-02-02>");
        let m = metadata(&dom);
        assert_eq!(
            (m.lang.as_str(), m.date.as_str(), m.author.as_str()),
            ("en-gb", "2020-02-02", "")
        );
    }
}
