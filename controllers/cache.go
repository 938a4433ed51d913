package controllers

import (
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/requestcache"
)

// CacheOptions are the cache options the reconciler expects of its manager, made with
// restConfig (internal/requestcache).
func CacheOptions(cfg config.Config, restConfig *rest.Config) cache.Options {
	return requestcache.Options(cfg, restConfig)
}
