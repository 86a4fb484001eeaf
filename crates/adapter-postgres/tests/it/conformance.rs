//! The core's port conformance suite, on both backends (the in-memory store runs it in core).

mod sqlite {
    use crate::support;
    auth_core::store_conformance_tests!(support::sqlite_store());
}

mod postgres {
    use crate::support;
    auth_core::store_conformance_tests!(support::pg_store());
}
