package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SubdomainRequestSpec is the paper form of the SOP: which name, for whom, on the
// strength of which letter, and what hosting.
type SubdomainRequestSpec struct {
	// subdomain is the requested name: one DNS label under the platform's base domain
	// (kuduskab.go.id by default), so "dinkes" becomes dinkes.kuduskab.go.id. Required,
	// not empty. Lowercase letters a-z, digits 0-9 and "-" only (no uppercase, spaces,
	// underscores or other characters), starting and ending with a letter or digit, at
	// most 57 characters (63 minus the prefix that external-dns's TXT ownership record
	// adds). No dots (not the full name, no trailing dot), no wildcard "*", no
	// "xn--"-style reserved prefix ("--" as 3rd and 4th characters). The API server
	// reports each mistake once, with the most specific message. After the first
	// approval this is the only field that may change, and only when the request was
	// returned to the applicant because the name is taken.
	// +required
	// +kubebuilder:validation:MaxLength=57
	// +kubebuilder:validation:XValidation:rule="self != ''",message="spec.subdomain is empty: write the name you ask for, e.g. \"dinkes\" for dinkes.kuduskab.go.id"
	// +kubebuilder:validation:XValidation:rule="!self.matches('[A-Z]')",messageExpression="'spec.subdomain must be lowercase: write \"' + self.lowerAscii() + '\", not \"' + self + '\"'"
	// +kubebuilder:validation:XValidation:rule="!self.endsWith('.') || self.matches('[.].')",message="spec.subdomain must not end with a dot: remove the trailing dot"
	// +kubebuilder:validation:XValidation:rule="!self.matches('[.].')",message="spec.subdomain must be a single label without dots: write \"dinkes\", not \"dinkes.kuduskab.go.id\""
	// +kubebuilder:validation:XValidation:rule="!self.contains('*')",message="spec.subdomain cannot be a wildcard"
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-zA-Z0-9.*-]*$')",message="spec.subdomain may contain only lowercase letters a-z, digits 0-9 and '-' (no uppercase, underscores or spaces)"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^[a-z0-9-]+$') || self.matches('^[a-z0-9](.*[a-z0-9])?$')",message="spec.subdomain must start and end with a letter or digit, not '-'"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^..--')",message="spec.subdomain cannot have '--' as its 3rd and 4th characters: that form (like xn--) is reserved for internationalized names"
	Subdomain string `json:"subdomain"`

	// applicant is the unit (OPD) that asks, and the person to contact.
	// +required
	Applicant Applicant `json:"applicant"`

	// letter is the official request letter (surat permohonan) this request is based on.
	// +required
	Letter Letter `json:"letter"`

	// purpose says what the site is for, in a sentence or two: at most 1000 characters, not
	// only whitespace. It may span lines (newline and tab are allowed), but may not contain
	// other control characters (also no carriage return: write line ends as newlines) or
	// invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E,
	// U+2066-U+2069).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1000
	// +kubebuilder:validation:XValidation:rule="self == '' || self.trim() != ''",message="spec.purpose cannot be only whitespace: write what the site is for"
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0B-\\x1F\\x{7F}-\\x{9F}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="spec.purpose may contain newlines and tabs but no other control characters (such as a carriage return) and no invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)"
	Purpose string `json:"purpose"`

	// hosting is the size of the hosting and whether a starter site is created.
	// +optional
	// +kubebuilder:default={}
	Hosting Hosting `json:"hosting,omitempty"`

	// deletionPolicy says what happens to the site when this request is deleted.
	// Retain (the default) leaves the Namespace, the site, the Ingress and the DNS
	// record in place and only removes the operator's ownership. Delete removes the
	// DNS record first, then the Ingress, then the Namespace with all its data.
	// +optional
	// +kubebuilder:default=Retain
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// DeletionPolicy says what happens to a site when its request is deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type DeletionPolicy string

// The deletion policies.
const (
	// DeletionPolicyRetain keeps the site and only removes the operator's ownership.
	DeletionPolicyRetain DeletionPolicy = "Retain"
	// DeletionPolicyDelete deletes the DNS record, the route and the Namespace.
	DeletionPolicyDelete DeletionPolicy = "Delete"
)

