//! Per-thread copies of the cached credentials, so that concurrent cached reads write no memory
//! that another core reads or writes.
//!
//! A read takes a read lock and clones an `Arc`: two atomic writes, plus the caller's drop of the
//! `Arc`. With one lock and one `Arc` for all threads, those writes bounce one cache line
//! between cores and a read costs several times what it costs alone. Here each thread reads its
//! own shard, and each shard holds its own lock, on its own cache lines, and its own copy of the
//! credentials, with its own refcount. A thread's shard comes from a small per-thread index: the
//! lowest one no live thread holds, given back when the thread exits, so that live threads get
//! distinct shards as long as there are no more of them than shards (twice the cores). Beyond
//! that, threads share shards, which costs speed, never correctness.
//!
//! The copies belong to the cache: a refill replaces every shard's copy, and the old copies and
//! their secrets are dropped (zeroized) once the last caller holding one lets go. Threads keep
//! nothing but their index.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::SystemTime;

use crate::Credentials;

/// A cap on memory: each shard holds a copy of the credentials.
const MAX_SHARDS: usize = 64;

/// The cached credentials as a shard holds them.
#[derive(Clone)]
pub(super) struct Entry {
    /// This shard's copy.
    pub(super) creds: Arc<Credentials>,
    /// Their expiry, kept beside the lock so the freshness check reads no other cache line (the
    /// end of one copy's allocation may share a line with the next copy's refcount).
    pub(super) expiration: Option<SystemTime>,
}

impl Entry {
    fn new(creds: Arc<Credentials>) -> Self {
        Entry {
            expiration: creds.expiration(),
            creds,
        }
    }
}

/// One shard, aligned so that no two shards share a cache line (128 bytes: a line pair, which
/// some x86 cores prefetch together).
#[repr(align(128))]
struct Shard(RwLock<Option<Entry>>);

/// The cached credentials, once per shard.
pub(super) struct Shards(Box<[Shard]>);

impl Shards {
    /// Shards holding `initial`, two per core (rounded up to a power of two).
    pub(super) fn new(initial: Option<Arc<Credentials>>) -> Self {
        let shards = Shards(
            (0..shard_count())
                .map(|_| Shard(RwLock::new(None)))
                .collect(),
        );
        if let Some(creds) = initial {
            shards.store(creds);
        }
        shards
    }

    /// The calling thread's shard's entry. Readers only read this shard's lock and entry.
    pub(super) fn load(&self) -> Option<Entry> {
        self.mine()
            .0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts `creds` in every shard: `creds` itself in the first, a copy in each other. Returns
    /// once every shard holds them, so a reader that learns of the refill by other means (the
    /// single-flight slot) then finds them in its own shard.
    pub(super) fn store(&self, creds: Arc<Credentials>) {
        let mut entries: Vec<Entry> = Vec::with_capacity(self.0.len());
        // Copies made before any lock is taken: a write lock is held only for a pointer swap.
        for _ in 1..self.0.len() {
            entries.push(Entry::new(Arc::new((*creds).clone())));
        }
        entries.push(Entry::new(creds));
        for (shard, entry) in self.0.iter().zip(entries.into_iter().rev()) {
            let old = shard
                .0
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .replace(entry);
            // Dropped (and, if last, zeroized) after the lock is released.
            drop(old);
        }
    }

    fn mine(&self) -> &Shard {
        // `shard_count` is a power of two, so the mask is the remainder.
        &self.0[thread_index() & (self.0.len() - 1)]
    }

    /// How many shards there are.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// How many shards a cache has, for tests that need a thread per shard.
#[cfg(test)]
pub(super) fn shard_count_for_tests() -> usize {
    shard_count()
}

/// Two shards per core, rounded up to a power of two; computed once (it reads cgroup files).
/// Twice, because readers are not only a runtime's workers (one per core): a thread blocked in
/// `block_on` or a blocking-pool thread may hold an index too.
fn shard_count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, usize::from)
            .saturating_mul(2)
            .next_power_of_two()
            .min(MAX_SHARDS)
    })
}

/// The per-thread indices in use: the next never used one, and those given back by threads that
/// exited.
struct Indices {
    next: usize,
    free: BinaryHeap<Reverse<usize>>,
}

impl Indices {
    const fn new() -> Self {
        Indices {
            next: 0,
            free: BinaryHeap::new(),
        }
    }

    /// The lowest index not in use.
    fn take(&mut self) -> usize {
        if let Some(Reverse(index)) = self.free.pop() {
            return index;
        }
        let index = self.next;
        self.next += 1;
        index
    }

    fn give_back(&mut self, index: usize) {
        self.free.push(Reverse(index));
    }
}

