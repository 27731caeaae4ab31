//! The output record of a document: its fields in input order with the current text and id, and
//! the caller's `millstone` object.

use std::io::Write;

use millstone_core::{Document, Map, Value};

/// The key holding the caller's object; an input field of this name is replaced.
pub(crate) const MILLSTONE_KEY: &str = "millstone";

/// Serialize the output record of `doc` as one JSON line (with `\n`) onto `out`, streaming the
/// fields rather than building (and cloning the text into) a new map.
pub(crate) fn encode_json(
    out: &mut Vec<u8>,
    doc: &Document,
    millstone: &Map,
    text_field: &str,
    id_field: &str,
) -> serde_json::Result<()> {
    out.push(b'{');
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, k: &str| -> serde_json::Result<()> {
        if !first {
            out.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut *out, k)?;
        out.push(b':');
        Ok(())
    };
    let fields = &doc.fields;
    if !fields.contains_key(id_field) {
        key(out, id_field)?;
        serde_json::to_writer(&mut *out, &doc.id)?;
    }
    for (k, v) in fields {
        if k == MILLSTONE_KEY {
            continue;
        }
        key(out, k)?;
        if k == text_field {
            serde_json::to_writer(&mut *out, doc.text())?;
        } else {
            serde_json::to_writer(&mut *out, v)?;
        }
    }
    if !fields.contains_key(text_field) {
        key(out, text_field)?;
        serde_json::to_writer(&mut *out, doc.text())?;
    }
    key(out, MILLSTONE_KEY)?;
    serde_json::to_writer(&mut *out, millstone)?;
    out.write_all(b"}\n").map_err(serde_json::Error::io)
}

/// The output record of `doc` as an ordered list of `(key, value)` (without `millstone`), the
/// same keys in the same order as [`encode_json`] writes.
pub(crate) fn output_fields(
    doc: &Document,
    text_field: &str,
    id_field: &str,
) -> Vec<(String, Value)> {
    let mut out = Vec::with_capacity(doc.fields.len() + 2);
    if !doc.fields.contains_key(id_field) {
        out.push((id_field.to_owned(), Value::String(doc.id.clone())));
    }
    for (k, v) in &doc.fields {
        if k == MILLSTONE_KEY {
            continue;
        }
        let v = if k == text_field {
            Value::String(doc.text().to_owned())
        } else {
            v.clone()
        };
        out.push((k.clone(), v));
    }
    if !doc.fields.contains_key(text_field) {
        out.push((text_field.to_owned(), Value::String(doc.text().to_owned())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(doc: &Document, m: &Map) -> String {
        let mut out = Vec::new();
        encode_json(&mut out, doc, m, "text", "id").unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn bare_document() {
        let doc = Document::new("a", "hi \"there\"");
        assert_eq!(
            line(&doc, &Map::new()),
            "{\"id\":\"a\",\"text\":\"hi \\\"there\\\"\",\"millstone\":{}}\n"
        );
    }

    #[test]
    fn fields_in_order_text_in_its_slot_id_added_first() {
        let mut doc = Document::new("gen/1", "new text");
        doc.fields =
            serde_json::from_str(r#"{"url":"u","text":null,"millstone":{"old":1},"n":3}"#).unwrap();
        let mut m = Map::new();
        m.insert("kept".into(), Value::Bool(true));
        assert_eq!(
            line(&doc, &m),
            "{\"id\":\"gen/1\",\"url\":\"u\",\"text\":\"new text\",\"n\":3,\"millstone\":{\"kept\":true}}\n"
        );
        let keys: Vec<String> = output_fields(&doc, "text", "id")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["id", "url", "text", "n"]);
    }
}
