//! Every primitive of the scenario language, in one table: its name, whether it is a step of
//! its own, a value for conditions, or a step whose result must be assigned; how it is called;
//! and what it does. The compiler accepts exactly these names (it looks each call up here
//! first), its hints and its "unknown operation" message come from here, and the README's lists
//! are checked against it.

/// How a primitive is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Use {
    /// A statement, a step of its own: `ptl_lock(V)`.
    Statement,
    /// A value, read in a condition or assigned: `page_count(p)`.
    Value,
    /// A step that yields a value, only as `r = f(…)`: `ok = trylock_page(p)`.
    Assigned,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Primitive {
    pub name: &'static str,
    pub kind: Use,
    /// The call as written, with its arguments: `flush_tlb_range(ADDR…)`.
    pub call: &'static str,
    pub doc: &'static str,
}

const fn s(name: &'static str, call: &'static str, doc: &'static str) -> Primitive {
    Primitive { name, kind: Use::Statement, call, doc }
}
const fn v(name: &'static str, call: &'static str, doc: &'static str) -> Primitive {
    Primitive { name, kind: Use::Value, call, doc }
}
const fn a(name: &'static str, call: &'static str, doc: &'static str) -> Primitive {
    Primitive { name, kind: Use::Assigned, call, doc }
}

