//! Active Directory (D1, L8): the owner's connection settings, and the round trip to a
//! contract's ADFS.
//!
//! The round trip is the federated one ([`super::federation`]) with the contract's ADFS as the
//! issuer: the same stored request (single use, bound to the browser), the same purposes,
//! finished by the same use cases — so sign-in through AD inherits lockout, contract end and
//! the line rules (L9, L10), and binding through AD inherits the invitation and method-change
//! rules (I2, M2, D2). What is particular to AD is decided here: which contract a connection ID
//! names, that the connection is on, that a binding flow's ticket belongs to that contract
//! (X7), and that a SAML assertion is used once.

use thiserror::Error;

use super::changes::MethodChangeError;
use super::federation::{FederationError, FederationOutcome, FederationRedirect};
use super::invitations::RegistrationError;
use super::manage::access_from;
use super::{Auth, Infrastructure};
use crate::domain::{
    AdConnection, AdFieldError, AdSettingsInput, AuditKind, Ceremony, ClientInfo, ConnectionId,
    Contract, DirectoryCallback, DirectoryEndpoints, ExternalIdentity, FederationPurpose, Issuer,
    MailKind, MetadataDocument, ProviderResult, SamlMetadataSource, SettingsItem, TokenHash,
};
use crate::ports::{IdpError, StoreError};

/// How long past its `NotOnOrAfter` a used assertion ID is kept: longer than any clock skew a
/// verifier allows, so a replay is refused for as long as the assertion could be accepted.
const ASSERTION_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// Why the owner's AD settings were not saved. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AdSetupError {
    /// A field broke a rule.
    #[error(transparent)]
    Field(#[from] AdFieldError),
    /// The metadata or discovery document could not be read, or is not an ADFS's; the detail
    /// (for the owner, who administers that ADFS) names the reason.
    #[error("the ADFS metadata could not be used: {0}")]
    Metadata(String),
    /// This deployment does not offer Active Directory.
    #[error("Active Directory is not available on this service")]
    NotAvailable,
    /// Turning on a connection that is already on.
    #[error("Active Directory is already turned on")]
    AlreadyOn,
    /// Editing, re-reading or turning off a connection that does not exist or is off.
    #[error("Active Directory is not turned on")]
    NotOn,
    /// The connection changed meanwhile (another edit, turning off, a re-read): nothing was
    /// saved; look at it again.
    #[error("the Active Directory settings changed meanwhile; please look at them again")]
    ChangedMeanwhile,
    /// The session's account or contract no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// Only the `Basic` owner sets up Active Directory (S1).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

access_from!(AdSetupError);

impl From<StoreError> for AdSetupError {
    fn from(e: StoreError) -> Self {
        Self::Infrastructure(e.into())
    }
}

fn metadata_error(e: IdpError) -> AdSetupError {
    match e {
        IdpError::NotConfigured => AdSetupError::NotAvailable,
        IdpError::Unavailable(d) | IdpError::Rejected(d) => AdSetupError::Metadata(d),
    }
}

/// The links an AD round trip may be started from (I2, M2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdLink {
    /// An invitation link.
    Invitation,
    /// A login-method change link.
    MethodChange,
}

/// Why the metadata is read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reread {
    /// The owner asked for it.
    Now,
    /// The held copy is older than its refresh interval.
    Due,
}

/// What an AD round trip is started for (L8, I2, M2). The owner's own method is not among
/// them (D2).
#[derive(Debug, Clone, Copy)]
pub enum DirectoryFor<'a> {
    /// Sign in to the service or, with the same credentials (S2), the settings menu.
    SignIn {
        /// Which area the session opens.
        scope: crate::domain::SessionScope,
    },
    /// Register from the invitation behind this link token (I2).
    Invitation {
        /// The invitation link's token.
        token: crate::domain::PresentedToken<'a>,
    },
    /// A login-method change link (M2).
    MethodChange {
        /// The link's token.
        token: crate::domain::PresentedToken<'a>,
    },
}

