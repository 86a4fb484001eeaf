//! X7: no account, user, event, line or setting of one contract can be read or changed through
//! another contract's session, whatever ID a request names.

#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, ContractStore as _, InvitationStore as _, SessionStore as _,
};

use proptest::prelude::*;

use super::client;
use crate::domain::{AccountId, LineNumber, Plan, Role, Session, SessionScope, TwoFactorPolicy};
use crate::flows::invitations::Invite;
use crate::flows::signin::{PasswordSignIn, SignInOutcome};
use crate::testing::{MemoryStore, TestWorld};

const PW: &str = "Kumo-2024";

#[derive(Debug, Clone, Copy)]
enum Op {
    Open,
    EndSessions,
    Remove,
    SendChange,
    Resend,
    RemoveLine,
}

struct Tenant {
    sessions: Vec<Session>,
    members: Vec<AccountId>,
    invited: AccountId,
    line: LineNumber,
}

async fn tenant(w: &TestWorld<MemoryStore>, tag: &str, line: &str) -> Tenant {
    let c = w.contract(&format!("会社{tag}"), Plan::Basic).await;
    w.store
        .set_two_factor_policy(c.id, TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    let mut sessions = Vec::new();
    let mut members = Vec::new();
    for (role, name) in [
        (Role::Owner, "owner"),
        (Role::Admin, "admin"),
        (Role::User, "user"),
    ] {
        let email = format!("{name}@{tag}.example.jp");
        let a = w.account(&c, &email, role, Some(PW)).await;
        members.push(a.id);
        let r = w
            .auth
            .sign_in_with_password(PasswordSignIn {
                email: &email,
                password: crate::domain::PasswordCandidate::new(PW),
                client: client(),
                scope: SessionScope::Service,
                remembered_browser: None,
            })
            .await
            .unwrap();
        let SignInOutcome::SignedIn(g) = r else {
            panic!()
        };
        sessions.push(
            w.auth
                .authenticate(
                    &g.token,
                    SessionScope::Service,
                    crate::domain::ChannelKind::Internet,
                )
                .await
                .unwrap(),
        );
    }
    let line = LineNumber::parse(line).unwrap();
    w.store.add_line(c.id, &line).await.unwrap();
    let invited = w
        .auth
        .invite_user(
            &sessions[0],
            Invite {
                name: "招待",
                email: &format!("new@{tag}.example.jp"),
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    Tenant {
        sessions,
        members,
        invited,
        line,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn x7_no_cross_contract_read_or_write_ever_succeeds(
        steps in prop::collection::vec((0usize..3, 0usize..4, prop_oneof![
            Just(Op::Open), Just(Op::EndSessions), Just(Op::Remove), Just(Op::SendChange), Just(Op::Resend), Just(Op::RemoveLine)
        ]), 1..12)
    ) {
        super::properties_runtime().block_on(async {
            let w = TestWorld::new();
            let a = tenant(&w, "a", "CAF1111111111").await;
            let b = tenant(&w, "b", "CAF2222222222").await;
            for (actor_idx, target_idx, op) in steps {
                // Actors of A act on targets of B.
                let me = &a.sessions[actor_idx];
                let target = if target_idx < 3 { b.members[target_idx] } else { b.invited };
                let mails_before = w.store.queued_mail().len();
                let sessions_before: usize = {
                    let mut n = 0;
                    for m in &b.members { n += w.store.sessions_of(*m).await.unwrap().len(); }
                    n
                };
                let refused = match op {
                    Op::Open => w.auth.open_user(me, target).await.is_err(),
                    Op::EndSessions => w.auth.end_user_sessions(me, target, &client()).await.is_err(),
                    Op::Remove => w.auth.remove_user(me, target, &client()).await.is_err(),
                    Op::SendChange => w.auth.send_change(me, target, "x@elsewhere.example.jp", &client()).await.is_err(),
                    Op::Resend => w.auth.resend_invitation(me, target, &client()).await.is_err(),
                    Op::RemoveLine => w.auth.remove_line(me, b.line.as_str(), &client()).await.is_err(),
                };
                prop_assert!(refused, "{:?} by actor {} on {:?} succeeded across contracts", op, actor_idx, target);
                prop_assert_eq!(w.store.queued_mail().len(), mails_before);
                let mut sessions_after = 0;
                for m in &b.members {
                    prop_assert!(w.store.account(*m).await.unwrap().is_some());
                    sessions_after += w.store.sessions_of(*m).await.unwrap().len();
                }
                prop_assert_eq!(sessions_after, sessions_before);
                prop_assert!(w.store.invitation(b.invited).await.unwrap().is_some());
                prop_assert_eq!(w.store.lines_of(b.sessions[0].contract).await.unwrap(), vec![b.line.clone()]);
                // Reads through the actor's own contract never show B's data.
                if let Ok(list) = w.auth.list_users(me).await {
                    prop_assert!(list.accounts.iter().all(|x| x.contract == me.contract));
                    prop_assert!(list.invitations.iter().all(|x| x.contract == me.contract));
                }
                if let Ok(events) = w.auth.audit_events(me, 1000).await {
                    prop_assert!(events.iter().all(|e| e.contract == Some(me.contract)));
                }
                if let Ok(lines) = w.auth.lines(me).await {
                    prop_assert_eq!(lines, vec![a.line.clone()]);
                }
            }
            Ok(())
        })?;
    }
}
