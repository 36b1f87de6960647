//! Staff accounts: first-run setup, signing in (with throttling), and managing users.

use std::sync::OnceLock;

use anyhow::Context;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use chrono::Duration;

use crate::config::AuthSettings;
use crate::domain::EmailAddress;
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::role::Role;
use crate::notify::{Channel, compose};
use crate::services::tokens::{hash_token, new_token};
use crate::store::activity::{self, NewActivity};
use crate::store::messages::{self, NewMessage};
use crate::store::rate_limits::{self, Limit};
use crate::store::users::User;
use crate::store::{self, Db, merchants, users};

/// A password that meets the policy; its text never appears in Debug output.
#[derive(Clone)]
pub struct NewPassword(String);

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least 12 characters")]
    TooShort,
    #[error("Use at most 128 characters")]
    TooLong,
}

impl NewPassword {
    /// Checks the length policy (NIST SP 800-63B: length, not composition rules).
    pub fn parse(s: &str) -> Result<NewPassword, PasswordError> {
        match s.chars().count() {
            n if n < 12 => Err(PasswordError::TooShort),
            n if n > 128 => Err(PasswordError::TooLong),
            _ => Ok(NewPassword(s.to_string())),
        }
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// A sign-in email: the address, lower-cased so that sign-in ignores case.
pub fn login_email(email: &EmailAddress) -> String {
    email.as_str().to_lowercase()
}

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id parameters: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).expect("argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id on a blocking thread.
pub async fn hash_password(password: &NewPassword) -> anyhow::Result<String> {
    let password = password.0.clone();
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("joining the hashing task")?
}

/// A hash of nothing anyone knows, verified against when the account does not exist so that
/// a wrong email takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
        hasher()
            .hash_password(&secret)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

async fn verify_password(password: &str, hash: &str) -> anyhow::Result<bool> {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        hasher()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .context("joining the verification task")
}

/// Why first-run setup was refused.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("Setup has already been done")]
    AlreadyDone,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Creates the first merchant and its owner; works only once.
#[tracing::instrument(skip(db, password))]
pub async fn setup_first_merchant(
    db: &Db,
    merchant_name: &str,
    email: &EmailAddress,
    password: &NewPassword,
) -> Result<User, SetupError> {
    if merchants::any_exists(db).await? {
        return Err(SetupError::AlreadyDone);
    }
    let password_hash = hash_password(password).await?;
    let now = store::now();
    let mut tx = db.begin().await?;
    if !merchants::claim_first_run(&mut tx, now).await? {
        return Err(SetupError::AlreadyDone);
    }
    let merchant_id = new_id(IdPrefix::Merchant);
    merchants::insert(&mut tx, &merchant_id, merchant_name, now).await?;
    let user = insert_user(
        &mut tx,
        &merchant_id,
        &login_email(email),
        &password_hash,
        Role::Owner,
        None,
        "setup",
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// An operator adds a merchant with its owner (the command line, for an agency or a platform
/// hosting several merchants on one instance). The first merchant made this way also completes
/// the first-run setup.
#[tracing::instrument(skip(db, password))]
pub async fn add_merchant(
    db: &Db,
    merchant_name: &str,
    owner_email: &EmailAddress,
    password: &NewPassword,
) -> Result<User, UserError> {
    let name = merchant_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(UserError::BadMerchantName);
    }
    let password_hash = hash_password(password).await?;
    let now = store::now();
    let mut tx = db.begin().await?;
    merchants::claim_first_run(&mut tx, now).await?;
    let merchant_id = new_id(IdPrefix::Merchant);
    merchants::insert(&mut tx, &merchant_id, name, now).await?;
    let user = insert_user(
        &mut tx,
        &merchant_id,
        &login_email(owner_email),
        &password_hash,
        Role::Owner,
        None,
        "command line",
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

impl From<UserError> for SetupError {
    fn from(e: UserError) -> Self {
        SetupError::Unexpected(anyhow::anyhow!("creating the owner: {e}"))
    }
}

/// Why a user could not be added, changed or removed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("Give the merchant a name of at most 100 characters")]
    BadMerchantName,
    #[error("Only an owner can manage users")]
    NotOwner,
    #[error("That user does not exist")]
    NotFound,
    #[error("Another account already uses this email address")]
    EmailTaken,
    #[error("You cannot remove yourself; ask another owner")]
    CannotRemoveSelf,
    #[error("A merchant needs at least one owner; make someone else owner first")]
    LastOwner,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

async fn insert_user(
    tx: &mut store::Tx,
    merchant_id: &str,
    email: &str,
    password_hash: &str,
    role: Role,
    actor: Option<&User>,
    how: &str,
) -> Result<User, UserError> {
    let now = store::now();
    let id = new_id(IdPrefix::User);
    match users::insert(
        tx,
        &id,
        merchant_id,
        email,
        password_hash,
        role.as_str(),
        now,
    )
    .await
    {
        Ok(()) => {}
        Err(e) if store::is_unique_violation(&e) => return Err(UserError::EmailTaken),
        Err(e) => return Err(anyhow::Error::new(e).context("inserting a user").into()),
    }
    let entry = NewActivity {
        merchant_id,
        actor_id: actor.map(|a| a.id.as_str()),
        actor_label: actor.map_or(how, |a| a.email.as_str()),
        subject_type: "user",
        subject_id: &id,
        action: "user.created",
        details: format!("{email} added as {role}"),
    };
    activity::record(tx, &entry, now).await?;
    Ok(User {
        id,
        merchant_id: merchant_id.to_string(),
        email: email.to_string(),
        password_hash: password_hash.to_string(),
        role: role.as_str().to_string(),
        created_at: now,
        last_login_at: None,
    })
}

fn require_owner(actor: &User) -> Result<(), UserError> {
    if Role::parse(&actor.role) == Ok(Role::Owner) {
        Ok(())
    } else {
        Err(UserError::NotOwner)
    }
}

/// Refuses to demote or remove the merchant's only owner (`current` is the user's role now).
async fn refuse_last_owner(
    tx: &mut store::Tx,
    merchant_id: &str,
    current: &str,
) -> Result<(), UserError> {
    if current == Role::Owner.as_str() && users::count_owners(tx, merchant_id).await? <= 1 {
        return Err(UserError::LastOwner);
    }
    Ok(())
}

/// An owner adds a user to their merchant; the new user gets an email telling them where to
/// sign in (never the password).
#[tracing::instrument(skip(db, password))]
pub async fn add_user(
    db: &Db,
    actor: &User,
    email: &EmailAddress,
    role: Role,
    password: &NewPassword,
    login_url: &str,
) -> Result<User, UserError> {
    require_owner(actor)?;
    let merchant = merchants::get(db, &actor.merchant_id)
        .await?
        .ok_or(UserError::NotFound)?;
    let brand = compose::Branding {
        name: merchant.name.clone(),
        colour: merchant.brand_colour.clone(),
        logo_url: None,
    };
    let composed = compose::user_added(&brand, &actor.email, role, login_url)?;
    let password_hash = hash_password(password).await?;
    let mut tx = db.begin().await?;
    let user = insert_user(
        &mut tx,
        &actor.merchant_id,
        &login_email(email),
        &password_hash,
        role,
        Some(actor),
        "",
    )
    .await?;
    let message_id = new_id(IdPrefix::Message);
    let message = NewMessage {
        id: &message_id,
        merchant_id: &actor.merchant_id,
        customer_id: None,
        channel: Channel::Email.as_str(),
        recipient: &user.email,
        subject: &composed.subject,
        body_text: &composed.text,
        body_html: &composed.html,
        sender_name: &merchant.name,
        reply_to: &actor.email,
        attachment_invoice_id: None,
    };
    messages::enqueue(&mut tx, &message, store::now()).await?;
    tx.commit().await?;
    Ok(user)
}

/// Adds a user from the command line (no acting user).
pub async fn add_user_by_operator(
    db: &Db,
    merchant_id: &str,
    email: &EmailAddress,
    role: Role,
    password: &NewPassword,
) -> Result<User, UserError> {
    let password_hash = hash_password(password).await?;
    let mut tx = db.begin().await?;
    let user = insert_user(
        &mut tx,
        merchant_id,
        &login_email(email),
        &password_hash,
        role,
        None,
        "command line",
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// An owner changes a user's role, keeping at least one owner.
#[tracing::instrument(skip(db))]
pub async fn change_role(
    db: &Db,
    actor: &User,
    user_id: &str,
    role: Role,
) -> Result<(), UserError> {
    require_owner(actor)?;
    let mut tx = db.begin().await?;
    let current = users::role_in_tx(&mut tx, &actor.merchant_id, user_id)
        .await?
        .ok_or(UserError::NotFound)?;
    if current == role.as_str() {
        return Ok(());
    }
    refuse_last_owner(&mut tx, &actor.merchant_id, &current).await?;
    // Sessions go on: every request reads the role again, so the new one applies at once.
    users::set_role(&mut tx, &actor.merchant_id, user_id, role.as_str()).await?;
    let details = format!("role changed from {current} to {role}");
    let entry = NewActivity::by(actor, "user", user_id, "user.role_changed", details);
    activity::record(&mut tx, &entry, store::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// An owner removes another user.
#[tracing::instrument(skip(db))]
pub async fn remove_user(db: &Db, actor: &User, user_id: &str) -> Result<(), UserError> {
    require_owner(actor)?;
    if actor.id == user_id {
        return Err(UserError::CannotRemoveSelf);
    }
    let mut tx = db.begin().await?;
    let current = users::role_in_tx(&mut tx, &actor.merchant_id, user_id)
        .await?
        .ok_or(UserError::NotFound)?;
    refuse_last_owner(&mut tx, &actor.merchant_id, &current).await?;
    users::end_sessions(&mut tx, user_id, store::now()).await?;
    users::delete(&mut tx, &actor.merchant_id, user_id).await?;
    let entry = NewActivity::by(actor, "user", user_id, "user.removed", String::new());
    activity::record(&mut tx, &entry, store::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password for the account with this email (command line).
pub async fn reset_password(
    db: &Db,
    email: &EmailAddress,
    password: &NewPassword,
) -> Result<User, UserError> {
    let user = users::find_by_email(db, &login_email(email))
        .await?
        .ok_or(UserError::NotFound)?;
    let password_hash = hash_password(password).await?;
    let mut tx = db.begin().await?;
    users::set_password(&mut tx, &user.id, &password_hash).await?;
    // Whoever knew the old password is signed out everywhere.
    users::end_sessions(&mut tx, &user.id, store::now()).await?;
    // A reset also lifts a lock-out caused by guessing.
    rate_limits::clear(&mut tx, &account_key(&user.email)).await?;
    let entry = NewActivity {
        merchant_id: &user.merchant_id,
        actor_id: None,
        actor_label: "command line",
        subject_type: "user",
        subject_id: &user.id,
        action: "user.password_reset",
        details: String::new(),
    };
    activity::record(&mut tx, &entry, store::now()).await?;
    tx.commit().await?;
    Ok(user)
}

/// Starts a session for a user who just proved who they are; returns the token for its cookie
/// (only a hash of it is stored).
pub async fn open_session(db: &Db, user: &User) -> anyhow::Result<String> {
    let (token, hash) = new_token();
    let mut tx = db.begin().await?;
    users::start_session(&mut tx, &hash, &user.id, store::now()).await?;
    tx.commit().await?;
    Ok(token)
}

/// Forgets ended sessions and those past the absolute timeout, every hour.
pub fn spawn_cleanup(db: Db, absolute_timeout_hours: i64) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let before = store::now() - Duration::hours(absolute_timeout_hours);
            if let Err(e) = users::purge_sessions(&db, before).await {
                tracing::error!(error = ?e, "forgetting old sessions failed");
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    })
}

/// Ends the session with this cookie token (signing out); unknown tokens are ignored.
pub async fn close_session(db: &Db, token: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    users::end_session(&mut tx, &hash_token(token), store::now()).await?;
    tx.commit().await
}

/// Why a sign-in was refused. Deliberately vague: it never tells whether the account exists.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("The email address or password is not right")]
    InvalidCredentials,
    #[error("Too many failed attempts. Wait {minutes} minutes and try again")]
    Throttled { minutes: i64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The rate-limit key of an account's failed sign-ins.
fn account_key(email: &str) -> String {
    format!("login-account:{}", email.to_lowercase())
}

/// Checks an email and password, throttled per account and per client address.
#[tracing::instrument(skip(db, settings, password))]
pub async fn authenticate(
    db: &Db,
    settings: &AuthSettings,
    email: &str,
    password: &str,
    client_ip: &str,
) -> Result<User, LoginError> {
    let email = email.trim().to_lowercase();
    let account = account_key(&email);
    let ip = format!("login-ip:{client_ip}");
    let now = store::now();
    let window = Duration::minutes(settings.lockout_minutes);
    // Every attempt is counted as a failure before the password is checked (so parallel guesses
    // cannot all slip under the limit); a right password takes its count back.
    let limits = [
        Limit {
            key: &account,
            max: settings.max_failures_per_account,
            window,
        },
        Limit {
            key: &ip,
            max: settings.max_failures_per_ip,
            window,
        },
    ];
    let mut tx = db.begin().await?;
    let Some(attempt) = rate_limits::take(&mut tx, &limits, now).await? else {
        return Err(LoginError::Throttled {
            minutes: settings.lockout_minutes,
        });
    };
    tx.commit().await?;
    let user = users::find_by_email(db, &email).await?;
    let hash = user
        .as_ref()
        .map_or(decoy_hash(), |u| u.password_hash.as_str());
    let valid = verify_password(password, hash).await?;
    match user {
        Some(user) if valid => {
            let mut tx = db.begin().await?;
            rate_limits::release(&mut tx, &attempt).await?;
            rate_limits::clear(&mut tx, &account).await?;
            users::touch_login(&mut tx, &user.id, now).await?;
            tx.commit().await?;
            Ok(user)
        }
        _ => Err(LoginError::InvalidCredentials),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_is_about_length() {
        assert_eq!(
            NewPassword::parse("short").unwrap_err(),
            PasswordError::TooShort
        );
        assert!(NewPassword::parse("correct horse").is_ok());
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)).unwrap_err(),
            PasswordError::TooLong
        );
        // Characters, not bytes: 12 accented letters are enough.
        assert!(NewPassword::parse(&"é".repeat(12)).is_ok());
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let p = NewPassword::parse("my secret password").unwrap();
        assert!(!format!("{p:?}").contains("secret"));
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let p = NewPassword::parse("correct horse battery").unwrap();
        let hash = hash_password(&p).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify_password("correct horse battery", &hash)
                .await
                .unwrap()
        );
        assert!(
            !verify_password("correct horse batterY", &hash)
                .await
                .unwrap()
        );
    }
}