static INDICES: Mutex<Indices> = Mutex::new(Indices::new());

/// A thread's index, held from its first read of any cache until it exits.
struct ThreadIndex {
    index: usize,
    pool: &'static Mutex<Indices>,
}

impl ThreadIndex {
    fn take(pool: &'static Mutex<Indices>) -> Self {
        ThreadIndex {
            index: pool.lock().unwrap_or_else(|e| e.into_inner()).take(),
            pool,
        }
    }
}

impl Drop for ThreadIndex {
    fn drop(&mut self) {
        self.pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .give_back(self.index);
    }
}

fn thread_index() -> usize {
    thread_local! {
        static INDEX: ThreadIndex = ThreadIndex::take(&INDICES);
    }
    INDEX
        .try_with(|index| index.index)
        // A read from a thread-local destructor, after INDEX is gone: any shard will do.
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(key: &str) -> Arc<Credentials> {
        Arc::new(Credentials::new(key, "SECRET", None, None, "test"))
    }

    #[test]
    fn shard_count_is_a_power_of_two_within_bounds() {
        let n = shard_count();
        assert!(n.is_power_of_two() && n <= MAX_SHARDS, "{n}");
    }

    #[test]
    fn live_threads_keep_distinct_indices() {
        let mine = thread_index();
        assert_eq!(thread_index(), mine);
        // Four threads alive at once (each waits for the others before exiting).
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let others: Vec<usize> = (0..4)
            .map(|_| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let index = thread_index();
                    barrier.wait();
                    index
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        let mut all = others.clone();
        all.push(mine);
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 5, "{others:?} and {mine}");
    }

    #[test]
    fn indices_are_the_lowest_free_and_are_reused() {
        let mut indices = Indices::new();
        assert_eq!([indices.take(), indices.take(), indices.take()], [0, 1, 2]);
        indices.give_back(2);
        indices.give_back(0);
        assert_eq!([indices.take(), indices.take(), indices.take()], [0, 2, 3]);
    }

    #[test]
    fn an_exiting_thread_gives_its_index_back() {
        // A pool of its own: the global one is shared with every other test's threads.
        let pool: &'static Mutex<Indices> = Box::leak(Box::new(Mutex::new(Indices::new())));
        let first = std::thread::spawn(move || {
            thread_local! {
                static HELD: std::cell::RefCell<Option<ThreadIndex>> =
                    const { std::cell::RefCell::new(None) };
            }
            let index = ThreadIndex::take(pool);
            let number = index.index;
            HELD.with(|held| *held.borrow_mut() = Some(index));
            number
        })
        .join()
        .unwrap();
        assert_eq!(first, 0);
        // Had the exiting thread kept 0, the next one would get 1.
        assert_eq!(ThreadIndex::take(pool).index, 0);
    }

    #[test]
    fn every_shard_gets_every_store_each_with_its_own_copy() {
        let shards = Shards::new(None);
        assert!(shards.load().is_none());
        for key in ["AK1", "AK2"] {
            shards.store(creds(key));
            let entries: Vec<Entry> = shards
                .0
                .iter()
                .map(|s| s.0.read().unwrap().clone().expect("stored"))
                .collect();
            assert_eq!(entries.len(), shards.len());
            assert!(entries.iter().all(|e| e.creds.access_key_id() == key));
            for (i, a) in entries.iter().enumerate() {
                for b in &entries[i + 1..] {
                    assert!(!Arc::ptr_eq(&a.creds, &b.creds), "shards share a copy");
                }
            }
            assert_eq!(shards.load().unwrap().creds.access_key_id(), key);
        }
    }

    #[test]
    fn a_store_replaces_and_releases_the_old_copies() {
        let shards = Shards::new(Some(creds("AK1")));
        let old = shards.load().unwrap().creds;
        let weak = Arc::downgrade(&old);
        drop(old);
        shards.store(creds("AK2"));
        assert!(
            weak.upgrade().is_none(),
            "the cache still holds an old copy"
        );
    }

    #[test]
    fn the_entry_carries_the_expiry() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let shards = Shards::new(Some(Arc::new(Credentials::new(
            "AK",
            "S",
            None,
            Some(at),
            "test",
        ))));
        assert_eq!(shards.load().unwrap().expiration, Some(at));
    }

    #[test]
    fn shards_do_not_share_cache_lines() {
        assert!(std::mem::align_of::<Shard>() >= 128);
        let shards = Shards::new(None);
        let addrs: Vec<usize> = shards
            .0
            .iter()
            .map(|s| std::ptr::from_ref(s).addr())
            .collect();
        assert!(addrs.windows(2).all(|w| w[1] - w[0] >= 128));
    }
}
