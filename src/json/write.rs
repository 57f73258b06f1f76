//! Writing compact JSON, byte for byte as serde_json writes it: no spaces, strings escaped
//! minimally (`\"`, `\\`, `\b\f\n\r\t`, other control characters as `\u00xx`), floats in
//! their shortest form with a `.0` or an exponent (`1e+16`, ties to the even digit, as
//! serde_json 1.0.154 writes them), NaN and the infinities as `null`.

use std::fmt::Write;

use super::{Map, Number, Value, N};

/// A value that writes itself as compact JSON.
pub trait ToJson {
    /// Appends the JSON text to `out`.
    fn write_json(&self, out: &mut String);
}

/// The compact JSON text of a value.
pub fn to_string<T: ToJson + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.write_json(&mut out);
    out
}

/// Writes an object field by field, in the order given.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Opens an object at the end of `out`.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    /// Appends one field.
    pub fn field<T: ToJson + ?Sized>(mut self, key: &str, value: &T) -> Self {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        key.write_json(self.out);
        self.out.push(':');
        value.write_json(self.out);
        self
    }

    /// Closes the object.
    pub fn finish(self) {
        self.out.push('}');
    }
}

fn write_seq<'a, T: ToJson + 'a>(out: &mut String, items: impl IntoIterator<Item = &'a T>) {
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item.write_json(out);
    }
    out.push(']');
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        out.push('"');
        let mut start = 0;
        for (i, b) in self.bytes().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0C => "\\f",
                0..0x20 => "",
                _ => continue,
            };
            out.push_str(&self[start..i]);
            if escape.is_empty() {
                let _ = write!(out, "\\u{b:04x}");
            } else {
                out.push_str(escape);
            }
            start = i + 1;
        }
        out.push_str(&self[start..]);
        out.push('"');
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

macro_rules! integers {
    ($($t:ty)*) => {$(
        impl ToJson for $t {
            fn write_json(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    )*};
}

integers!(u8 u16 u32 u64 usize i64);

/// The shortest text that reads back as the same float, in full from 1e-5 up to 1e16 and with
/// an exponent (`1e+16`, `1e-6`) outside; `null` when it is not finite.
impl ToJson for f64 {
    fn write_json(&self, out: &mut String) {
        if !self.is_finite() {
            out.push_str("null");
            return;
        }
        let start = out.len();
        let _ = write!(out, "{self:?}");
        let e = out[start..].find('e').map(|i| start + i);
        if is_tie(*self, &out[start..]) {
            let last = e.unwrap_or(out.len()) - 1;
            let down = char::from(out.as_bytes()[last] - 1);
            out.replace_range(last..=last, down.encode_utf8(&mut [0; 4]));
        }
        // Rust writes `1e16` and `1.5e-5`, where serde_json writes `1e+16` and `0.000015`.
        let Some(e) = e else {
            return;
        };
        if &out[e + 1..] == "-5" {
            let digits: String = out[start..e].chars().filter(char::is_ascii_digit).collect();
            let sign = if *self < 0.0 { "-" } else { "" };
            out.truncate(start);
            let _ = write!(out, "{sign}0.0000{digits}");
        } else if !out[e + 1..].starts_with('-') {
            out.insert(e + 1, '+');
        }
    }
}

/// Whether `f`, written `shortest` by Rust, lies exactly halfway between those digits and the
/// same digits with the last one lowered. Rust then rounds up (`100000000000000.125` gives
/// `…0.13`) and serde_json to the even digit (`…0.12`), always the lower one as Rust's last
/// digit is odd. Only 16 or 17 digits can tie: with fewer, one neighbour alone reads back as `f`.
fn is_tie(f: f64, shortest: &str) -> bool {
    let digits = |text: &str| -> Vec<u8> {
        let mantissa = text.split('e').next().unwrap_or_default();
        let digits = mantissa.bytes().filter(u8::is_ascii_digit);
        digits.skip_while(|&d| d == b'0').collect()
    };
    let shortest = digits(shortest);
    let n = shortest.len();
    if n < 16 || shortest[n - 1] % 2 == 0 {
        return false;
    }
    // The exact value, far enough to see whether it stops at a 5 after the lowered digits.
    let exact = digits(&format!("{:.*e}", n + 24, f.abs()));
    exact.starts_with(&shortest[..n - 1])
        && exact[n - 1] == shortest[n - 1] - 1
        && exact[n] == b'5'
        && exact[n + 1..].iter().all(|&d| d == b'0')
}

impl ToJson for Number {
    fn write_json(&self, out: &mut String) {
        match self.0 {
            N::PosInt(n) => n.write_json(out),
            N::NegInt(n) => n.write_json(out),
            N::Float(f) => f.write_json(out),
        }
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        write_seq(out, self);
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        write_seq(out, self);
    }
}

macro_rules! tuples {
    ($(($t0:ident $i0:tt $(, $t:ident $i:tt)*))*) => {$(
        impl<$t0: ToJson $(, $t: ToJson)*> ToJson for ($t0, $($t,)*) {
            fn write_json(&self, out: &mut String) {
                out.push('[');
                self.$i0.write_json(out);
                $(
                    out.push(',');
                    self.$i.write_json(out);
                )*
                out.push(']');
            }
        }
    )*};
}

tuples!((A 0, B 1, C 2) (A 0, B 1, C 2, D 3) (A 0, B 1, C 2, D 3, E 4));

impl ToJson for Map {
    fn write_json(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        for (key, value) in self.iter() {
            object = object.field(key, value);
        }
        object.finish();
    }
}

impl ToJson for Value {
    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => b.write_json(out),
            Value::Number(n) => n.write_json(out),
            Value::String(s) => s.write_json(out),
            Value::Array(items) => items.write_json(out),
            Value::Object(map) => map.write_json(out),
        }
    }
}
