//! Random, prefixed, URL-safe identifiers such as `cst_k3j9…`.

use rand::Rng;

/// What an identifier names; each kind has its own prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdPrefix {
    Merchant,
    User,
    ApiKey,
    Product,
    Page,
    Customer,
    Mandate,
    Subscription,
    Transaction,
    Invoice,
    Batch,
    Event,
    Message,
    Link,
    Evidence,
    Payment,
    WebhookEndpoint,
    WebhookDelivery,
    Import,
    BillingRun,
    /// One running process's background worker (the holder of a lease).
    Worker,
}

impl IdPrefix {
    /// The prefix including its underscore.
    pub fn as_str(&self) -> &'static str {
        match self {
            IdPrefix::Merchant => "mer_",
            IdPrefix::User => "usr_",
            IdPrefix::ApiKey => "key_",
            IdPrefix::Product => "prd_",
            IdPrefix::Page => "pag_",
            IdPrefix::Customer => "cst_",
            IdPrefix::Mandate => "mdt_",
            IdPrefix::Subscription => "sub_",
            IdPrefix::Transaction => "trx_",
            IdPrefix::Invoice => "inv_",
            IdPrefix::Batch => "bat_",
            IdPrefix::Event => "evt_",
            IdPrefix::Message => "msg_",
            IdPrefix::Link => "lnk_",
            IdPrefix::Evidence => "evd_",
            IdPrefix::Payment => "pay_",
            IdPrefix::WebhookEndpoint => "whe_",
            IdPrefix::WebhookDelivery => "whd_",
            IdPrefix::Import => "imp_",
            IdPrefix::BillingRun => "run_",
            IdPrefix::Worker => "wrk_",
        }
    }
}

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// 20 characters of 36 symbols: about 103 bits, unguessable and practically unique.
const BODY_LEN: usize = 20;

/// A new identifier of this kind.
pub fn new_id(prefix: IdPrefix) -> String {
    let mut rng = rand::rng();
    let body: String = (0..BODY_LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{}{body}", prefix.as_str())
}

/// Whether `id` looks like an identifier of this kind.
pub fn has_prefix(id: &str, prefix: IdPrefix) -> bool {
    id.strip_prefix(prefix.as_str())
        .is_some_and(|body| body.len() == BODY_LEN && body.bytes().all(|b| ALPHABET.contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_carry_their_prefix_and_are_unique() {
        let ids: HashSet<String> = (0..10_000).map(|_| new_id(IdPrefix::Customer)).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| has_prefix(id, IdPrefix::Customer)));
    }

    #[test]
    fn every_kind_has_its_own_prefix() {
        let all = [
            (IdPrefix::Merchant, "mer_"),
            (IdPrefix::User, "usr_"),
            (IdPrefix::ApiKey, "key_"),
            (IdPrefix::Product, "prd_"),
            (IdPrefix::Page, "pag_"),
            (IdPrefix::Customer, "cst_"),
            (IdPrefix::Mandate, "mdt_"),
            (IdPrefix::Subscription, "sub_"),
            (IdPrefix::Transaction, "trx_"),
            (IdPrefix::Invoice, "inv_"),
            (IdPrefix::Batch, "bat_"),
            (IdPrefix::Event, "evt_"),
            (IdPrefix::Message, "msg_"),
        ];
        for (kind, prefix) in all {
            assert_eq!(kind.as_str(), prefix);
            let id = new_id(kind);
            assert_eq!(id.len(), 24, "{id}");
            assert!(id.starts_with(prefix) && has_prefix(&id, kind), "{id}");
        }
        let distinct: HashSet<&str> = all.iter().map(|(_, p)| *p).collect();
        assert_eq!(distinct.len(), all.len());
    }

    #[test]
    fn shape_check_rejects_other_kinds_and_junk() {
        let id = new_id(IdPrefix::Mandate);
        assert!(has_prefix(&id, IdPrefix::Mandate));
        assert!(!has_prefix(&id, IdPrefix::Customer));
        assert!(!has_prefix("mdt_short", IdPrefix::Mandate));
        assert!(!has_prefix("mdt_ABCDEFGHIJKLMNOPQRST", IdPrefix::Mandate));
        assert!(!has_prefix("mdt_abcdefghij/lmnopqrst", IdPrefix::Mandate));
        assert!(!has_prefix("mdt_abcdefghijklmnopqrstu", IdPrefix::Mandate));
        assert!(!has_prefix("abcdefghijklmnopqrst", IdPrefix::Mandate));
        assert!(!has_prefix("MDT_abcdefghijklmnopqrst", IdPrefix::Mandate));
        assert!(!has_prefix("", IdPrefix::Mandate));
        assert!(has_prefix("mdt_abcdefghijklmnopq123", IdPrefix::Mandate));
    }
}
