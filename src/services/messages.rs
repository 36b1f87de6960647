//! What staff may read of the messages sent to customers: everything but the customer's own
//! links. A mandate-confirmation, new-mandate or payment link acts as the customer (whoever opens
//! it can confirm a mandate in their name), so the admin shows those links redacted; sending a
//! message again still sends the stored original.

use crate::store::Db;
use crate::store::messages::{self, Message};

/// The paths of links only the customer may open, as they follow the instance's address.
const CUSTOMER_PATHS: [&str; 2] = ["/m/", "/pay/"];

/// What stands in for the secret part of a redacted link.
pub const REDACTED: &str = "[hidden: only the customer may open this link]";

/// One of the merchant's messages as staff see it, its customer links redacted.
pub async fn for_staff(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Message>> {
    Ok(messages::get(db, merchant_id, id).await?.map(|mut m| {
        m.body_text = redact_customer_links(&m.body_text);
        m.body_html = redact_customer_links(&m.body_html);
        m
    }))
}

/// `text` (plain or HTML) with every customer link cut after its path's first part:
/// `https://abbo.example/m/TOKEN` becomes `https://abbo.example/m/[hidden: …]`.
pub fn redact_customer_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["http://", "https://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')'))
            .unwrap_or(from.len());
        let (url, after) = from.split_at(end);
        out.push_str(&redacted_url(url));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The URL, cut after a customer path (unchanged when it is not a customer link).
fn redacted_url(url: &str) -> String {
    let host_start = url.find("//").map_or(0, |i| i + 2);
    let path_start = url[host_start..]
        .find('/')
        .map_or(url.len(), |i| host_start + i);
    let path = &url[path_start..];
    match CUSTOMER_PATHS.iter().find(|p| path.starts_with(**p)) {
        Some(prefix) => format!("{}{prefix}{REDACTED}", &url[..path_start]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_links_are_cut_after_their_path() {
        let text = "Confirm: https://abbo.example/m/abc123DEF\nor http://127.0.0.1:8080/pay/due/trx_1?s=ff.";
        let shown = redact_customer_links(text);
        assert!(!shown.contains("abc123DEF"), "{shown}");
        assert!(!shown.contains("trx_1"), "{shown}");
        assert!(shown.contains(&format!("https://abbo.example/m/{REDACTED}\n")));
        assert!(shown.contains(&format!("http://127.0.0.1:8080/pay/{REDACTED}")));
    }

    #[test]
    fn links_in_html_attributes_are_cut_and_other_links_kept() {
        let html = r#"<a href="https://abbo.example/m/new/mdt_1?until=2026-01-01&#38;s=aa">Give</a> <img src="https://abbo.example/media/logo/mer_1?v=1"> <a href="https://abbo.example/login">x</a>"#;
        let shown = redact_customer_links(html);
        assert!(!shown.contains("mdt_1"), "{shown}");
        assert!(shown.contains(r#"src="https://abbo.example/media/logo/mer_1?v=1""#));
        assert!(shown.contains(r#"href="https://abbo.example/login""#));
    }

    #[test]
    fn text_without_links_is_unchanged() {
        assert_eq!(
            redact_customer_links("Hello, no links."),
            "Hello, no links."
        );
        assert_eq!(
            redact_customer_links("see http://example.com"),
            "see http://example.com"
        );
    }
}
