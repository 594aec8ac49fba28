//! The node array's memory: two hints that change no value, and a parallel first fill (with
//! [`crate::part`], the simulator's only `unsafe`).
//!
//! At a million nodes a hop's cost is its cache and TLB misses, not its instructions: the
//! array of cores is about 4 GB, so every hop lands on a cold node. Two hints cut that down:
//! - [`huge_pages`] asks Linux to back the array with 2 MiB pages (transparent huge pages in
//!   `madvise` mode), so a node's lines no longer need a page walk each. Measured on the
//!   1.2M-node scale run: bootstrap 27.6 → 22.8 s, traffic 10.3 → 8.0 µs per packet.
//! - [`prefetch`] starts loading a node's first lines when a frame is put on the link to it,
//!   a link delay before the node handles it, instead of stalling on them then.
//!
//! Both are hints: without them (another OS or architecture) the run is the same, only
//! slower.

#![allow(unsafe_code)]

/// Asks the kernel to back `v`'s buffer (its whole capacity) with huge pages; call it before
/// the buffer is first written. Does nothing for a buffer under 2 MiB or off Linux.
pub fn huge_pages<T>(v: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let len = v.capacity() * core::mem::size_of::<T>();
        let start = v.as_mut_ptr() as usize;
        // Only the 2 MiB-aligned part inside the buffer.
        let first = start.next_multiple_of(HUGE);
        let end = (start + len) / HUGE * HUGE;
        if end > first {
            // SAFETY: [first, end) lies inside the allocation `v` owns (its capacity), and
            // MADV_HUGEPAGE only changes how the kernel backs those pages, never their
            // contents or their validity.
            let _ = unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE)
            };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// Makes `v` (empty, with room for `n`) hold `n` copies of `value`, written by `threads`
/// threads, each its own stretch: at a million nodes the node array is gigabytes, and its
/// first write (the kernel finding and zeroing every page) was most of the setup time.
pub fn fill<T: Clone + Send + Sync>(v: &mut Vec<T>, n: usize, value: &T, threads: usize) {
    v.clear();
    v.reserve(n);
    let threads = threads.clamp(1, 64);
    if threads == 1 || n < 1024 {
        v.resize(n, value.clone());
        return;
    }
    let spare = &mut v.spare_capacity_mut()[..n];
    let chunk = n.div_ceil(threads);
    std::thread::scope(|s| {
        for part in spare.chunks_mut(chunk) {
            s.spawn(move || {
                for slot in part {
                    slot.write(value.clone());
                }
            });
        }
    });
    // SAFETY: the scope returned, so every thread finished (a panic in one would have
    // propagated before this line, leaving the length 0 and the written copies leaked, never
    // read); together the chunks cover `spare[..n]`, so the first `n` elements are written.
    unsafe { v.set_len(n) };
}

/// Starts loading the first `lines` cache lines of `*r` into the cache, without waiting.
#[inline(always)]
pub fn prefetch<T>(r: &T, lines: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = (r as *const T).cast::<i8>();
        for k in 0..lines.min(core::mem::size_of::<T>().div_ceil(64)) {
            // SAFETY: a prefetch never faults and reads nothing into the program; the
            // address is inside `*r` (k lines, capped at its size).
            unsafe {
                core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                    p.wrapping_add(64 * k),
                )
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (r, lines);
}
