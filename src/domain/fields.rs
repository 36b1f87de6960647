//! Problems with the fields of a form, an API request or an import row: shown next to each field
//! and in a summary, listed in a problem document, or written into a rejected-rows report.

use std::collections::BTreeMap;

/// Messages by field name, in the order the fields were checked.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    messages: BTreeMap<&'static str, String>,
    order: Vec<&'static str>,
}

impl FieldErrors {
    /// Adds a message for `field` (the first one wins).
    pub fn add(&mut self, field: &'static str, message: impl ToString) {
        if !self.messages.contains_key(field) {
            self.messages.insert(field, message.to_string());
            self.order.push(field);
        }
    }

    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.messages.get(field).map(String::as_str)
    }

    /// Whether there is no message at all.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// (field, message) pairs for the error summary, in form order.
    pub fn summary(&self) -> Vec<(&'static str, &str)> {
        self.order
            .iter()
            .map(|f| (*f, self.messages[f].as_str()))
            .collect()
    }

    /// Parses `value` with `parse`, recording the error under `field`.
    pub fn check<T, E: ToString>(
        &mut self,
        field: &'static str,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }
}

impl IntoIterator for FieldErrors {
    type Item = (&'static str, String);
    type IntoIter = std::vec::IntoIter<(&'static str, String)>;

    /// (field, message) pairs in the order the fields were checked.
    fn into_iter(mut self) -> Self::IntoIter {
        self.order
            .iter()
            .filter_map(|f| self.messages.remove(f).map(|m| (*f, m)))
            .collect::<Vec<_>>()
            .into_iter()
    }
}
