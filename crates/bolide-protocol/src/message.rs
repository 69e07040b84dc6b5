//! Message encodings: properties string, batch body, stored-message records, message ids.
