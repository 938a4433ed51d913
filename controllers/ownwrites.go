package controllers

import (
	"sync"
	"time"
)

// ownWritePatience bounds how long a reconcile waits for the cache to show the
// operator's own last write of a request. The watch delivers it in milliseconds; past
// this, the reconcile goes ahead (and a stale write is refused by the API server, as
// before).
const ownWritePatience = 5 * time.Second

// cacheBehindRetry is how soon a reconcile that found the cache behind looks again.
// The operator's own status writes do not come back as work (builderPredicates), so
// it asks to be requeued rather than waiting for an event.
const cacheBehindRetry = 50 * time.Millisecond

// ownWrites remembers, for each request the operator wrote, the resourceVersions that
// its last write replaced: the version its reconcile started from and the one its
// write was locked on. A later reconcile whose cached copy still shows one of them
// starts from a request older than the operator's own write; everything it computed
// would be of the past, and its status write (locked on that version) would be
// refused with a conflict. It waits for the cache instead.
//
// resourceVersions are compared only for equality, never ordered (API conventions).
// An entry is dropped as soon as the cache shows any other version, or after
// ownWritePatience.
type ownWrites struct {
	mu sync.Mutex
	m  map[string]ownWrite
}

type ownWrite struct {
	replaced [2]string
	written  string
	at       time.Time
}

// wrote records that a write of the request moved it from the versions started
// from and locked on to written. A write that changed nothing (the version did not
// move) records nothing.
func (o *ownWrites) wrote(name, startedFrom, lockedOn, written string, now time.Time) {
	if written == "" || (written == startedFrom && written == lockedOn) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[string]ownWrite{}
	}
	if len(o.m) >= 64 {
		// Requests written once and never reconciled again (a Ready site) would
		// otherwise stay here.
		for n, w := range o.m {
			if now.Sub(w.at) > ownWritePatience {
				delete(o.m, n)
			}
		}
	}
	o.m[name] = ownWrite{replaced: [2]string{startedFrom, lockedOn}, written: written, at: now}
}

// behind tells whether the cached copy of the request, at version cached, is older
// than the operator's own last write of it.
func (o *ownWrites) behind(name, cached string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	w, ok := o.m[name]
	if !ok {
		return false
	}
	if cached == w.written || (cached != w.replaced[0] && cached != w.replaced[1]) || now.Sub(w.at) > ownWritePatience {
		delete(o.m, name)
		return false
	}
	return true
}

// forget drops what is known of a request (it is gone).
func (o *ownWrites) forget(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, name)
}
