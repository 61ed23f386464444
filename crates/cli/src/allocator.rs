//! The process's allocator: mimalloc, with its purge size raised to 2 MiB.
//!
//! mimalloc gives memory it no longer needs back to the system ("purges"
//! it) in pieces as small as one 4 KiB page. On Linux with transparent huge
//! pages on (`/sys/kernel/mm/transparent_hugepage/enabled` set to `always`,
//! as on the development machine), purging part of a 2 MiB huge page splits
//! it, and touching that memory again makes the kernel zero a whole new huge
//! page. A 1M-tweet ingest spent about 1.5 s of its decoder thread's CPU in
//! the kernel's `clear_page_erms` that way (perf). Purging whole 2 MiB pieces
//! (mimalloc's `minimal_purge_size` option) cut the system CPU time of
//! store-only loads of that file in all of six interleaved pairs (4.0 s
//! against 5.0 s on average) and their total CPU time by 0.75 s; wall time
//! moved less than this machine's noise (18.98 s against 19.16 s), and peak
//! memory rose by about 30 MB. Set through the environment instead, the
//! same option gave 18.3 s against 19.3 s in five of five pairs.

/// mimalloc: ingest decodes millions of short-lived strings, and glibc's
/// allocator spent a tenth of the decoder thread in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The mimalloc release linked in (its `MI_MALLOC_VERSION`), whose
/// `mi_option_e` numbers [`MINIMAL_PURGE_SIZE`].
const MIMALLOC_VERSION: i32 = 30302;

/// `mi_option_minimal_purge_size` in that release's `mi_option_e` (the Rust
/// bindings name only older options).
const MINIMAL_PURGE_SIZE: libmimalloc_sys::mi_option_t = 44;

/// The purge size set, in KiB: one huge page.
const PURGE_KIB: i64 = 2048;

/// Sets the purge size, unless `MIMALLOC_MINIMAL_PURGE_SIZE` in the
/// environment already chose one, or the linked mimalloc is another release
/// (whose option numbers may differ). Called first thing in `main`.
pub fn tune() {
    if std::env::var_os("MIMALLOC_MINIMAL_PURGE_SIZE").is_some() {
        return;
    }
    // SAFETY: both are plain C calls into the statically linked mimalloc,
    // taking and returning integers; mimalloc reads this option on every
    // purge, and setting it at any time is allowed.
    unsafe {
        if libmimalloc_sys::mi_version() == MIMALLOC_VERSION {
            libmimalloc_sys::mi_option_set(MINIMAL_PURGE_SIZE, PURGE_KIB as _);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upgrade of mimalloc fails here: check the option's number in the
    /// new release's `include/mimalloc.h` before changing MIMALLOC_VERSION.
    #[test]
    fn the_option_number_belongs_to_the_linked_mimalloc() {
        // SAFETY: a plain C call returning an integer.
        assert_eq!(unsafe { libmimalloc_sys::mi_version() }, MIMALLOC_VERSION);
    }

    #[test]
    fn the_purge_size_is_set() {
        if std::env::var_os("MIMALLOC_MINIMAL_PURGE_SIZE").is_some() {
            return;
        }
        tune();
        // SAFETY: a plain C call returning an integer.
        let got = unsafe { libmimalloc_sys::mi_option_get(MINIMAL_PURGE_SIZE) };
        assert_eq!(got as i64, PURGE_KIB);
        // Its neighbours hold their own defaults, so 44 is not off by one:
        // allow_thp (43) is 1, arena_max_object_size (45) is 2 GiB in KiB.
        // SAFETY: plain C calls returning integers.
        let around = unsafe {
            (
                libmimalloc_sys::mi_option_get(MINIMAL_PURGE_SIZE - 1),
                libmimalloc_sys::mi_option_get(MINIMAL_PURGE_SIZE + 1),
            )
        };
        assert_eq!(around, (1, 2 << 20));
    }
}
