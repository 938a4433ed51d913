package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
	"github.com/kudus-diskominfo/subdomain-operator/internal/plugin"
	apirefusal "github.com/kudus-diskominfo/subdomain-operator/internal/refusal"
)

func roleTitle(r hostingv1.Role) string { return approval.RoleTitle(r) }

// base is the part of every page about the user; a failure to ask the API server is
// answered here and reported with ok false.
func (s *Server) base(w http.ResponseWriter, r *http.Request, sess *session, title string) (*pageData, bool) {
	l := s.language(w, r)
	ctx, cancel := apiContext(r)
	defer cancel()
	a, err := sess.abilitiesOf(ctx, s.now())
	if err != nil {
		s.apiFailure(w, r, l, sess, err)
		return nil, false
	}
	return &pageData{Lang: l, Title: l.t(title), User: s.userView(sess, a), Abilities: a}, true
}

// apiFailure answers a failed read of the API server in plain words; an expired or
// refused token ends the session.
func (s *Server) apiFailure(w http.ResponseWriter, r *http.Request, l language, sess *session, err error) {
	switch {
	case apierrors.IsUnauthorized(err):
		s.sessions.remove(sess.id)
		http.Redirect(w, r, "/masuk?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	case apierrors.IsForbidden(err):
		s.render(w, r, http.StatusForbidden, "error", &pageData{Lang: l, Title: l.t("err.title"),
			User: s.userView(sess, nil), Message: l.t("err.forbidden", sess.user)})
	case apierrors.IsNotFound(err):
		s.render(w, r, http.StatusNotFound, "error", &pageData{Lang: l, Title: l.t("err.title"),
			User: s.userView(sess, nil), Message: l.t("err.notFound", r.PathValue("name"))})
	default:
		s.log.Error("a call to the API server failed", "path", r.URL.Path, "user", sess.user, "error", err)
		s.render(w, r, http.StatusBadGateway, "error", &pageData{Lang: l, Title: l.t("err.title"),
			User: s.userView(sess, nil), Message: l.t("err.api")})
	}
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.get(s.sessionID(r), s.now())
	if sess == nil {
		l := s.language(w, r)
		s.render(w, r, http.StatusOK, "home", &pageData{Lang: l, Title: l.t("home.title")})
		return
	}
	d, ok := s.base(w, r, sess, "home.title")
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "home", d)
}

// ---- The applicant's form ----

// formView is the applicant's form: its fields with their values and the API
// server's messages.
type formView struct {
	Intro   string
	Fields  []fieldView
	Errors  []fieldError
	General []string
}

type fieldError struct {
	ID, Label string
	Messages  []string
}

type fieldView struct {
	ID, Label, Hint, Value, Type, InputMode, Autocomplete string
	Required, Textarea                                    bool
	Options                                               []option
	Errors                                                []string
}

type option struct {
	Value, Label string
	Selected     bool
}

// requestForm is what the applicant typed.
type requestForm struct {
	values map[string]string
}

var formFieldOrder = []string{"unit", "contactName", "position", "nip", "email", "phone", "letterNumber", "letterDate",
	"purpose", "subdomain", "group", "plan", "deletionPolicy"}

func readForm(r *http.Request) requestForm {
	_ = r.ParseForm() // a body that does not parse reads as empty fields, which the API server names
	return formOf(r.PostForm)
}

// formOf is the form of posted values: each field trimmed but the purpose's text.
func formOf(posted url.Values) requestForm {
	f := requestForm{values: map[string]string{}}
	for _, k := range formFieldOrder {
		v := posted.Get(k)
		if k != "purpose" {
			v = strings.TrimSpace(v)
		}
		f.values[k] = v
	}
	return f
}

