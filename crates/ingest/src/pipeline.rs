//! The ingest pipeline (being written).