// Applicant is the requesting unit and its contact person.
type Applicant struct {
	// unit is the name of the requesting unit (OPD or sub-unit), e.g. "Dinas Kesehatan": one
	// line of plain text, at most 200 characters, not only whitespace, without control
	// characters, invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E,
	// U+2066-U+2069), "<" or ">".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="self == '' || self.trim() != ''",message="spec.applicant.unit cannot be only whitespace: write the unit's name, e.g. \"Dinas Kesehatan\""
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="spec.applicant.unit must be plain text on one line: control characters (newline, tab, ...) and invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are not allowed"
	// +kubebuilder:validation:XValidation:rule="!self.contains('<') && !self.contains('>')",message="spec.applicant.unit contains < or >: < and > are not allowed"
	Unit string `json:"unit"`

	// contactName is the full name of the person responsible for the request: one line of
	// plain text, at most 200 characters, not only whitespace, without control characters,
	// invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E,
	// U+2066-U+2069), "<" or ">".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="self == '' || self.trim() != ''",message="spec.applicant.contactName cannot be only whitespace: write the contact person's full name"
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="spec.applicant.contactName must be plain text on one line: control characters (newline, tab, ...) and invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are not allowed"
	// +kubebuilder:validation:XValidation:rule="!self.contains('<') && !self.contains('>')",message="spec.applicant.contactName contains < or >: < and > are not allowed"
	ContactName string `json:"contactName"`

	// position is the contact person's position (jabatan), e.g. "Kepala Subbagian Umum".
	// Optional; when set: one line of plain text, at most 200 characters, not only whitespace,
	// without control characters, invisible text-direction characters (U+061C, U+200E, U+200F,
	// U+202A-U+202E, U+2066-U+2069), "<" or ">".
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="self == '' || self.trim() != ''",message="spec.applicant.position cannot be only whitespace: write the position (jabatan) or leave the field out"
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="spec.applicant.position must be plain text on one line: control characters (newline, tab, ...) and invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are not allowed"
	// +kubebuilder:validation:XValidation:rule="!self.contains('<') && !self.contains('>')",message="spec.applicant.position contains < or >: < and > are not allowed"
	Position string `json:"position,omitempty"`

	// nip is the contact person's civil-servant number (Nomor Induk Pegawai): exactly 18
	// digits, without spaces, written as a string (quote it in YAML).
	// +optional
	// +kubebuilder:validation:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{18}$')",message="spec.applicant.nip must be exactly 18 digits, without spaces"
	NIP string `json:"nip,omitempty"`

	// email is where the applicant is told about the request (returned, rejected, ready): one
	// address such as nama@kuduskab.go.id, at most 254 characters. The part before "@" may
	// contain letters, digits and . _ % + -; the domain is dot-separated labels of letters,
	// digits and "-" (not starting or ending with "-"), with at least one dot. No spaces,
	// commas, several addresses, control characters or invisible text-direction characters
	// (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).
	// +required
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="spec.applicant.email must be plain text on one line: control characters (newline, tab, ...) and invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are not allowed"
	// +kubebuilder:validation:XValidation:rule="self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]') || self.matches(r'^[A-Za-z0-9._%+-]+@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$')",message="spec.applicant.email must be an email address such as nama@kuduskab.go.id"
	Email string `json:"email"`

	// phone is the contact person's telephone or WhatsApp number, e.g. +62291438713 or
	// (0291) 438713: an optional "+", then digits, spaces, "(", ")" and "-", starting
	// with a digit or "(", 7 to 20 characters.
	// +optional
	// +kubebuilder:validation:MaxLength=20
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="spec.applicant.phone must be plain text on one line: control characters (newline, tab, ...) and invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are not allowed"
	// +kubebuilder:validation:XValidation:rule="self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]') || self.matches(r'^\\+?[0-9(][0-9 ()-]{5,18}$')",message="spec.applicant.phone must be a telephone number such as +62291438713 or (0291) 438713"
	Phone string `json:"phone,omitempty"`

	// group is the Kubernetes group whose members will manage the site: it is bound to
	// the "edit" ClusterRole in the site's Namespace. At most 253 characters: letters
	// a-z and A-Z, digits and : . _ @ -, starting with a letter or digit (no spaces, no
	// other characters). It cannot be a "system:" group (such as system:authenticated
	// or system:masters); name your unit's group, e.g. opd:dinkes. The platform may
	// require a pattern, by default opd:<name>.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="spec.applicant.group must be plain text on one line: control characters (newline, tab, ...) and invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are not allowed"
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('system:')",message="spec.applicant.group cannot be a system: group; name your unit's group, e.g. opd:dinkes"
	// +kubebuilder:validation:XValidation:rule="self == '' || self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]') || self.matches('^[a-zA-Z0-9][a-zA-Z0-9:._@-]*$')",message="spec.applicant.group may contain only letters a-z and A-Z, digits 0-9 and the characters : . _ @ -, and must start with a letter or digit (no spaces or other characters), e.g. opd:dinkes"
	Group string `json:"group"`
}

