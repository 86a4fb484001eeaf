//! Contract details (S1, C2): one row per contract in `contract_details`; the company name is
//! the contract's own `name`.

use auth_core::domain::{ContractDetails, ContractId, ContractName, Mail};
use auth_core::ports::StoreError;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::DieselStore;
use crate::error::{TxError, applied};
use crate::mail::NewMailRow;
use crate::rows::corrupt;
use crate::schema::{contract_details, contracts};
use crate::sql_types::{At, Id};
use crate::store::insert_mail;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = contract_details)]
struct DetailsRow {
    contract_id: Id,
    department: String,
    contact_person: String,
    phone: String,
    postal_code: String,
    address: String,
    updated_at: At,
}

impl DieselStore {
    pub(crate) async fn read_contract_details(
        &self,
        contract: ContractId,
    ) -> Result<Option<ContractDetails>, StoreError> {
        let key = Id(contract.as_uuid());
        let found = self
            .run(move |conn| {
                let name: Option<String> = contracts::table
                    .filter(contracts::id.eq(key))
                    .select(contracts::name)
                    .first(conn)
                    .optional()
                    .map_err(crate::error::db)?;
                let Some(name) = name else {
                    return Ok(None);
                };
                let row: Option<DetailsRow> = contract_details::table
                    .filter(contract_details::contract_id.eq(key))
                    .select(DetailsRow::as_select())
                    .first(conn)
                    .optional()
                    .map_err(crate::error::db)?;
                Ok(Some((name, row)))
            })
            .await?;
        let Some((name, row)) = found else {
            return Ok(None);
        };
        let company = ContractName::parse(&name).map_err(|_| corrupt("contract name"))?;
        Ok(Some(match row {
            Some(r) => ContractDetails {
                company,
                department: r.department,
                contact_person: r.contact_person,
                phone: r.phone,
                postal_code: r.postal_code,
                address: r.address,
            },
            None => ContractDetails {
                company,
                department: String::new(),
                contact_person: String::new(),
                phone: String::new(),
                postal_code: String::new(),
                address: String::new(),
            },
        }))
    }

    pub(crate) async fn write_contract_details(
        &self,
        contract: ContractId,
        details: &ContractDetails,
        notice: Mail,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let key = Id(contract.as_uuid());
        let name = details.company.as_str().to_owned();
        let row = DetailsRow {
            contract_id: key,
            department: details.department.clone(),
            contact_person: details.contact_person.clone(),
            phone: details.phone.clone(),
            postal_code: details.postal_code.clone(),
            address: details.address.clone(),
            updated_at: At(at),
        };
        let notice = NewMailRow::from_domain(&notice)?;
        self.run(move |conn| {
            applied(conn.transaction(|conn| {
                let updated = diesel::update(contracts::table.filter(contracts::id.eq(key)))
                    .set(contracts::name.eq(name))
                    .execute(conn)?;
                if updated == 0 {
                    return Err(TxError::NotApplied);
                }
                diesel::delete(
                    contract_details::table.filter(contract_details::contract_id.eq(key)),
                )
                .execute(conn)?;
                diesel::insert_into(contract_details::table)
                    .values(&row)
                    .execute(conn)?;
                insert_mail(conn, &notice)?;
                Ok(())
            }))
        })
        .await
    }
}
