#ifndef ARGUS_TESTEE_H
#define ARGUS_TESTEE_H

/// Starts a child with clone(CLONE_VFORK) but without CLONE_VM: the parent is suspended in
/// uninterruptible sleep (D state) until the child exits. The child, which has its own copy of
/// memory, sleeps `seconds` and exits 0. Returns the child's wait status, or -1.
int argus_testee_vfork_hold(double seconds);

#endif
