//! QR codes: the core offers the authenticator's `otpauth://` URI (T1); the app draws it for
//! the enrolment page and the API.

use axum::http::StatusCode;
use qrcode::QrCode;
use qrcode::render::svg;
use thiserror::Error;

use auth_core::domain::TotpOffer;

use crate::http::error::ApiError;
use crate::messages::{Lang, Msg};

/// The text could not be drawn as a QR code (longer than any QR version holds).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("cannot draw the QR code: {0}")]
pub struct QrError(String);

/// `text` as a QR code: an SVG document of at least 200 × 200 pixels with its quiet zone.
///
/// # Errors
/// [`QrError`] when the text is too long for a QR code.
pub fn svg(text: &str) -> Result<String, QrError> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| QrError(e.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// The QR code of an authenticator enrolment offer's URI (T1). A failure is logged and
/// answered as "try again later", as the core's set-up failures are.
///
/// # Errors
/// The API error of a QR code that could not be drawn.
pub fn totp_svg(offer: &TotpOffer, lang: Lang) -> Result<String, ApiError> {
    svg(&offer.otpauth_uri).map_err(|e| {
        tracing::error!(error = %e, "authenticator QR code");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable, lang)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::domain::{Email, TotpSecret, totp_offer};

    #[test]
    fn t1_the_enrolment_qr_code_is_an_svg_of_the_offers_uri() {
        let offer = totp_offer(
            &TotpSecret::from_bytes(&[7; 20]),
            "tobira",
            &Email::parse("taro@example.co.jp").unwrap(),
        )
        .unwrap();
        let drawn = totp_svg(&offer, Lang::Ja).unwrap();
        assert!(drawn.starts_with("<?xml") && drawn.contains("<svg"));
        assert_eq!(drawn, svg(&offer.otpauth_uri).unwrap());
        assert!(!drawn.contains(offer.secret_text.as_str()));
    }

    #[test]
    fn t1_a_text_too_long_for_a_qr_code_is_an_error() {
        assert!(svg(&"x".repeat(8000)).is_err());
    }
}
