//! The SMTP mailer: lettre's async transport over tokio, TLS by rustls (ring).

use std::time::Duration;

use async_trait::async_trait;
use auth_core::domain::Mail;
use auth_core::ports::{MailError, Mailer};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{ConfigError, Security, SmtpConfig};
use crate::message::Composer;

/// Sends mails through an SMTP server. One connection per mail: the outbox worker sends few
/// mails, and a fresh connection keeps one failure from affecting the next mail.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    composer: Composer,
    deadline: Duration,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("composer", &self.composer)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `config`. Does not connect yet.
    ///
    /// # Errors
    /// [`ConfigError::Tls`] when the TLS client cannot be set up.
    pub fn new(config: SmtpConfig) -> Result<Self, ConfigError> {
        let tls = match config.security {
            Security::None => Tls::None,
            Security::StartTls => Tls::Required(tls_parameters(&config.host)?),
            Security::ImplicitTls => Tls::Wrapper(tls_parameters(&config.host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        if let Some(name) = &config.hello_name {
            builder = builder.hello_name(ClientId::Domain(name.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            composer: Composer::new(config.sender, config.base_url)
                .with_line_base_url(config.line_base_url),
            deadline: config.timeout,
        })
    }

    /// The composer this mailer renders with.
    pub fn composer(&self) -> &Composer {
        &self.composer
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, ConfigError> {
    TlsParameters::new(host.to_owned()).map_err(|e| ConfigError::Tls(e.to_string()))
}

#[async_trait]
impl Mailer for SmtpMailer {
    /// Sends one mail. lettre bounds only the connect by the timeout, so the whole
    /// conversation runs under it here: a server that accepts and then stalls gives
    /// [`MailError::Transient`] after the configured timeout.
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = self.composer.compose(mail)?;
        match tokio::time::timeout(self.deadline, self.transport.send(message)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e)),
            Err(_elapsed) => Err(MailError::Transient(format!(
                "the SMTP server did not finish within {} ms",
                self.deadline.as_millis()
            ))),
        }
    }
}

/// Maps a lettre error to the outbox's two kinds of failure.
///
/// - 5xx replies are permanent, except those about authentication (530, 534, 535, 538),
///   which mean the relay settings are wrong, not the mail: those are retried, so the mail
///   still leaves once an operator fixes the settings.
/// - Everything else (4xx, connection refused, timeouts, TLS and protocol errors) is
///   transient: the outbox retries with back-off and gives up after its attempt limit.
///
/// The text never holds the message itself (lettre's errors carry the server's reply only).
pub(crate) fn classify(e: &lettre::transport::smtp::Error) -> MailError {
    const AUTH_CODES: [u16; 4] = [530, 534, 535, 538];
    let text = bounded(e.to_string());
    let code = e.status().map(u16::from);
    if e.is_permanent() && !code.is_some_and(|c| AUTH_CODES.contains(&c)) {
        MailError::Permanent(text)
    } else {
        MailError::Transient(text)
    }
}

fn bounded(mut text: String) -> String {
    const MAX: usize = 300;
    if text.len() > MAX {
        let mut end = MAX;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outbox_lease_is_renewed_well_before_it_runs_out() {
        use auth_core::flows::outbox::{DELIVERY_LEASE, LEASE_RENEWAL};
        // A send longer than the lease (up to `MAX_TIMEOUT`) keeps its mail only by renewal:
        // at least two renewals fall inside every lease.
        assert!(LEASE_RENEWAL * 2 < DELIVERY_LEASE);
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        let long = "あ".repeat(200);
        let cut = bounded(long);
        assert!(cut.len() <= 300 + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}
