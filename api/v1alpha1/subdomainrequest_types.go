package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SubdomainRequestSpec is the paper form of the SOP: which name, for whom, on the
// strength of which letter, and what hosting.
type SubdomainRequestSpec struct {
	// subdomain is the requested name: one DNS label under the platform's base domain
	// (kuduskab.go.id by default), so "dinkes" becomes dinkes.kuduskab.go.id. Lowercase
	// letters a-z, digits 0-9 and "-", starting and ending with a letter or digit, at
	// most 57 characters (63 minus the prefix that external-dns's TXT ownership record
	// adds). No dots, no wildcard, no "xn--"-style reserved prefix. After the first
	// approval this is the only field that may change, and only when the request was
	// returned to the applicant because the name is taken.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=57
	// +kubebuilder:validation:XValidation:rule="!self.contains('.')",message="spec.subdomain must be a single label without dots: write \"dinkes\", not \"dinkes.kuduskab.go.id\""
	// +kubebuilder:validation:XValidation:rule="!self.contains('*')",message="spec.subdomain cannot be a wildcard"
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9-]*$')",message="spec.subdomain may contain only lowercase letters a-z, digits 0-9 and '-' (no uppercase, underscores or spaces)"
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9].*[a-z0-9]$|^[a-z0-9]$')",message="spec.subdomain must start and end with a letter or digit, not '-'"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^..--')",message="spec.subdomain cannot have '--' as its 3rd and 4th characters: that form (like xn--) is reserved for internationalized names"
	Subdomain string `json:"subdomain"`

	// applicant is the unit (OPD) that asks, and the person to contact.
	// +required
	Applicant Applicant `json:"applicant"`

	// letter is the official request letter (surat permohonan) this request is based on.
	// +required
	Letter Letter `json:"letter"`

	// purpose says what the site is for, in a sentence or two.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1000
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

const (
	DeletionPolicyRetain DeletionPolicy = "Retain"
	DeletionPolicyDelete DeletionPolicy = "Delete"
)

// Applicant is the requesting unit and its contact person.
type Applicant struct {
	// unit is the name of the requesting unit (OPD or sub-unit), e.g. "Dinas Kesehatan".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	Unit string `json:"unit"`

	// contactName is the full name of the person responsible for the request.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	ContactName string `json:"contactName"`

	// position is the contact person's position (jabatan), e.g. "Kepala Subbagian Umum".
	// +optional
	// +kubebuilder:validation:MaxLength=200
	Position string `json:"position,omitempty"`

	// nip is the contact person's civil-servant number (Nomor Induk Pegawai): 18 digits,
	// without spaces.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{18}$')",message="spec.applicant.nip must be exactly 18 digits, without spaces"
	NIP string `json:"nip,omitempty"`

	// email is where the applicant is told about the request (returned, rejected, ready).
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:XValidation:rule="self.matches('^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$')",message="spec.applicant.email must be an email address such as nama@kuduskab.go.id"
	Email string `json:"email"`

	// phone is the contact person's telephone or WhatsApp number.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^\\\\+?[0-9][0-9 ()-]{5,19}$')",message="spec.applicant.phone must be a telephone number such as +62291438713 or (0291) 438713"
	Phone string `json:"phone,omitempty"`

	// group is the Kubernetes group whose members will manage the site: it is bound to
	// the "edit" ClusterRole in the site's Namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Group string `json:"group"`
}

// Letter is the request letter (surat permohonan) as registered by the office.
type Letter struct {
	// number is the letter's number, e.g. "555/123/20.01/2026".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	Number string `json:"number"`

	// date is the letter's date, as YYYY-MM-DD.
	// +required
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$')",message="spec.letter.date must be a date written YYYY-MM-DD, e.g. 2026-11-28"
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

const (
	PlanSmall  Plan = "small"
	PlanMedium Plan = "medium"
	PlanLarge  Plan = "large"
)

// SubdomainRequestStatus is what the operator observed and did; together with the
// annotations it is the register entry of the request.
type SubdomainRequestStatus struct {
	// phase is where the request stands: PendingKepalaDinas, PendingKepalaBidang,
	// PendingKepalaSeksi, ReturnedToApplicant, Rejected, Approved, Provisioning, Ready
	// or Deleting.
	// +optional
	Phase Phase `json:"phase,omitempty"`

	// waitingFor names who must act next: a role, "applicant", "operator", or empty
	// when nobody needs to.
	// +optional
	WaitingFor string `json:"waitingFor,omitempty"`

	// requestedBy is the user who created the request, as recorded by the API server.
	// +optional
	RequestedBy string `json:"requestedBy,omitempty"`

	// steps is the timeline: one entry per step of the SOP, with who decided, when, how
	// long it took and whether it stayed within its time standard.
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

// Step is one row of the timeline.
type Step struct {
	// name is the step: Submission, KepalaDinas, KepalaBidang, KepalaSeksi,
	// Provisioning or Notification.
	Name string `json:"name"`

	// role is who performs the step: "applicant", one of the officials' roles, or
	// "operator" for the technical staff's work.
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

	// deadline is startedAt plus the time standard.
	// +optional
	Deadline *metav1.Time `json:"deadline,omitempty"`

	// breached is true when the step took, or has been waiting, longer than its time
	// standard.
	// +optional
	Breached bool `json:"breached,omitempty"`

	// message adds detail, e.g. a rejection's reason or why the request was returned.
	// +optional
	Message string `json:"message,omitempty"`
}

// SubdomainRequest is a unit's request for a website subdomain and hosting under the
// regency's domain. The three Diskominfo officials approve it in order by annotating it
// (see the approval.hosting.kuduskab.go.id/ annotations); the operator then checks the
// name, provisions the site and tells the applicant.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
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

func init() {
	SchemeBuilder.Register(&SubdomainRequest{}, &SubdomainRequestList{})
}

// StarterSiteEnabled reports whether the starter site should be created.
func (h Hosting) StarterSiteEnabled() bool { return h.StarterSite == nil || *h.StarterSite }
