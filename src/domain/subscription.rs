//! The subscription state machine, in one place: every change of status goes through `next`.
//!
//! ```text
//! pending_mandate --mandate confirmed--> planned (start in the future) --start date--> active
//! pending_mandate --mandate confirmed, start today or past---------------------------> active
//! active --pause--> paused --resume--> active
//! active|paused --cancel--> cancelled (runs until its cancel date) --cancel date--> ended
//! cancelled --undo cancel (before the cancel date)--> active
//! pending_mandate|planned --cancel, link expired, mandate refused--> ended
//! ```

use std::fmt;

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    PendingMandate,
    Planned,
    Active,
    Paused,
    Cancelled,
    Ended,
}

/// Something that happens to a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The mandate became valid; `starts_later` when the start date is after today.
    MandateConfirmed {
        starts_later: bool,
    },
    StartDateReached,
    Pause,
    Resume,
    Cancel,
    CancelDateReached,
    /// Staff undo a cancellation before its cancel date: it runs on as before.
    UndoCancel,
    /// The mandate link expired, the customer refused it, or the mandate was revoked first.
    MandateAbandoned,
}

/// A change the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransitionError {
    pub from: Status,
    pub event: Event,
    pub message: &'static str,
}

/// Why the status text is not a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Unknown subscription status")]
pub struct StatusError;

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 6] = [
        Status::PendingMandate,
        Status::Planned,
        Status::Active,
        Status::Paused,
        Status::Cancelled,
        Status::Ended,
    ];

    /// Parses the stored name.
    pub fn parse(s: &str) -> Result<Status, StatusError> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or(StatusError)
    }

    /// The stored and API name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::PendingMandate => "pending_mandate",
            Status::Planned => "planned",
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Cancelled => "cancelled",
            Status::Ended => "ended",
        }
    }

    /// Whether the subscription still runs (is or will be charged).
    pub fn is_running(&self) -> bool {
        matches!(
            self,
            Status::Planned | Status::Active | Status::Paused | Status::Cancelled
        )
    }

    /// The status after `event`, or why that cannot happen now.
    pub fn next(self, event: Event) -> Result<Status, TransitionError> {
        use Event as E;
        use Status as S;
        let refuse = |message| {
            Err(TransitionError {
                from: self,
                event,
                message,
            })
        };
        match (self, event) {
            (S::PendingMandate, E::MandateConfirmed { starts_later: true }) => Ok(S::Planned),
            (
                S::PendingMandate,
                E::MandateConfirmed {
                    starts_later: false,
                },
            ) => Ok(S::Active),
            (S::Planned, E::StartDateReached) => Ok(S::Active),
            (S::Active, E::Pause) => Ok(S::Paused),
            (S::Paused, E::Resume) => Ok(S::Active),
            (S::Active | S::Paused, E::Cancel) => Ok(S::Cancelled),
            (S::Cancelled, E::CancelDateReached) => Ok(S::Ended),
            (S::Cancelled, E::UndoCancel) => Ok(S::Active),
            (S::PendingMandate | S::Planned, E::Cancel | E::MandateAbandoned) => Ok(S::Ended),
            (S::Ended, _) => refuse("This subscription has ended"),
            (S::Cancelled, E::Cancel) => refuse("This subscription is already cancelled"),
            (_, E::UndoCancel) => refuse("This subscription is not cancelled"),
            (S::Cancelled, _) => {
                refuse("This subscription is cancelled; it only runs until its cancel date")
            }
            (S::Paused, E::Pause) => refuse("This subscription is already paused"),
            (S::Active, E::Resume) => refuse("This subscription is not paused"),
            (S::PendingMandate, E::Pause | E::Resume) => {
                refuse("This subscription waits for its mandate; it can only be cancelled")
            }
            (S::Planned, E::Pause | E::Resume) => {
                refuse("This subscription has not started yet; it can only be cancelled")
            }
            _ => refuse("That change is not possible for this subscription now"),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Event as E;
    use super::Status as S;
    use super::*;

    const EVENTS: [Event; 9] = [
        E::MandateConfirmed { starts_later: true },
        E::MandateConfirmed {
            starts_later: false,
        },
        E::StartDateReached,
        E::Pause,
        E::Resume,
        E::Cancel,
        E::CancelDateReached,
        E::UndoCancel,
        E::MandateAbandoned,
    ];

    /// Every allowed transition, and nothing else.
    const ALLOWED: [(Status, Event, Status); 13] = [
        (
            S::PendingMandate,
            E::MandateConfirmed { starts_later: true },
            S::Planned,
        ),
        (
            S::PendingMandate,
            E::MandateConfirmed {
                starts_later: false,
            },
            S::Active,
        ),
        (S::PendingMandate, E::Cancel, S::Ended),
        (S::PendingMandate, E::MandateAbandoned, S::Ended),
        (S::Planned, E::StartDateReached, S::Active),
        (S::Planned, E::Cancel, S::Ended),
        (S::Planned, E::MandateAbandoned, S::Ended),
        (S::Active, E::Pause, S::Paused),
        (S::Active, E::Cancel, S::Cancelled),
        (S::Paused, E::Resume, S::Active),
        (S::Paused, E::Cancel, S::Cancelled),
        (S::Cancelled, E::CancelDateReached, S::Ended),
        (S::Cancelled, E::UndoCancel, S::Active),
    ];

    #[test]
    fn every_allowed_transition_works_and_every_other_is_refused() {
        for from in Status::ALL {
            for event in EVENTS {
                let expected = ALLOWED
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match (from.next(event), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} + {event:?}"),
                    (Err(e), None) => {
                        assert_eq!((e.from, e.event), (from, event));
                        assert!(!e.message.is_empty());
                    }
                    (got, want) => panic!("{from} + {event:?}: got {got:?}, expected {want:?}"),
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(
            S::Ended.next(E::Resume).unwrap_err().message,
            "This subscription has ended"
        );
        assert_eq!(
            S::Paused.next(E::Pause).unwrap_err().message,
            "This subscription is already paused"
        );
        assert!(
            S::PendingMandate
                .next(E::Pause)
                .unwrap_err()
                .message
                .contains("waits for its mandate")
        );
    }

    #[test]
    fn names_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Ok(status));
        }
        assert_eq!(Status::parse("unverified"), Err(StatusError));
        assert!(S::Cancelled.is_running());
        assert!(!S::Ended.is_running());
        assert!(!S::PendingMandate.is_running());
    }
}