func (f requestForm) request() *hostingv1.SubdomainRequest {
	v := f.values
	plan := hostingv1.Plan(v["plan"])
	if plan == "" {
		plan = hostingv1.PlanSmall
	}
	policy := hostingv1.DeletionPolicy(v["deletionPolicy"])
	if policy == "" {
		policy = hostingv1.DeletionPolicyRetain
	}
	sdr := &hostingv1.SubdomainRequest{Spec: hostingv1.SubdomainRequestSpec{
		Subdomain: v["subdomain"],
		Applicant: hostingv1.Applicant{Unit: v["unit"], ContactName: v["contactName"], Position: v["position"],
			NIP: v["nip"], Email: v["email"], Phone: v["phone"], Group: v["group"]},
		Letter:         hostingv1.Letter{Number: v["letterNumber"], Date: v["letterDate"]},
		Purpose:        strings.ReplaceAll(v["purpose"], "\r\n", "\n"),
		Hosting:        hostingv1.Hosting{Plan: plan},
		DeletionPolicy: policy,
	}}
	// The request is named after the subdomain when that is a valid name; otherwise the
	// API server refuses spec.subdomain anyway, and a generated name keeps it from
	// refusing metadata.name with a second message about the same mistake.
	if requestName.MatchString(sdr.Spec.Subdomain) {
		sdr.Name = sdr.Spec.Subdomain
	} else {
		sdr.GenerateName = "permohonan-"
	}
	return sdr
}