/// The connection a sign-in address or a typed connection ID names, as the pages show it.
#[derive(Debug, Clone)]
pub struct DirectoryView {
    /// The connection ID.
    pub connection: ConnectionId,
    /// The contract's name.
    pub contract_name: crate::domain::ContractName,
}

impl Auth {
    /// The contract's AD connection, on or off, for its owner (D1).
    ///
    /// # Errors
    /// [`AdSetupError::NotOn`] when the contract has none; not signed in or not allowed.
    pub async fn active_directory(
        &self,
        me: &crate::domain::Session,
    ) -> Result<AdConnection, AdSetupError> {
        let actor = self
            .actor_for_item(me, SettingsItem::ActiveDirectory)
            .await?;
        actor.contract.ad.ok_or(AdSetupError::NotOn)
    }

    /// Turns on Active Directory (D1): checks the settings, reads the ADFS metadata, issues the
    /// connection ID (or keeps the one a turned-off connection had) and mails the owner the two
    /// sign-in addresses with it.
    ///
    /// # Errors
    /// See [`AdSetupError`].
    pub async fn turn_on_active_directory(
        &self,
        me: &crate::domain::Session,
        input: &AdSettingsInput<'_>,
        client: &ClientInfo,
    ) -> Result<ConnectionId, AdSetupError> {
        let actor = self
            .actor_for_item(me, SettingsItem::ActiveDirectory)
            .await?;
        if actor.contract.ad.as_ref().is_some_and(AdConnection::is_on) {
            return Err(AdSetupError::AlreadyOn);
        }
        let allow_http = self.directories.allows_http(input.metadata_url);
        let (settings, pasted) = input.check(None, allow_http)?;
        let xml = self
            .directories
            .read_metadata(&settings, pasted)
            .await
            .map_err(metadata_error)?;
        let now = self.ports.clock.now();
        let previous = actor.contract.ad.clone();
        let ad = AdConnection {
            id: match &previous {
                Some(off) => off.id.clone(),
                None => ConnectionId::generate(self.ports.secrets.as_ref()),
            },
            settings,
            metadata: xml.map(|xml| MetadataDocument { xml, read_at: now }),
            enabled_at: previous.as_ref().map_or(now, |p| p.enabled_at),
            turned_off_at: None,
            revision: previous.as_ref().map_or(0, |p| p.revision),
        };
        let mail = self.mail_to(
            &actor.account,
            MailKind::AdSignIn {
                connection: ad.id.clone(),
            },
        );
        if !self
            .ports
            .store
            .enable_ad(actor.contract.id, &ad, &mail)
            .await?
        {
            return Err(AdSetupError::AlreadyOn);
        }
        self.audit(
            Some(actor.contract.id),
            Some(actor.account.id),
            AuditKind::ActiveDirectoryEnabled,
            client,
        )
        .await;
        Ok(ad.id)
    }

    /// Changes the connection's settings (D1); the connection ID stays. An empty client secret
    /// keeps the stored one. The metadata is read again.
    ///
    /// # Errors
    /// See [`AdSetupError`].
    pub async fn edit_active_directory(
        &self,
        me: &crate::domain::Session,
        input: &AdSettingsInput<'_>,
        client: &ClientInfo,
    ) -> Result<(), AdSetupError> {
        let (actor, current) = self.connection_on(me).await?;
        // The stored secret is kept only for the same client at the same ADFS: it is never
        // sent to an address it was not issued for.
        let kept = match &current.settings.protocol {
            crate::domain::AdProtocol::Oidc {
                discovery_url,
                client_id,
                client_secret,
            } if discovery_url.as_str() == input.metadata_url.trim()
                && client_id == input.client_id.trim() =>
            {
                Some(client_secret)
            }
            _ => None,
        };
        let allow_http = self.directories.allows_http(input.metadata_url);
        let (settings, pasted) = input.check(kept, allow_http)?;
        let xml = self
            .directories
            .read_metadata(&settings, pasted)
            .await
            .map_err(metadata_error)?;
        let now = self.ports.clock.now();
        let ad = AdConnection {
            settings,
            metadata: xml.map(|xml| MetadataDocument { xml, read_at: now }),
            ..current
        };
        self.save_connection(&actor.contract, &ad).await?;
        self.audit(
            Some(actor.contract.id),
            Some(actor.account.id),
            AuditKind::ActiveDirectoryChanged,
            client,
        )
        .await;
        Ok(())
    }

