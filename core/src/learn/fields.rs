//! Reading typed fields out of a JSON object, every problem named by its path
//! (`[3].choices[1]: must be text of at most 200 characters`). Shared by the question
//! bank, the tours and the learner's saved work.

use crate::json::Value;

/// An object being read, with the path that names it in messages.
pub struct Obj<'a> {
    path: String,
    fields: &'a [(String, Value)],
}

/// `path.key`, or `key` at the top.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> Obj<'a> {
    pub fn new(v: &'a Value, path: &str) -> Result<Obj<'a>, String> {
        match v {
            Value::Object(fields) => Ok(Obj {
                path: path.to_string(),
                fields,
            }),
            other => Err(format!(
                "{}: must be an object, not {}",
                if path.is_empty() { "the file" } else { path },
                other.kind()
            )),
        }
    }

    pub fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Refuses keys not in `allowed` (a typo must not pass silently).
    pub fn only(&self, allowed: &[&str]) -> Result<(), String> {
        match self
            .fields
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            Some((k, _)) => Err(format!(
                "{}: is not a known field (expected one of {})",
                self.path(&crate::sim::params::shorten(k)),
                allowed.join(", ")
            )),
            None => Ok(()),
        }
    }

    fn need(&self, key: &str) -> Result<&'a Value, String> {
        self.get(key)
            .ok_or_else(|| format!("{}: is missing", self.path(key)))
    }

    /// Text of 1 to `max_chars` characters (after trimming).
    pub fn text(&self, key: &str, max_chars: usize) -> Result<&'a str, String> {
        text_value(self.need(key)?, &self.path(key), max_chars)
    }

    pub fn opt_text(&self, key: &str, max_chars: usize) -> Result<Option<&'a str>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => text_value(v, &self.path(key), max_chars).map(Some),
        }
    }

    /// A whole number from 0 to `max`.
    pub fn whole(&self, key: &str, max: u64) -> Result<u64, String> {
        whole_value(self.need(key)?, &self.path(key), max)
    }

    pub fn opt_whole(&self, key: &str, max: u64) -> Result<Option<u64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => whole_value(v, &self.path(key), max).map(Some),
        }
    }

    pub fn boolean(&self, key: &str) -> Result<bool, String> {
        match self.need(key)? {
            Value::Bool(b) => Ok(*b),
            other => Err(format!(
                "{}: must be true or false, not {}",
                self.path(key),
                other.kind()
            )),
        }
    }

    /// The text of a number, as written.
    pub fn number(&self, key: &str) -> Result<&'a str, String> {
        match self.need(key)? {
            Value::Number(n) => Ok(n),
            other => Err(format!(
                "{}: must be a number, not {}",
                self.path(key),
                other.kind()
            )),
        }
    }

    /// An array of at most `max_len` items.
    pub fn array(&self, key: &str, max_len: usize) -> Result<&'a [Value], String> {
        array_value(self.need(key)?, &self.path(key), max_len)
    }

    pub fn opt_array(&self, key: &str, max_len: usize) -> Result<&'a [Value], String> {
        match self.get(key) {
            None => Ok(&[]),
            Some(v) => array_value(v, &self.path(key), max_len),
        }
    }
}

pub fn text_value<'a>(v: &'a Value, path: &str, max_chars: usize) -> Result<&'a str, String> {
    match v {
        Value::String(s) if !s.trim().is_empty() && s.chars().count() <= max_chars => Ok(s),
        Value::String(s) if s.trim().is_empty() => Err(format!("{path}: must not be empty")),
        Value::String(s) => Err(format!(
            "{path}: is {} characters long; at most {max_chars} are allowed",
            s.chars().count()
        )),
        other => Err(format!("{path}: must be text, not {}", other.kind())),
    }
}

pub fn whole_value(v: &Value, path: &str, max: u64) -> Result<u64, String> {
    match v {
        Value::Number(n) => match n.parse::<u64>() {
            Ok(x) if x <= max => Ok(x),
            _ => Err(format!(
                "{path}: must be a whole number from 0 to {max}, not {}",
                crate::sim::params::shorten(n)
            )),
        },
        other => Err(format!(
            "{path}: must be a whole number, not {}",
            other.kind()
        )),
    }
}

pub fn array_value<'a>(v: &'a Value, path: &str, max_len: usize) -> Result<&'a [Value], String> {
    match v {
        Value::Array(items) if items.len() <= max_len => Ok(items),
        Value::Array(items) => Err(format!(
            "{path}: has {} items; at most {max_len} are allowed",
            items.len()
        )),
        other => Err(format!("{path}: must be an array, not {}", other.kind())),
    }
}
