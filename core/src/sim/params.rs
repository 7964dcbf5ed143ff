//! Validated scenario parameters. Every value from outside (form, URL, pasted JSON) goes
//! through [`Params::set`], which either accepts it or returns a [`ParamError`] naming the
//! field and its bound. Nothing here panics.

/// What kind of value a parameter holds, with its bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    /// A whole number in `min..=max`.
    Int { min: i64, max: i64 },
    /// A decimal number in `min..=max`.
    Float { min: f64, max: f64 },
    /// One of the listed `(value, label)` pairs.
    Choice(&'static [(&'static str, &'static str)]),
    /// Text of at most `max_len` bytes, checked by the pattern (a contract's JSON). Pages
    /// give it their own editor; the generic form leaves it out.
    Text { max_len: usize },
}

/// One parameter as the UI and the URL know it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// The name in the URL and in the `param-<name>` test hook.
    pub name: &'static str,
    pub label: &'static str,
    /// One sentence on what it changes.
    pub help: &'static str,
    pub kind: ParamKind,
}

/// A rejected value: which field, and why (with the bound).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    pub field: String,
    pub message: String,
}

impl ParamError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        ParamError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The `data-testid` of a parameter's input: `param-<field>`, or on a compare page
/// `a-param-<field>` / `b-param-<field>` for a side's `a.<field>` / `b.<field>`.
pub fn param_hook(name: &str) -> String {
    match name.split_once('.') {
        Some((side @ ("a" | "b"), field)) => format!("{side}-param-{field}"),
        _ => format!("param-{name}"),
    }
}

/// A pattern's parameter set: plain data with a default, readable and writable by name.
pub trait Params: Clone + PartialEq + Default + std::fmt::Debug {
    /// Every parameter, in the order the form shows them.
    fn specs() -> &'static [ParamSpec];
    /// The current value of `field` in its URL form, or `None` for an unknown field.
    fn get(&self, field: &str) -> Option<String>;
    /// Sets `field` from text, validating it; on error nothing changes.
    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError>;

    /// The reference note's mistakes this pattern can switch on (`pitfall-<name>`).
    /// Their values are read and written through `get`/`set` as `"on"`/`"off"`.
    fn pitfalls() -> &'static [super::PitfallSpec] {
        &[]
    }

    /// The spec of `field`, if it exists.
    fn spec(field: &str) -> Option<&'static ParamSpec> {
        Self::specs().iter().find(|s| s.name == field)
    }

    /// The spec of `field`, or the error a form shows for a field this page does not have.
    fn spec_or_error(field: &str) -> Result<&'static ParamSpec, ParamError> {
        Self::spec(field).ok_or_else(|| ParamError::new(field, "is not a parameter of this page"))
    }

    /// Every current value checked against its spec again, by setting it on a default
    /// (values may come from anywhere: a struct literal, a preset, a link).
    fn bound_errors(&self) -> Vec<ParamError> {
        Self::specs()
            .iter()
            .filter_map(|spec| {
                let v = self.get(spec.name)?;
                Self::default().set(spec.name, &v).err()
            })
            .collect()
    }

    /// Limits that span several fields (none unless a pattern has some), each naming the
    /// field to change.
    fn combination_errors(&self) -> Vec<ParamError> {
        Vec::new()
    }

    /// Every bound checked again, then the limits that span several fields.
    fn validate(&self) -> Vec<ParamError> {
        let errors = self.bound_errors();
        if !errors.is_empty() {
            return errors;
        }
        self.combination_errors()
    }

    /// The fields whose value differs from the default, in spec order (what a link needs).
    fn non_default_fields(&self) -> Vec<(&'static str, String)> {
        let defaults = Self::default();
        Self::specs()
            .iter()
            .filter_map(|s| {
                let v = self.get(s.name)?;
                (defaults.get(s.name).as_deref() != Some(v.as_str())).then_some((s.name, v))
            })
            .collect()
    }
}

/// `set` for a pattern with limits spanning several fields: sets `field` with `set_one`,
/// then undoes it if a combined limit is broken, reporting it on `field`.
pub fn set_checked<P: Params>(
    p: &mut P,
    field: &str,
    value: &str,
    set_one: impl FnOnce(&mut P, &str, &str) -> Result<(), ParamError>,
) -> Result<(), ParamError> {
    let before = p.clone();
    set_one(p, field, value)?;
    if let Some(e) = p.combination_errors().into_iter().next() {
        *p = before;
        return Err(ParamError::new(field, e.message));
    }
    Ok(())
}