// Letter is the request letter (surat permohonan) as registered by the office.
type Letter struct {
	// number is the letter's number, e.g. "555/123/20.01/2026": one line of plain text, at
	// most 100 characters, not only whitespace, without control characters (no newline) or
	// invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E,
	// U+2066-U+2069).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:XValidation:rule="self == '' || self.trim() != ''",message="spec.letter.number cannot be only whitespace: write the letter's number, e.g. \"555/123/20.01/2026\""
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{061C}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="spec.letter.number must be plain text on one line: control characters (newline, tab, ...) and invisible text-direction characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are not allowed"
	Number string `json:"number"`

	// date is the letter's date, as YYYY-MM-DD (quote it in YAML), e.g. "2026-11-28". It
	// must be a date in the calendar: 2026-02-29 and 2026-04-31 are refused.
	// +required
	// +kubebuilder:validation:MaxLength=10
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$')",message="spec.letter.date must be a date written YYYY-MM-DD, e.g. 2026-11-28"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$') || int(self.substring(8, 10)) <= (self.substring(5, 7) in ['04', '06', '09', '11'] ? 30 : (self.substring(5, 7) != '02' ? 31 : ((int(self.substring(0, 4)) % 4 == 0 && int(self.substring(0, 4)) % 100 != 0) || int(self.substring(0, 4)) % 400 == 0 ? 29 : 28)))",messageExpression="'spec.letter.date ' + self + ' is not a date in the calendar'"
	Date string `json:"date"`
}

// Hosting is the hosting part of the request.
type Hosting struct {
	// plan is the size of the hosting. The platform team sets the quota of each plan
	// (CPU, memory, storage, objects); the names are fixed.
	// +optional
	// +kubebuilder:default=small
	Plan Plan `json:"plan,omitempty"`

	// starterSite, when true (the default), creates a placeholder page naming the unit,
	// so the name works as soon as it is provisioned. Set false to start empty.
	// +optional
	// +kubebuilder:default=true
	StarterSite *bool `json:"starterSite,omitempty"`
}

// Plan is a named hosting size.
// +kubebuilder:validation:Enum=small;medium;large
type Plan string

// The plans; their quotas are the platform's configuration.
const (
	// PlanSmall is the default plan.
	PlanSmall Plan = "small"
	// PlanMedium is the middle plan.
	PlanMedium Plan = "medium"
	// PlanLarge is the largest plan.
	PlanLarge Plan = "large"
)

// SubdomainRequestStatus is what the operator observed and did; together with the
// annotations it is the register entry of the request.
type SubdomainRequestStatus struct {
	// phase is where the request stands: PendingKepalaDinas, PendingKepalaBidang,
	// PendingKepalaSeksi, ReturnedToApplicant, Rejected, Approved, Provisioning, Ready
	// or Deleting.
	// +optional
	Phase Phase `json:"phase,omitempty"`

	// waitingFor names who must act next: one of the officials' roles, "applicant"
	// (the request was returned), "operator" (provisioning or deleting), "platform
	// team" (provisioning is blocked by an object only the platform team can remove),
	// or empty when nobody needs to.
	// +optional
	WaitingFor string `json:"waitingFor,omitempty"`

	// requestedBy is the user who created the request, as recorded by the API server.
	// +optional
	RequestedBy string `json:"requestedBy,omitempty"`

	// steps is the timeline: one entry per step of the SOP, with who decided, when, how
	// long it took and whether it stayed within its time standard; and one entry per
	// interval in which the request was held by the applicant (ApplicantRename, after
	// KepalaSeksi: returned, until the rename) or by the platform team
	// (ProvisioningBlocked, after Provisioning: blocked by an object the operator did not
	// make), so that the time is charged to whoever held it. While the applicant holds
	// the request the officials' clocks are stopped.
	// +optional
	// +listType=map
	// +listMapKey=name
	Steps []Step `json:"steps,omitempty"`

	// conditions are the standard conditions: NameAvailable, Approved, NamespaceReady,
	// IngressReady, DNSReady, ApplicantNotified, SLABreached and Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// url is the address of the site, once provisioned.
	// +optional
	URL string `json:"url,omitempty"`

	// namespace is the Namespace that hosts the site.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// notifiedAt is when the applicant was told that the site is ready.
	// +optional
	NotifiedAt *metav1.Time `json:"notifiedAt,omitempty"`

	// notifications records each message sent to the applicant, one entry per event
	// and channel, so that nothing is sent twice, also across operator restarts.
	// +optional
	// +listType=map
	// +listMapKey=key
	Notifications []NotificationRecord `json:"notifications,omitempty"`

	// observedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// siteDigest is a digest of the site's objects as the operator last found them
	// holding what they should: each object's version (its generation and metadata for
	// kinds that have a generation, else its resourceVersion) and what the operator
	// wanted in it. A restarted operator that finds every object at the same version
	// trusts them without reading them; any difference (a change while it was down, a
	// new configuration) only makes it read and compare them. Written with a status
	// write that happens anyway, and when there is none yet: never on its own.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	SiteDigest string `json:"siteDigest,omitempty"`
}

