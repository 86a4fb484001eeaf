//! Where a request came from: the channel (internet or a carrier line) and the client.

use std::fmt;
use std::net::IpAddr;

use thiserror::Error;

/// Why a text is not a line number (N1). The message gives the two accepted forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("a line number is 'CAF' followed by 10 letters or digits, or 'COP' followed by 8")]
pub struct LineNumberError;

/// A carrier fibre line number: `CAF` + 10 letters or digits, or `COP` + 8 (N1).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineNumber(String);

impl LineNumber {
    /// Parses a line number as typed: surrounding white space is ignored and letters are
    /// taken in upper case.
    ///
    /// # Errors
    /// [`LineNumberError`] for anything but the two forms.
    pub fn parse(raw: &str) -> Result<Self, LineNumberError> {
        let text = raw.trim().to_ascii_uppercase();
        let rest_len = match text.get(..3) {
            Some("CAF") => 10,
            Some("COP") => 8,
            _ => return Err(LineNumberError),
        };
        let rest = &text[3..];
        if rest.len() != rest_len || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(LineNumberError);
        }
        Ok(Self(text))
    }

    /// The line number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The carrier area: `CAF` numbers are East Japan lines, `COP` numbers West Japan (N5).
    pub fn area(&self) -> LineArea {
        if self.0.starts_with("COP") {
            LineArea::West
        } else {
            LineArea::East
        }
    }
}

/// The carrier area of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineArea {
    /// East Japan (`CAF` numbers).
    East,
    /// West Japan (`COP` numbers): first use asks consent to receive the line's details (N5).
    West,
}

impl fmt::Display for LineNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for LineNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LineNumber({})", self.0)
    }
}

/// How a request reached the service. The app establishes it; a client on the internet can
/// never claim a line (L9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// Over the open internet.
    Internet,
    /// Through a carrier line, as reported by the trusted upstream.
    Line(LineNumber),
}

impl Channel {
    /// A short name for audit records.
    pub fn kind(&self) -> ChannelKind {
        match self {
            Self::Internet => ChannelKind::Internet,
            Self::Line(_) => ChannelKind::Line,
        }
    }
}

/// [`Channel`] without the line number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// Over the open internet.
    Internet,
    /// Through a carrier line.
    Line,
}

impl ChannelKind {
    /// Every channel kind.
    pub const ALL: [ChannelKind; 2] = [Self::Internet, Self::Line];

    /// A stable lower-case name for stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internet => "internet",
            Self::Line => "line",
        }
    }

    /// The channel kind named by [`ChannelKind::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Most characters of a user agent kept for the sessions list.
pub const MAX_USER_AGENT_CHARS: usize = 200;

/// Who is asking: the channel, the client's address and its user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// How the request arrived.
    pub channel: Channel,
    /// The client's address, as the app established it.
    pub address: Option<IpAddr>,
    /// The browser's user agent, cut to [`MAX_USER_AGENT_CHARS`] with control characters removed.
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// A client over the internet.
    pub fn internet(address: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        Self {
            channel: Channel::Internet,
            address,
            user_agent: user_agent.map(clean_user_agent),
        }
    }
}

fn clean_user_agent(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n1_line_numbers_have_two_forms() {
        assert_eq!(
            LineNumber::parse(" caf12345abcde ").unwrap().as_str(),
            "CAF12345ABCDE"
        );
        assert!(LineNumber::parse("COP1234567A").is_ok());
        for bad in [
            "CAF123456789",
            "CAF12345678901",
            "COP1234567",
            "COP123456789",
            "XYZ1234567890",
            "CAF12345-7890",
            "",
            "CAF",
        ] {
            assert_eq!(LineNumber::parse(bad), Err(LineNumberError), "{bad}");
        }
        assert!(LineNumberError.to_string().contains("CAF"));
        assert!(LineNumberError.to_string().contains("COP"));
    }

    #[test]
    fn channel_kind_names_are_stable_and_round_trip() {
        let names: Vec<&str> = ChannelKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, ["internet", "line"]);
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(ChannelKind::from_name("Line"), None);
    }

    #[test]
    fn user_agents_are_cleaned_and_cut() {
        let c = ClientInfo::internet(None, Some(&format!("Mozilla\r\n{}", "x".repeat(300))));
        let ua = c.user_agent.unwrap();
        assert!(!ua.contains('\n'));
        assert_eq!(ua.chars().count(), MAX_USER_AGENT_CHARS);
    }
}
