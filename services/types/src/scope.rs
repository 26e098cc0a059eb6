use serde::{Deserialize, Serialize};

/// What an API key or access token may do. `admin` implies every other scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Scope {
    #[serde(rename = "polls:read")]
    PollsRead,
    #[serde(rename = "polls:write")]
    PollsWrite,
    #[serde(rename = "votes:read")]
    VotesRead,
    #[serde(rename = "webhooks:write")]
    WebhooksWrite,
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PollsRead => "polls:read",
            Self::PollsWrite => "polls:write",
            Self::VotesRead => "votes:read",
            Self::WebhooksWrite => "webhooks:write",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::PollsRead,
            Self::PollsWrite,
            Self::VotesRead,
            Self::WebhooksWrite,
            Self::Admin,
        ]
        .into_iter()
        .find(|scope| scope.as_str() == s)
    }

    /// Whether a holder of `granted` may act where `self` is required.
    pub fn is_granted_by(self, granted: &[Scope]) -> bool {
        granted.iter().any(|g| *g == self || *g == Scope::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_grants_everything() {
        assert!(Scope::VotesRead.is_granted_by(&[Scope::Admin]));
        assert!(!Scope::VotesRead.is_granted_by(&[Scope::PollsRead, Scope::PollsWrite]));
        assert_eq!(Scope::parse("polls:write"), Some(Scope::PollsWrite));
        assert_eq!(Scope::parse("root"), None);
    }
}
