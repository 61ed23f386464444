#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tarjuman_ingest::harness::check("twarc2", data));
