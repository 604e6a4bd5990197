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

package podcontrol

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestDeniedToOperator(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"RBAC without pods/resize", apierrors.NewForbidden(pods, "game-0", errors.New(
			`User "system:serviceaccount:ops:gsts" cannot patch resource "pods/resize" in API group "" in the namespace "a"`)), true},
		{"a quota refusing the new requests", apierrors.NewForbidden(pods, "game-0", errors.New(
			`exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=4, limited: requests.cpu=4`)), false},
		{"an invalid resize", apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, "game-0", nil), false},
		{"another error", errors.New(`cannot patch resource "pods/resize"`), false},
	} {
		if got := deniedToOperator(tc.err); got != tc.want {
			t.Errorf("%s: deniedToOperator = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOnlyRefusalsARecreationResolvesRecreate(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"the node cannot resize", apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, "game-0", field.ErrorList{
			field.Forbidden(field.NewPath("spec"), "Pod running on node without support for resize")}), true},
		{"no resize subresource", apierrors.NewNotFound(pods, "game-0"), true},
		{"a quota", apierrors.NewForbidden(pods, "game-0", errors.New(
			`exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=4, limited: requests.cpu=4`)), false},
		{"a LimitRange", apierrors.NewForbidden(pods, "game-0", errors.New(`maximum cpu usage per Container is 2, but limit is 4`)), false},
		{"a webhook", apierrors.NewForbidden(pods, "game-0", errors.New(`admission webhook "policy.example.com" denied the request`)), false},
		{"a timeout", apierrors.NewTimeoutError("slow", 1), false},
	} {
		if got := recreationResolves(tc.err); got != tc.want {
			t.Errorf("%s: recreationResolves = %v, want %v", tc.name, got, tc.want)
		}
	}
}
