//! Rendering the messages Abbo sends: subject, plain text and HTML from `templates/email/`.

use anyhow::Context;
use askama::Template;

use crate::domain::role::Role;
use crate::i18n::Texts;

/// How the merchant's emails look: name, colour and (when uploaded) logo.
#[derive(Debug, Clone)]
pub struct Branding {
    pub name: String,
    pub colour: String,
    /// Absolute URL of the logo, so mail clients can load it.
    pub logo_url: Option<String>,
}

/// A rendered email, ready to queue.
#[derive(Debug, Clone)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "email/user_added.html")]
struct UserAddedHtml<'a> {
    subject: &'a str,
    brand: &'a Branding,
    added_by: &'a str,
    role: &'a str,
    role_description: &'a str,
    login_url: &'a str,
}

#[derive(Template)]
#[template(path = "email/user_added.txt")]
struct UserAddedText<'a> {
    sender_name: &'a str,
    added_by: &'a str,
    role: &'a str,
    role_description: &'a str,
    login_url: &'a str,
}

/// Tells a new staff member they can sign in (never containing the password).
pub fn user_added(
    brand: &Branding,
    added_by: &str,
    role: Role,
    login_url: &str,
) -> anyhow::Result<Composed> {
    let merchant_name = brand.name.as_str();
    let subject = format!("You have access to {merchant_name} on Abbo");
    let html = UserAddedHtml {
        subject: &subject,
        brand,
        added_by,
        role: role.as_str(),
        role_description: role.description(),
        login_url,
    }
    .render()
    .context("rendering the user-added email")?;
    let text = UserAddedText {
        sender_name: merchant_name,
        added_by,
        role: role.as_str(),
        role_description: role.description(),
        login_url,
    }
    .render()
    .context("rendering the user-added email text")?;
    Ok(Composed {
        subject,
        text,
        html,
    })
}

#[derive(Template)]
#[template(path = "email/mandate_request.html")]
struct MandateRequestHtml<'a> {
    t: &'a Texts,
    brand: &'a Branding,
    link: &'a str,
    body: &'a str,
}

#[derive(Template)]
#[template(path = "email/mandate_request.txt")]
struct MandateRequestText<'a> {
    t: &'a Texts,
    link: &'a str,
    /// The key of the paragraph asking to confirm (and perhaps to enter the account).
    body: &'a str,
}

/// Asks a customer to confirm their mandate (and with `enter_account` to enter the account it is
/// for, which staff did not give). `t` carries creditor, name, product, amount, interval, iban
/// and date.
pub fn mandate_request(
    t: &Texts,
    brand: &Branding,
    link: &str,
    enter_account: bool,
) -> anyhow::Result<Composed> {
    let body = if enter_account {
        "email-mandate-body-enter-account"
    } else {
        "email-mandate-body"
    };
    Ok(Composed {
        subject: t.get("email-mandate-subject"),
        text: MandateRequestText { t, link, body }
            .render()
            .context("rendering the mandate email text")?,
        html: MandateRequestHtml {
            t,
            brand,
            link,
            body,
        }
        .render()
        .context("rendering the mandate email")?,
    })
}

/// The text message with the mandate link (`t` carries creditor and product).
pub fn mandate_request_sms(t: &Texts, link: &str) -> String {
    t.clone().arg("link", link).get("sms-mandate")
}

#[derive(Template)]
#[template(path = "email/mandate_confirmed.html")]
struct MandateConfirmedHtml<'a> {
    t: &'a Texts,
    brand: &'a Branding,
    schedule: Option<&'a str>,
    receipt: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "email/mandate_confirmed.txt")]
struct MandateConfirmedText<'a> {
    t: &'a Texts,
    schedule: Option<&'a str>,
    receipt: Option<&'a str>,
}

/// Confirms a mandate to the customer: what is debited when (`schedule`) and, after an online
/// first payment, its receipt.
pub fn mandate_confirmed(
    t: &Texts,
    brand: &Branding,
    schedule: Option<&str>,
    receipt: Option<&str>,
) -> anyhow::Result<Composed> {
    Ok(Composed {
        subject: t.get("email-confirmed-subject"),
        text: MandateConfirmedText {
            t,
            schedule,
            receipt,
        }
        .render()
        .context("rendering the confirmation text")?,
        html: MandateConfirmedHtml {
            t,
            brand,
            schedule,
            receipt,
        }
        .render()
        .context("rendering the confirmation email")?,
    })
}

#[derive(Template)]
#[template(path = "email/notice.html")]
struct NoticeHtml<'a> {
    t: &'a Texts,
    brand: &'a Branding,
    subject: &'a str,
    intro: &'a str,
    collects: bool,
    has_period: bool,
    has_contact: bool,
    link: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "email/notice.txt")]
struct NoticeText<'a> {
    t: &'a Texts,
    intro: &'a str,
    collects: bool,
    has_period: bool,
    has_contact: bool,
    link: Option<(&'a str, &'a str)>,
}

/// What a pre-notification, invoice or credit note email says, besides its texts' arguments.
#[derive(Debug, Clone, Copy)]
pub struct NoticeParts<'a> {
    /// The subject's text key.
    pub subject: &'a str,
    /// The opening line's text key.
    pub intro: &'a str,
    /// Whether it announces a direct debit (`notice-collection` with amount, IBAN, date…).
    pub collects: bool,
    /// Whether `notice-period` (start, end) applies.
    pub has_period: bool,
    /// Whether `notice-contact` (email) applies.
    pub has_contact: bool,
    /// A button: the text key of its label and its address (a payment link).
    pub link: Option<(&'a str, &'a str)>,
}

/// A pre-notification of a direct debit, or the email an invoice or credit note is attached to
/// (which is the pre-notification when it announces the collection).
pub fn notice(t: &Texts, brand: &Branding, parts: NoticeParts<'_>) -> anyhow::Result<Composed> {
    let subject = t.get(parts.subject);
    Ok(Composed {
        text: NoticeText {
            t,
            intro: parts.intro,
            collects: parts.collects,
            has_period: parts.has_period,
            has_contact: parts.has_contact,
            link: parts.link,
        }
        .render()
        .context("rendering the notice text")?,
        html: NoticeHtml {
            t,
            brand,
            subject: &subject,
            intro: parts.intro,
            collects: parts.collects,
            has_period: parts.has_period,
            has_contact: parts.has_contact,
            link: parts.link,
        }
        .render()
        .context("rendering the notice")?,
        subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_added_escapes_html_but_not_text() {
        let brand = Branding {
            name: "Fiets & <Co>".into(),
            colour: "#1f5f8b".into(),
            logo_url: Some("https://abbo.example/media/logo/mer_1?v=1".into()),
        };
        let c = user_added(
            &brand,
            "owner@example.com",
            Role::Viewer,
            "https://abbo.example/login",
        )
        .unwrap();
        assert!(
            c.html
                .contains("<img src=\"https://abbo.example/media/logo/mer_1?v=1\""),
            "{}",
            c.html
        );
        assert_eq!(c.subject, "You have access to Fiets & <Co> on Abbo");
        assert!(
            c.html.contains("Fiets &#38; &#60;Co&#62;")
                || c.html.contains("Fiets &amp; &lt;Co&gt;"),
            "{}",
            c.html
        );
        assert!(c.text.contains("Fiets & <Co>"));
        assert!(c.text.contains("https://abbo.example/login"));
        assert!(c.html.contains("href=\"https://abbo.example/login\""));
    }
}
