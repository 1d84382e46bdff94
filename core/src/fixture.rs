//! The tiny scenario the unit tests of the machine, the compiler and replay share: `a` stores
//! to `x` and reads it back, `b` stores to `y`, a feature adds one more store.

use crate::ir::Program;
use crate::layout::MemoryModel;

/// A tiny scenario: `a` stores to `x` then reads it back; `b` stores to `y`.
pub const TINY: &str = "racelab 1
feature extra \"one more store\"
policy plain {
  title \"as written\"
  fate baseline
}
policy more {
  title \"with the extra store\"
  fate proposed
  features extra
}
scenario t {
  title \"t\"
  policies plain more
  baseline plain
  models sc x86_tso arm64
  check no_lost_write
}
state {
  var x=0
  var y=0
}
thread a on CPU0 \"stores x, reads it\" {
  WRITE_ONCE(x, 1)
  if feature(extra) {
    WRITE_ONCE(x, 2)
  }
  r0 = READ_ONCE(x)
}
thread b on CPU1 \"stores y\" {
  WRITE_ONCE(y, 1)
}
";

/// [`TINY`] compiled under `policy` and `model`.
pub fn tiny(policy: &str, model: MemoryModel) -> Program {
    let sc = crate::scenario::load("t.race", &|n| (n == "t.race").then(|| TINY.to_string())).unwrap();
    Program::compile(&sc, sc.policy(policy).unwrap(), model).unwrap()
}
