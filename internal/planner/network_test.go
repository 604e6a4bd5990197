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

package planner

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

func TestCreatedPodsCarryTheirPortMappingNetwork(t *testing.T) {
	set := newSet(3, parallel)
	in := input(set)
	in.PortMappings = []*gstsv1alpha1.PortMapping{{ObjectMeta: metav1.ObjectMeta{Name: "game", Namespace: "default"},
		Spec: gstsv1alpha1.PortMappingSpec{LoadBalancerIDs: []string{"local"}, ReadinessGate: true,
			PortMappings: []gstsv1alpha1.IngressPortMapping{{WorkloadKind: "GameStatefulSet", WorkloadName: "web",
				StartPort: 31000, StartIndex: 0, EndIndex: 2, Protocol: "TCP"}}}}}
	plan := Compute(in)
	expectActions(t, plan, "CreatePod 0 rev-2", "CreatePod 1 rev-2", "CreatePod 2 rev-2")
	for _, a := range plan.Actions {
		if a.Ordinal == 2 {
			if a.Network != nil {
				t.Errorf("ordinal 2 is beyond endIndex, yet gets %+v", a.Network)
			}
			continue
		}
		if a.Network == nil || !a.Network.ReadinessGate {
			t.Fatalf("ordinal %d gets no network or no gate: %+v", a.Ordinal, a.Network)
		}
		found := false
		for _, e := range a.Network.Env {
			if e.Name == "GSTS_EXTERNAL_MAPPING0_PORT" {
				found = true
				if want := []string{"31000", "31001"}[a.Ordinal]; e.Value != want {
					t.Errorf("ordinal %d port %s, want %s", a.Ordinal, e.Value, want)
				}
			}
		}
		if !found {
			t.Errorf("ordinal %d has no port variable: %v", a.Ordinal, a.Network.Env)
		}
	}
}
