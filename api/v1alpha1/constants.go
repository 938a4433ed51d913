package v1alpha1

// Role is one of the three Diskominfo officials who decide on a request, in the
// order of the SOP.
type Role string

const (
	// RoleKepalaDinas is the Head of the Diskominfo office (Kepala Dinas). Step 2 of
	// the SOP: dispositions the letter to the Head of Informatics.
	RoleKepalaDinas Role = "kepala-dinas"
	// RoleKepalaBidangInformatika is the Head of Informatics (Kepala Bidang
	// Informatika). Step 3: signs the form, dispositions it to the Kepala Seksi.
	RoleKepalaBidangInformatika Role = "kepala-bidang-informatika"
	// RoleKepalaSeksiTIPersandian is the Head of the IT and Cryptography Section
	// (Kepala Seksi Teknologi Informasi dan Persandian). Step 4: confirms the name is
	// free and sends the request to the technical staff (the operator).
	RoleKepalaSeksiTIPersandian Role = "kepala-seksi-ti-persandian"
)

// Roles lists the roles in the order in which they decide.
var Roles = []Role{RoleKepalaDinas, RoleKepalaBidangInformatika, RoleKepalaSeksiTIPersandian}

const (
	// ApprovalAnnotationPrefix prefixes the approval annotation of each role. The
	// value is the approving official's own Kubernetes user name, e.g.
	// approval.hosting.kuduskab.go.id/kepala-dinas: "budi".
	ApprovalAnnotationPrefix = "approval.hosting.kuduskab.go.id/"
	// RejectionAnnotationPrefix prefixes the rejection annotation of each role; the
	// value is the rejecting official's own user name.
	RejectionAnnotationPrefix = "rejection.hosting.kuduskab.go.id/"
	// RejectionReasonAnnotation carries the reason of a rejection, set in the same
	// change as the rejection itself.
	RejectionReasonAnnotation = "rejection.hosting.kuduskab.go.id/reason"
	// RequestedByAnnotation is the user who created the request, written by the API
	// server's admission (MutatingAdmissionPolicy), never taken from the manifest.
	RequestedByAnnotation = "hosting.kuduskab.go.id/requested-by"

	// SubdomainLabel marks every object provisioned for a subdomain.
	SubdomainLabel = "hosting.kuduskab.go.id/subdomain"
	// RequestLabel names the SubdomainRequest an object was provisioned for.
	RequestLabel = "hosting.kuduskab.go.id/request"

	// Finalizer holds a request until its deletion policy has been carried out.
	Finalizer = "hosting.kuduskab.go.id/finalizer"

	// ApproveVerb is the RBAC verb on subdomainrequests, with the role as resource
	// name, that makes a user a holder of that role.
	ApproveVerb = "approve"
	// ProvisionVerb is the RBAC verb on subdomainrequests that marks the subdomain
	// operator for the admission policies: only it adds or removes the finalizer and
	// publishes site records under the base domain. Its generated ClusterRole holds it.
	ProvisionVerb = "provision"
	// AdministerVerb is the RBAC verb on subdomainrequests of platform administrators
	// (ClusterRole subdomain-platform-admin): they may delete any request and publish
	// the platform's own DNS records.
	AdministerVerb = "administer"

	// GroupAnnotation on a site Namespace names the applicant's group, the only
	// subject the operator may bind to "edit" there (operator-confinement policy).
	GroupAnnotation = "hosting.kuduskab.go.id/group"
	// UnitAnnotation on a site Namespace names the unit it belongs to.
	UnitAnnotation = "hosting.kuduskab.go.id/unit"
	// GrantAnnotation on a site Namespace names the granted-hosts ConfigMap that holds
	// its grant, so that a platform administrator can release a retained host.
	GrantAnnotation = "hosting.kuduskab.go.id/grant"
	// ManagedByLabel marks what the operator made; external-dns publishes only
	// DNSEndpoints carrying it (--label-filter).
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is ManagedByLabel's value.
	ManagedByValue = "subdomain-operator"
	// PodSecurityEnforceLabel is the Pod Security admission label of a Namespace.
	PodSecurityEnforceLabel = "pod-security.kubernetes.io/enforce"

	// StarterSiteAnnotation marks the starter site's objects (ConfigMap starter-site,
	// Deployment web); the applicant takes one over by removing its RequestLabel.
	StarterSiteAnnotation = "hosting.kuduskab.go.id/starter-site"
	// RetainedFromAnnotation marks what a request deleted with deletionPolicy Retain
	// left behind, with the request's name, so the platform team can find it again.
	RetainedFromAnnotation = "hosting.kuduskab.go.id/retained-from-request"
	// GrantShardLabel marks the ConfigMaps of granted hosts; its value is
	// grantedHosts.name of the configuration. The host-hijacking policy's binding
	// selects them by it.
	GrantShardLabel = "hosting.kuduskab.go.id/granted-hosts"
	// LastAppliedAnnotation is kubectl's copy of the applied object; changes to it are
	// not changes to what an object does.
	LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"
)

