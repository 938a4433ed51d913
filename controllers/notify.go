package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/notify"
)

// notifyApplicant tells the applicant about the request's outcome once per event and
// channel: Ready, returned (per name), rejected. The record in the status is what
// keeps a second reconcile or a restarted operator from sending again; a failure is
// retried with back-off and never holds up Ready. It returns when to try again.
func (r *SubdomainRequestReconciler) notifyApplicant(ctx context.Context, sdr *hostingv1.SubdomainRequest, st *state) time.Duration {
	if len(r.Notifiers) == 0 {
		return 0
	}
	msg, key, ok := r.pendingMessage(sdr, st)
	if !ok {
		return 0
	}
	if msg.Event == notify.EventReturned {
		if last, limited := returnedRecently(sdr.Status.Notifications, key, st.now); limited {
			// A request could otherwise be renamed into one taken name after another
			// and make the operator mail any address again and again.
			next := last.Add(ReturnedNoticeInterval)
			setCondition(sdr, hostingv1.ConditionApplicantNotified, false, hostingv1.ReasonNotificationLimited,
				fmt.Sprintf("a returned notice was already sent at %s; at most one is sent per day, the next not before %s",
					last.UTC().Format(time.RFC3339), next.UTC().Format(time.RFC3339)))
			return next.Sub(st.now)
		}
	}
	var retry time.Duration
	var failures []string
	var lastSent time.Time
	sentAll := true
	for _, sender := range r.Notifiers {
		recKey := key + "/" + sender.Channel()
		rec := findNotification(sdr.Status.Notifications, recKey)
		if rec.SentAt != nil {
			if rec.SentAt.After(lastSent) {
				lastSent = rec.SentAt.Time
			}
			continue
		}
		if rec.LastAttemptAt != nil {
			if wait := rec.LastAttemptAt.Add(notifyBackoff(rec.Attempts)).Sub(st.now); wait > 0 {
				sentAll = false
				failures = append(failures, fmt.Sprintf("%s: %s", sender.Channel(), rec.LastError))
				retry = minPositive(retry, wait)
				continue
			}
		}
		// Claim the attempt before sending: the write carries the resourceVersion this
		// reconcile read, so a reconcile working from a stale cache (which would not
		// see an earlier delivery) fails here and sends nothing.
		now := metav1.NewTime(st.now)
		previousError := rec.LastError
		rec.Attempts++
		rec.LastAttemptAt = &now
		rec.LastError = "sending"
		claim := sdr.DeepCopy()
		setNotification(&claim.Status.Notifications, rec)
		if err := r.Status().Patch(ctx, claim, client.MergeFromWithOptions(sdr, client.MergeFromWithOptimisticLock{})); err != nil {
			if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
				ctrl.LoggerFrom(ctx).V(1).Info("not sending: the request changed since it was read", "error", err.Error())
			} else {
				err = fmt.Errorf("recording the attempt to notify by %s: %w", sender.Channel(), err)
				ctrl.LoggerFrom(ctx).Error(err, "not sending; retrying")
				r.reconcileFailed(sdr, stageNotify, err)
			}
			return time.Second
		}
		sdr.ResourceVersion = claim.ResourceVersion
		sendCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := sender.Send(sendCtx, msg)
		cancel()
		if err != nil {
			sentAll = false
			rec.LastError = err.Error()
			failures = append(failures, fmt.Sprintf("%s: %s", sender.Channel(), err))
			retry = minPositive(retry, notifyBackoff(rec.Attempts))
			notifications.WithLabelValues(sender.Channel(), resultFailed).Inc()
			ctrl.LoggerFrom(ctx).Error(err, "notifying the applicant failed; retrying", "channel", sender.Channel(), "event", msg.Event,
				"attempt", rec.Attempts, "retryIn", notifyBackoff(rec.Attempts).String())
			// Once per run of failures, and again when the error changes: not per retry.
			if r.Recorder != nil && previousError != rec.LastError {
				r.Recorder.Eventf(sdr, nil, corev1.EventTypeWarning, hostingv1.ReasonNotificationFailed, "Notify",
					"telling %s by %s (%s) failed, retrying with back-off: %s", msg.Email, sender.Channel(), msg.Event, err)
			}
		} else {
			rec.SentAt, rec.LastError = &now, ""
			if now.After(lastSent) {
				lastSent = now.Time
			}
			notifications.WithLabelValues(sender.Channel(), resultSent).Inc()
			ctrl.LoggerFrom(ctx).Info("notified the applicant", "channel", sender.Channel(), "event", msg.Event, "attempt", rec.Attempts)
			if r.Recorder != nil {
				r.Recorder.Eventf(sdr, nil, corev1.EventTypeNormal, hostingv1.ReasonNotified, "Notify",
					"told %s by %s: %s", msg.Email, sender.Channel(), msg.Event)
			}
		}
		setNotification(&sdr.Status.Notifications, rec)
	}
	if sentAll {
		if msg.Event == notify.EventReady && sdr.Status.NotifiedAt == nil {
			now := metav1.NewTime(st.now)
			sdr.Status.NotifiedAt = &now
		}
		// The recorded time, not now: an idle reconcile must write nothing.
		setCondition(sdr, hostingv1.ConditionApplicantNotified, true, hostingv1.ReasonNotified,
			fmt.Sprintf("the applicant was told (%s) at %s", msg.Event, lastSent.UTC().Format(time.RFC3339)))
		return 0
	}
	setCondition(sdr, hostingv1.ConditionApplicantNotified, false, hostingv1.ReasonNotificationFailed,
		fmt.Sprintf("telling the applicant (%s) failed, retrying: %s", msg.Event, strings.Join(failures, "; ")))
	return retry
}

