//! The output record of a document: its fields in input order with the current text and id, and
//! the caller's `millstone` object.

use std::io::Write;

use std::borrow::Cow;

use millstone_core::{field, Document, Map, Value};

/// The key holding the caller's object; an input field of this name is replaced.
pub(crate) const MILLSTONE_KEY: &str = "millstone";

/// Where the current text and the id go in the output record.
///
/// A top-level text field is written in its slot without copying the input fields; a text field
/// nested below the top level (`--text-field meta.text`) is put back into a copy of the top-level
/// value that holds it. A missing id (or text) field is added as a top-level key named by the
/// whole path, which reading back with the same path finds.
struct Slots<'a> {
    /// The id is not among the fields: add it first.
    add_id: bool,
    /// The text field is not among the fields: add it last.
    add_text: bool,
    /// The top-level key holding a nested text field, and the rest of the path under it.
    nested_text: Option<(&'a str, &'a str)>,
}

impl<'a> Slots<'a> {
    fn of(fields: &Map, text_field: &'a str, id_field: &str) -> Self {
        let add_id = !fields.contains_key(id_field) && field::get(fields, id_field).is_none();
        if fields.contains_key(text_field) {
            return Slots {
                add_id,
                add_text: false,
                nested_text: None,
            };
        }
        let nested_text = field::locate(fields, text_field).and_then(|keys| {
            let top = *keys.first()?;
            (keys.len() > 1).then(|| (top, &text_field[top.len() + 1..]))
        });
        Slots {
            add_id,
            add_text: nested_text.is_none(),
            nested_text,
        }
    }

    /// The output value of the input field `k` = `v`: the field itself, or (for the key holding
    /// the text) a copy with the current text in place.
    fn value<'v>(&self, k: &str, v: &'v Value, text_field: &str, text: &str) -> Cow<'v, Value> {
        if k == text_field {
            return Cow::Owned(Value::String(text.to_owned()));
        }
        match (self.nested_text, v) {
            (Some((top, rest)), Value::Object(inner)) if top == k => {
                let mut inner = inner.clone();
                field::set(&mut inner, rest, Value::String(text.to_owned()));
                Cow::Owned(Value::Object(inner))
            }
            _ => Cow::Borrowed(v),
        }
    }
}

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
    let slots = Slots::of(fields, text_field, id_field);
    if slots.add_id {
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
            serde_json::to_writer(&mut *out, &slots.value(k, v, text_field, doc.text()))?;
        }
    }
    if slots.add_text {
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
    let slots = Slots::of(&doc.fields, text_field, id_field);
    if slots.add_id {
        out.push((id_field.to_owned(), Value::String(doc.id.clone())));
    }
    for (k, v) in &doc.fields {
        if k == MILLSTONE_KEY {
            continue;
        }
        let v = slots.value(k, v, text_field, doc.text()).into_owned();
        out.push((k.clone(), v));
    }
    if slots.add_text {
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

    #[test]
    fn nested_text_and_id_stay_in_their_place() {
        let mut doc = Document::new("m1", "new text");
        doc.fields =
            serde_json::from_str(r#"{"meta":{"id":"m1","text":null,"url":"u"},"n":3}"#).unwrap();
        let mut out = Vec::new();
        encode_json(&mut out, &doc, &Map::new(), "meta.text", "meta.id").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"meta\":{\"id\":\"m1\",\"text\":\"new text\",\"url\":\"u\"},\"n\":3,\"millstone\":{}}\n"
        );
        let fields = output_fields(&doc, "meta.text", "meta.id");
        assert_eq!(fields[0].1["text"], "new text");
        assert_eq!(fields.len(), 2);
        // A missing nested id is added under the whole path, found again by the same path.
        doc.fields = serde_json::from_str(r#"{"meta":{"text":null}}"#).unwrap();
        let mut out = Vec::new();
        encode_json(&mut out, &doc, &Map::new(), "meta.text", "meta.id").unwrap();
        let back: Map = serde_json::from_slice(&out).unwrap();
        assert_eq!(field::get(&back, "meta.id"), Some(&Value::from("m1")));
        assert_eq!(
            field::get(&back, "meta.text"),
            Some(&Value::from("new text"))
        );
    }
}
