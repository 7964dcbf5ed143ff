//! A small, strict JSON reader and writer for text users paste (contracts) and records the
//! simulations produce. Errors name the line and column; nothing panics, whatever the
//! input: nesting is capped and every index is checked. Numbers keep their text, so
//! decimals are compared exactly (no binary floating point).
//!
//! Hand-written rather than serde_json: this subset (no streaming, no serde) is a few KB
//! of wasm where serde_json's parser and value type would add several times that to every
//! page's download; the property tests feed it arbitrary text.

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 32;
/// Longest text accepted, in bytes.
pub const MAX_LEN: usize = 64 * 1024;

/// A JSON value. Objects keep their keys in order (duplicates are refused).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number's text as written (validated JSON number syntax).
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// Where and why the text is not JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

/// Parses `text` as one JSON value.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    parse_up_to(text, MAX_LEN)
}

/// Parses `text` as one JSON value, refusing texts longer than `max_len` bytes (a saved
/// file of the learner's work is allowed more than a pasted contract).
pub fn parse_up_to(text: &str, max_len: usize) -> Result<Value, JsonError> {
    let mut r = Reader { text, pos: 0 };
    if text.len() > max_len {
        return Err(r.error(format!(
            "the text is {} bytes; at most {} are accepted",
            text.len(),
            max_len
        )));
    }
    r.skip_ws();
    let v = r.value(0)?;
    r.skip_ws();
    if r.pos < text.len() {
        return Err(r.error("unexpected text after the value".into()));
    }
    Ok(v)
}

impl Reader<'_> {
    fn error(&self, message: String) -> JsonError {
        let before = self.text.get(..self.pos).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        JsonError {
            line,
            column,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect_word(&mut self, word: &str, v: Value) -> Result<Value, JsonError> {
        if self
            .text
            .get(self.pos..)
            .is_some_and(|t| t.starts_with(word))
        {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.error(format!("expected {word}")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        match self.peek() {
            None => Err(self.error("the text ends where a value should be".into())),
            Some(b'n') => self.expect_word("null", Value::Null),
            Some(b't') => self.expect_word("true", Value::Bool(true)),
            Some(b'f') => self.expect_word("false", Value::Bool(false)),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'[') => self.array(depth),
            Some(b'{') => self.object(depth),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                let c = self
                    .text
                    .get(self.pos..)
                    .and_then(|t| t.chars().next())
                    .unwrap_or('?');
                Err(self.error(format!("unexpected “{c}”: expected a value")))
            }
        }
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        let digits = |r: &mut Self| {
            let s = r.pos;
            while matches!(r.peek(), Some(b'0'..=b'9')) {
                r.pos += 1;
            }
            r.pos - s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = digits(self);
        if n == 0 {
            return Err(self.error("a number needs digits".into()));
        }
        if n > 1 && self.text.as_bytes().get(int_start) == Some(&b'0') {
            return Err(self.error("a number may not start with 0".into()));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.error("digits must follow the decimal point".into()));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("digits must follow the exponent".into()));
            }
        }
        Ok(Value::Number(
            self.text.get(start..self.pos).unwrap_or("0").to_string(),
        ))
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            let rest = self.text.get(self.pos..).unwrap_or("");
            let Some(c) = rest.chars().next() else {
                return Err(self.error("the string is not closed".into()));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.error("the string is not closed".into()));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if !self
                                    .text
                                    .get(self.pos..)
                                    .is_some_and(|t| t.starts_with("\\u"))
                                {
                                    return Err(self.error("a lone surrogate \\u escape".into()));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.error("a lone surrogate \\u escape".into()));
                                }
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                char::from_u32(hi)
                            };
                            match c {
                                Some(c) => out.push(c),
                                None => {
                                    return Err(self.error("a lone surrogate \\u escape".into()))
                                }
                            }
                        }
                        _ => return Err(self.error("an unknown escape after \\".into())),
                    }
                }
                c if (c as u32) < 0x20 => {
                    return Err(self.error("a control character inside a string (write \\n)".into()))
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self.text.get(self.pos..self.pos + 4).and_then(|h| {
            u32::from_str_radix(h, 16)
                .ok()
                .filter(|_| h.bytes().all(|b| b.is_ascii_hexdigit()))
        });
        match h {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.error("\\u needs four hex digits".into())),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected , or ] in the array".into())),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.pos += 1;
        let mut fields: Vec<(String, Value)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(fields));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a \"key\" in the object".into()));
            }
            let key_at = self.pos;
            let key = self.string()?;
            if fields.iter().any(|(k, _)| *k == key) {
                self.pos = key_at;
                return Err(self.error(format!("the key “{key}” appears twice")));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected : after the key".into()));
            }
            self.pos += 1;
            self.skip_ws();
            let v = self.value(depth + 1)?;
            fields.push((key, v));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(fields));
                }
                _ => return Err(self.error("expected , or } in the object".into())),
            }
        }
    }
}

impl Value {
    /// The value under `key`, for an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(f) => f.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// JSON's name for the value's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Compact JSON text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_string(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// An exact decimal from a JSON number's text: `(units, scale)` with value units / 10^scale,
/// or `None` if it does not fit (or uses an exponent beyond ±18).
pub fn decimal(text: &str) -> Option<(i128, u32)> {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (text.get(..i)?, text.get(i + 1..)?.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (neg, digits) = match mantissa.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, mantissa),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.len() + frac.len() > 30 || !(-18..=18).contains(&exp) {
        return None;
    }
    let mut units: i128 = format!("{int}{frac}").parse().ok()?;
    let mut scale = frac.len() as i32 - exp;
    while scale < 0 {
        units = units.checked_mul(10)?;
        scale += 1;
    }
    Some((if neg { -units } else { units }, scale as u32))
}

/// Compares two exact decimals.
pub fn cmp_decimal(a: (i128, u32), b: (i128, u32)) -> std::cmp::Ordering {
    let scale = a.1.max(b.1);
    let lift =
        |(u, s): (i128, u32)| u.checked_mul(10i128.checked_pow(scale - s).unwrap_or(i128::MAX));
    match (lift(a), lift(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.0.signum().cmp(&b.0.signum()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_and_writes_back() {
        let text = r#"{"a":[1,-2.5e3,true,null],"b":"x\"y\u00e9\ud83d\ude00","c":{}}"#;
        let v = parse(text).unwrap();
        assert_eq!(v.get("b").and_then(Value::as_str), Some("x\"yé😀"));
        assert_eq!(parse(&v.to_text()).unwrap(), v);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let e = parse("{\n  \"a\": 1,\n  \"b\": tru\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 8), "{e}");
        assert!(parse("{\"a\":1,\"a\":2}")
            .unwrap_err()
            .message
            .contains("twice"));
        assert!(parse("[1,]").is_err());
        assert!(parse("01").is_err());
        assert!(parse("\"\\ud800\"").is_err());
        assert!(parse(&"[".repeat(100))
            .unwrap_err()
            .message
            .contains("deeper"));
        assert!(parse("").is_err());
        assert!(parse("1 2").is_err());
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal("99.99"), Some((9999, 2)));
        assert_eq!(decimal("-1e2"), Some((-100, 0)));
        assert_eq!(decimal("1.5E-1"), Some((15, 2)));
        assert_eq!(cmp_decimal((1, 2), (10, 3)), std::cmp::Ordering::Equal);
        assert_eq!(cmp_decimal((1, 0), (999, 3)), std::cmp::Ordering::Greater);
        assert_eq!(decimal("1e99"), None);
    }
}