// Values of status.waitingFor besides the officials' roles.
const (
	// WaitingForApplicant: the request was returned; the applicant must choose
	// another name.
	WaitingForApplicant = "applicant"
	// WaitingForOperator: the operator (the SOP's technical staff) is provisioning,
	// or deleting.
	WaitingForOperator = "operator"
	// WaitingForPlatformTeam: provisioning is blocked by something only the platform
	// team can resolve (an object of a site's name that the operator did not make).
	WaitingForPlatformTeam = "platform team"
)

// ApprovalAnnotation returns the approval annotation key of a role.
func ApprovalAnnotation(r Role) string { return ApprovalAnnotationPrefix + string(r) }

// RejectionAnnotation returns the rejection annotation key of a role.
func RejectionAnnotation(r Role) string { return RejectionAnnotationPrefix + string(r) }

// Phase is where a request stands in the procedure.
type Phase string

// The phases, in the order a request usually goes through them.
const (
	// PhasePendingKepalaDinas waits for the Kepala Dinas (SOP step 2).
	PhasePendingKepalaDinas Phase = "PendingKepalaDinas"
	// PhasePendingKepalaBidang waits for the Kepala Bidang Informatika (step 3).
	PhasePendingKepalaBidang Phase = "PendingKepalaBidang"
	// PhasePendingKepalaSeksi waits for the Kepala Seksi TI dan Persandian (step 4).
	PhasePendingKepalaSeksi Phase = "PendingKepalaSeksi"
	// PhaseReturnedToApplicant means the name is taken or not allowed; the applicant
	// must choose another spec.subdomain.
	PhaseReturnedToApplicant Phase = "ReturnedToApplicant"
	// PhaseRejected means an official rejected the request; it is final.
	PhaseRejected Phase = "Rejected"
	// PhaseApproved means all three officials approved and the operator runs without
	// provisioning (--approval-only).
	PhaseApproved Phase = "Approved"
	// PhaseProvisioning means the operator is making the site (step 5).
	PhaseProvisioning Phase = "Provisioning"
	// PhaseReady means the site is provisioned and its name resolves.
	PhaseReady Phase = "Ready"
	// PhaseDeleting means the request was deleted and its deletion policy is being
	// carried out.
	PhaseDeleting Phase = "Deleting"
)

// Condition types.
const (
	ConditionNameAvailable     = "NameAvailable"
	ConditionApproved          = "Approved"
	ConditionNamespaceReady    = "NamespaceReady"
	ConditionIngressReady      = "IngressReady"
	ConditionDNSReady          = "DNSReady"
	ConditionApplicantNotified = "ApplicantNotified"
	ConditionSLABreached       = "SLABreached"
	ConditionReady             = "Ready"
	// ConditionHostExclusive is True when nothing outside the site namespace serves
	// or publishes the granted host.
	ConditionHostExclusive = "HostExclusive"
	// ConditionRouteAccepted is True when the site's route is taken up by what serves
	// it: the Ingress has a load-balancer address (routing: ingress), or every parent
	// of the HTTPRoute reports Accepted and ResolvedRefs (routing: gateway).
	ConditionRouteAccepted = "RouteAccepted"
	// ConditionCertificateReady is True when the site's cert-manager Certificate
	// (web-tls) is Ready; absent when TLS is off (no clusterIssuer configured).
	ConditionCertificateReady = "CertificateReady"
	// ConditionSiteAvailable is True when Deployment web in the site namespace is
	// Available: the starter site, or the unit's own once it took the site over;
	// absent when the starter site is off and the unit has no Deployment web.
	ConditionSiteAvailable = "SiteAvailable"
)