// NotificationRecord is one message to the applicant over one channel.
type NotificationRecord struct {
	// key is the event and the channel, e.g. "ready/email" or "returned:dinkes/webhook".
	Key string `json:"key"`

	// sentAt is when the message was delivered; empty while it is being retried.
	// +optional
	SentAt *metav1.Time `json:"sentAt,omitempty"`

	// attempts counts the delivery attempts.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`

	// lastAttemptAt is when delivery was last tried.
	// +optional
	LastAttemptAt *metav1.Time `json:"lastAttemptAt,omitempty"`

	// lastError is why the last attempt failed (never credentials).
	// +optional
	LastError string `json:"lastError,omitempty"`
}

// Step is one row of the timeline: a step of the SOP, or an interval in which the
// applicant or the platform team held the request.
type Step struct {
	// name is the step: Submission, KepalaDinas, KepalaBidang, KepalaSeksi,
	// Provisioning or Notification; or an interval: ApplicantRename (the request was
	// returned to the applicant, from the name check that found the name taken to the
	// rename) or ProvisioningBlocked (provisioning waited for the platform team). An
	// interval has one entry each time: ApplicantRename, ApplicantRename-2, ... It is
	// Waiting while open and Done once the request came back, has no time standard and
	// is never breached; its message is why.
	Name string `json:"name"`

	// role is who performs the step or holds the interval: "applicant", one of the
	// officials' roles, "operator" for the technical staff's work, or "platform team".
	Role string `json:"role"`

	// state is NotStarted, Waiting, Done, Rejected or Returned.
	State StepState `json:"state"`

	// by is the user who decided the step (for an official, the user name in the
	// approval or rejection annotation).
	// +optional
	By string `json:"by,omitempty"`

	// startedAt is when the step became the one the request waits for.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`

	// decidedAt is when the step was completed. For an official's decision this is when
	// the API server recorded the annotation (from managedFields), or, failing that,
	// when the operator first saw it.
	// +optional
	DecidedAt *metav1.Time `json:"decidedAt,omitempty"`

	// took is how long the step took (decidedAt minus startedAt), e.g. "4m12s".
	// +optional
	Took string `json:"took,omitempty"`

	// timeStandard is the SOP's time standard (mutu baku waktu) for the step; empty when
	// the SOP sets none.
	// +optional
	TimeStandard *metav1.Duration `json:"timeStandard,omitempty"`

	// deadline is startedAt plus the time standard, plus for an official's step the time
	// the request was back with the applicant meanwhile; empty while it is (the clock is
	// stopped).
	// +optional
	Deadline *metav1.Time `json:"deadline,omitempty"`

	// breached is true when the step took, or has been waiting, longer than its time
	// standard.
	// +optional
	Breached bool `json:"breached,omitempty"`

	// message adds detail, e.g. a rejection's reason, why the request was returned, that
	// an official's clock is stopped or its deadline moved by the applicant's time, or
	// how long provisioning was blocked on the platform team.
	// +optional
	Message string `json:"message,omitempty"`
}

// SubdomainRequest is a unit's request for a website subdomain and hosting under the
// regency's domain. The three Diskominfo officials approve it in order by annotating it
// (see the approval.hosting.kuduskab.go.id/ annotations); the operator then checks the
// name, provisions the site and tells the applicant.
//
// The name of a request (metadata.name) is at most 57 characters, because it becomes a
// label value on everything provisioned; use the subdomain as the name.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 57",message="metadata.name must be at most 57 characters (it becomes a label value on everything provisioned): use the subdomain as the name",fieldPath=".metadata"
// +kubebuilder:resource:scope=Cluster,shortName=sdr,categories=kudus
// +kubebuilder:printcolumn:name="Subdomain",type=string,JSONPath=`.spec.subdomain`
// +kubebuilder:printcolumn:name="Unit",type=string,JSONPath=`.spec.applicant.unit`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Waiting For",type=string,JSONPath=`.status.waitingFor`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,priority=1
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.status.url`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SubdomainRequest struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the request as the applicant filed it.
	// +required
	Spec SubdomainRequestSpec `json:"spec"`

	// status is the operator's record of the request.
	// +optional
	Status SubdomainRequestStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// SubdomainRequestList is a list of SubdomainRequests.
type SubdomainRequestList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SubdomainRequest `json:"items"`
}

// StarterSiteEnabled reports whether the starter site should be created.
func (h Hosting) StarterSiteEnabled() bool { return h.StarterSite == nil || *h.StarterSite }
