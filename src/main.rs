use std::process::ExitCode;

fn main() -> ExitCode {
    return_freed_memory();
    attune::cli::run()
}

/// Allocator settings and a trimming thread, for a server that should stay small.
///
/// Each password check borrows 19 MiB (argon2id at the OWASP parameters). glibc serves a
/// block that size from its own mapping, but once one is freed it raises its threshold to
/// match and keeps the next ones in the arena of whichever thread hashed, where they stay.
/// A fixed threshold keeps every block of a megabyte or more in its own mapping, returned to
/// the system the moment it is freed, at the cost of one mapping per hash.
///
/// glibc also gives threads up to eight arenas per core, and every database connection on
/// SQLite has a thread of its own: each arena keeps its own free memory. Two cores need no
/// more arenas than two.
///
/// What a burst leaves free inside the arenas (32 calendar apps fetching at once, a rush
/// of bookings) glibc keeps unless asked; a thread asks every few seconds, which costs it
/// well under a millisecond and the server a few page faults when the next burst comes.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_freed_memory() {
    const THRESHOLD: libc::c_int = 1 << 20;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
    // SAFETY: mallopt only tunes the allocator, takes its own locks and is called before
    // any other thread exists; a refusal (zero) leaves the default, which still works.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
    let trimming = std::thread::Builder::new()
        .name("attune-trim".into())
        .spawn(|| {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3));
                // SAFETY: malloc_trim only returns free pages to the system, under the
                // allocator's own locks.
                unsafe {
                    libc::malloc_trim(0);
                }
            }
        });
    // Without the thread the server still works; it only keeps what it freed.
    drop(trimming);
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_freed_memory() {}
