//! The pending sign-in as a state machine (L6, T2–T5, N5, X8): a sign-in whose first factor
//! was right and which waits for what the account still owes before a session opens.
//!
//! ```text
//!                      password right, second factor required (L6)
//!                                     │
//!            no enrolment ┌───────────┴───────────┐ enrolled
//!                         ▼                       ▼
//!   ┌─────────── Enrol { totp?, sms? }      Challenge { sms? } ◀─── SmsSent (again)
//!   │ SmsSent / TotpOffered │                 │          │
//!   └──────────────────────▶│                 │          │ RecoveryCodeUsed (T5)
//!                  Enrolled │ (an offered     │          ▼
//!                (T2, T3)   │  factor's code  │     RecoveryShown ◀── Enrolled
//!                           └────────────────────────▶   │
//!                                             │          │ RecoveryCodeSaved (T3)
//!                           ChallengePassed   │          │
//!                                 (T4)        ▼          ▼
//!                                          ═══ SignedIn ═══  (the only way to a session)
//!                                                 ▲
//!   first use of a West Japan line ─▶ LineConsent ┘ LineConsentGiven (N5)
//!
//!   Any event at or after created_at + 10 minutes: refused (Expired, X8).
//!   Any event that does not fit the stage: refused (WrongStep); the state does not move.
//! ```
//!
//! [`PendingSignIn::advance`] is pure: it takes the event and one `now`, and returns the next
//! state or a refusal. The flows check the evidence an event stands for (a code, a recovery
//! code) before they offer it, and store each accepted transition with one store call; the
//! SMS code's wrong tries are counted by the store in one atomic step before the code is
//! compared, since parallel requests must not each see the count before theirs.

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use super::{
    AccountId, ClientInfo, ContractId, LineNumber, SealedRecoveryCode, SessionScope, SmsChallenge,
    TokenHash, TotpSecret,
};

/// How long a pending sign-in waits for its second factor.
pub const PENDING_SIGN_IN_VALIDITY: Duration = Duration::minutes(10);

/// Where a pending sign-in stands.
#[derive(Debug, Clone)]
pub enum PendingStage {
    /// No factor yet: the user enrols (T2). `totp_secret` holds an offered, unconfirmed secret;
    /// `sms` a code sent to a number being enrolled.
    Enrol {
        /// The authenticator secret shown, awaiting its first code.
        totp_secret: Option<TotpSecret>,
        /// The SMS code sent to the number being enrolled.
        sms: Option<SmsChallenge>,
    },
    /// Enrolled: the user answers a challenge with the enrolled factor (T4).
    Challenge {
        /// The SMS code sent, if the factor is SMS and one was sent.
        sms: Option<SmsChallenge>,
    },
    /// A new recovery code was stored and shown; waiting for "I saved it" (T3, T5).
    RecoveryShown {
        /// The code, sealed for the browser and kept with this pending sign-in only until it
        /// is confirmed, so every visit of the step shows it again (`None` while the store has
        /// not been given it yet). Sealed under the pending token the browser holds after the
        /// step that showed it (the token is replaced at that step).
        code: Option<SealedRecoveryCode>,
    },
    /// First use of a West Japan line: waiting for consent to receive its details (N5).
    LineConsent {
        /// The line.
        line: LineNumber,
    },
}

/// A sign-in whose password was right, waiting for its second factor. Gives access to nothing.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    /// Hash of the pending token held by the browser.
    pub token_hash: TokenHash,
    /// Whose sign-in.
    pub account: AccountId,
    /// The account's contract.
    pub contract: ContractId,
    /// The session scope it will open.
    pub scope: SessionScope,
    /// Who signed in.
    pub client: ClientInfo,
    /// When the password was checked.
    pub created_at: DateTime<Utc>,
    /// The stage.
    pub stage: PendingStage,
    /// Whether to remember the browser once complete (L6).
    pub remember_browser: bool,
}

/// A step of a pending sign-in. The evidence it stands for was checked by the flow first.
#[derive(Debug, Clone)]
pub enum PendingEvent {
    /// A code was sent by SMS: to the number being enrolled, or to the enrolled number. It
    /// replaces an earlier code; during enrolment it abandons an offered authenticator secret.
    SmsSent(SmsChallenge),
    /// An authenticator secret was offered for enrolment; abandons a code sent for SMS
    /// enrolment.
    TotpOffered(TotpSecret),
    /// The code of the factor being enrolled was right and the enrolment stored (T2); the
    /// recovery code is shown next (T3).
    Enrolled {
        /// Whether to remember the browser once complete (L6).
        remember_browser: bool,
    },
    /// The enrolled factor's code was right (T4).
    ChallengePassed {
        /// Whether to remember the browser (L6).
        remember_browser: bool,
    },
    /// A right recovery code replaced itself; the new one is shown next (T5).
    RecoveryCodeUsed,
    /// "I saved the recovery code" (T3).
    RecoveryCodeSaved,
    /// Consent to receive the line's details was given (N5).
    LineConsentGiven,
}

