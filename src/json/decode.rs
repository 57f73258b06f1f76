//! Reading typed data out of a parsed [`Value`], with errors that say where the value is wrong
//! (`invalid type at done[3][4]: expected a number, found a string`).

use super::{Map, Value};

/// A type that can be read from a JSON value.
pub trait FromJson: Sized {
    /// Reads `value`; an error names what is wrong, from the value's point of view.
    fn from_json(value: &Value) -> Result<Self, DecodeError>;
}

/// Why a value could not be read, and where it is (`rows[2]`, `skipped[0][2].d`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    kind: &'static str,
    detail: String,
    path: String,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.path.as_str() {
            "" => write!(f, "{}: {}", self.kind, self.detail),
            path => write!(f, "{} at {path}: {}", self.kind, self.detail),
        }
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    /// A value of the wrong JSON type.
    pub fn invalid_type(expected: &str, found: &Value) -> Self {
        let found = match found {
            Value::String(s) if s.chars().count() <= 40 => format!("the string {s:?}"),
            Value::Number(n) => format!("the number {}", super::to_string(n)),
            other => other.type_name().to_string(),
        };
        DecodeError::new(
            "invalid type",
            format!("expected {expected}, found {found}"),
        )
    }

    /// A value of the right type that is not allowed.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        DecodeError::new("invalid value", detail.into())
    }

    /// An array of the wrong length.
    pub fn invalid_length(expected: usize, found: usize) -> Self {
        DecodeError::new(
            "invalid length",
            format!("expected {expected} elements, found {found}"),
        )
    }

    /// An object without a field it needs.
    pub fn missing(key: &str) -> Self {
        DecodeError::new("missing field", format!("{key:?}"))
    }

    fn new(kind: &'static str, detail: String) -> Self {
        DecodeError {
            kind,
            detail,
            path: String::new(),
        }
    }

    /// The same error, placed under the field `key`.
    pub fn at_key(mut self, key: &str) -> Self {
        let sep = if self.path.is_empty() || self.path.starts_with('[') {
            ""
        } else {
            "."
        };
        self.path = format!("{key}{sep}{}", self.path);
        self
    }

    /// The same error, placed under the array element `index`.
    pub fn at_index(mut self, index: usize) -> Self {
        self.path = format!("[{index}]{}", self.path);
        self
    }
}

/// The field `key` of `obj`, read as a `T`; `None` when absent.
pub fn field<T: FromJson>(obj: &Map, key: &str) -> Result<Option<T>, DecodeError> {
    obj.get(key)
        .map(|v| T::from_json(v).map_err(|e| e.at_key(key)))
        .transpose()
}

/// The field `key` of `obj`, read as a `T`; an error when absent.
pub fn required<T: FromJson>(obj: &Map, key: &str) -> Result<T, DecodeError> {
    field(obj, key)?.ok_or_else(|| DecodeError::missing(key))
}

impl FromJson for String {
    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            other => Err(DecodeError::invalid_type("a string", other)),
        }
    }
}

/// Any number: integers are converted.
impl FromJson for f64 {
    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        value
            .as_f64()
            .ok_or_else(|| DecodeError::invalid_type("a number", value))
    }
}

macro_rules! unsigned {
    ($($t:ty)*) => {$(
        impl FromJson for $t {
            fn from_json(value: &Value) -> Result<Self, DecodeError> {
                let Value::Number(n) = value else {
                    return Err(DecodeError::invalid_type("an integer", value));
                };
                n.as_u64().and_then(|n| <$t>::try_from(n).ok()).ok_or_else(|| {
                    DecodeError::invalid_value(format!(
                        "expected an integer from 0 to {}, found {}",
                        <$t>::MAX,
                        super::to_string(n)
                    ))
                })
            }
        }
    )*};
}

unsigned!(u8 u16 u32 usize);

/// `null` is `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_json(other).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        let items = value
            .as_array()
            .ok_or_else(|| DecodeError::invalid_type("an array", value))?;
        items
            .iter()
            .enumerate()
            .map(|(i, v)| T::from_json(v).map_err(|e| e.at_index(i)))
            .collect()
    }
}

macro_rules! tuples {
    ($($n:literal ($($t:ident $i:tt),*))*) => {$(
        /// An array of exactly this many elements.
        impl<$($t: FromJson),*> FromJson for ($($t,)*) {
            fn from_json(value: &Value) -> Result<Self, DecodeError> {
                let items = value
                    .as_array()
                    .ok_or_else(|| DecodeError::invalid_type("an array", value))?;
                if items.len() != $n {
                    return Err(DecodeError::invalid_length($n, items.len()));
                }
                Ok(($($t::from_json(&items[$i]).map_err(|e| e.at_index($i))?,)*))
            }
        }
    )*};
}

tuples!(3 (A 0, B 1, C 2) 4 (A 0, B 1, C 2, D 3) 5 (A 0, B 1, C 2, D 3, E 4));
