//! Sending text messages: kept in the outbox by default, or through any HTTP gateway
//! (MessageBird, Twilio, or a JSON or form API) configured by URL, method and body template.

use std::time::Duration;

use anyhow::{Context, bail};

use crate::config::SmsSettings;

/// What happened to a text message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsOutcome {
    Sent,
    /// No gateway configured: the message stays readable in the admin only.
    Stored,
}

/// Where text messages go.
pub enum SmsSender {
    Outbox,
    Gateway {
        client: reqwest::Client,
        settings: SmsSettings,
    },
}

impl SmsSender {
    /// Builds the sender for the `[sms]` settings.
    pub fn new(settings: &SmsSettings) -> anyhow::Result<SmsSender> {
        if settings.url == "outbox" {
            return Ok(SmsSender::Outbox);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("building the SMS gateway client")?;
        Ok(SmsSender::Gateway {
            client,
            settings: settings.clone(),
        })
    }

    /// Sends `text` to `to` (E.164).
    pub async fn send(&self, to: &str, text: &str) -> anyhow::Result<SmsOutcome> {
        let SmsSender::Gateway { client, settings } = self else {
            return Ok(SmsOutcome::Stored);
        };
        let body = fill(
            &settings.body,
            &settings.content_type,
            to,
            text,
            &settings.sender,
        );
        let request = if settings.method == "GET" {
            let query = fill(
                &settings.body,
                "application/x-www-form-urlencoded",
                to,
                text,
                &settings.sender,
            );
            let separator = if settings.url.contains('?') { '&' } else { '?' };
            client.get(format!("{}{separator}{query}", settings.url))
        } else {
            client
                .post(&settings.url)
                .header(reqwest::header::CONTENT_TYPE, &settings.content_type)
                .body(body)
        };
        let request = if settings.authorization.is_empty() {
            request
        } else {
            request.header(reqwest::header::AUTHORIZATION, &settings.authorization)
        };
        let response = request.send().await.context("calling the SMS gateway")?;
        let status = response.status();
        if !status.is_success() {
            let excerpt: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            bail!("the SMS gateway answered {status}: {excerpt}");
        }
        Ok(SmsOutcome::Sent)
    }
}

/// The body template with its placeholders filled in, escaped for the content type.
fn fill(template: &str, content_type: &str, to: &str, text: &str, sender: &str) -> String {
    let escape = |value: &str| -> String {
        if content_type == "application/json" {
            let quoted = serde_json::to_string(value).unwrap_or_default();
            quoted[1..quoted.len() - 1].to_string()
        } else {
            serde_urlencoded::to_string([("", value)])
                .unwrap_or_default()
                .trim_start_matches('=')
                .to_string()
        }
    };
    template
        .replace("{to}", &escape(to))
        .replace("{sender}", &escape(sender))
        .replace("{text}", &escape(text))
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn placeholders_are_escaped_for_json() {
        let body = fill(
            r#"{"to":"{to}","body":"{text}"}"#,
            "application/json",
            "+31612345678",
            "Say \"hi\"\n{to}",
            "Shop",
        );
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["to"], "+31612345678");
        assert_eq!(parsed["body"], "Say \"hi\"\n{to}");
    }

    #[test]
    fn placeholders_are_escaped_for_forms() {
        let body = fill(
            "To={to}&Body={text}&From={sender}",
            "application/x-www-form-urlencoded",
            "+31612345678",
            "a&b=c ü",
            "Shop",
        );
        let parsed: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
        assert_eq!(parsed[0], ("To".into(), "+31612345678".into()));
        assert_eq!(parsed[1], ("Body".into(), "a&b=c ü".into()));
        assert_eq!(parsed[2], ("From".into(), "Shop".into()));
    }
}
