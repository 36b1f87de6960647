//! Field errors of a submitted form, shown next to each field and in a summary.

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