    /// Reads the connection's metadata from its URL again now (D1), e.g. after the ADFS
    /// administrator rolled its token-signing certificate over. Pasted metadata is replaced
    /// only by editing.
    ///
    /// # Errors
    /// See [`AdSetupError`].
    pub async fn reread_ad_metadata(
        &self,
        me: &crate::domain::Session,
        client: &ClientInfo,
    ) -> Result<(), AdSetupError> {
        let (actor, current) = self.connection_on(me).await?;
        if matches!(
            current.settings.protocol,
            crate::domain::AdProtocol::Saml {
                metadata: SamlMetadataSource::Pasted
            }
        ) {
            return Err(AdSetupError::Metadata(
                "the metadata was pasted; paste the new document to replace it".into(),
            ));
        }
        let ad = self
            .refreshed(&current, Reread::Now, self.ports.clock.now())
            .await
            .map_err(metadata_error)?;
        self.save_connection(&actor.contract, &ad).await?;
        self.audit(
            Some(actor.contract.id),
            Some(actor.account.id),
            AuditKind::ActiveDirectoryChanged,
            client,
        )
        .await;
        Ok(())
    }

    /// Turns the connection off (D1): nobody signs in through it, and accounts bound to it are
    /// told so; the connection ID and settings are kept for turning it on again.
    ///
    /// # Errors
    /// See [`AdSetupError`].
    pub async fn turn_off_active_directory(
        &self,
        me: &crate::domain::Session,
        client: &ClientInfo,
    ) -> Result<(), AdSetupError> {
        // Turning off is the owner's emergency control: it wins over a change that lands
        // meanwhile, so it is tried again over the newest revision.
        let mut attempts = 0;
        let actor = loop {
            let (actor, current) = self.connection_on(me).await?;
            let ad = AdConnection {
                turned_off_at: Some(self.ports.clock.now()),
                ..current
            };
            match self.save_connection(&actor.contract, &ad).await {
                Ok(()) => break actor,
                Err(AdSetupError::ChangedMeanwhile) if attempts < 3 => attempts += 1,
                Err(e) => return Err(e),
            }
        };
        self.audit(
            Some(actor.contract.id),
            Some(actor.account.id),
            AuditKind::ActiveDirectoryTurnedOff,
            client,
        )
        .await;
        Ok(())
    }

    async fn connection_on(
        &self,
        me: &crate::domain::Session,
    ) -> Result<(super::manage::Actor, AdConnection), AdSetupError> {
        let actor = self
            .actor_for_item(me, SettingsItem::ActiveDirectory)
            .await?;
        let current = actor
            .contract
            .ad
            .clone()
            .filter(AdConnection::is_on)
            .ok_or(AdSetupError::NotOn)?;
        Ok((actor, current))
    }

    async fn save_connection(
        &self,
        contract: &Contract,
        ad: &AdConnection,
    ) -> Result<(), AdSetupError> {
        if self.ports.store.save_ad(contract.id, ad).await? {
            Ok(())
        } else {
            Err(AdSetupError::ChangedMeanwhile)
        }
    }

