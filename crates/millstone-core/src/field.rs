//! Field paths: how a field is named wherever a user names one (`--id-field`, `--text-field`,
//! a stage's `url_field`): either a top-level key (`url`) or a dotted path into nested objects
//! (`metadata.url`, datatrove's layout).
//!
//! A key that itself contains a dot wins over a path through nested objects: `"a.b"` names the
//! key `a.b` when the object has one, and `b` inside `a` otherwise; at every level the longest
//! literal key is tried first, so any key can be reached. Arrays are not indexed.
//!
//! Not for: renaming or creating fields on output beyond putting a value back at its path
//! ([`set`]); schemas (that is the Parquet writer's business).

use crate::{Map, Value};

/// The keys leading to `path` in `map`, outermost first, if the field exists.
pub fn locate<'p>(map: &Map, path: &'p str) -> Option<Vec<&'p str>> {
    let mut keys = Vec::new();
    locate_into(map, path, &mut keys).then_some(keys)
}

fn locate_into<'p>(map: &Map, path: &'p str, keys: &mut Vec<&'p str>) -> bool {
    if map.contains_key(path) {
        keys.push(path);
        return true;
    }
    // Longest literal prefix first: `a.b.c` tries key `a.b`, then key `a`.
    for (i, _) in path.rmatch_indices('.') {
        let (head, rest) = (&path[..i], &path[i + 1..]);
        if let Some(Value::Object(inner)) = map.get(head) {
            keys.push(head);
            if locate_into(inner, rest, keys) {
                return true;
            }
            keys.pop();
        }
    }
    false
}

/// The value at `path`, if the field exists (a JSON `null` there is `Some(Value::Null)`).
pub fn get<'a>(map: &'a Map, path: &str) -> Option<&'a Value> {
    if let Some(v) = map.get(path) {
        return Some(v); // the common case: a top-level key
    }
    let keys = locate(map, path)?;
    follow(map, &keys)
}

fn follow<'a>(map: &'a Map, keys: &[&str]) -> Option<&'a Value> {
    let (last, parents) = keys.split_last()?;
    let mut m = map;
    for k in parents {
        m = m.get(*k)?.as_object()?;
    }
    m.get(*last)
}

/// The value at `path`, mutably, if the field exists.
pub fn get_mut<'a>(map: &'a mut Map, path: &str) -> Option<&'a mut Value> {
    if map.contains_key(path) {
        return map.get_mut(path);
    }
    let keys = locate(map, path)?;
    let (last, parents) = keys.split_last()?;
    let mut m = map;
    for k in parents {
        m = m.get_mut(*k)?.as_object_mut()?;
    }
    m.get_mut(*last)
}

/// Put `value` at `path`: where the field exists, in its place; otherwise as a top-level key
/// named `path` (appended), so that reading the output back with the same path finds it.
pub fn set(map: &mut Map, path: &str, value: Value) {
    match get_mut(map, path) {
        Some(slot) => *slot = value,
        None => {
            map.insert(path.to_owned(), value);
        }
    }
}

/// Whether `path` names a field nested below the top level in `map` (it exists, and not as a
/// top-level key).
pub fn is_nested(map: &Map, path: &str) -> bool {
    !map.contains_key(path) && locate(map, path).is_some_and(|k| k.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(json: &str) -> Map {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn top_level_and_nested() {
        let m = map(r#"{"id":"a","metadata":{"url":"https://x.org/","n":{"deep":1}}}"#);
        assert_eq!(get(&m, "id"), Some(&Value::from("a")));
        assert_eq!(
            get(&m, "metadata.url"),
            Some(&Value::from("https://x.org/"))
        );
        assert_eq!(get(&m, "metadata.n.deep"), Some(&Value::from(1)));
        assert_eq!(get(&m, "metadata.missing"), None);
        assert_eq!(get(&m, "id.x"), None); // a string has no fields
        assert_eq!(
            locate(&m, "metadata.n.deep").unwrap(),
            ["metadata", "n", "deep"]
        );
        assert!(is_nested(&m, "metadata.url"));
        assert!(!is_nested(&m, "id"));
    }

    #[test]
    fn literal_dotted_keys_win() {
        let m = map(r#"{"a.b":1,"a":{"b":2,"c.d":3}}"#);
        assert_eq!(get(&m, "a.b"), Some(&Value::from(1)));
        assert_eq!(get(&m, "a.c.d"), Some(&Value::from(3)));
        let m = map(r#"{"a":{"b":{"c":1}},"a.b":{"x":2}}"#);
        // `a.b` is a key but has no `c`: the path through `a` then `b` is found.
        assert_eq!(get(&m, "a.b.c"), Some(&Value::from(1)));
        assert_eq!(get(&m, "a.b.x"), Some(&Value::from(2)));
    }

    #[test]
    fn set_in_place_or_at_top() {
        let mut m = map(r#"{"meta":{"text":null,"k":1},"z":0}"#);
        set(&mut m, "meta.text", Value::from("hello"));
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"meta":{"text":"hello","k":1},"z":0}"#
        );
        set(&mut m, "meta.id", Value::from("x"));
        assert_eq!(get(&m, "meta.id"), Some(&Value::from("x")));
        assert_eq!(m.keys().next_back().map(String::as_str), Some("meta.id"));
        let v = get_mut(&mut m, "meta.k").unwrap();
        *v = Value::from(2);
        assert_eq!(get(&m, "meta.k"), Some(&Value::from(2)));
    }
}
