DROP TABLE federation_requests;
