package portal

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// The order of an official's queue: the overdue first (a step the operator marked
// breached counts, even before the portal's clock says so), then the nearest deadline,
// a step without one (its clock stopped) after those with one, then the oldest, then
// the name.
func TestSortQueue(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	row := func(name string, overdue bool, deadline, created time.Time) rowView {
		return rowView{Name: name, IsOverdue: overdue, deadline: deadline, created: created}
	}
	var none time.Time
	for _, tc := range []struct {
		name string
		rows []rowView
		want []string
	}{
		{"overdue before a nearer deadline", []rowView{
			row("a-soon", false, t0.Add(time.Minute), t0),
			row("b-breached", true, t0.Add(time.Hour), t0),
		}, []string{"b-breached", "a-soon"}},
		{"nearest deadline first", []rowView{
			row("a", false, t0.Add(9*time.Minute), t0),
			row("b", false, t0.Add(3*time.Minute), t0),
			row("c", false, t0.Add(6*time.Minute), t0),
		}, []string{"b", "c", "a"}},
		{"the longest overdue first", []rowView{
			row("a", true, t0.Add(-time.Minute), t0),
			row("b", true, t0.Add(-time.Hour), t0),
		}, []string{"b", "a"}},
		{"no deadline after a deadline", []rowView{
			row("a-stopped", false, none, t0.Add(-time.Hour)),
			row("b", false, t0.Add(time.Hour), t0),
		}, []string{"b", "a-stopped"}},
		{"same deadline: the oldest, then the name", []rowView{
			row("c", false, t0, t0.Add(2*time.Second)),
			row("b", false, t0, t0.Add(time.Second)),
			row("a", false, t0, t0.Add(2*time.Second)),
		}, []string{"b", "a", "c"}},
		{"no deadlines: the oldest", []rowView{
			row("a", false, none, t0.Add(time.Minute)),
			row("b", false, none, t0),
		}, []string{"b", "a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sortQueue(tc.rows)
			var got []string
			for _, r := range tc.rows {
				got = append(got, r.Name)
			}
			NewWithT(t).Expect(got).To(Equal(tc.want))
		})
	}
}
