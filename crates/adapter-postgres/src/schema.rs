//! The tables, as Diesel sees them (the migrations are the source of truth).

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    contracts (id) {
        id -> Uuid,
        name -> Text,
        plan -> Text,
        trial_started_at -> Nullable<Instant>,
        two_factor -> Text,
        access_route -> Text,
        created_at -> Instant,
        ad_connection_id -> Nullable<Text>,
        ad_metadata_url -> Nullable<Text>,
        ad_enabled_at -> Nullable<Instant>,
        status -> Text,
        cancelled_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    accounts (id) {
        id -> Uuid,
        contract_id -> Uuid,
        email -> Text,
        email_key -> Text,
        display_name -> Text,
        role -> Text,
        locale -> Text,
        login_method -> Text,
        provider -> Nullable<Text>,
        connection_id -> Nullable<Text>,
        subject -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        failures -> Integer,
        locked_at -> Nullable<Instant>,
        created_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    tickets (hash) {
        hash -> Binary,
        purpose -> Text,
        account_id -> Uuid,
        new_email -> Nullable<Text>,
        issued_at -> Instant,
        expires_at -> Instant,
        used_at -> Nullable<Instant>,
        voided_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    sessions (token_hash) {
        token_hash -> Binary,
        id -> Uuid,
        account_id -> Uuid,
        contract_id -> Uuid,
        scope -> Text,
        created_at -> Instant,
        last_seen_at -> Instant,
        channel -> Text,
        client_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    outbox (seq) {
        seq -> BigInt,
        id -> Uuid,
        recipient -> Text,
        locale -> Text,
        kind -> Text,
        link_token -> Nullable<Text>,
        created_at -> Instant,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Instant>,
        sent_at -> Nullable<Instant>,
        last_error -> Nullable<Text>,
        leased_until -> Nullable<Instant>,
        leased_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    enrolments (account_id) {
        account_id -> Uuid,
        method -> Text,
        totp_secret -> Nullable<Binary>,
        phone -> Nullable<Text>,
        recovery_hash -> Text,
        last_totp_step -> Nullable<BigInt>,
        enrolled_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    pending_sign_ins (token_hash) {
        token_hash -> Binary,
        account_id -> Uuid,
        contract_id -> Uuid,
        scope -> Text,
        channel -> Text,
        line_number -> Nullable<Text>,
        client_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Instant,
        stage -> Text,
        sms_wrong_tries -> Nullable<Integer>,
        remember_browser -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    remembered_browsers (token_hash) {
        token_hash -> Binary,
        account_id -> Uuid,
        last_used_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    link_sends (seq) {
        seq -> BigInt,
        account_id -> Uuid,
        purpose -> Text,
        sent_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    sms_sends (seq) {
        seq -> BigInt,
        account_id -> Uuid,
        phone -> Text,
        sent_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Uuid;

    lines (line_number) {
        line_number -> Text,
        contract_id -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    line_consents (contract_id, line_number) {
        contract_id -> Uuid,
        line_number -> Text,
        consented_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    invitations (account_id) {
        account_id -> Uuid,
        contract_id -> Uuid,
        email -> Text,
        email_key -> Text,
        display_name -> Text,
        role -> Text,
        invited_by -> Nullable<Uuid>,
        sent_at -> Instant,
        locale -> Text,
        reviewed_password_hash -> Nullable<Text>,
        reviewed_password_link -> Nullable<Binary>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    audit_events (seq) {
        seq -> BigInt,
        at -> Instant,
        contract_id -> Nullable<Uuid>,
        account_id -> Nullable<Uuid>,
        kind -> Text,
        channel -> Text,
        client_address -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    contract_details (contract_id) {
        contract_id -> Uuid,
        department -> Text,
        contact_person -> Text,
        phone -> Text,
        postal_code -> Text,
        address -> Text,
        updated_at -> Instant,
    }
}

diesel::joinable!(accounts -> contracts (contract_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(enrolments -> accounts (account_id));
diesel::joinable!(pending_sign_ins -> accounts (account_id));
diesel::joinable!(remembered_browsers -> accounts (account_id));
diesel::joinable!(lines -> contracts (contract_id));
diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Instant;

    federation_requests (state_hash) {
        state_hash -> Binary,
        browser_hash -> Binary,
        provider -> Text,
        purpose -> Text,
        created_at -> Instant,
        expires_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    reset_requests (id) {
        id -> Uuid,
        email -> Text,
        channel -> Text,
        line_number -> Nullable<Text>,
        client_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        requested_at -> Instant,
        leased_until -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Instant, Uuid};

    ad_connection_details (contract_id) {
        contract_id -> Uuid,
        protocol -> Text,
        subject -> Text,
        client_id -> Nullable<Text>,
        client_secret -> Nullable<Text>,
        metadata_xml -> Nullable<Text>,
        metadata_read_at -> Nullable<Instant>,
        turned_off_at -> Nullable<Instant>,
        revision -> BigInt,
    }
}

diesel::joinable!(ad_connection_details -> contracts (contract_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Instant;

    saml_assertions (connection_id, assertion_hash) {
        connection_id -> Text,
        assertion_hash -> Binary,
        expires_at -> Instant,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    contracts,
    accounts,
    tickets,
    sessions,
    outbox,
    enrolments,
    pending_sign_ins,
    remembered_browsers,
    sms_sends,
    link_sends,
    lines,
    line_consents,
    invitations,
    audit_events,
    contract_details,
    federation_requests,
    saml_assertions,
    ad_connection_details,
    reset_requests,
);
