//! A merchant's own settings: legal details, SEPA creditor data, language and branding.

use crate::store::activity::{self, NewActivity};
use crate::store::merchants::{self, MerchantSettings};
use crate::store::users::User;
use crate::store::{self, Db};

/// Largest logo accepted, in bytes.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// Why a logo was refused.
#[derive(Debug, thiserror::Error)]
pub enum LogoError {
    #[error("Choose an image file to upload")]
    Empty,
    #[error("The logo may be at most 512 kB")]
    TooLarge,
    #[error("Upload a PNG, JPEG or WebP image")]
    UnsupportedType,
}

/// The image type of `data`, judged by its content (never by the name or the browser's word).
pub fn logo_content_type(data: &[u8]) -> Result<&'static str, LogoError> {
    if data.is_empty() {
        return Err(LogoError::Empty);
    }
    if data.len() > MAX_LOGO_BYTES {
        return Err(LogoError::TooLarge);
    }
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if data.len() > 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Ok("image/webp")
    } else {
        Err(LogoError::UnsupportedType)
    }
}

fn entry<'a>(actor: &'a User, action: &'a str) -> NewActivity<'a> {
    NewActivity::by(actor, "merchant", &actor.merchant_id, action, String::new())
}

/// Saves the settings page and logs who did it.
#[tracing::instrument(skip(db, settings))]
pub async fn update_settings(
    db: &Db,
    actor: &User,
    settings: &MerchantSettings,
) -> anyhow::Result<()> {
    let now = store::now();
    let mut tx = db.begin().await?;
    merchants::update_settings(&mut tx, &actor.merchant_id, settings, now).await?;
    activity::record(&mut tx, &entry(actor, "settings.updated"), now).await?;
    tx.commit().await
}

/// Stores a new logo (already checked by `logo_content_type`).
pub async fn set_logo(
    db: &Db,
    actor: &User,
    content_type: &str,
    data: &[u8],
) -> anyhow::Result<()> {
    let now = store::now();
    let mut tx = db.begin().await?;
    merchants::set_logo(&mut tx, &actor.merchant_id, content_type, data, now).await?;
    activity::record(&mut tx, &entry(actor, "settings.logo_uploaded"), now).await?;
    tx.commit().await
}

/// Removes the logo, if any.
pub async fn remove_logo(db: &Db, actor: &User) -> anyhow::Result<()> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if merchants::remove_logo(&mut tx, &actor.merchant_id).await? {
        activity::record(&mut tx, &entry(actor, "settings.logo_removed"), now).await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logo_type_comes_from_the_content() {
        assert_eq!(
            logo_content_type(b"\x89PNG\r\n\x1a\nrest").unwrap(),
            "image/png"
        );
        assert_eq!(
            logo_content_type(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(),
            "image/jpeg"
        );
        assert_eq!(
            logo_content_type(b"RIFF\0\0\0\0WEBPVP8 ").unwrap(),
            "image/webp"
        );
        assert!(matches!(
            logo_content_type(b"<svg onload=alert(1)>"),
            Err(LogoError::UnsupportedType)
        ));
        assert!(matches!(logo_content_type(b""), Err(LogoError::Empty)));
        let big = [b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0u8; MAX_LOGO_BYTES]].concat();
        assert!(matches!(logo_content_type(&big), Err(LogoError::TooLarge)));
    }
}