/// In the order the README lists them.
pub const PRIMITIVES: &[Primitive] = &[
    // Locks.
    s("mmap_read_lock", "mmap_read_lock([MM|ADDR])", "takes mmap_lock for read (the thread's mm, or the one named)"),
    s("mmap_read_unlock", "mmap_read_unlock([MM|ADDR])", "releases mmap_lock held for read"),
    s("mmap_write_lock", "mmap_write_lock([MM|ADDR])", "takes mmap_lock for write"),
    s("mmap_write_unlock", "mmap_write_unlock([MM|ADDR])", "releases mmap_lock held for write"),
    s("mmap_write_downgrade", "mmap_write_downgrade([MM|ADDR])", "turns a write hold of mmap_lock into a read hold"),
    s("ptl_lock", "ptl_lock([MM|ADDR])", "takes the page-table lock"),
    s("ptl_unlock", "ptl_unlock([MM|ADDR])", "releases the page-table lock"),
    s("down_read", "down_read(LOCK)", "takes a scenario rwsem for read"),
    s("up_read", "up_read(LOCK)", "releases a scenario rwsem held for read"),
    s("down_write", "down_write(LOCK)", "takes a scenario rwsem for write"),
    s("up_write", "up_write(LOCK)", "releases a scenario rwsem held for write"),
    s("downgrade_write", "downgrade_write(LOCK)", "turns a write hold of an rwsem into a read hold"),
    s("spin_lock", "spin_lock(LOCK)", "takes a scenario spinlock"),
    s("spin_unlock", "spin_unlock(LOCK)", "releases a scenario spinlock"),
    s("group_lock", "group_lock(LOCK, 0|1)", "takes a two-group semaphore in group 0 or 1"),
    s("group_unlock", "group_unlock(LOCK, 0|1)", "releases a two-group semaphore"),
    s("lock_page", "lock_page(p)", "takes PG_locked of a page, waiting while another thread holds it"),
    s("unlock_page", "unlock_page(p)", "releases PG_locked"),
    a("trylock_page", "ok = trylock_page(p)", "takes PG_locked if it is free: 1 on success, 0 otherwise"),
    // Page tables and TLBs.
    s("ptep_modify_prot", "ptep_modify_prot(ADDR, -W, +UW, …)", "sets and clears bits of a PTE"),
    s("pte_mkbits", "pte_mkbits(ADDR, +D, …)", "sets and clears bits of a PTE (a synonym kept for older procs)"),
    s("ptep_set_wrprotect", "ptep_set_wrprotect(ADDR)", "clears W of a PTE"),
    s("set_pte_at", "set_pte_at(ADDR, PTE)", "installs a PTE value"),
    s("ptep_clear_flush", "ptep_clear_flush(ADDR)", "clears a PTE and flushes it from every CPU of the mm"),
    s("pte_clear", "pte_clear(ADDR)", "clears a PTE without a flush"),
    s("flush_tlb_page", "flush_tlb_page(ADDR)", "flushes one address from every CPU of the mm"),
    s("flush_tlb_range", "flush_tlb_range(ADDR…)", "flushes addresses from every CPU of the mm"),
    s("flush_tlb_mm", "flush_tlb_mm([MM])", "flushes every address of an mm"),
    s("tlb_evict", "tlb_evict(ADDR)", "drops this CPU's TLB entry for an address (a capacity eviction)"),
    s("track_soft_dirty", "track_soft_dirty(ADDR)", "ghost: writes to the address from now on must leave the PTE soft-dirty"),
    s("vma_clear_softdirty", "vma_clear_softdirty(ADDR)", "clears VM_SOFTDIRTY of the address's VMA"),
    s("vma_set_softdirty", "vma_set_softdirty(ADDR)", "sets VM_SOFTDIRTY of the address's VMA"),
    s("vma_clear_write", "vma_clear_write(ADDR)", "clears VM_WRITE of the address's VMA (mprotect without PROT_WRITE)"),
    s("vma_set_write", "vma_set_write(ADDR)", "sets VM_WRITE of the address's VMA (mprotect with PROT_WRITE)"),
    s(
        "force_sig_segv",
        "force_sig_segv()",
        "ends the thread with SIGSEGV: a fault on an access its VMA forbids (bad_area), a dead end and not an error",
    ),
    // Counters and shared variables.
    s("atomic_inc", "atomic_inc(VAR)", "adds 1 to a shared variable (an RMW)"),
    s("atomic_dec", "atomic_dec(VAR)", "subtracts 1 from a shared variable (an RMW)"),
    s("atomic_add", "atomic_add(VAR, n)", "adds n to a shared variable (an RMW)"),
    s("atomic_sub", "atomic_sub(VAR, n)", "subtracts n from a shared variable (an RMW)"),
    a("xchg", "r = xchg(VAR, v)", "stores v and returns the old value: a fully ordered RMW"),
    a(
        "cmpxchg",
        "r = cmpxchg(VAR, old, new)",
        "stores new if the variable holds old, and returns the old value: fully ordered when it succeeds, unordered when it fails",
    ),
    a("atomic_inc_return", "r = atomic_inc_return(VAR)", "adds 1 and returns the new value: a fully ordered RMW"),
    a("atomic_dec_return", "r = atomic_dec_return(VAR)", "subtracts 1 and returns the new value: a fully ordered RMW"),
    s("atomic_set", "atomic_set(VAR, v)", "stores to a shared variable"),
    s("WRITE_ONCE", "WRITE_ONCE(VAR, v)", "stores to a shared variable"),
    s("smp_store_release", "smp_store_release(VAR, v)", "stores to a shared variable with release order"),
    s("raw_write_seqcount_begin", "raw_write_seqcount_begin(VAR)", "starts a seqcount write section (the count becomes odd)"),
    s("raw_write_seqcount_end", "raw_write_seqcount_end(VAR)", "ends a seqcount write section"),
    s("write_seqcount_begin", "write_seqcount_begin(VAR)", "starts a seqcount write section"),
    s("write_seqcount_end", "write_seqcount_end(VAR)", "ends a seqcount write section"),
    s("wait_event", "wait_event(VAR)", "waits until a shared variable is nonzero"),
    s("await", "await(COND)", "waits until a condition on shared state holds: what user space orders by itself"),
    // Pages, references and mappings.
    s("get_page", "get_page(p)", "takes a reference on a page"),
    s("put_page", "put_page(p)", "drops a reference; the page is freed at 0"),
    s("page_ref_add", "page_ref_add(p, n)", "adds n references"),
    s("page_ref_sub", "page_ref_sub(p, n)", "drops n references"),
    a("page_ref_add_unless", "ok = page_ref_add_unless(p, n)", "adds n references unless the page is free: 1 on success"),
    a("try_grab_page", "ok = try_grab_page(p, n)", "GUP's grab of n references, failing on a free page: 1 on success"),
    s("page_dup_rmap", "page_dup_rmap(p)", "adds a mapping of the page (mapcount + 1)"),
    s("page_remove_rmap", "page_remove_rmap(p)", "removes a mapping of the page"),
    s("page_add_new_anon_rmap", "page_add_new_anon_rmap(p)", "maps a new anonymous page: mapcount 1, anon and exclusive"),
    s("SetPageAnonExclusive", "SetPageAnonExclusive(p)", "sets PG_anon_exclusive"),
    s("ClearPageAnonExclusive", "ClearPageAnonExclusive(p)", "clears PG_anon_exclusive"),
    a("alloc_page", "new = alloc_page()", "takes a free page (refcount 1)"),
    s("cow_user_page", "cow_user_page(dst, src)", "copies a page's data, one step per data slot"),
    s("copy_user_highpage", "copy_user_highpage(dst, src)", "copies a page's data, one step per data slot"),
    s("copy_page_chunk", "copy_page_chunk(src, dst, slot)", "copies one data slot of a page"),
    // CPUs, GUP and devices.
    s("local_irq_disable", "local_irq_disable()", "disables IRQs on the CPU: TLB flushes wait for it"),
    s("local_irq_enable", "local_irq_enable()", "enables IRQs on the CPU"),
    s("local_irq_save", "local_irq_save()", "disables IRQs on the CPU"),
    s("local_irq_restore", "local_irq_restore()", "enables IRQs on the CPU"),
    s("gup_return", "gup_return(page, ADDR, FOLL_PIN|FOLL_GET[, FOLL_WRITE][, FOLL_LONGTERM])", "hands a GUP reference to the thread"),
    s("gup_release", "gup_release()", "drops the thread's GUP reference"),
    s("unpin_user_page", "unpin_user_page()", "drops the thread's GUP reference"),
    s("dma_write", "dma_write(HOLDER, slot, v)", "a device writes through a GUP reference"),
    a("dma_read", "r = dma_read(HOLDER, slot)", "a device reads through a GUP reference"),
    a(
        "gup_read",
        "r = gup_read(slot)",
        "the thread reads through its own GUP reference, not through its page tables (a pipe read of vmspliced pages)",
    ),
    // Barriers.
    s("smp_mb", "smp_mb()", "full barrier"),
    s("smp_rmb", "smp_rmb()", "orders loads"),
    s("smp_wmb", "smp_wmb()", "orders stores"),
    s("smp_mb__before_atomic", "smp_mb__before_atomic()", "full barrier before an RMW"),
    s("smp_mb__after_atomic", "smp_mb__after_atomic()", "full barrier after an RMW"),
    s(
        "smp_mb__after_spinlock",
        "smp_mb__after_spinlock()",
        "makes the lock acquire before it a full barrier: smp_mb() on arm64, nothing on x86 (a LOCK-prefixed RMW is one already)",
    ),
    // Values.
    v("pte", "pte(ADDR)", "the PTE; its fields are .W .D .A .SD .UW .present .page"),
    v("pte_same", "pte_same(r, ADDR)", "1 when a PTE value read earlier equals the PTE now"),
    v("page_count", "page_count(p)", "the page's refcount"),
    v("page_mapcount", "page_mapcount(p)", "how many PTEs map the page"),
    v("page_maybe_dma_pinned", "page_maybe_dma_pinned(p)", "1 when the refcount says the page may be pinned"),
    v("PageAnonExclusive", "PageAnonExclusive(p)", "PG_anon_exclusive"),
    v("PageKsm", "PageKsm(p)", "whether the page is a KSM page"),
    v("PageLocked", "PageLocked(p)", "PG_locked"),
    v("PageAnon", "PageAnon(p)", "whether the page is anonymous"),
    v("userfaultfd_wp", "userfaultfd_wp(ADDR)", "whether the address's VMA is registered for uffd-wp"),
    v("vma_softdirty", "vma_softdirty(ADDR)", "VM_SOFTDIRTY of the address's VMA"),
    v("is_cow_mapping", "is_cow_mapping(ADDR)", "whether the address's VMA is a private writable mapping"),
    v("vma_writable", "vma_writable(ADDR)", "VM_WRITE of the address's VMA"),
    v("spin_is_locked", "spin_is_locked(LOCK)", "1 while the spinlock is held: a plain read of the lock word"),
    v("mm_tlb_flush_pending", "mm_tlb_flush_pending([MM])", "the mm's tlb_flush_pending is nonzero"),
    v("atomic_read", "atomic_read(VAR)", "reads a shared variable"),
    v("READ_ONCE", "READ_ONCE(VAR)", "reads a shared variable"),
    v("smp_load_acquire", "smp_load_acquire(VAR)", "reads a shared variable with acquire order"),
    v("raw_read_seqcount", "raw_read_seqcount(VAR)", "reads a seqcount"),
    v("read_seqcount_retry", "read_seqcount_retry(VAR, r)", "1 when the seqcount moved since it read r"),
    v("mk_pte", "mk_pte(p, BITS…)", "a PTE value mapping p"),
    v("pte_wrprotect", "pte_wrprotect(r)", "a PTE value with W cleared"),
    v("pte_mkwrite", "pte_mkwrite(r)", "a PTE value with W set"),
    v("pte_mkdirty", "pte_mkdirty(r)", "a PTE value with D (and SD) set"),
    v("pte_clear_uffd_wp", "pte_clear_uffd_wp(r)", "a PTE value with the uffd-wp marker cleared"),
    v("feature", "feature(NAME)", "1 when the policy compiled has the feature: folded away at compile time"),
];

/// The primitive called `name`, if there is one.
pub fn lookup(name: &str) -> Option<&'static Primitive> {
    PRIMITIVES.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_is_in_the_table_once_and_its_call_starts_with_it() {
        for (i, p) in PRIMITIVES.iter().enumerate() {
            assert!(PRIMITIVES[..i].iter().all(|q| q.name != p.name), "`{}` twice", p.name);
            let call = p.call.split(" = ").last().unwrap();
            assert!(call.starts_with(&format!("{}(", p.name)), "{}: {}", p.name, p.call);
            assert_eq!(p.call.contains(" = "), p.kind == Use::Assigned, "{}", p.name);
            assert!(!p.doc.is_empty());
        }
    }
}
