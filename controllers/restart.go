package controllers

// After a restart the operator remembers nothing of what it verified, and each site's
// first reconcile would read every one of its objects to compare it with what it
// should hold: one GET per object, 120,000 of them at 10,000 sites. Instead each
// request carries in its status a digest of its site as last verified
// (status.siteDigest: every object's version and what the operator wanted in it,
// apply.SiteDigest). At a request's first reconcile in this process, rememberSite
// (provision.go) computes the same digest from the versions the site store holds and
// the objects the request wants now; when they agree, nothing changed since and
// nothing is read. Otherwise the site's objects are read and compared as usual.
//
// So the store needs no whole objects at the start: it lists the kinds that do not
// serve a host or report readiness as metadata, and its lists run while the requests
// are listed, not after.
