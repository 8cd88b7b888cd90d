package qemu

// undo collects the inverse of each host change made while starting a VM,
// so a Start that fails halfway leaves nothing behind:
//
//	u := newUndo()
//	defer u.fail()
//	… make a change; u.add(its inverse) …
//	u.success()
//
// Inverses run in reverse order and must be idempotent: they may find their
// change already gone.
type undo struct {
	fns []func()
}

func newUndo() *undo { return &undo{} }

func (u *undo) add(fn func()) { u.fns = append(u.fns, fn) }

// success keeps every change.
func (u *undo) success() { u.fns = nil }

// fail reverts every change not kept by success.
func (u *undo) fail() {
	for i := len(u.fns) - 1; i >= 0; i-- {
		u.fns[i]()
	}
	u.fns = nil
}