    /// The connection with its metadata read again now: at the owner's request (`Reread::Now`),
    /// or because the held copy is due (`Reread::Due`, which the adapter may decline while a
    /// recent read failed).
    async fn refreshed(
        &self,
        current: &AdConnection,
        why: Reread,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<AdConnection, IdpError> {
        let xml = match why {
            Reread::Now => {
                self.directories
                    .read_metadata(&current.settings, None)
                    .await?
            }
            Reread::Due => self.directories.refresh_metadata(&current.settings).await?,
        };
        Ok(AdConnection {
            metadata: xml
                .map(|xml| MetadataDocument { xml, read_at: now })
                .or_else(|| current.metadata.clone()),
            ..current.clone()
        })
    }

    /// The connection a sign-in address or a typed connection ID names, when it is on (L8).
    ///
    /// # Errors
    /// [`FederationError::UnknownConnection`] (also for a malformed ID),
    /// [`FederationError::DirectoryOff`].
    pub async fn directory(&self, connection: &str) -> Result<DirectoryView, FederationError> {
        let (contract, ad) = self.live_connection(connection).await?;
        Ok(DirectoryView {
            connection: ad.id,
            contract_name: contract.name,
        })
    }

    async fn live_connection(
        &self,
        connection: &str,
    ) -> Result<(Contract, AdConnection), FederationError> {
        let id = ConnectionId::parse(connection).map_err(|_| FederationError::UnknownConnection)?;
        let contract = self
            .ports
            .store
            .contract_by_connection(&id)
            .await?
            .ok_or(FederationError::UnknownConnection)?;
        let ad = contract
            .ad
            .clone()
            .filter(|ad| ad.id == id)
            .ok_or(FederationError::UnknownConnection)?;
        if !ad.is_on() {
            return Err(FederationError::DirectoryOff);
        }
        Ok((contract, ad))
    }

    /// Starts a round trip to the ADFS of the contract whose connection ID is `connection`
    /// (L8), for `purpose`; `endpoints` are tobira's addresses on the browser's channel. A
    /// binding flow's link must belong to that contract (X7). SAML metadata older than a day is
    /// read again first (a failed read keeps the copy held).
    ///
    /// # Errors
    /// [`FederationError::UnknownConnection`], [`FederationError::DirectoryOff`],
    /// [`FederationError::Unavailable`], or the purpose's refusal.
    pub async fn start_directory(
        &self,
        connection: &str,
        purpose: DirectoryFor<'_>,
        endpoints: &DirectoryEndpoints<'_>,
    ) -> Result<FederationRedirect, FederationError> {
        let (contract, mut ad) = self.live_connection(connection).await?;
        let purpose = match purpose {
            DirectoryFor::SignIn { scope } => FederationPurpose::SignIn { scope },
            DirectoryFor::Invitation { token } => FederationPurpose::Invitation {
                ticket: self
                    .ticket_of_contract(token.text(), AdLink::Invitation, &contract)
                    .await?,
            },
            DirectoryFor::MethodChange { token } => FederationPurpose::MethodChange {
                ticket: self
                    .ticket_of_contract(token.text(), AdLink::MethodChange, &contract)
                    .await?,
            },
        };
        let now = self.ports.clock.now();
        if ad.metadata_is_stale(now) {
            // A failed read keeps the copy held serving; a later start tries again (the
            // adapter may hold back while a recent read failed).
            if let Ok(fresh) = self.refreshed(&ad, Reread::Due, now).await
                && let Some(doc) = &fresh.metadata
            {
                // Only the document is written, and only over the revision it was fetched for:
                // when the owner changed the connection meanwhile (or another instance saved a
                // newer copy), the stored connection is used as it now is.
                if self
                    .ports
                    .store
                    .save_ad_metadata(contract.id, &ad.id, ad.revision, doc)
                    .await?
                {
                    ad = fresh;
                } else {
                    ad = self.live_connection(connection).await?.1;
                }
            }
        }
        let ceremony = Ceremony::generate(self.ports.secrets.as_ref());
        let authorization_url = self
            .directories
            .authorization_url(&ad, &ceremony, endpoints, now)
            .await
            .map_err(super::federation::idp_error)?;
        let request = ceremony.request(Issuer::Directory(ad.id.clone()), purpose, now);
        self.ports.store.insert_federation_request(&request).await?;
        Ok(FederationRedirect {
            authorization_url,
            browser_key: ceremony.browser_key().clone(),
        })
    }

    /// The hash of a live link of `purpose` that belongs to `contract` (X7): an invitation of
    /// one contract cannot bind another contract's AD identity.
    async fn ticket_of_contract(
        &self,
        token: &str,
        link: AdLink,
        contract: &Contract,
    ) -> Result<TokenHash, FederationError> {
        // A link of another contract reads as "no Active Directory here" for its own flow.
        match link {
            AdLink::Invitation => {
                let (ticket, _, of) = self.invitation_ticket(token).await?;
                if of.id != contract.id {
                    return Err(RegistrationError::NoActiveDirectory.into());
                }
                Ok(ticket.hash)
            }
            AdLink::MethodChange => {
                let (ticket, actor) = self.method_ticket(token).await?;
                if actor.contract.id != contract.id {
                    return Err(MethodChangeError::NoActiveDirectory.into());
                }
                Ok(ticket.hash)
            }
        }
    }

    /// Finishes a round trip on the ADFS's answer: takes the stored request by `state` (once),
    /// checks this browser and this connection started it and that the connection is still on,
    /// has the answer verified, records a SAML assertion as used (a replay is refused), and
    /// applies the request's purpose through its own use case.
    ///
    /// # Errors
    /// See [`FederationError`]; every refusal is audited (X1) and changes nothing else.
    pub async fn finish_directory(
        &self,
        connection: &str,
        callback: &DirectoryCallback,
        state: Option<&str>,
        browser_key: Option<&str>,
        endpoints: &DirectoryEndpoints<'_>,
        client: &ClientInfo,
    ) -> Result<FederationOutcome, FederationError> {
        let now = self.ports.clock.now();
        let Ok(id) = ConnectionId::parse(connection) else {
            self.audit_directory(None, ProviderResult::BadState, client)
                .await;
            return Err(FederationError::UnknownConnection);
        };
        // The contract is read first so that every outcome lands in its audit trail (X1).
        let contract = self.ports.store.contract_by_connection(&id).await?;
        let owner = contract.as_ref().map(|c| c.id);
        let audit = |result| self.audit_directory(owner, result, client);
        let Some((request, ceremony)) = self
            .take_round_trip(&Issuer::Directory(id.clone()), state, browser_key, now)
            .await?
        else {
            audit(ProviderResult::BadState).await;
            return Err(FederationError::BadState);
        };
        let ad = match contract.and_then(|c| c.ad).filter(|ad| ad.id == id) {
            Some(ad) if ad.is_on() => ad,
            found => {
                audit(ProviderResult::Rejected).await;
                return Err(if found.is_some() {
                    FederationError::DirectoryOff
                } else {
                    FederationError::UnknownConnection
                });
            }
        };
        if let DirectoryCallback::Oidc(c) = callback
            && c.error.is_some()
        {
            audit(ProviderResult::Denied).await;
            return Err(FederationError::Denied);
        }
        let verified = match self
            .directories
            .finish(&ad, callback, &ceremony, endpoints, now)
            .await
        {
            Ok(v) => v,
            Err(e) => {
                audit(match e {
                    IdpError::Unavailable(_) => ProviderResult::Unavailable,
                    _ => ProviderResult::Rejected,
                })
                .await;
                return Err(super::federation::idp_error(e));
            }
        };
        if let Some((assertion, expires_at)) = &verified.assertion {
            let hash = TokenHash::of_text(assertion);
            if !self
                .ports
                .store
                .claim_assertion(&ad.id, hash, (*expires_at).max(now) + ASSERTION_SKEW, now)
                .await?
            {
                audit(ProviderResult::Rejected).await;
                return Err(FederationError::Rejected(
                    "the assertion was used before".into(),
                ));
            }
        }
        audit(ProviderResult::Verified).await;
        let identity = ExternalIdentity::ActiveDirectory {
            connection: ad.id.clone(),
            subject: verified.subject,
        };
        self.apply_federation_purpose(request.purpose, identity, None, client)
            .await
    }

    /// Records how an AD round trip ended (X1), in the contract's trail when known; never a
    /// response or token.
    async fn audit_directory(
        &self,
        contract: Option<crate::domain::ContractId>,
        result: ProviderResult,
        client: &ClientInfo,
    ) {
        self.audit(
            contract,
            None,
            AuditKind::DirectorySignIn { result },
            client,
        )
        .await;
    }
}
