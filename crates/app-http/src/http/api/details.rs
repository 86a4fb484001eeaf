//! Contract details (S1, C2): the `Basic` owner reads and changes them with the settings
//! session.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use auth_core::domain::{ContractDetails, ContractDetailsInput, SessionScope};

use super::session;
use crate::http::context::Ctx;
use crate::http::error::{ApiError, ErrorBody, ToApi};
use crate::http::extract::ApiJson;
use crate::state::AppState;

/// The body of a change of the contract's details: every field is sent, only `department`
/// may be empty.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContractDetailsBody {
    /// The company name: the contract's name, used in mails and in the X2 password check.
    #[schema(min_length = 1, max_length = 100, example = "雲商事株式会社")]
    pub company: String,
    /// The department (may be empty).
    #[serde(default)]
    #[schema(max_length = 100, example = "情報システム部")]
    pub department: String,
    /// The contact person.
    #[schema(min_length = 1, max_length = 100, example = "山田 太郎")]
    pub contact_person: String,
    /// A Japanese phone number: 10 or 11 digits starting with 0, hyphens allowed.
    #[schema(example = "03-1234-5678")]
    pub phone: String,
    /// The postal code: 7 digits, `NNN-NNNN` or `NNNNNNN`.
    #[schema(example = "100-0001")]
    pub postal_code: String,
    /// The address.
    #[schema(min_length = 1, max_length = 200, example = "東京都千代田区千代田1-1")]
    pub address: String,
}

/// A contract's details as stored. A contract created before its details were first given
/// has only its company name: every other field is then empty.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractDetailsView {
    /// The company name: the contract's name, used in mails and in the X2 password check.
    #[schema(min_length = 1, max_length = 100, example = "雲商事株式会社")]
    pub company: String,
    /// The department (may be empty).
    #[schema(max_length = 100, example = "情報システム部")]
    pub department: String,
    /// The contact person (empty until first given).
    #[schema(max_length = 100, example = "山田 太郎")]
    pub contact_person: String,
    /// The phone number, half-width digits and hyphens (empty until first given).
    #[schema(example = "03-1234-5678")]
    pub phone: String,
    /// The postal code, `NNN-NNNN` (empty until first given).
    #[schema(example = "100-0001")]
    pub postal_code: String,
    /// The address (empty until first given).
    #[schema(max_length = 200, example = "東京都千代田区千代田1-1")]
    pub address: String,
}

impl From<ContractDetails> for ContractDetailsView {
    fn from(d: ContractDetails) -> Self {
        Self {
            company: d.company.as_str().to_owned(),
            department: d.department,
            contact_person: d.contact_person,
            phone: d.phone,
            postal_code: d.postal_code,
            address: d.address,
        }
    }
}

/// The contract's details (S1: the Basic owner only).
///
/// Fields never set are empty.
#[utoipa::path(get, path = "/api/settings/contract", tag = "settings", security(("tobira_settings" = [])),
    responses((status = 200, description = "The details.", body = ContractDetailsView, example = json!({"company": "雲商事株式会社", "department": "情報システム部", "contact_person": "山田 太郎", "phone": "03-1234-5678", "postal_code": "100-0001", "address": "東京都千代田区千代田1-1"})),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody)))]
pub async fn contract_details(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<ContractDetailsView>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    let details = state
        .auth()
        .contract_details(&me)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(details.into()))
}

/// Change the contract's details (C2: the Basic owner only).
///
/// Every field is checked; the answer names the first field with a problem. Audited; the owner
/// gets a notice mail. The company name becomes the contract's name.
#[utoipa::path(put, path = "/api/settings/contract", tag = "settings", security(("tobira_settings" = [])),
    request_body(content = ContractDetailsBody, example = json!({"company": "雲商事株式会社", "department": "情報システム部", "contact_person": "山田 太郎", "phone": "03-1234-5678", "postal_code": "100-0001", "address": "東京都千代田区千代田1-1"})),
    responses((status = 200, description = "The details as stored (normalised).", body = ContractDetailsView, example = json!({"company": "雲商事株式会社", "department": "情報システム部", "contact_person": "山田 太郎", "phone": "03-1234-5678", "postal_code": "100-0001", "address": "東京都千代田区千代田1-1"})),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody),
    (status = 422, description = "A field is not valid (`detail_required`, `detail_too_long`, `address_too_long`, `detail_control_character`, `invalid_contact_phone`, `invalid_postal_code`); `field` names it.", body = ErrorBody)))]
pub async fn change_contract_details(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ContractDetailsBody>,
) -> Result<Json<ContractDetailsView>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    let input = ContractDetailsInput {
        company: &body.company,
        department: &body.department,
        contact_person: &body.contact_person,
        phone: &body.phone,
        postal_code: &body.postal_code,
        address: &body.address,
    };
    let details = state
        .auth()
        .change_contract_details(&me, &input, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(details.into()))
}
