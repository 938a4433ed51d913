package controllers

import (
	"fmt"
	"testing"
	"time"
)

func TestOwnWrites(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	type look struct {
		cached string
		after  time.Duration
		behind bool
	}
	tests := map[string]struct {
		startedFrom, lockedOn, written string
		looks                          []look
	}{
		"the cache still at the version written over, then at the write": {"10", "10", "11",
			[]look{{"10", 0, true}, {"10", time.Second, true}, {"11", time.Second, false}, {"10", time.Second, false}}},
		"a newer version than the write (an approval): go ahead, and forget": {"10", "10", "11",
			[]look{{"12", 0, false}, {"10", 0, false}}},
		"an earlier write in the same reconcile (the notification's claim)": {"10", "11", "12",
			[]look{{"10", 0, true}, {"11", 0, true}, {"12", 0, false}}},
		"a write that changed nothing records nothing": {"10", "10", "10",
			[]look{{"10", 0, false}}},
		"nothing changed by the status write, after the finalizer's": {"10", "11", "11",
			[]look{{"10", 0, true}, {"11", 0, false}}},
		"past the patience the reconcile goes ahead": {"10", "10", "11",
			[]look{{"10", ownWritePatience + time.Millisecond, false}, {"10", 0, false}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var o ownWrites
			o.wrote("web", tc.startedFrom, tc.lockedOn, tc.written, t0)
			for i, l := range tc.looks {
				if got := o.behind("web", l.cached, t0.Add(l.after)); got != l.behind {
					t.Errorf("look %d (cached %s after %s): behind %v, want %v", i, l.cached, l.after, got, l.behind)
				}
				if o.behind("other", l.cached, t0) {
					t.Errorf("look %d: another request is behind", i)
				}
			}
		})
	}

	t.Run("a request gone is forgotten", func(t *testing.T) {
		var o ownWrites
		o.wrote("web", "1", "1", "2", t0)
		o.forget("web")
		if o.behind("web", "1", t0) {
			t.Error("behind after forget")
		}
	})

	t.Run("requests written once and never looked at again do not stay", func(t *testing.T) {
		var o ownWrites
		for i := range 100 {
			o.wrote(fmt.Sprint("ready-", i), "1", "1", "2", t0)
		}
		o.wrote("late", "1", "1", "2", t0.Add(ownWritePatience+time.Second))
		if len(o.m) != 1 {
			t.Errorf("%d requests remembered, want only the late one", len(o.m))
		}
		if !o.behind("late", "1", t0.Add(ownWritePatience+time.Second)) {
			t.Error("the late write was not remembered")
		}
	})
}
