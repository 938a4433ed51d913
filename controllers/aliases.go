package controllers

import (
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Short names for the handler signatures used in SetupWithManager.
type (
	eventCreate = event.TypedCreateEvent[client.Object]
	eventUpdate = event.TypedUpdateEvent[client.Object]
	eventDelete = event.TypedDeleteEvent[client.Object]
	queue       = workqueue.TypedRateLimitingInterface[reconcile.Request]
)
