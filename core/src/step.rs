//! One step of the machine as data: the scheduling decision ([`Choice`]), why a thread cannot
//! take one ([`Blocked`]), what a broken scenario did ([`Bug`]), and what an executed
//! instruction did ([`Effect`], [`Executed`]). The interpreter produces these; the wording of
//! them lives in `describe`.

/// One scheduling decision: what happens next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Choice {
    /// Thread `t` executes its next instruction (and the silent ones after it).
    Run(u8),
    /// The CPU of thread `t` makes the oldest store in its store buffer visible to the other
    /// CPUs (x86-TSO only).
    Drain(u8),
    /// The CPU of thread `t` performs the access of the instruction at `pc`, further ahead in
    /// the thread's code, early: out of program order (arm64 only; see `relaxed/arm64.rs`).
    Early(u8, u16),
}

impl Choice {
    pub fn thread(self) -> usize {
        match self {
            Choice::Run(t) | Choice::Drain(t) | Choice::Early(t, _) => t as usize,
        }
    }
}

/// `Executed::pc` of a step that runs no instruction (a store-buffer drain).
pub const NO_PC: u16 = u16::MAX;

/// Why a thread cannot take a step now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    Finished,
    /// A dead end (`handle_userfault`), with the index of its reason.
    Sleeping(u8),
    /// Killed by a signal (`force_sig_segv`), with the index of its reason.
    Killed(u8),
    /// Queued on an rwsem, which is still unavailable.
    WaitingLock {
        lock: u8,
        write: bool,
    },
    /// Spinning on a spinlock or a two-group semaphore held in the other group.
    Spinning {
        lock: u8,
    },
    /// `lock_page` on a page someone else has locked.
    PageLocked {
        page: u8,
    },
    /// A flush waits for a CPU that has IRQs disabled to acknowledge the IPI.
    FlushHeldOff {
        cpu: u8,
    },
    /// A device waits for the GUP reference its DMA goes through.
    NoPin {
        holder: u8,
    },
    /// `wait_event(x)` while x is 0.
    WaitEvent {
        var: u8,
    },
    /// `await(COND)` while COND is false.
    Awaiting,
    /// A drain was asked of a CPU whose store buffer has nothing that may drain now.
    NothingToDrain,
    /// The instruction at `pc` may not be performed early now (it is not ahead of the thread,
    /// or something before it orders it, or it is not a load or a plain store).
    CannotReorder {
        pc: u16,
    },
}

/// A thing that cannot happen in a kernel that works: the scenario is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    NoFreePage,
    RefcountUnderflow { page: u8 },
    MapcountUnderflow { page: u8 },
    UseOfFreePage { page: u8 },
    NotAPage { value: i16 },
    UnlockNotHeld { lock: u8 },
    UnlockPageNotHeld { page: u8 },
    TooManyPins,
    NoPinToRelease,
    PteNotPresent { pte: u8 },
    StoreBufferFull,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepError {
    Blocked(Blocked),
    Bug(Bug),
}

/// What the executed instruction did, beyond its state changes, for the step's description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    Branch(bool),
    /// Went to sleep on an rwsem (queued as a waiter).
    Enqueued,
    /// The user access hit a TLB entry.
    TlbHit {
        page: u8,
    },
    /// The user access missed (or needed D set) and walked the page table.
    Walked {
        page: u8,
    },
    /// The user access faulted: the PTE does not allow it.
    Fault,
    Value(i32),
    /// A buffered store became visible.
    Drained {
        var: u8,
        value: i16,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Executed {
    /// The instruction that ran (the scheduling point).
    pub pc: u16,
    pub effect: Effect,
    /// The instruction's access had been performed early (arm64): it used the values read
    /// then, or its store was already done.
    pub early: bool,
}
