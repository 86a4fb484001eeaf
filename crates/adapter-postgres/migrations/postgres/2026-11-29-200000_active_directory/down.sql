DROP TABLE saml_assertions;
DROP TABLE ad_connection_details;
