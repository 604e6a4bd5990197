/*
Copyright 2026 The GameStatefulSet Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package loadbalancer is what the Listener controller asks to make a listener real or remove it: one Provider
// per kind of load balancer.
package loadbalancer

import (
	"context"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// Observed is what a provider reports of a listener it holds.
type Observed struct {
	// ListenerID is the provider's id of the listener.
	ListenerID string
	// Address is where players connect.
	Address string
}

// Provider holds listeners on load balancers. Both calls are idempotent: the controller repeats them after any
// error, a restart or a lost status write.
type Provider interface {
	// Ensure makes the listener exist as specified, forwarding to exactly the spec's targets.
	Ensure(ctx context.Context, l *gstsv1alpha1.Listener) (Observed, error)
	// Delete removes the listener; nil once it is gone.
	Delete(ctx context.Context, l *gstsv1alpha1.Listener) error
}
