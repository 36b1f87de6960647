//! The XML the banks speak, without any database: writing pain.008 direct debit files
//! (`pain008`, streamed to any `Write` so memory stays flat), reading their answers (`returns`:
//! pain.002 status reports, camt.053 statements and camt.054 notifications, hardened against
//! hostile files), and the SEPA character set (`charset`).

pub mod charset;
pub mod pain008;
pub mod returns;