/// Where an accepted event leads.
#[derive(Debug, Clone)]
pub enum PendingNext {
    /// Still pending, in this state.
    Pending(Box<PendingSignIn>),
    /// Everything owed was given: a session may open.
    SignedIn {
        /// Whether to remember the browser (L6).
        remember_browser: bool,
    },
}

/// Why an event was refused. A refused event changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PendingRefusal {
    /// The pending sign-in lapsed (X8): sign in again.
    #[error("the pending sign-in has expired")]
    Expired,
    /// The event does not fit the stage (e.g. a challenge before enrolment).
    #[error("this step does not fit where the sign-in stands")]
    WrongStep,
}

impl PendingSignIn {
    /// Whether the pending sign-in has lapsed at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.created_at + PENDING_SIGN_IN_VALIDITY
    }

    /// The transition for `event` at `now` (see the module's diagram).
    ///
    /// # Errors
    /// [`PendingRefusal`]; the state stays as it was.
    pub fn advance(
        &self,
        event: PendingEvent,
        now: DateTime<Utc>,
    ) -> Result<PendingNext, PendingRefusal> {
        if self.is_expired(now) {
            return Err(PendingRefusal::Expired);
        }
        let stay = |stage: PendingStage, remember_browser: bool| {
            Ok(PendingNext::Pending(Box::new(PendingSignIn {
                stage,
                remember_browser,
                ..self.clone()
            })))
        };
        let remember = self.remember_browser;
        match (&self.stage, event) {
            (PendingStage::Enrol { .. }, PendingEvent::SmsSent(code)) => stay(
                PendingStage::Enrol {
                    totp_secret: None,
                    sms: Some(code),
                },
                remember,
            ),
            (PendingStage::Challenge { .. }, PendingEvent::SmsSent(code)) => {
                stay(PendingStage::Challenge { sms: Some(code) }, remember)
            }
            (PendingStage::Enrol { .. }, PendingEvent::TotpOffered(secret)) => stay(
                PendingStage::Enrol {
                    totp_secret: Some(secret),
                    sms: None,
                },
                remember,
            ),
            (
                PendingStage::Enrol {
                    totp_secret: Some(_),
                    sms: None,
                }
                | PendingStage::Enrol {
                    totp_secret: None,
                    sms: Some(_),
                },
                PendingEvent::Enrolled { remember_browser },
            ) => stay(PendingStage::RecoveryShown { code: None }, remember_browser),
            (
                PendingStage::Challenge { .. },
                PendingEvent::ChallengePassed { remember_browser },
            ) => Ok(PendingNext::SignedIn { remember_browser }),
            (PendingStage::Challenge { .. }, PendingEvent::RecoveryCodeUsed) => {
                stay(PendingStage::RecoveryShown { code: None }, remember)
            }
            (PendingStage::RecoveryShown { .. }, PendingEvent::RecoveryCodeSaved) => {
                Ok(PendingNext::SignedIn {
                    remember_browser: remember,
                })
            }
            (PendingStage::LineConsent { .. }, PendingEvent::LineConsentGiven) => {
                Ok(PendingNext::SignedIn {
                    remember_browser: false,
                })
            }
            _ => Err(PendingRefusal::WrongStep),
        }
    }

    /// The same pending sign-in under a new token (the token is replaced at every step).
    #[must_use]
    pub fn with_token(self, token_hash: TokenHash) -> Self {
        Self { token_hash, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PhoneNumber, SecretToken};
    use crate::testing::SeededSecrets;
    use proptest::prelude::*;

    fn start(stage: PendingStage) -> PendingSignIn {
        let secrets = SeededSecrets::new(11);
        PendingSignIn {
            token_hash: SecretToken::generate(&secrets).hash(),
            account: AccountId::generate(&secrets),
            contract: ContractId::generate(&secrets),
            scope: SessionScope::Service,
            client: ClientInfo::internet(None, None),
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            stage,
            remember_browser: false,
        }
    }

    fn sms(at: DateTime<Utc>) -> SmsChallenge {
        SmsChallenge {
            phone: PhoneNumber::parse("09012345678").unwrap(),
            salt: [1; 16],
            code_hash: TokenHash::from_bytes([2; 32]),
            sent_at: at,
            wrong_tries: 0,
        }
    }

    /// What a state is, for comparing two states (the core's secrets have no `PartialEq`).
    fn fingerprint(p: &PendingSignIn) -> String {
        let stage = match &p.stage {
            PendingStage::Enrol { totp_secret, sms } => format!(
                "enrol totp={:?} sms={:?}",
                totp_secret.as_ref().map(|s| s.as_bytes().to_vec()),
                sms
            ),
            PendingStage::Challenge { sms } => format!("challenge sms={sms:?}"),
            PendingStage::RecoveryShown { code } => format!("recovery sealed={}", code.is_some()),
            PendingStage::LineConsent { line } => format!("line {}", line.as_str()),
        };
        format!(
            "{stage} remember={} token={:?}",
            p.remember_browser, p.token_hash
        )
    }

    fn any_start() -> impl Strategy<Value = PendingStage> {
        prop_oneof![
            Just(PendingStage::Enrol {
                totp_secret: None,
                sms: None
            }),
            Just(PendingStage::Challenge { sms: None }),
            Just(PendingStage::LineConsent {
                line: LineNumber::parse("CAF1234567890").unwrap()
            }),
        ]
    }

    fn any_event() -> impl Strategy<Value = PendingEvent> {
        prop_oneof![
            Just(PendingEvent::SmsSent(sms(DateTime::<Utc>::UNIX_EPOCH))),
            Just(PendingEvent::TotpOffered(TotpSecret::from_bytes(&[7; 20]))),
            any::<bool>().prop_map(|r| PendingEvent::Enrolled {
                remember_browser: r
            }),
            any::<bool>().prop_map(|r| PendingEvent::ChallengePassed {
                remember_browser: r
            }),
            Just(PendingEvent::RecoveryCodeUsed),
            Just(PendingEvent::RecoveryCodeSaved),
            Just(PendingEvent::LineConsentGiven),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// No sequence of events reaches "signed in" without every factor the starting stage
        /// owes (L6, T2–T5, N5), none after the 10 minutes (X8), and a refused event leaves the
        /// state exactly as it was.
        #[test]
        fn l6_no_sequence_signs_in_without_every_required_factor(
            stage in any_start(),
            steps in prop::collection::vec((any_event(), 0i64..700), 0..12),
        ) {
            let mut state = start(stage.clone());
            let mut accepted: Vec<&'static str> = Vec::new();
            for (event, second) in steps {
                let now = state.created_at + Duration::seconds(second);
                let name = match &event {
                    PendingEvent::SmsSent(_) => "sms",
                    PendingEvent::TotpOffered(_) => "totp",
                    PendingEvent::Enrolled { .. } => "enrolled",
                    PendingEvent::ChallengePassed { .. } => "challenge",
                    PendingEvent::RecoveryCodeUsed => "recovery-used",
                    PendingEvent::RecoveryCodeSaved => "recovery-saved",
                    PendingEvent::LineConsentGiven => "consent",
                };
                let before = fingerprint(&state);
                match state.advance(event, now) {
                    Ok(PendingNext::Pending(next)) => {
                        prop_assert!(now < state.created_at + PENDING_SIGN_IN_VALIDITY);
                        prop_assert_eq!(next.token_hash, state.token_hash);
                        accepted.push(name);
                        state = *next;
                    }
                    Ok(PendingNext::SignedIn { .. }) => {
                        prop_assert!(now < state.created_at + PENDING_SIGN_IN_VALIDITY);
                        accepted.push(name);
                        let owed = match stage {
                            PendingStage::Enrol { .. } => {
                                accepted.contains(&"enrolled") && name == "recovery-saved"
                            }
                            PendingStage::Challenge { .. } => {
                                name == "challenge"
                                    || (accepted.contains(&"recovery-used")
                                        && name == "recovery-saved")
                            }
                            _ => name == "consent",
                        };
                        prop_assert!(owed, "signed in after {:?} from {:?}", accepted, stage);
                        break;
                    }
                    Err(_) => {
                        // The flows keep the state they had: nothing moved.
                        prop_assert_eq!(fingerprint(&state), before);
                    }
                }
            }
        }
    }

    #[test]
    fn l6_enrolment_needs_an_offered_factor_and_then_the_recovery_code_saved() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let p = start(PendingStage::Enrol {
            totp_secret: None,
            sms: None,
        });
        let enrolled = PendingEvent::Enrolled {
            remember_browser: true,
        };
        assert_eq!(
            p.advance(enrolled.clone(), now).err(),
            Some(PendingRefusal::WrongStep)
        );
        let Ok(PendingNext::Pending(offered)) = p.advance(
            PendingEvent::TotpOffered(TotpSecret::from_bytes(&[3; 20])),
            now,
        ) else {
            panic!("an offer is accepted during enrolment");
        };
        let Ok(PendingNext::Pending(shown)) = offered.advance(enrolled, now) else {
            panic!("an offered factor enrols");
        };
        assert!(matches!(shown.stage, PendingStage::RecoveryShown { .. }));
        assert!(shown.remember_browser);
        assert!(matches!(
            shown.advance(PendingEvent::RecoveryCodeSaved, now),
            Ok(PendingNext::SignedIn {
                remember_browser: true
            })
        ));
        assert_eq!(
            shown
                .advance(
                    PendingEvent::RecoveryCodeSaved,
                    now + PENDING_SIGN_IN_VALIDITY
                )
                .err(),
            Some(PendingRefusal::Expired)
        );
    }

    #[test]
    fn t2_choosing_one_factor_abandons_the_other() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let p = start(PendingStage::Enrol {
            totp_secret: Some(TotpSecret::from_bytes(&[3; 20])),
            sms: None,
        });
        let Ok(PendingNext::Pending(next)) = p.advance(PendingEvent::SmsSent(sms(now)), now) else {
            panic!("a code is sent during enrolment");
        };
        assert!(matches!(
            next.stage,
            PendingStage::Enrol {
                totp_secret: None,
                sms: Some(_)
            }
        ));
    }
}