// pendingMessage is the message the request's current state calls for.
func (r *SubdomainRequestReconciler) pendingMessage(sdr *hostingv1.SubdomainRequest, st *state) (notify.Message, string, bool) {
	m := notify.Message{
		Request: sdr.Name, Subdomain: sdr.Spec.Subdomain, FQDN: r.Config.FQDN(sdr.Spec.Subdomain),
		Unit: sdr.Spec.Applicant.Unit, ContactName: sdr.Spec.Applicant.ContactName, Email: sdr.Spec.Applicant.Email,
		Group: sdr.Spec.Applicant.Group, Letter: sdr.Spec.Letter.Number + " tanggal " + sdr.Spec.Letter.Date,
		Time: st.now.UTC(),
	}
	var key string
	switch {
	case st.chain.Rejection != nil:
		m.Event, m.Reason, key = notify.EventRejected, st.chain.Rejection.Reason, "rejected"
	case st.prov.ready:
		m.Event, m.URL, m.Namespace, key = notify.EventReady, sdr.Status.URL, sdr.Status.Namespace, "ready"
	case !st.name.Available && sdr.Status.Namespace == "":
		m.Event, m.Reason, m.ReasonIndonesian, key = notify.EventReturned, st.name.Message, st.name.Pesan, "returned:"+sdr.Spec.Subdomain
	default:
		return m, "", false
	}
	m.ID = fmt.Sprintf("%s.%s.%s", sdr.UID, strings.ReplaceAll(key, ":", "."), "subdomain-operator")
	return m, key, true
}

// ReturnedNoticeInterval is how often at most a request's applicant is mailed that it
// was returned: once a day, whatever the number of renames.
const ReturnedNoticeInterval = 24 * time.Hour

// returnedRecently reports whether a "returned" notice for another name than key's
// was sent (or is being sent) within ReturnedNoticeInterval, and when.
func returnedRecently(list []hostingv1.NotificationRecord, key string, now time.Time) (time.Time, bool) {
	var last time.Time
	for _, n := range list {
		if !strings.HasPrefix(n.Key, "returned:") || strings.HasPrefix(n.Key, key+"/") {
			continue
		}
		t := n.SentAt
		if t == nil {
			t = n.LastAttemptAt
		}
		if t != nil && t.After(last) {
			last = t.Time
		}
	}
	return last, !last.IsZero() && now.Sub(last) < ReturnedNoticeInterval
}

func findNotification(list []hostingv1.NotificationRecord, key string) hostingv1.NotificationRecord {
	for _, n := range list {
		if n.Key == key {
			return n
		}
	}
	return hostingv1.NotificationRecord{Key: key}
}

func setNotification(list *[]hostingv1.NotificationRecord, rec hostingv1.NotificationRecord) {
	for i := range *list {
		if (*list)[i].Key == rec.Key {
			(*list)[i] = rec
			return
		}
	}
	*list = append(*list, rec)
}

// notifyBackoff doubles from 2 seconds up to 5 minutes.
func notifyBackoff(attempts int32) time.Duration {
	d := 2 * time.Second
	for i := int32(1); i < attempts && d < 5*time.Minute; i++ {
		d *= 2
	}
	if d > 5*time.Minute {
		d = 5 * time.Minute
	}
	return d
}

func minPositive(a, b time.Duration) time.Duration {
	if a <= 0 || (b > 0 && b < a) {
		return b
	}
	return a
}
