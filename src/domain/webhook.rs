//! Outgoing webhook events: their names, their thin JSON payload, which addresses a receiver may
//! have, and the retry schedule. Pure rules; delivery lives in `crate::services::webhooks`.

use std::net::{IpAddr, Ipv4Addr};

use chrono::{DateTime, Utc};

/// What happened, as integrators subscribe to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    SubscriptionCreated,
    SubscriptionStatusChanged,
    MandateValid,
    MandateRevoked,
    TransactionCreated,
    TransactionStatusChanged,
    TransactionCancelled,
    TransactionSubmitted,
    TransactionPaid,
    TransactionFailed,
    TransactionChargedBack,
    TransactionRescheduled,
    CustomerCreated,
    CustomerUpdated,
    InvoiceIssued,
    InvoicePaid,
    InvoiceCredited,
}

impl EventType {
    /// Every event type, in the order the admin lists them.
    pub const ALL: [EventType; 17] = [
        EventType::SubscriptionCreated,
        EventType::SubscriptionStatusChanged,
        EventType::MandateValid,
        EventType::MandateRevoked,
        EventType::TransactionCreated,
        EventType::TransactionStatusChanged,
        EventType::TransactionCancelled,
        EventType::TransactionSubmitted,
        EventType::TransactionPaid,
        EventType::TransactionFailed,
        EventType::TransactionChargedBack,
        EventType::TransactionRescheduled,
        EventType::CustomerCreated,
        EventType::CustomerUpdated,
        EventType::InvoiceIssued,
        EventType::InvoicePaid,
        EventType::InvoiceCredited,
    ];

    /// The name in payloads and settings, such as `subscription.created`.
    pub fn as_str(&self) -> &'static str {
        match self {
            EventType::SubscriptionCreated => "subscription.created",
            EventType::SubscriptionStatusChanged => "subscription.status_changed",
            EventType::MandateValid => "mandate.valid",
            EventType::MandateRevoked => "mandate.revoked",
            EventType::TransactionCreated => "transaction.created",
            EventType::TransactionStatusChanged => "transaction.status_changed",
            EventType::TransactionCancelled => "transaction.cancelled",
            EventType::TransactionSubmitted => "transaction.submitted",
            EventType::TransactionPaid => "transaction.paid",
            EventType::TransactionFailed => "transaction.failed",
            EventType::TransactionChargedBack => "transaction.charged_back",
            EventType::TransactionRescheduled => "transaction.rescheduled",
            EventType::CustomerCreated => "customer.created",
            EventType::CustomerUpdated => "customer.updated",
            EventType::InvoiceIssued => "invoice.issued",
            EventType::InvoicePaid => "invoice.paid",
            EventType::InvoiceCredited => "invoice.credited",
        }
    }

    /// The type with this name.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The kind of resource the event is about (`object` in the payload).
    pub fn object(&self) -> &'static str {
        match self {
            EventType::SubscriptionCreated | EventType::SubscriptionStatusChanged => "subscription",
            EventType::MandateValid | EventType::MandateRevoked => "mandate",
            EventType::TransactionCreated
            | EventType::TransactionStatusChanged
            | EventType::TransactionCancelled
            | EventType::TransactionSubmitted
            | EventType::TransactionPaid
            | EventType::TransactionFailed
            | EventType::TransactionChargedBack
            | EventType::TransactionRescheduled => "transaction",
            EventType::CustomerCreated | EventType::CustomerUpdated => "customer",
            EventType::InvoiceIssued | EventType::InvoicePaid | EventType::InvoiceCredited => {
                "invoice"
            }
        }
    }

    /// A sentence for the admin's checkbox.
    pub fn description(&self) -> &'static str {
        match self {
            EventType::SubscriptionCreated => "A subscription was created",
            EventType::SubscriptionStatusChanged => "A subscription's status changed",
            EventType::MandateValid => "A mandate became valid",
            EventType::MandateRevoked => "A mandate was revoked or declined",
            EventType::TransactionCreated => {
                "A transaction was created (a period billed, a one-off charge)"
            }
            EventType::TransactionStatusChanged => "A transaction's status changed",
            EventType::TransactionCancelled => "A scheduled transaction was cancelled",
            EventType::TransactionSubmitted => {
                "A transaction's collection file was uploaded to the bank"
            }
            EventType::TransactionPaid => "A transaction was paid (collected or paid online)",
            EventType::TransactionFailed => "A transaction's collection failed for good",
            EventType::TransactionChargedBack => "A paid direct debit was refunded to the debtor",
            EventType::TransactionRescheduled => {
                "A returned direct debit was scheduled for a new attempt"
            }
            EventType::CustomerCreated => "A customer was created",
            EventType::CustomerUpdated => "A customer's details changed",
            EventType::InvoiceIssued => "An invoice or credit note was issued",
            EventType::InvoicePaid => "An invoice was paid (its collection succeeded)",
            EventType::InvoiceCredited => "An invoice was credited by a credit note",
        }
    }
}

/// One change to announce: the resource and the ids of related resources. Integrators fetch the
/// full resource through the API, so the payload stays thin and never goes stale.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub event_type: EventType,
    pub merchant_id: &'a str,
    /// The id of the resource the event is about.
    pub id: &'a str,
    pub customer_id: Option<&'a str>,
    pub subscription_id: Option<&'a str>,
    pub mandate_id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub previous_status: Option<&'a str>,
}

