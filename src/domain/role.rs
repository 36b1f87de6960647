//! What a member of a merchant's staff may do.

use std::fmt;

/// A user's role: owners manage users, admins change everything else, viewers only look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Viewer,
}

/// The text given is not a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose owner, admin or viewer")]
pub struct RoleError;

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Viewer];

    /// Parses the stored or submitted name.
    pub fn parse(s: &str) -> Result<Role, RoleError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "viewer" => Ok(Role::Viewer),
            _ => Err(RoleError),
        }
    }

    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    /// What the role allows, in a few words for the users page.
    pub fn description(&self) -> &'static str {
        match self {
            Role::Owner => "everything, including users",
            Role::Admin => "everything except users",
            Role::Viewer => "sees everything, changes nothing",
        }
    }

    /// Whether the role may change data at all.
    pub fn can_change(&self) -> bool {
        !matches!(self, Role::Viewer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_role_and_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse(" Admin "), Ok(Role::Admin));
    }

    #[test]
    fn rejects_unknown_roles() {
        assert_eq!(Role::parse("root"), Err(RoleError));
        assert_eq!(Role::parse(""), Err(RoleError));
    }

    #[test]
    fn only_viewers_cannot_change() {
        assert!(Role::Owner.can_change());
        assert!(Role::Admin.can_change());
        assert!(!Role::Viewer.can_change());
    }
}
