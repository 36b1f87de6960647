//! Field errors of a submitted form, shown next to each field and in a summary.

pub use crate::domain::fields::FieldErrors;
