package controllers

import (
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/requestcache"
)

// CacheOptions are the cache options the reconciler expects of its manager
// (internal/requestcache).
func CacheOptions(cfg config.Config) cache.Options { return requestcache.Options(cfg) }
