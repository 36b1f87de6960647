//! Hosted sign-up pages: the merchant's editor side, and the signed, single-use tokens that let
//! the public form work without cookies (so also inside an iFrame on another site).

use base64::Engine;

use crate::services::tokens::{equal_secrets, hmac_sha256};
use crate::store::activity::{self, NewActivity};
use crate::store::signup_pages::{self as pages, Page};
use crate::store::users::User;
use crate::store::{self, Db};

/// Why a page could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("That page does not exist")]
    NotFound,
    #[error("Another page already uses this address")]
    SlugTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Creates or saves a page of the actor's merchant (`page.id` empty = new); returns its id.
pub async fn save(db: &Db, actor: &User, mut page: Page) -> Result<String, PageError> {
    let creating = page.id.is_empty();
    if creating {
        page.id = crate::domain::id::new_id(crate::domain::id::IdPrefix::Page);
    } else if pages::get(db, &actor.merchant_id, &page.id)
        .await?
        .is_none()
    {
        return Err(PageError::NotFound);
    }
    page.merchant_id = actor.merchant_id.clone();
    let now = store::now();
    let mut tx = db.begin().await?;
    match pages::save(&mut tx, &page, now).await {
        Ok(()) => {}
        Err(e) if store::is_unique_violation(&e) => return Err(PageError::SlugTaken),
        Err(e) => return Err(anyhow::Error::new(e).context("saving a page").into()),
    }
    let action = if creating {
        "page.created"
    } else {
        "page.updated"
    };
    activity::record(
        &mut tx,
        &NewActivity::by(actor, "page", &page.id, action, page.slug.clone()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(page.id)
}

/// Why a form token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the form token is not valid")]
    Invalid,
    #[error("the form was sent too quickly")]
    TooFast,
    #[error("the form has expired")]
    Expired,
}

/// Seconds a form stays usable.
pub const MAX_FORM_AGE_SECONDS: i64 = 2 * 3600;

fn signature(key: &[u8], payload: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hmac_sha256(key, payload.as_bytes()))
}

/// A token for one form of `page_id`, issued at `now` (Unix seconds).
pub fn issue_token(key: &[u8], page_id: &str, now: i64) -> String {
    let mut nonce = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut nonce);
    let payload = format!("{page_id}.{now}.{}", hex::encode(nonce));
    let sig = signature(key, &payload);
    format!("{payload}.{sig}")
}

/// Checks a token for `page_id` at `now`, sent at least `min_fill_seconds` after it was issued;
/// returns its nonce (to be used once).
pub fn verify_token(
    key: &[u8],
    token: &str,
    page_id: &str,
    now: i64,
    min_fill_seconds: i64,
) -> Result<String, TokenError> {
    let (payload, sig) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
    let expected = signature(key, payload);
    if !equal_secrets(expected.as_bytes(), sig.as_bytes()) {
        return Err(TokenError::Invalid);
    }
    let mut parts = payload.split('.');
    let (Some(page), Some(issued), Some(nonce), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Invalid);
    };
    if page != page_id {
        return Err(TokenError::Invalid);
    }
    let issued: i64 = issued.parse().map_err(|_| TokenError::Invalid)?;
    if now - issued < min_fill_seconds {
        return Err(TokenError::TooFast);
    }
    if now - issued > MAX_FORM_AGE_SECONDS {
        return Err(TokenError::Expired);
    }
    Ok(nonce.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_token_verifies_for_its_page_within_its_time() {
        let token = issue_token(KEY, "pag_1", 1000);
        let nonce = verify_token(KEY, &token, "pag_1", 1010, 3).unwrap();
        assert_eq!(nonce.len(), 32);
        assert_ne!(
            issue_token(KEY, "pag_1", 1000),
            token,
            "each form gets its own nonce"
        );
    }

    #[test]
    fn tampered_foreign_fast_and_old_tokens_are_refused() {
        let token = issue_token(KEY, "pag_1", 1000);
        assert_eq!(
            verify_token(KEY, &token, "pag_2", 1010, 3),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            verify_token(
                b"another key of thirty-two bytes!",
                &token,
                "pag_1",
                1010,
                3
            ),
            Err(TokenError::Invalid)
        );
        let forged = token.replacen(".1000.", ".900.", 1);
        assert_eq!(
            verify_token(KEY, &forged, "pag_1", 1010, 3),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            verify_token(KEY, "garbage", "pag_1", 1010, 3),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            verify_token(KEY, &token, "pag_1", 1001, 3),
            Err(TokenError::TooFast)
        );
        assert_eq!(
            verify_token(KEY, &token, "pag_1", 1000 + MAX_FORM_AGE_SECONDS + 1, 3),
            Err(TokenError::Expired)
        );
    }
}
