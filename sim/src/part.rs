//! Disjoint mutable views of one array, for the engine's lanes: each lane's thread reaches
//! only the elements an owner table gives to it. The second `unsafe` module of the simulator
//! (with [`crate::mem`]).
//!
//! Why by hand: the lanes own subtrees of the topology, which are not contiguous in the node
//! array (nodes are numbered level by level), so `split_at_mut` and `chunks_mut` cannot hand
//! them out, and copying a million cores into per-lane arrays would break every node index
//! the rest of the simulator uses. No crate offers an index-set split of a slice.

#![allow(unsafe_code)]

use core::marker::PhantomData;

/// The elements of one slice owned by one lane: element `i` is reachable when `owner[i]` is
/// the lane (every element when the owner table is empty, the one-lane case).
pub struct Part<'a, T> {
    ptr: *mut T,
    len: usize,
    owner: &'a [u8],
    me: u8,
    _borrow: PhantomData<&'a mut [T]>,
}

// SAFETY: a `Part` only reaches the elements its lane owns, and the parts made from one slice
// by `split` have distinct lanes, so two threads never reach the same element; sending a part
// to another thread is sending `&mut` to those elements, which is sound when `T: Send`.
unsafe impl<T: Send> Send for Part<'_, T> {}

impl<'a, T> Part<'a, T> {
    /// The whole slice as lane 0's (nothing else may reach it meanwhile: it is borrowed).
    pub fn whole(data: &'a mut [T]) -> Self {
        Self {
            ptr: data.as_mut_ptr(),
            len: data.len(),
            owner: &[],
            me: 0,
            _borrow: PhantomData,
        }
    }

    /// Lane `me`'s part alone.
    pub fn lane(data: &'a mut [T], owner: &'a [u8], me: u8) -> Self {
        let len = if owner.is_empty() || owner.len() == data.len() {
            data.len()
        } else {
            0
        };
        Self {
            ptr: data.as_mut_ptr(),
            len,
            owner,
            me,
            _borrow: PhantomData,
        }
    }

    /// One part per lane `0..lanes`, lane `k` reaching the elements `i` with `owner[i] == k`.
    /// An owner table of another length than the slice gives parts that reach nothing.
    pub fn split(data: &'a mut [T], owner: &'a [u8], lanes: usize) -> Vec<Self> {
        // A table of the wrong length gives parts of length 0 (an empty table alone would
        // mean "all mine" to every part).
        let len = if owner.len() == data.len() {
            data.len()
        } else {
            0
        };
        let ptr = data.as_mut_ptr();
        (0..lanes.min(256))
            .map(|k| Self {
                ptr,
                len,
                owner,
                me: k as u8,
                _borrow: PhantomData,
            })
            .collect()
    }

    /// Whether element `i` is this part's.
    #[inline(always)]
    pub fn owns(&self, i: usize) -> bool {
        i < self.len && (self.owner.is_empty() || self.owner[i] == self.me)
    }

    /// Element `i`, if this part owns it.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<&T> {
        if self.owns(i) {
            // SAFETY: `i < len` keeps the pointer inside the borrowed slice; the element is
            // owned by this part alone (see `split`), and `&self` rules out a `&mut` to it
            // from this part for as long as the returned reference lives.
            Some(unsafe { &*self.ptr.add(i) })
        } else {
            None
        }
    }

    /// Element `i` mutably, if this part owns it.
    #[inline(always)]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if self.owns(i) {
            // SAFETY: as in `get`; `&mut self` rules out any other reference from this part,
            // and no other part owns element `i`.
            Some(unsafe { &mut *self.ptr.add(i) })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_reach_only_their_elements() {
        let mut v: Vec<u32> = (0..10).collect();
        let owner = [0u8, 1, 1, 0, 2, 2, 2, 0, 1, 0];
        let mut parts = Part::split(&mut v, &owner, 3);
        for (k, p) in parts.iter_mut().enumerate() {
            for i in 0..12 {
                let mine = owner.get(i) == Some(&(k as u8));
                assert_eq!(p.owns(i), mine);
                assert_eq!(p.get(i).is_some(), mine);
                if let Some(x) = p.get_mut(i) {
                    *x += 100 * (k as u32 + 1);
                }
            }
        }
        drop(parts);
        let want: Vec<u32> = (0..10)
            .map(|i| i as u32 + 100 * (u32::from(owner[i]) + 1))
            .collect();
        assert_eq!(v, want);
    }

    #[test]
    fn threads_write_their_own_elements() {
        let n = 10_000;
        let mut v = vec![0u64; n];
        let owner: Vec<u8> = (0..n).map(|i| (i * 7 % 4) as u8).collect();
        let parts = Part::split(&mut v, &owner, 4);
        std::thread::scope(|s| {
            for (k, mut p) in parts.into_iter().enumerate() {
                s.spawn(move || {
                    for i in 0..n {
                        if let Some(x) = p.get_mut(i) {
                            *x = k as u64 + 1;
                        }
                    }
                });
            }
        });
        assert!(v.iter().zip(&owner).all(|(x, o)| *x == u64::from(*o) + 1));
    }

    #[test]
    fn a_table_of_the_wrong_length_reaches_nothing() {
        let mut v = vec![1u8; 4];
        let parts = Part::split(&mut v, &[0, 0], 2);
        assert!(parts.iter().all(|p| (0..4).all(|i| !p.owns(i))));
        let mut w = vec![1u8; 3];
        let p = Part::whole(&mut w);
        assert!((0..3).all(|i| p.owns(i)) && !p.owns(3));
    }
}
