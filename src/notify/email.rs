//! Sending email through lettre: SMTP in production, `.eml` files by default.

use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::ConfigError;
use crate::store::messages::Message;

/// Where emails go.
pub enum EmailSender {
    /// An outbox folder of `.eml` files, so a new install works offline.
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl EmailSender {
    /// Builds the transport for `email.url`.
    pub fn from_url(url: &str) -> Result<EmailSender, ConfigError> {
        if let Some(folder) = url.strip_prefix("file://") {
            std::fs::create_dir_all(folder).map_err(|e| ConfigError {
                key: "email.url".into(),
                message: format!("cannot create {folder}: {e}"),
            })?;
            return Ok(EmailSender::File(AsyncFileTransport::new(folder)));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| ConfigError {
                key: "email.url".into(),
                message: format!("not a usable SMTP address: {e}"),
            })?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(EmailSender::Smtp(transport))
    }

    /// Sends one stored message as multipart plain text + HTML, with its attachment.
    pub async fn send(
        &self,
        message: &Message,
        from: &str,
        attachment: Option<&super::Attachment>,
    ) -> anyhow::Result<()> {
        let email = build(message, from, attachment)?;
        match self {
            EmailSender::File(t) => t
                .send(email)
                .await
                .map(|_| ())
                .context("writing the email file"),
            EmailSender::Smtp(t) => t
                .send(email)
                .await
                .map(|_| ())
                .context("sending through SMTP"),
        }
    }
}

/// The email for a stored message; its Message-ID is derived from the message id so that a
/// receiving system can tell a duplicate.
pub fn build(
    message: &Message,
    from: &str,
    attachment: Option<&super::Attachment>,
) -> anyhow::Result<lettre::Message> {
    let from = Mailbox::new(
        Some(message.sender_name.clone()),
        from.parse().context("email.from")?,
    );
    let to: Mailbox = message.recipient.parse().context("the recipient address")?;
    let domain = from.email.domain().to_string();
    let mut builder = lettre::Message::builder()
        .message_id(Some(format!("<{}@{domain}>", message.id)))
        .from(from)
        .to(to)
        .subject(&message.subject);
    if !message.reply_to.is_empty() {
        let reply_to: Mailbox = message.reply_to.parse().context("the reply-to address")?;
        builder = builder.reply_to(reply_to);
    }
    let body =
        MultiPart::alternative_plain_html(message.body_text.clone(), message.body_html.clone());
    let body = match attachment {
        None => body,
        Some(file) => {
            let content_type =
                ContentType::parse(&file.content_type).context("the attachment's content type")?;
            MultiPart::mixed().multipart(body).singlepart(
                lettre::message::Attachment::new(file.filename.clone())
                    .body(file.data.clone(), content_type),
            )
        }
    };
    builder.multipart(body).context("building the email")
}