/// Parses `value` as the integer parameter `spec`, enforcing its bounds.
pub fn parse_int(spec: &ParamSpec, value: &str) -> Result<i64, ParamError> {
    let (min, max) = match spec.kind {
        ParamKind::Int { min, max } => (min, max),
        _ => {
            return Err(ParamError::new(
                spec.name,
                "is not a whole-number parameter",
            ))
        }
    };
    let bound = format!("a whole number from {min} to {max}");
    let trimmed = value.trim().replace('_', "");
    let v: i64 = trimmed
        .parse()
        .map_err(|_| ParamError::new(spec.name, format!("“{}” is not {bound}", shorten(value))))?;
    if v < min || v > max {
        return Err(ParamError::new(
            spec.name,
            format!("{v} is out of range: must be {bound}"),
        ));
    }
    Ok(v)
}

/// Parses `value` as the decimal parameter `spec`, enforcing its bounds (NaN rejected).
pub fn parse_float(spec: &ParamSpec, value: &str) -> Result<f64, ParamError> {
    let (min, max) = match spec.kind {
        ParamKind::Float { min, max } => (min, max),
        _ => return Err(ParamError::new(spec.name, "is not a decimal parameter")),
    };
    let bound = format!("a number from {min} to {max}");
    let v: f64 = value
        .trim()
        .parse()
        .map_err(|_| ParamError::new(spec.name, format!("“{}” is not {bound}", shorten(value))))?;
    if !v.is_finite() || v < min || v > max {
        return Err(ParamError::new(
            spec.name,
            format!("{} is out of range: must be {bound}", shorten(value.trim())),
        ));
    }
    Ok(v)
}

/// Parses `value` as one of the choices of `spec`.
pub fn parse_choice(spec: &ParamSpec, value: &str) -> Result<&'static str, ParamError> {
    let choices = match spec.kind {
        ParamKind::Choice(c) => c,
        _ => return Err(ParamError::new(spec.name, "is not a choice parameter")),
    };
    choices
        .iter()
        .find(|(v, _)| *v == value.trim())
        .map(|(v, _)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(v, _)| *v).collect();
            ParamError::new(
                spec.name,
                format!("“{}” is not one of: {}", shorten(value), names.join(", ")),
            )
        })
}

/// Parses a pitfall toggle's value: `on` or `off`.
pub fn parse_on_off(field: &str, value: &str) -> Result<bool, ParamError> {
    match value.trim() {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(ParamError::new(
            field,
            format!("“{}” is not on or off", shorten(other)),
        )),
    }
}

/// Cuts user text to a length that fits in a message (by characters, never mid-UTF-8).
pub fn shorten(text: &str) -> String {
    const MAX: usize = 24;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod hook_tests {
    use super::param_hook;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn side_fields_get_the_side_prefix_in_their_hook() {
        assert_eq!(param_hook("shards"), "param-shards");
        assert_eq!(param_hook("a.scheme"), "a-param-scheme");
        assert_eq!(param_hook("b.vnodes"), "b-param-vnodes");
        assert_eq!(param_hook("c.x"), "param-c.x");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const N: ParamSpec = ParamSpec {
        name: "shards",
        label: "Shards",
        help: "",
        kind: ParamKind::Int { min: 1, max: 64 },
    };
    const F: ParamSpec = ParamSpec {
        name: "skew",
        label: "Skew",
        help: "",
        kind: ParamKind::Float { min: 0.0, max: 3.0 },
    };
    const C: ParamSpec = ParamSpec {
        name: "scheme",
        label: "Scheme",
        help: "",
        kind: ParamKind::Choice(&[("modn", "mod-N"), ("ring", "ring")]),
    };

    #[test]
    fn int_bounds_are_named_in_the_message() {
        assert_eq!(parse_int(&N, " 5 "), Ok(5));
        let e = parse_int(&N, "0").unwrap_err();
        assert!(e.message.contains("1 to 64"), "{}", e.message);
        let e = parse_int(&N, "abc").unwrap_err();
        assert!(e.message.contains("abc") && e.message.contains("1 to 64"));
        assert!(parse_int(&N, "99999999999999999999999").is_err());
    }

    #[test]
    fn floats_reject_nan_and_infinity() {
        assert_eq!(parse_float(&F, "1.5"), Ok(1.5));
        assert!(parse_float(&F, "NaN").is_err());
        assert!(parse_float(&F, "inf").is_err());
        assert!(parse_float(&F, "3.01")
            .unwrap_err()
            .message
            .contains("0 to 3"));
    }

    #[test]
    fn choices_list_the_options() {
        assert_eq!(parse_choice(&C, "ring"), Ok("ring"));
        let e = parse_choice(&C, "jump").unwrap_err();
        assert!(e.message.contains("modn, ring"));
    }

    #[test]
    fn shorten_never_splits_a_character() {
        let long = "é".repeat(100);
        assert_eq!(shorten(&long).chars().count(), 25);
    }
}