// requestName is a name the API server takes for a request: a DNS label of at most 57.
var requestName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,55}[a-z0-9])?$`)

func (s *Server) formView(l language, sess *session, f requestForm, ref *refusal) *formView {
	v := f.values
	fv := &formView{Intro: l.t("form.intro", sess.user)}
	field := func(id, typ string, required bool) fieldView {
		fd := fieldView{ID: id, Label: l.t("form." + id), Value: v[id], Type: typ, Required: required}
		switch _, ok := catalogue["form."+id+".hint"]; {
		case ok && id == "subdomain":
			fd.Hint = l.t("form."+id+".hint", s.cfg.BaseDomain)
		case ok:
			fd.Hint = l.t("form." + id + ".hint")
		}
		return fd
	}
	fields := []fieldView{
		field("unit", "text", true), field("contactName", "text", true), field("position", "text", false),
		field("nip", "text", false), field("email", "email", true), field("phone", "tel", false),
		field("letterNumber", "text", true), field("letterDate", "date", true), field("purpose", "", true),
		field("subdomain", "text", true), field("group", "text", true), field("plan", "", true), field("deletionPolicy", "", true),
	}
	for i := range fields {
		fd := &fields[i]
		switch fd.ID {
		case "nip":
			fd.InputMode = "numeric"
		case "email":
			fd.Autocomplete = "email"
		case "phone":
			fd.Autocomplete = "tel"
		case "contactName":
			fd.Autocomplete = "name"
		case "position":
			fd.Autocomplete = "organization-title"
		case "purpose":
			fd.Textarea = true
		case "group":
			if len(sess.tokenGroups) > 0 {
				for _, g := range sess.tokenGroups {
					fd.Options = append(fd.Options, option{Value: g, Label: g, Selected: g == fd.Value})
				}
			}
		case "plan":
			for _, p := range []hostingv1.Plan{hostingv1.PlanSmall, hostingv1.PlanMedium, hostingv1.PlanLarge} {
				fd.Options = append(fd.Options, option{Value: string(p), Label: l.t("form.plan." + string(p)),
					Selected: fd.Value == string(p)})
			}
		case "deletionPolicy":
			fd.Options = []option{
				{Value: string(hostingv1.DeletionPolicyRetain), Label: l.t("form.retain"), Selected: fd.Value != string(hostingv1.DeletionPolicyDelete)},
				{Value: string(hostingv1.DeletionPolicyDelete), Label: l.t("form.delete"), Selected: fd.Value == string(hostingv1.DeletionPolicyDelete)},
			}
		}
		if ref != nil {
			if msgs := ref.Fields[fd.ID]; len(msgs) > 0 {
				fd.Errors = msgs
				fv.Errors = append(fv.Errors, fieldError{ID: fd.ID, Label: fd.Label, Messages: msgs})
			}
		}
	}
	fv.Fields = fields
	if ref != nil {
		fv.General = ref.General
	}
	return fv
}

func (s *Server) newRequestForm(w http.ResponseWriter, r *http.Request, sess *session) {
	d, ok := s.base(w, r, sess, "form.title")
	if !ok {
		return
	}
	f := requestForm{values: map[string]string{"plan": "small", "deletionPolicy": "Retain"}}
	d.Form = s.formView(d.Lang, sess, f, nil)
	s.render(w, r, http.StatusOK, "form", d)
}

func (s *Server) fileRequest(w http.ResponseWriter, r *http.Request, sess *session) {
	d, ok := s.base(w, r, sess, "form.title")
	if !ok {
		return
	}
	f := readForm(r)
	ctx, cancel := apiContext(r)
	defer cancel()
	sdr := f.request()
	created, err := sess.kube.create(ctx, sdr)
	if apierrors.IsAlreadyExists(err) {
		// A request of that name exists (an earlier, perhaps rejected, one): file this
		// one under a generated name; the operator judges whether the subdomain is free.
		sdr = f.request()
		sdr.Name, sdr.GenerateName = "", truncate(sdr.Spec.Subdomain, 51)+"-"
		created, err = sess.kube.create(ctx, sdr)
	}
	if err != nil {
		if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsBadRequest(err) {
			ref := explainRefusal(d.Lang, err)
			if apierrors.IsForbidden(err) && !apirefusal.ByPolicy(err) {
				ref = refusal{Fields: map[string][]string{}, General: []string{d.Lang.t("err.forbiddenWrite", sess.user)}}
			}
			s.log.Info("the API server refused a request form", "user", sess.user, "fields", len(ref.Fields), "general", len(ref.General))
			d.Form = s.formView(d.Lang, sess, f, &ref)
			s.render(w, r, http.StatusUnprocessableEntity, "form", d)
			return
		}
		s.apiFailure(w, r, d.Lang, sess, err)
		return
	}
	s.log.Info("filed a request", "user", sess.user, "request", created.Name)
	http.Redirect(w, r, "/permohonan/"+url.PathEscape(created.Name)+"?ok=filed", http.StatusSeeOther)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return strings.TrimRight(s[:n], "-")
	}
	return s
}

// ---- Lists ----

type listView struct {
	Intro string
	Empty string
	Rows  []rowView
}

type rowView struct {
	Name, Subdomain, Unit, Phase, WaitingFor, Created, Standard, Deadline, Overdue string
	IsOverdue                                                                      bool
	deadline, created                                                              time.Time
}

func (s *Server) row(l language, sdr *hostingv1.SubdomainRequest, now time.Time) rowView {
	row := rowView{Name: sdr.Name, Subdomain: sdr.Spec.Subdomain, Unit: sdr.Spec.Applicant.Unit,
		Phase: l.phaseText(sdr.Status.Phase), WaitingFor: waitingForText(l, sdr), Created: s.timeText(&sdr.CreationTimestamp),
		Standard: "-", Deadline: "-", Overdue: l.t("no"), created: sdr.CreationTimestamp.Time}
	for _, st := range sdr.Status.Steps {
		if st.State != hostingv1.StepStateWaiting {
			continue
		}
		if st.TimeStandard != nil {
			row.Standard = l.durationText(st.TimeStandard.Duration)
		}
		if st.Deadline != nil {
			row.Deadline = s.timeText(st.Deadline)
			row.deadline = st.Deadline.Time
			if now.After(st.Deadline.Time) {
				row.IsOverdue = true
				row.Overdue = l.t("overdueBy", l.durationText(now.Sub(st.Deadline.Time)))
			}
		}
		if st.Breached {
			row.IsOverdue = true
			if row.Overdue == l.t("no") {
				row.Overdue = l.t("yes")
			}
		}
	}
	return row
}

// requestedBy is the user the API server recorded as the creator of the request.
func requestedBy(sdr *hostingv1.SubdomainRequest) string {
	if sdr.Status.RequestedBy != "" {
		return sdr.Status.RequestedBy
	}
	return sdr.Annotations[hostingv1.RequestedByAnnotation]
}

func (s *Server) myRequests(w http.ResponseWriter, r *http.Request, sess *session) {
	d, ok := s.base(w, r, sess, "mine.title")
	if !ok {
		return
	}
	ctx, cancel := apiContext(r)
	defer cancel()
	items, err := sess.kube.list(ctx)
	if err != nil {
		s.apiFailure(w, r, d.Lang, sess, err)
		return
	}
	now := s.now()
	// The user's own requests and their unit's: a request whose applicant group is one
	// of the user's groups (as the API server names them), filed by a colleague or
	// through GitOps.
	units := unitGroups(sess.groups)
	lv := &listView{Intro: d.Lang.t("mine.intro", sess.user, orDash(strings.Join(units, ", "))), Empty: d.Lang.t("mine.empty")}
	for i := range items {
		if requestedBy(&items[i]) == sess.user || slices.Contains(units, items[i].Spec.Applicant.Group) && items[i].Spec.Applicant.Group != "" {
			lv.Rows = append(lv.Rows, s.row(d.Lang, &items[i], now))
		}
	}
	d.List = lv
	s.render(w, r, http.StatusOK, "list", d)
}

// unitGroups are the user's groups that can name a unit: all but the API server's own
// system: groups.
func unitGroups(groups []string) []string {
	var out []string
	for _, g := range groups {
		if !strings.HasPrefix(g, "system:") {
			out = append(out, g)
		}
	}
	return out
}

// ---- The official's queue ----

type officialView struct {
	Intro, Empty string
	Rows         []rowView
}

func (s *Server) officialQueue(w http.ResponseWriter, r *http.Request, sess *session) {
	d, ok := s.base(w, r, sess, "official.title")
	if !ok {
		return
	}
	ov := &officialView{Empty: d.Lang.t("official.empty")}
	d.Official = ov
	if !d.Abilities.Official() {
		ov.Empty = d.Lang.t("official.noRole")
		s.render(w, r, http.StatusOK, "official", d)
		return
	}
	ov.Intro = d.Lang.t("official.intro", strings.Join(d.User.Roles, ", "))
	ctx, cancel := apiContext(r)
	defer cancel()
	items, err := sess.kube.list(ctx)
	if err != nil {
		s.apiFailure(w, r, d.Lang, sess, err)
		return
	}
	now := s.now()
	for i := range items {
		if slices.Contains(d.Abilities.Roles, hostingv1.Role(items[i].Status.WaitingFor)) {
			ov.Rows = append(ov.Rows, s.row(d.Lang, &items[i], now))
		}
	}
	sortQueue(ov.Rows)
	s.render(w, r, http.StatusOK, "official", d)
}

// sortQueue puts an official's queue in the order it is worked: the overdue first,
// then by the nearest deadline (a step whose clock is stopped, having none, after
// those that have one), then the oldest request, then by name.
func sortQueue(rows []rowView) {
	slices.SortStableFunc(rows, func(a, b rowView) int {
		if a.IsOverdue != b.IsOverdue {
			if a.IsOverdue {
				return -1
			}
			return 1
		}
		if a.deadline.IsZero() != b.deadline.IsZero() {
			if b.deadline.IsZero() {
				return -1
			}
			return 1
		}
		if c := a.deadline.Compare(b.deadline); c != 0 {
			return c
		}
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// ---- One request ----

type requestView struct {
	Name, Subdomain, FQDN, Unit, Contact, NIP, Letter, Purpose, Plan, Deletion, Group string
	Phase, WaitingFor, RequestedBy, Created, URL                                      string
	Steps                                                                             []stepView
	Decisions                                                                         []string
	Rejection, Returned                                                               string
	Conditions                                                                        []metav1.Condition
	CanRename                                                                         bool
	RenameValue                                                                       string
	RenameErrors                                                                      []string
	Decide                                                                            []decideView
	Refusal                                                                           string
}

type stepView struct {
	Name, State, Performer, By, DecidedAt, Took, Standard, Deadline, Message string
	Breached                                                                 bool
}

type decideView struct {
	Role, Title, NotYourTurn, Reason string
	ReasonErrors                     []string
}

// waitingForText says who a request waits for.
func waitingForText(l language, sdr *hostingv1.SubdomainRequest) string {
	wf := sdr.Status.WaitingFor
	if sdr.Status.Phase == "" {
		if next, ok := approval.Parse(sdr.Annotations).NextRole(); ok {
			wf = string(next)
		}
	}
	for _, r := range hostingv1.Roles {
		if wf == string(r) {
			return approval.RoleTitle(r)
		}
	}
	switch wf {
	case "":
		return l.t("who.nobody")
	case hostingv1.WaitingForApplicant:
		return l.t("who.applicant")
	case hostingv1.WaitingForOperator:
		return l.t("who.operator")
	case hostingv1.WaitingForPlatformTeam:
		return l.t("who.platform")
	}
	return wf
}

func performer(l language, role string) string {
	for _, r := range hostingv1.Roles {
		if role == string(r) {
			return approval.RoleTitle(r)
		}
	}
	switch role {
	case hostingv1.WaitingForApplicant:
		return l.t("who.applicant")
	case hostingv1.WaitingForOperator:
		return l.t("who.operator")
	case hostingv1.WaitingForPlatformTeam:
		return l.t("who.platform")
	}
	return role
}

func (s *Server) timeText(t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.In(s.cfg.Location).Format("2006-01-02 15:04:05 MST")
}

// siteConditions are the conditions that together make a site Ready.
var siteConditions = []string{
	hostingv1.ConditionNamespaceReady, hostingv1.ConditionIngressReady, hostingv1.ConditionHostExclusive,
	hostingv1.ConditionSiteAvailable, hostingv1.ConditionRouteAccepted, hostingv1.ConditionCertificateReady,
	hostingv1.ConditionDNSReady, hostingv1.ConditionReady,
}

func (s *Server) requestView(l language, sess *session, a *abilities, sdr *hostingv1.SubdomainRequest, now time.Time) *requestView {
	sp, st := sdr.Spec, sdr.Status
	contact := sp.Applicant.ContactName
	if sp.Applicant.Position != "" {
		contact += " (" + sp.Applicant.Position + ")"
	}
	for _, p := range []string{sp.Applicant.Email, sp.Applicant.Phone} {
		if p != "" {
			contact += ", " + p
		}
	}
	v := &requestView{Name: sdr.Name, Subdomain: sp.Subdomain, FQDN: sp.Subdomain + "." + s.cfg.BaseDomain,
		Unit: sp.Applicant.Unit, Contact: contact, NIP: sp.Applicant.NIP, Letter: l.t("req.letterOf", sp.Letter.Number, sp.Letter.Date),
		Purpose: sp.Purpose, Plan: string(sp.Hosting.Plan), Deletion: string(sp.DeletionPolicy), Group: sp.Applicant.Group,
		Phase: l.phaseText(st.Phase), WaitingFor: waitingForText(l, sdr), RequestedBy: requestedBy(sdr),
		Created: s.timeText(&sdr.CreationTimestamp), URL: st.URL}
	for _, step := range st.Steps {
		sv := stepView{Name: l.stepText(step.Name), State: l.stateText(step.State), Performer: performer(l, step.Role),
			By: orDash(step.By), DecidedAt: s.timeText(step.DecidedAt), Took: "-", Standard: "-", Deadline: s.timeText(step.Deadline),
			Message: step.Message, Breached: step.Breached || (step.State == hostingv1.StepStateWaiting && step.Deadline != nil && now.After(step.Deadline.Time))}
		switch {
		case step.Took != "":
			if d, err := time.ParseDuration(step.Took); err == nil {
				sv.Took = l.durationText(d)
			} else {
				sv.Took = step.Took
			}
		case step.State == hostingv1.StepStateWaiting && step.StartedAt != nil:
			sv.Took = l.t("soFar", l.durationText(now.Sub(step.StartedAt.Time)))
		}
		if step.TimeStandard != nil && step.TimeStandard.Duration > 0 {
			sv.Standard = l.durationText(step.TimeStandard.Duration)
		}
		v.Steps = append(v.Steps, sv)
	}
	chain := approval.Parse(sdr.Annotations)
	if len(st.Steps) == 0 {
		for _, r := range hostingv1.Roles {
			if u, ok := chain.Approvals[r]; ok {
				v.Decisions = append(v.Decisions, l.t("req.approvedBy", approval.RoleTitle(r), u))
			}
		}
	}
	if rj := chain.Rejection; rj != nil {
		v.Rejection = l.t("req.rejectedBy", rj.User, approval.RoleTitle(rj.Role), rj.Reason)
	}
	if st.Phase == hostingv1.PhaseReturnedToApplicant {
		reason := ""
		if c := meta.FindStatusCondition(st.Conditions, hostingv1.ConditionNameAvailable); c != nil {
			reason = c.Message
		}
		for _, step := range st.Steps {
			if step.State == hostingv1.StepStateReturned && step.Message != "" {
				reason = step.Message
			}
		}
		v.Returned = l.t("req.returned", reason)
		v.CanRename = requestedBy(sdr) == sess.user
	}
	if meta.FindStatusCondition(st.Conditions, hostingv1.ConditionNamespaceReady) != nil {
		for _, typ := range siteConditions {
			if c := meta.FindStatusCondition(st.Conditions, typ); c != nil {
				v.Conditions = append(v.Conditions, *c)
			}
		}
	}
	// The decision forms: for each role the user holds that has not decided, while the
	// request is still before the officials. The API server has the last word; a note
	// says when it is not the role's turn.
	next, pending := chain.NextRole()
	if chain.Rejection == nil && pending && st.Phase != hostingv1.PhaseDeleting {
		for _, role := range a.Roles {
			if _, done := chain.Approvals[role]; done {
				continue
			}
			dv := decideView{Role: string(role), Title: approval.RoleTitle(role)}
			if role != next {
				dv.NotYourTurn = l.t("req.notYourTurn", approval.RoleTitle(next))
			}
			v.Decide = append(v.Decide, dv)
		}
	}
	return v
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// showRequest renders a request's page, with a flash line or a refusal.
func (s *Server) showRequest(w http.ResponseWriter, r *http.Request, sess *session, status int, edit func(*pageData)) {
	l := s.language(w, r)
	name := r.PathValue("name")
	d, ok := s.base(w, r, sess, "req.title")
	if !ok {
		return
	}
	ctx, cancel := apiContext(r)
	defer cancel()
	sdr, err := sess.kube.get(ctx, name)
	if err != nil {
		s.apiFailure(w, r, l, sess, err)
		return
	}
	d.Title = l.t("req.title", sdr.Name)
	d.Request = s.requestView(l, sess, d.Abilities, sdr, s.now())
	switch r.URL.Query().Get("ok") {
	case "filed":
		d.Flash = l.t("form.filed", sdr.Name)
	case "renamed":
		d.Flash = l.t("req.renamed")
	case "approved", "rejected":
		if role := hostingv1.Role(r.URL.Query().Get("peran")); slices.Contains(hostingv1.Roles, role) {
			d.Flash = l.t("req."+r.URL.Query().Get("ok"), approval.RoleTitle(role), sess.user)
		}
	}
	if edit != nil {
		edit(d)
	}
	s.render(w, r, status, "request", d)
}

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, sess *session) {
	s.showRequest(w, r, sess, http.StatusOK, nil)
}

// ---- Decisions ----

func (s *Server) approve(w http.ResponseWriter, r *http.Request, sess *session) {
	s.decide(w, r, sess, false)
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request, sess *session) {
	s.decide(w, r, sess, true)
}

// decide records the user's approval or rejection as the role the form names, with a
// JSON merge patch of the annotation(s) whose value is the user's own name as the API
// server sees it: the patch `kubectl subdomain approve|reject` sends. The API server
// decides whether the user may.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, sess *session, reject bool) {
	l := s.language(w, r)
	name := r.PathValue("name")
	role := hostingv1.Role(r.PostFormValue("peran"))
	if !slices.Contains(hostingv1.Roles, role) {
		s.plainError(w, r, http.StatusBadRequest, "err.badRole")
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("alasan"))
	annotations := map[string]string{hostingv1.ApprovalAnnotation(role): sess.user}
	if reject {
		if reason == "" {
			s.showRequest(w, r, sess, http.StatusUnprocessableEntity, func(d *pageData) {
				for i := range d.Request.Decide {
					if d.Request.Decide[i].Role == string(role) {
						d.Request.Decide[i].ReasonErrors = []string{l.t("req.needReason")}
					}
				}
			})
			return
		}
		annotations = map[string]string{hostingv1.RejectionAnnotation(role): sess.user, hostingv1.RejectionReasonAnnotation: reason}
	}
	ctx, cancel := apiContext(r)
	defer cancel()
	sdr, err := sess.kube.get(ctx, name)
	if err != nil {
		s.apiFailure(w, r, l, sess, err)
		return
	}
	chain := approval.Parse(sdr.Annotations)
	if !reject && chain.Approvals[role] == sess.user {
		// The same form sent twice: the approval is on record already.
		http.Redirect(w, r, fmt.Sprintf("/permohonan/%s?ok=approved&peran=%s", url.PathEscape(name), role), http.StatusSeeOther)
		return
	}
	if err := sess.kube.decide(ctx, name, role, annotations); err != nil {
		if apierrors.IsUnauthorized(err) {
			s.apiFailure(w, r, l, sess, err)
			return
		}
		explanation := explainDecision(l, err, name, sess.user, role, chain)
		s.log.Info("the API server refused a decision", "user", sess.user, "request", name, "role", role, "reject", reject)
		status := http.StatusForbidden
		var st apierrors.APIStatus
		if ok := asAPIStatus(err, &st); ok && st.Status().Code >= 400 {
			status = int(st.Status().Code)
		}
		s.showRequest(w, r, sess, status, func(d *pageData) {
			d.Request.Refusal = explanation
			for i := range d.Request.Decide {
				if d.Request.Decide[i].Role == string(role) {
					d.Request.Decide[i].Reason = reason
				}
			}
		})
		return
	}
	verdict := "approved"
	if reject {
		verdict = "rejected"
	}
	s.log.Info("recorded a decision", "user", sess.user, "request", name, "role", role, "verdict", verdict)
	http.Redirect(w, r, fmt.Sprintf("/permohonan/%s?ok=%s&peran=%s", url.PathEscape(name), verdict, role), http.StatusSeeOther)
}

// rename changes the subdomain of a returned request, as its applicant.
func (s *Server) rename(w http.ResponseWriter, r *http.Request, sess *session) {
	l := s.language(w, r)
	name := r.PathValue("name")
	subdomain := strings.TrimSpace(r.PostFormValue("subdomain"))
	ctx, cancel := apiContext(r)
	defer cancel()
	if err := sess.kube.rename(ctx, name, subdomain); err != nil {
		if apierrors.IsUnauthorized(err) || apierrors.IsNotFound(err) {
			s.apiFailure(w, r, l, sess, err)
			return
		}
		ref := explainRefusal(l, err)
		msgs := append(ref.Fields["subdomain"], ref.General...)
		for f, m := range ref.Fields {
			if f != "subdomain" {
				msgs = append(msgs, m...)
			}
		}
		if apierrors.IsForbidden(err) && !apirefusal.ByPolicy(err) {
			msgs = []string{l.t("err.forbiddenWrite", sess.user)}
		}
		s.showRequest(w, r, sess, http.StatusUnprocessableEntity, func(d *pageData) {
			d.Request.RenameValue = subdomain
			d.Request.RenameErrors = msgs
		})
		return
	}
	s.log.Info("renamed a request", "user", sess.user, "request", name)
	http.Redirect(w, r, "/permohonan/"+url.PathEscape(name)+"?ok=renamed", http.StatusSeeOther)
}

// ---- The register ----

type registerView struct {
	From, To, Unit, Result string
	Results                []option
	Rows                   []registerRow
	Count, Empty, CSV      string
	DateError              string
}

type registerRow struct {
	Name, Letter, Unit, Subdomain, RequestedBy, Created, KepalaDinas, KepalaBidang, KepalaSeksi, Result, URL string
}

// registerFilter is the register's filter: filed in [from, to], unit containing a text
// (case-insensitive), result a phase.
type registerFilter struct {
	from, to time.Time
	unit     string
	result   string
}

func (s *Server) readRegisterFilter(r *http.Request) (registerFilter, bool) {
	q := r.URL.Query()
	f := registerFilter{unit: strings.TrimSpace(q.Get("unit")), result: q.Get("hasil")}
	ok := true
	if v := q.Get("dari"); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, s.cfg.Location)
		if err != nil {
			ok = false
		}
		f.from = t
	}
	if v := q.Get("sampai"); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, s.cfg.Location)
		if err != nil {
			ok = false
		} else {
			f.to = t.AddDate(0, 0, 1)
		}
	}
	return f, ok
}

func (f registerFilter) keep(sdr *hostingv1.SubdomainRequest) bool {
	created := sdr.CreationTimestamp.Time
	switch {
	case !f.from.IsZero() && created.Before(f.from):
		return false
	case !f.to.IsZero() && !created.Before(f.to):
		return false
	case f.unit != "" && !strings.Contains(strings.ToLower(sdr.Spec.Applicant.Unit), strings.ToLower(f.unit)):
		return false
	case f.result != "" && string(sdr.Status.Phase) != f.result:
		return false
	}
	return true
}

// registerItems lists the requests the filter keeps, oldest first.
func (s *Server) registerItems(w http.ResponseWriter, r *http.Request, sess *session, l language) ([]hostingv1.SubdomainRequest, registerFilter, bool, bool) {
	f, valid := s.readRegisterFilter(r)
	ctx, cancel := apiContext(r)
	defer cancel()
	items, err := sess.kube.list(ctx)
	if err != nil {
		s.apiFailure(w, r, l, sess, err)
		return nil, f, valid, false
	}
	kept := items[:0]
	for i := range items {
		if f.keep(&items[i]) {
			kept = append(kept, items[i])
		}
	}
	return kept, f, valid, true
}

var registerPhases = []hostingv1.Phase{hostingv1.PhasePendingKepalaDinas, hostingv1.PhasePendingKepalaBidang,
	hostingv1.PhasePendingKepalaSeksi, hostingv1.PhaseReturnedToApplicant, hostingv1.PhaseRejected, hostingv1.PhaseApproved,
	hostingv1.PhaseProvisioning, hostingv1.PhaseReady, hostingv1.PhaseDeleting}

func (s *Server) register(w http.ResponseWriter, r *http.Request, sess *session) {
	d, ok := s.base(w, r, sess, "reg.title")
	if !ok {
		return
	}
	l := d.Lang
	items, f, valid, ok := s.registerItems(w, r, sess, l)
	if !ok {
		return
	}
	q := r.URL.Query()
	rv := &registerView{From: q.Get("dari"), To: q.Get("sampai"), Unit: f.unit, Result: f.result,
		Empty: l.t("reg.empty"), CSV: "/register.csv?" + q.Encode()}
	if !valid {
		rv.DateError = l.t("reg.badDate")
	}
	rv.Results = append(rv.Results, option{Value: "", Label: l.t("reg.all"), Selected: f.result == ""})
	for _, p := range registerPhases {
		rv.Results = append(rv.Results, option{Value: string(p), Label: l.phaseText(p), Selected: f.result == string(p)})
	}
	for i := range items {
		sdr := &items[i]
		chain := approval.Parse(sdr.Annotations)
		by := func(role hostingv1.Role) string {
			if u, ok := chain.Approvals[role]; ok {
				return u
			}
			if chain.Rejection != nil && chain.Rejection.Role == role {
				return chain.Rejection.User
			}
			return "-"
		}
		rv.Rows = append(rv.Rows, registerRow{Name: sdr.Name, Letter: l.t("req.letterOf", sdr.Spec.Letter.Number, sdr.Spec.Letter.Date),
			Unit: sdr.Spec.Applicant.Unit, Subdomain: sdr.Spec.Subdomain, RequestedBy: orDash(requestedBy(sdr)),
			Created: s.timeText(&sdr.CreationTimestamp), KepalaDinas: by(hostingv1.RoleKepalaDinas),
			KepalaBidang: by(hostingv1.RoleKepalaBidangInformatika), KepalaSeksi: by(hostingv1.RoleKepalaSeksiTIPersandian),
			Result: l.phaseText(sdr.Status.Phase), URL: orDash(sdr.Status.URL)})
	}
	rv.Count = l.t("reg.count", len(rv.Rows))
	d.Register = rv
	status := http.StatusOK
	if !valid {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "register", d)
}

// registerCSV downloads the filtered register with the columns of
// `kubectl subdomain register --output csv` (the plugin's own writer).
func (s *Server) registerCSV(w http.ResponseWriter, r *http.Request, sess *session) {
	l := s.language(w, r)
	items, _, valid, ok := s.registerItems(w, r, sess, l)
	if !ok {
		return
	}
	if !valid {
		s.plainError(w, r, http.StatusBadRequest, "reg.badDate")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="register-permohonan-subdomain.csv"`)
	if err := plugin.WriteRegisterCSV(w, items); err != nil {
		s.log.Error("writing the register CSV failed", "user", sess.user, "error", err)
	}
}
