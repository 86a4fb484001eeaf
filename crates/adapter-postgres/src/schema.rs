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
    }
}

diesel::joinable!(accounts -> contracts (contract_id));
diesel::joinable!(tickets -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(contracts, accounts, tickets, sessions, outbox);