// Condition and Event reasons.
const (
	ReasonNameAvailable       = "NameAvailable"
	ReasonNameReserved        = "NameReserved"
	ReasonNameRequested       = "NameRequestedElsewhere"
	ReasonNameServedByIngress = "NameServedByIngress"
	// ReasonNameServedByRoute: an HTTPRoute or ListenerSet elsewhere serves the name.
	ReasonNameServedByRoute    = "NameServedByRoute"
	ReasonNameInDNSEndpoint    = "NameInDNSEndpoint"
	ReasonNameInDNSZone        = "NameInDNSZone"
	ReasonNameClaimed          = "NameClaimedByOtherRequest"
	ReasonAwaitingApproval     = "AwaitingApproval"
	ReasonApproved             = "Approved"
	ReasonFullyApproved        = "FullyApproved"
	ReasonRejected             = "Rejected"
	ReasonReturnedToApplicant  = "ReturnedToApplicant"
	ReasonRenamed              = "Renamed"
	ReasonWithinTimeStandard   = "WithinTimeStandard"
	ReasonTimeStandardExceeded = "TimeStandardExceeded"
	ReasonAwaitingProvisioning = "AwaitingProvisioning"
	ReasonProvisioned          = "Provisioned"
	ReasonProvisioning         = "Provisioning"
	ReasonConflict             = "Conflict"
	// ReasonDNSNotAnswering: the authoritative DNS server does not answer the site's
	// name with the configured target yet (condition DNSReady). As a Warning Event: it
	// still does not, two minutes after the site's record was due (told once per wait).
	ReasonDNSNotAnswering = "DNSNotAnswering"
	ReasonDNSAnswering    = "DNSAnswering"
	ReasonNotified        = "Notified"
	// ReasonNotificationFailed: telling the applicant failed and is retried with
	// back-off (condition ApplicantNotified). As a Warning Event: on the first failure
	// of a message and channel, and again only when the error changes, not per retry.
	ReasonNotificationFailed = "NotificationFailed"
	ReasonNotReady           = "NotReady"
	ReasonRegistered         = "Registered"
	// ReasonHostServedElsewhere: an object outside the site namespace serves or
	// publishes the granted host; the site is not Ready until it is gone.
	ReasonHostServedElsewhere = "HostServedElsewhere"
	// ReasonHostExclusive: only the site namespace serves and publishes the host.
	ReasonHostExclusive = "HostExclusive"
	// ReasonNotificationLimited: a "returned" notice was already sent within the last
	// day; the next one waits.
	ReasonNotificationLimited = "NotificationLimited"
	// ReasonProvisioningConflict (Warning Event): an object the site needs exists and
	// the operator did not make it (a Namespace, or a part inside it), so it is left
	// untouched and the request waits for the platform team; the message names it.
	// Told when the conflict appears or changes.
	ReasonProvisioningConflict = "ProvisioningConflict"
	// ReasonReconcileError (Warning Event): a reconcile of the request failed (the name
	// check, provisioning, the status write or the notification record) and is retried
	// with back-off; the message has the error.
	ReasonReconcileError = "ReconcileError"
	// ReasonRouteAccepted: the route is served (RouteAccepted).
	ReasonRouteAccepted = "RouteAccepted"
	// ReasonRouteNotAccepted: the Ingress has no address yet, or a parent of the
	// HTTPRoute has not accepted it or cannot resolve its references (RouteAccepted).
	ReasonRouteNotAccepted = "RouteNotAccepted"
	// ReasonCertificateIssued: the Certificate is Ready (CertificateReady).
	ReasonCertificateIssued = "CertificateIssued"
	// ReasonCertificateNotReady: the Certificate is missing or not Ready; the message
	// has cert-manager's own reason (CertificateReady).
	ReasonCertificateNotReady = "CertificateNotReady"
	// ReasonSiteAvailable: Deployment web is Available (SiteAvailable).
	ReasonSiteAvailable = "SiteAvailable"
	// ReasonSiteUnavailable: Deployment web is missing or not Available; the message
	// says how many replicas are ready (SiteAvailable).
	ReasonSiteUnavailable = "SiteUnavailable"
	// ReasonNotServing (Ready): everything is provisioned and the name resolves, but
	// the site does not serve yet; the message names the conditions still false.
	ReasonNotServing = "NotServing"
)

// Step names of the timeline, one per row of the SOP.
const (
	StepSubmission   = "Submission"
	StepKepalaDinas  = "KepalaDinas"
	StepKepalaBidang = "KepalaBidang"
	StepKepalaSeksi  = "KepalaSeksi"
	StepProvisioning = "Provisioning"
	StepNotification = "Notification"
	// StepApplicantRename is not a row of the SOP but the time a returned request was
	// back with the applicant (role "applicant"): from the name check that found the
	// name taken to the rename, with the check's message as why. One entry per return:
	// ApplicantRename, then ApplicantRename-2, -3, ... The SOP sets no time standard for
	// it and it is never breached; the officials' clocks are stopped meanwhile.
	StepApplicantRename = "ApplicantRename"
	// StepProvisioningBlocked is not a row of the SOP but the time provisioning waited
	// for the platform team (role "platform team") because an object of the site's name
	// exists that the operator did not make, named in its message. One entry per
	// blocked interval: ProvisioningBlocked, then ProvisioningBlocked-2, -3, ... It has
	// no time standard of its own; the Provisioning step's keeps running and says how
	// long of it was blocked.
	StepProvisioningBlocked = "ProvisioningBlocked"
)

// StepState is the state of one step of the timeline.
type StepState string

// The states of a timeline step.
const (
	// StepStateWaiting is the step the request waits for.
	StepStateWaiting StepState = "Waiting"
	// StepStateDone is a completed step.
	StepStateDone StepState = "Done"
	// StepStateRejected is the step at which an official rejected the request.
	StepStateRejected StepState = "Rejected"
	// StepStateReturned is the name check that sent the request back to the applicant.
	StepStateReturned StepState = "Returned"
	// StepStateNotYet is a step not reached yet.
	StepStateNotYet StepState = "NotStarted"
)