impl<'a> Event<'a> {
    /// An event about resource `id` with no related ids yet.
    pub fn new(event_type: EventType, merchant_id: &'a str, id: &'a str) -> Event<'a> {
        Event {
            event_type,
            merchant_id,
            id,
            customer_id: None,
            subscription_id: None,
            mandate_id: None,
            status: None,
            previous_status: None,
        }
    }

    /// With the customer it belongs to.
    pub fn customer(mut self, id: &'a str) -> Event<'a> {
        self.customer_id = Some(id);
        self
    }

    /// With the subscription it belongs to.
    pub fn in_subscription(mut self, id: &'a str) -> Event<'a> {
        self.subscription_id = Some(id);
        self
    }

    /// With the mandate it belongs to, if any.
    pub fn mandate(mut self, id: Option<&'a str>) -> Event<'a> {
        self.mandate_id = id;
        self
    }

    /// With the status it has now and had before (`None` for a new resource).
    pub fn status(mut self, now: &'a str, previous: Option<&'a str>) -> Event<'a> {
        self.status = Some(now);
        self.previous_status = previous;
        self
    }

    /// The subscription it concerns, whose own webhook URLs receive it too.
    pub fn subscription(&self) -> Option<&'a str> {
        match self.event_type.object() {
            "subscription" => Some(self.id),
            _ => self.subscription_id,
        }
    }

    /// The JSON body every delivery of this event sends: `{type, timestamp, data}`.
    pub fn body(&self, at: DateTime<Utc>) -> String {
        let mut data = serde_json::Map::new();
        data.insert("object".into(), self.event_type.object().into());
        data.insert("id".into(), self.id.into());
        let related = [
            ("customer_id", self.customer_id),
            ("subscription_id", self.subscription_id),
            ("mandate_id", self.mandate_id),
        ];
        for (key, value) in related {
            if let Some(value) = value {
                data.insert(key.into(), value.into());
            }
        }
        if self.status.is_some() || self.previous_status.is_some() {
            data.insert("status".into(), self.status.into());
            data.insert("previous_status".into(), self.previous_status.into());
        }
        serde_json::json!({
            "type": self.event_type.as_str(),
            "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "data": data,
        })
        .to_string()
    }
}

/// Whether a receiver at `ip` would be inside a private network or this machine: loopback,
/// private, link-local, unique-local, shared (CGNAT), unspecified, broadcast, multicast,
/// documentation, and IPv4 addresses wrapped in IPv6.
pub fn is_private_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b // NAT64 to IPv4
                || first == 0x2002 // 6to4: carries an IPv4 address, possibly a private one
                || v6.segments()[..6].iter().all(|s| *s == 0) // IPv4-compatible ::a.b.c.d
        }
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64.0.0/10
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18.0.0/15
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || a >= 240 // reserved
}

/// Seconds to wait after attempt `attempt` (1-based) failed; `None` once the attempts are used
/// up. Standard Webhooks' schedule stretched to about three days: 5 s, 5 min, 30 min, 2 h, 5 h,
/// then every 10 h; 12 attempts over 67.6 hours.
pub fn retry_delay(attempt: i32) -> Option<i64> {
    const DELAYS: [i64; 11] = [
        5,
        5 * 60,
        30 * 60,
        2 * 3600,
        5 * 3600,
        10 * 3600,
        10 * 3600,
        10 * 3600,
        10 * 3600,
        10 * 3600,
        10 * 3600,
    ];
    usize::try_from(attempt - 1)
        .ok()
        .and_then(|i| DELAYS.get(i).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("subscription.deleted"), None);
    }

    #[test]
    fn private_and_loopback_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "198.18.0.1",
            "198.19.255.254",
            "2002:c0a8:0101::1",
            "2002:7f00:1::",
        ] {
            assert!(is_private_address(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
            "198.20.0.1",
        ] {
            assert!(!is_private_address(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn retries_last_about_three_days() {
        let total: i64 = (1..).map_while(retry_delay).sum();
        assert!((60 * 3600..=75 * 3600).contains(&total), "{total}");
        assert_eq!(retry_delay(1), Some(5));
        assert_eq!(retry_delay(12), None);
        assert_eq!(retry_delay(0), None);
    }

    #[test]
    fn the_body_is_thin_and_says_what_changed() {
        let at = DateTime::parse_from_rfc3339("2026-11-22T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut e = Event::new(EventType::SubscriptionStatusChanged, "mer_1", "sub_1");
        e.customer_id = Some("cst_1");
        e.status = Some("active");
        e.previous_status = Some("pending_mandate");
        let body: serde_json::Value = serde_json::from_str(&e.body(at)).unwrap();
        assert_eq!(body["type"], "subscription.status_changed");
        assert_eq!(body["timestamp"], "2026-11-22T01:00:00Z");
        assert_eq!(body["data"]["object"], "subscription");
        assert_eq!(body["data"]["id"], "sub_1");
        assert_eq!(body["data"]["customer_id"], "cst_1");
        assert_eq!(body["data"]["previous_status"], "pending_mandate");
        assert_eq!(e.subscription(), Some("sub_1"));
    }
}
